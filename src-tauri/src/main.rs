//! Värna's desktop shell.
//!
//! This crate is deliberately thin: it owns the window, the Tauri state and the mapping of
//! core errors to `{code, message}`. All domain logic lives in `varna-core`.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod contract;
mod error;
mod idle;
mod progress;
mod render;
mod secret;
mod stall;
mod state;

fn main() {
    let data_dir = match state::resolve_data_dir()
        .and_then(|(dir, is_default)| state::prepare_data_dir(&dir, is_default).map(|_| dir))
    {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("varna-app: {e}");
            std::process::exit(2);
        }
    };
    tauri::Builder::default()
        .manage(state::AppState::new(data_dir))
        // File choices (import, restore, instrument files, saving a document) go through the
        // system's file dialog, opened from Rust by commands::files; the webview is granted
        // none of the plugin's own commands.
        .plugin(tauri_plugin_dialog::init())
        // The journal text goes to the clipboard from Rust (commands::document); the webview
        // is granted none of the plugin's commands.
        .plugin(tauri_plugin_clipboard_manager::init())
        .setup(|app| {
            // Auto-lock in the core: locks after the idle limit whatever the page does.
            idle::watch(app.handle())?;
            // Paint without GL compositing (see render.rs: software GL froze the interview).
            render::configure(app)?;
            // Benchmark 10 only: a probe of the main thread (off unless VARNA_BENCH_STALL).
            stall::start_if_asked(app.handle());
            Ok(())
        })
        .on_window_event(on_window_event)
        .invoke_handler(contract::builder().invoke_handler())
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("varna-app: could not start: {e}");
            std::process::exit(1);
        });
}

/// Closing the window while unlocked first asks the UI to save pending input (it then calls
/// `quit`). Should the UI not answer within a few seconds, the store is locked and the app
/// ends anyway: a hung page must not keep the data open.
fn on_window_event(window: &tauri::Window, event: &tauri::WindowEvent) {
    use tauri::{Emitter, Manager};
    if let tauri::WindowEvent::CloseRequested { api, .. } = event {
        let state = window.state::<state::AppState>();
        if !state.is_unlocked() {
            return;
        }
        api.prevent_close();
        let _ = window.emit("varna://close-requested", ());
        let app = window.app_handle().clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(4));
            app.state::<state::AppState>().lock();
            app.exit(0);
        });
    }
}
