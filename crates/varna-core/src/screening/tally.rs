//! The tally: counts per month × unit × instrument version × measure (× category), kept in
//! the same transaction as every status change. Codes and numbers only.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension};

use super::access;
use super::conduct::load_answers;
use super::instruments;
use crate::access::Role;
use crate::db::Store;
use crate::error::DbContext;
use crate::error::{Error, Result, RowsExt};
use crate::export::{
    Assessment, Code, CountRow, DeclaredInstrument, InstrumentVersion, Measure, OutcomeDimension,
    PersonRole, UnitCode, YearMonth,
};
use crate::instrument::{self, Evaluation};

/// Where a count goes: the month in which the counted event happened (the screening was
/// started, completed, discarded or approved), unit, instrument version.
///
/// Filing a count under the month of its *event*, never under the month of the samtal, means
/// that a month that has passed never changes again: a draft completed in March adds to
/// March, not to the January of its samtal. See `docs/EXPORT.md`, "Stable months".
pub(super) struct Key {
    month: String,
    unit_id: String,
    instrument_id: String,
    instrument_version: String,
}

impl Key {
    /// A count in the month of `day` (`YYYY-MM-DD`): for `varna-bench`'s bulk inserts, which
    /// date every event on the day of its samtal.
    #[cfg(feature = "bench-hooks")]
    pub(super) fn of(day: &str, unit_id: &str, id: &str, version: &str) -> Key {
        Key {
            month: day.chars().take(7).collect(),
            unit_id: unit_id.to_owned(),
            instrument_id: id.to_owned(),
            instrument_version: version.to_owned(),
        }
    }

    /// A count for an event happening now (the month of [`now_utc`] in local time).
    pub(super) fn now(unit_id: &str, id: &str, version: &str) -> Key {
        Key {
            month: current_month().to_string(),
            unit_id: unit_id.to_owned(),
            instrument_id: id.to_owned(),
            instrument_version: version.to_owned(),
        }
    }
}

#[cfg(feature = "test-hooks")]
thread_local! {
    static CLOCK: std::cell::Cell<Option<chrono::DateTime<chrono::Utc>>> =
        const { std::cell::Cell::new(None) };
}

/// Test hook: sets (or with `None` clears) the clock of the screening module and the tally
/// for the calling thread, so tests can complete screenings "in" a given month. Only with
/// the `test-hooks` feature.
#[cfg(feature = "test-hooks")]
#[doc(hidden)]
pub fn __test_set_clock(at: Option<chrono::DateTime<chrono::Utc>>) {
    CLOCK.with(|c| c.set(at));
}

thread_local! {
    /// The time of the events [`crate::store::Store::demo_backdated`] runs (demo
    /// installations only).
    static DEMO_CLOCK: std::cell::Cell<Option<chrono::DateTime<chrono::Utc>>> =
        const { std::cell::Cell::new(None) };
}

/// The clock every count's month is read from (and the screening module's timestamps).
pub(crate) fn now_utc() -> chrono::DateTime<chrono::Utc> {
    #[cfg(feature = "test-hooks")]
    if let Some(at) = CLOCK.with(|c| c.get()) {
        return at;
    }
    if let Some(at) = DEMO_CLOCK.with(|c| c.get()) {
        return at;
    }
    chrono::Utc::now()
}

/// Runs `f` with the screening clock at `at` (see `Store::demo_backdated`).
pub(super) fn with_demo_clock<T>(at: chrono::DateTime<chrono::Utc>, f: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            DEMO_CLOCK.with(|c| c.set(None));
        }
    }
    DEMO_CLOCK.with(|c| c.set(Some(at)));
    let _reset = Reset;
    f()
}

/// The month, in local (Swedish) time, of a stored RFC 3339 timestamp.
pub(crate) fn month_of(timestamp: &str) -> Option<String> {
    chrono::DateTime::parse_from_rfc3339(timestamp)
        .ok()
        .map(|t| t.with_timezone(&chrono::Local).format("%Y-%m").to_string())
}

/// The current month in local time: the only month whose counts can still grow, so it is
/// shown and exported as preliminary.
pub fn current_month() -> YearMonth {
    let text = now_utc()
        .with_timezone(&chrono::Local)
        .format("%Y-%m")
        .to_string();
    text.parse().expect("a formatted month is a valid month")
}

