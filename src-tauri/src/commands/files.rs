//! File choices in the system's file dialog. The webview holds no dialog permission of its
//! own: it asks these two commands, which open the dialog from Rust (tauri-plugin-dialog), off
//! the main thread, and return the chosen paths. The paths are then handed to the command that
//! reads or writes them, which checks them in the core (bounded reads of regular files, new
//! files only). Nothing is read or written here.
//!
//! A native GTK dialog cannot be driven through WebDriver, so a *debug* build answers from the
//! file named by `VARNA_TEST_DIALOG_ANSWERS` (one path per line; empty: cancelled) when that
//! variable is set: the end-to-end tests stub the dialog at this command boundary and keep
//! everything after it real. A release build has no such path.

use serde::Deserialize;
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder, FilePath};

use crate::error::CommandResult;

/// One filter of the dialog: a name and the extensions it shows (without dots).
#[derive(Debug, Deserialize, specta::Type)]
pub struct FileFilter {
    pub name: String,
    pub extensions: Vec<String>,
}

fn builder(app: &AppHandle, title: &str, filters: &[FileFilter]) -> FileDialogBuilder<tauri::Wry> {
    let mut b = app.dialog().file().set_title(title);
    if let Some(window) = app.get_webview_window("main") {
        b = b.set_parent(&window);
    }
    for f in filters {
        let exts: Vec<&str> = f.extensions.iter().map(String::as_str).collect();
        b = b.add_filter(&f.name, &exts);
    }
    b
}

fn paths(chosen: Option<Vec<FilePath>>) -> Vec<String> {
    chosen
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.into_path().ok())
        .map(|p| p.display().to_string())
        .collect()
}

/// Lets the user choose existing files (or, with `directory`, a folder); `[]` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn dialog_open(
    app: AppHandle,
    title: String,
    filters: Vec<FileFilter>,
    multiple: bool,
    directory: bool,
) -> CommandResult<Vec<String>> {
    if let Some(answer) = test_answer() {
        return Ok(answer);
    }
    let b = builder(&app, &title, &filters);
    Ok(if directory {
        paths(b.blocking_pick_folder().map(|p| vec![p]))
    } else if multiple {
        paths(b.blocking_pick_files())
    } else {
        paths(b.blocking_pick_file().map(|p| vec![p]))
    })
}

/// Lets the user choose where to save a new file; `null` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn dialog_save(
    app: AppHandle,
    title: String,
    file_name: Option<String>,
    filters: Vec<FileFilter>,
) -> CommandResult<Option<String>> {
    if let Some(answer) = test_answer() {
        return Ok(answer.into_iter().next());
    }
    let mut b = builder(&app, &title, &filters).set_can_create_directories(true);
    if let Some(name) = file_name.filter(|n| !n.trim().is_empty()) {
        b = b.set_file_name(name);
    }
    Ok(paths(b.blocking_save_file().map(|p| vec![p]))
        .into_iter()
        .next())
}

/// The stubbed answer of a debug build under test (see the module documentation).
#[cfg(debug_assertions)]
fn test_answer() -> Option<Vec<String>> {
    let file = std::env::var_os("VARNA_TEST_DIALOG_ANSWERS")?;
    let text = std::fs::read_to_string(file).unwrap_or_default();
    Some(
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

#[cfg(not(debug_assertions))]
fn test_answer() -> Option<Vec<String>> {
    None
}
