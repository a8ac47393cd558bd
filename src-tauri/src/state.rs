//! The shell's state: where the data lives and, while unlocked, the open store.
//!
//! The store sits behind a mutex as `Option<Store>`: `None` while locked. Locking takes it
//! out and drops it, which closes the database and wipes the key from memory.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use varna_core::store::Store;
use varna_core::Error;

/// Shared state of the running app.
pub struct AppState {
    pub data_dir: PathBuf,
    store: Mutex<Option<Store>>,
    /// When the shell started, and how long the UI took to show its first usable screen.
    started: Instant,
    ready_after: OnceLock<Duration>,
}

impl AppState {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            store: Mutex::new(None),
            started: Instant::now(),
            ready_after: OnceLock::new(),
        }
    }

    /// Records that the first screen is usable. Returns the time since start the first time
    /// only; later calls (a reloaded page, a second screen) return `None`.
    pub fn mark_ready(&self) -> Option<Duration> {
        let mut first = false;
        let after = *self.ready_after.get_or_init(|| {
            first = true;
            self.started.elapsed()
        });
        first.then_some(after)
    }

    fn slot(&self) -> MutexGuard<'_, Option<Store>> {
        // A panic while holding the lock must not make the app unusable: the store's own
        // transactions keep the database consistent, so the inner value is still valid.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn is_unlocked(&self) -> bool {
        self.slot().is_some()
    }

    /// Puts an unlocked store in place (replacing and locking any previous one).
    pub fn set_store(&self, store: Store) {
        if let Some(old) = self.slot().replace(store) {
            old.lock();
        }
    }

    /// Locks: drops the store, closing the database and zeroizing the key.
    pub fn lock(&self) {
        if let Some(store) = self.slot().take() {
            store.lock();
        }
    }

    /// Runs `f` on the unlocked store, or fails with `Locked`.
    pub fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut slot = self.slot();
        let store = slot.as_mut().ok_or(Error::Locked)?;
        f(store)
    }

    /// Folder with the organisation's own instrument files (beside the shipped ones).
    pub fn instruments_dir(&self) -> PathBuf {
        std::env::var_os("VARNA_INSTRUMENTS_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| self.data_dir.join("instruments"))
    }
}

/// The data folder: `VARNA_DATA_DIR` when set (tests, portable use), otherwise the
/// platform's per-user application data folder (on Linux `$XDG_DATA_HOME/se.varna.app`,
/// usually `~/.local/share/se.varna.app`).
pub fn resolve_data_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("VARNA_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .or_else(|| std::env::var_os("APPDATA").map(PathBuf::from))
        .ok_or_else(|| "cannot find a data folder; set VARNA_DATA_DIR".to_string())?;
    Ok(base.join("se.varna.app"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_is_reported_once() {
        let state = AppState::new(PathBuf::from("/nonexistent"));
        std::thread::sleep(Duration::from_millis(5));
        let first = state.mark_ready().expect("the first call reports");
        assert!(first >= Duration::from_millis(5), "{first:?}");
        assert_eq!(state.mark_ready(), None);
        assert_eq!(state.mark_ready(), None);
    }
}
