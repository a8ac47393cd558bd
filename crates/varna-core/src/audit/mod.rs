//! The access log (loggkontroll): who did what, when, to which object — never any answer,
//! note or other content.
//!
//! Rows live in the encrypted database in `audit_log` (migration 4), append-only (triggers
//! refuse `UPDATE` and `DELETE`), and are chained:
//!
//! ```text
//! hash_n = SHA-256(hash_{n-1} ‖ canonical(row_n))      hash_0 = 32 zero bytes
//! canonical(row) = "varna-audit-v1" then, for seq, at, actor, event, object kind,
//!                  object id, detail: ";" <byte length> ":" <bytes>
//! ```
//!
//! The chain head (last seq and hash) is kept in `audit_head` with an HMAC-SHA256 under a
//! key derived from the database key (HKDF-SHA256, salt = store id, info
//! `varna-audit-head-v1`). [`record`] appends inside the caller's transaction; the head is
//! sealed by `Store::with_tx` (and [`Store::audit_now`]) just before the commit, so a row
//! and the head always commit together. Removing rows at the end (truncation) leaves a head
//! that names a later row; forging the head needs the database key.
//!
//! [`Store::verify_audit`] recomputes everything and names the first broken row (the full
//! check: `varna audit verify`, loggkontroll's "Kontrollera loggen nu"). Unlock checks
//! incrementally, so that it does not grow with the years of history: from the *checkpoint*
//! of the verified prefix, kept in `meta` (`audit_checkpoint`) inside the encrypted database:
//!
//! ```text
//! checkpoint = seq ‖ hash_seq ‖ first recorded break (0: none) ‖
//!              HMAC-SHA256(K_cp, "varna-audit-checkpoint-v1|" store id "|" seq "|" hash "|" break)
//! K_cp = HKDF-SHA256(db key, salt = store id, info "varna-audit-checkpoint-v1")
//! ```
//!
//! Unlock verifies the checkpoint's MAC, that row `seq` still carries `hash_seq`, the chain
//! from there to the end and the signed head, then moves the checkpoint to the verified end in
//! the transaction that logs the unlock (never over a broken chain). A checkpoint that is
//! missing (a store from before checkpoints) means a full check; one that is damaged or does
//! not verify is refused: the full check runs and the refusal is reported and logged like a
//! break. A log that ends before the checkpoint (truncated, also with an older head put back)
//! is a break. Setup and restore always check the whole log. What the incremental check
//! cannot see: a row *inside* the verified prefix changed by someone with the database key
//! (the full check finds it), and the database rolled back together with its checkpoint (the
//! anchors outside the database find that: `store::anchor`). The result is kept for the shell
//! ([`Store::audit_at_unlock`]) and a broken chain is itself logged (`audit_broken`), so the
//! finding stays in the log even after later rows re-seal the head; the checkpoint carries the
//! first such recorded finding, so unlock reports it without scanning the log.
//!
//! Failed unlocks happen while the database is locked (no key, nothing can be written to it).
//! The non-secret counter in `varna.unlock-state` is read at the next successful unlock and
//! logged as one `unlock_failed` row, "N failed attempts since last unlock", without an actor.

mod list;

use ring::{digest, hkdf, hmac};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::{now_text, DbContext, Role, Store};

pub use list::{AuditEntry, AuditFilter};

const HEAD_INFO: &[u8] = b"varna-audit-head-v1";
const CHECKPOINT_INFO: &[u8] = b"varna-audit-checkpoint-v1";
/// The `meta` key of the checkpoint of the verified prefix of the log.
const META_CHECKPOINT: &str = "audit_checkpoint";
const ZERO_HASH: [u8; 32] = [0; 32];

