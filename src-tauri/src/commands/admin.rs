//! Administration: the access log (loggkontroll) and retention (gallring). Each command is
//! one call into the core, which checks the role (administratör and arbetsledare read the
//! log; retention is administratör only), except a retention run: the core removes it batch
//! by batch and the shell takes the store's lock for one batch at a time ([`drive_retention`]),
//! so an autosave waits at most one batch, and tells the window how far it has come
//! ([`RETENTION_PROGRESS_EVENT`]).

use tauri::{AppHandle, Emitter, Manager, State};
use varna_core::audit::{AuditEntry, AuditFilter, AuditReport};
use varna_core::page::{Page, PageRequest};
use varna_core::retention::{
    RetentionHold, RetentionItem, RetentionProgress, RetentionReport, RetentionRun,
    RetentionSettings, BATCH_PAUSE,
};

use crate::error::CommandResult;
use crate::state::AppState;

/// The event with a retention run's progress (a `RetentionProgress`: `done` of `total`),
/// emitted before the first batch and after each, for the run on demand and the rest of the
/// run at unlock alike.
pub const RETENTION_PROGRESS_EVENT: &str = "varna://retention-progress";

/// Drives `run` to its end: each batch under the store's lock (through
/// [`AppState::with_store`], or [`AppState::with_store_passive`] when the run is not the
/// user's doing, so that it does not keep the app unlocked), the lock released between
/// batches with a short pause so that a waiting command (an autosave) gets in first, and
/// `progress` told before the first batch and after each, outside the lock. A locked store
/// stops the run (`Locked`): what was removed is removed and logged, the rest is still due.
pub(crate) fn drive_retention(
    state: &AppState,
    run: &mut RetentionRun,
    activity: bool,
    mut progress: impl FnMut(RetentionProgress),
) -> Result<(), varna_core::Error> {
    progress(run.progress());
    while !run.is_finished() {
        let step = |s: &mut varna_core::store::Store| s.retention_step(run);
        let p = if activity {
            state.with_store(step)?
        } else {
            state.with_store_passive(step)?
        };
        progress(p);
        if !run.is_finished() {
            std::thread::sleep(BATCH_PAUSE);
        }
    }
    Ok(())
}

/// The rest of a run begun at unlock (the core removed its first batch in the unlock), on a
/// thread of its own after the unlock has returned: the person can start working at once,
/// and their autosaves wait at most one batch. Should the store lock first, the rest is due
/// at the next unlock.
pub(crate) fn retention_in_background(app: &AppHandle, run: Option<RetentionRun>) {
    let Some(mut run) = run else {
        return;
    };
    let app = app.clone();
    let spawned = std::thread::Builder::new()
        .name("varna-retention".into())
        .spawn(move || {
            let state = app.state::<AppState>();
            let emit = |p: RetentionProgress| {
                let _ = app.emit(RETENTION_PROGRESS_EVENT, p);
            };
            if let Err(e) = drive_retention(&state, &mut run, false, emit) {
                eprintln!("varna-app: retention after unlock stopped: {e}");
            }
        });
    if let Err(e) = spawned {
        eprintln!("varna-app: retention after unlock not started: {e}");
    }
}

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

/// Removes what is due now, batch by batch with the store released in between
/// ([`drive_retention`]), emitting [`RETENTION_PROGRESS_EVENT`]; slow, so `async`, off the
/// main thread. While the clock looks wrong or a run is held, the core refuses with a
/// conflict unless `confirm_clock`.
#[tauri::command]
#[specta::specta]
pub async fn retention_run(
    app: AppHandle,
    state: State<'_, AppState>,
    confirm_clock: bool,
) -> CommandResult<RetentionReport> {
    let mut run = state.with_store(|s| s.retention_begin(confirm_clock))?;
    drive_retention(&state, &mut run, true, |p| {
        let _ = app.emit(RETENTION_PROGRESS_EVENT, p);
    })?;
    Ok(run.into_report())
}

/// A held retention run (or a clock that looks wrong now) with what it would remove;
/// `None` when retention may run on its own.
#[tauri::command]
#[specta::specta]
pub async fn retention_hold(state: State<'_, AppState>) -> CommandResult<Option<RetentionHold>> {
    Ok(state.with_store(|s| s.retention_hold())?)
}

