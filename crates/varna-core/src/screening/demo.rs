//! Demo installations: `varna demo seed` fills a folder with synthetic screenings spread over
//! the past year. Counts are filed under the month each event happens (docs/EXPORT.md), so a
//! year of demo statistics needs events that happen "in" past months. That is allowed only in
//! a folder an administratör has marked as a demo installation (logged); in any other store
//! the clock cannot be moved, so its counts stay exactly what happened.

use crate::access::Role;
use crate::audit::{self, Event, Obj};
use crate::db::Store;
use crate::error::DbContext;
use crate::error::{Error, Result};

impl Store {
    /// Marks this store as a demo installation (administratör; logged). Only
    /// `varna demo seed` does this, for folders with synthetic data.
    pub fn mark_demo_installation(&mut self) -> Result<()> {
        self.require(&[Role::Administrator], "marking a demo installation")?;
        let me = self.actor().id.clone();
        self.with_tx(|tx| {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('demo_installation', '1')
                 ON CONFLICT (key) DO UPDATE SET value = '1'",
                [],
            )
            .db("marking a demo installation")?;
            audit::record(
                tx,
                Some(&me),
                Event::SettingsChange,
                Obj::none().detail("demo_installation"),
            )
        })
    }

    /// Whether this store is a demo installation.
    pub fn is_demo_installation(&self) -> Result<bool> {
        use rusqlite::OptionalExtension;
        let v: Option<String> = self
            .conn()
            .query_row(
                "SELECT value FROM meta WHERE key = 'demo_installation'",
                [],
                |r| r.get(0),
            )
            .optional()
            .db("reading the store's settings")?;
        Ok(v.as_deref() == Some("1"))
    }

    /// Runs `f` as if it happened at `at`: its screenings' timestamps and counts fall in
    /// that month. Refused unless this is a demo installation.
    pub fn demo_backdated<T>(
        &mut self,
        at: chrono::DateTime<chrono::Utc>,
        f: impl FnOnce(&mut Store) -> Result<T>,
    ) -> Result<T> {
        if !self.is_demo_installation()? {
            return Err(Error::Forbidden(
                "events can be placed in the past only in a demo installation".into(),
            ));
        }
        super::tally::with_demo_clock(at, || f(self))
    }
}

#[cfg(test)]
mod tests {
    use crate::store::{FirstRun, Store};

    #[test]
    fn only_a_demo_installation_may_place_events_in_the_past() {
        let dir = tempfile::tempdir().unwrap();
        let (mut admin, _) = Store::create_first_run(
            dir.path(),
            FirstRun {
                admin_username: "admin",
                admin_display_name: "Admin",
                passphrase: "admin passphrase 1",
                unit_code: "IFO",
                unit_name: "IFO",
            },
        )
        .unwrap();
        let past = chrono::Utc::now() - chrono::Duration::days(200);
        let err = admin
            .demo_backdated(past, |_| Ok(super::super::tally::now_utc()))
            .unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Forbidden);
        admin.mark_demo_installation().unwrap();
        let seen = admin
            .demo_backdated(past, |_| Ok(super::super::tally::now_utc()))
            .unwrap();
        assert_eq!(seen, past);
        // The clock is back to now afterwards.
        assert!(super::super::tally::now_utc() > past + chrono::Duration::days(199));
    }
}
