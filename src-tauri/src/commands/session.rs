//! First run, unlock, lock: the commands around the store's lifetime.
//!
//! Key derivation takes a noticeable moment, so these commands are `async` (run off the
//! main thread) and the window stays responsive.

use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use tauri::State;
use varna_core::instrument::shipped::shipped_and_dir;
use varna_core::store::{
    BackupReminder, FirstRun, PassphraseNotice, RecoveryKey, RestoreCredential, Role, Store,
};

use crate::error::CommandResult;
use crate::state::AppState;

/// What the UI knows about the signed-in person.
#[derive(Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub units: Vec<UnitView>,
    pub auto_lock_minutes: u32,
    /// Days without a backup before an administratör is reminded.
    pub backup_reminder_days: u32,
    /// Instrument files that could not be loaded or were refused, with their errors
    /// (shown to administrators only; empty for other roles).
    pub instrument_problems: Vec<InstrumentProblem>,
    /// What the check at unlock found wrong with the access log: a broken chain, or a
    /// database or data folder rolled back behind its anchors. Only for the roles that
    /// review the log (administratör, arbetsledare); `None` when all is well.
    pub audit_problem: Option<varna_core::audit::BrokenRow>,
    /// Set when the passphrase was chosen by an administratör (a new account, a reset, a
    /// reactivation): the UI makes the person choose their own before anything else.
    pub must_change_passphrase: Option<PassphraseNotice>,
    /// For an administratör: the last backup is older than the reminder limit.
    pub backup_reminder: Option<BackupReminder>,
    /// Right after a restore: who made the restored backup, and when.
    pub restored_from: Option<varna_core::store::BackupOrigin>,
}

#[derive(Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UnitView {
    pub id: String,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct InstrumentProblem {
    pub path: String,
    pub messages: Vec<String>,
}

/// Builds the session view and brings the store's instrument versions up to date.
fn open_session(state: &AppState, mut store: Store) -> CommandResult<Session> {
    let report = shipped_and_dir(Some(&state.instruments_dir()));
    let sync = store.sync_instruments(&report)?;
    let actor = store.actor().clone();
    let all_units = store.list_units()?;
    let settings = store.settings()?;
    let units = all_units
        .into_iter()
        .filter(|u| u.active && actor.unit_ids.contains(&u.id))
        .map(|u| UnitView {
            id: u.id,
            code: u.code,
            name: u.name,
        })
        .collect();
    let instrument_problems = if actor.role == Role::Administrator {
        sync.failed
            .into_iter()
            .map(|f| InstrumentProblem {
                path: f.path,
                messages: f.diagnostics,
            })
            .chain(sync.refused.into_iter().map(|r| InstrumentProblem {
                path: r.path,
                messages: vec![r.message],
            }))
            .collect()
    } else {
        Vec::new()
    };
    let audit_problem = store
        .audit_at_unlock()
        .filter(|r| !r.ok)
        .and_then(|r| r.first_broken.clone());
    let backup_reminder = store.backup_reminder()?;
    let session = Session {
        restored_from: None,
        backup_reminder,
        must_change_passphrase: actor.must_change_passphrase,
        audit_problem,
        username: actor.username,
        display_name: actor.display_name,
        role: actor.role,
        units,
        auto_lock_minutes: settings.auto_lock_minutes,
        backup_reminder_days: settings.backup_reminder_days,
        instrument_problems,
    };
    state.set_store(store);
    Ok(session)
}

#[derive(Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: &'static str,
    /// The git commit the app was built from (`unknown` outside a checkout).
    pub commit: &'static str,
    /// The SQLCipher version linked into the core (`PRAGMA cipher_version`).
    pub sqlcipher: &'static str,
    pub data_dir: String,
    /// Whether first-time setup has been done in this data folder.
    pub initialized: bool,
    pub unlocked: bool,
    /// Seconds until the next unlock attempt is accepted (after repeated failures).
    pub unlock_wait_seconds: u64,
}

