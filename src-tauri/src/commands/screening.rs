//! Conducting screenings: each command is one call into the core's `Store`.

use tauri::State;
use varna_core::instrument::AnswerValue;
use varna_core::screening::{
    Addendum, InstrumentSummary, MyScreenings, NewScreening, Saved, ScreeningDoc,
};

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub fn instruments_list(state: State<'_, AppState>) -> CommandResult<Vec<InstrumentSummary>> {
    Ok(state.with_store(|s| s.instruments())?)
}

#[tauri::command]
pub fn my_screenings(state: State<'_, AppState>) -> CommandResult<MyScreenings> {
    Ok(state.with_store(|s| s.my_screenings())?)
}

#[tauri::command]
pub fn screening_start(
    state: State<'_, AppState>,
    new: NewScreening,
) -> CommandResult<ScreeningDoc> {
    Ok(state.with_store(|s| s.start_screening(new))?)
}

/// Opens a screening; the opening is written to the access log.
#[tauri::command]
pub fn screening_get(state: State<'_, AppState>, id: String) -> CommandResult<ScreeningDoc> {
    Ok(state.with_store(|s| s.open_screening(&id))?)
}

/// Saves one answer; resolves only after the core's transaction committed.
#[tauri::command]
pub fn answer_save(
    state: State<'_, AppState>,
    id: String,
    key: String,
    value: Option<AnswerValue>,
) -> CommandResult<Saved> {
    Ok(state.with_store(|s| s.save_answer(&id, &key, value))?)
}

#[tauri::command]
pub fn note_save(
    state: State<'_, AppState>,
    id: String,
    key: String,
    text: String,
) -> CommandResult<Saved> {
    Ok(state.with_store(|s| s.save_note(&id, &key, &text))?)
}

#[tauri::command]
pub fn position_save(state: State<'_, AppState>, id: String, key: String) -> CommandResult<()> {
    Ok(state.with_store(|s| s.set_position(&id, &key))?)
}

#[tauri::command]
pub fn screening_complete(state: State<'_, AppState>, id: String) -> CommandResult<ScreeningDoc> {
    Ok(state.with_store(|s| s.complete_screening(&id))?)
}

#[tauri::command]
pub fn screening_discard(state: State<'_, AppState>, id: String) -> CommandResult<()> {
    Ok(state.with_store(|s| s.discard_screening(&id))?)
}

#[tauri::command]
pub fn addendum_add(
    state: State<'_, AppState>,
    id: String,
    text: String,
) -> CommandResult<Addendum> {
    Ok(state.with_store(|s| s.add_addendum(&id, &text))?)
}
