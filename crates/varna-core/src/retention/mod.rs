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
//!   write-ahead log is checkpointed and truncated. No freed page keeps old content:
//!   `secure_delete` (checked before every batch) overwrites a deleted row's bytes on its
//!   page and fills every page it frees with zeros, and once the log is checkpointed the
//!   older images of those pages are gone from the database file and, truncated, from the
//!   log. (All pages are encrypted besides; this guards the content against whoever holds a
//!   key later.) The file is not `VACUUM`ed: that rewrote the whole database, many seconds
//!   for a ten-year store with every other command waiting, and added nothing to the
//!   above; the zeroed free pages are reused by later writes.
//! - **Batches.** A run removes what is due in batches (the first of [`BATCH_SIZE`], then
//!   sized to take about [`BATCH_TARGET`] each), each in its own transaction with its
//!   `retention_delete` rows and one delete statement per table for the whole batch; the last
//!   batch also writes the run's one `retention_run` row with the totals. The checkpoint is a
//!   step of its own, at most [`CHECKPOINT_EVERY`] after the removals it covers, and the run
//!   ends with one. Between steps the store may serve other calls (the app releases its
//!   lock, so an autosave waits at most one step); each batch checks again that what it
//!   removes is still due. A run that stops half-way (locked, crashed) leaves a consistent
//!   store: the removed are removed and logged (without a `retention_run` row), the rest is
//!   still due and goes at the next run, which ends with the checkpoint (until then the last
//!   tenth of a second's removals have their zeroed pages in the log only, and SQLite's own
//!   checkpoint on closing the store or on a full log copies them over).
//! - Runs on demand (administratör) and at every unlock when a period is set. The unlock
//!   removes at most one batch itself; the rest of that run is left in the store for the
//!   shell to drive in the background ([`Store::take_retention_at_unlock`]), and is due
//!   again at the next unlock if nobody does.
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

/// The cutoffs of `settings` at `now`: completed screenings whose period counts from at or
/// before the first are due, drafts last changed at or before the second (`None`: off).
fn cutoffs(
    settings: RetentionSettings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Option<String>, Option<String>)> {
    let completed = if settings.completed_months > 0 {
        Some(
            now.checked_sub_months(chrono::Months::new(settings.completed_months))
                .map(time_text)
                .ok_or_else(|| Error::Internal("retention cutoff out of range".into()))?,
        )
    } else {
        None
    };
    let draft = (settings.draft_days > 0)
        .then(|| time_text(now - chrono::Duration::days(i64::from(settings.draft_days))));
    Ok((completed, draft))
}

/// The query of the completed screenings due at `?1` (ordered by when their period began);
/// with `one`, only the screening `?2`.
fn completed_sql(conn: &Connection, one: bool) -> Result<String> {
    // Approval by a review counts when the review module's history is there.
    let since = if table_exists(conn, "review_events")? {
        "max(s.completed_at, COALESCE((SELECT max(e.at) FROM review_events e
             WHERE e.screening_id = s.id AND e.kind = 'approved'), ''))"
    } else {
        "s.completed_at"
    };
    let only = if one { " AND s.id = ?2" } else { "" };
    Ok(format!(
        "SELECT * FROM (SELECT s.id, s.status, s.instrument_id, s.instrument_version,
                u.code, s.completed_at, {since} AS since
         FROM screenings s JOIN units u ON u.id = s.unit_id
         WHERE s.status = 'completed' AND s.completed_at IS NOT NULL{only})
         WHERE since <= ?1 ORDER BY since, id"
    ))
}

/// The query of the drafts due at `?1`; with `one`, only the screening `?2`.
fn draft_sql(one: bool) -> String {
    let only = if one { " AND s.id = ?2" } else { "" };
    format!(
        "SELECT s.id, s.status, s.instrument_id, s.instrument_version, u.code,
                s.completed_at, s.updated_at
         FROM screenings s JOIN units u ON u.id = s.unit_id
         WHERE s.status = 'draft' AND s.updated_at <= ?1{only} ORDER BY s.updated_at, s.id"
    )
}