/// What the first screen needs to know about the installation.
#[tauri::command]
#[specta::specta]
pub async fn app_info(state: State<'_, AppState>) -> CommandResult<AppInfo> {
    Ok(AppInfo {
        version: varna_core::VERSION,
        commit: env!("VARNA_GIT_COMMIT"),
        sqlcipher: varna_core::sqlcipher_version().unwrap_or(""),
        data_dir: state.data_dir.display().to_string(),
        initialized: Store::is_initialized(&state.data_dir),
        unlocked: state.is_unlocked(),
        unlock_wait_seconds: Store::unlock_delay(&state.data_dir, "").wait_seconds,
    })
}

/// The UI calls this once its first screen (unlock or first run) is shown with the cursor in
/// its first field. With `VARNA_REPORT_READY=1` the shell then prints
/// `varna-ready <screen> <ms since start>` on stdout, once: the signal that the start-up
/// benchmark waits for. Nothing else is printed, and no data is involved.
#[tauri::command]
#[specta::specta]
pub async fn ui_ready(state: State<'_, AppState>, screen: String) -> CommandResult<()> {
    let screen = match screen.as_str() {
        "unlock" | "setup" => screen,
        _ => {
            return Err(
                varna_core::Error::InvalidInput(format!("unknown screen {screen:?}")).into(),
            );
        }
    };
    if let Some(after) = state.mark_ready() {
        if std::env::var_os("VARNA_REPORT_READY").is_some_and(|v| v == "1") {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "varna-ready {screen} {}", after.as_millis());
            let _ = out.flush();
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SetupInput {
    pub admin_username: String,
    pub admin_display_name: String,
    /// Wiped when dropped; `Debug` shows nothing of it.
    pub passphrase: Secret,
    pub unit_code: String,
    pub unit_name: String,
}

#[derive(Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SetupResult {
    /// Shown exactly once; never stored anywhere in plaintext.
    pub recovery_key: String,
    pub session: Session,
}

/// First-time setup: the first administrator and unit; returns the recovery key once.
#[tauri::command]
#[specta::specta]
pub async fn setup_first_run(
    state: State<'_, AppState>,
    setup: SetupInput,
) -> CommandResult<SetupResult> {
    let (store, recovery) = Store::create_first_run(
        &state.data_dir,
        FirstRun {
            admin_username: &setup.admin_username,
            admin_display_name: &setup.admin_display_name,
            passphrase: setup.passphrase.expose_secret(),
            unit_code: &setup.unit_code,
            unit_name: &setup.unit_name,
        },
    )?;
    let recovery_key = recovery.to_grouped_string().to_string();
    let session = open_session(&state, store)?;
    Ok(SetupResult {
        recovery_key,
        session,
    })
}

/// Unlocks with a username and passphrase.
#[tauri::command]
#[specta::specta]
pub async fn unlock(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    username: String,
    passphrase: Secret,
) -> CommandResult<Session> {
    let mut store = Store::unlock(&state.data_dir, &username, passphrase.expose_secret())?;
    // Gallring at unlock removed at most one batch; the rest runs after the unlock returns.
    let rest = store.take_retention_at_unlock();
    let session = open_session(&state, store)?;
    super::admin::retention_in_background(&app, rest);
    Ok(session)
}

/// Unlocks with the recovery key and sets a new passphrase for `username`.
#[tauri::command]
#[specta::specta]
pub async fn unlock_recovery(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    recovery_key: Secret,
    username: String,
    new_passphrase: Secret,
) -> CommandResult<Session> {
    let key = RecoveryKey::parse(recovery_key.expose_secret())?;
    let mut store = Store::unlock_with_recovery(
        &state.data_dir,
        &key,
        &username,
        new_passphrase.expose_secret(),
    )?;
    let rest = store.take_retention_at_unlock();
    let session = open_session(&state, store)?;
    super::admin::retention_in_background(&app, rest);
    Ok(session)
}

/// Restores a backup into the data folder and signs in (the unlock screen's "Återställ från
/// säkerhetskopia"). Only while locked: the shell holds no store then, so nothing has the old
/// database open. The core checks the whole file before anything is replaced; `username` must
/// be an administratör in the backup, with the passphrase valid when it was made. Slow (copies
/// the database, derives a key), so `async`; emits `varna://progress` (task `restore`).
#[tauri::command]
#[specta::specta]
pub async fn restore_backup(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    file: String,
    username: String,
    passphrase: Secret,
) -> CommandResult<Session> {
    restore(
        &app,
        &state,
        &file,
        RestoreCredential::Passphrase {
            username: &username,
            passphrase: passphrase.expose_secret(),
        },
    )
}

/// Restores a backup with the recovery key valid when it was made, for when no
/// administratör remembers their passphrase of then: `username` (an administratör in the
/// backup) gets `new_passphrase`. Only while locked, like [`restore_backup`].
#[tauri::command]
#[specta::specta]
pub async fn restore_backup_recovery(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    file: String,
    recovery_key: Secret,
    username: String,
    new_passphrase: Secret,
) -> CommandResult<Session> {
    let key = RecoveryKey::parse(recovery_key.expose_secret())?;
    restore(
        &app,
        &state,
        &file,
        RestoreCredential::Recovery {
            key: &key,
            username: &username,
            new_passphrase: new_passphrase.expose_secret(),
        },
    )
}

fn restore(
    app: &tauri::AppHandle,
    state: &AppState,
    file: &str,
    credential: RestoreCredential<'_>,
) -> CommandResult<Session> {
    if state.is_unlocked() {
        return Err(
            varna_core::Error::Conflict("lock Värna before restoring a backup".into()).into(),
        );
    }
    let file = std::path::PathBuf::from(file.trim());
    let progress = crate::progress::emitter(app, crate::progress::Task::Restore);
    let (store, origin) =
        Store::restore_with_origin_progress(&state.data_dir, &file, credential, progress)?;
    let mut session = open_session(state, store)?;
    session.restored_from = origin;
    Ok(session)
}

/// What a chosen backup file holds, checked before anything is asked or replaced: its
/// structure and the checksum of the whole encrypted database inside.
#[derive(Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupPreview {
    pub created_at: String,
    pub db_bytes: u64,
    pub file_bytes: u64,
    pub schema_version: u32,
    /// The backup was made by a newer Värna and cannot be restored by this one.
    pub too_new: bool,
}

