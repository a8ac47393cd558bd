//! The idle timer: when must an unlocked store lock itself?
//!
//! The rule lives here, not in the webview: a page that hangs, a screen without the page's
//! own timer (the recovery key after first-run setup) or a laptop whose lid was closed must
//! lock all the same. The shell touches the timer on every command that is activity, asks
//! [`IdleTimer::should_lock`] every few seconds and before every command, and locks the store
//! when it says so.
//!
//! Time is read from a [`Clock`] that keeps running while the machine sleeps ([`BootClock`]):
//! a laptop suspended for an hour must find the limit passed the moment it wakes. The usual
//! monotonic clocks (`std::time::Instant` on Linux, `QueryUnbiasedInterruptTime` on Windows)
//! stop during suspend and would give the sleeping hour away.
//!
//! Tauri-free and pure: tests drive it with a clock of their own.

use std::sync::Arc;
use std::time::Duration;

/// A clock that only moves forward and keeps counting while the machine is suspended.
/// `now` is the time since an arbitrary origin fixed for the life of the process.
pub trait Clock: Send + Sync {
    fn now(&self) -> Duration;
}

/// The system's clock that includes time spent suspended:
/// - Linux and Android: `CLOCK_BOOTTIME`;
/// - macOS and iOS: `CLOCK_MONOTONIC`, which on Apple systems keeps counting during sleep;
/// - Windows: `GetTickCount64` (milliseconds since boot, sleep and hibernation included;
///   unlike `QueryUnbiasedInterruptTime`, which leaves them out);
/// - anything else: the wall clock (`SystemTime`). It can be set back; [`IdleTimer`] then
///   locks rather than trust it (see [`IdleTimer::should_lock_at`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct BootClock;

impl Clock for BootClock {
    fn now(&self) -> Duration {
        boot_time()
    }
}

#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
fn boot_time() -> Duration {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    const CLOCK: libc::clockid_t = libc::CLOCK_BOOTTIME;
    #[cfg(target_vendor = "apple")]
    const CLOCK: libc::clockid_t = libc::CLOCK_MONOTONIC;
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant the platform
    // supports. clock_gettime writes only into `ts`.
    let rc = unsafe { libc::clock_gettime(CLOCK, &mut ts) };
    if rc != 0 {
        // Cannot happen for these clocks; should it, the wall clock is the fallback and the
        // timer's guard against a clock that goes back still holds.
        return wall_time();
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[cfg(windows)]
fn boot_time() -> Duration {
    #[link(name = "kernel32")]
    extern "system" {
        fn GetTickCount64() -> u64;
    }
    // SAFETY: GetTickCount64 takes no arguments and cannot fail.
    Duration::from_millis(unsafe { GetTickCount64() })
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_vendor = "apple",
    windows
)))]
fn boot_time() -> Duration {
    wall_time()
}

#[allow(dead_code)] // unused on Windows
fn wall_time() -> Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

/// Minutes of inactivity as the timer's limit.
pub fn minutes(m: u32) -> Duration {
    Duration::from_secs(u64::from(m) * 60)
}

/// Decides when the store must lock: after `limit` without [`touch`](IdleTimer::touch).
pub struct IdleTimer {
    clock: Arc<dyn Clock>,
    limit: Duration,
    last_activity: Duration,
}

impl std::fmt::Debug for IdleTimer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdleTimer")
            .field("limit", &self.limit)
            .field("last_activity", &self.last_activity)
            .finish()
    }
}

impl IdleTimer {
    /// A timer on the system's [`BootClock`], counting from now.
    pub fn new(limit: Duration) -> Self {
        Self::with_clock(Arc::new(BootClock), limit)
    }

    /// A timer on the given clock, counting from now.
    pub fn with_clock(clock: Arc<dyn Clock>, limit: Duration) -> Self {
        let last_activity = clock.now();
        Self {
            clock,
            limit,
            last_activity,
        }
    }

    /// The clock's current reading.
    pub fn now(&self) -> Duration {
        self.clock.now()
    }

    /// Activity: the limit counts from now again.
    pub fn touch(&mut self) {
        self.last_activity = self.clock.now();
    }

    /// The time without activity after which the store locks.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// Changes the limit. It applies to the time already idle: lowering it below the time
    /// since the last activity makes [`should_lock`](IdleTimer::should_lock) true at once.
    pub fn set_limit(&mut self, limit: Duration) {
        self.limit = limit;
    }

    /// Whether the limit has passed since the last activity, now.
    pub fn should_lock(&self) -> bool {
        self.should_lock_at(self.clock.now())
    }

