//! The auto-lock watcher: a thread that locks the store once the idle limit has passed,
//! whatever the page does, and tells the window.
//!
//! The decision is `AppState::lock_if_idle` (on `varna_core::idle`'s boot-time clock, so
//! the time a laptop spends suspended counts); this module only runs it every few seconds
//! and emits `varna://locked` with `{"reason": "idle"}`. The page then shows the lock screen.

use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};

use crate::state::AppState;

/// The event the page follows to its lock screen.
pub const LOCKED_EVENT: &str = "varna://locked";

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Locked {
    pub reason: &'static str,
}

/// Hooks the event to every idle lock and starts the watcher thread.
pub fn watch(app: &AppHandle) -> std::io::Result<()> {
    let state = app.state::<AppState>();
    let emitter = app.clone();
    state.on_idle_lock(move || {
        let _ = emitter.emit(LOCKED_EVENT, Locked { reason: "idle" });
    });
    let interval = state.idle_check_interval();
    let app = app.clone();
    std::thread::Builder::new()
        .name("varna-idle".into())
        .spawn(move || loop {
            // `sleep` may oversleep by the time the machine was suspended; the check after
            // it sees the boot-time clock's jump, and `with_store` checks before any command.
            std::thread::sleep(interval);
            app.state::<AppState>().lock_if_idle();
        })?;
    Ok(())
}
