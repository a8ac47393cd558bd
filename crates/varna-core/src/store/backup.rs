//! Backups: one file with an encrypted copy of the database and the key slots.
//!
//! Layout of a backup file:
//!
//! ```text
//! "VARNA-BACKUP-1\n"          magic
//! u32 little-endian           length of the header
//! header (JSON)               format, created_at, store_id, schema_version, db_len,
//!                             db_sha256, key_file (the key file's text: slots only)
//! db_len bytes                the database, encrypted under the store's key with its page
//!                             MAC: the database file itself, held still and its page MACs
//!                             verified (`Store::backup_from_file`), or, when the file cannot
//!                             be held still, a copy made page by page with SQLite's online
//!                             backup API (`Store::export_pages`)
//! ```
//!
//! Nothing in it is plaintext content: the database pages are encrypted, and the key file
//! holds only wrapped keys and username tags. A restore needs the credentials of an
//! administratör *as they were when the backup was made*; it checks the whole file, opens
//! the copy and runs `integrity_check` before anything in the data folder is touched. The
//! swap is journaled by a marker file and finished on the next start if interrupted.

use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use ring::digest;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::keyfile::{self, KeyFile};
use super::recovery::RecoveryKey;
use super::{
    accounts, fsutil, migrations, open_db, throttle, DbContext, OpenMode, Role, Store, DB_FILE,
};
use crate::error::RowsExt;
use crate::error::{Error, Result};
use crate::progress::{Progress, ProgressStep, Reporter};

const MAGIC: &[u8] = b"VARNA-BACKUP-1\n";
const MAX_HEADER: u32 = 1024 * 1024;
pub(super) const RESTORE_DB: &str = "varna.db.restore";
pub(super) const RESTORE_KEYS: &str = "varna.keys.restore";
pub(super) const RESTORE_MARKER: &str = "varna.restore-pending";

/// What a backup file says about itself (checked structurally, not yet decrypted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct BackupInfo {
    pub created_at: String,
    pub schema_version: u32,
    /// Size of the encrypted database inside, in bytes.
    pub db_bytes: u64,
}

#[derive(Debug, Serialize, Deserialize, specta::Type)]
struct Header {
    format: String,
    created_at: String,
    store_id: String,
    schema_version: u32,
    db_len: u64,
    db_sha256: String,
    key_file: String,
}

/// Inside a backup's database: the account that made it.
const META_BACKUP_MADE_BY: &str = "backup_made_by";

/// Who made a restored backup, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupOrigin {
    pub made_at: String,
    /// Display name and username.
    pub made_by: String,
}

/// What opens a backup for a restore.
#[derive(Clone, Copy)]
pub enum RestoreCredential<'a> {
    /// An administratör's passphrase as it was when the backup was made.
    Passphrase {
        username: &'a str,
        passphrase: &'a str,
    },
    /// The recovery key as it was when the backup was made; the named administratör gets a
    /// new passphrase.
    Recovery {
        key: &'a RecoveryKey,
        username: &'a str,
        new_passphrase: &'a str,
    },
}

impl RestoreCredential<'_> {
    fn username(&self) -> &str {
        match self {
            RestoreCredential::Passphrase { username, .. }
            | RestoreCredential::Recovery { username, .. } => username,
        }
    }
}

fn not_a_backup() -> Error {
    Error::Corrupt("the file is not a Värna backup, or it is damaged; nothing was changed".into())
}

impl Store {
    /// Writes a backup of the whole store to `out` (atomically: a temporary file beside it,
    /// renamed when complete). Administrators only.
    pub fn backup_to(&self, out: &Path) -> Result<BackupInfo> {
        self.backup_to_with_progress(out, |_| {})
    }

    /// [`Store::backup_to`], telling `progress` how far it has come (see
    /// [`crate::progress`]): the database's pages copied, then the backup file written.
    pub fn backup_to_with_progress(
        &self,
        out: &Path,
        mut progress: impl FnMut(Progress),
    ) -> Result<BackupInfo> {
        self.require(&[Role::Administrator], "making a backup")?;
        // Half for checking (or copying) the pages, half for writing the file.
        let pages: i64 = self
            .conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .db("making the backup")?;
        // SQLCipher answers `PRAGMA page_size` with its own page size, as text.
        let page_size: i64 = self
            .conn
            .query_row("PRAGMA page_size", [], |r| {
                r.get::<_, rusqlite::types::Value>(0)
            })
            .db("making the backup")
            .map(|v| match v {
                rusqlite::types::Value::Integer(n) => n,
                rusqlite::types::Value::Text(t) => t.trim().parse().unwrap_or(4096),
                _ => 4096,
            })?;
        let bytes = (pages.max(1) * page_size.max(1)) as u64;
        let mut reporter = Reporter::new(&mut progress, 2 * bytes);
        reporter.report(ProgressStep::Check, 0);
        // The fast way: the database file itself, as it is on disk (encrypted), when it can be
        // held still; else a copy made page by page.
        let result = match self.backup_from_file(out, &mut reporter, bytes) {
            Ok(Some(info)) => Ok(info),
            Ok(None) => {
                let export = fsutil::temp_sibling(out);
                let result = self
                    .export_pages(&export, &self.actor.id, &mut reporter, bytes)
                    .and_then(|schema_version| {
                        let (kf, _) = KeyFile::read(&self.data_dir)?;
                        write_container(
                            &export,
                            out,
                            &kf,
                            &self.store_id,
                            schema_version,
                            &mut reporter,
                            bytes,
                            &mut || Ok(()),
                        )
                    });
                let _ = super::remove_db_files(&export);
                result
            }
            Err(e) => Err(e),
        };
        if result.is_ok() {
            self.audit_now(crate::audit::Event::Backup, crate::audit::Obj::none())?;
            reporter.finish();
        }
        result
    }

