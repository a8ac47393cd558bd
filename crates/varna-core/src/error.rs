//! The core's error type.
//!
//! Every error carries a stable machine-readable [`ErrorCode`] so that the shell can map it
//! to a translated message for the user, and never has to show a Rust panic text or a
//! library's internal message.

use serde::Serialize;

/// A stable code for each class of error. The UI translates these; they never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Input from the user or a caller did not fit (wrong type, unknown item, empty name…).
    InvalidInput,
    /// An instrument definition file could not be loaded.
    InvalidInstrument,
    /// The passphrase or recovery key did not unlock the store.
    WrongPassphrase,
    /// A new passphrase is too easy to guess (the strength estimate is too low).
    WeakPassphrase,
    /// Too many failed attempts; the caller must wait.
    RateLimited,
    /// The store is locked; unlock first.
    Locked,
    /// The signed-in account's role does not allow this.
    Forbidden,
    /// The object does not exist.
    NotFound,
    /// The operation conflicts with the object's state (e.g. editing a completed screening).
    Conflict,
    /// The data folder or database is damaged or not a Värna file.
    Corrupt,
    /// A count file is signed by a key this installation does not trust (unknown, withdrawn,
    /// or different from the key trusted for that installation).
    UntrustedSender,
    /// The operating system refused a file operation (disk full, read-only folder…).
    Io,
    /// Something the program did not expect; a bug.
    Internal,
}

/// The core's error. `code()` gives the stable class, `Display` an English explanation
/// meant for logs and the CLI (never containing answer content).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    InvalidInstrument(String),
    #[error("wrong passphrase or recovery key")]
    WrongPassphrase,
    /// The message is Swedish (the CLI prints it; the app translates the code).
    #[error("{0}")]
    WeakPassphrase(String),
    #[error("too many failed attempts; try again in {wait_seconds} s")]
    RateLimited { wait_seconds: u64 },
    #[error("the store is locked")]
    Locked,
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Corrupt(String),
    #[error("{0}")]
    UntrustedSender(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The stable class of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::InvalidInstrument(_) => ErrorCode::InvalidInstrument,
            Error::WrongPassphrase => ErrorCode::WrongPassphrase,
            Error::WeakPassphrase(_) => ErrorCode::WeakPassphrase,
            Error::RateLimited { .. } => ErrorCode::RateLimited,
            Error::Locked => ErrorCode::Locked,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::Corrupt(_) => ErrorCode::Corrupt,
            Error::UntrustedSender(_) => ErrorCode::UntrustedSender,
            Error::Io { .. } => ErrorCode::Io,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Wraps an I/O error with what was being done when it happened.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

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

/// Every row of a prepared statement as a value: `stmt.rows([id], "reading x", |r| …)` in
/// place of `query_map`, `collect` and the error context written out at each reader.
pub(crate) trait RowsExt {
    fn rows<T, P, F>(&mut self, params: P, context: &str, map: F) -> Result<Vec<T>>
    where
        P: rusqlite::Params,
        F: FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>;
}

impl RowsExt for rusqlite::Statement<'_> {
    fn rows<T, P, F>(&mut self, params: P, context: &str, map: F) -> Result<Vec<T>>
    where
        P: rusqlite::Params,
        F: FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.query_map(params, map)
            .and_then(|rows| rows.collect())
            .db(context)
    }
}

/// Maps a SQLite error to the core's error without passing on any of the library's text
/// (which could, for a constraint, name a value).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_stable_snake_case_strings() {
        let json = serde_json::to_string(&Error::WrongPassphrase.code()).unwrap();
        assert_eq!(json, "\"wrong_passphrase\"");
        let json = serde_json::to_string(&Error::RateLimited { wait_seconds: 3 }.code()).unwrap();
        assert_eq!(json, "\"rate_limited\"");
    }

    #[test]
    fn io_errors_keep_their_context() {
        let e = Error::io(
            "writing key file",
            std::io::Error::new(std::io::ErrorKind::StorageFull, "no space"),
        );
        assert_eq!(e.code(), ErrorCode::Io);
        assert!(e.to_string().starts_with("writing key file: "));
    }
}
