//! The ways into a store and the one sequence they all end in.
//!
//! First-time setup ([`Store::create_first_run`]), unlock with a passphrase
//! ([`Store::unlock`]), with the recovery key ([`Store::unlock_with_recovery`]) and a restore
//! (`backup.rs`) each open the database under the data folder's gate and then call
//! [`Store::finish_unlock`]: the log is compared with its anchors, failed attempts are logged,
//! the access log is checked (from its checkpoint, or whole at setup and restore) and the
//! unlock logged in one transaction, a tally kept the old way is refiled, retention runs,
//! the new anchors are written and an interrupted revocation is finished. This module sits
//! above `audit`, `screening` and `retention`, which it orchestrates; none of them calls back.

use std::path::Path;

use super::keyfile::{self, KeyFile};
use super::*;
use crate::audit;
use crate::db::{open_db, DbKey, OpenMode};
use crate::error::RowsExt;

impl Store {
    /// Whether `data_dir` has been set up (it has a key file, or a restore to finish).
    pub fn is_initialized(data_dir: &Path) -> bool {
        KeyFile::exists(data_dir) || backup::restore_pending(data_dir)
    }

    /// First-time setup: creates the database, the first unit and the first administrator,
    /// and returns the unlocked store with the recovery key, which must be shown exactly once.
    pub fn create_first_run(data_dir: &Path, first: FirstRun<'_>) -> Result<(Store, RecoveryKey)> {
        let username = accounts::normalize_username(first.admin_username)?;
        let display_name = accounts::check_display_name(first.admin_display_name)?;
        check_new_passphrase(first.passphrase, &username)?;
        let unit_code = accounts::check_unit_code(first.unit_code)?;
        let unit_name = accounts::check_unit_name(first.unit_name)?;

        create_data_dir(data_dir)?;
        let gate = throttle::Gate::acquire(data_dir)?;
        if Self::is_initialized(data_dir) {
            return Err(Error::Conflict(
                "this data folder is already set up; unlock it instead".into(),
            ));
        }
        if data_dir.join(DB_FILE).exists() {
            return Err(Error::Conflict(
                "this data folder has a database but no key file; restore a backup or choose \
                 another folder (nothing was changed)"
                    .into(),
            ));
        }
        // A database left by an interrupted setup cannot be opened (its key was never
        // written), so it is safe to remove.
        let init_path = data_dir.join(INIT_DB_FILE);
        remove_db_files(&init_path)?;

        let db_key = keyfile::new_db_key()?;
        let store_id = uuid::Uuid::new_v4().to_string();
        let admin_id = uuid::Uuid::new_v4().to_string();
        let mut kf = KeyFile::new(store_id.clone())?;
        {
            let mut conn = open_db(&init_path, &db_key, kf.page_mac, OpenMode::Create)
                .map_err(|e| e.into_error(true))?;
            migrations::migrate(&mut conn)?;
            let tx = conn.transaction().db("setting up the database")?;
            let now = now_text();
            let unit_id = uuid::Uuid::new_v4().to_string();
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('store_id', ?1), ('created_at', ?2)",
                (&store_id, &now),
            )
            .and_then(|_| {
                tx.execute(
                    "INSERT INTO units (id, code, name, active, created_at) VALUES (?1, ?2, ?3, 1, ?4)",
                    (&unit_id, &unit_code, &unit_name, &now),
                )
            })
            .and_then(|_| {
                tx.execute(
                    "INSERT INTO accounts (id, username, display_name, role, active, created_at)
                     VALUES (?1, ?2, ?3, 'administrator', 1, ?4)",
                    (&admin_id, &username, &display_name, &now),
                )
            })
            .and_then(|_| {
                tx.execute(
                    "INSERT INTO account_units (account_id, unit_id) VALUES (?1, ?2)",
                    (&admin_id, &unit_id),
                )
            })
            .and_then(|_| tx.commit())
            .db("setting up the database")?;
            // Leave WAL mode so that the whole database is in the one file we rename.
            let mode: String = conn
                .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
                .db("setting up the database")?;
            if !mode.eq_ignore_ascii_case("delete") {
                return Err(Error::Internal(
                    "could not leave WAL mode after setup".into(),
                ));
            }
            conn.close()
                .map_err(|(_, e)| db_error("setting up the database", e))?;
        }

        let recovery = RecoveryKey::generate()?;
        kf.set_passphrase_slot(
            &admin_id,
            &username,
            first.passphrase,
            KdfParams::CURRENT,
            &db_key,
        )?;
        kf.set_recovery_slot(recovery.bytes(), &db_key)?;
        kf.write(data_dir)?;
        finish_first_run(data_dir)?;

