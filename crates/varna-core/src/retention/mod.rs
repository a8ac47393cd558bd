//! Retention (gallring): screenings are removed a set time after they were completed (or
//! approved in review), and abandoned drafts a set number of days after they were last
//! changed. The counts (the tally) stay; the access log keeps one metadata row per removed
//! screening.
//!
//! - Settings (`settings` table): `retention_completed_months` (1–240) and
//!   `retention_draft_days` (1–3650); `0` or absent means **off**. Both are off until an
//!   administratör sets them: nothing is deleted by default.
//! - A completed screening is due when `max(completed_at, approved at)` is at least N months
//!   ago (UTC). A draft is due when `updated_at` is at least M days ago.
//! - A removed draft counts as `discarded` in the tally (so `started = completed + discarded
//!   + open drafts` stays true); a removed completed screening changes no count.
//! - Removal deletes the screening's row and every row that references it through a foreign
//!   key (answers, notes, addenda, review rows…), with `secure_delete` on; then the
//!   write-ahead log is checkpointed and truncated and the database is `VACUUM`ed, so no
//!   freed page keeps old content.
//! - Runs on demand (administratör) and at every unlock when a period is set.

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Event, Obj};
use crate::error::{Error, Result};
use crate::store::{db_error, Role, Store};

const COMPLETED_KEY: &str = "retention_completed_months";
const DRAFT_KEY: &str = "retention_draft_days";

/// Retention periods; `0` = off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionSettings {
    /// Months after completion (or approval) before a completed screening is removed.
    pub completed_months: u32,
    /// Days without change before a draft counts as abandoned and is removed.
    pub draft_days: u32,
}

impl RetentionSettings {
    pub const COMPLETED_MONTHS_MAX: u32 = 240;
    pub const DRAFT_DAYS_MAX: u32 = 3650;

    pub fn is_off(&self) -> bool {
        self.completed_months == 0 && self.draft_days == 0
    }
}

/// One screening that retention removes (metadata only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionItem {
    pub screening_id: String,
    /// `completed` or `draft`.
    pub status: String,
    pub instrument_id: String,
    pub instrument_version: String,
    pub unit_code: String,
    /// Completion time (completed screenings).
    pub completed_at: Option<String>,
    /// The time the period counts from: completion or approval, or a draft's last change.
    pub since: String,
}

/// What a run removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionReport {
    pub completed_removed: u32,
    pub drafts_removed: u32,
    pub removed: Vec<RetentionItem>,
}

fn read_setting(conn: &Connection, key: &str, max: u32) -> Result<u32> {
    let v: Option<String> = conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| db_error("reading retention settings", e))?;
    Ok(v.and_then(|v| v.parse::<u32>().ok())
        .filter(|n| *n <= max)
        .unwrap_or(0))
}

fn settings_of(conn: &Connection) -> Result<RetentionSettings> {
    Ok(RetentionSettings {
        completed_months: read_setting(
            conn,
            COMPLETED_KEY,
            RetentionSettings::COMPLETED_MONTHS_MAX,
        )?,
        draft_days: read_setting(conn, DRAFT_KEY, RetentionSettings::DRAFT_DAYS_MAX)?,
    })
}

fn time_text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn table_exists(conn: &Connection, name: &str) -> Result<bool> {
    conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get(0),
    )
    .map_err(|e| db_error("reading the schema", e))
}

/// The screenings due for removal under `settings`, as of now.
fn due(conn: &Connection, settings: RetentionSettings) -> Result<Vec<RetentionItem>> {
    let now = chrono::Utc::now();
    let mut out = Vec::new();
    if settings.completed_months > 0 {
        let cutoff = now
            .checked_sub_months(chrono::Months::new(settings.completed_months))
            .map(time_text)
            .ok_or_else(|| Error::Internal("retention cutoff out of range".into()))?;
        // Approval by a review counts when the review module's history is there.
        let since = if table_exists(conn, "review_events")? {
            "max(s.completed_at, COALESCE((SELECT max(e.at) FROM review_events e
                 WHERE e.screening_id = s.id AND e.kind = 'approved'), ''))"
        } else {
            "s.completed_at"
        };
        let sql = format!(
            "SELECT * FROM (SELECT s.id, s.status, s.instrument_id, s.instrument_version,
                    u.code, s.completed_at, {since} AS since
             FROM screenings s JOIN units u ON u.id = s.unit_id
             WHERE s.status = 'completed' AND s.completed_at IS NOT NULL)
             WHERE since <= ?1 ORDER BY since, id"
        );
        collect(conn, &sql, &cutoff, &mut out)?;
    }
    if settings.draft_days > 0 {
        let cutoff = time_text(now - chrono::Duration::days(i64::from(settings.draft_days)));
        collect(
            conn,
            "SELECT s.id, s.status, s.instrument_id, s.instrument_version, u.code,
                    s.completed_at, s.updated_at
             FROM screenings s JOIN units u ON u.id = s.unit_id
             WHERE s.status = 'draft' AND s.updated_at <= ?1 ORDER BY s.updated_at, s.id",
            &cutoff,
            &mut out,
        )?;
    }
    Ok(out)
}

