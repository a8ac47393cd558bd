//! Hooks for `varna-bench` only (hidden from the documentation): writing a very large number
//! of synthetic screenings quickly, and the naive count that the tally is measured against.
//! Nothing in the app or the CLI calls them.

use super::tally;
use crate::access::Role;
use crate::db::Store;
use crate::error::DbContext;
use crate::error::Result;
use crate::export::{PersonRole, YearMonth};

/// One synthetic screening for [`Store::bench_bulk_insert`].
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct BulkScreening {
    pub instrument_id: String,
    pub instrument_version: String,
    pub unit_id: String,
    pub author_id: String,
    pub person_role: PersonRole,
    pub conducted_on: chrono::NaiveDate,
    pub completed: bool,
}

impl Store {
    /// Inserts screening rows (no answers) and their counts in one transaction, as
    /// `start_screening` and `complete_screening` would count them (without outcomes).
    /// Administrators only; for benchmarks.
    #[doc(hidden)]
    pub fn bench_bulk_insert(&mut self, rows: &[BulkScreening]) -> Result<()> {
        self.require(&[Role::Administrator], "bulk inserting")?;
        let now = crate::db::now_text();
        let me = self.actor().id.clone();
        self.with_tx(|tx| {
            // Even a benchmark's bulk write is in the access log.
            crate::audit::record(
                tx,
                Some(&me),
                crate::audit::Event::ScreeningCreate,
                crate::audit::Obj::none().detail(format!("bulk insert of {} rows", rows.len())),
            )?;
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO screenings (id, instrument_id, instrument_version, unit_id,
                         author_id, person_role, conducted_on, case_ref, status, position,
                         created_at, updated_at, completed_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8, NULL, ?9, ?9, ?10)",
                )
                .db("bulk inserting")?;
            for r in rows {
                let day = r.conducted_on.format("%Y-%m-%d").to_string();
                let status = if r.completed { "completed" } else { "draft" };
                stmt.execute(rusqlite::params![
                    uuid::Uuid::new_v4().to_string(),
                    &r.instrument_id,
                    &r.instrument_version,
                    &r.unit_id,
                    &r.author_id,
                    r.person_role.code(),
                    &day,
                    status,
                    &now,
                    r.completed.then_some(&now),
                ])
                .db("bulk inserting")?;
                let key = tally::Key::of(&day, &r.unit_id, &r.instrument_id, &r.instrument_version);
                tally::bump(tx, &key, "started", None)?;
                if r.completed {
                    tally::bump(tx, &key, "completed", None)?;
                    tally::bump(tx, &key, "role", Some(r.person_role.code()))?;
                }
            }
            Ok(())
        })
    }

    /// Sets the completion of `n` completed screenings (the earliest conducted first) to
    /// `completed_at`, so that retention finds them due (benchmark 11, gallring at scale).
    /// Administrators only; for benchmarks. Returns how many were changed.
    #[doc(hidden)]
    pub fn bench_backdate_completed(&mut self, n: u64, completed_at: &str) -> Result<u64> {
        self.require(&[Role::Administrator], "bulk changing")?;
        self.with_tx(|tx| {
            let changed = tx
                .execute(
                    "UPDATE screenings SET completed_at = ?2 WHERE id IN (
                         SELECT id FROM screenings WHERE status = 'completed'
                         ORDER BY conducted_on, id LIMIT ?1)",
                    (i64::try_from(n).unwrap_or(i64::MAX), completed_at),
                )
                .db("bulk changing")?;
            Ok(changed as u64)
        })
    }

    /// Writes years of history in one transaction: for each screening its row, the same
    /// `answers` (key, value), its counts, and the access-log rows the API logs for it, with
    /// the author as actor: `screening_create`, `screening_complete` when completed, and
    /// `reads` × `screening_open`. The log rows are chained and sealed exactly as
    /// [`crate::audit`] writes them. Administrators only; for benchmarks (benchmark 7, unlock
    /// after ten years). Returns the number of log rows written.
    #[doc(hidden)]
    pub fn bench_bulk_history(
        &mut self,
        rows: &[BulkScreening],
        answers: &[(String, crate::instrument::AnswerValue)],
        reads: u32,
    ) -> Result<u64> {
        use crate::audit::{record, Event, Obj};
        self.require(&[Role::Administrator], "bulk inserting")?;
        let now = crate::db::now_text();
        let answers: Vec<(String, String)> = answers
            .iter()
            .map(|(k, v)| {
                serde_json::to_string(v)
                    .map(|j| (k.clone(), j))
                    .map_err(|_| {
                        crate::error::Error::Internal("an answer did not serialise".into())
                    })
            })
            .collect::<Result<_>>()?;
        self.with_tx(|tx| {
            let mut logged = 0u64;
            let mut screening = tx
                .prepare_cached(
                    "INSERT INTO screenings (id, instrument_id, instrument_version, unit_id,
                         author_id, person_role, conducted_on, case_ref, status, position,
                         created_at, updated_at, completed_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8, NULL, ?9, ?9, ?10)",
                )
                .db("bulk inserting")?;
            let mut answer = tx
                .prepare_cached(
                    "INSERT INTO screening_answers (screening_id, answer_key, value, saved_at)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .db("bulk inserting")?;
            for r in rows {
                let id = uuid::Uuid::new_v4().to_string();
                let day = r.conducted_on.format("%Y-%m-%d").to_string();
                let status = if r.completed { "completed" } else { "draft" };
                screening
                    .execute(rusqlite::params![
                        &id,
                        &r.instrument_id,
                        &r.instrument_version,
                        &r.unit_id,
                        &r.author_id,
                        r.person_role.code(),
                        &day,
                        status,
                        &now,
                        r.completed.then_some(&now),
                    ])
                    .db("bulk inserting")?;
                record(
                    tx,
                    Some(&r.author_id),
                    Event::ScreeningCreate,
                    Obj::screening(&id)
                        .detail(format!("{}@{}", r.instrument_id, r.instrument_version)),
                )?;
                logged += 1;
                for (k, j) in &answers {
                    answer.execute((&id, k, j, &now)).db("bulk inserting")?;
                }
                for _ in 0..reads {
                    record(
                        tx,
                        Some(&r.author_id),
                        Event::ScreeningOpen,
                        Obj::screening(&id),
                    )?;
                    logged += 1;
                }
                let key = tally::Key::of(&day, &r.unit_id, &r.instrument_id, &r.instrument_version);
                tally::bump(tx, &key, "started", None)?;
                if r.completed {
                    record(
                        tx,
                        Some(&r.author_id),
                        Event::ScreeningComplete,
                        Obj::screening(&id),
                    )?;
                    logged += 1;
                    tally::bump(tx, &key, "completed", None)?;
                    tally::bump(tx, &key, "role", Some(r.person_role.code()))?;
                }
            }
            Ok(logged)
        })
    }

    /// The naive monthly count: a `GROUP BY` over the screenings of `from..=to` (month, unit,
    /// instrument version, status, role). Returns the number of groups and the total count.
    #[doc(hidden)]
    pub fn bench_naive_monthly_counts(&self, from: YearMonth, to: YearMonth) -> Result<(u64, u64)> {
        self.require(
            &[Role::Handlaggare, Role::Arbetsledare, Role::Administrator],
            "reading statistics",
        )?;
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT substr(conducted_on, 1, 7) AS month, unit_id, instrument_id,
                        instrument_version, status, person_role, COUNT(*)
                 FROM screenings
                 WHERE substr(conducted_on, 1, 7) BETWEEN ?1 AND ?2
                 GROUP BY month, unit_id, instrument_id, instrument_version, status, person_role",
            )
            .db("reading statistics")?;
        let mut groups = 0u64;
        let mut total = 0u64;
        let mut rows = stmt
            .query((from.to_string(), to.to_string()))
            .db("reading statistics")?;
        while let Some(r) = rows.next().db("reading statistics")? {
            groups += 1;
            total += r.get::<_, i64>(6).db("reading statistics")? as u64;
        }
        Ok((groups, total))
    }
}