    /// Whether the limit has passed since the last activity at time `now`. A `now` before the
    /// last activity means the clock went back (only the wall-clock fallback can), and the
    /// time idle is unknown: that locks too.
    pub fn should_lock_at(&self, now: Duration) -> bool {
        match now.checked_sub(self.last_activity) {
            Some(idle) => idle >= self.limit,
            None => true,
        }
    }

    /// Time left before the store locks (zero once it should).
    pub fn remaining(&self) -> Duration {
        let now = self.clock.now();
        if self.should_lock_at(now) {
            return Duration::ZERO;
        }
        (self.last_activity + self.limit).saturating_sub(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A clock the test moves by hand (milliseconds).
    #[derive(Default)]
    struct FakeClock(AtomicU64);

    impl FakeClock {
        fn advance(&self, d: Duration) {
            self.0.fetch_add(d.as_millis() as u64, Ordering::SeqCst);
        }
        fn set(&self, d: Duration) {
            self.0.store(d.as_millis() as u64, Ordering::SeqCst);
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> Duration {
            Duration::from_millis(self.0.load(Ordering::SeqCst))
        }
    }

    fn timer(limit: Duration) -> (Arc<FakeClock>, IdleTimer) {
        let clock = Arc::new(FakeClock::default());
        clock.set(Duration::from_secs(1000));
        let t = IdleTimer::with_clock(clock.clone(), limit);
        (clock, t)
    }

    #[test]
    fn a_fresh_timer_does_not_lock_before_the_limit_and_locks_at_it() {
        let (clock, t) = timer(minutes(10));
        assert!(!t.should_lock());
        clock.advance(minutes(10) - Duration::from_millis(1));
        assert!(!t.should_lock(), "one millisecond before the limit");
        assert_eq!(t.remaining(), Duration::from_millis(1));
        clock.advance(Duration::from_millis(1));
        assert!(t.should_lock(), "at the limit");
        assert_eq!(t.remaining(), Duration::ZERO);
    }

    #[test]
    fn touch_restarts_the_limit() {
        let (clock, mut t) = timer(minutes(5));
        clock.advance(minutes(4));
        t.touch();
        clock.advance(minutes(4));
        assert!(
            !t.should_lock(),
            "8 minutes since start but 4 since the last activity"
        );
        clock.advance(minutes(1));
        assert!(t.should_lock());
    }

    #[test]
    fn a_suspend_past_the_limit_locks_at_the_first_check_after_waking() {
        let (clock, mut t) = timer(minutes(10));
        clock.advance(Duration::from_secs(30));
        t.touch();
        // The lid closes for an hour: a boot-time clock jumps by the hour at resume.
        clock.advance(Duration::from_secs(3600));
        assert!(t.should_lock());
    }

    #[test]
    fn a_short_suspend_within_the_limit_does_not_lock() {
        let (clock, t) = timer(minutes(10));
        clock.advance(minutes(3));
        assert!(!t.should_lock());
    }

    #[test]
    fn lowering_the_limit_counts_the_time_already_idle() {
        let (clock, mut t) = timer(minutes(10));
        clock.advance(minutes(3));
        assert!(!t.should_lock());
        t.set_limit(minutes(2));
        assert_eq!(t.limit(), minutes(2));
        assert!(t.should_lock(), "3 minutes idle with a 2-minute limit");
        t.set_limit(minutes(5));
        assert!(!t.should_lock());
        assert_eq!(t.remaining(), minutes(2));
    }

    #[test]
    fn raising_the_limit_keeps_an_active_session_open() {
        let (clock, mut t) = timer(minutes(1));
        clock.advance(Duration::from_secs(50));
        t.set_limit(minutes(30));
        clock.advance(minutes(20));
        assert!(!t.should_lock());
    }

    #[test]
    fn a_clock_that_goes_back_locks() {
        let (clock, t) = timer(minutes(10));
        clock.set(Duration::from_secs(999));
        assert!(t.should_lock(), "the time idle is unknown");
        assert!(t.should_lock_at(Duration::from_secs(5)));
    }

    #[test]
    fn the_boot_clock_moves_forward() {
        let c = BootClock;
        let a = c.now();
        std::thread::sleep(Duration::from_millis(20));
        let b = c.now();
        assert!(b >= a + Duration::from_millis(20), "{a:?} then {b:?}");
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn the_boot_clock_is_boot_time_not_monotonic_time() {
        // CLOCK_BOOTTIME = CLOCK_MONOTONIC + time suspended, so it is never behind it.
        let mut mono = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: valid timespec, constant clock id.
        assert_eq!(
            unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut mono) },
            0
        );
        let boot = BootClock.now();
        let mono = Duration::new(mono.tv_sec as u64, mono.tv_nsec as u32);
        assert!(boot >= mono, "boot {boot:?} < monotonic {mono:?}");
    }
}