/// Adds one to a count.
pub(super) fn bump(
    tx: &Connection,
    key: &Key,
    measure: &str,
    category: Option<&str>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO tally (month, unit_id, instrument_id, instrument_version, measure, category,
             count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)
         ON CONFLICT (month, unit_id, instrument_id, instrument_version, measure, category)
         DO UPDATE SET count = count + 1",
        (
            &key.month,
            &key.unit_id,
            &key.instrument_id,
            &key.instrument_version,
            measure,
            category.unwrap_or(""),
        ),
    )
    .db("counting")?;
    Ok(())
}

/// The counts a completion adds: `completed`, one `indicator:<id>` per follow-up indicator
/// the instrument tags its completion with (`tags`), each outcome dimension that reached a
/// category, the person's role, and whether it is a first assessment or a re-assessment
/// (`assessment`: `forsta` / `uppfoljning`, from the follow-up link, which itself is never
/// counted or exported).
///
/// A re-assessment is deliberately *not* an indicator total: an exact total of the
/// follow-ups in a block would publish the first assessments (`completed` minus it)
/// exactly, however few. As a breakdown it goes through the same small-cell and
/// complementary suppression as the role.
pub(super) fn completion_cells(
    ev: &Evaluation,
    role: PersonRole,
    tags: &[crate::indicator::Indicator],
    follow_up: bool,
) -> Vec<(String, Option<String>)> {
    let mut cells = vec![("completed".to_owned(), None)];
    cells.extend(tags.iter().map(|i| (i.measure(), None)));
    for o in &ev.outcomes {
        if let Some(c) = &o.category {
            cells.push((format!("outcome:{}", o.dimension), Some(c.clone())));
        }
    }
    cells.push(("role".to_owned(), Some(role.code().to_owned())));
    cells.push((
        Measure::Assessment.to_string(),
        Some(Assessment::of(follow_up).code().to_owned()),
    ));
    cells
}

type RawKey = (String, String, String, String, String, String);

/// Under which month a screening's counts are filed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Before schema version 5: every count under the month of the samtal.
    SamtalMonth,
    /// Since: every count under the month of its event.
    EventMonth,
}

/// The counts the screenings that still exist contribute under `rule`: `started`, and for
/// completed ones `completed`, `outcome:*` and `role`; with `reviewed`, also one `reviewed`
/// per approved review; with `indicators`, the `indicator:<id>` counts of each completion.
fn contributions(
    conn: &Connection,
    rule: Rule,
    reviewed: bool,
    indicators: bool,
) -> Result<BTreeMap<RawKey, u64>> {
    let mut stmt = conn
        .prepare(&format!("SELECT {} FROM screenings", access::ROW_COLUMNS))
        .db("reading screenings")?;
    let rows = stmt.rows([], "reading screenings", access::row_from_sql)?;
    let mut approved: BTreeMap<String, String> = BTreeMap::new();
    if reviewed {
        let mut stmt = conn
            .prepare("SELECT screening_id, updated_at FROM reviews WHERE status = 'approved'")
            .db("reading reviews")?;
        approved = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<_>>())
            .db("reading reviews")?;
    }
    let mut raw: BTreeMap<RawKey, u64> = BTreeMap::new();
    for row in rows {
        let samtal = row.conducted_on.format("%Y-%m").to_string();
        let month = |event: Option<&str>| -> String {
            match rule {
                Rule::SamtalMonth => samtal.clone(),
                Rule::EventMonth => event.and_then(month_of).unwrap_or_else(|| samtal.clone()),
            }
        };
        let mut add = |month: &str, measure: &str, category: Option<&str>| {
            *raw.entry((
                month.to_owned(),
                row.unit_id.clone(),
                row.instrument_id.clone(),
                row.instrument_version.clone(),
                measure.to_owned(),
                category.unwrap_or("").to_owned(),
            ))
            .or_default() += 1;
        };
        add(&month(Some(&row.created_at)), "started", None);
        if row.status == super::Status::Completed {
            let version =
                instruments::load_version(conn, &row.instrument_id, &row.instrument_version)?;
            let answers = load_answers(conn, &row.id)?;
            let ev = instrument::evaluate(&version.definition, &answers);
            let completed = month(row.completed_at.as_deref());
            // Indicator counts started with schema version 7 and are never refiled: the
            // refile moves only what the tally of schema version 5 held.
            let tags = if indicators {
                completion_tags(&version.definition)
            } else {
                Vec::new()
            };
            for (measure, category) in
                completion_cells(&ev, row.person_role, &tags, row.follows_id.is_some())
            {
                // Like the indicators, the `assessment` breakdown is newer than the refile
                // and never refiled.
                if !indicators && measure == "assessment" {
                    continue;
                }
                add(&completed, &measure, category.as_deref());
            }
        }
        if let Some(at) = approved.get(&row.id) {
            add(&month(Some(at)), "reviewed", None);
        }
    }
    Ok(raw)
}