/// What happened. Stored as its snake_case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// First-time setup of the data folder.
    Setup,
    Unlock,
    /// Failed unlock attempts since the last successful one (logged at the next unlock).
    UnlockFailed,
    Lock,
    ScreeningCreate,
    ScreeningOpen,
    ScreeningComplete,
    ScreeningDiscard,
    AddendumAdd,
    /// A review decision (approve, return, comment) by an arbetsledare.
    ReviewDecision,
    /// A statistics export was written.
    Export,
    Backup,
    Restore,
    AccountAdd,
    AccountRole,
    AccountUnits,
    AccountDeactivate,
    PassphraseReset,
    PassphraseChange,
    RecoveryKeyRotate,
    UnitAdd,
    UnitRename,
    SettingsChange,
    InstrumentAdd,
    RetentionSettings,
    /// A retention run (gallring), with how many screenings it removed.
    RetentionRun,
    /// One screening removed by retention (metadata only).
    RetentionDelete,
    /// The check at unlock found the log broken.
    AuditBroken,
    /// The database key was replaced (after a revocation or a new recovery key).
    Rekey,
    /// The check at unlock found the database or data folder behind its anchor.
    RollbackDetected,
    /// A review (its comments and history, with or without the screening) was shown.
    ReviewView,
    /// A retention run was held back because the clock looks wrong (the reason is the detail).
    RetentionHeld,
    /// An administratör confirmed a held retention run, or a run despite a clock warning.
    RetentionConfirm,
    /// A deactivated account was made active again (with a new passphrase).
    AccountReactivate,
    /// A unit was closed: it takes no new screenings; its counts stay.
    UnitClose,
    /// A unit's denominator of a follow-up indicator for a year was set or cleared.
    DenominatorSet,
    /// An instrument version was retired: no new screenings with it.
    InstrumentRetire,
    /// A retired instrument version was made available for new screenings again.
    InstrumentReactivate,
    /// Another installation's signing key was trusted for count files (or replaced).
    SenderTrust,
    /// Trust in another installation's signing key was withdrawn.
    SenderUntrust,
    /// The PDF/A document of a completed screening was saved to a file the user chose.
    DocumentSave,
    /// The document of a completed screening was opened for the system print dialog.
    DocumentPrint,
    /// The journal text of a completed screening was copied to the clipboard.
    JournalCopy,
    /// A draft was moved to a newer version of its instrument (detail: from → to, how many
    /// answers carried and dropped).
    ScreeningUpgrade,
    /// A deactivated account was removed from the administration list (kept for the log).
    AccountRemove,
}

impl Event {
    pub const ALL: &'static [Event] = &[
        Event::Setup,
        Event::Unlock,
        Event::UnlockFailed,
        Event::Lock,
        Event::ScreeningCreate,
        Event::ScreeningOpen,
        Event::ScreeningComplete,
        Event::ScreeningDiscard,
        Event::AddendumAdd,
        Event::ReviewDecision,
        Event::Export,
        Event::Backup,
        Event::Restore,
        Event::AccountAdd,
        Event::AccountRole,
        Event::AccountUnits,
        Event::AccountDeactivate,
        Event::PassphraseReset,
        Event::PassphraseChange,
        Event::RecoveryKeyRotate,
        Event::UnitAdd,
        Event::UnitRename,
        Event::SettingsChange,
        Event::InstrumentAdd,
        Event::RetentionSettings,
        Event::RetentionRun,
        Event::RetentionDelete,
        Event::AuditBroken,
        Event::Rekey,
        Event::RollbackDetected,
        Event::ReviewView,
        Event::RetentionHeld,
        Event::RetentionConfirm,
        Event::AccountReactivate,
        Event::UnitClose,
        Event::DenominatorSet,
        Event::InstrumentRetire,
        Event::InstrumentReactivate,
        Event::SenderTrust,
        Event::SenderUntrust,
        Event::DocumentSave,
        Event::DocumentPrint,
        Event::JournalCopy,
        Event::ScreeningUpgrade,
        Event::AccountRemove,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::Setup => "setup",
            Event::Unlock => "unlock",
            Event::UnlockFailed => "unlock_failed",
            Event::Lock => "lock",
            Event::ScreeningCreate => "screening_create",
            Event::ScreeningOpen => "screening_open",
            Event::ScreeningComplete => "screening_complete",
            Event::ScreeningDiscard => "screening_discard",
            Event::AddendumAdd => "addendum_add",
            Event::ReviewDecision => "review_decision",
            Event::Export => "export",
            Event::Backup => "backup",
            Event::Restore => "restore",
            Event::AccountAdd => "account_add",
            Event::AccountRole => "account_role",
            Event::AccountUnits => "account_units",
            Event::AccountDeactivate => "account_deactivate",
            Event::PassphraseReset => "passphrase_reset",
            Event::PassphraseChange => "passphrase_change",
            Event::RecoveryKeyRotate => "recovery_key_rotate",
            Event::UnitAdd => "unit_add",
            Event::UnitRename => "unit_rename",
            Event::SettingsChange => "settings_change",
            Event::InstrumentAdd => "instrument_add",
            Event::RetentionSettings => "retention_settings",
            Event::RetentionRun => "retention_run",
            Event::RetentionDelete => "retention_delete",
            Event::AuditBroken => "audit_broken",
            Event::Rekey => "rekey",
            Event::RollbackDetected => "rollback_detected",
            Event::ReviewView => "review_view",
            Event::RetentionHeld => "retention_held",
            Event::RetentionConfirm => "retention_confirm",
            Event::AccountReactivate => "account_reactivate",
            Event::UnitClose => "unit_close",
            Event::DenominatorSet => "denominator_set",
            Event::InstrumentRetire => "instrument_retire",
            Event::InstrumentReactivate => "instrument_reactivate",
            Event::SenderTrust => "sender_trust",
            Event::SenderUntrust => "sender_untrust",
            Event::DocumentSave => "document_save",
            Event::DocumentPrint => "document_print",
            Event::JournalCopy => "journal_copy",
            Event::ScreeningUpgrade => "screening_upgrade",
            Event::AccountRemove => "account_remove",
        }
    }

    pub fn parse(s: &str) -> Result<Event> {
        Event::ALL
            .iter()
            .copied()
            .find(|e| e.as_str() == s.trim())
            .ok_or_else(|| Error::InvalidInput(format!("unknown audit event {s:?}")))
    }
}

