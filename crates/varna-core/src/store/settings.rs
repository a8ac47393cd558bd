//! Settings of the installation, kept in the encrypted database.

use rusqlite::OptionalExtension;
use serde::Serialize;

use super::{DbContext, Role, Store};
use crate::error::{Error, Result};

/// Settings the shell needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub struct Settings {
    /// Minutes of inactivity before the app locks itself.
    pub auto_lock_minutes: u32,
    /// Days after the last backup when an administratör is reminded to make a new one.
    pub backup_reminder_days: u32,
}

impl Settings {
    pub const DEFAULT_AUTO_LOCK_MINUTES: u32 = 10;
    /// Allowed range for the auto-lock delay.
    pub const AUTO_LOCK_RANGE: std::ops::RangeInclusive<u32> = 1..=120;
    pub const DEFAULT_BACKUP_REMINDER_DAYS: u32 = 7;
    /// Allowed range for the backup reminder.
    pub const BACKUP_REMINDER_RANGE: std::ops::RangeInclusive<u32> = 1..=90;
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            auto_lock_minutes: Self::DEFAULT_AUTO_LOCK_MINUTES,
            backup_reminder_days: Self::DEFAULT_BACKUP_REMINDER_DAYS,
        }
    }
}

impl Store {
    /// The current settings (defaults where none are stored). Any signed-in account.
    pub fn settings(&self) -> Result<Settings> {
        let read = |key: &str, range: std::ops::RangeInclusive<u32>, default: u32| {
            let stored: Option<String> = self
                .conn
                .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                    r.get(0)
                })
                .optional()
                .db("reading settings")?;
            Ok::<u32, Error>(
                stored
                    .and_then(|v| v.parse::<u32>().ok())
                    .filter(|m| range.contains(m))
                    .unwrap_or(default),
            )
        };
        Ok(Settings {
            auto_lock_minutes: read(
                "auto_lock_minutes",
                Settings::AUTO_LOCK_RANGE,
                Settings::DEFAULT_AUTO_LOCK_MINUTES,
            )?,
            backup_reminder_days: read(
                "backup_reminder_days",
                Settings::BACKUP_REMINDER_RANGE,
                Settings::DEFAULT_BACKUP_REMINDER_DAYS,
            )?,
        })
    }

    /// Sets after how many days without a backup an administratör is reminded.
    /// Administrators only; logged.
    pub fn set_backup_reminder_days(&mut self, days: u32) -> Result<Settings> {
        self.require(&[Role::Administrator], "changing settings")?;
        if !Settings::BACKUP_REMINDER_RANGE.contains(&days) {
            return Err(Error::InvalidInput(format!(
                "the backup reminder must be between {} and {} days",
                Settings::BACKUP_REMINDER_RANGE.start(),
                Settings::BACKUP_REMINDER_RANGE.end()
            )));
        }
        let me = self.actor.id.clone();
        self.with_tx(|tx| {
            crate::audit::record(
                tx,
                Some(&me),
                crate::audit::Event::SettingsChange,
                crate::audit::Obj::none().detail(format!("backup_reminder_days={days}")),
            )?;
            tx.execute(
                "INSERT INTO settings (key, value) VALUES ('backup_reminder_days', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [days.to_string()],
            )
            .db("saving settings")
            .map(|_| ())
        })?;
        self.settings()
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
            .db("saving settings")
            .map(|_| ())
        })?;
        self.settings()
    }
}
