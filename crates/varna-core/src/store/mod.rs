//! The encrypted store: the SQLCipher database, key slots, accounts, units, settings and
//! backups. Nothing Värna keeps is ever written in plaintext.
//!
//! A data folder holds:
//!
//! | file | what |
//! | --- | --- |
//! | `varna.db` (+ `-wal`, `-shm`) | SQLCipher database, raw 256-bit key, WAL mode |
//! | `varna.keys`, `varna.keys.bak` | key slots wrapping the database key (see [`keyfile`]) |
//! | `varna.lock` | empty; locked while an unlock attempt or a key-file update runs |
//!
//! A [`Store`] is an unlocked database with a signed-in account (its *actor*). Dropping it or
//! calling [`Store::lock`] closes the database and wipes the key from memory; the shell holds
//! `None` while locked. Roles are checked here, in the core, on every operation.
//!
//! Other core modules run their statements through [`Store::with_tx`] and add their tables by
//! appending to [`migrations::MIGRATIONS`].

mod accounts;
mod anchor;
mod backup;
mod fsutil;
mod keyfile;
mod migrations;
mod passphrase;
mod recovery;
mod rekey;
mod settings;
mod throttle;

#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod hardening_tests;
#[cfg(test)]
mod page_mac_tests;

use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use zeroize::Zeroizing;

pub use accounts::{Account, AccountOverview, NewAccount, PassphraseNotice, Role, Unit};
pub use backup::{
    BackupInfo, BackupOrigin, BackupReminder, RestoreCredential, BACKUP_REMINDER_DAYS,
};
pub use keyfile::KdfParams;
pub use recovery::RecoveryKey;
pub use rekey::Rekeyed;
pub use settings::Settings;

/// An I/O error with the store's clear words for a read-only folder or a full disk.
pub(crate) fn io_error(context: &str, e: std::io::Error) -> Error {
    fsutil::io_error(context, e)
}

/// A bounded read of a regular file (see [`crate::files::read_regular`]).
pub(crate) fn read_bounded(path: &Path, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    fsutil::read_bounded(path, max)
}
pub use throttle::{UnlockDelay, FREE_ATTEMPTS};

use crate::error::{Error, Result};
use keyfile::{DbKey, KeyFile, PageMac};

/// The database's file name inside the data folder.
pub const DB_FILE: &str = "varna.db";
/// A database being created by first-time setup; renamed to [`DB_FILE`] once the key file
/// is safely written.
const INIT_DB_FILE: &str = "varna.db.init";
pub(crate) use passphrase::check_new_passphrase;
pub use passphrase::MIN_PASSPHRASE_CHARS;

/// What first-time setup needs. `Debug` never shows the passphrase.
#[derive(Clone, Copy)]
pub struct FirstRun<'a> {
    /// Sign-in name of the first administrator (letters, digits, `.`, `_`, `-`).
    pub admin_username: &'a str,
    /// The administrator's name as shown in the app.
    pub admin_display_name: &'a str,
    pub passphrase: &'a str,
    /// Short code of the first unit (enhet), e.g. `IFO-VUX`.
    pub unit_code: &'a str,
    pub unit_name: &'a str,
}

impl std::fmt::Debug for FirstRun<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirstRun")
            .field("admin_username", &self.admin_username)
            .field("admin_display_name", &self.admin_display_name)
            .field("passphrase", &"[redacted]")
            .field("unit_code", &self.unit_code)
            .field("unit_name", &self.unit_name)
            .finish()
    }
}