/// The object an event concerns, with metadata (never content).
#[derive(Debug, Clone, Default)]
pub struct Obj {
    kind: &'static str,
    id: String,
    detail: String,
}

impl Obj {
    /// No object (unlock, lock, settings…).
    pub fn none() -> Obj {
        Obj::default()
    }
    pub fn screening(id: &str) -> Obj {
        Obj::of("screening", id)
    }
    pub fn account(id: &str) -> Obj {
        Obj::of("account", id)
    }
    pub fn unit(id: &str) -> Obj {
        Obj::of("unit", id)
    }
    pub fn instrument(id_at_version: &str) -> Obj {
        Obj::of("instrument", id_at_version)
    }
    pub fn of(kind: &'static str, id: &str) -> Obj {
        Obj {
            kind,
            id: id.to_owned(),
            detail: String::new(),
        }
    }
    /// Adds metadata (a code, a count, a role). Never put free text of a screening here.
    pub fn detail(mut self, detail: impl Into<String>) -> Obj {
        self.detail = detail.into();
        self
    }
}

/// Appends one row to the access log, inside the caller's transaction. The head is sealed
/// by the transaction's owner (`Store::with_tx`) before it commits.
pub(crate) fn record(
    tx: &Connection,
    actor: Option<&str>,
    event: Event,
    object: Obj,
) -> Result<()> {
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .db("writing the access log")?;
    let (prev_seq, prev_hash) = match last {
        Some((seq, hash)) => (seq, decode_hash(&hash).unwrap_or(ZERO_HASH)),
        None => (0, ZERO_HASH),
    };
    FIRST_NEW.with(|f| {
        if f.get().is_none_or(|first| first > prev_seq + 1) {
            f.set(Some(prev_seq + 1));
        }
    });
    let row = RawRow {
        seq: prev_seq + 1,
        at: now_text(),
        actor: actor.map(str::to_owned),
        event: event.as_str().to_owned(),
        object_kind: object.kind.to_owned(),
        object_id: object.id,
        detail: object.detail,
        hash: String::new(),
    };
    let hash = hex::encode(chain_hash(&prev_hash, &row));
    tx.execute(
        "INSERT INTO audit_log (seq, at, actor_id, event, object_kind, object_id, detail, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        rusqlite::params![
            row.seq,
            row.at,
            row.actor,
            row.event,
            row.object_kind,
            row.object_id,
            row.detail,
            hash
        ],
    )
    .db("writing the access log")?;
    Ok(())
}

