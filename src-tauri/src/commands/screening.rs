//! Conducting screenings: each command is one call into the core's `Store`.

use tauri::State;
use varna_core::instrument::AnswerValue;
use varna_core::page::{Page, PageRequest};
use varna_core::screening::{
    Addendum, InstrumentSummary, MyList, MyScreenings, NewScreening, Saved, ScreeningDoc,
    ScreeningSummary, UpgradePreview,
};

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn instruments_list(state: State<'_, AppState>) -> CommandResult<Vec<InstrumentSummary>> {
    Ok(state.with_store(|s| s.instruments())?)
}

#[tauri::command]
#[specta::specta]
pub async fn my_screenings(state: State<'_, AppState>) -> CommandResult<MyScreenings> {
    Ok(state.with_store(|s| s.my_screenings())?)
}

/// The next page of one list of the start page (`page.after`: the previous page's `next`).
#[tauri::command]
#[specta::specta]
pub async fn my_screenings_page(
    state: State<'_, AppState>,
    list: MyList,
    page: PageRequest,
) -> CommandResult<Page<ScreeningSummary>> {
    Ok(state.with_store(|s| s.my_screenings_page(list, &page))?)
}

#[tauri::command]
#[specta::specta]
pub async fn screening_start(
    state: State<'_, AppState>,
    screening: NewScreening,
) -> CommandResult<ScreeningDoc> {
    Ok(state.with_store(|s| s.start_screening(screening))?)
}

/// Opens a screening; the opening is written to the access log.
#[tauri::command]
#[specta::specta]
pub async fn screening_get(state: State<'_, AppState>, id: String) -> CommandResult<ScreeningDoc> {
    Ok(state.with_store(|s| s.open_screening(&id))?)
}

/// Saves one answer; resolves only after the core's transaction committed.
#[tauri::command]
#[specta::specta]
pub async fn answer_save(
    state: State<'_, AppState>,
    id: String,
    key: String,
    value: Option<AnswerValue>,
) -> CommandResult<Saved> {
    Ok(state.with_store(|s| s.save_answer(&id, &key, value))?)
}

#[tauri::command]
#[specta::specta]
pub async fn note_save(
    state: State<'_, AppState>,
    id: String,
    key: String,
    text: String,
) -> CommandResult<Saved> {
    Ok(state.with_store(|s| s.save_note(&id, &key, &text))?)
}

#[tauri::command]
#[specta::specta]
pub async fn position_save(
    state: State<'_, AppState>,
    id: String,
    key: String,
) -> CommandResult<()> {
    Ok(state.with_store(|s| s.set_position(&id, &key))?)
}

#[tauri::command]
#[specta::specta]
pub async fn screening_complete(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<ScreeningDoc> {
    Ok(state.with_store(|s| s.complete_screening(&id))?)
}

#[tauri::command]
#[specta::specta]
pub async fn screening_discard(state: State<'_, AppState>, id: String) -> CommandResult<()> {
    Ok(state.with_store(|s| s.discard_screening(&id))?)
}

/// What moving a draft to a newer instrument version would carry over, drop and still need.
#[tauri::command]
#[specta::specta]
pub async fn screening_upgrade_preview(
    state: State<'_, AppState>,
    id: String,
    version: Option<String>,
) -> CommandResult<UpgradePreview> {
    Ok(state.with_store(|s| s.upgrade_preview(&id, version.as_deref()))?)
}

/// Moves a draft to a newer instrument version (one transaction, logged).
#[tauri::command]
#[specta::specta]
pub async fn screening_upgrade(
    state: State<'_, AppState>,
    id: String,
    version: String,
    expect_dropped: usize,
) -> CommandResult<ScreeningDoc> {
    Ok(state.with_store(|s| s.upgrade_draft(&id, &version, expect_dropped))?)
}

#[tauri::command]
#[specta::specta]
pub async fn addendum_add(
    state: State<'_, AppState>,
    id: String,
    text: String,
) -> CommandResult<Addendum> {
    Ok(state.with_store(|s| s.add_addendum(&id, &text))?)
}