/// The `meta` key that schema migration 5 sets: the tally is still filed under the month of
/// the samtal and must be refiled under the months of the events.
const META_REFILE: &str = "tally_refile_pending";

/// Refiles the counts of a tally kept under the old rule (the month of the samtal) under the
/// month of each event, once, after schema migration 5 asked for it. Runs at every unlock
/// (from the unlock's own checks) and does nothing when nothing is pending.
///
/// Only what the remaining screenings prove can move: for every count, the screenings that
/// still exist contribute their part under the old rule, which is taken away, and under the
/// new rule, which is added. What the deleted screenings (discarded drafts, screenings removed
/// by retention) contributed stays where it was, because their dates are gone.
pub(crate) fn refile_if_pending(store: &mut Store) -> Result<()> {
    let pending: Option<String> = store
        .conn()
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [META_REFILE],
            |r| r.get(0),
        )
        .optional()
        .db("reading the tally state")?;
    if pending.is_none() {
        return Ok(());
    }
    store.with_tx(|tx| {
        let old = contributions(tx, Rule::SamtalMonth, true, false)?;
        let new = contributions(tx, Rule::EventMonth, true, false)?;
        let keys: std::collections::BTreeSet<&RawKey> = old.keys().chain(new.keys()).collect();
        for k in keys {
            let take = old.get(k).copied().unwrap_or(0) as i64;
            let add = new.get(k).copied().unwrap_or(0) as i64;
            if take == add {
                continue;
            }
            tx.execute(
                "INSERT INTO tally (month, unit_id, instrument_id, instrument_version, measure,
                     category, count)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, max(?7, 0))
                 ON CONFLICT (month, unit_id, instrument_id, instrument_version, measure, category)
                 DO UPDATE SET count = max(count + ?7, 0)",
                rusqlite::params![k.0, k.1, k.2, k.3, k.4, k.5, add - take],
            )
            .db("refiling the tally")?;
        }
        tx.execute("DELETE FROM tally WHERE count = 0", [])
            .db("refiling the tally")?;
        tx.execute("DELETE FROM meta WHERE key = ?1", [META_REFILE])
            .db("refiling the tally")?;
        Ok(())
    })
}

fn to_rows(
    raw: BTreeMap<RawKey, u64>,
    unit_codes: &BTreeMap<String, String>,
) -> Result<Vec<CountRow>> {
    let mut out = Vec::with_capacity(raw.len());
    for ((month, unit_id, id, version, measure, category), count) in raw {
        if count == 0 {
            continue;
        }
        let code = unit_codes
            .get(&unit_id)
            .ok_or_else(|| Error::Internal("a counted unit is missing".into()))?;
        out.push(CountRow {
            month: month.parse()?,
            unit_code: UnitCode::new(code).map_err(|_| {
                Error::InvalidInput(format!(
                    "the unit code {code} cannot be used in statistics; it must start with a letter or digit"
                ))
            })?,
            instrument_id: Code::new(&id)?,
            instrument_version: InstrumentVersion::new(&version)?,
            measure: measure.parse::<Measure>()?,
            category: if category.is_empty() {
                None
            } else {
                Some(Code::new(&category)?)
            },
            count,
        });
    }
    Ok(out)
}

fn unit_codes(conn: &Connection) -> Result<BTreeMap<String, String>> {
    let mut stmt = conn
        .prepare("SELECT id, code FROM units")
        .db("reading units")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect::<rusqlite::Result<BTreeMap<String, String>>>())
        .db("reading units")?;
    Ok(rows)
}

const ANY_ROLE: &[Role] = &[Role::Handlaggare, Role::Arbetsledare, Role::Administrator];

