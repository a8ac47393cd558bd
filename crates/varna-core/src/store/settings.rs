//! Settings of the installation, kept in the encrypted database.

use rusqlite::OptionalExtension;
use serde::Serialize;

use super::{db_error, Role, Store};
use crate::error::{Error, Result};

/// Settings the shell needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// Minutes of inactivity before the app locks itself.
    pub auto_lock_minutes: u32,
}

impl Settings {
    pub const DEFAULT_AUTO_LOCK_MINUTES: u32 = 10;
    /// Allowed range for the auto-lock delay.
    pub const AUTO_LOCK_RANGE: std::ops::RangeInclusive<u32> = 1..=120;
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            auto_lock_minutes: Self::DEFAULT_AUTO_LOCK_MINUTES,
        }
    }
}

impl Store {
    /// The current settings (defaults where none are stored). Any signed-in account.
    pub fn settings(&self) -> Result<Settings> {
        let stored: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = 'auto_lock_minutes'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| db_error("reading settings", e))?;
        let auto_lock_minutes = stored
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|m| Settings::AUTO_LOCK_RANGE.contains(m))
            .unwrap_or(Settings::DEFAULT_AUTO_LOCK_MINUTES);
        Ok(Settings { auto_lock_minutes })
    }

    /// Sets the auto-lock delay. Administrators only.
    pub fn set_auto_lock_minutes(&mut self, minutes: u32) -> Result<Settings> {
        self.require(&[Role::Administrator], "changing settings")?;
        if !Settings::AUTO_LOCK_RANGE.contains(&minutes) {
            return Err(Error::InvalidInput(format!(
                "auto-lock must be between {} and {} minutes",
                Settings::AUTO_LOCK_RANGE.start(),
                Settings::AUTO_LOCK_RANGE.end()
            )));
        }
        let me = self.actor.id.clone();
        self.with_tx(|tx| {
            crate::audit::record(
                tx,
                Some(&me),
                crate::audit::Event::SettingsChange,
                crate::audit::Obj::none().detail(format!("auto_lock_minutes={minutes}")),
            )?;
            tx.execute(
                "INSERT INTO settings (key, value) VALUES ('auto_lock_minutes', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [minutes.to_string()],
            )
            .map_err(|e| db_error("saving settings", e))
            .map(|_| ())
        })?;
        self.settings()
    }
}
