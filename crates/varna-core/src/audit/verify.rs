//! Checking the chain: the full check ([`Store::verify_audit`], `varna audit verify`) and the
//! check at unlock, incremental from the checkpoint ([`check_at_unlock`]; setup and restore
//! check the whole log: [`full_check`]). The checks read through a `rusqlite` connection;
//! what they found at unlock is kept on the [`Store`] for the shell.

use ring::hmac;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use super::chain::{
    chain_hash, decode_hash, head_key, head_message, read_checkpoint, RawRow, ZERO_HASH,
};
use crate::access::Role;
use crate::db::Store;
use crate::error::{DbContext, Result};

/// The first row at or after `from` that records a break or a rollback: (seq, the break's
/// row as recorded, when, why).
pub(crate) fn first_recorded_break(
    conn: &Connection,
    from: i64,
) -> Result<Option<(i64, String, String, String)>> {
    conn.query_row(
        "SELECT seq, object_id, at, detail FROM audit_log
         WHERE seq >= ?1 AND event IN ('audit_broken', 'rollback_detected')
         ORDER BY seq LIMIT 1",
        [from],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .optional()
    .db("checking the access log")
}

/// What the check at unlock found: the report (before recorded breaks are added), the
/// verified end of the chain to move the checkpoint to (`None` when the chain is broken), and
/// where to look for breaks recorded earlier.
pub(crate) struct UnlockCheck {
    pub(crate) chain: AuditReport,
    pub(crate) verified_end: Option<(i64, String)>,
    /// Recorded breaks: the checkpoint's first one, if any, else look from this row on.
    pub(crate) recorded_from: RecordedFrom,
}

pub(crate) enum RecordedFrom {
    /// A break is recorded in row `seq` (known from a verified checkpoint).
    Known(i64),
    /// No break recorded up to the row before this one.
    ScanFrom(i64),
}

/// The check of the whole log, as at setup and restore.
pub(crate) fn full_check(conn: &Connection, db_key: &[u8], store_id: &str) -> Result<UnlockCheck> {
    let (chain, verified_end) = check_chain_from(conn, db_key, store_id, None)?;
    Ok(UnlockCheck {
        chain,
        verified_end,
        recorded_from: RecordedFrom::ScanFrom(1),
    })
}

/// The check at unlock: incremental from a checkpoint that verifies, otherwise the whole log.
pub(crate) fn check_at_unlock(
    conn: &Connection,
    db_key: &[u8],
    store_id: &str,
) -> Result<UnlockCheck> {
    let refused = |seq: i64, reason: &str| -> Result<UnlockCheck> {
        let mut check = full_check(conn, db_key, store_id)?;
        if check.chain.ok {
            let last = check.verified_end.as_ref().map_or(0, |e| e.0);
            check.chain = AuditReport {
                ok: false,
                rows: check.chain.rows,
                first_broken: Some(BrokenRow {
                    seq: seq.clamp(1, last.max(1)),
                    reason: reason.to_owned(),
                }),
            };
        }
        Ok(check)
    };
    let cp = match read_checkpoint(conn)? {
        None => return full_check(conn, db_key, store_id),
        Some(Err(())) => {
            return refused(
                1,
                "the checkpoint of the verified log is damaged; the whole log was checked",
            )
        }
        Some(Ok(cp)) => cp,
    };
    if !cp.verifies(db_key, store_id) {
        return refused(
            cp.seq,
            "the checkpoint of the verified log does not verify (it was edited, or copied from              another store); the whole log was checked",
        );
    }
    let stored: Option<String> = conn
        .query_row("SELECT hash FROM audit_log WHERE seq = ?1", [cp.seq], |r| {
            r.get(0)
        })
        .optional()
        .db("checking the access log")?;
    let broken = |seq: i64, reason: String| -> Result<UnlockCheck> {
        Ok(UnlockCheck {
            chain: AuditReport {
                ok: false,
                rows: count_rows(conn)?,
                first_broken: Some(BrokenRow { seq, reason }),
            },
            verified_end: None,
            recorded_from: RecordedFrom::ScanFrom(1),
        })
    };
    let Some(stored) = stored else {
        let (end, _) = last_row(conn)?;
        return broken(
            end.min(cp.seq - 1) + 1,
            format!(
                "row {} is missing, which an earlier check had verified: the log was cut                  back to row {end}",
                cp.seq
            ),
        );
    };
    let Some(start) = decode_hash(&cp.hash).filter(|_| stored == cp.hash) else {
        return broken(
            cp.seq,
            format!(
                "row {} differs from the checkpoint of the verified log: it was changed after                  it was verified",
                cp.seq
            ),
        );
    };
    let (chain, verified_end) = check_chain_from(conn, db_key, store_id, Some((cp.seq, start)))?;
    Ok(UnlockCheck {
        chain,
        verified_end,
        recorded_from: if cp.first_break > 0 {
            RecordedFrom::Known(cp.first_break)
        } else {
            RecordedFrom::ScanFrom(cp.seq + 1)
        },
    })
}

/// The last row of the log: (seq, hash), or (0, "") when empty.
fn last_row(conn: &Connection) -> Result<(i64, String)> {
    Ok(conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .db("checking the access log")?
        .unwrap_or((0, String::new())))
}

/// Where the chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BrokenRow {
    /// The sequence number of the first row that is changed, missing or out of place.
    pub seq: i64,
    pub reason: String,
}

