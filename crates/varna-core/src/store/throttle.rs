//! The unlock delay after repeated wrong passphrases, per account, kept in the key file.
//!
//! Each username that is tried (by its salted tag, so no name is stored) and the recovery
//! key have their own record in the key file ([`super::keyfile::Throttle`]): a failed
//! attempt on one account never delays another, so nobody can lock out the whole unit by
//! typing wrong passphrases for one name. After [`FREE_ATTEMPTS`] failures every further
//! attempt on that account must wait `30 s × 2^(failures − 5)`, at most one hour. A
//! successful unlock clears the account's record; every failure is written to the access
//! log at the next successful unlock of any account.
//!
//! Attempts are serialised by an exclusive lock on `varna.lock` in the data folder
//! ([`Gate`]), held from reading the key file to writing the outcome, so parallel attempts
//! (two windows, the app and the CLI) cannot all pass the check before a failure counts.
//!
//! Fail-safe without lockout: the records live inside the checksummed key file (a garbled
//! copy falls back to the backup copy; deleting one small file does not reset anything),
//! and a record whose time lies in the future (a clock set back, or an edited file) is
//! clamped to now, so the longest possible wait is one hour from the next attempt.
//! Whoever can rewrite the key file can still reset the records; such a person can also
//! copy the files and guess offline, where Argon2id is the defence (docs/SECURITY.md).

use std::fs::{File, OpenOptions};
use std::path::Path;

use serde::Serialize;

use super::fsutil;
use super::keyfile::{KeyFile, Throttle, RECOVERY_SLOT};
use crate::error::{Error, Result};

/// The lock file that serialises unlock attempts and key-file updates.
pub(crate) const LOCK_FILE: &str = "varna.lock";
/// The old per-folder counter, replaced by the records in the key file; removed when seen.
pub(crate) const LEGACY_STATE_FILE: &str = "varna.unlock-state";
/// Failed attempts allowed before a delay applies.
pub const FREE_ATTEMPTS: u32 = 5;
const BASE_DELAY_SECONDS: u64 = 30;
const MAX_DELAY_SECONDS: u64 = 3600;

/// How things stand with failed unlock attempts of one account, for the lock screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub struct UnlockDelay {
    /// Failed attempts since the last successful unlock.
    pub failures: u32,
    /// Seconds to wait before the next attempt is accepted (0 = now).
    pub wait_seconds: u64,
}

/// An exclusive lock on the data folder's `varna.lock`, held while an unlock attempt or a
/// key-file update runs. Released when dropped.
pub(crate) struct Gate {
    file: File,
}

impl Gate {
    pub(crate) fn acquire(data_dir: &Path) -> Result<Gate> {
        let path = data_dir.join(LOCK_FILE);
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
        }
        let file = match options.open(&path) {
            Ok(f) => f,
            // A read-only folder: an existing lock file can still be locked for reading.
            Err(e) if path.is_file() && e.kind() == std::io::ErrorKind::PermissionDenied => {
                File::open(&path).map_err(|e| fsutil::io_error("locking the data folder", e))?
            }
            Err(e) => return Err(fsutil::io_error("locking the data folder", e)),
        };
        file.lock()
            .map_err(|e| fsutil::io_error("locking the data folder", e))?;
        Ok(Gate { file })
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// The record bucket of a passphrase attempt for a (normalised) username.
pub(crate) fn user_bucket(kf: &KeyFile, username: &str) -> String {
    kf.user_tag(username)
}

/// The record bucket of recovery-key attempts.
pub(crate) fn recovery_bucket() -> String {
    RECOVERY_SLOT.to_string()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The delay that `failures` earn.
pub(crate) fn delay_for(failures: u32) -> u64 {
    if failures < FREE_ATTEMPTS {
        return 0;
    }
    let exp = (failures - FREE_ATTEMPTS).min(16);
    (BASE_DELAY_SECONDS << exp).min(MAX_DELAY_SECONDS)
}

/// The delay of a record at `now`. A last failure in the future counts as now.
pub(crate) fn delay_at(record: Throttle, now: i64) -> UnlockDelay {
    let delay = delay_for(record.failures);
    let elapsed = (now - record.last_failure.min(now)).max(0) as u64;
    UnlockDelay {
        failures: record.failures,
        wait_seconds: delay.saturating_sub(elapsed),
    }
}

/// The current delay of a bucket, as the lock screen should show it.
pub(crate) fn current(kf: &KeyFile, bucket: &str) -> UnlockDelay {
    delay_at(kf.throttle_of(bucket), now())
}

/// Refuses an attempt while the bucket's delay runs. A record dated in the future is first
/// clamped to now and written back, so it can never keep an account locked for longer
/// than one delay.
pub(crate) fn check(data_dir: &Path, kf: &mut KeyFile, bucket: &str) -> Result<()> {
    let mut record = kf.throttle_of(bucket);
    let now = now();
    if record.last_failure > now {
        record.last_failure = now;
        kf.set_throttle(bucket, record);
        let _ = kf.write(data_dir);
    }
    let c = delay_at(record, now);
    if c.wait_seconds > 0 {
        Err(Error::RateLimited {
            wait_seconds: c.wait_seconds,
        })
    } else {
        Ok(())
    }
}

/// Counts a failed attempt and writes the key file. A failure to write (read-only folder)
/// is ignored: the caller's own error is the one to report.
pub(crate) fn record_failure(data_dir: &Path, kf: &mut KeyFile, bucket: &str) {
    let mut record = kf.throttle_of(bucket);
    record.failures = record.failures.saturating_add(1);
    record.last_failure = now();
    kf.set_throttle(bucket, record);
    let _ = kf.write(data_dir);
}

/// Removes the old per-folder counter file (its single count is superseded by the
/// per-account records; it is not secret).
pub(crate) fn remove_legacy_file(data_dir: &Path) {
    let legacy = data_dir.join(LEGACY_STATE_FILE);
    if legacy.symlink_metadata().is_ok() {
        if legacy.is_dir() {
            let _ = std::fs::remove_dir_all(&legacy);
        } else {
            let _ = fsutil::remove_if_exists(&legacy);
        }
        let _ = fsutil::sync_dir(data_dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_starts_after_five_failures_and_doubles_up_to_an_hour() {
        assert_eq!(delay_for(0), 0);
        assert_eq!(delay_for(4), 0);
        assert_eq!(delay_for(5), 30);
        assert_eq!(delay_for(6), 60);
        assert_eq!(delay_for(7), 120);
        assert_eq!(delay_for(12), 3600);
        assert_eq!(delay_for(u32::MAX), 3600);
    }

    #[test]
    fn a_record_dated_in_the_future_waits_one_delay_at_most() {
        let now = 1_000_000;
        let far_future = Throttle {
            failures: u32::MAX,
            last_failure: now + 10 * 365 * 86_400,
            logged: 0,
        };
        let d = delay_at(far_future, now);
        assert_eq!(d.wait_seconds, MAX_DELAY_SECONDS);
        let later = delay_at(
            Throttle {
                last_failure: now,
                ..far_future
            },
            now + MAX_DELAY_SECONDS as i64,
        );
        assert_eq!(later.wait_seconds, 0);
    }
}
