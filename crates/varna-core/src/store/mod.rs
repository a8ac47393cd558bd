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
//! [`Store`] itself is the handle of the `db` layer below (with `audit`'s sealed
//! [`Store::with_tx`], which every module writes through); this module adds the key file and
//! its slots, the ways in (`lifecycle`), accounts, units, settings and backups. Other core
//! modules add their tables by appending to [`migrations::MIGRATIONS`].

mod accounts;
mod anchor;
mod backup;
mod keyfile;
mod lifecycle;
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
use std::path::Path;

use rusqlite::Connection;

pub use crate::db::Store;
pub use accounts::{Account, AccountOverview, NewAccount, PassphraseNotice, Role, Unit};
pub use backup::{
    BackupInfo, BackupOrigin, BackupReminder, RestoreCredential, BACKUP_REMINDER_DAYS,
};
pub use keyfile::KdfParams;
pub use recovery::RecoveryKey;
pub use rekey::Rekeyed;
pub use settings::Settings;

pub use throttle::{UnlockDelay, FREE_ATTEMPTS};

use crate::db::{now_text, open_db, OpenError, OpenMode};
use crate::error::{db_error, DbContext, Error, Result};
use crate::fsutil;
use keyfile::KeyFile;
use lifecycle::UnlockNotes;

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

impl Store {
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
