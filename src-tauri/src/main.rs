//! Värna's desktop shell.
//!
//! This crate is deliberately thin: it owns the window, the Tauri state and the mapping of
//! core errors to `{code, message}`. All domain logic lives in `varna-core`.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod error;
mod state;

fn main() {
    let data_dir = match state::resolve_data_dir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("varna-app: {e}");
            std::process::exit(2);
        }
    };
    tauri::Builder::default()
        .manage(state::AppState::new(data_dir))
        .invoke_handler(tauri::generate_handler![commands::app_info])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("varna-app: could not start: {e}");
            std::process::exit(1);
        });
}