    /// The backup straight from the database file, when the file can be held still: the
    /// note of who makes the backup is written into the store, the write-ahead log is
    /// checkpointed into the file and emptied (`wal_checkpoint(TRUNCATE)`), and a read
    /// transaction is opened on the empty log, so that no checkpoint can change the file
    /// while it is read (SQLite lets no checkpoint write into the file under a reader that
    /// reads the file alone). The file's pages are already encrypted under the store's key
    /// with its page MAC, exactly as a restore needs them. Before the file is copied, every
    /// page's MAC is verified (`PRAGMA cipher_integrity_check`), so a damaged store is
    /// refused as the page-by-page copy refuses it; the copy is hashed as it is written
    /// (`write_container`). `Ok(None)` when the file cannot be held still (another
    /// connection reads or writes it: another process on the same folder); the caller then
    /// copies page by page.
    fn backup_from_file(
        &self,
        out: &Path,
        progress: &mut Reporter<'_>,
        units: u64,
    ) -> Result<Option<BackupInfo>> {
        let context = "making the backup";
        let schema_version = migrations::schema_version(&self.conn)?;
        self.conn
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                (META_BACKUP_MADE_BY, &self.actor.id),
            )
            .db(context)?;
        let result = (|| -> Result<Option<BackupInfo>> {
            let busy: i64 = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
                .db(context)?;
            if busy != 0 {
                return Ok(None);
            }
            self.conn.execute_batch("BEGIN").db(context)?;
            let copied = (|| -> Result<Option<BackupInfo>> {
                let _: i64 = self
                    .conn
                    .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
                    .db(context)?;
                // The read sees the file alone only if the log is still empty.
                let db = self.data_dir.join(DB_FILE);
                let wal = sibling(&db, "-wal");
                if fs::metadata(&wal).map_or(0, |m| m.len()) != 0 {
                    return Ok(None);
                }
                let (kf, _) = KeyFile::read(&self.data_dir)?;
                // The MACs are checked on a second connection in a second thread while this
                // one writes the file (the two read the same still file); the file is linked
                // into place only when the check has passed.
                let (key, page_mac) = (self.db_key.clone(), self.page_mac);
                std::thread::scope(|scope| {
                    let mut checker = Some(scope.spawn(|| verify_page_macs(&db, &key, page_mac)));
                    let mut checked = || match checker.take().map(|h| h.join()) {
                        Some(Ok(result)) => result,
                        Some(Err(_)) => Err(Error::Internal("the page check failed".into())),
                        None => Ok(()),
                    };
                    write_container(
                        &db,
                        out,
                        &kf,
                        &self.store_id,
                        schema_version,
                        progress,
                        units,
                        &mut checked,
                    )
                    .map(Some)
                })
            })();
            let end = self.conn.execute_batch("COMMIT").db(context);
            let copied = copied?;
            end?;
            Ok(copied)
        })();
        // The note belongs in the backup only. Should removing it fail, it stays harmless:
        // the next backup replaces it and nothing reads it in the store itself.
        let _ = self
            .conn
            .execute("DELETE FROM meta WHERE key = ?1", [META_BACKUP_MADE_BY]);
        result
    }

    /// Copies the database page by page into a new file `export` under the store's own key
    /// and page MAC, with SQLite's online backup API (SQLCipher allows it between two
    /// encrypted databases of the same page size and reserve; every page is decrypted from
    /// the store and encrypted anew into the copy, which has its own salt). Unlike
    /// `sqlcipher_export` it builds no tables or indexes anew, and it can tell how far it
    /// is: `progress` gets the pages copied so far, as bytes of `units`. The copy names who
    /// made it (`made_by`, an account id, inside the encrypted copy only) and uses a
    /// rollback journal, so it is a single file. Returns the schema version.
    fn export_pages(
        &self,
        export: &Path,
        made_by: &str,
        progress: &mut Reporter<'_>,
        units: u64,
    ) -> Result<u32> {
        use rusqlite::backup::{Backup, StepResult};
        use rusqlite::{Connection, OpenFlags};
        let schema_version = migrations::schema_version(&self.conn)?;
        new_private_file(export).map_err(|e| fsutil::io_error("making the backup", e))?;
        let mut copy = Connection::open_with_flags(
            export,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .db("making the backup")?;
        let key_sql = Zeroizing::new(format!(
            "PRAGMA key = \"x'{}'\";",
            Zeroizing::new(hex::encode_upper(self.db_key.as_ref())).as_str()
        ));
        copy.execute_batch(&key_sql).db("making the backup")?;
        drop(key_sql);
        // The copy gets the store's page MAC, which the key file in the backup names. It is
        // a temporary file: what must reach the disk is the backup file, which is synced
        // when written (`write_container`), so SQLite does not sync this one.
        copy.execute_batch(&self.page_mac.pragma("main"))
            .db("making the backup")?;
        copy.execute_batch("PRAGMA synchronous = OFF;")
            .db("making the backup")?;
        {
            let backup = Backup::new(&self.conn, &mut copy).db("making the backup")?;
            // 1024 pages (4 MiB) a step: a progress report about every few milliseconds.
            loop {
                let step = backup.step(1024).db("making the backup")?;
                let p = backup.progress();
                let total = p.pagecount.max(1) as u64;
                let done = total.saturating_sub(p.remaining.max(0) as u64);
                progress.report(
                    ProgressStep::Copy,
                    crate::progress::scale(done, total, units),
                );
                match step {
                    StepResult::Done => break,
                    StepResult::More => {}
                    // Another connection holds a lock: wait a little and go on.
                    StepResult::Busy | StepResult::Locked => {
                        std::thread::sleep(std::time::Duration::from_millis(20))
                    }
                    _ => {}
                }
            }
        }
        // The pages came from a store in WAL mode; the copy is put back to a rollback
        // journal (its header then says so), so that it stays one file wherever it is opened.
        let mode: String = copy
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
            .db("making the backup")?;
        if !mode.eq_ignore_ascii_case("delete") {
            return Err(Error::Internal(format!(
                "the backup's copy stayed in journal mode {mode}"
            )));
        }
        copy.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            (META_BACKUP_MADE_BY, made_by),
        )
        .db("making the backup")?;
        copy.pragma_update(None, "user_version", schema_version)
            .db("making the backup")?;
        copy.close().map_err(|(_, e)| e).db("making the backup")?;
        Ok(schema_version)
    }

    /// Copies the database into a new file `export`, encrypted under `key` (a re-key's new
    /// key), with `sqlcipher_export`. `made_by` names who made a copy (an account id, inside
    /// the encrypted copy only). Returns the schema version.
    pub(super) fn export_with_key(
        &self,
        export: &Path,
        key: &keyfile::DbKey,
        made_by: Option<&str>,
    ) -> Result<u32> {
        let key = Zeroizing::new(format!(
            "x'{}'",
            Zeroizing::new(hex::encode_upper(key.as_ref())).as_str()
        ));
        let path = export
            .to_str()
            .ok_or_else(|| Error::InvalidInput("the backup path must be valid UTF-8".into()))?;
        let schema_version = migrations::schema_version(&self.conn)?;
        // The connection was opened without SQLITE_OPEN_CREATE (an unlock never creates a
        // database), so the empty target file is made here; SQLite treats it as empty.
        new_private_file(export).map_err(|e| fsutil::io_error("making the backup", e))?;
        self.conn
            .execute("ATTACH DATABASE ?1 AS backup KEY ?2", (path, key.as_str()))
            .db("making the backup")?;
        let result = (|| {
            // The copy gets the store's page MAC, which the key file in the backup names.
            self.conn.execute_batch(&self.page_mac.pragma("backup"))?;
            // The attached file gets the key above: every page SQLCipher writes to it is
            // encrypted. A rollback journal (not WAL) keeps the copy a single file.
            let _: String =
                self.conn
                    .query_row("PRAGMA backup.journal_mode = DELETE", [], |r| r.get(0))?;
            let _: Option<String> =
                self.conn
                    .query_row("SELECT sqlcipher_export('backup')", [], |r| r.get(0))?;
            if let Some(by) = made_by {
                self.conn.execute(
                    "INSERT OR REPLACE INTO backup.meta (key, value) VALUES (?1, ?2)",
                    (META_BACKUP_MADE_BY, by),
                )?;
            }
            self.conn
                .pragma_update(Some("backup"), "user_version", schema_version)
        })();
        let detach = self.conn.execute("DETACH DATABASE backup", []);
        result.db("making the backup")?;
        detach.db("making the backup")?;
        Ok(schema_version)
    }

    /// Checks a backup file's structure and checksum and tells what it holds.
    pub fn inspect_backup(file: &Path) -> Result<BackupInfo> {
        let (header, start) = read_header(file)?;
        let mut reader = open_reader(file, start)?;
        let sha = hash_copy(&mut reader, header.db_len, None, &mut |_| {})?;
        if sha != header.db_sha256 {
            return Err(not_a_backup());
        }
        Ok(info(&header))
    }

    /// Reads and removes the restored database's note of who made the backup.
    fn take_backup_origin(&mut self, made_at: Option<String>) -> Result<Option<BackupOrigin>> {
        use rusqlite::OptionalExtension;
        let by: Option<String> = self
            .conn()
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [META_BACKUP_MADE_BY],
                |r| r.get(0),
            )
            .optional()
            .db("reading the backup's origin")?;
        let Some(by) = by else {
            return Ok(None);
        };
        let who = accounts::load_account(self.conn(), &by)?;
        self.with_tx(|tx| {
            tx.execute("DELETE FROM meta WHERE key = ?1", [META_BACKUP_MADE_BY])
                .db("reading the backup's origin")
                .map(|_| ())
        })?;
        Ok(Some(BackupOrigin {
            made_at: made_at.unwrap_or_default(),
            made_by: who
                .map(|a| format!("{} ({})", a.display_name, a.username))
                .unwrap_or(by),
        }))
    }

    /// Restores a backup into `data_dir`, replacing what is there, and unlocks it as
    /// `username`, who must be an active administratör in the backup and sign in with the
    /// passphrase valid when the backup was made. The file is checked completely before the
    /// data folder is changed; a broken or foreign file is refused.
    pub fn restore_from(
        data_dir: &Path,
        file: &Path,
        username: &str,
        passphrase: &str,
    ) -> Result<Store> {
        Self::restore(
            data_dir,
            file,
            RestoreCredential::Passphrase {
                username,
                passphrase,
            },
            &mut |_| {},
        )
    }

    /// Restores a backup with the recovery key that was valid when the backup was made, for
    /// when no administratör remembers the passphrase they had then. `username` names an
    /// active administratör in the backup, who gets `new_passphrase` (in the restored key
    /// file only). Logged like every restore, as a restore with the recovery key.
    pub fn restore_with_recovery(
        data_dir: &Path,
        file: &Path,
        recovery_key: &RecoveryKey,
        username: &str,
        new_passphrase: &str,
    ) -> Result<Store> {
        Self::restore(
            data_dir,
            file,
            RestoreCredential::Recovery {
                key: recovery_key,
                username,
                new_passphrase,
            },
            &mut |_| {},
        )
    }

    /// [`Store::restore_from`] or [`Store::restore_with_recovery`], also telling who made
    /// the backup and when (read from inside the restored database, so it is known only once
    /// the credential has opened it).
    pub fn restore_with_origin(
        data_dir: &Path,
        file: &Path,
        credential: RestoreCredential<'_>,
    ) -> Result<(Store, Option<BackupOrigin>)> {
        Self::restore_with_origin_progress(data_dir, file, credential, |_| {})
    }

    /// [`Store::restore_with_origin`], telling `progress` how far it has come (see
    /// [`crate::progress`]): the backup's database read into the data folder, then checked
    /// (this step cannot tell how far it is), then put in place and signed in to.
    pub fn restore_with_origin_progress(
        data_dir: &Path,
        file: &Path,
        credential: RestoreCredential<'_>,
        mut progress: impl FnMut(Progress),
    ) -> Result<(Store, Option<BackupOrigin>)> {
        let made_at = read_header(file).map(|(h, _)| h.created_at).ok();
        let mut store = Store::restore(data_dir, file, credential, &mut progress)?;
        let origin = store.take_backup_origin(made_at)?;
        Ok((store, origin))
    }

    fn restore(
        data_dir: &Path,
        file: &Path,
        credential: RestoreCredential<'_>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Store> {
        let username = credential.username();
        if let RestoreCredential::Recovery { new_passphrase, .. } = credential {
            super::passphrase::check_new_passphrase(
                new_passphrase,
                &accounts::normalize_username(username)?,
            )?;
        }
        super::create_data_dir(data_dir)?;
        finish_restore(data_dir)?;
        // Attempts are throttled by the current folder's records when it is set up (a
        // restore into an empty folder has none: such a file can be attacked offline anyway,
        // where Argon2id is the defence).
        let gate = throttle::Gate::acquire(data_dir)?;
        let mut current_kf = KeyFile::read(data_dir).ok().map(|(kf, _)| kf);
        let bucket = current_kf.as_ref().map(|kf| match credential {
            RestoreCredential::Recovery { .. } => throttle::recovery_bucket(),
            RestoreCredential::Passphrase { .. } => throttle::user_bucket(
                kf,
                &accounts::normalize_username(username).unwrap_or_default(),
            ),
        });
        if let (Some(kf), Some(b)) = (current_kf.as_mut(), bucket.as_deref()) {
            throttle::check(data_dir, kf, b)?;
        }
        let (header, start) = read_header(file)?;
        let mut kf = KeyFile::from_bytes(header.key_file.as_bytes()).map_err(|_| not_a_backup())?;
        if kf.store_id != header.store_id {
            return Err(not_a_backup());
        }
        if header.schema_version > migrations::latest_version() {
            return Err(Error::Conflict(
                "the backup comes from a newer Värna; update Värna before restoring it".into(),
            ));
        }

        // Reading the copy and checking it weigh about the same; signing in (a key
        // derivation, the log's check from its checkpoint) a little less.
        let db_len = header.db_len;
        let mut reporter = Reporter::new(progress, 2 * db_len + db_len / 4);
        reporter.report(ProgressStep::Read, 0);

        // Copy the database out of the backup into the data folder and check its checksum.
        let staging_db = data_dir.join(RESTORE_DB);
        super::remove_db_files(&staging_db)?;
        fsutil::remove_if_exists(&data_dir.join(RESTORE_KEYS))
            .map_err(|e| fsutil::io_error("preparing the restore", e))?;
        let copy = (|| -> Result<String> {
            let mut reader = open_reader(file, start)?;
            let mut out = new_private_file(&staging_db)
                .map_err(|e| fsutil::io_error("restoring the backup", e))?;
            let sha = hash_copy(&mut reader, header.db_len, Some(&mut out), &mut |n| {
                reporter.report(ProgressStep::Read, n)
            })?;
            out.sync_all()
                .map_err(|e| fsutil::io_error("restoring the backup", e))?;
            Ok(sha)
        })();
        let outcome = copy.and_then(|sha| {
            if sha != header.db_sha256 {
                return Err(not_a_backup());
            }
            reporter.report(ProgressStep::Check, db_len);
            verify_staged(&staging_db, &kf, credential)
        });
        let (db_key, account_id) = match outcome {
            Ok(v) => v,
            Err(e) => {
                let _ = super::remove_db_files(&staging_db);
                if matches!(e, Error::WrongPassphrase) {
                    if let (Some(kf), Some(b)) = (current_kf.as_mut(), bucket.as_deref()) {
                        throttle::record_failure(data_dir, kf, b);
                    }
                }
                return Err(e);
            }
        };

        // With the recovery key, the administratör's new passphrase goes into the restored
        // key file (the backup file itself is never changed).
        if let RestoreCredential::Recovery { new_passphrase, .. } = credential {
            let username = accounts::normalize_username(username)?;
            if let Err(e) = kf.set_passphrase_slot(
                &account_id,
                &username,
                new_passphrase,
                keyfile::KdfParams::CURRENT,
                &db_key,
            ) {
                let _ = super::remove_db_files(&staging_db);
                return Err(e);
            }
        }

        reporter.report(ProgressStep::Open, 2 * db_len);
        // Stage the key file, then mark the restore as ready: from here on it is finished
        // even if the process dies (see `finish_restore`).
        let staged = fsutil::atomic_write(&data_dir.join(RESTORE_KEYS), &kf.to_bytes(), "key file")
            .and_then(|_| {
                fsutil::atomic_write(&data_dir.join(RESTORE_MARKER), b"1\n", "restore marker")
            });
        if let Err(e) = staged {
            let _ = super::remove_db_files(&staging_db);
            let _ = fsutil::remove_if_exists(&data_dir.join(RESTORE_KEYS));
            return Err(e);
        }
        finish_restore(data_dir)?;
        throttle::remove_legacy_file(data_dir);
        let mut store = Store::open(data_dir, db_key, &kf, &account_id)?;
        // A restore is a deliberate step back: the anchors are set to the restored log
        // (inside `finish_unlock`), and the restore itself is logged.
        store.finish_unlock(
            super::lifecycle::UnlockKind::Restore,
            &gate,
            kf,
            super::UnlockNotes {
                clear_buckets: Vec::new(),
                chose_passphrase: matches!(credential, RestoreCredential::Recovery { .. }),
            },
        )?;
        reporter.finish();
        Ok(store)
    }
}