/// The result of checking the whole access log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditReport {
    pub ok: bool,
    /// Rows in the log.
    pub rows: u64,
    pub first_broken: Option<BrokenRow>,
}

fn check_chain(conn: &Connection, db_key: &[u8], store_id: &str) -> Result<AuditReport> {
    Ok(check_chain_from(conn, db_key, store_id, None)?.0)
}

/// Checks the chain from the row after `start` (a verified row: its seq and hash; `None`:
/// from the first row) to the end and the signed head. Returns the report and, when the log
/// is intact, its last row (seq, hash).
fn check_chain_from(
    conn: &Connection,
    db_key: &[u8],
    store_id: &str,
    start: Option<(i64, [u8; 32])>,
) -> Result<(AuditReport, Option<(i64, String)>)> {
    let (start_seq, start_hash) = start.unwrap_or((0, ZERO_HASH));
    let mut stmt = conn
        .prepare(
            "SELECT seq, at, actor_id, event, object_kind, object_id, detail, hash
             FROM audit_log WHERE seq > ?1 ORDER BY seq",
        )
        .db("checking the access log")?;
    let mut rows = stmt.query([start_seq]).db("checking the access log")?;
    let mut prev = start_hash;
    let mut expected: i64 = start_seq + 1;
    // Rows up to a verified start are counted as they were verified: one per number.
    let mut count: u64 = start_seq as u64;
    let mut last: Option<(i64, String)> = start.map(|(seq, hash)| (seq, hex::encode(hash)));
    let broken = |seq: i64, reason: &str, rows: u64| {
        let report = AuditReport {
            ok: false,
            rows,
            first_broken: Some(BrokenRow {
                seq,
                reason: reason.to_owned(),
            }),
        };
        (report, None)
    };
    while let Some(r) = rows.next().db("checking the access log")? {
        let row = RawRow {
            seq: r.get(0).db("checking the access log")?,
            at: r.get(1).db("checking the access log")?,
            actor: r.get(2).db("checking the access log")?,
            event: r.get(3).db("checking the access log")?,
            object_kind: r.get(4).db("checking the access log")?,
            object_id: r.get(5).db("checking the access log")?,
            detail: r.get(6).db("checking the access log")?,
            hash: r.get(7).db("checking the access log")?,
        };
        count += 1;
        if row.seq != expected {
            let total = count_rows(conn)?;
            return Ok(broken(
                expected,
                &format!(
                    "row {expected} is missing (deleted, or the rows were renumbered); the next \
                     row present is {}",
                    row.seq
                ),
                total,
            ));
        }
        let computed = chain_hash(&prev, &row);
        if decode_hash(&row.hash) != Some(computed) {
            let total = count_rows(conn)?;
            return Ok(broken(
                row.seq,
                "the row does not match its hash: it was changed, or moved from another place \
                 in the log",
                total,
            ));
        }
        prev = computed;
        expected += 1;
        last = Some((row.seq, row.hash));
    }
    let head: Option<(i64, String, String)> = conn
        .query_row(
            "SELECT seq, hash, mac FROM audit_head WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .db("checking the access log")?;
    let (head_seq, head_hash, mac) = match (head, &last) {
        (None, None) => {
            let empty = AuditReport {
                ok: true,
                rows: 0,
                first_broken: None,
            };
            return Ok((empty, None));
        }
        (None, Some(_)) => return Ok(broken(1, "the signed head of the log is missing", count)),
        (Some(h), _) => h,
    };
    let mac_ok = hex::decode(&mac).ok().is_some_and(|tag| {
        hmac::verify(
            &head_key(db_key, store_id),
            &head_message(head_seq, &head_hash),
            &tag,
        )
        .is_ok()
    });
    let last_seq = last.as_ref().map_or(0, |l| l.0);
    if !mac_ok {
        return Ok(broken(
            head_seq.clamp(1, last_seq.max(1)),
            "the signature of the log's head does not verify (the head was edited without the key)",
            count,
        ));
    }
    if head_seq > last_seq {
        return Ok(broken(
            last_seq + 1,
            &format!(
                "rows {}–{head_seq} are missing: the log was truncated after row {last_seq}",
                last_seq + 1
            ),
            count,
        ));
    }
    if head_seq < last_seq {
        return Ok(broken(
            head_seq + 1,
            "rows after the signed head were added outside Värna",
            count,
        ));
    }
    if last.as_ref().map(|l| l.1.as_str()) != Some(head_hash.as_str()) {
        return Ok(broken(
            head_seq,
            "the last row differs from the signed head",
            count,
        ));
    }
    let report = AuditReport {
        ok: true,
        rows: count,
        first_broken: None,
    };
    Ok((report, last))
}

/// `report`, or, when it is ok, the break recorded in the log earlier (a break stays
/// reported: it is evidence, and later rows re-seal the head).
pub(crate) fn with_break(
    report: AuditReport,
    recorded: Option<&(i64, String, String, String)>,
) -> AuditReport {
    match recorded {
        Some((_, seq, at, detail)) if report.ok => AuditReport {
            ok: false,
            rows: report.rows,
            first_broken: Some(BrokenRow {
                seq: seq.parse().unwrap_or(0),
                reason: format!("found broken on {at}: {detail}"),
            }),
        },
        _ => report,
    }
}

pub(crate) fn count_rows(conn: &Connection) -> Result<u64> {
    conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
        .db("checking the access log")
}

impl Store {
    /// Checks the whole access log: the chain of hashes and the signed head. Administratör
    /// and arbetsledare.
    pub fn verify_audit(&self) -> Result<AuditReport> {
        self.require(
            &[Role::Administrator, Role::Arbetsledare],
            "checking the access log",
        )?;
        self.verify_audit_unchecked()
    }

    /// The chain check, and then any break recorded earlier (a break stays reported: it is
    /// evidence, and later rows re-seal the head).
    fn verify_audit_unchecked(&self) -> Result<AuditReport> {
        let report = check_chain(self.conn(), self.db_key_bytes(), self.store_id())?;
        self.with_recorded_break(report)
    }

    /// `report` (the chain as it is now), or the first break recorded in the log earlier.
    fn with_recorded_break(&self, report: AuditReport) -> Result<AuditReport> {
        let recorded = first_recorded_break(self.conn(), 1)?;
        Ok(with_break(report, recorded.as_ref()))
    }

    /// The first break recorded in the log: in the row a verified checkpoint names, or
    /// searched from a row on.
    pub(crate) fn recorded_break(
        &self,
        from: &RecordedFrom,
    ) -> Result<Option<(i64, String, String, String)>> {
        match *from {
            RecordedFrom::Known(seq) => match first_recorded_break(self.conn(), seq)? {
                Some(found) if found.0 == seq => Ok(Some(found)),
                // The row the checkpoint names is no longer a break: search the whole log.
                _ => first_recorded_break(self.conn(), 1),
            },
            RecordedFrom::ScanFrom(seq) => first_recorded_break(self.conn(), seq),
        }
    }

    /// The result of the check run when this store was unlocked (`None` for roles that may
    /// not read the log, so the shell can warn administrators and arbetsledare).
    pub fn audit_at_unlock(&self) -> Option<&AuditReport> {
        let role = self.actor().role;
        if matches!(role, Role::Administrator | Role::Arbetsledare) {
            self.audit_report_at_unlock::<AuditReport>()
        } else {
            None
        }
    }

    /// Test hook: runs raw SQL on the decrypted database, e.g. to tamper with the access log
    /// in tests. Only with the `test-hooks` feature, which release builds of the app and
    /// the CLI never enable.
    #[cfg(feature = "test-hooks")]
    #[doc(hidden)]
    pub fn __test_raw_sql(&self, sql: &str) -> Result<()> {
        self.conn().execute_batch(sql).db("running test SQL")
    }

    /// Test hook: one text value from raw SQL on the decrypted database.
    #[cfg(feature = "test-hooks")]
    #[doc(hidden)]
    pub fn __test_query_texts(&self, sql: &str) -> Result<Vec<String>> {
        use crate::error::RowsExt;
        let mut stmt = self.conn().prepare(sql).db("running test SQL")?;
        let rows = stmt.rows([], "running test SQL", |r| r.get::<_, Option<String>>(0))?;
        Ok(rows.into_iter().flatten().collect())
    }
}
