//! Administration: the access log (loggkontroll) and retention (gallring). Each command is
//! one call into the core, which checks the role (administratör and arbetsledare read the
//! log; retention is administratör only).

use tauri::State;
use varna_core::audit::{AuditEntry, AuditFilter, AuditReport};
use varna_core::retention::{RetentionItem, RetentionReport, RetentionSettings};

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub fn audit_list(
    state: State<'_, AppState>,
    filter: AuditFilter,
) -> CommandResult<Vec<AuditEntry>> {
    Ok(state.with_store(|s| s.audit_list(&filter))?)
}

/// Checks the whole chain now.
#[tauri::command]
pub fn audit_verify(state: State<'_, AppState>) -> CommandResult<AuditReport> {
    Ok(state.with_store(|s| s.verify_audit())?)
}

/// The check made at unlock (`None` for roles that may not read the log).
#[tauri::command]
pub fn audit_status(state: State<'_, AppState>) -> CommandResult<Option<AuditReport>> {
    Ok(state.with_store(|s| Ok(s.audit_at_unlock().cloned()))?)
}

#[tauri::command]
pub fn retention_get(state: State<'_, AppState>) -> CommandResult<RetentionSettings> {
    Ok(state.with_store(|s| s.retention_settings())?)
}

#[tauri::command]
pub fn retention_set(
    state: State<'_, AppState>,
    settings: RetentionSettings,
) -> CommandResult<RetentionSettings> {
    Ok(state.with_store(|s| s.set_retention_settings(settings))?)
}

#[tauri::command]
pub fn retention_preview(state: State<'_, AppState>) -> CommandResult<Vec<RetentionItem>> {
    Ok(state.with_store(|s| s.retention_preview())?)
}

#[tauri::command]
pub fn retention_run(state: State<'_, AppState>) -> CommandResult<RetentionReport> {
    Ok(state.with_store(|s| s.retention_run())?)
}