        let mut store = Store::open(data_dir, db_key, &kf, &admin_id)?;
        store.finish_unlock(UnlockKind::Setup, &gate, kf, UnlockNotes::default())?;
        Ok((store, recovery))
    }

    /// Unlocks with a username and passphrase. Wrong credentials count towards that
    /// username's unlock delay; while it runs every attempt gets [`Error::RateLimited`].
    /// Attempts are serialised (see [`throttle`]). A slot made with weaker key-derivation
    /// parameters than [`KdfParams::CURRENT`], or of the old format, is replaced here.
    pub fn unlock(data_dir: &Path, username: &str, passphrase: &str) -> Result<Store> {
        let started = std::time::Instant::now();
        prepare_folder(data_dir)?;
        let gate = throttle::Gate::acquire(data_dir)?;
        let (mut kf, _) = KeyFile::read(data_dir)?;
        let username = accounts::normalize_username(username).unwrap_or_default();
        let bucket = throttle::user_bucket(&kf, &username);
        throttle::check(data_dir, &mut kf, &bucket)?;
        let Some(slot) = kf.slot_for_user(&username).cloned() else {
            keyfile::dummy_derivation(passphrase);
            throttle::record_failure(data_dir, &mut kf, &bucket);
            return Err(Error::WrongPassphrase);
        };
        let db_key = match kf.open_with_passphrase(&slot, passphrase) {
            Ok(k) => k,
            Err(Error::WrongPassphrase) => {
                throttle::record_failure(data_dir, &mut kf, &bucket);
                return Err(Error::WrongPassphrase);
            }
            Err(e) => return Err(e),
        };
        let mut store = match Store::open(data_dir, db_key, &kf, &slot.id) {
            Ok(s) if s.actor.username == username => s,
            Ok(_) | Err(Error::NotFound(_)) => {
                throttle::record_failure(data_dir, &mut kf, &bucket);
                return Err(Error::WrongPassphrase);
            }
            Err(e) => return Err(e),
        };
        store.opened_in = Some(started.elapsed());
        if slot.needs_upgrade() {
            kf.set_passphrase_slot(
                &slot.id,
                &username,
                passphrase,
                KdfParams::CURRENT,
                &store.db_key,
            )?;
        }
        store.finish_unlock(
            UnlockKind::Passphrase,
            &gate,
            kf,
            UnlockNotes {
                clear_buckets: vec![bucket],
                chose_passphrase: false,
            },
        )?;
        Ok(store)
    }

    /// Unlocks with the recovery key and sets a new passphrase for `username`, who must have
    /// an active account. Wrong keys count towards the recovery key's own unlock delay.
    pub fn unlock_with_recovery(
        data_dir: &Path,
        recovery_key: &RecoveryKey,
        username: &str,
        new_passphrase: &str,
    ) -> Result<Store> {
        prepare_folder(data_dir)?;
        let username = accounts::normalize_username(username)?;
        check_new_passphrase(new_passphrase, &username)?;
        let gate = throttle::Gate::acquire(data_dir)?;
        let (mut kf, _) = KeyFile::read(data_dir)?;
        let bucket = throttle::recovery_bucket();
        throttle::check(data_dir, &mut kf, &bucket)?;
        let db_key = match kf.open_with_recovery(recovery_key.bytes()) {
            Ok(k) => k,
            Err(Error::WrongPassphrase) => {
                throttle::record_failure(data_dir, &mut kf, &bucket);
                return Err(Error::WrongPassphrase);
            }
            Err(e) => return Err(e),
        };
        let mut conn = open_db(
            &data_dir.join(DB_FILE),
            &db_key,
            kf.page_mac,
            OpenMode::Existing,
        )
        .map_err(|e| e.into_error(true))?;
        migrations::migrate(&mut conn)?;
        check_store_id(&conn, &kf)?;
        let account = accounts::load_account_by_username(&conn, &username)?
            .filter(|a| a.active)
            .ok_or_else(|| Error::NotFound("no active account with that username".into()))?;
        drop(conn);
        kf.set_passphrase_slot(
            &account.id,
            &username,
            new_passphrase,
            KdfParams::CURRENT,
            &db_key,
        )?;
        // The user's own record is cleared too: they have just proved who they are.
        let user_bucket = throttle::user_bucket(&kf, &username);
        let mut store = Store::open(data_dir, db_key, &kf, &account.id)?;
        store.finish_unlock(
            UnlockKind::Recovery,
            &gate,
            kf,
            UnlockNotes {
                clear_buckets: vec![bucket, user_bucket],
                chose_passphrase: true,
            },
        )?;
        Ok(store)
    }

    /// The failed-attempt count and how long the lock screen must wait before the next
    /// attempt for `username` (an empty name: the recovery key's delay).
    pub fn unlock_delay(data_dir: &Path, username: &str) -> UnlockDelay {
        let Ok((kf, _)) = KeyFile::read(data_dir) else {
            return UnlockDelay {
                failures: 0,
                wait_seconds: 0,
            };
        };
        let bucket = if username.trim().is_empty() {
            throttle::recovery_bucket()
        } else {
            throttle::user_bucket(
                &kf,
                &accounts::normalize_username(username).unwrap_or_default(),
            )
        };
        throttle::current(&kf, &bucket)
    }

    /// What every way into the store does once the database is open, under the gate:
    /// compares the log with its anchors, logs the failed attempts of every account since
    /// they were last logged, logs the unlock (and runs retention), writes the new anchors,
    /// finishes a revocation whose re-key was interrupted and, when the person has just
    /// chosen their passphrase (the recovery key, also in a restore), clears a notice to
    /// change it.
    pub(crate) fn finish_unlock(
        &mut self,
        kind: UnlockKind,
        gate: &throttle::Gate,
        mut kf: KeyFile,
        notes: UnlockNotes,
    ) -> Result<()> {
        let findings = match kind {
            // Setup has no past; a restore is a deliberate step back (and is logged).
            UnlockKind::Setup | UnlockKind::Restore => Vec::new(),
            UnlockKind::Passphrase | UnlockKind::Recovery => {
                anchor::check(&self.conn, &kf, self.db_key.as_ref())?
            }
        };
        let failed = self.unlogged_failures(&mut kf)?;
        for bucket in &notes.clear_buckets {
            kf.set_throttle(bucket, keyfile::Throttle::default());
        }
        self.after_unlock(kind, &failed, &findings)?;
        let (seq, hash) = anchor::log_end(&self.conn)?;
        let new_anchor = kf.anchor_for(self.db_key.as_ref(), seq, &hash);
        kf.anchor = Some(new_anchor.clone());
        kf.write(&self.data_dir)?;
        anchor::write_outside(&kf, &new_anchor);
        throttle::remove_legacy_file(&self.data_dir);
        if self.has_revoked_slots(&kf)? {
            self.rekey(gate, "revocation finished at unlock", None)?;
        }
        // The person chose this passphrase: a notice to change it no longer applies.
        if notes.chose_passphrase && self.actor.must_change_passphrase.is_some() {
            let id = self.actor.id.clone();
            self.set_must_change(&id, None, audit::Event::PassphraseChange)?;
            self.actor.must_change_passphrase = None;
        }
        Ok(())
    }

    /// The failed attempts recorded in the key file and not yet in the access log, marked
    /// as logged in `kf`. Each is attributed to its account when the tag is an account's.
    fn unlogged_failures(&self, kf: &mut KeyFile) -> Result<Vec<FailedAttempts>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, username FROM accounts")
            .db("reading accounts")?;
        let accounts: Vec<(String, String)> =
            stmt.rows([], "reading accounts", |r| Ok((r.get(0)?, r.get(1)?)))?;
        drop(stmt);
        let mut out = Vec::new();
        let buckets: Vec<(String, keyfile::Throttle)> =
            kf.throttle.iter().map(|(k, v)| (k.clone(), *v)).collect();
        for (bucket, mut record) in buckets {
            if record.failures <= record.logged {
                continue;
            }
            let account = accounts
                .iter()
                .find(|(_, u)| kf.user_tag(u) == bucket)
                .map(|(id, _)| id.clone());
            out.push(FailedAttempts {
                account_id: account,
                recovery_key: bucket == keyfile::RECOVERY_SLOT,
                count: record.failures - record.logged,
            });
            record.logged = record.failures;
            kf.set_throttle(&bucket, record);
        }
        Ok(out)
    }

    /// Opens the database with an unwrapped key and signs in `account_id`.
    pub(super) fn open(
        data_dir: &Path,
        db_key: DbKey,
        kf: &KeyFile,
        account_id: &str,
    ) -> Result<Store> {
        let mut conn = open_db(
            &data_dir.join(DB_FILE),
            &db_key,
            kf.page_mac,
            OpenMode::Existing,
        )
        .map_err(|e| e.into_error(true))?;
        migrations::migrate(&mut conn)?;
        check_store_id(&conn, kf)?;
        let actor = accounts::load_account(&conn, account_id)?
            .filter(|a| a.active)
            .ok_or_else(|| Error::NotFound("account".into()))?;
        Ok(Store {
            data_dir: data_dir.to_path_buf(),
            conn,
            db_key,
            store_id: kf.store_id.clone(),
            page_mac: kf.page_mac,
            actor,
            audit_report: None,
            draft_cache: None,
            retention_pending: None,
            opened_in: None,
        })
    }

    /// Locks: logs it, anchors the log's head outside the database, closes the database
    /// and wipes the key from memory.
    pub fn lock(self) {
        let _ = self.audit_now(audit::Event::Lock, audit::Obj::none());
        let _ = self.write_anchor();
        let Store { conn, db_key, .. } = self;
        let _ = conn.close();
        drop(db_key);
    }

    /// Runs at every unlock, setup and restore: checks the log, logs failed attempts since
    /// they were last logged, any rollback finding and the unlock itself, then runs
    /// retention when it is configured.
    fn after_unlock(
        &mut self,
        kind: UnlockKind,
        failed: &[FailedAttempts],
        rollback: &[String],
    ) -> Result<()> {
        // Setup has no past and a restore puts back a whole database: both check all of it.
        // Every other unlock checks from the checkpoint of the verified prefix.
        let check = match kind {
            UnlockKind::Setup | UnlockKind::Restore => {
                audit::full_check(self.conn(), self.db_key_bytes(), self.store_id())?
            }
            UnlockKind::Passphrase | UnlockKind::Recovery => {
                audit::check_at_unlock(self.conn(), self.db_key_bytes(), self.store_id())?
            }
        };
        let recorded = self.recorded_break(&check.recorded_from)?;
        let chain = check.chain;
        let report = audit::with_break(chain.clone(), recorded.as_ref());
        // The checkpoint moves to the verified end, in the transaction that logs the unlock;
        // never over a broken chain.
        let checkpoint = check.verified_end.map(|(seq, hash)| {
            let first_break = recorded.as_ref().map_or(0, |r| r.0);
            let first_break = if first_break <= seq { first_break } else { 0 };
            audit::Checkpoint::new(
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
            (true, Some(finding)) => audit::AuditReport {
                ok: false,
                rows: report.rows,
                first_broken: Some(audit::BrokenRow {
                    seq: report.rows as i64 + 1,
                    reason: finding.clone(),
                }),
            },
            _ => report,
        };
        self.set_audit_report_at_unlock(report);
        self.with_tx(|tx| {
            if let Some(cp) = &checkpoint {
                audit::write_checkpoint(tx, cp)?;
            }
            if let Some(b) = &broken {
                audit::record(
                    tx,
                    None,
                    audit::Event::AuditBroken,
                    audit::Obj::of("audit_row", &b.seq.to_string()).detail(b.reason.clone()),
                )?;
            }
            for f in failed {
                let (obj, what) = match (&f.account_id, f.recovery_key) {
                    (_, true) => (audit::Obj::none(), "with the recovery key"),
                    (Some(id), false) => (audit::Obj::account(id), "with this account's username"),
                    (None, false) => (audit::Obj::none(), "with a username that has no account"),
                };
                audit::record(
                    tx,
                    None,
                    audit::Event::UnlockFailed,
                    obj.detail(format!("{} failed attempts {what}", f.count)),
                )?;
            }
            for finding in rollback {
                audit::record(
                    tx,
                    None,
                    audit::Event::RollbackDetected,
                    audit::Obj::none().detail(finding.clone()),
                )?;
            }
            let (event, how) = match kind {
                UnlockKind::Setup => (audit::Event::Setup, ""),
                UnlockKind::Passphrase => (audit::Event::Unlock, "passphrase"),
                UnlockKind::Recovery => (audit::Event::Unlock, "recovery_key"),
                UnlockKind::Restore => (audit::Event::Restore, ""),
            };
            audit::record(tx, Some(&me), event, audit::Obj::none().detail(how))
        })?;
        // Before retention removes anything: a tally from before schema version 5 is refiled
        // under the months of the events while the screenings that prove them still exist.
        crate::screening::refile_tally_if_pending(self)?;
        crate::retention::run_at_unlock(self)?;
        Ok(())
    }
}

/// Failed unlock attempts of one account (or an unknown username, or the recovery key)
/// not yet in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FailedAttempts {
    /// The account whose username was tried, if it is one.
    account_id: Option<String>,
    recovery_key: bool,
    count: u32,
}

/// How the store was opened, for the unlock row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnlockKind {
    Setup,
    Passphrase,
    Recovery,
    Restore,
}

/// What [`Store::finish_unlock`] is told by the way in.
#[derive(Debug, Default)]
pub(crate) struct UnlockNotes {
    /// The failed-attempt records to clear (the account or recovery key that just
    /// succeeded), after their failures are logged.
    pub(crate) clear_buckets: Vec<String>,
    /// The person has just chosen their passphrase (with the recovery key): a notice that
    /// an administratör set it no longer applies.
    pub(crate) chose_passphrase: bool,
}
