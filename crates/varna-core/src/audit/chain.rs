//! The chain: appending a row ([`record`]) inside the caller's transaction, sealing the
//! signed head before the commit ([`seal`], run by [`Store::with_tx`] and
//! [`Store::audit_now`]), re-signing the head after a re-key ([`reseal_head`]), and the MAC'd
//! checkpoint of the verified prefix. Works on a `rusqlite` connection or transaction; the
//! only use of [`Store`] is the sealed transaction every module writes through.

use ring::{digest, hkdf, hmac};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::{Event, Obj};
use crate::db::{now_text, Store};
use crate::error::{DbContext, Result};

const HEAD_INFO: &[u8] = b"varna-audit-head-v1";
const CHECKPOINT_INFO: &[u8] = b"varna-audit-checkpoint-v1";
/// The `meta` key of the checkpoint of the verified prefix of the log.
const META_CHECKPOINT: &str = "audit_checkpoint";
pub(super) const ZERO_HASH: [u8; 32] = [0; 32];

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
pub(crate) fn head_problem(
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
pub(crate) struct Checkpoint {
    pub(crate) seq: i64,
    pub(crate) hash: String,
    pub(crate) first_break: i64,
    mac: String,
}

impl Checkpoint {
    pub(crate) fn new(
        db_key: &[u8],
        store_id: &str,
        seq: i64,
        hash: &str,
        first_break: i64,
    ) -> Checkpoint {
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

    pub(crate) fn verifies(&self, db_key: &[u8], store_id: &str) -> bool {
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

pub(crate) fn checkpoint_key(db_key: &[u8], store_id: &str) -> hmac::Key {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, store_id.as_bytes()).extract(db_key);
    let okm = prk
        .expand(&[CHECKPOINT_INFO], hmac::HMAC_SHA256)
        .expect("HKDF output of one hash length");
    hmac::Key::from(okm)
}

pub(crate) fn checkpoint_message(
    store_id: &str,
    seq: i64,
    hash: &str,
    first_break: i64,
) -> Vec<u8> {
    format!("varna-audit-checkpoint-v1|{store_id}|{seq}|{hash}|{first_break}").into_bytes()
}

/// The stored checkpoint: `None` when there is none, `Some(Err(()))` when it is damaged.
pub(crate) fn read_checkpoint(
    conn: &Connection,
) -> Result<Option<std::result::Result<Checkpoint, ()>>> {
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

pub(crate) fn write_checkpoint(conn: &Connection, cp: &Checkpoint) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (META_CHECKPOINT, cp.to_text()),
    )
    .db("writing the access log's checkpoint")?;
    Ok(())
}

pub(crate) fn head_key(db_key: &[u8], store_id: &str) -> hmac::Key {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, store_id.as_bytes()).extract(db_key);
    let okm = prk
        .expand(&[HEAD_INFO], hmac::HMAC_SHA256)
        .expect("HKDF output of one hash length");
    hmac::Key::from(okm)
}

pub(crate) fn head_message(seq: i64, hash: &str) -> Vec<u8> {
    format!("varna-audit-head-v1|{seq}|{hash}").into_bytes()
}

pub(crate) fn head_mac(db_key: &[u8], store_id: &str, seq: i64, hash: &str) -> hmac::Tag {
    hmac::sign(&head_key(db_key, store_id), &head_message(seq, hash))
}

/// One stored row as hashed.
#[derive(Debug, Clone)]
pub(crate) struct RawRow {
    pub(super) seq: i64,
    pub(super) at: String,
    pub(super) actor: Option<String>,
    pub(super) event: String,
    pub(super) object_kind: String,
    pub(super) object_id: String,
    pub(super) detail: String,
    pub(super) hash: String,
}

pub(crate) fn canonical(row: &RawRow) -> Vec<u8> {
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

pub(crate) fn chain_hash(prev: &[u8; 32], row: &RawRow) -> [u8; 32] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(prev);
    ctx.update(&canonical(row));
    let d = ctx.finish();
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

pub(crate) fn decode_hash(text: &str) -> Option<[u8; 32]> {
    let bytes = hex::decode(text).ok()?;
    bytes.try_into().ok()
}

impl Store {
    /// Runs `f` in an immediate transaction and commits it durably (`synchronous=FULL`).
    /// When `f` fails, or the commit does, nothing of it is kept. The rows `f` appends to
    /// the access log and the signed head commit together ([`seal`]).
    pub(crate) fn with_tx<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        // Any write makes what the last autosave left behind stale; an autosave takes it
        // out before it starts its transaction and puts back what it committed.
        self.drop_draft_cache();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .db("starting to save")?;
        let out = f(&tx)?;
        seal(&tx, self.db_key.as_ref(), &self.store_id)?;
        tx.commit().db("saving")?;
        Ok(out)
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
}