thread_local! {
    /// The first row appended by the transaction now running on this thread (transactions
    /// run synchronously on one thread). A value left by a rolled-back transaction equals
    /// the next row's number, so it is harmless.
    static FIRST_NEW: std::cell::Cell<Option<i64>> = const { std::cell::Cell::new(None) };
}

/// Before advancing the head: was the log consistent with its signed head before this
/// transaction appended row `first`? Returns the first broken row and why, if not.
fn head_problem(
    tx: &Connection,
    db_key: &[u8],
    store_id: &str,
    first: i64,
) -> Result<Option<(i64, String)>> {
    let prev = first - 1;
    let head: Option<(i64, String, String)> = tx
        .query_row(
            "SELECT seq, hash, mac FROM audit_head WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .db("sealing the access log")?;
    let Some((seq, hash, mac)) = head else {
        return Ok((prev > 0).then(|| (1, "the signed head of the log is missing".to_owned())));
    };
    let mac_ok = hex::decode(&mac).ok().is_some_and(|tag| {
        hmac::verify(&head_key(db_key, store_id), &head_message(seq, &hash), &tag).is_ok()
    });
    if !mac_ok {
        return Ok(Some((
            seq.clamp(1, prev.max(1)),
            "the signature of the log's head does not verify (the head was edited without the key)"
                .to_owned(),
        )));
    }
    if seq > prev {
        return Ok(Some((
            prev + 1,
            format!(
                "rows {}–{seq} are missing: the log was truncated after row {prev}",
                prev + 1
            ),
        )));
    }
    if seq < prev {
        return Ok(Some((
            seq + 1,
            "rows after the signed head were added outside Värna".into(),
        )));
    }
    let stored: Option<String> = tx
        .query_row("SELECT hash FROM audit_log WHERE seq = ?1", [prev], |r| {
            r.get(0)
        })
        .optional()
        .db("sealing the access log")?;
    if stored.as_deref() != Some(hash.as_str()) {
        return Ok(Some((
            prev,
            "the last row differs from the signed head".into(),
        )));
    }
    Ok(None)
}

/// Seals the chain head if rows were appended in this transaction. If the log did not match
/// its signed head before (truncated, head removed or forged), the finding is first logged
/// as an `audit_broken` row, so re-sealing never hides it.
pub(crate) fn seal(tx: &Connection, db_key: &[u8], store_id: &str) -> Result<()> {
    // A transaction that appended nothing leaves the head alone: the log can only grow
    // through `record`, and re-sealing a log that shrank behind our back would hide that.
    let Some(first) = FIRST_NEW.with(|f| f.take()) else {
        return Ok(());
    };
    let already: bool = tx
        .query_row(
            "SELECT count(*) > 0 FROM audit_log WHERE seq >= ?1 AND event = 'audit_broken'",
            [first],
            |r| r.get(0),
        )
        .db("sealing the access log")?;
    if !already {
        if let Some((seq, reason)) = head_problem(tx, db_key, store_id, first)? {
            record(
                tx,
                None,
                Event::AuditBroken,
                Obj::of("audit_row", &seq.to_string()).detail(reason),
            )?;
            FIRST_NEW.with(|f| f.set(None));
        }
    }
    let last: Option<(i64, String)> = tx
        .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .and_then(|mut s| s.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .db("sealing the access log")?;
    let Some((seq, hash)) = last else {
        return Ok(());
    };
    let head_seq: Option<i64> = tx
        .prepare_cached("SELECT seq FROM audit_head WHERE id = 1")
        .and_then(|mut s| s.query_row([], |r| r.get(0)).optional())
        .db("sealing the access log")?;
    if head_seq == Some(seq) {
        return Ok(());
    }
    let mac = hex::encode(head_mac(db_key, store_id, seq, &hash).as_ref());
    tx.execute(
        "INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
             mac = excluded.mac",
        (seq, &hash, &mac),
    )
    .db("sealing the access log")?;
    Ok(())
}

/// Re-signs the head of a re-keyed copy of the database with the new key. The head is
/// re-signed only if it verifies with the old key, so a forged head stays reported.
pub(crate) fn reseal_head(
    conn: &Connection,
    old_key: &[u8],
    new_key: &[u8],
    store_id: &str,
) -> Result<()> {
    let head: Option<(i64, String, String)> = conn
        .query_row(
            "SELECT seq, hash, mac FROM audit_head WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .db("re-keying the access log")?;
    let Some((seq, hash, mac)) = head else {
        return Ok(());
    };
    let verifies = hex::decode(&mac).ok().is_some_and(|tag| {
        hmac::verify(
            &head_key(old_key, store_id),
            &head_message(seq, &hash),
            &tag,
        )
        .is_ok()
    });
    if !verifies {
        return Ok(());
    }
    let mac = hex::encode(head_mac(new_key, store_id, seq, &hash).as_ref());
    conn.execute("UPDATE audit_head SET mac = ?1 WHERE id = 1", [&mac])
        .db("re-keying the access log")?;
    // The checkpoint of the verified prefix moves with it, under the same rule.
    if let Some(Ok(cp)) = read_checkpoint(conn)? {
        if cp.verifies(old_key, store_id) {
            let value = Checkpoint::new(new_key, store_id, cp.seq, &cp.hash, cp.first_break);
            write_checkpoint(conn, &value)?;
        }
    }
    Ok(())
}

/// The checkpoint of the verified prefix of the log: rows `1..=seq` were checked, row `seq`
/// has `hash`, and the first row recording a break or rollback among them is `first_break`
/// (0: none).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Checkpoint {
    seq: i64,
    hash: String,
    first_break: i64,
    mac: String,
}

impl Checkpoint {
    fn new(db_key: &[u8], store_id: &str, seq: i64, hash: &str, first_break: i64) -> Checkpoint {
        let tag = hmac::sign(
            &checkpoint_key(db_key, store_id),
            &checkpoint_message(store_id, seq, hash, first_break),
        );
        Checkpoint {
            seq,
            hash: hash.to_owned(),
            first_break,
            mac: hex::encode(tag.as_ref()),
        }
    }

    fn verifies(&self, db_key: &[u8], store_id: &str) -> bool {
        hex::decode(&self.mac).ok().is_some_and(|tag| {
            hmac::verify(
                &checkpoint_key(db_key, store_id),
                &checkpoint_message(store_id, self.seq, &self.hash, self.first_break),
                &tag,
            )
            .is_ok()
        })
    }

    fn to_text(&self) -> String {
        format!(
            "v1:{}:{}:{}:{}",
            self.seq, self.hash, self.first_break, self.mac
        )
    }

    fn parse(text: &str) -> Option<Checkpoint> {
        let mut parts = text.split(':');
        if parts.next()? != "v1" {
            return None;
        }
        let seq = parts.next()?.parse().ok()?;
        let hash = parts.next()?.to_owned();
        let first_break = parts.next()?.parse().ok()?;
        let mac = parts.next()?.to_owned();
        if parts.next().is_some() || seq < 1 || first_break < 0 || first_break > seq {
            return None;
        }
        Some(Checkpoint {
            seq,
            hash,
            first_break,
            mac,
        })
    }
}

fn checkpoint_key(db_key: &[u8], store_id: &str) -> hmac::Key {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, store_id.as_bytes()).extract(db_key);
    let okm = prk
        .expand(&[CHECKPOINT_INFO], hmac::HMAC_SHA256)
        .expect("HKDF output of one hash length");
    hmac::Key::from(okm)
}

fn checkpoint_message(store_id: &str, seq: i64, hash: &str, first_break: i64) -> Vec<u8> {
    format!("varna-audit-checkpoint-v1|{store_id}|{seq}|{hash}|{first_break}").into_bytes()
}

/// The stored checkpoint: `None` when there is none, `Some(Err(()))` when it is damaged.
fn read_checkpoint(conn: &Connection) -> Result<Option<std::result::Result<Checkpoint, ()>>> {
    let text: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [META_CHECKPOINT],
            |r| r.get(0),
        )
        .optional()
        .db("reading the access log's checkpoint")?;
    Ok(text.map(|t| Checkpoint::parse(&t).ok_or(())))
}