fn collect(conn: &Connection, sql: &str, cutoff: &str, out: &mut Vec<RetentionItem>) -> Result<()> {
    let mut stmt = conn
        .prepare(sql)
        .map_err(|e| db_error("finding screenings due for retention", e))?;
    let rows = stmt
        .query_map([cutoff], |r| {
            Ok(RetentionItem {
                screening_id: r.get(0)?,
                status: r.get(1)?,
                instrument_id: r.get(2)?,
                instrument_version: r.get(3)?,
                unit_code: r.get(4)?,
                completed_at: r.get(5)?,
                since: r.get(6)?,
            })
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|e| db_error("finding screenings due for retention", e))?;
    out.extend(rows);
    Ok(())
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Deletes the rows of `table` matching `filter` (which uses `?1`) and, first, every row
/// that references them through a foreign key, recursively.
fn purge(tx: &Connection, table: &str, filter: &str, id: &str, depth: u32) -> Result<()> {
    if depth > 6 {
        return Err(Error::Internal(
            "retention: foreign keys nest too deeply".into(),
        ));
    }
    let children: Vec<(String, String, Option<String>)> = {
        let mut stmt = tx
            .prepare(
                "SELECT m.name, f.\"from\", f.\"to\"
                 FROM sqlite_master m, pragma_foreign_key_list(m.name) f
                 WHERE m.type = 'table' AND f.\"table\" = ?1",
            )
            .map_err(|e| db_error("reading the schema", e))?;
        let rows = stmt
            .query_map([table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| db_error("reading the schema", e))?;
        rows
    };
    for (child, from, to) in children {
        if child == table {
            continue;
        }
        let to = match to {
            Some(t) => t,
            None => tx
                .query_row(
                    "SELECT name FROM pragma_table_info(?1) WHERE pk = 1",
                    [table],
                    |r| r.get(0),
                )
                .map_err(|e| db_error("reading the schema", e))?,
        };
        let child_filter = format!(
            "{} IN (SELECT {} FROM {} WHERE {filter})",
            quote(&from),
            quote(&to),
            quote(table)
        );
        purge(tx, &child, &child_filter, id, depth + 1)?;
    }
    tx.execute(
        &format!("DELETE FROM {} WHERE {filter}", quote(table)),
        [id],
    )
    .map_err(|e| db_error("removing a screening", e))?;
    Ok(())
}

/// Counts a removed draft as `discarded`, like `discard_screening` does.
fn count_discarded(tx: &Connection, screening_id: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO tally (month, unit_id, instrument_id, instrument_version, measure, category,
             count)
         SELECT substr(conducted_on, 1, 7), unit_id, instrument_id, instrument_version,
                'discarded', '', 1
         FROM screenings WHERE id = ?1
         ON CONFLICT (month, unit_id, instrument_id, instrument_version, measure, category)
         DO UPDATE SET count = count + 1",
        [screening_id],
    )
    .map_err(|e| db_error("counting", e))?;
    Ok(())
}

fn run(store: &mut Store, how: &str) -> Result<RetentionReport> {
    let settings = settings_of(store.conn())?;
    if settings.is_off() {
        return Ok(RetentionReport::default());
    }
    let secure: i64 = store
        .conn()
        .query_row("PRAGMA secure_delete", [], |r| r.get(0))
        .map_err(|e| db_error("checking secure deletion", e))?;
    if secure != 1 {
        return Err(Error::Internal(
            "secure deletion is off; refusing to remove anything".into(),
        ));
    }
    let me = store.actor().id.clone();
    let how = how.to_owned();
    let report = store.with_tx(|tx| {
        // Read inside the write transaction, so what is removed is what is due now.
        let items = due(tx, settings)?;
        let mut report = RetentionReport::default();
        for item in &items {
            if item.status == "draft" {
                count_discarded(tx, &item.screening_id)?;
                report.drafts_removed += 1;
            } else {
                report.completed_removed += 1;
            }
            purge(tx, "screenings", "id = ?1", &item.screening_id, 0)?;
            audit::record(
                tx,
                Some(&me),
                Event::RetentionDelete,
                Obj::screening(&item.screening_id).detail(format!(
                    "{} {}@{} {} since {}",
                    item.status,
                    item.instrument_id,
                    item.instrument_version,
                    item.unit_code,
                    item.since
                )),
            )?;
        }
        audit::record(
            tx,
            Some(&me),
            Event::RetentionRun,
            Obj::none().detail(format!(
                "{how}: {} completed, {} drafts removed (completed after {} months, drafts after {} days)",
                report.completed_removed,
                report.drafts_removed,
                settings.completed_months,
                settings.draft_days
            )),
        )?;
        report.removed = items;
        Ok(report)
    })?;
    if !report.removed.is_empty() {
        // Copy the log into the database and truncate it, then rebuild the file without
        // free pages, and truncate the log that the rebuild wrote.
        let conn = store.conn();
        for sql in [
            "PRAGMA wal_checkpoint(TRUNCATE)",
            "VACUUM",
            "PRAGMA wal_checkpoint(TRUNCATE)",
        ] {
            let mut stmt = conn
                .prepare(sql)
                .map_err(|e| db_error("compacting the database", e))?;
            let mut rows = stmt
                .query([])
                .map_err(|e| db_error("compacting the database", e))?;
            while rows
                .next()
                .map_err(|e| db_error("compacting the database", e))?
                .is_some()
            {}
        }
    }
    Ok(report)
}

/// At unlock: removes what is due when a period is set (any role may trigger it; the
/// periods are the administratör's decision).
pub(crate) fn run_at_unlock(store: &mut Store) -> Result<()> {
    let settings = settings_of(store.conn())?;
    if settings.is_off() || due(store.conn(), settings)?.is_empty() {
        return Ok(());
    }
    run(store, "at unlock").map(|_| ())
}

impl Store {
    /// The retention periods. Administratör only.
    pub fn retention_settings(&self) -> Result<RetentionSettings> {
        self.require(&[Role::Administrator], "reading retention settings")?;
        settings_of(self.conn())
    }

    /// Sets the retention periods (`0` = off). Administratör only. Nothing is removed until
    /// the next run (on demand or at unlock); look at [`Store::retention_preview`] first.
    pub fn set_retention_settings(
        &mut self,
        settings: RetentionSettings,
    ) -> Result<RetentionSettings> {
        self.require(&[Role::Administrator], "changing retention settings")?;
        if settings.completed_months > RetentionSettings::COMPLETED_MONTHS_MAX {
            return Err(Error::InvalidInput(format!(
                "completed screenings can be kept at most {} months",
                RetentionSettings::COMPLETED_MONTHS_MAX
            )));
        }
        if settings.draft_days > RetentionSettings::DRAFT_DAYS_MAX {
            return Err(Error::InvalidInput(format!(
                "drafts can be kept at most {} days",
                RetentionSettings::DRAFT_DAYS_MAX
            )));
        }
        let me = self.actor().id.clone();
        self.with_tx(|tx| {
            for (key, value) in [
                (COMPLETED_KEY, settings.completed_months),
                (DRAFT_KEY, settings.draft_days),
            ] {
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value.to_string()),
                )
                .map_err(|e| db_error("saving retention settings", e))?;
            }
            audit::record(
                tx,
                Some(&me),
                Event::RetentionSettings,
                Obj::none().detail(format!(
                    "completed_months={} draft_days={}",
                    settings.completed_months, settings.draft_days
                )),
            )
        })?;
        settings_of(self.conn())
    }

    /// What a run would remove now (metadata only). Administratör only.
    pub fn retention_preview(&self) -> Result<Vec<RetentionItem>> {
        self.require(&[Role::Administrator], "previewing retention")?;
        let settings = settings_of(self.conn())?;
        due(self.conn(), settings)
    }

    /// Removes what is due now. Administratör only.
    pub fn retention_run(&mut self) -> Result<RetentionReport> {
        self.require(&[Role::Administrator], "running retention")?;
        run(self, "on demand")
    }
}
