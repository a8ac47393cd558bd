//! Commands the webview may call. Each is listed in `build.rs` (the app manifest) and
//! granted in `capabilities/main.json`; anything not granted is refused by Tauri's ACL.

use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: &'static str,
    pub data_dir: String,
}

/// What the first screen needs to know about the installation.
#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> CommandResult<AppInfo> {
    Ok(AppInfo {
        version: varna_core::VERSION,
        data_dir: state.data_dir.display().to_string(),
    })
}
