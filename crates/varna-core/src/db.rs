//! The open database: [`Store`], the handle every core module works through (an unlocked
//! SQLCipher connection, its key and the signed-in account), how a database file is opened
//! and checked, and the stored time format.
//!
//! This is the lowest layer that knows the database: it uses only `access`, `error` and
//! `fsutil`. Each module above adds its operations to [`Store`] in its own `impl Store`
//! block (the access log's sealed transaction, `Store::with_tx`, is in `audit::chain`; the
//! ways in, unlock and setup, are in `store::lifecycle`). What a module above keeps on the
//! open store (the autosave's cache, the access-log check at unlock) sits in an opaque slot
//! here, so this layer never names those modules.

use std::any::Any;
use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::access::{Account, Actor, Role};
use crate::error::{db_error, DbContext, Error, Result};
use crate::fsutil;

/// The raw 256-bit database key.
pub(crate) type DbKey = Zeroizing<[u8; 32]>;

/// The MAC SQLCipher puts on every page of the database (and of its backups). The key file
/// says which one its database uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum PageMac {
    /// SQLCipher 4's default. Stores set up before the key file named its page MAC use it.
    #[default]
    HmacSha512,
    /// What new stores use: a MAC as strong for this purpose (256-bit tags, 256-bit keys)
    /// and about twice as fast on processors with SHA extensions, which every autosave
    /// feels (docs/BENCHMARKS.md).
    HmacSha256,
}

impl PageMac {
    /// The `PRAGMA [schema.]cipher_hmac_algorithm` statement that selects it.
    pub(crate) fn pragma(self, schema: &str) -> String {
        let name = match self {
            PageMac::HmacSha512 => "HMAC_SHA512",
            PageMac::HmacSha256 => "HMAC_SHA256",
        };
        format!("PRAGMA {schema}.cipher_hmac_algorithm = {name};")
    }
}

/// An unlocked store with a signed-in account.
pub struct Store {
    pub(crate) data_dir: PathBuf,
    pub(crate) conn: Connection,
    pub(crate) db_key: DbKey,
    pub(crate) store_id: String,
    /// The page MAC of the database (from the key file); backups get the same.
    pub(crate) page_mac: PageMac,
    pub(crate) actor: Account,
    /// What the check of the access log found at unlock (kept by `audit`, which sits above
    /// this layer: an `audit::AuditReport`).
    pub(crate) audit_report: Option<Box<dyn Any + Send>>,
    /// What the last autosave left behind (owned by `screening`: its `DraftCache`); every
    /// other write drops it.
    pub(crate) draft_cache: Option<Box<dyn Any + Send>>,
    /// A retention run begun at unlock and not finished there (owned by `retention`), for
    /// the shell to drive batch by batch.
    pub(crate) retention_pending: Option<Box<dyn Any + Send>>,
    /// How long [`Store::unlock`] took up to the first reads of the opened database (key
    /// file, key derivation, unwrapping, opening, schema check, the account), before the
    /// access-log check and the sign-in record. For benchmark 2.
    pub(crate) opened_in: Option<std::time::Duration>,
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

    /// What the access-log check at unlock left (see [`Store::audit_report`]).
    pub(crate) fn audit_report_at_unlock<T: Any>(&self) -> Option<&T> {
        self.audit_report.as_ref()?.downcast_ref()
    }

    pub(crate) fn set_audit_report_at_unlock<T: Any + Send>(&mut self, report: T) {
        self.audit_report = Some(Box::new(report));
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

    /// Takes what the last autosave left behind (`None` after any other write).
    pub(crate) fn take_draft_cache<T: Any>(&mut self) -> Option<Box<T>> {
        self.draft_cache.take()?.downcast().ok()
    }

    pub(crate) fn set_draft_cache<T: Any + Send>(&mut self, cache: Box<T>) {
        self.draft_cache = Some(cache);
    }

    /// Drops what the last autosave left behind (every write does, before it starts).
    pub(crate) fn drop_draft_cache(&mut self) {
        self.draft_cache = None;
    }

    /// Refuses the operation unless the signed-in account is still active and has one of
    /// `allowed`. The role is read afresh, so a change by another administrator applies at once.
    pub(crate) fn require(&self, allowed: &[Role], what: &str) -> Result<()> {
        Actor::load(&self.conn, &self.actor.id)?.require_role(allowed, what)
    }
}

/// `PRAGMA cipher_version` on an in-memory connection (no key, nothing on disk).
pub(crate) fn sqlcipher_version() -> Option<String> {
    let conn = Connection::open_in_memory().ok()?;
    conn.query_row("PRAGMA cipher_version", [], |r| r.get::<_, String>(0))
        .ok()
        .filter(|v| !v.trim().is_empty())
}

/// The current time as stored: RFC 3339, UTC, whole seconds (the wall clock; the
/// screening module reads its own clock, which tests and demo back-dating can set).
pub(crate) fn now_text() -> String {
    time_text(chrono::Utc::now())
}

/// A time as stored: RFC 3339, UTC, whole seconds (`2026-03-01T09:30:00Z`).
pub(crate) fn time_text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
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
