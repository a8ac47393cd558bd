//! Small file-system helpers: atomic replacement of small files and directory syncing.
//!
//! Every file the store writes outside SQLite (key file, its backup copy, the unlock-failure
//! counter, backups, restore staging) goes through [`atomic_write`], so a crash or a full
//! disk leaves either the old file or the new one, never a mix.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, `fsync`, rename
/// over the target, then `fsync` of the folder. On any error the temporary file is removed
/// and the target is left as it was.
pub(crate) fn atomic_write(path: &Path, bytes: &[u8], what: &str) -> Result<()> {
    let tmp = temp_sibling(path);
    let result = (|| -> std::io::Result<()> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        sync_dir(parent_of(path))
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(io_error(&format!("writing the {what}"), e));
    }
    Ok(())
}

/// A unique temporary name beside `path` (same folder, so `rename` stays atomic).
pub(crate) fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parent_of(path).join(format!(".{name}.tmp-{}", uuid::Uuid::new_v4().simple()))
}

/// `fsync` on a folder so that a rename or a new file in it is durable.
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    // Opening a directory read-only and calling fsync is the POSIX way; on Windows this is
    // not possible and renames are durable through the file system's own journal.
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
    }
    Ok(())
}

pub(crate) fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Reads a regular file of at most `max` bytes. Symlinks, folders, FIFOs and devices are
/// refused without blocking (a FIFO would hang the reader); `Ok(None)` when it is missing.
pub(crate) fn read_bounded(path: &Path, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::{Error as IoError, ErrorKind, Read};
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if !meta.file_type().is_file() {
        return Err(IoError::new(
            ErrorKind::InvalidInput,
            "not a regular file (a link, folder or special file)",
        ));
    }
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(IoError::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    if meta.len() > max {
        return Err(IoError::new(
            ErrorKind::InvalidInput,
            format!("the file is larger than {max} bytes"),
        ));
    }
    let mut out = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1).read_to_end(&mut out)?;
    if out.len() as u64 > max {
        return Err(IoError::new(
            ErrorKind::InvalidInput,
            format!("the file is larger than {max} bytes"),
        ));
    }
    Ok(Some(out))
}

/// Removes a file if it exists; a missing file is not an error.
pub(crate) fn remove_if_exists(path: &Path) -> std::io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Wraps an I/O error with a context, turning the raw OS codes for a full disk, a file-size
/// limit and a read-only file system into the kinds the shell maps to clear messages.
pub(crate) fn io_error(context: &str, e: std::io::Error) -> Error {
    let kind = match e.raw_os_error() {
        #[cfg(unix)]
        Some(code) if code == 28 /* ENOSPC */ || code == 27 /* EFBIG */ => {
            std::io::ErrorKind::StorageFull
        }
        #[cfg(unix)]
        Some(30 /* EROFS */) => std::io::ErrorKind::ReadOnlyFilesystem,
        _ => e.kind(),
    };
    let message = match kind {
        std::io::ErrorKind::StorageFull => "the disk is full or the file cannot grow".to_string(),
        std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied => {
            "the data folder is read-only or not accessible".to_string()
        }
        _ => e.to_string(),
    };
    Error::io(context, std::io::Error::new(kind, message))
}
