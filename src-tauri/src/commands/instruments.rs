//! The instrument library (administratör): the list with origins and problems, checking and
//! adding a file the administratör typed the path of, retiring and reactivating a version.
//! Each command is one call into the core, which checks the role before touching the file;
//! the ones that read a file are `async` (off the main thread).

use std::path::PathBuf;

use tauri::State;
use varna_core::screening::{AddedInstrument, InstrumentFileCheck, InstrumentLibrary};

use crate::error::CommandResult;
use crate::state::AppState;

/// The typed path, trimmed; an empty one is refused.
fn typed_path(path: &str) -> Result<PathBuf, varna_core::Error> {
    let t = path.trim();
    if t.is_empty() {
        return Err(varna_core::Error::InvalidInput(
            "type the path of the instrument file".into(),
        ));
    }
    Ok(PathBuf::from(t))
}

/// Every stored version with its origin and retirement, and the files that do not load.
#[tauri::command]
#[specta::specta]
pub async fn instrument_library(state: State<'_, AppState>) -> CommandResult<InstrumentLibrary> {
    let folder = state.instruments_dir();
    Ok(state.with_store(|s| s.instrument_library(&folder))?)
}

/// Reads and checks a file: its preview and why it cannot be added, if so. Writes nothing.
#[tauri::command]
#[specta::specta]
pub async fn instrument_file_check(
    state: State<'_, AppState>,
    path: String,
) -> CommandResult<InstrumentFileCheck> {
    let folder = state.instruments_dir();
    Ok(state.with_store(|s| s.check_instrument_file(&typed_path(&path)?, &folder))?)
}

/// Copies the file new into the organisation's folder and stores the version (logged).
#[tauri::command]
#[specta::specta]
pub async fn instrument_file_add(
    state: State<'_, AppState>,
    path: String,
) -> CommandResult<AddedInstrument> {
    let folder = state.instruments_dir();
    Ok(state.with_store(|s| s.add_instrument_file(&typed_path(&path)?, &folder))?)
}

/// Retires (`retired: true`) or reactivates a version (logged).
#[tauri::command]
#[specta::specta]
pub async fn instrument_retired_set(
    state: State<'_, AppState>,
    id: String,
    version: String,
    retired: bool,
) -> CommandResult<()> {
    Ok(state.with_store(|s| s.set_instrument_retired(&id, &version, retired))?)
}
