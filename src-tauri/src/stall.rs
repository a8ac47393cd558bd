//! A probe of the main thread's responsiveness, for benchmark 10 (issue 20, measure 7: the
//! longest main-thread stall during an unlock and a backup, goal < 50 ms).
//!
//! Off unless `VARNA_BENCH_STALL` names a file, which only the benchmark sets
//! (`tests/e2e/main_thread_stall.rs`). Then a thread posts an empty task to the main thread
//! (the window's event loop) every 5 ms with `run_on_main_thread`, waits until it has run, and
//! writes one line per task: the wall-clock time it was posted (Unix milliseconds) and how
//! long it waited to run (microseconds). A stall of the event loop shows as one long wait.
//! Nothing else is written; the file holds no data of the store.

use std::io::Write;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tauri::AppHandle;

/// Starts the probe when `VARNA_BENCH_STALL` is set.
pub fn start_if_asked(app: &AppHandle) {
    let Some(out) = std::env::var_os("VARNA_BENCH_STALL") else {
        return;
    };
    let app = app.clone();
    let _ = std::thread::Builder::new()
        .name("varna-stall-probe".into())
        .spawn(move || {
            let Ok(file) = std::fs::File::create(&out) else {
                eprintln!("varna-app: cannot write {}", out.to_string_lossy());
                return;
            };
            let mut file = std::io::BufWriter::new(file);
            let mut last_flush = Instant::now();
            loop {
                let (tx, rx) = mpsc::sync_channel::<()>(1);
                let at = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_millis();
                let posted = Instant::now();
                if app
                    .run_on_main_thread(move || {
                        let _ = tx.send(());
                    })
                    .is_err()
                {
                    break;
                }
                // The event loop has ended when the task is dropped unrun.
                if rx.recv().is_err() {
                    break;
                }
                let waited = posted.elapsed();
                let _ = writeln!(file, "{at} {}", waited.as_micros());
                if last_flush.elapsed() >= Duration::from_millis(50) {
                    let _ = file.flush();
                    last_flush = Instant::now();
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            let _ = file.flush();
        });
}
