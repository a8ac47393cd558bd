//! Anchors of the access log's head outside the database, so that a rolled-back database or
//! data folder is noticed at unlock.
//!
//! The access log is hash-chained and its head is signed inside the database, which makes
//! edits visible but cannot show that the *whole* database was replaced by an older copy:
//! an old copy is a perfectly consistent log that simply ends earlier. So the head
//! (sequence number and hash, MAC'd with a key derived from the database key) is also
//! recorded in two places outside the database:
//!
//! 1. the key file (`Anchor` in [`super::keyfile`]): catches an older `varna.db` copied back
//!    beside the current key file;
//! 2. a small file per store outside the data folder, in the user's local state folder
//!    (`$XDG_STATE_HOME/varna/anchors` or `~/.local/state/varna/anchors`; on Windows
//!    `%LOCALAPPDATA%\Varna\anchors`; `VARNA_ANCHOR_DIR` overrides): catches a whole data
//!    folder (database and key file together) copied back from an older copy, e.g. a synced
//!    or restored folder.
//!
//! Both are written at every unlock (after the unlock is logged), at lock, and after a
//! re-key or a restore. At unlock, a database whose log ends before an anchor, whose row at
//! the anchor's position differs, or an anchor that does not verify with the database key
//! (an edited anchor, or a folder older than the last re-key) is a *rollback finding*: it is
//! written to the access log (`rollback_detected`) and reported like a broken log, so the
//! administratör and arbetsledare see it at sign-in and in loggkontroll.
//!
//! Limits (docs/SECURITY.md): rows written after the last anchor and lost by a rollback in
//! the same session are not noticed; someone who can write both the data folder and the
//! user's state folder can roll back both; a new computer has no outside anchor.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::fsutil;
use super::keyfile::{Anchor, KeyFile};
use crate::error::Result;

/// The outside anchor of one store.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
struct OutsideAnchor {
    store_id: String,
    key_epoch: u64,
    #[serde(flatten)]
    anchor: Anchor,
}

/// The folder with the outside anchors, if the platform has one.
fn outside_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(d) = env("VARNA_ANCHOR_DIR") {
        return Some(d);
    }
    #[cfg(windows)]
    {
        env("LOCALAPPDATA").map(|d| d.join("Varna").join("anchors"))
    }
    #[cfg(not(windows))]
    {
        env("XDG_STATE_HOME")
            .or_else(|| env("HOME").map(|h| h.join(".local").join("state")))
            .map(|d| d.join("varna").join("anchors"))
    }
}

fn outside_path(store_id: &str) -> Option<PathBuf> {
    // A store id is a UUID; anything else is never used as a file name.
    if store_id.is_empty()
        || !store_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return None;
    }
    outside_dir().map(|d| d.join(format!("{store_id}.anchor")))
}

/// Writes the outside anchor. Failing to write it (no home folder, read-only) is not an
/// error for the caller: the key file's anchor still stands.
pub(crate) fn write_outside(kf: &KeyFile, anchor: &Anchor) {
    let Some(path) = outside_path(&kf.store_id) else {
        return;
    };
    let record = OutsideAnchor {
        store_id: kf.store_id.clone(),
        key_epoch: kf.key_epoch,
        anchor: anchor.clone(),
    };
    let dir = fsutil::parent_of(&path).to_path_buf();
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    }
    let bytes = serde_json::to_vec(&record).expect("an anchor serialises");
    let _ = fsutil::atomic_write(&path, &bytes, "log anchor");
}

/// Reads the outside anchor of a store, if there is one (a damaged one reads as a finding).
fn read_outside(store_id: &str) -> Option<std::result::Result<OutsideAnchor, ()>> {
    let path = outside_path(store_id)?;
    let bytes = fsutil::read_bounded(&path, 64 * 1024).ok()??;
    Some(serde_json::from_slice(&bytes).map_err(|_| ()))
}

/// The last row of the access log: (seq, hash), or (0, "") when empty.
pub(crate) fn log_end(conn: &rusqlite::Connection) -> Result<(i64, String)> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(|e| super::db_error("checking the access log", e))?
        .unwrap_or((0, String::new())))
}

fn hash_at(conn: &rusqlite::Connection, seq: i64) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    conn.query_row("SELECT hash FROM audit_log WHERE seq = ?1", [seq], |r| {
        r.get(0)
    })
    .optional()
    .map_err(|e| super::db_error("checking the access log", e))
}

/// Compares the database's log with one anchor; `where_` names the anchor in the finding.
fn compare(
    conn: &rusqlite::Connection,
    kf: &KeyFile,
    db_key: &[u8],
    anchor: &Anchor,
    where_: &str,
) -> Result<Option<String>> {
    if !kf.anchor_verifies(db_key, anchor) {
        return Ok(Some(format!(
            "the log anchor in {where_} does not verify with this database's key: the data \
             folder is older than the last re-key, or the anchor was edited"
        )));
    }
    let (end, _) = log_end(conn)?;
    if end < anchor.seq {
        return Ok(Some(format!(
            "the database was rolled back: its access log ends at row {end}, but {where_} \
             records that Värna had seen row {}",
            anchor.seq
        )));
    }
    if hash_at(conn, anchor.seq)?.as_deref() != Some(anchor.hash.as_str()) {
        return Ok(Some(format!(
            "the database was replaced: row {} of its access log differs from the one \
             recorded in {where_}",
            anchor.seq
        )));
    }
    Ok(None)
}

/// Checks the opened database against the key file's anchor and the outside anchor.
/// Returns the findings (empty when all is well).
pub(crate) fn check(
    conn: &rusqlite::Connection,
    kf: &KeyFile,
    db_key: &[u8],
) -> Result<Vec<String>> {
    let mut findings = Vec::new();
    if let Some(a) = &kf.anchor {
        findings.extend(compare(conn, kf, db_key, a, "the key file")?);
    }
    match read_outside(&kf.store_id) {
        None => {}
        Some(Err(())) => findings.push(
            "the log anchor kept outside the data folder is damaged; it is written anew".into(),
        ),
        // Another store's file, or one older than this key file (its write after a re-key
        // failed): nothing to compare.
        Some(Ok(outside))
            if outside.store_id != kf.store_id || outside.key_epoch < kf.key_epoch => {}
        Some(Ok(outside)) if outside.key_epoch > kf.key_epoch => findings.push(format!(
            "the data folder was rolled back: its key file is from before re-key {} that this \
             computer saw (an older copy of the folder was put back)",
            outside.key_epoch
        )),
        Some(Ok(outside)) => findings.extend(compare(
            conn,
            kf,
            db_key,
            &outside.anchor,
            "this computer's record outside the data folder",
        )?),
    }
    Ok(findings)
}