/// The screenings due for removal under `settings`, as of `now`.
fn due(
    conn: &Connection,
    settings: RetentionSettings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<RetentionItem>> {
    let (completed, draft) = cutoffs(settings, now)?;
    let mut out = Vec::new();
    if let Some(cutoff) = completed {
        out.extend(collect(conn, &completed_sql(conn, false)?, &[&cutoff])?);
    }
    if let Some(cutoff) = draft {
        out.extend(collect(conn, &draft_sql(false), &[&cutoff])?);
    }
    Ok(out)
}

fn collect(
    conn: &Connection,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
) -> Result<Vec<RetentionItem>> {
    let mut stmt = conn
        .prepare_cached(sql)
        .db("finding screenings due for retention")?;
    stmt.rows(params, "finding screenings due for retention", |r| {
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
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The statements that delete the rows of `table` matching `filter` (which uses `?1`),
/// first every row that references them through a foreign key, recursively: children
/// before their parents, the row itself last. Read once per batch from the schema.
fn purge_plan(
    tx: &Connection,
    table: &str,
    filter: &str,
    depth: u32,
    out: &mut Vec<String>,
) -> Result<()> {
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
        purge_plan(tx, &child, &child_filter, depth + 1, out)?;
    }
    out.push(format!("DELETE FROM {} WHERE {filter}", quote(table)));
    Ok(())
}

/// Deletes the screenings `ids` and every row that references them, one statement per
/// table for the whole batch (the ids go in as one JSON array, `?1`).
fn purge_batch(tx: &Connection, ids: &[&str]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut plan = Vec::new();
    purge_plan(
        tx,
        "screenings",
        "id IN (SELECT value FROM json_each(?1))",
        0,
        &mut plan,
    )?;
    let json = serde_json::to_string(ids)
        .map_err(|_| Error::Internal("screening ids did not serialise".into()))?;
    for sql in &plan {
        tx.prepare_cached(sql)
            .and_then(|mut s| s.execute([&json]))
            .db("removing screenings")?;
    }
    Ok(())
}

/// Counts a removed draft as `discarded`, like `discard_screening` does: under the month of
/// the removal (`docs/EXPORT.md`, "Stable months").
fn count_discarded(tx: &Connection, screening_id: &str, month: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO tally (month, unit_id, instrument_id, instrument_version, measure, category,
             count)
         SELECT ?2, unit_id, instrument_id, instrument_version, 'discarded', '', 1
         FROM screenings WHERE id = ?1
         ON CONFLICT (month, unit_id, instrument_id, instrument_version, measure, category)
         DO UPDATE SET count = count + 1",
    )
    .and_then(|mut s| s.execute((screening_id, month)))
    .db("counting")?;
    Ok(())
}

fn check_secure_delete(conn: &Connection) -> Result<()> {
    let secure: i64 = conn
        .query_row("PRAGMA secure_delete", [], |r| r.get(0))
        .db("checking secure deletion")?;
    if secure != 1 {
        return Err(Error::Internal(
            "secure deletion is off; refusing to remove anything".into(),
        ));
    }
    Ok(())
}

/// Copies the write-ahead log into the database and truncates it (see the module's
/// documentation: with `secure_delete` the pages of a removed screening are zeros; once the
/// log is checkpointed and truncated no older copy of them is left in either file).
fn checkpoint(conn: &Connection) -> Result<()> {
    let mut stmt = conn
        .prepare("PRAGMA wal_checkpoint(TRUNCATE)")
        .db("compacting the database")?;
    let mut rows = stmt.query([]).db("compacting the database")?;
    while rows.next().db("compacting the database")?.is_some() {}
    Ok(())
}

/// How many screenings the first batch of a run removes (and every batch of a run with a
/// fixed size, [`RetentionRun::with_batch_size`]); each batch is one transaction. After each
/// batch the size is set so that the next takes about [`BATCH_TARGET`], between
/// [`BATCH_MIN`] and [`BATCH_MAX`] and at most doubling or halving. Benchmark 11 (the
/// ten-year store, a loaded two-core machine) settled at medians of about 100 screenings a
/// batch (with the checkpoint a step of its own, [`CHECKPOINT_EVERY`]): a small batch costs
/// more a screening than a large one (each one's index pages are scattered, and a large
/// batch shares more of them), so the size trades the whole run's time against how long an
/// autosave may wait.
pub const BATCH_SIZE: usize = 100;

/// How long one batch should hold the store: an autosave that waits for it waits about this
/// long (the goal: never more than 100 ms). At 50 ms a batch of the loaded benchmark
/// machine sometimes held the store past 100 ms; at 30 ms the run took twice as long as at
/// 40 ms (5 s, benchmark 11, 2026-12-03).
pub const BATCH_TARGET: std::time::Duration = std::time::Duration::from_millis(40);

/// The fewest and the most screenings of one batch when the size follows [`BATCH_TARGET`].
pub const BATCH_MIN: usize = 10;
pub const BATCH_MAX: usize = 1000;

/// How long the removals of a run may wait for their checkpoint: a step checkpoints the log
/// (instead of removing a batch) once the oldest batch it did not cover is this old, and
/// after the last batch. Checkpointing after every batch wrote a page that several batches
/// changed (the access log's last page, an index's inner pages, the free-list) into the
/// database file once per batch, and a third of each batch's time went to it (benchmark 11:
/// the run took 11.7 s, now 5 s); a checkpoint step holds the store about as long as a
/// batch (at 250 ms, up to twice as long).
pub const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// How long a driver that shares the store with other callers (the app) waits between two
/// batches, with the store's lock released, so that a waiting autosave gets in first.
pub const BATCH_PAUSE: std::time::Duration = std::time::Duration::from_millis(2);

/// How far a retention run has come: `done` of the `total` screenings that were due when it
/// began (a screening that stopped being due meanwhile, for example a draft that was
/// changed, is passed over but counts as done).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RetentionProgress {
    pub done: u32,
    pub total: u32,
}

/// A retention run, removed batch by batch: made by [`Store::retention_begin`] (or
/// [`Store::retention_begin_confirmed`], or the run at unlock:
/// [`Store::take_retention_at_unlock`]) and driven by [`Store::retention_step`] until
/// [`RetentionRun::is_finished`]. Each step removes at most one batch in one transaction,
/// with a `retention_delete` row per removed screening (the last batch also writes the run's
/// one `retention_run` row with the totals), or checkpoints the log: at most
/// [`CHECKPOINT_EVERY`] after the first batch it did not cover, and once after the last
/// batch, which ends the run. A run stopped half-way (the app locked or
/// crashed) leaves a consistent store: what was removed is removed and logged, the rest is
/// still due and goes at the next run.
#[derive(Debug)]
pub struct RetentionRun {
    how: String,
    actor_id: String,
    settings: RetentionSettings,
    month: String,
    completed_cutoff: Option<String>,
    draft_cutoff: Option<String>,
    planned: Vec<RetentionItem>,
    next: usize,
    batch: usize,
    /// The batch size follows [`BATCH_TARGET`] (not with a fixed size).
    adaptive: bool,
    /// Batches done.
    batches: usize,
    report: RetentionReport,
    /// The last batch is done (the run ends with the checkpoint after it).
    batches_done: bool,
    /// When the oldest batch the log was not checkpointed after committed.
    unflushed_since: Option<std::time::Instant>,
    /// [`CHECKPOINT_EVERY`] unless set ([`RetentionRun::with_checkpoint_every`]).
    checkpoint_every: std::time::Duration,
    finished: bool,
}

impl RetentionRun {
    /// A run with nothing to do and nothing to log (retention is off).
    fn nothing(how: &str, actor_id: &str) -> Self {
        RetentionRun {
            how: how.to_owned(),
            actor_id: actor_id.to_owned(),
            settings: RetentionSettings::default(),
            month: String::new(),
            completed_cutoff: None,
            draft_cutoff: None,
            planned: Vec::new(),
            next: 0,
            batch: BATCH_SIZE,
            adaptive: true,
            batches: 0,
            report: RetentionReport::default(),
            batches_done: true,
            unflushed_since: None,
            checkpoint_every: CHECKPOINT_EVERY,
            finished: true,
        }
    }

    /// A fixed batch size (at least 1) instead of one that follows [`BATCH_TARGET`]; for
    /// tests and benchmarks.
    pub fn with_batch_size(mut self, n: usize) -> Self {
        self.batch = n.max(1);
        self.adaptive = false;
        self
    }

    /// Checkpoints at most `every` after the removals it covers instead of
    /// [`CHECKPOINT_EVERY`] (zero: after every batch); for tests, which need the steps to
    /// come in a fixed order whatever the machine's speed.
    pub fn with_checkpoint_every(mut self, every: std::time::Duration) -> Self {
        self.checkpoint_every = every;
        self
    }

    /// The size of the next batch.
    pub fn batch_size(&self) -> usize {
        self.batch
    }

    pub fn progress(&self) -> RetentionProgress {
        RetentionProgress {
            done: u32::try_from(self.next).unwrap_or(u32::MAX),
            total: u32::try_from(self.planned.len()).unwrap_or(u32::MAX),
        }
    }

    /// Whether every batch has run and the run's `retention_run` row is written.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// What was removed so far (all of it once finished).
    pub fn report(&self) -> &RetentionReport {
        &self.report
    }

    pub fn into_report(self) -> RetentionReport {
        self.report
    }

    /// Still due at `now` of the run? Read in the batch's transaction, since the store was
    /// open to others between batches: the item as it is now, or `None`. `sql` holds the
    /// queries of one completed screening and of one draft ([`completed_sql`], [`draft_sql`]).
    fn still_due(
        &self,
        tx: &Connection,
        sql: &(String, String),
        item: &RetentionItem,
    ) -> Result<Option<RetentionItem>> {
        let found = match (
            item.status.as_str(),
            &self.completed_cutoff,
            &self.draft_cutoff,
        ) {
            ("completed", Some(cutoff), _) => collect(tx, &sql.0, &[cutoff, &item.screening_id])?,
            ("draft", _, Some(cutoff)) => collect(tx, &sql.1, &[cutoff, &item.screening_id])?,
            _ => Vec::new(),
        };
        Ok(found.into_iter().next())
    }
}

/// Starts a run at `now`: checks secure deletion, then in one transaction records `now` as
/// the last time seen and, when `confirmed` names a clock warning or a held run an
/// administratör confirmed, logs the confirmation and clears the hold; reads what is due.
fn begin(
    store: &mut Store,
    how: &str,
    now: chrono::DateTime<chrono::Utc>,
    confirmed: Option<String>,
) -> Result<RetentionRun> {
    let me = store.actor().id.clone();
    let settings = settings_of(store.conn())?;
    if settings.is_off() && confirmed.is_none() {
        return Ok(RetentionRun::nothing(how, &me));
    }
    check_secure_delete(store.conn())?;
    let month = now
        .with_timezone(&chrono::Local)
        .format("%Y-%m")
        .to_string();
    let (completed_cutoff, draft_cutoff) = cutoffs(settings, now)?;
    let planned = store.with_tx(|tx| {
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
            return Ok(None);
        }
        due(tx, settings, now).map(Some)
    })?;
    let Some(planned) = planned else {
        return Ok(RetentionRun::nothing(how, &me));
    };
    Ok(RetentionRun {
        how: how.to_owned(),
        actor_id: me,
        settings,
        month,
        completed_cutoff,
        draft_cutoff,
        planned,
        next: 0,
        batch: BATCH_SIZE,
        adaptive: true,
        batches: 0,
        report: RetentionReport::default(),
        batches_done: false,
        unflushed_since: None,
        checkpoint_every: CHECKPOINT_EVERY,
        finished: false,
    })
}