/// Checks a backup file for the restore screen (date, size, integrity). Reads the whole file,
/// so `async`. Needs no sign-in: it reveals only what the file's header says in the clear.
#[tauri::command]
#[specta::specta]
pub async fn backup_inspect(file: String) -> CommandResult<BackupPreview> {
    let path = std::path::PathBuf::from(file.trim());
    let info = Store::inspect_backup(&path)?;
    let file_bytes = std::fs::metadata(&path)
        .map(|m| m.len())
        .map_err(|e| varna_core::Error::io(format!("reading {}", path.display()), e))?;
    Ok(BackupPreview {
        created_at: info.created_at,
        db_bytes: info.db_bytes,
        file_bytes,
        schema_version: info.schema_version,
        too_new: info.schema_version > varna_core::store::schema_version_supported(),
    })
}

/// Locks: the database is closed and the key wiped from memory (the page has already
/// blanked the screen). `async`: locking records the log's anchor on disk.
#[tauri::command]
#[specta::specta]
pub async fn lock(state: State<'_, AppState>) -> CommandResult<()> {
    state.lock();
    Ok(())
}

/// Locks and ends the app. The window's close button leads here, after the UI has saved
/// whatever input was still pending.
#[tauri::command]
#[specta::specta]
pub fn quit(app: tauri::AppHandle, state: State<'_, AppState>) -> CommandResult<()> {
    state.lock();
    app.exit(0);
    Ok(())
}
