//! Konton och enheter: accounts, units and one's own passphrase. Each command is one call
//! into the core, which checks the role (administratör for everything but changing one's
//! own passphrase) and writes the access log in the same transaction.
//!
//! Commands that derive a key (a new passphrase: Argon2id) or re-key the database
//! (deactivation copies it) are `async`, off the main thread.

use crate::secret::Secret;
use serde::Deserialize;
use tauri::State;
use varna_core::store::{Account, AccountOverview, NewAccount, Rekeyed, Role, Unit};

use crate::error::CommandResult;
use crate::state::AppState;

/// Every account with its units, status and last sign-in.
#[tauri::command]
#[specta::specta]
pub async fn accounts_list(state: State<'_, AppState>) -> CommandResult<Vec<AccountOverview>> {
    Ok(state.with_store(|s| s.account_overview())?)
}

#[derive(Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountInput {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_ids: Vec<String>,
    /// The one-time passphrase the administratör sets; wiped when dropped.
    pub passphrase: Secret,
}

/// Adds an account with a one-time passphrase, which must be changed at the first sign-in.
#[tauri::command]
#[specta::specta]
pub async fn account_add(
    state: State<'_, AppState>,
    account: AccountInput,
) -> CommandResult<Account> {
    Ok(state.with_store(|s| {
        s.add_account_one_time(NewAccount {
            username: &account.username,
            display_name: &account.display_name,
            role: account.role,
            unit_ids: account.unit_ids.clone(),
            passphrase: account.passphrase.expose_secret(),
        })
    })?)
}

#[tauri::command]
#[specta::specta]
pub async fn account_role_set(
    state: State<'_, AppState>,
    account_id: String,
    role: Role,
) -> CommandResult<Account> {
    Ok(state.with_store(|s| s.set_role(&account_id, role))?)
}

#[tauri::command]
#[specta::specta]
pub async fn account_units_set(
    state: State<'_, AppState>,
    account_id: String,
    unit_ids: Vec<String>,
) -> CommandResult<Account> {
    Ok(state.with_store(|s| s.set_account_units(&account_id, &unit_ids))?)
}

/// Deactivates an account and re-keys the database (copies it: slow, so `async`).
#[tauri::command]
#[specta::specta]
pub async fn account_deactivate(
    state: State<'_, AppState>,
    account_id: String,
) -> CommandResult<Rekeyed> {
    Ok(state.with_store(|s| s.deactivate_account(&account_id))?)
}

/// Reactivates an account with a new one-time passphrase set by the administratör.
#[tauri::command]
#[specta::specta]
pub async fn account_reactivate(
    state: State<'_, AppState>,
    account_id: String,
    passphrase: Secret,
) -> CommandResult<Account> {
    Ok(state.with_store(|s| s.reactivate_account(&account_id, passphrase.expose_secret()))?)
}

/// Removes a deactivated account from the account list (kept for the access log).
#[tauri::command]
#[specta::specta]
pub async fn account_remove(
    state: State<'_, AppState>,
    account_id: String,
) -> CommandResult<Account> {
    Ok(state.with_store(|s| s.remove_account(&account_id))?)
}

/// Sets a new one-time passphrase for an account that forgot its own.
#[tauri::command]
#[specta::specta]
pub async fn account_passphrase_reset(
    state: State<'_, AppState>,
    account_id: String,
    passphrase: Secret,
) -> CommandResult<()> {
    Ok(state.with_store(|s| s.reset_passphrase(&account_id, passphrase.expose_secret()))?)
}

/// Changes the signed-in account's own passphrase (every role).
#[tauri::command]
#[specta::specta]
pub async fn passphrase_change(
    state: State<'_, AppState>,
    old_passphrase: Secret,
    new_passphrase: Secret,
) -> CommandResult<()> {
    Ok(state.with_store(|s| {
        s.change_passphrase(
            old_passphrase.expose_secret(),
            new_passphrase.expose_secret(),
        )
    })?)
}

/// Every unit, open and closed.
#[tauri::command]
#[specta::specta]
pub async fn units_list(state: State<'_, AppState>) -> CommandResult<Vec<Unit>> {
    Ok(state.with_store(|s| s.list_units())?)
}

#[tauri::command]
#[specta::specta]
pub async fn unit_add(
    state: State<'_, AppState>,
    code: String,
    name: String,
) -> CommandResult<Unit> {
    Ok(state.with_store(|s| s.add_unit(&code, &name))?)
}

#[tauri::command]
#[specta::specta]
pub async fn unit_rename(
    state: State<'_, AppState>,
    unit_id: String,
    name: String,
) -> CommandResult<Unit> {
    Ok(state.with_store(|s| s.rename_unit(&unit_id, &name))?)
}

/// Closes a unit: no new screenings or members; its counts stay.
#[tauri::command]
#[specta::specta]
pub async fn unit_close(state: State<'_, AppState>, unit_id: String) -> CommandResult<Unit> {
    Ok(state.with_store(|s| s.close_unit(&unit_id))?)
}
