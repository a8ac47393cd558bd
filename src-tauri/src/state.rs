//! The shell's state: where the data lives and, while unlocked, the open store.
//!
//! The store sits behind a mutex as `Option<Store>`: `None` while locked. Locking takes it
//! out and drops it, which closes the database and wipes the key from memory.
//!
//! Auto-lock is decided here, not in the page: every command that reaches the store through
//! [`AppState::with_store`] first asks the idle timer (`varna_core::idle`) whether the limit
//! has passed, locks and answers `Locked` if so, and otherwise counts as activity. The
//! watcher thread (`crate::idle`) asks [`AppState::lock_if_idle`] every few seconds, so the
//! store locks also when no command comes at all (a hung page, the recovery-key screen,
//! a laptop that wakes from suspend: the timer's clock counts the time asleep).
//!
//! The store's mutex is fair (`parking_lot::FairMutex`): releasing it hands it to the
//! longest waiting thread. A long job that takes the store step by step (gallring's
//! batches) therefore lets a waiting autosave in after every step; with an unfair mutex the
//! job's thread could take it again first, and the autosave waited several steps.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use parking_lot::{FairMutex, FairMutexGuard};

use varna_core::idle::{self, Clock, IdleTimer};
use varna_core::store::{Settings, Store};
use varna_core::Error;

/// Called after the store was locked for inactivity (the shell emits `varna://locked`).
type IdleLockHook = Box<dyn Fn() + Send + Sync>;

/// Shared state of the running app.
pub struct AppState {
    pub data_dir: PathBuf,
    store: FairMutex<Option<Store>>,
    /// The auto-lock timer. Lock order: `store` before `idle`, always.
    idle: Mutex<IdleTimer>,
    /// A fixed limit replacing the setting (debug builds only: `VARNA_TEST_IDLE_SECONDS`).
    idle_override: Option<Duration>,
    on_idle_lock: OnceLock<IdleLockHook>,
    /// When the shell started, and how long the UI took to show its first usable screen.
    started: Instant,
    ready_after: OnceLock<Duration>,
}

impl AppState {
    pub fn new(data_dir: PathBuf) -> Self {
        Self::with_clock(
            data_dir,
            Arc::new(idle::BootClock),
            idle_override_from_env(),
        )
    }

    /// The state with the idle timer on `clock`, and optionally a fixed idle limit.
    pub fn with_clock(
        data_dir: PathBuf,
        clock: Arc<dyn Clock>,
        idle_override: Option<Duration>,
    ) -> Self {
        let limit =
            idle_override.unwrap_or_else(|| idle::minutes(Settings::DEFAULT_AUTO_LOCK_MINUTES));
        Self {
            data_dir,
            store: FairMutex::new(None),
            idle: Mutex::new(IdleTimer::with_clock(clock, limit)),
            idle_override,
            on_idle_lock: OnceLock::new(),
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

    fn slot(&self) -> FairMutexGuard<'_, Option<Store>> {
        // No poisoning: a panic while holding the lock must not make the app unusable, and
        // the store's own transactions keep the database consistent.
        self.store.lock()
    }

    fn idle(&self) -> MutexGuard<'_, IdleTimer> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn is_unlocked(&self) -> bool {
        self.slot().is_some()
    }

    /// Puts an unlocked store in place (replacing and locking any previous one) and starts
    /// the idle timer with the store's auto-lock setting.
    pub fn set_store(&self, store: Store) {
        let minutes = store
            .settings()
            .map(|s| s.auto_lock_minutes)
            .unwrap_or(Settings::DEFAULT_AUTO_LOCK_MINUTES);
        let mut slot = self.slot();
        {
            let mut idle = self.idle();
            idle.set_limit(self.limit_for(minutes));
            idle.touch();
        }
        if let Some(old) = slot.replace(store) {
            old.lock();
        }
    }

    /// Locks: drops the store, closing the database and zeroizing the key.
    pub fn lock(&self) {
        if let Some(store) = self.slot().take() {
            store.lock();
        }
    }

    /// Sets what is called after the store was locked for inactivity (once; later calls are
    /// ignored).
    pub fn on_idle_lock(&self, hook: impl Fn() + Send + Sync + 'static) {
        let _ = self.on_idle_lock.set(Box::new(hook));
    }

    /// A new auto-lock setting (minutes) applies at once, to the time already idle.
    pub fn set_auto_lock_minutes(&self, minutes: u32) {
        let limit = self.limit_for(minutes);
        self.idle().set_limit(limit);
    }

    /// The idle limit in force.
    #[cfg(test)]
    pub fn idle_limit(&self) -> Duration {
        self.idle().limit()
    }