/// An unlocked store with a signed-in account.
pub struct Store {
    data_dir: PathBuf,
    conn: Connection,
    db_key: DbKey,
    store_id: String,
    /// The page MAC of the database (from the key file); backups get the same.
    page_mac: PageMac,
    actor: Account,
    audit_report: Option<crate::audit::AuditReport>,
    /// What the last autosave left behind (see [`crate::screening::DraftCache`]).
    draft_cache: Option<Box<crate::screening::DraftCache>>,
    /// How long [`Store::unlock`] took up to the first reads of the opened database (key
    /// file, key derivation, unwrapping, opening, schema check, the account), before the
    /// access-log check and the sign-in record. For benchmark 2.
    opened_in: Option<std::time::Duration>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("data_dir", &self.data_dir)
            .field("actor", &self.actor.username)
            .finish_non_exhaustive()
    }
}

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
        store.finish_unlock(
            crate::audit::UnlockKind::Setup,
            &gate,
            kf,
            UnlockNotes::default(),
        )?;
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
            crate::audit::UnlockKind::Passphrase,
            &gate,
            kf,
            UnlockNotes {
                clear_buckets: vec![bucket],
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
            crate::audit::UnlockKind::Recovery,
            &gate,
            kf,
            UnlockNotes {
                clear_buckets: vec![bucket, user_bucket],
            },
        )?;
        // The person chose this passphrase: a notice to change it no longer applies.
        if store.actor.must_change_passphrase.is_some() {
            let id = store.actor.id.clone();
            store.set_must_change(&id, None, crate::audit::Event::PassphraseChange)?;
            store.actor.must_change_passphrase = None;
        }
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
    /// they were last logged, logs the unlock (and runs retention), writes the new anchors
    /// and finishes a revocation whose re-key was interrupted.
    pub(crate) fn finish_unlock(
        &mut self,
        kind: crate::audit::UnlockKind,
        gate: &throttle::Gate,
        mut kf: KeyFile,
        notes: UnlockNotes,
    ) -> Result<()> {
        use crate::audit::UnlockKind;
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
        Ok(())
    }

    /// The failed attempts recorded in the key file and not yet in the access log, marked
    /// as logged in `kf`. Each is attributed to its account when the tag is an account's.
    fn unlogged_failures(&self, kf: &mut KeyFile) -> Result<Vec<crate::audit::FailedAttempts>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, username FROM accounts")
            .db("reading accounts")?;
        let accounts: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .db("reading accounts")?;
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
            out.push(crate::audit::FailedAttempts {
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
    fn open(data_dir: &Path, db_key: DbKey, kf: &KeyFile, account_id: &str) -> Result<Store> {
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
            opened_in: None,
        })
    }

    /// Locks: logs it, anchors the log's head outside the database, closes the database
    /// and wipes the key from memory.
    pub fn lock(self) {
        let _ = self.audit_now(crate::audit::Event::Lock, crate::audit::Obj::none());
        let _ = self.write_anchor();
        let Store { conn, db_key, .. } = self;
        let _ = conn.close();
        drop(db_key);
    }

    /// The signed-in account.
    pub fn actor(&self) -> &Account {
        &self.actor
    }

    /// The data folder this store lives in.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The database key, for keys derived from it (the access log's head signature).
    pub(crate) fn db_key_bytes(&self) -> &[u8] {
        self.db_key.as_ref()
    }

    pub(crate) fn store_id(&self) -> &str {
        &self.store_id
    }

    pub(crate) fn audit_report_at_unlock(&self) -> Option<&crate::audit::AuditReport> {
        self.audit_report.as_ref()
    }

    pub(crate) fn set_audit_report_at_unlock(&mut self, report: crate::audit::AuditReport) {
        self.audit_report = Some(report);
    }

    /// The database connection, for reads by other core modules.
    #[allow(dead_code)]
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// For benchmark 2: how long [`Store::unlock`] took to the first reads of the opened
    /// database (`None` when the store was opened another way). Not part of the API.
    #[cfg(feature = "bench-hooks")]
    #[doc(hidden)]
    pub fn bench_opened_in(&self) -> Option<std::time::Duration> {
        self.opened_in
    }

    pub(crate) fn take_draft_cache(&mut self) -> Option<Box<crate::screening::DraftCache>> {
        self.draft_cache.take()
    }

    pub(crate) fn set_draft_cache(&mut self, cache: Box<crate::screening::DraftCache>) {
        self.draft_cache = Some(cache);
    }

    /// Runs `f` in an immediate transaction and commits it durably (`synchronous=FULL`).
    /// When `f` fails, or the commit does, nothing of it is kept.
    pub(crate) fn with_tx<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        // Any write makes what the last autosave left behind stale; an autosave takes it
        // out before it starts its transaction and puts back what it committed.
        self.draft_cache = None;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .db("starting to save")?;
        let out = f(&tx)?;
        crate::audit::seal(&tx, self.db_key.as_ref(), &self.store_id)?;
        tx.commit().db("saving")?;
        Ok(out)
    }

    /// Refuses the operation unless the signed-in account is still active and has one of
    /// `allowed`. The role is read afresh, so a change by another administrator applies at once.
    pub(crate) fn require(&self, allowed: &[Role], what: &str) -> Result<()> {
        crate::access::Actor::load(&self.conn, &self.actor.id)?.require_role(allowed, what)
    }

    /// Records the log's current head as the anchor, in the key file and outside the
    /// data folder (see [`anchor`]).
    pub(crate) fn write_anchor(&self) -> Result<()> {
        let (seq, hash) = anchor::log_end(&self.conn)?;
        let key = self.db_key.clone();
        let mut written = None;
        self.update_key_file(|kf| {
            let a = kf.anchor_for(key.as_ref(), seq, &hash);
            kf.anchor = Some(a.clone());
            written = Some((kf.clone(), a));
            Ok(())
        })?;
        if let Some((kf, a)) = written {
            anchor::write_outside(&kf, &a);
        }
        Ok(())
    }

    /// Re-reads and updates the key file with `f`, then writes it atomically, under the
    /// data folder's gate (so an unlock attempt elsewhere cannot interleave).
    fn update_key_file(&self, f: impl FnOnce(&mut KeyFile) -> Result<()>) -> Result<()> {
        let _gate = throttle::Gate::acquire(&self.data_dir)?;
        let (mut kf, _) = KeyFile::read(&self.data_dir)?;
        if kf.store_id != self.store_id {
            return Err(Error::Corrupt(
                "the key file does not belong to the open database".into(),
            ));
        }
        f(&mut kf)?;
        kf.write(&self.data_dir)
    }
}