/// One step of `run` (see [`RetentionRun`]): the checkpoint when one is due (the run's
/// removals not yet checkpointed are [`CHECKPOINT_EVERY`] old, or the last batch is done),
/// else the next batch in one transaction.
fn step(store: &mut Store, run: &mut RetentionRun) -> Result<RetentionProgress> {
    if run.finished {
        return Ok(run.progress());
    }
    if store.actor().id != run.actor_id {
        return Err(Error::Conflict(
            "this retention run was started by another sign-in".into(),
        ));
    }
    if let Some(since) = run.unflushed_since {
        if run.batches_done || since.elapsed() >= run.checkpoint_every {
            checkpoint(store.conn())?;
            run.unflushed_since = None;
            run.finished = run.batches_done;
            return Ok(run.progress());
        }
    }
    if run.batches_done {
        run.finished = true;
        return Ok(run.progress());
    }
    check_secure_delete(store.conn())?;
    let started = std::time::Instant::now();
    let end = (run.next + run.batch).min(run.planned.len());
    let last = end == run.planned.len();
    let me = run.actor_id.clone();
    let run_ref = &*run;
    let (removed, summary) = store.with_tx(|tx| {
        let one = (completed_sql(tx, true)?, draft_sql(true));
        let mut removed = Vec::new();
        for planned in &run_ref.planned[run_ref.next..end] {
            let Some(item) = run_ref.still_due(tx, &one, planned)? else {
                continue;
            };
            if item.status == "draft" {
                count_discarded(tx, &item.screening_id, &run_ref.month)?;
            }
            removed.push(item);
        }
        let ids: Vec<&str> = removed.iter().map(|i| i.screening_id.as_str()).collect();
        purge_batch(tx, &ids)?;
        for item in &removed {
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
        let mut summary = run_ref.report.clone();
        for item in &removed {
            if item.status == "draft" {
                summary.drafts_removed += 1;
            } else {
                summary.completed_removed += 1;
            }
        }
        if last {
            let batches = run_ref.batches + 1;
            audit::record(
                tx,
                Some(&me),
                Event::RetentionRun,
                Obj::none().detail(format!(
                    "{}: {} completed, {} drafts removed (completed after {} months, drafts \
                     after {} days; {} due at the start, in {batches} batches)",
                    run_ref.how,
                    summary.completed_removed,
                    summary.drafts_removed,
                    run_ref.settings.completed_months,
                    run_ref.settings.draft_days,
                    run_ref.planned.len(),
                )),
            )?;
        }
        Ok((removed, summary))
    })?;
    let looked_at = end - run.next;
    run.next = end;
    run.batches_done = last;
    run.batches += 1;
    run.report.completed_removed = summary.completed_removed;
    run.report.drafts_removed = summary.drafts_removed;
    if !removed.is_empty() {
        run.report.removed.extend(removed);
        run.unflushed_since.get_or_insert(started);
    }
    // Ended now when nothing waits for a checkpoint; else the next step checkpoints.
    run.finished = last && run.unflushed_since.is_none();
    if run.adaptive && looked_at > 0 {
        run.batch = next_batch_size(run.batch, looked_at, started.elapsed());
    }
    Ok(run.progress())
}

/// The size of the next batch after one of `batch` that looked at `looked_at` screenings in
/// `took`: what fits in [`BATCH_TARGET`] at that pace, at most doubling or halving, within
/// [`BATCH_MIN`]..=[`BATCH_MAX`].
fn next_batch_size(batch: usize, looked_at: usize, took: std::time::Duration) -> usize {
    let each = took.as_secs_f64() / looked_at.max(1) as f64;
    let fits = (BATCH_TARGET.as_secs_f64() / each.max(1e-6)) as usize;
    fits.clamp(batch / 2, batch.saturating_mul(2))
        .clamp(BATCH_MIN, BATCH_MAX)
}

/// Drives `run` to its end in this call, reporting progress before the first batch and
/// after each.
fn finish(
    store: &mut Store,
    mut run: RetentionRun,
    progress: &mut dyn FnMut(RetentionProgress),
) -> Result<RetentionReport> {
    progress(run.progress());
    while !run.is_finished() {
        progress(step(store, &mut run)?);
    }
    Ok(run.into_report())
}

/// The run at unlock that did not finish in the unlock's one batch, for the shell to drive
/// ([`Store::take_retention_at_unlock`]). Kept in the store (`Store::retention_pending`).
struct PendingAtUnlock(RetentionRun);

/// At unlock: removes what is due when a period is set (any role may trigger it; the
/// periods are the administratör's decision), unless the clock looks wrong or a run is
/// held (see the module's documentation). At most one batch is removed in the unlock itself;
/// the rest waits in the store for whoever opened it ([`Store::take_retention_at_unlock`]),
/// or for the next unlock.
pub(crate) fn run_at_unlock(store: &mut Store) -> Result<()> {
    run_at_unlock_at(store, chrono::Utc::now(), None)
}

/// [`run_at_unlock`] with the clock's time given, and a fixed batch size if `batch`.
fn run_at_unlock_at(
    store: &mut Store,
    now: chrono::DateTime<chrono::Utc>,
    batch: Option<usize>,
) -> Result<()> {
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
        (None, None) => {
            let mut run = begin(store, "at unlock", now, None)?;
            if let Some(n) = batch {
                run = run.with_batch_size(n);
            }
            step(store, &mut run)?;
            if run.batches_done && !run.is_finished() {
                // the whole run fitted in the unlock's batch: its checkpoint ends it
                step(store, &mut run)?;
            }
            if !run.is_finished() {
                store.retention_pending = Some(Box::new(PendingAtUnlock(run)));
            }
            Ok(())
        }
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

    /// Removes what is due now, batch by batch in this call. Administratör only. While the
    /// clock looks wrong or a run is held (see [`Store::retention_hold`]), refuses with a
    /// conflict unless `confirm_clock`: then the confirmation is logged (`retention_confirm`)
    /// and the clock accepted.
    pub fn retention_run(&mut self, confirm_clock: bool) -> Result<RetentionReport> {
        self.retention_run_with(confirm_clock, |_| {})
    }

    /// [`Store::retention_run`], telling `progress` how far it has come before the first
    /// batch and after each (the CLI's progress bar).
    pub fn retention_run_with(
        &mut self,
        confirm_clock: bool,
        mut progress: impl FnMut(RetentionProgress),
    ) -> Result<RetentionReport> {
        let run = self.retention_begin(confirm_clock)?;
        finish(self, run, &mut progress)
    }

    /// Starts a run of what is due now, to be driven with [`Store::retention_step`] (the app
    /// releases the store between batches). Administratör only; refuses like
    /// [`Store::retention_run`] while the clock looks wrong or a run is held, unless
    /// `confirm_clock`.
    pub fn retention_begin(&mut self, confirm_clock: bool) -> Result<RetentionRun> {
        self.require(&[Role::Administrator], "running retention")?;
        self.retention_begin_at(chrono::Utc::now(), confirm_clock, "on demand")
    }

    /// Removes the next batch of `run` (at most [`BATCH_SIZE`] screenings, one
    /// transaction); the last batch also logs the run's totals. Refused with a conflict when
    /// the run was started by another sign-in. Returns how far the run has come.
    pub fn retention_step(&mut self, run: &mut RetentionRun) -> Result<RetentionProgress> {
        step(self, run)
    }

    /// The run begun at unlock that the unlock's one batch did not finish, if any, for the
    /// caller to drive with [`Store::retention_step`]; taken once. Not taken (or not
    /// finished), the rest is still due and goes at the next unlock.
    pub fn take_retention_at_unlock(&mut self) -> Option<RetentionRun> {
        self.retention_pending
            .take()
            .and_then(|b| b.downcast::<PendingAtUnlock>().ok())
            .map(|p| p.0)
    }

    #[cfg(test)]
    fn retention_run_at(
        &mut self,
        now: chrono::DateTime<chrono::Utc>,
        confirm_clock: bool,
        how: &str,
    ) -> Result<RetentionReport> {
        let run = self.retention_begin_at(now, confirm_clock, how)?;
        finish(self, run, &mut |_| {})
    }

    fn retention_begin_at(
        &mut self,
        now: chrono::DateTime<chrono::Utc>,
        confirm_clock: bool,
        how: &str,
    ) -> Result<RetentionRun> {
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
            Some(reason) => begin(self, how, now, Some(reason)),
            None => begin(self, how, now, None),
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
        let run = self.retention_begin_confirmed()?;
        finish(self, run, &mut |_| {})
    }

    /// [`Store::retention_confirm`] as a run to drive with [`Store::retention_step`]: the
    /// confirmation is logged and the hold cleared before this returns.
    pub fn retention_begin_confirmed(&mut self) -> Result<RetentionRun> {
        self.require(&[Role::Administrator], "confirming a held retention run")?;
        let now = chrono::Utc::now();
        if self.retention_hold_at(now)?.is_none() {
            return Err(Error::Conflict(
                "no retention run is held and the clock looks right".into(),
            ));
        }
        self.retention_begin_at(now, true, "confirmed")
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
        run_at_unlock_at(&mut admin, now, None).unwrap();
        assert!(exists(&admin));
        assert!(admin.retention_hold_at(now).unwrap().is_none());
        // Five years ahead: due, but held.
        run_at_unlock_at(&mut admin, ahead, None).unwrap();
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
        run_at_unlock_at(&mut admin, now, None).unwrap();
        assert!(admin.retention_hold_at(now).unwrap().is_some());
        run_at_unlock_at(&mut admin, ahead, None).unwrap();
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

    /// An administratör's and a handläggare's store with `n` screenings that hanna
    /// completed, their completion set back to 2020.
    fn store_with_old(n: usize) -> (tempfile::TempDir, Store, Vec<String>) {
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
        admin.lock();
        let mut hanna = Store::unlock(dir.path(), "hanna", PASS).unwrap();
        let mut ids = Vec::new();
        for _ in 0..n {
            let doc = hanna
                .start_screening(crate::screening::NewScreening {
                    instrument_id: "freda-kortfragor-stil".into(),
                    instrument_version: None,
                    unit_id: unit.clone(),
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
            hanna
                .conn()
                .execute(
                    "UPDATE screenings SET completed_at = '2020-01-01T00:00:00Z' WHERE id = ?1",
                    [&doc.id],
                )
                .unwrap();
            ids.push(doc.id);
        }
        hanna.lock();
        let mut admin = Store::unlock(dir.path(), "admin", PASS).unwrap();
        admin
            .set_retention_settings(RetentionSettings {
                completed_months: 12,
                draft_days: 0,
            })
            .unwrap();
        (dir, admin, ids)
    }

    fn logged(store: &Store, event: &str) -> Vec<String> {
        let mut stmt = store
            .conn()
            .prepare("SELECT detail FROM audit_log WHERE event = ?1 ORDER BY seq")
            .unwrap();
        stmt.query_map([event], |r| r.get(0))
            .unwrap()
            .collect::<std::result::Result<_, _>>()
            .unwrap()
    }

    /// The unlock removes one batch and leaves the rest of its run in the store for the
    /// shell; the run's summary, written with its last batch, counts the unlock's batch too.
    #[test]
    fn the_unlock_removes_one_batch_and_leaves_the_rest_to_its_caller() {
        let (_dir, mut admin, ids) = store_with_old(5);
        assert!(admin.take_retention_at_unlock().is_none());
        run_at_unlock_at(&mut admin, chrono::Utc::now(), Some(2)).unwrap();
        assert_eq!(logged(&admin, "retention_delete").len(), 2);
        assert!(logged(&admin, "retention_run").is_empty());
        let mut run = admin
            .take_retention_at_unlock()
            .expect("the rest of the run");
        assert!(admin.take_retention_at_unlock().is_none(), "taken once");
        assert_eq!(run.progress(), RetentionProgress { done: 2, total: 5 });
        while !run.is_finished() {
            admin.retention_step(&mut run).unwrap();
        }
        assert_eq!(run.progress(), RetentionProgress { done: 5, total: 5 });
        let runs = logged(&admin, "retention_run");
        assert_eq!(runs.len(), 1);
        assert!(
            runs[0].starts_with("at unlock: 5 completed, 0 drafts removed"),
            "{runs:?}"
        );
        assert!(runs[0].contains("in 3 batches"), "{runs:?}");
        let left: i64 = admin
            .conn()
            .query_row("SELECT count(*) FROM screenings", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0, "{ids:?}");
        assert!(admin.verify_audit().unwrap().ok);
    }

    /// The guarantee without `VACUUM`, shown on a plain (unencrypted) database where removed
    /// text would be visible in the files: with the store's `secure_delete` and journal mode,
    /// the purge statements and the checkpoint leave free pages behind (nothing is
    /// vacuumed) but none of the removed text in the database file or the log; with
    /// `secure_delete` off the same removal leaves it (so the check can fail).
    #[test]
    fn secure_delete_and_the_checkpoint_leave_no_removed_text_without_vacuum() {
        fn remove_and_scan(secure: bool) -> (i64, Vec<usize>, bool) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("plain.db");
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(&format!(
                "PRAGMA secure_delete = {};
                 PRAGMA journal_mode = WAL;
                 PRAGMA foreign_keys = ON;
                 CREATE TABLE screenings (id TEXT PRIMARY KEY, case_ref TEXT);
                 CREATE TABLE screening_notes (
                     screening_id TEXT NOT NULL REFERENCES screenings (id), body TEXT);
                 CREATE INDEX notes_by_screening ON screening_notes (screening_id);",
                if secure { "ON" } else { "OFF" }
            ))
            .unwrap();
            for i in 0..40 {
                let id = format!("s{i:02}");
                conn.execute(
                    "INSERT INTO screenings VALUES (?1, ?2)",
                    (&id, format!("KANARIEREF{i:02}X")),
                )
                .unwrap();
                // Notes long enough to fill pages and overflow pages of their own.
                conn.execute(
                    "INSERT INTO screening_notes VALUES (?1, ?2)",
                    (&id, format!("KANARIENOT{i:02}X ").repeat(400)),
                )
                .unwrap();
            }
            checkpoint(&conn).unwrap();
            let mut plan = Vec::new();
            purge_plan(&conn, "screenings", "id = ?1", 0, &mut plan).unwrap();
            assert_eq!(plan.len(), 2, "{plan:?}");
            assert!(plan[1].starts_with("DELETE FROM \"screenings\""));
            let tx = conn.unchecked_transaction().unwrap();
            let ids: Vec<String> = (0..30).map(|i| format!("s{i:02}")).collect();
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            // Two batches, as a run removes them.
            purge_batch(&tx, &ids[..20]).unwrap();
            purge_batch(&tx, &ids[20..]).unwrap();
            tx.commit().unwrap();
            let left: i64 = conn
                .query_row("SELECT count(*) FROM screening_notes", [], |r| r.get(0))
                .unwrap();
            assert_eq!(left, 10);
            checkpoint(&conn).unwrap();
            let free: i64 = conn
                .query_row("PRAGMA freelist_count", [], |r| r.get(0))
                .unwrap();
            let mut bytes = std::fs::read(&path).unwrap();
            if let Ok(wal) = std::fs::read(dir.path().join("plain.db-wal")) {
                bytes.extend(wal);
            }
            let has = |s: &str| bytes.windows(s.len()).any(|w| w == s.as_bytes());
            let found: Vec<usize> = (0..30)
                .filter(|i| {
                    has(&format!("KANARIENOT{i:02}X")) || has(&format!("KANARIEREF{i:02}X"))
                })
                .collect();
            let kept = (30..40).all(|i| has(&format!("KANARIENOT{i:02}X")));
            (free, found, kept)
        }
        let (free, found, kept) = remove_and_scan(true);
        assert!(free > 0, "pages were freed and not vacuumed away");
        assert!(kept, "the kept notes are found, so the scan works");
        assert!(
            found.is_empty(),
            "removed text left in the files: {found:?}"
        );
        let (_, found, _) = remove_and_scan(false);
        assert!(!found.is_empty(), "without secure_delete the text stays");
    }

    /// The batch size follows the pace: what fits in the target, at most doubling or halving
    /// at a time, never outside its bounds.
    #[test]
    fn the_batch_size_follows_the_target() {
        use std::time::Duration;
        let ms = Duration::from_millis;
        assert_eq!(BATCH_TARGET, ms(40));
        // 100 in 100 ms: 1 ms each, so 40 fit, but at most halved: 50.
        assert_eq!(next_batch_size(100, 100, ms(100)), 50);
        // 100 in 50 ms: 0.5 ms each, so 80 fit.
        assert_eq!(next_batch_size(100, 100, ms(50)), 80);
        // 100 in 20 ms: 200 would fit, and doubling allows it.
        assert_eq!(next_batch_size(100, 100, ms(20)), 200);
        // Much faster: at most doubled; much slower: at most halved.
        assert_eq!(next_batch_size(100, 100, ms(1)), 200);
        assert_eq!(next_batch_size(100, 100, Duration::from_secs(2)), 50);
        // The bounds.
        assert_eq!(next_batch_size(12, 12, Duration::from_secs(1)), BATCH_MIN);
        assert_eq!(next_batch_size(900, 900, ms(1)), BATCH_MAX);
        // A last batch that looked at fewer than its size counts what it looked at.
        assert_eq!(next_batch_size(100, 10, ms(4)), 100);
    }
}