fn write_checkpoint(conn: &Connection, cp: &Checkpoint) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (META_CHECKPOINT, cp.to_text()),
    )
    .db("writing the access log's checkpoint")?;
    Ok(())
}

/// The first row at or after `from` that records a break or a rollback: (seq, the break's
/// row as recorded, when, why).
fn first_recorded_break(
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
struct UnlockCheck {
    chain: AuditReport,
    verified_end: Option<(i64, String)>,
    /// Recorded breaks: the checkpoint's first one, if any, else look from this row on.
    recorded_from: RecordedFrom,
}

enum RecordedFrom {
    /// A break is recorded in row `seq` (known from a verified checkpoint).
    Known(i64),
    /// No break recorded up to the row before this one.
    ScanFrom(i64),
}

/// The check of the whole log, as at setup and restore.
fn full_check(conn: &Connection, db_key: &[u8], store_id: &str) -> Result<UnlockCheck> {
    let (chain, verified_end) = check_chain_from(conn, db_key, store_id, None)?;
    Ok(UnlockCheck {
        chain,
        verified_end,
        recorded_from: RecordedFrom::ScanFrom(1),
    })
}

/// The check at unlock: incremental from a checkpoint that verifies, otherwise the whole log.
fn check_at_unlock(conn: &Connection, db_key: &[u8], store_id: &str) -> Result<UnlockCheck> {
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

fn head_key(db_key: &[u8], store_id: &str) -> hmac::Key {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, store_id.as_bytes()).extract(db_key);
    let okm = prk
        .expand(&[HEAD_INFO], hmac::HMAC_SHA256)
        .expect("HKDF output of one hash length");
    hmac::Key::from(okm)
}

fn head_message(seq: i64, hash: &str) -> Vec<u8> {
    format!("varna-audit-head-v1|{seq}|{hash}").into_bytes()
}

fn head_mac(db_key: &[u8], store_id: &str, seq: i64, hash: &str) -> hmac::Tag {
    hmac::sign(&head_key(db_key, store_id), &head_message(seq, hash))
}

/// One stored row as hashed.
#[derive(Debug, Clone)]
struct RawRow {
    seq: i64,
    at: String,
    actor: Option<String>,
    event: String,
    object_kind: String,
    object_id: String,
    detail: String,
    hash: String,
}

fn canonical(row: &RawRow) -> Vec<u8> {
    let mut out = b"varna-audit-v1".to_vec();
    let seq = row.seq.to_string();
    for field in [
        seq.as_str(),
        row.at.as_str(),
        row.actor.as_deref().unwrap_or(""),
        row.event.as_str(),
        row.object_kind.as_str(),
        row.object_id.as_str(),
        row.detail.as_str(),
    ] {
        out.extend_from_slice(format!(";{}:", field.len()).as_bytes());
        out.extend_from_slice(field.as_bytes());
    }
    out
}

fn chain_hash(prev: &[u8; 32], row: &RawRow) -> [u8; 32] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(prev);
    ctx.update(&canonical(row));
    let d = ctx.finish();
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

fn decode_hash(text: &str) -> Option<[u8; 32]> {
    let bytes = hex::decode(text).ok()?;
    bytes.try_into().ok()
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
fn with_break(
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

fn count_rows(conn: &Connection) -> Result<u64> {
    conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
        .db("checking the access log")
}

/// Failed unlock attempts of one account (or an unknown username, or the recovery key)
/// not yet in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FailedAttempts {
    /// The account whose username was tried, if it is one.
    pub(crate) account_id: Option<String>,
    pub(crate) recovery_key: bool,
    pub(crate) count: u32,
}

/// How the store was opened, for the unlock row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnlockKind {
    Setup,
    Passphrase,
    Recovery,
    Restore,
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
    fn recorded_break(&self, from: &RecordedFrom) -> Result<Option<(i64, String, String, String)>> {
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
            self.audit_report_at_unlock()
        } else {
            None
        }
    }

    /// Logs one event in its own transaction (for operations that are not themselves a
    /// database transaction: key-file changes, backups, locking).
    pub(crate) fn audit_now(&self, event: Event, object: Obj) -> Result<()> {
        let tx = self
            .conn()
            .unchecked_transaction()
            .db("writing the access log")?;
        record(&tx, Some(&self.actor().id), event, object)?;
        seal(&tx, self.db_key_bytes(), self.store_id())?;
        tx.commit().db("writing the access log")
    }

    /// Runs at every unlock, setup and restore: checks the log, logs failed attempts since
    /// they were last logged, any rollback finding and the unlock itself, then runs
    /// retention when it is configured.
    pub(crate) fn after_unlock(
        &mut self,
        kind: UnlockKind,
        failed: &[FailedAttempts],
        rollback: &[String],
    ) -> Result<()> {
        // Setup has no past and a restore puts back a whole database: both check all of it.
        // Every other unlock checks from the checkpoint of the verified prefix.
        let check = match kind {
            UnlockKind::Setup | UnlockKind::Restore => {
                full_check(self.conn(), self.db_key_bytes(), self.store_id())?
            }
            UnlockKind::Passphrase | UnlockKind::Recovery => {
                check_at_unlock(self.conn(), self.db_key_bytes(), self.store_id())?
            }
        };
        let recorded = self.recorded_break(&check.recorded_from)?;
        let chain = check.chain;
        let report = with_break(chain.clone(), recorded.as_ref());
        // The checkpoint moves to the verified end, in the transaction that logs the unlock;
        // never over a broken chain.
        let checkpoint = check.verified_end.map(|(seq, hash)| {
            let first_break = recorded.as_ref().map_or(0, |r| r.0);
            let first_break = if first_break <= seq { first_break } else { 0 };
            Checkpoint::new(
                self.db_key_bytes(),
                self.store_id(),
                seq,
                &hash,
                first_break,
            )
        });
        let me = self.actor().id.clone();
        // Log a break the chain shows now; one recorded earlier is already in the log.
        let broken = chain.first_broken.clone();
        // A rollback found against the anchors is reported like a break (and logged below,
        // so it stays reported at later unlocks).
        let report = match (report.ok, rollback.first()) {
            (true, Some(finding)) => AuditReport {
                ok: false,
                rows: report.rows,
                first_broken: Some(BrokenRow {
                    seq: report.rows as i64 + 1,
                    reason: finding.clone(),
                }),
            },
            _ => report,
        };
        self.set_audit_report_at_unlock(report);
        self.with_tx(|tx| {
            if let Some(cp) = &checkpoint {
                write_checkpoint(tx, cp)?;
            }
            if let Some(b) = &broken {
                record(
                    tx,
                    None,
                    Event::AuditBroken,
                    Obj::of("audit_row", &b.seq.to_string()).detail(b.reason.clone()),
                )?;
            }
            for f in failed {
                let (obj, what) = match (&f.account_id, f.recovery_key) {
                    (_, true) => (Obj::none(), "with the recovery key"),
                    (Some(id), false) => (Obj::account(id), "with this account's username"),
                    (None, false) => (Obj::none(), "with a username that has no account"),
                };
                record(
                    tx,
                    None,
                    Event::UnlockFailed,
                    obj.detail(format!("{} failed attempts {what}", f.count)),
                )?;
            }
            for finding in rollback {
                record(
                    tx,
                    None,
                    Event::RollbackDetected,
                    Obj::none().detail(finding.clone()),
                )?;
            }
            let (event, how) = match kind {
                UnlockKind::Setup => (Event::Setup, ""),
                UnlockKind::Passphrase => (Event::Unlock, "passphrase"),
                UnlockKind::Recovery => (Event::Unlock, "recovery_key"),
                UnlockKind::Restore => (Event::Restore, ""),
            };
            record(tx, Some(&me), event, Obj::none().detail(how))
        })?;
        // Before retention removes anything: a tally from before schema version 5 is refiled
        // under the months of the events while the screenings that prove them still exist.
        crate::screening::refile_tally_if_pending(self)?;
        crate::retention::run_at_unlock(self)?;
        Ok(())
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
        let mut stmt = self.conn().prepare(sql).db("running test SQL")?;
        let rows = stmt
            .query_map([], |r| r.get::<_, Option<String>>(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .db("running test SQL")?;
        Ok(rows.into_iter().flatten().collect())
    }
}
