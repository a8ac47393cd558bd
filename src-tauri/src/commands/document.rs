//! Journal-ready output of a completed screening: the PDF/A document saved where the user
//! chose, the same document for the system print dialog, and the journal text on the
//! clipboard. The core checks who may (author, the unit's arbetsledare, administratör) and
//! logs each output in the same transaction; these commands are `async` (rendering is work
//! that must not block the main thread).

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use tauri::{AppHandle, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use varna_core::document::{lang_of, DocumentModel, SavedDocument};

use crate::error::CommandResult;
use crate::state::AppState;

/// How long the journal text stays on the clipboard, unless something else replaced it.
const CLIPBOARD_SECONDS: u64 = 60;

/// Saves the PDF/A document of a completed screening to `path`, which the user chose in the
/// save dialog after the UI's warning that the file is not encrypted. The file is created new
/// (never over an existing file); no temporary file is written anywhere.
#[tauri::command]
#[specta::specta]
pub async fn document_save_pdf(
    state: State<'_, AppState>,
    id: String,
    path: String,
    lang: String,
) -> CommandResult<SavedDocument> {
    let path = PathBuf::from(path);
    Ok(state.with_store(|s| s.document_save_pdf(&id, lang_of(&lang), &path))?)
}

/// The document of a completed screening for the print view; the UI shows it and opens the
/// system print dialog (`window.print()`). Nothing is written to disk.
#[tauri::command]
#[specta::specta]
pub async fn document_print(
    state: State<'_, AppState>,
    id: String,
    lang: String,
) -> CommandResult<DocumentModel> {
    Ok(state.with_store(|s| s.document_print(&id, lang_of(&lang)))?)
}

/// What `journal_copy` did.
#[derive(Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JournalCopied {
    /// The clipboard is cleared after this many seconds unless its content was replaced.
    pub clear_after_seconds: u64,
}

/// Puts the journal text of a completed screening on the clipboard (the text never passes
/// through the webview) and clears it after 60 seconds unless the clipboard holds something
/// else by then, as password managers do.
#[tauri::command]
#[specta::specta]
pub async fn journal_copy(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    lang: String,
) -> CommandResult<JournalCopied> {
    let text = state.with_store(|s| s.journal_copy(&id, lang_of(&lang)))?;
    // Marked for clipboard managers as not to be kept in their history, as password managers do.
    app.clipboard()
        .write_secret(text.clone())
        .map_err(|e| varna_core::Error::Internal(format!("the clipboard refused the text: {e}")))?;
    let seconds = clear_after();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(seconds));
        if app.clipboard().read_text().is_ok_and(|now| now == text) {
            let _ = app.clipboard().clear();
        }
    });
    Ok(JournalCopied {
        clear_after_seconds: seconds,
    })
}

/// 60 s; a debug build under test may shorten it with `VARNA_TEST_CLIPBOARD_SECONDS`.
fn clear_after() -> u64 {
    #[cfg(debug_assertions)]
    if let Some(s) = std::env::var("VARNA_TEST_CLIPBOARD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return s;
    }
    CLIPBOARD_SECONDS
}
