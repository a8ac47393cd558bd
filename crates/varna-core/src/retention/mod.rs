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
//!
//! **The clock guard.** Removal counts from the computer's clock, so a clock set years ahead
//! would remove every completed screening at the next sign-in. Before anything is removed
//! the clock is checked ([`clock_check`]) against what Värna has stored:
//!
//! - *behind*: the clock is earlier than the newest stored timestamp (the latest `at` of the
//!   access log, the latest `updated_at` or `completed_at` of a screening, or the last time
//!   Värna saw, whichever is latest);
//! - *jumped ahead*: the clock is more than [`CLOCK_JUMP_MARGIN_DAYS`] past the last time
//!   Värna saw (`retention_last_seen` in `settings`, written at unlock, at most once per
//!   [`LAST_SEEN_RESOLUTION_MINUTES`], and by every run).
//!
//! When the clock looks wrong and something would be removed, the run at unlock is **held**:
//! nothing is removed, the reason is kept in `settings` (`retention_held`) and logged
//! (`retention_held`), and the last time seen is not moved. A held run stays held (every
//! automatic run is skipped) until an administratör looks at it ([`Store::retention_hold`])
//! and confirms it ([`Store::retention_confirm`]), which is logged (`retention_confirm`)
//! with who confirmed, runs it, and accepts the clock. A run on demand
//! ([`Store::retention_run`]) refuses while the clock looks wrong or a run is held unless
//! asked with `confirm_clock`.

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::audit::{self, Event, Obj};
use crate::db::{time_text, Store};
use crate::error::DbContext;
use crate::error::{Error, Result, RowsExt};

const COMPLETED_KEY: &str = "retention_completed_months";
const DRAFT_KEY: &str = "retention_draft_days";
/// The last time Värna saw (RFC 3339, UTC): written at unlock and by every run.
const LAST_SEEN_KEY: &str = "retention_last_seen";
/// A held run (JSON of [`ClockWarning`] and when it was held); absent when none is held.
const HELD_KEY: &str = "retention_held";

/// How many days past the last time Värna saw (`retention_last_seen`) the clock may be at
/// unlock before automatic retention is held for an administratör's confirmation. A month
/// and a day: a computer left unused over a long holiday needs one confirmation; a clock
/// jumped by a year or more never removes anything on its own.
pub const CLOCK_JUMP_MARGIN_DAYS: i64 = 31;

/// The last time seen is rewritten at unlock only when it is at least this old, so most
/// unlocks write nothing extra (the unlock is benchmarked). Far below the margin.
pub const LAST_SEEN_RESOLUTION_MINUTES: i64 = 60;

/// Retention periods; `0` = off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RetentionReport {
    pub completed_removed: u32,
    pub drafts_removed: u32,
    pub removed: Vec<RetentionItem>,
}

/// Why the clock looks wrong to retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ClockProblem {
    /// The clock is earlier than the newest stored timestamp.
    Behind,
    /// The clock is more than [`CLOCK_JUMP_MARGIN_DAYS`] past the last time Värna saw.
    JumpedAhead,
}

/// A clock that looks wrong, with the times compared (metadata only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ClockWarning {
    pub problem: ClockProblem,
    /// The clock when it was checked (RFC 3339, UTC).
    pub now: String,
    /// What it was compared with: the newest stored timestamp (`behind`) or the last time
    /// Värna saw (`jumped_ahead`).
    pub reference: String,
}

impl ClockWarning {
    /// The reason in plain words (English; the UI translates `problem`).
    pub fn reason(&self) -> String {
        match self.problem {
            ClockProblem::Behind => format!(
                "the clock ({}) is earlier than the newest stored time ({})",
                self.now, self.reference
            ),
            ClockProblem::JumpedAhead => format!(
                "the clock ({}) is more than {CLOCK_JUMP_MARGIN_DAYS} days past the last time \
                 Värna saw ({})",
                self.now, self.reference
            ),
        }
    }
}

