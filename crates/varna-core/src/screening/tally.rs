//! The tally: counts per month × unit × instrument version × measure (× category), kept in
//! the same transaction as every status change. Codes and numbers only.

use std::collections::BTreeMap;

use rusqlite::Connection;

use super::access;
use super::conduct::load_answers;
use super::instruments;
use crate::error::{Error, Result};
use crate::export::{
    Code, CountRow, DeclaredInstrument, InstrumentVersion, Measure, OutcomeDimension, PersonRole,
    UnitCode, YearMonth,
};
use crate::instrument::{self, Evaluation};
use crate::store::{db_error, Role, Store};

/// Where a count goes: month of the samtal, unit, instrument version.
pub(super) struct Key {
    month: String,
    unit_id: String,
    instrument_id: String,
    instrument_version: String,
}

impl Key {
    /// `conducted_on` is `YYYY-MM-DD`; the tally keeps its month.
    pub(super) fn of(conducted_on: &str, unit_id: &str, id: &str, version: &str) -> Key {
        Key {
            month: conducted_on.chars().take(7).collect(),
            unit_id: unit_id.to_owned(),
            instrument_id: id.to_owned(),
            instrument_version: version.to_owned(),
        }
    }
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
    .map_err(|e| db_error("counting", e))?;
    Ok(())
}

/// The counts a completion adds: `completed`, each outcome dimension that reached a category,
/// and the person's role.
pub(super) fn completion_cells(ev: &Evaluation, role: PersonRole) -> Vec<(String, Option<String>)> {
    let mut cells = vec![("completed".to_owned(), None)];
    for o in &ev.outcomes {
        if let Some(c) = &o.category {
            cells.push((format!("outcome:{}", o.dimension), Some(c.clone())));
        }
    }
    cells.push(("role".to_owned(), Some(role.code().to_owned())));
    cells
}

type RawKey = (String, String, String, String, String, String);

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
        .map_err(|e| db_error("reading units", e))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect::<rusqlite::Result<BTreeMap<String, String>>>())
        .map_err(|e| db_error("reading units", e))?;
    Ok(rows)
}

const ANY_ROLE: &[Role] = &[Role::Handlaggare, Role::Arbetsledare, Role::Administrator];

impl Store {
    /// Adds one `reviewed` for a screening's month × unit × instrument version. For the review
    /// module, inside the transaction that approves it.
    pub(crate) fn count_reviewed(tx: &Connection, screening_id: &str) -> Result<()> {
        let (conducted_on, unit_id, id, version): (String, String, String, String) = tx
            .query_row(
                "SELECT conducted_on, unit_id, instrument_id, instrument_version
                 FROM screenings WHERE id = ?1",
                [screening_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .map_err(|e| db_error("reading the screening", e))?;
        bump(
            tx,
            &Key::of(&conducted_on, &unit_id, &id, &version),
            "reviewed",
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
            .map_err(|e| db_error("reading statistics", e))?;
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
            .map_err(|e| db_error("reading statistics", e))?;
        let raw: BTreeMap<RawKey, u64> = rows
            .into_iter()
            .map(|(k, c)| (k, c.max(0) as u64))
            .collect();
        to_rows(raw, &unit_codes(conn)?)
    }

    /// Recomputes the tally from the screenings that still exist, for checking the running
    /// tally. Discarded screenings are gone, so:
    ///
    /// - `completed`, `outcome:*` and `role` must equal the running tally exactly (completed
    ///   screenings are never deleted);
    /// - `started` here counts existing screenings (drafts and completed), which equals the
    ///   running tally's `started` minus its `discarded`;
    /// - `discarded` (and `reviewed`) cannot be recomputed and are not returned.
    pub fn rebuild_tally(&self) -> Result<Vec<CountRow>> {
        self.require(ANY_ROLE, "reading statistics")?;
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!("SELECT {} FROM screenings", access::ROW_COLUMNS))
            .map_err(|e| db_error("reading screenings", e))?;
        let rows = stmt
            .query_map([], access::row_from_sql)
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| db_error("reading screenings", e))?;
        let mut raw: BTreeMap<RawKey, u64> = BTreeMap::new();
        for row in rows {
            let month = row.conducted_on.format("%Y-%m").to_string();
            let mut add = |measure: &str, category: Option<&str>| {
                *raw.entry((
                    month.clone(),
                    row.unit_id.clone(),
                    row.instrument_id.clone(),
                    row.instrument_version.clone(),
                    measure.to_owned(),
                    category.unwrap_or("").to_owned(),
                ))
                .or_default() += 1;
            };
            add("started", None);
            if row.status == super::Status::Completed {
                let version =
                    instruments::load_version(conn, &row.instrument_id, &row.instrument_version)?;
                let answers = load_answers(conn, &row.id)?;
                let ev = instrument::evaluate(&version.definition, &answers);
                for (measure, category) in completion_cells(&ev, row.person_role) {
                    add(&measure, category.as_deref());
                }
            }
        }
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