/// Verifies the MAC of every page of the database file `db` on a connection of its own
/// (`PRAGMA cipher_integrity_check` reads the file's pages as they are on disk).
fn verify_page_macs(db: &Path, key: &keyfile::DbKey, page_mac: crate::db::PageMac) -> Result<()> {
    let context = "checking the database before the backup";
    let conn = open_db(db, key, page_mac, OpenMode::Check).map_err(|e| e.into_error(true))?;
    let mut stmt = conn.prepare("PRAGMA cipher_integrity_check").db(context)?;
    let problems: Vec<String> = stmt.rows([], context, |r| r.get(0))?;
    match problems.first() {
        None => Ok(()),
        Some(first) => Err(Error::Corrupt(format!(
            "the database is damaged ({first}; {} problems in all); no backup was written",
            problems.len()
        ))),
    }
}

/// Unwraps the key with the backup's slot (or its recovery slot) and checks the staged copy:
/// integrity, that it belongs to the key file, and that the account is an active
/// administratör.
fn verify_staged(
    staging_db: &Path,
    kf: &KeyFile,
    credential: RestoreCredential<'_>,
) -> Result<(keyfile::DbKey, String)> {
    let username = accounts::normalize_username(credential.username()).unwrap_or_default();
    let db_key = match credential {
        RestoreCredential::Passphrase { passphrase, .. } => {
            let Some(slot) = kf.slot_for_user(&username) else {
                keyfile::dummy_derivation(passphrase);
                return Err(Error::WrongPassphrase);
            };
            kf.open_with_passphrase(slot, passphrase)?
        }
        RestoreCredential::Recovery { key, .. } => kf.open_with_recovery(key.bytes())?,
    };
    let conn = open_db(staging_db, &db_key, kf.page_mac, OpenMode::Check).map_err(|e| match e {
        super::OpenError::WrongKey => not_a_backup(),
        super::OpenError::Other(Error::Corrupt(_)) => not_a_backup(),
        super::OpenError::Other(e) => e,
    })?;
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|_| not_a_backup())?;
    if check != "ok" {
        return Err(not_a_backup());
    }
    super::check_store_id(&conn, kf).map_err(|_| not_a_backup())?;
    let account = match credential {
        RestoreCredential::Passphrase { .. } => {
            // The slot names the account; the name must still be that account's.
            let slot = kf.slot_for_user(&username).ok_or(Error::WrongPassphrase)?;
            accounts::load_account(&conn, &slot.id)?
        }
        RestoreCredential::Recovery { .. } => accounts::load_account_by_username(&conn, &username)?,
    };
    drop(conn);
    match account {
        Some(a) if a.active && a.username == username && a.role == Role::Administrator => {
            Ok((db_key, a.id))
        }
        Some(a) if a.active && a.username == username => Err(Error::Forbidden(
            "restoring a backup needs the role administratör".into(),
        )),
        _ if matches!(credential, RestoreCredential::Recovery { .. }) => Err(Error::NotFound(
            "the backup has no active administratör with that username".into(),
        )),
        _ => Err(Error::WrongPassphrase),
    }
}

