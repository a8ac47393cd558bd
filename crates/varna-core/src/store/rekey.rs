//! Re-keying: replacing the database key, so that a revoked key slot, an old copy of the key
//! file or the old raw key no longer opens the database.
//!
//! Runs when an account is deactivated (its slot is dropped) and when the recovery key is
//! rotated, and at the next unlock if one of those was interrupted (a slot of an account
//! that is no longer active is still in the key file). The new key is sealed to every
//! remaining slot's public key (`keyfile`), so nobody's passphrase is needed.
//!
//! The database is copied under the new key with `sqlcipher_export` into a staging file and
//! swapped in together with the new key file through the same journal as a restore
//! (`varna.db.restore`, `varna.keys.restore`, then the marker `varna.restore-pending`;
//! `backup::finish_restore` completes a swap interrupted at any point on the next start).
//! Before the marker exists the old database and key file are untouched; after it, the
//! swap is finished forward. A kill at any point therefore leaves a folder that opens with
//! either the old or the new key file, never neither (tested with kills in
//! `fault_tests`). (SQLCipher's `PRAGMA rekey` rewrites pages in place and does not support
//! WAL mode, and it could leave a half re-encrypted file on a crash.)
//!
//! Backups made before a re-key carry their own key file and stay readable with the
//! credentials valid when they were made: destroy them when a departure must be final
//! (docs/SECURITY.md).

use std::collections::HashSet;

use rusqlite::Connection;

use super::backup::{self, RESTORE_DB, RESTORE_KEYS, RESTORE_MARKER};
use super::keyfile::{self, KeyFile, RECOVERY_SLOT};
use super::{
    anchor, db_error, fsutil, open_db, throttle, DbContext, OpenMode, RecoveryKey, Store, DB_FILE,
};
use crate::audit::{Event, Obj};
use crate::error::{Error, Result, RowsExt};

/// What a re-key did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Rekeyed {
    /// The key epoch after the re-key (how many times the key was replaced).
    pub key_epoch: u64,
    /// Slots removed because their account is not active (revoked).
    pub revoked_slots: usize,
    /// Usernames of active accounts whose slot was of the old format and could not be
    /// re-sealed: an administratör must set them a new passphrase.
    pub need_new_passphrase: Vec<String>,
}

impl Store {
    /// Replaces the database key (see the module documentation). `reason` is an event
    /// code for the access log; `new_recovery` replaces the recovery slot.
    pub(crate) fn rekey(
        &mut self,
        gate: &throttle::Gate,
        reason: &str,
        new_recovery: Option<&RecoveryKey>,
    ) -> Result<Rekeyed> {
        let _ = gate;
        let (old_kf, _) = KeyFile::read(&self.data_dir)?;
        if old_kf.store_id != self.store_id {
            return Err(Error::Corrupt(
                "the key file does not belong to the open database".into(),
            ));
        }
        let active = active_accounts(&self.conn)?;
        let new_key = keyfile::new_db_key()?;
        let mut kf = old_kf.clone();
        let mut revoked = 0;
        for id in kf.slot_ids() {
            if id != RECOVERY_SLOT && !active.iter().any(|(a, _)| *a == id) {
                kf.remove_slot(&id);
                revoked += 1;
            }
        }
        if let Some(recovery) = new_recovery {
            kf.set_recovery_slot(recovery.bytes(), &new_key)?;
        }
        let legacy = kf.reseal_all(&new_key)?;
        kf.key_epoch += 1;
        let need_new_passphrase: Vec<String> = active
            .iter()
            .filter(|(id, _)| legacy.contains(id))
            .map(|(_, u)| u.clone())
            .collect();

        // The row goes in before the copy, so the re-keyed database holds it.
        self.audit_now(
            Event::Rekey,
            Obj::none().detail(format!(
                "{reason}; epoch {}; {revoked} slot(s) revoked; {} need a new passphrase",
                kf.key_epoch,
                need_new_passphrase.len()
            )),
        )?;
        self.drop_draft_cache();

        let staging = self.data_dir.join(RESTORE_DB);
        super::remove_db_files(&staging)?;
        fsutil::remove_if_exists(&self.data_dir.join(RESTORE_KEYS))
            .map_err(|e| fsutil::io_error("re-keying the database", e))?;
        let staged = (|| -> Result<()> {
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                .db("re-keying the database")?;
            self.export_with_key(&staging, &new_key, None)?;
            // The log's signed head moves to the new key in the copy, before the swap.
            {
                let copy = open_db(&staging, &new_key, kf.page_mac, OpenMode::Check)
                    .map_err(|e| e.into_error(true))?;
                crate::audit::reseal_head(
                    &copy,
                    self.db_key.as_ref(),
                    new_key.as_ref(),
                    &self.store_id,
                )?;
                copy.close()
                    .map_err(|(_, e)| db_error("re-keying the database", e))?;
            }
            std::fs::File::open(&staging)
                .and_then(|f| f.sync_all())
                .map_err(|e| fsutil::io_error("re-keying the database", e))?;
            let (seq, hash) = anchor::log_end(&self.conn)?;
            kf.anchor = Some(kf.anchor_for(new_key.as_ref(), seq, &hash));
            fsutil::atomic_write(
                &self.data_dir.join(RESTORE_KEYS),
                &kf.to_bytes(),
                "key file",
            )?;
            crash_point("rekey-staged");
            fsutil::atomic_write(&self.data_dir.join(RESTORE_MARKER), b"1\n", "re-key marker")
        })();
        if let Err(e) = staged {
            let _ = super::remove_db_files(&staging);
            let _ = fsutil::remove_if_exists(&self.data_dir.join(RESTORE_KEYS));
            return Err(e);
        }
        crash_point("rekey-marked");
        // From here on the swap is finished forward, now or at the next start.
        let old = std::mem::replace(
            &mut self.conn,
            Connection::open_in_memory().db("re-keying the database")?,
        );
        let _ = old.close();
        backup::finish_restore(&self.data_dir)?;
        self.conn = open_db(
            &self.data_dir.join(DB_FILE),
            &new_key,
            kf.page_mac,
            OpenMode::Existing,
        )
        .map_err(|e| e.into_error(true))?;
        self.db_key = new_key;
        if let Some(a) = &kf.anchor {
            anchor::write_outside(&kf, a);
        }
        Ok(Rekeyed {
            key_epoch: kf.key_epoch,
            revoked_slots: revoked,
            need_new_passphrase,
        })
    }

    /// Whether the key file still holds a slot of an account that is not active (a
    /// deactivation whose re-key did not finish).
    pub(crate) fn has_revoked_slots(&self, kf: &KeyFile) -> Result<bool> {
        let active: HashSet<String> = active_accounts(&self.conn)?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        Ok(kf
            .slot_ids()
            .iter()
            .any(|id| id != RECOVERY_SLOT && !active.contains(id)))
    }
}

/// (id, username) of every active account.
fn active_accounts(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt = conn
        .prepare("SELECT id, username FROM accounts WHERE active = 1")
        .db("reading accounts")?;
    let rows = stmt.rows([], "reading accounts", |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows)
}

/// Crash tests: with `VARNA_TEST_CRASH_AT=<name>` in a test build, the process dies here.
fn crash_point(name: &str) {
    #[cfg(any(test, feature = "test-hooks"))]
    if std::env::var("VARNA_TEST_CRASH_AT").is_ok_and(|v| v == name) {
        std::process::abort();
    }
    #[cfg(not(any(test, feature = "test-hooks")))]
    let _ = name;
}