/// Confirms a held retention run and runs it (logged with who confirmed), batch by batch
/// like [`retention_run`]. Slow, so `async`.
#[tauri::command]
#[specta::specta]
pub async fn retention_confirm(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CommandResult<RetentionReport> {
    let mut run = state.with_store(|s| s.retention_begin_confirmed())?;
    drive_retention(&state, &mut run, true, |p| {
        let _ = app.emit(RETENTION_PROGRESS_EVENT, p);
    })?;
    Ok(run.into_report())
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

#[cfg(test)]
mod tests {
    use super::*;
    use varna_core::retention::RetentionSettings;
    use varna_core::store::{FirstRun, NewAccount, Role, Store};

    const PASS: &str = "korrekt häst batteri häftapparat";

    /// A state holding the administratör's store, with `n` abandoned drafts of a
    /// handläggare's due under a 30-day period.
    fn state_with_due(n: usize) -> (tempfile::TempDir, AppState) {
        let dir = tempfile::tempdir().unwrap();
        let (mut admin, _) = Store::create_first_run(
            dir.path(),
            FirstRun {
                admin_username: "anna",
                admin_display_name: "Anna Andersson",
                passphrase: PASS,
                unit_code: "IFO",
                unit_name: "IFO",
            },
        )
        .unwrap();
        admin
            .sync_instruments(&varna_core::instrument::shipped::shipped())
            .unwrap();
        let unit = admin.actor().unit_ids[0].clone();
        admin
            .add_account(NewAccount {
                username: "hanna",
                display_name: "Hanna",
                role: Role::Handlaggare,
                unit_ids: vec![unit.clone()],
                passphrase: PASS,
            })
            .unwrap();
        admin.lock();
        let mut hanna = Store::unlock(dir.path(), "hanna", PASS).unwrap();
        for _ in 0..n {
            hanna
                .start_screening(varna_core::screening::NewScreening {
                    instrument_id: "freda-kortfragor-stil".into(),
                    instrument_version: None,
                    unit_id: unit.clone(),
                    person_role: varna_core::export::PersonRole::Valdsutsatt,
                    conducted_on: chrono::Local::now().date_naive(),
                    case_ref: None,
                    follows: None,
                })
                .unwrap();
        }
        hanna
            .__test_raw_sql("UPDATE screenings SET updated_at = '2020-01-01T00:00:00Z'")
            .unwrap();
        hanna.lock();
        let mut admin = Store::unlock(dir.path(), "anna", PASS).unwrap();
        admin
            .set_retention_settings(RetentionSettings {
                completed_months: 0,
                draft_days: 30,
            })
            .unwrap();
        let state = AppState::new(dir.path().to_path_buf());
        state.set_store(admin);
        (dir, state)
    }

    /// Progress is told before the first batch and after each, with the store free: another
    /// command (here a read through the same state) gets the lock between batches. Were the
    /// lock held, this would deadlock.
    #[test]
    fn a_run_releases_the_store_between_batches_and_tells_its_progress() {
        let (_dir, state) = state_with_due(5);
        let mut run = state
            .with_store(|s| {
                Ok(s.retention_begin(false)?
                    .with_batch_size(2)
                    .with_checkpoint_every(std::time::Duration::from_secs(3600)))
            })
            .unwrap();
        let mut seen = Vec::new();
        drive_retention(&state, &mut run, true, |p| {
            let who = state.with_store_passive(|s| Ok(s.actor().username.clone()));
            assert_eq!(who.unwrap(), "anna");
            seen.push((p.done, p.total));
        })
        .unwrap();
        // before, after each batch, after the checkpoint that ends the run
        assert_eq!(seen, [(0, 5), (2, 5), (4, 5), (5, 5), (5, 5)]);
        assert_eq!(run.into_report().drafts_removed, 5);
        let left = state.with_store(|s| s.retention_preview()).unwrap();
        assert!(left.is_empty());
    }

    /// Locked half-way (the user locked, or the idle limit passed): the run stops with
    /// `Locked` after the batch it was in; the rest is still due at the next unlock.
    #[test]
    fn a_run_stops_when_the_store_locks_and_the_rest_stays_due() {
        let (dir, state) = state_with_due(5);
        let mut run = state
            .with_store(|s| {
                Ok(s.retention_begin(false)?
                    .with_batch_size(2)
                    .with_checkpoint_every(std::time::Duration::from_secs(3600)))
            })
            .unwrap();
        let err = drive_retention(&state, &mut run, false, |p| {
            if p.done == 2 {
                state.lock();
            }
        })
        .unwrap_err();
        assert!(matches!(err, varna_core::Error::Locked), "{err:?}");
        assert!(!run.is_finished());
        assert_eq!(run.progress().done, 2);
        // The next unlock's run removes the other three.
        let admin = Store::unlock(dir.path(), "anna", PASS).unwrap();
        let runs = admin
            .audit_list(&varna_core::audit::AuditFilter {
                event: Some("retention_run".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(runs.len(), 1, "{runs:?}");
        assert!(runs[0]
            .detail
            .starts_with("at unlock: 0 completed, 3 drafts"));
    }
}