/// A held retention run (or a clock warning before any run was held), for the
/// administratör's confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RetentionHold {
    /// When the run was held (the clock's time then); `None` when no run has been held yet
    /// but the clock looks wrong now.
    pub held_at: Option<String>,
    /// Why it was held (or why the clock looks wrong now).
    pub warning: ClockWarning,
    /// Why the clock looks wrong now (`None`: it looks right now, the run is still held).
    pub current: Option<ClockWarning>,
    /// What a confirmed run would remove now (metadata only).
    pub preview: Vec<RetentionItem>,
}

/// A held run as stored under `retention_held`.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
struct StoredHold {
    held_at: String,
    warning: ClockWarning,
}

fn parse_time(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

fn text_setting(conn: &Connection, key: &str) -> Result<Option<String>> {
    conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .optional()
    .db("reading retention settings")
}

fn put_setting(tx: &Connection, key: &str, value: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
    .db("saving retention settings")?;
    Ok(())
}

fn last_seen(conn: &Connection) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    Ok(text_setting(conn, LAST_SEEN_KEY)?.and_then(|v| parse_time(&v)))
}

fn load_hold(conn: &Connection) -> Result<Option<StoredHold>> {
    Ok(text_setting(conn, HELD_KEY)?.and_then(|v| serde_json::from_str(&v).ok()))
}

/// The newest timestamp Värna has stored: the latest access-log row, the latest change or
/// completion of a screening, and the last time seen. Each `max` is a query of its own, so
/// SQLite answers it from its index (schema version 11) instead of reading every row: this
/// runs at every unlock, and must not grow with the years of history.
fn newest_stored(conn: &Connection) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    let texts: Vec<Option<String>> = [
        "SELECT max(at) FROM audit_log",
        "SELECT max(updated_at) FROM screenings",
        "SELECT max(completed_at) FROM screenings",
    ]
    .iter()
    .map(|sql| {
        conn.query_row(sql, [], |r| r.get::<_, Option<String>>(0))
            .db("reading the newest stored time")
    })
    .collect::<Result<_>>()?;
    Ok(texts
        .iter()
        .flatten()
        .filter_map(|t| parse_time(t))
        .chain(last_seen(conn)?)
        .max())
}