/// `PRAGMA cipher_version` on an in-memory connection (no key, nothing on disk).
pub(crate) fn sqlcipher_version() -> Option<String> {
    let conn = Connection::open_in_memory().ok()?;
    conn.query_row("PRAGMA cipher_version", [], |r| r.get::<_, String>(0))
        .ok()
        .filter(|v| !v.trim().is_empty())
}

/// The whole schema (every migration's SQL, in order), for `varna-bench`'s plain-SQLite
/// baseline. Not part of the API; only with the `bench-hooks` feature.
#[cfg(feature = "bench-hooks")]
#[doc(hidden)]
pub fn bench_schema_sql() -> String {
    migrations::MIGRATIONS
        .iter()
        .map(|m| m.sql)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The newest database schema this build reads (a backup from a newer Värna is refused).
pub fn schema_version_supported() -> u32 {
    migrations::latest_version()
}

/// The current time as stored: RFC 3339, UTC, whole seconds (the wall clock; the
/// screening module reads its own clock, which tests and demo back-dating can set).
pub(crate) fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// What [`Store::finish_unlock`] is told by the way in.
#[derive(Debug, Default)]
pub(crate) struct UnlockNotes {
    /// The failed-attempt records to clear (the account or recovery key that just
    /// succeeded), after their failures are logged.
    pub(crate) clear_buckets: Vec<String>,
}

/// Creates the data folder if needed and makes it private (`0700`, files `0600`), existing
/// folders included; a folder that is a link is refused ([`crate::datadir::secure_data_dir`]).
fn create_data_dir(data_dir: &Path) -> Result<()> {
    crate::datadir::secure_data_dir(data_dir)
}

/// Finishes work that a crash may have interrupted: a restore, or the rename at the end of
/// first-time setup.
fn prepare_folder(data_dir: &Path) -> Result<()> {
    if data_dir.exists() {
        // The CLI and the app alike: a store's folder is private whoever opens it.
        crate::datadir::secure_data_dir(data_dir)?;
    }
    backup::finish_restore(data_dir)?;
    if KeyFile::exists(data_dir) {
        finish_first_run(data_dir)?;
    }
    Ok(())
}

fn finish_first_run(data_dir: &Path) -> Result<()> {
    let init_path = data_dir.join(INIT_DB_FILE);
    let db_path = data_dir.join(DB_FILE);
    if init_path.exists() && !db_path.exists() {
        fs::rename(&init_path, &db_path)
            .and_then(|_| fsutil::sync_dir(data_dir))
            .map_err(|e| fsutil::io_error("finishing setup", e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = fs::set_permissions(&db_path, fs::Permissions::from_mode(0o600));
        }
    }
    Ok(())
}

/// Removes a database file with its `-wal`, `-shm` and `-journal` companions.
fn remove_db_files(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        fsutil::remove_if_exists(Path::new(&p))
            .map_err(|e| fsutil::io_error("removing an unfinished database", e))?;
    }
    Ok(())
}

fn check_store_id(conn: &Connection, kf: &KeyFile) -> Result<()> {
    let id: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'store_id'", [], |r| {
            r.get(0)
        })
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(db_error("reading the database", e)),
        })?;
    if id.as_deref() != Some(kf.store_id.as_str()) {
        return Err(Error::Corrupt(
            "the database and the key file do not belong together (nothing was changed)".into(),
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenMode {
    /// Create the file; WAL mode.
    Create,
    /// An existing database of the data folder; WAL mode.
    Existing,
    /// An existing file that is only checked (a backup being restored); its journal mode is
    /// left alone so no `-wal` file appears beside it.
    Check,
}

/// Why a database did not open.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// SQLCipher could not read the file with the key ("file is not a database").
    WrongKey,
    Other(Error),
}

impl OpenError {
    /// Maps the error for a caller. `key_authenticated`: the key came out of an authenticated
    /// key slot, so it is the store's key and the file itself does not match it.
    pub(crate) fn into_error(self, key_authenticated: bool) -> Error {
        match self {
            OpenError::WrongKey if key_authenticated => Error::Corrupt(
                "the database does not open with the key from the key file: wrong key for this \
                 database file (the key file and the database do not belong together, or the \
                 database file was replaced or damaged). Nothing was changed."
                    .into(),
            ),
            OpenError::WrongKey => Error::WrongPassphrase,
            OpenError::Other(e) => e,
        }
    }
}

impl From<Error> for OpenError {
    fn from(e: Error) -> Self {
        OpenError::Other(e)
    }
}

/// Opens a SQLCipher database with a raw 256-bit key and sets the store's pragmas.
///
/// The key is checked by a first read; "file is not a database" becomes
/// [`OpenError::WrongKey`] and the file is never written before that check passes.
pub(crate) fn open_db(
    path: &Path,
    key: &DbKey,
    page_mac: PageMac,
    mode: OpenMode,
) -> std::result::Result<Connection, OpenError> {
    if mode != OpenMode::Create {
        check_db_file(path)?;
    }
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if mode == OpenMode::Create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags).db("opening the database")?;
    let key_sql = Zeroizing::new(format!(
        "PRAGMA key = \"x'{}'\";",
        Zeroizing::new(hex::encode_upper(key.as_ref())).as_str()
    ));
    conn.execute_batch(&key_sql).db("opening the database")?;
    drop(key_sql);
    conn.execute_batch(&page_mac.pragma("main"))
        .db("opening the database")?;
    let cipher: Option<String> = conn
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .ok();
    if cipher.as_deref().unwrap_or("").is_empty() {
        return Err(OpenError::Other(Error::Internal(
            "SQLCipher is not linked; refusing to store anything".into(),
        )));
    }
    // The first read verifies the key.
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ffi::ErrorCode::NotADatabase =>
        {
            return Err(OpenError::WrongKey)
        }
        Err(e) => return Err(OpenError::Other(db_error("opening the database", e))),
    }
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .db("opening the database")?;
    if mode != OpenMode::Check {
        let journal: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .db("opening the database")?;
        if !journal.eq_ignore_ascii_case("wal") {
            return Err(OpenError::Other(fsutil::io_error(
                "opening the database",
                std::io::Error::from(std::io::ErrorKind::PermissionDenied),
            )));
        }
    }
    // cipher_memory_security: SQLCipher wipes every buffer it frees and locks its memory
    // (a process-wide setting; docs/BENCHMARKS.md reports its cost on the autosave
    // benchmark, measured with `bench-hooks`' VARNA_BENCH_MEMSEC_OFF switch).
    #[cfg(feature = "bench-hooks")]
    let memsec = if std::env::var_os("VARNA_BENCH_MEMSEC_OFF").is_some() {
        "OFF"
    } else {
        "ON"
    };
    #[cfg(not(feature = "bench-hooks"))]
    let memsec = "ON";
    conn.execute_batch(&format!(
        "PRAGMA synchronous = FULL;
         PRAGMA temp_store = MEMORY;
         PRAGMA secure_delete = ON;
         PRAGMA foreign_keys = ON;
         PRAGMA cipher_memory_security = {memsec};"
    ))
    .db("opening the database")?;
    // No full-file check here: `quick_check` reads every page, so unlocking would grow with
    // the database. The key is verified by the first read; damage is reported by the page
    // that holds it (as `Corrupt`), and backups and restores run `integrity_check`.
    Ok(conn)
}