/// Whether a restore was staged and not yet swapped in.
pub(crate) fn restore_pending(data_dir: &Path) -> bool {
    data_dir.join(RESTORE_MARKER).exists()
}

/// Swaps a staged restore into place. Every step can be repeated, so a crash at any point
/// is finished on the next start. Without the marker, leftovers of an unfinished staging are
/// removed and the current data stays as it is.
pub(crate) fn finish_restore(data_dir: &Path) -> Result<()> {
    let staging_db = data_dir.join(RESTORE_DB);
    let staging_keys = data_dir.join(RESTORE_KEYS);
    let io = |e| fsutil::io_error("finishing a restore", e);
    if !restore_pending(data_dir) {
        if staging_db.exists() || staging_keys.exists() {
            super::remove_db_files(&staging_db)?;
            fsutil::remove_if_exists(&staging_keys).map_err(io)?;
        }
        return Ok(());
    }
    let db = data_dir.join(DB_FILE);
    if staging_db.exists() {
        // The old database's WAL must never be replayed onto the restored file.
        for suffix in ["-wal", "-shm", "-journal"] {
            fsutil::remove_if_exists(&sibling(&db, suffix)).map_err(io)?;
            fsutil::remove_if_exists(&sibling(&staging_db, suffix)).map_err(io)?;
        }
        fs::rename(&staging_db, &db).map_err(io)?;
    }
    if staging_keys.exists() {
        let bytes = fs::read(&staging_keys).map_err(io)?;
        fs::rename(&staging_keys, KeyFile::path(data_dir)).map_err(io)?;
        fsutil::atomic_write(&KeyFile::backup_path(data_dir), &bytes, "key file backup")?;
    }
    fsutil::sync_dir(data_dir).map_err(io)?;
    fsutil::remove_if_exists(&data_dir.join(RESTORE_MARKER)).map_err(io)?;
    fsutil::sync_dir(data_dir).map_err(io)
}