/// Whether the clock (`now`) looks wrong: earlier than the newest stored timestamp, or more
/// than [`CLOCK_JUMP_MARGIN_DAYS`] past the last time Värna saw. The first that applies.
pub(crate) fn clock_check(
    conn: &Connection,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<ClockWarning>> {
    if let Some(newest) = newest_stored(conn)? {
        if now < newest {
            return Ok(Some(ClockWarning {
                problem: ClockProblem::Behind,
                now: time_text(now),
                reference: time_text(newest),
            }));
        }
    }
    if let Some(seen) = last_seen(conn)? {
        if now - seen > chrono::Duration::days(CLOCK_JUMP_MARGIN_DAYS) {
            return Ok(Some(ClockWarning {
                problem: ClockProblem::JumpedAhead,
                now: time_text(now),
                reference: time_text(seen),
            }));
        }
    }
    Ok(None)
}

fn read_setting(conn: &Connection, key: &str, max: u32) -> Result<u32> {
    let v: Option<String> = conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()
        .db("reading retention settings")?;
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

fn table_exists(conn: &Connection, name: &str) -> Result<bool> {
    conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get(0),
    )
    .db("reading the schema")
}

/// The screenings due for removal under `settings`, as of `now`.
fn due(
    conn: &Connection,
    settings: RetentionSettings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<RetentionItem>> {
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
        .db("finding screenings due for retention")?;
    let rows = stmt.rows([cutoff], "finding screenings due for retention", |r| {
        Ok(RetentionItem {
            screening_id: r.get(0)?,
            status: r.get(1)?,
            instrument_id: r.get(2)?,
            instrument_version: r.get(3)?,
            unit_code: r.get(4)?,
            completed_at: r.get(5)?,
            since: r.get(6)?,
        })
    })?;
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
            .db("reading the schema")?;
        stmt.rows([table], "reading the schema", |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
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
                .db("reading the schema")?,
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
    .db("removing a screening")?;
    Ok(())
}

/// Counts a removed draft as `discarded`, like `discard_screening` does: under the month of
/// the removal (`docs/EXPORT.md`, "Stable months").
fn count_discarded(tx: &Connection, screening_id: &str, month: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO tally (month, unit_id, instrument_id, instrument_version, measure, category,
             count)
         SELECT ?2, unit_id, instrument_id, instrument_version, 'discarded', '', 1
         FROM screenings WHERE id = ?1
         ON CONFLICT (month, unit_id, instrument_id, instrument_version, measure, category)
         DO UPDATE SET count = count + 1",
        (screening_id, month),
    )
    .db("counting")?;
    Ok(())
}

/// Removes what is due at `now`, records `now` as the last time seen and, when
/// `confirmed` names a clock warning or a held run an administratör confirmed, logs the
/// confirmation and clears the hold, all in one transaction.
fn run(
    store: &mut Store,
    how: &str,
    now: chrono::DateTime<chrono::Utc>,
    confirmed: Option<String>,
) -> Result<RetentionReport> {
    let settings = settings_of(store.conn())?;
    if settings.is_off() && confirmed.is_none() {
        return Ok(RetentionReport::default());
    }
    let secure: i64 = store
        .conn()
        .query_row("PRAGMA secure_delete", [], |r| r.get(0))
        .db("checking secure deletion")?;
    if secure != 1 {
        return Err(Error::Internal(
            "secure deletion is off; refusing to remove anything".into(),
        ));
    }
    let me = store.actor().id.clone();
    let how = how.to_owned();
    let month = now
        .with_timezone(&chrono::Local)
        .format("%Y-%m")
        .to_string();
    let report = store.with_tx(|tx| {
        if let Some(reason) = &confirmed {
            audit::record(
                tx,
                Some(&me),
                Event::RetentionConfirm,
                Obj::none().detail(reason.clone()),
            )?;
            tx.execute("DELETE FROM settings WHERE key = ?1", [HELD_KEY])
                .db("saving retention settings")?;
        }
        put_setting(tx, LAST_SEEN_KEY, &time_text(now))?;
        if settings.is_off() {
            return Ok(RetentionReport::default());
        }
        // Read inside the write transaction, so what is removed is what is due now.
        let items = due(tx, settings, now)?;
        let mut report = RetentionReport::default();
        for item in &items {
            if item.status == "draft" {
                count_discarded(tx, &item.screening_id, &month)?;
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
            let mut stmt = conn.prepare(sql).db("compacting the database")?;
            let mut rows = stmt.query([]).db("compacting the database")?;
            while rows.next().db("compacting the database")?.is_some() {}
        }
    }
    Ok(report)
}

/// At unlock: removes what is due when a period is set (any role may trigger it; the
/// periods are the administratör's decision), unless the clock looks wrong or a run is
/// held (see the module's documentation).
pub(crate) fn run_at_unlock(store: &mut Store) -> Result<()> {
    run_at_unlock_at(store, chrono::Utc::now())
}

/// [`run_at_unlock`] with the clock's time given.
fn run_at_unlock_at(store: &mut Store, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
    let conn = store.conn();
    let settings = settings_of(conn)?;
    let warning = clock_check(conn, now)?;
    let held = load_hold(conn)?;
    let due_now = if settings.is_off() {
        Vec::new()
    } else {
        due(conn, settings, now)?
    };
    match (warning, held) {
        (None, None) if due_now.is_empty() => {
            // Nothing to remove: only remember the time, and only when it moved on enough.
            let stale = last_seen(conn)?.is_none_or(|seen| {
                now - seen >= chrono::Duration::minutes(LAST_SEEN_RESOLUTION_MINUTES)
            });
            if stale {
                store.with_tx(|tx| put_setting(tx, LAST_SEEN_KEY, &time_text(now)))?;
            }
            Ok(())
        }
        (None, None) => run(store, "at unlock", now, None).map(|_| ()),
        // The clock looks wrong (or a run is held) but nothing would be removed: nothing to
        // hold now. The last time seen stays, so the check applies again at the next unlock.
        _ if due_now.is_empty() => Ok(()),
        (warning, held) => {
            let me = store.actor().id.clone();
            let hold = match held {
                Some(h) => h,
                None => StoredHold {
                    held_at: time_text(now),
                    warning: warning.clone().expect("a warning when nothing was held"),
                },
            };
            let reason = warning.as_ref().unwrap_or(&hold.warning).reason();
            let json = serde_json::to_string(&hold)
                .map_err(|_| Error::Internal("a held run did not serialise".into()))?;
            store.with_tx(|tx| {
                put_setting(tx, HELD_KEY, &json)?;
                audit::record(
                    tx,
                    Some(&me),
                    Event::RetentionHeld,
                    Obj::none().detail(format!(
                        "at unlock: {} screenings not removed, held since {} for an \
                         administratör's confirmation: {reason}",
                        due_now.len(),
                        hold.held_at
                    )),
                )
            })
        }
    }
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
                .db("saving retention settings")?;
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
        due(self.conn(), settings, chrono::Utc::now())
    }

    /// Removes what is due now. Administratör only. While the clock looks wrong or a run is
    /// held (see [`Store::retention_hold`]), refuses with a conflict unless `confirm_clock`:
    /// then the confirmation is logged (`retention_confirm`) and the clock accepted.
    pub fn retention_run(&mut self, confirm_clock: bool) -> Result<RetentionReport> {
        self.require(&[Role::Administrator], "running retention")?;
        self.retention_run_at(chrono::Utc::now(), confirm_clock, "on demand")
    }

    fn retention_run_at(
        &mut self,
        now: chrono::DateTime<chrono::Utc>,
        confirm_clock: bool,
        how: &str,
    ) -> Result<RetentionReport> {
        let warning = clock_check(self.conn(), now)?;
        let held = load_hold(self.conn())?;
        let problem = match (&warning, &held) {
            (Some(w), _) => Some(w.reason()),
            (None, Some(h)) => Some(format!("held since {}: {}", h.held_at, h.warning.reason())),
            (None, None) => None,
        };
        match problem {
            Some(reason) if !confirm_clock => Err(Error::Conflict(format!(
                "retention is held because {reason}; check the computer's clock, then confirm"
            ))),
            Some(reason) => run(self, how, now, Some(reason)),
            None => run(self, how, now, None),
        }
    }

    /// A held retention run, or a clock that looks wrong now, with what a confirmed run
    /// would remove; `None` when retention may run on its own. Administratör only.
    pub fn retention_hold(&self) -> Result<Option<RetentionHold>> {
        self.require(&[Role::Administrator], "reviewing a held retention run")?;
        self.retention_hold_at(chrono::Utc::now())
    }

    fn retention_hold_at(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<RetentionHold>> {
        let conn = self.conn();
        let current = clock_check(conn, now)?;
        let held = load_hold(conn)?;
        let (held_at, warning) = match (held, &current) {
            (Some(h), _) => (Some(h.held_at), h.warning),
            (None, Some(w)) => (None, w.clone()),
            (None, None) => return Ok(None),
        };
        Ok(Some(RetentionHold {
            held_at,
            warning,
            current,
            preview: due(conn, settings_of(conn)?, now)?,
        }))
    }

    /// Confirms a held retention run (or a clock warning): logs who confirmed and why it
    /// was held (`retention_confirm`), accepts the clock, clears the hold and runs. Nothing
    /// to confirm is a conflict. Administratör only.
    pub fn retention_confirm(&mut self) -> Result<RetentionReport> {
        self.require(&[Role::Administrator], "confirming a held retention run")?;
        let now = chrono::Utc::now();
        if self.retention_hold_at(now)?.is_none() {
            return Err(Error::Conflict(
                "no retention run is held and the clock looks right".into(),
            ));
        }
        self.retention_run_at(now, true, "confirmed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::AnswerValue;
    use crate::store::{FirstRun, NewAccount};

    const PASS: &str = "a long test passphrase";

    /// The clock itself moved: five years ahead at an unlock removes nothing and holds the
    /// run; the hold outlives a clock that looks right again; a confirmation runs it.
    #[test]
    fn a_clock_set_years_ahead_removes_nothing_until_confirmed() {
        let dir = tempfile::tempdir().unwrap();
        let (mut admin, _) = Store::create_first_run(
            dir.path(),
            FirstRun {
                admin_username: "admin",
                admin_display_name: "Admin",
                passphrase: PASS,
                unit_code: "IFO",
                unit_name: "IFO",
            },
        )
        .unwrap();
        admin
            .sync_instruments(&crate::instrument::shipped::shipped())
            .unwrap();
        let unit = admin.actor().unit_ids[0].clone();
        admin
            .add_account(NewAccount {
                username: "hanna",
                display_name: "Hanna",
                role: Role::Handlaggare,
                unit_ids: vec![unit.clone()],
                passphrase: PASS,
            })
            .unwrap();
        let mut hanna = Store::unlock(dir.path(), "hanna", PASS).unwrap();
        let doc = hanna
            .start_screening(crate::screening::NewScreening {
                instrument_id: "freda-kortfragor-stil".into(),
                instrument_version: None,
                unit_id: unit,
                person_role: crate::export::PersonRole::Valdsutsatt,
                conducted_on: chrono::Local::now().date_naive(),
                case_ref: None,
                follows: None,
            })
            .unwrap();
        for q in [
            "fysiskt_vald",
            "hot",
            "kontroll",
            "sexuellt_vald",
            "radsla_nu",
        ] {
            hanna
                .save_answer(&doc.id, q, Some(AnswerValue::YesNo(false)))
                .unwrap();
        }
        hanna.complete_screening(&doc.id).unwrap();
        hanna.lock();
        admin
            .set_retention_settings(RetentionSettings {
                completed_months: 1,
                draft_days: 0,
            })
            .unwrap();
        let exists = |s: &Store| -> bool {
            s.conn()
                .query_row(
                    "SELECT count(*) FROM screenings WHERE id = ?1",
                    [&doc.id],
                    |r| r.get::<_, i64>(0),
                )
                .unwrap()
                == 1
        };
        let now = chrono::Utc::now();
        let ahead = now + chrono::Duration::days(5 * 365);

        // The real clock: not due yet, nothing held.
        run_at_unlock_at(&mut admin, now).unwrap();
        assert!(exists(&admin));
        assert!(admin.retention_hold_at(now).unwrap().is_none());
        // Five years ahead: due, but held.
        run_at_unlock_at(&mut admin, ahead).unwrap();
        assert!(exists(&admin));
        let hold = admin.retention_hold_at(ahead).unwrap().unwrap();
        assert_eq!(hold.warning.problem, ClockProblem::JumpedAhead);
        assert_eq!(hold.preview.len(), 1);
        assert_eq!(
            admin
                .retention_run_at(ahead, false, "on demand")
                .unwrap_err()
                .code(),
            crate::ErrorCode::Conflict
        );
        // Back to the real clock: nothing is due, but the run stays held.
        run_at_unlock_at(&mut admin, now).unwrap();
        assert!(admin.retention_hold_at(now).unwrap().is_some());
        run_at_unlock_at(&mut admin, ahead).unwrap();
        assert!(exists(&admin));
        // Confirmed: it runs, and the clock is accepted from then on.
        let report = admin.retention_run_at(ahead, true, "confirmed").unwrap();
        assert_eq!(report.completed_removed, 1);
        assert!(!exists(&admin));
        let later = ahead + chrono::Duration::days(1);
        assert!(admin.retention_hold_at(later).unwrap().is_none());
        // And the real clock is now behind what was stored at the accepted time.
        assert_eq!(
            admin
                .retention_hold_at(now)
                .unwrap()
                .unwrap()
                .warning
                .problem,
            ClockProblem::Behind
        );
    }
}