impl Store {
    /// Adds one `reviewed` for a screening's month × unit × instrument version. For the review
    /// module, inside the transaction that approves it.
    pub(crate) fn count_reviewed(tx: &Connection, screening_id: &str) -> Result<()> {
        let (unit_id, id, version): (String, String, String) = tx
            .query_row(
                "SELECT unit_id, instrument_id, instrument_version
                 FROM screenings WHERE id = ?1",
                [screening_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .db("reading the screening")?;
        let key = Key::now(&unit_id, &id, &version);
        bump(tx, &key, "reviewed", None)?;
        bump(
            tx,
            &key,
            &crate::indicator::Indicator::ReviewedBySupervisor.measure(),
            None,
        )
    }

    /// Test hook: the unsuppressed tally (see [`Store::tally_rows_unsuppressed`]). Only
    /// with the `test-hooks` feature; the app and the CLI publish counts only through
    /// `stats`, which suppresses small cells.
    #[cfg(any(feature = "test-hooks", feature = "bench-hooks"))]
    #[doc(hidden)]
    pub fn tally_rows(&self, from: YearMonth, to: YearMonth) -> Result<Vec<CountRow>> {
        self.tally_rows_unsuppressed(from, to)
    }

    /// The tally for the months `from..=to`, one row per non-zero count, sorted by month,
    /// unit, instrument, version, measure and category. Counts only, unsuppressed: for
    /// `stats`, which applies the disclosure control before anything is shown.
    pub(crate) fn tally_rows_unsuppressed(
        &self,
        from: YearMonth,
        to: YearMonth,
    ) -> Result<Vec<CountRow>> {
        self.require(ANY_ROLE, "reading statistics")?;
        if from > to {
            return Err(Error::InvalidInput(
                "the first month must not be after the last".into(),
            ));
        }
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT month, unit_id, instrument_id, instrument_version, measure, category, count
                 FROM tally WHERE month >= ?1 AND month <= ?2",
            )
            .db("reading statistics")?;
        let rows = stmt
            .query_map((from.to_string(), to.to_string()), |r| {
                Ok((
                    (
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ),
                    r.get::<_, i64>(6)?,
                ))
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<(RawKey, i64)>>>())
            .db("reading statistics")?;
        let raw: BTreeMap<RawKey, u64> = rows
            .into_iter()
            .map(|(k, c)| (k, c.max(0) as u64))
            .collect();
        to_rows(raw, &unit_codes(conn)?)
    }

    /// Recomputes the tally from the screenings that still exist, for checking the running
    /// tally. Each count is filed under the month of its event (see [`Key`]): `started` under
    /// the month the screening was created, `completed`, `outcome:*` and `role` under the
    /// month it was completed. Discarded screenings are gone, so:
    ///
    /// - `completed`, `outcome:*` and `role` must equal the running tally exactly (completed
    ///   screenings are never deleted);
    /// - `started` here counts existing screenings (drafts and completed), which equals the
    ///   running tally's `started` minus the discarded ones;
    /// - `discarded` (and `reviewed`, `indicator:reviewed_by_supervisor`) cannot be
    ///   recomputed and are not returned;
    /// - the completions' `indicator:*` equal the running tally for screenings completed since
    ///   schema version 7 (earlier completions were never counted for indicators).
    pub fn rebuild_tally(&self) -> Result<Vec<CountRow>> {
        self.require(ANY_ROLE, "reading statistics")?;
        let conn = self.conn();
        let raw = contributions(conn, Rule::EventMonth, false, true)?;
        to_rows(raw, &unit_codes(conn)?)
    }

    /// Every stored instrument version with its declared outcome dimensions (those with at
    /// least two categories), as an export needs them.
    pub fn declared_instruments(&self) -> Result<Vec<DeclaredInstrument>> {
        self.require(ANY_ROLE, "reading statistics")?;
        let mut out = Vec::new();
        for v in instruments::all_versions(self.conn())? {
            let outcome_dimensions = v
                .definition
                .outcomes
                .iter()
                .filter(|o| o.categories.len() >= 2)
                .map(|o| {
                    Ok(OutcomeDimension {
                        code: Code::new(&o.id)?,
                        categories: o
                            .categories
                            .iter()
                            .map(|c| Code::new(&c.id))
                            .collect::<Result<Vec<_>>>()?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            out.push(DeclaredInstrument {
                id: Code::new(&v.id)?,
                version: InstrumentVersion::new(&v.version)?,
                outcome_dimensions,
            });
        }
        Ok(out)
    }
}

/// The indicators a completion of this instrument version counts: those in its file and the
/// shipped table, each once, in list order.
pub fn completion_tags(def: &crate::instrument::Instrument) -> Vec<crate::indicator::Indicator> {
    let shipped = crate::indicator::shipped_tags(&def.id, &def.version.to_string());
    crate::indicator::Indicator::ALL
        .iter()
        .copied()
        .filter(|i| def.indicators.contains(i) || shipped.contains(i))
        .collect()
}