/// Creates an empty file readable by its owner only.
pub(super) fn new_private_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

fn info(h: &Header) -> BackupInfo {
    BackupInfo {
        created_at: h.created_at.clone(),
        schema_version: h.schema_version,
        db_bytes: h.db_len,
    }
}

/// Writes the backup file: magic, header, the encrypted copy; then `fsync` and a hard link
/// to `out` (never over an existing file). The copy is read once: hashed while it is
/// written, and the header, whose length does not depend on the checksum's value (64 hex
/// digits), is written first with zeros there and filled in at the end. `progress` gets the
/// bytes written, as the share `units` after the copy's. `ready` is asked, once the file is
/// synced, whether it may be linked into place (the page check of the database file).
#[allow(clippy::too_many_arguments)]
fn write_container(
    export: &Path,
    out: &Path,
    kf: &KeyFile,
    store_id: &str,
    schema_version: u32,
    progress: &mut Reporter<'_>,
    units: u64,
    ready: &mut dyn FnMut() -> Result<()>,
) -> Result<BackupInfo> {
    use std::io::{Seek, SeekFrom};
    let io = |e| fsutil::io_error("writing the backup", e);
    let db_len = fs::metadata(export).map_err(io)?.len();
    let mut header = Header {
        format: "varna-backup".into(),
        created_at: super::now_text(),
        store_id: store_id.to_string(),
        schema_version,
        db_len,
        db_sha256: "0".repeat(64),
        key_file: String::from_utf8(kf.to_bytes()).expect("key files are UTF-8"),
    };
    let placeholder = serde_json::to_vec(&header).expect("header serialises");
    let base = progress.total() - units;
    let tmp = fsutil::temp_sibling(out);
    let mut refused = None;
    let written = (|| -> std::io::Result<()> {
        let mut f = new_private_file(&tmp)?;
        f.write_all(MAGIC)?;
        f.write_all(&(placeholder.len() as u32).to_le_bytes())?;
        f.write_all(&placeholder)?;
        let mut src = File::open(export)?;
        let mut ctx = digest::Context::new(&digest::SHA256);
        let mut buf = vec![0u8; 1024 * 1024];
        let mut copied = 0u64;
        loop {
            let n = src.read(&mut buf)?;
            if n == 0 {
                break;
            }
            ctx.update(&buf[..n]);
            f.write_all(&buf[..n])?;
            copied += n as u64;
            progress.report(
                ProgressStep::Write,
                base + crate::progress::scale(copied, db_len, units),
            );
        }
        if copied != db_len {
            return Err(std::io::Error::other(
                "the backup's copy changed while written",
            ));
        }
        header.db_sha256 = hex::encode(ctx.finish());
        let header_bytes = serde_json::to_vec(&header).expect("header serialises");
        if header_bytes.len() != placeholder.len() {
            return Err(std::io::Error::other(
                "the backup header changed its length",
            ));
        }
        f.seek(SeekFrom::Start((MAGIC.len() + 4) as u64))?;
        f.write_all(&header_bytes)?;
        f.sync_all()?;
        drop(f);
        if let Err(e) = ready() {
            refused = Some(e);
            return Err(std::io::Error::other("refused"));
        }
        // Create-new semantics for the finished file: a hard link fails on an existing
        // file or link instead of replacing it (a rename would replace it silently).
        fs::hard_link(&tmp, out)?;
        fs::remove_file(&tmp)?;
        fsutil::sync_dir(fsutil::parent_of(out))
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        if let Some(refused) = refused {
            return Err(refused);
        }
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            return Err(Error::Conflict(format!(
                "{} already exists; nothing was overwritten",
                out.display()
            )));
        }
        return Err(io(e));
    }
    Ok(info(&header))
}

