//! Administration: the access log (loggkontroll) and retention (gallring). Each command is
//! one call into the core, which checks the role (administratör and arbetsledare read the
//! log; retention is administratör only).

use tauri::State;
use varna_core::audit::{AuditEntry, AuditFilter, AuditReport};
use varna_core::page::{Page, PageRequest};
use varna_core::retention::{RetentionHold, RetentionItem, RetentionReport, RetentionSettings};

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn audit_list(
    state: State<'_, AppState>,
    filter: AuditFilter,
) -> CommandResult<Vec<AuditEntry>> {
    Ok(state.with_store(|s| s.audit_list(&filter))?)
}

/// One page of the access log, newest first (the log view reads it page by page).
#[tauri::command]
#[specta::specta]
pub async fn audit_page(
    state: State<'_, AppState>,
    filter: AuditFilter,
    page: PageRequest,
) -> CommandResult<Page<AuditEntry>> {
    Ok(state.with_store(|s| s.audit_page(&filter, &page))?)
}

/// Checks the whole chain now.
#[tauri::command]
#[specta::specta]
pub async fn audit_verify(state: State<'_, AppState>) -> CommandResult<AuditReport> {
    Ok(state.with_store(|s| s.verify_audit())?)
}

/// The check made at unlock (`None` for roles that may not read the log).
#[tauri::command]
#[specta::specta]
pub async fn audit_status(state: State<'_, AppState>) -> CommandResult<Option<AuditReport>> {
    // A status read, not activity: it does not keep the store open.
    Ok(state.with_store_passive(|s| Ok(s.audit_at_unlock().cloned()))?)
}

#[tauri::command]
#[specta::specta]
pub async fn retention_get(state: State<'_, AppState>) -> CommandResult<RetentionSettings> {
    Ok(state.with_store(|s| s.retention_settings())?)
}

#[tauri::command]
#[specta::specta]
pub async fn retention_set(
    state: State<'_, AppState>,
    settings: RetentionSettings,
) -> CommandResult<RetentionSettings> {
    Ok(state.with_store(|s| s.set_retention_settings(settings))?)
}

#[tauri::command]
#[specta::specta]
pub async fn retention_preview(state: State<'_, AppState>) -> CommandResult<Vec<RetentionItem>> {
    Ok(state.with_store(|s| s.retention_preview())?)
}

/// Removes what is due now (slow: secure deletion and `VACUUM`, so `async`, off the main
/// thread). While the clock looks wrong or a run is held, the core refuses with a conflict
/// unless `confirm_clock`.
#[tauri::command]
#[specta::specta]
pub async fn retention_run(
    state: State<'_, AppState>,
    confirm_clock: bool,
) -> CommandResult<RetentionReport> {
    Ok(state.with_store(|s| s.retention_run(confirm_clock))?)
}

/// A held retention run (or a clock that looks wrong now) with what it would remove;
/// `None` when retention may run on its own.
#[tauri::command]
#[specta::specta]
pub async fn retention_hold(state: State<'_, AppState>) -> CommandResult<Option<RetentionHold>> {
    Ok(state.with_store(|s| s.retention_hold())?)
}

/// Confirms a held retention run and runs it (logged with who confirmed). Slow, so `async`.
#[tauri::command]
#[specta::specta]
pub async fn retention_confirm(state: State<'_, AppState>) -> CommandResult<RetentionReport> {
    Ok(state.with_store(|s| s.retention_confirm())?)
}

#[derive(Debug, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupWritten {
    pub path: String,
    pub created_at: String,
    pub db_bytes: u64,
}

/// Writes an encrypted backup (database + key slots, one file) into the folder the
/// administrator typed, else Documents, else home. Never overwrites a file. Emits
/// `varna://progress` (task `backup`) while it runs.
#[tauri::command]
#[specta::specta]
pub async fn backup_write(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    folder: Option<String>,
) -> CommandResult<BackupWritten> {
    let dir = super::stats::target_folder(&app, folder)?;
    let stamp = chrono::Utc::now().format("%Y-%m-%d-%H%M%S");
    // The core creates the file new (never over an existing file or link): on a name
    // that is taken, the next one is tried.
    let mut n = 1;
    let (path, info) = loop {
        let path = if n == 1 {
            dir.join(format!("varna-sakerhetskopia-{stamp}.varnabackup"))
        } else {
            dir.join(format!("varna-sakerhetskopia-{stamp}-{n}.varnabackup"))
        };
        n += 1;
        let progress = crate::progress::emitter(&app, crate::progress::Task::Backup);
        match state.with_store(|s| s.backup_to_with_progress(&path, progress)) {
            Err(varna_core::Error::Conflict(_)) if n < 1000 => continue,
            other => break (path, other?),
        }
    };
    Ok(BackupWritten {
        path: path.display().to_string(),
        created_at: info.created_at,
        db_bytes: info.db_bytes,
    })
}

/// Sets the minutes of inactivity before the app locks itself (administratör; 1–120).
/// The shell's idle timer takes the new limit at once.
#[tauri::command]
#[specta::specta]
pub async fn auto_lock_set(state: State<'_, AppState>, minutes: u32) -> CommandResult<u32> {
    let minutes = state
        .with_store(|s| s.set_auto_lock_minutes(minutes))?
        .auto_lock_minutes;
    state.set_auto_lock_minutes(minutes);
    Ok(minutes)
}

/// Sets after how many days without a backup an administratör is reminded (1–90).
#[tauri::command]
#[specta::specta]
pub async fn backup_reminder_set(state: State<'_, AppState>, days: u32) -> CommandResult<u32> {
    Ok(state
        .with_store(|s| s.set_backup_reminder_days(days))?
        .backup_reminder_days)
}