    /// How often the watcher thread checks the timer.
    pub fn idle_check_interval(&self) -> Duration {
        match self.idle_override {
            Some(limit) => (limit / 4).clamp(Duration::from_millis(100), Duration::from_secs(1)),
            None => Duration::from_secs(2),
        }
    }

    fn limit_for(&self, minutes: u32) -> Duration {
        self.idle_override.unwrap_or_else(|| idle::minutes(minutes))
    }

    /// Locks the store if it is open and the idle limit has passed; says whether it did.
    /// The watcher thread calls this every few seconds.
    pub fn lock_if_idle(&self) -> bool {
        let mut slot = self.slot();
        let locked = self.take_if_idle(&mut slot);
        drop(slot);
        if locked {
            self.idle_locked();
        }
        locked
    }

    /// With the slot held: if the store is open and the limit has passed, locks it.
    fn take_if_idle(&self, slot: &mut Option<Store>) -> bool {
        if slot.is_none() || !self.idle().should_lock() {
            return false;
        }
        if let Some(store) = slot.take() {
            store.lock();
        }
        true
    }

    fn idle_locked(&self) {
        if let Some(hook) = self.on_idle_lock.get() {
            hook();
        }
    }

    /// Runs `f` on the unlocked store, or fails with `Locked`. The call is activity: it
    /// restarts the idle timer, before and after `f`. Should the idle limit have passed
    /// already (the watcher has not run yet, or the machine just woke up), the store is
    /// locked first and the call fails with `Locked`: no data after the limit.
    pub fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.run(true, f)
    }

    /// Like [`with_store`](Self::with_store) but not activity: for reads of status that the
    /// UI may make without the user doing anything. Still locks when the limit has passed.
    pub fn with_store_passive<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.run(false, f)
    }

    fn run<T>(
        &self,
        activity: bool,
        f: impl FnOnce(&mut Store) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut slot = self.slot();
        if self.take_if_idle(&mut slot) {
            drop(slot);
            self.idle_locked();
            return Err(Error::Locked);
        }
        let store = slot.as_mut().ok_or(Error::Locked)?;
        if activity {
            self.idle().touch();
        }
        let out = f(store);
        if activity {
            // A long command (a backup, retention) ends with the user looking at its result.
            self.idle().touch();
        }
        out
    }

    /// Folder with the organisation's own instrument files (beside the shipped ones).
    pub fn instruments_dir(&self) -> PathBuf {
        varna_core::datadir::instruments_dir(&self.data_dir)
    }
}

/// The idle limit for tests of the auto-lock: `VARNA_TEST_IDLE_SECONDS` replaces the
/// setting (whose minimum is a minute). Compiled into debug builds only; a release build
/// ignores the variable.
#[cfg(debug_assertions)]
fn idle_override_from_env() -> Option<Duration> {
    let secs: f64 = std::env::var("VARNA_TEST_IDLE_SECONDS")
        .ok()?
        .parse()
        .ok()?;
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs))
}

#[cfg(not(debug_assertions))]
fn idle_override_from_env() -> Option<Duration> {
    None
}

/// The data folder: `VARNA_DATA_DIR` when set (tests, portable use), otherwise Värna's own
/// folder by the core's rule (`varna_core::datadir::default_data_dir`: on Linux
/// `~/.local/share/varna`, never the webview's `se.varna.app`). The flag says whether it is
/// the default (only then is a store of an earlier version moved in).
pub fn resolve_data_dir() -> Result<(PathBuf, bool), String> {
    if let Some(dir) = std::env::var_os("VARNA_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok((PathBuf::from(dir), false));
    }
    varna_core::datadir::default_data_dir()
        .map(|d| (d, true))
        .map_err(|e| e.to_string())
}