/// Reads and checks the magic and header; returns the header and where the database starts.
fn read_header(file: &Path) -> Result<(Header, u64)> {
    let mut f = File::open(file).map_err(|e| fsutil::io_error("reading the backup", e))?;
    let total = f
        .metadata()
        .map_err(|e| fsutil::io_error("reading the backup", e))?
        .len();
    let mut magic = [0u8; MAGIC.len()];
    f.read_exact(&mut magic).map_err(|_| not_a_backup())?;
    if magic != MAGIC {
        return Err(not_a_backup());
    }
    let mut len = [0u8; 4];
    f.read_exact(&mut len).map_err(|_| not_a_backup())?;
    let len = u32::from_le_bytes(len);
    if len > MAX_HEADER {
        return Err(not_a_backup());
    }
    let mut header = vec![0u8; len as usize];
    f.read_exact(&mut header).map_err(|_| not_a_backup())?;
    let header: Header = serde_json::from_slice(&header).map_err(|_| not_a_backup())?;
    let start = (MAGIC.len() + 4) as u64 + u64::from(len);
    if header.format != "varna-backup" || total != start + header.db_len {
        return Err(not_a_backup());
    }
    Ok((header, start))
}

fn open_reader(file: &Path, start: u64) -> Result<BufReader<File>> {
    let mut f = File::open(file).map_err(|e| fsutil::io_error("reading the backup", e))?;
    std::io::copy(&mut (&mut f).take(start), &mut std::io::sink())
        .map_err(|e| fsutil::io_error("reading the backup", e))?;
    Ok(BufReader::new(f))
}

