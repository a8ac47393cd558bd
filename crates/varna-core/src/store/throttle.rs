//! The failed-unlock counter (`varna.unlock-state`), kept on disk so that the delay after
//! repeated wrong passphrases survives a restart of the app.
//!
//! The file holds only a count and a time; it is not secret. After [`FREE_ATTEMPTS`] failures
//! every further attempt must wait `30 s × 2^(failures − 5)`, at most one hour. A successful
//! unlock resets the count. Anyone who can write the data folder can reset the counter, but
//! such a person can also copy the files and attack them offline, where Argon2id is the
//! protection; the counter is against guessing at the keyboard.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::fsutil;
use crate::error::{Error, Result};

pub(crate) const STATE_FILE: &str = "varna.unlock-state";
/// Failed attempts allowed before a delay applies.
pub const FREE_ATTEMPTS: u32 = 5;
const BASE_DELAY_SECONDS: u64 = 30;
const MAX_DELAY_SECONDS: u64 = 3600;

/// How things stand with failed unlock attempts, for the lock screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UnlockDelay {
    /// Failed attempts since the last successful unlock.
    pub failures: u32,
    /// Seconds to wait before the next attempt is accepted (0 = now).
    pub wait_seconds: u64,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct State {
    failures: u32,
    /// Unix seconds of the last failure.
    last_failure: i64,
}

fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(STATE_FILE)
}

fn read(data_dir: &Path) -> State {
    // A missing or unreadable state file counts as "no failures" only when it is missing; a
    // damaged one keeps the maximum delay rather than letting someone reset it by garbling it.
    match fs::read(path(data_dir)) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or(State {
            failures: FREE_ATTEMPTS + 7,
            last_failure: now(),
        }),
        Err(_) => State::default(),
    }
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

/// The current delay, as the lock screen should show it.
pub(crate) fn current(data_dir: &Path) -> UnlockDelay {
    let state = read(data_dir);
    let delay = delay_for(state.failures);
    let elapsed = now() - state.last_failure;
    let wait_seconds = if delay == 0 {
        0
    } else if elapsed < 0 {
        // The clock was set back: wait the whole delay from now.
        delay
    } else {
        delay.saturating_sub(elapsed as u64)
    };
    UnlockDelay {
        failures: state.failures,
        wait_seconds,
    }
}

/// Refuses an attempt while a delay is running.
pub(crate) fn check(data_dir: &Path) -> Result<()> {
    let c = current(data_dir);
    if c.wait_seconds > 0 {
        Err(Error::RateLimited {
            wait_seconds: c.wait_seconds,
        })
    } else {
        Ok(())
    }
}

/// Counts a failed attempt. A failure to write the counter (read-only folder) is ignored:
/// the caller's own error is the one to report.
pub(crate) fn record_failure(data_dir: &Path) {
    let mut state = read(data_dir);
    state.failures = state.failures.saturating_add(1);
    state.last_failure = now();
    let bytes = serde_json::to_vec(&state).expect("state serialises");
    let _ = fsutil::atomic_write(&path(data_dir), &bytes, "unlock state");
}

/// Resets the counter after a successful unlock.
pub(crate) fn reset(data_dir: &Path) {
    if path(data_dir).exists() {
        let _ = fsutil::remove_if_exists(&path(data_dir));
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
}