/// Cheap checks on the raw file, without opening it for writing.
fn check_db_file(path: &Path) -> Result<()> {
    use std::io::Read;
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::Corrupt(
                "the database file is missing from the data folder".into(),
            ))
        }
        Err(e) => return Err(fsutil::io_error("opening the database", e)),
    };
    if meta.len() == 0 {
        return Err(Error::Corrupt("the database file is empty".into()));
    }
    let mut head = [0u8; 16];
    let n = fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| fsutil::io_error("opening the database", e))?;
    if n == 16 && &head == b"SQLite format 3\0" {
        return Err(Error::Corrupt(
            "the database file is not encrypted; Värna refuses to use it".into(),
        ));
    }
    if meta.len() % 512 != 0 {
        return Err(Error::Corrupt(
            "the database file is truncated or damaged; nothing was changed".into(),
        ));
    }
    Ok(())
}

/// Maps a SQLite error to the core's error without passing on any of the library's text
/// (which could, for a constraint, name a value).
/// `.db("reading the unit")` on a database result: the error with its context, as
/// [`db_error`] makes it (a full disk, a locked or corrupt file each get their own error).
pub(crate) trait DbContext<T> {
    fn db(self, context: &str) -> Result<T>;
}

impl<T> DbContext<T> for rusqlite::Result<T> {
    fn db(self, context: &str) -> Result<T> {
        self.map_err(|e| db_error(context, e))
    }
}

