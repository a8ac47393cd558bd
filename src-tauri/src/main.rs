//! Värna's desktop shell.
//!
//! This crate is deliberately thin: it owns the window, the Tauri state and the mapping of
//! core errors to `{code, message}`. All domain logic lives in `varna-core`.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod error;
mod idle;
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
        .setup(|app| {
            // Auto-lock in the core: locks after the idle limit whatever the page does.
            idle::watch(app.handle())?;
            Ok(())
        })
        .on_window_event(on_window_event)
        .invoke_handler(tauri::generate_handler![
            commands::session::app_info,
            commands::session::ui_ready,
            commands::admin::audit_list,
            commands::admin::audit_verify,
            commands::admin::audit_status,
            commands::admin::retention_get,
            commands::admin::retention_set,
            commands::admin::retention_preview,
            commands::admin::retention_run,
            commands::admin::retention_hold,
            commands::admin::retention_confirm,
            commands::admin::backup_write,
            commands::admin::auto_lock_set,
            commands::accounts::accounts_list,
            commands::accounts::account_add,
            commands::accounts::account_role_set,
            commands::accounts::account_units_set,
            commands::accounts::account_deactivate,
            commands::accounts::account_reactivate,
            commands::accounts::account_passphrase_reset,
            commands::accounts::passphrase_change,
            commands::accounts::units_list,
            commands::accounts::unit_add,
            commands::accounts::unit_rename,
            commands::accounts::unit_close,
            commands::instruments::instrument_library,
            commands::instruments::instrument_file_check,
            commands::instruments::instrument_file_add,
            commands::instruments::instrument_retired_set,
            commands::session::setup_first_run,
            commands::session::unlock,
            commands::session::unlock_recovery,
            commands::session::restore_backup,
            commands::session::lock,
            commands::session::quit,
            commands::screening::instruments_list,
            commands::screening::my_screenings,
            commands::screening::screening_start,
            commands::screening::screening_get,
            commands::screening::answer_save,
            commands::screening::note_save,
            commands::screening::position_save,
            commands::screening::screening_complete,
            commands::screening::screening_discard,
            commands::screening::addendum_add,
            commands::stats::statistics_get,
            commands::stats::indicator_year_get,
            commands::stats::indicator_denominator_set,
            commands::stats::export_write,
            commands::stats::export_import,
            commands::stats::settings_threshold_set,
            commands::review::review_queue,
            commands::review::review_get,
            commands::review::review_state,
            commands::review::review_comment,
            commands::review::review_decide,
            commands::review::review_resubmit,
        ])
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