/// Prepares the data folder at start: private (`0700`, files `0600`), never a symbolic
/// link; for the default folder, a store left by an earlier version in the webview's folder
/// is moved in first.
pub fn prepare_data_dir(dir: &std::path::Path, is_default: bool) -> Result<(), String> {
    use varna_core::datadir;
    datadir::secure_data_dir(dir).map_err(|e| e.to_string())?;
    if is_default {
        if let Some(legacy) = datadir::legacy_data_dir() {
            let moved = datadir::migrate_legacy(&legacy, dir).map_err(|e| e.to_string())?;
            if moved > 0 {
                eprintln!(
                    "varna-app: moved the store from {} to {}",
                    legacy.display(),
                    dir.display()
                );
                datadir::secure_data_dir(dir).map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use varna_core::store::FirstRun;

    #[test]
    fn readiness_is_reported_once() {
        let state = AppState::new(PathBuf::from("/nonexistent"));
        std::thread::sleep(Duration::from_millis(5));
        let first = state.mark_ready().expect("the first call reports");
        assert!(first >= Duration::from_millis(5), "{first:?}");
        assert_eq!(state.mark_ready(), None);
        assert_eq!(state.mark_ready(), None);
    }

    /// A boot-time clock the test moves (whole seconds), standing in for suspend and waiting.
    #[derive(Default)]
    struct TestClock(AtomicU64);

    impl TestClock {
        fn advance(&self, d: Duration) {
            self.0.fetch_add(d.as_secs(), Ordering::SeqCst);
        }
    }

    impl Clock for TestClock {
        fn now(&self) -> Duration {
            Duration::from_secs(self.0.load(Ordering::SeqCst))
        }
    }

    /// A real store (first-run setup in a temporary folder) in a state on a test clock, with
    /// the idle hook counting its calls.
    fn unlocked_state() -> (
        tempfile::TempDir,
        Arc<TestClock>,
        Arc<AtomicUsize>,
        AppState,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (store, _recovery) = Store::create_first_run(
            dir.path(),
            FirstRun {
                admin_username: "anna",
                admin_display_name: "Anna Andersson",
                passphrase: "korrekt häst batteri häftapparat",
                unit_code: "IFO-VUX",
                unit_name: "Vuxenenheten",
            },
        )
        .unwrap();
        let clock = Arc::new(TestClock::default());
        let state = AppState::with_clock(dir.path().to_path_buf(), clock.clone(), None);
        let hooks = Arc::new(AtomicUsize::new(0));
        let counter = hooks.clone();
        state.on_idle_lock(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        state.set_store(store);
        (dir, clock, hooks, state)
    }

    fn read(state: &AppState) -> Result<u32, Error> {
        state.with_store(|s| Ok(s.settings()?.auto_lock_minutes))
    }

    #[test]
    fn the_idle_limit_comes_from_the_stores_setting() {
        let (_dir, _clock, _hooks, state) = unlocked_state();
        assert_eq!(read(&state).unwrap(), Settings::DEFAULT_AUTO_LOCK_MINUTES);
        assert_eq!(
            state.idle_limit(),
            idle::minutes(Settings::DEFAULT_AUTO_LOCK_MINUTES)
        );
    }

    #[test]
    fn commands_keep_the_store_open_and_the_watcher_locks_after_the_limit() {
        let (_dir, clock, hooks, state) = unlocked_state();
        for _ in 0..5 {
            clock.advance(idle::minutes(9));
            assert!(!state.lock_if_idle(), "9 minutes after the last command");
            read(&state).unwrap();
        }
        clock.advance(idle::minutes(10));
        assert!(state.lock_if_idle());
        assert!(!state.is_unlocked());
        assert_eq!(hooks.load(Ordering::SeqCst), 1, "the window is told once");
        assert!(matches!(read(&state), Err(Error::Locked)));
        assert!(!state.lock_if_idle(), "already locked: nothing more to do");
        assert_eq!(hooks.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_command_after_a_suspend_past_the_limit_gets_locked_not_data() {
        let (_dir, clock, hooks, state) = unlocked_state();
        // The lid closes for an hour; on waking a command arrives before the watcher ran.
        clock.advance(Duration::from_secs(3600));
        let mut ran = false;
        let out = state.with_store(|s| {
            ran = true;
            Ok(s.settings()?.auto_lock_minutes)
        });
        assert!(matches!(out, Err(Error::Locked)), "{out:?}");
        assert!(!ran, "the command never reached the store");
        assert!(!state.is_unlocked());
        assert_eq!(hooks.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_status_read_is_not_activity() {
        let (_dir, clock, _hooks, state) = unlocked_state();
        clock.advance(idle::minutes(6));
        state.with_store_passive(|s| s.settings()).unwrap();
        clock.advance(idle::minutes(6));
        assert!(state.lock_if_idle(), "12 minutes since the last activity");
    }

    #[test]
    fn a_new_setting_applies_at_once() {
        let (_dir, clock, _hooks, state) = unlocked_state();
        clock.advance(idle::minutes(3));
        state.set_auto_lock_minutes(2);
        assert_eq!(state.idle_limit(), idle::minutes(2));
        assert!(state.lock_if_idle(), "3 minutes idle with a 2-minute limit");
    }

    #[test]
    fn the_test_override_replaces_the_setting_and_checks_often() {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(TestClock::default());
        let state = AppState::with_clock(
            dir.path().to_path_buf(),
            clock,
            Some(Duration::from_secs(3)),
        );
        state.set_auto_lock_minutes(10);
        assert_eq!(state.idle_limit(), Duration::from_secs(3));
        assert!(state.idle_check_interval() <= Duration::from_secs(1));
        let normal = AppState::with_clock(
            dir.path().to_path_buf(),
            Arc::new(TestClock::default()),
            None,
        );
        assert!(normal.idle_check_interval() <= Duration::from_secs(5));
    }
}
