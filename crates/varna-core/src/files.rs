//! Reading and writing files the user points at (instrument files, count files to merge,
//! backups, exports) without surprises: every read is bounded and takes regular files only
//! (a FIFO would hang the app, a device or a huge file would exhaust memory, a link could
//! lead anywhere), and every output file is created new, never written through an existing
//! file or link.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Largest instrument definition file read (they are a few KiB).
pub const MAX_INSTRUMENT_BYTES: u64 = 1024 * 1024;
/// Largest count file read for a merge.
pub const MAX_EXPORT_BYTES: u64 = 32 * 1024 * 1024;

/// Reads a regular file of at most `max` bytes. Links, folders, FIFOs and devices are
/// refused without blocking; so is a larger file. The error names the file.
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>> {
    let context = format!("reading {}", path.display());
    match crate::fsutil::read_bounded(path, max) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(Error::io(
            context,
            std::io::Error::new(std::io::ErrorKind::NotFound, "the file does not exist"),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            Err(Error::InvalidInput(format!("{}: {e}", path.display())))
        }
        Err(e) => Err(Error::io(context, e)),
    }
}

/// Creates `path` as a new file readable by its owner only and writes `bytes` to it,
/// durably. An existing file or link at `path` is never touched: that is
/// [`Error::Conflict`], so the caller can choose another name.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f: File = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::Conflict(format!(
                "{} already exists; nothing was overwritten",
                path.display()
            )))
        }
        Err(e) => return Err(Error::io(format!("writing {}", path.display()), e)),
    };
    let written = f.write_all(bytes).and_then(|_| f.sync_all());
    if let Err(e) = written {
        drop(f);
        let _ = std::fs::remove_file(path);
        return Err(Error::io(format!("writing {}", path.display()), e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_file_or_link_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("precious");
        std::fs::write(&target, b"keep me").unwrap();
        let err = write_new(&target, b"new").unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Conflict);
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&target, &link).unwrap();
            assert!(write_new(&link, b"new").is_err());
        }
        assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
        write_new(&dir.path().join("fresh"), b"ok").unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_a_link_a_folder_and_a_large_file_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert_eq!(
            read_regular(&fifo, 100).unwrap_err().code(),
            crate::ErrorCode::InvalidInput
        );
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'x'; 101]).unwrap();
        assert!(read_regular(&big, 100).is_err());
        assert_eq!(read_regular(&big, 101).unwrap().len(), 101);
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&big, &link).unwrap();
        assert!(read_regular(&link, 1000).is_err());
        assert!(read_regular(dir.path(), 1000).is_err());
    }
}