pub(crate) fn db_error(context: &str, e: rusqlite::Error) -> Error {
    use rusqlite::ffi::ErrorCode as C;
    use std::io::ErrorKind as K;
    match &e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            C::DiskFull => Error::io(
                context,
                std::io::Error::new(K::StorageFull, "the disk is full or the file cannot grow"),
            ),
            C::ReadOnly | C::CannotOpen | C::PermissionDenied => Error::io(
                context,
                std::io::Error::new(
                    K::PermissionDenied,
                    "the data folder is read-only or not accessible",
                ),
            ),
            C::SystemIoFailure => Error::io(
                context,
                std::io::Error::other(
                    "the operating system refused a read or write (disk full or failing?)",
                ),
            ),
            C::DatabaseCorrupt | C::NotADatabase => {
                Error::Corrupt(format!("{context}: the database file is damaged"))
            }
            C::DatabaseBusy | C::DatabaseLocked => {
                Error::Conflict("the database is busy in another program; try again".into())
            }
            C::ConstraintViolation => {
                Error::Conflict(format!("{context}: conflicts with existing data"))
            }
            other => Error::Internal(format!("{context}: database error {other:?}")),
        },
        rusqlite::Error::QueryReturnedNoRows => Error::NotFound(context.to_string()),
        _ => Error::Internal(format!("{context}: database error")),
    }
}