/// Hashes exactly `len` bytes from `reader`, copying them to `out` when given; `copied` gets
/// the bytes done so far.
fn hash_copy(
    reader: &mut impl Read,
    len: u64,
    mut out: Option<&mut File>,
    copied: &mut dyn FnMut(u64),
) -> Result<String> {
    let mut ctx = digest::Context::new(&digest::SHA256);
    let mut left = len;
    let mut buf = vec![0u8; 1024 * 1024];
    while left > 0 {
        let want = buf.len().min(left as usize);
        let n = reader
            .read(&mut buf[..want])
            .map_err(|e| fsutil::io_error("reading the backup", e))?;
        if n == 0 {
            return Err(not_a_backup());
        }
        ctx.update(&buf[..n]);
        if let Some(out) = out.as_mut() {
            out.write_all(&buf[..n])
                .map_err(|e| fsutil::io_error("restoring the backup", e))?;
        }
        left -= n as u64;
        copied(len - left);
    }
    Ok(hex::encode(ctx.finish()))
}

/// After how many days without a backup the app reminds an administratör, unless the
/// setting ([`Store::set_backup_reminder_days`]) says otherwise.
pub const BACKUP_REMINDER_DAYS: i64 = super::Settings::DEFAULT_BACKUP_REMINDER_DAYS as i64;

/// The newest backup is older than the set number of days (or there is none, and the store
/// is older than that).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupReminder {
    /// When the newest backup was written (from the access log); `None` if never.
    pub last_backup_at: Option<String>,
    /// The limit, in days.
    pub days: i64,
}

impl Store {
    /// A reminder for an administratör when the last backup is overdue; `None` when it is
    /// not, and for every other role.
    pub fn backup_reminder(&self) -> Result<Option<BackupReminder>> {
        self.backup_reminder_at(chrono::Utc::now())
    }

    /// [`Store::backup_reminder`] as if it were `now`.
    pub fn backup_reminder_at(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<BackupReminder>> {
        if self.actor().role != Role::Administrator {
            return Ok(None);
        }
        let at = |sql: &str| -> Result<Option<String>> {
            use rusqlite::OptionalExtension;
            self.conn()
                .query_row(sql, [], |r| r.get(0))
                .optional()
                .db("reading the last backup")
        };
        let last_backup_at =
            at("SELECT at FROM audit_log WHERE event = 'backup' ORDER BY seq DESC LIMIT 1")?;
        // Without any backup, count from the store's first log row (its setup).
        let since = match &last_backup_at {
            Some(t) => Some(t.clone()),
            None => at("SELECT at FROM audit_log ORDER BY seq ASC LIMIT 1")?,
        };
        let Some(since) = since.and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok()) else {
            return Ok(None);
        };
        let days = i64::from(self.settings()?.backup_reminder_days);
        let age = now.signed_duration_since(since.with_timezone(&chrono::Utc));
        Ok(
            (age >= chrono::Duration::days(days)).then_some(BackupReminder {
                last_backup_at,
                days,
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::{FirstRun, Store, DB_FILE};
    use crate::db::{open_db, OpenMode};
    use crate::progress::ProgressStep;

    /// When another connection reads the store, the file cannot be held still: the backup is
    /// copied page by page, and restores as well.
    #[test]
    fn with_another_reader_the_backup_is_copied_page_by_page_and_restores() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let (mut store, _) = Store::create_first_run(
            &data,
            FirstRun {
                admin_username: "admin",
                admin_display_name: "Admin",
                passphrase: "admin passphrase 1",
                unit_code: "IFO",
                unit_name: "Individ- och familjeomsorg",
            },
        )
        .unwrap();
        store.add_unit("VUX", "Vuxen").unwrap();
        // A reader in the middle of a transaction, on a snapshot that includes the log.
        let other = open_db(
            &data.join(DB_FILE),
            &store.db_key,
            store.page_mac,
            OpenMode::Existing,
        )
        .map_err(|_| "open")
        .unwrap();
        other.execute_batch("BEGIN").unwrap();
        let _: i64 = other
            .query_row("SELECT count(*) FROM units", [], |r| r.get(0))
            .unwrap();
        let file = dir.path().join("b.varnabackup");
        let mut steps = Vec::new();
        store
            .backup_to_with_progress(&file, |p| {
                if steps.last() != Some(&p.step) {
                    steps.push(p.step);
                }
            })
            .unwrap();
        assert_eq!(
            steps,
            [
                ProgressStep::Check,
                ProgressStep::Copy,
                ProgressStep::Write,
                ProgressStep::Done
            ]
        );
        other.execute_batch("COMMIT").unwrap();
        drop(other);
        store.add_unit("LATER", "After the backup").unwrap();
        store.lock();
        let restored = Store::restore_from(&data, &file, "admin", "admin passphrase 1").unwrap();
        let codes: Vec<String> = restored
            .list_units()
            .unwrap()
            .into_iter()
            .map(|u| u.code)
            .collect();
        assert_eq!(codes, ["IFO", "VUX"]);
    }

    /// A page whose MAC does not match refuses the backup, and no file is left.
    #[test]
    fn a_damaged_page_refuses_the_backup() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let (mut store, _) = Store::create_first_run(
            &data,
            FirstRun {
                admin_username: "admin",
                admin_display_name: "Admin",
                passphrase: "admin passphrase 1",
                unit_code: "IFO",
                unit_name: "Individ- och familjeomsorg",
            },
        )
        .unwrap();
        for i in 0..200 {
            store.add_unit(&format!("U{i:03}"), "En enhet").unwrap();
        }
        // Everything in the file (a backup checkpoints the log), then one byte of a page in
        // the middle of the file changed on disk.
        store
            .backup_to(&dir.path().join("first.varnabackup"))
            .unwrap();
        let db = data.join(DB_FILE);
        let mut bytes = std::fs::read(&db).unwrap();
        let page = 4096;
        let middle = (bytes.len() / page / 2) * page + 100;
        bytes[middle] ^= 0x55;
        std::fs::write(&db, &bytes).unwrap();
        let out = dir.path().join("second.varnabackup");
        let err = store.backup_to(&out).unwrap_err();
        assert!(
            matches!(err, crate::Error::Corrupt(ref m) if m.contains("HMAC")),
            "{err:?}"
        );
        assert!(!out.exists());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n.to_string_lossy().starts_with('.'))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
