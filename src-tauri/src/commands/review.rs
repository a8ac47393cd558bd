//! Supervisor review (granskning): each command is one call into the core's `Store`, which
//! enforces every rule (roles, units, author, states).

use tauri::State;
use varna_core::page::{Page, PageRequest};
use varna_core::review::{
    Decision, QueueItem, QueueList, ReviewComment, ReviewDoc, ReviewQueue, ReviewState,
};

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn review_queue(state: State<'_, AppState>) -> CommandResult<ReviewQueue> {
    Ok(state.with_store(|s| s.review_queue())?)
}

/// The next page of one list of the review queue (`page.after`: the previous page's `next`).
#[tauri::command]
#[specta::specta]
pub async fn review_queue_page(
    state: State<'_, AppState>,
    list: QueueList,
    page: PageRequest,
) -> CommandResult<Page<QueueItem>> {
    Ok(state.with_store(|s| s.review_queue_page(list, &page))?)
}

#[tauri::command]
#[specta::specta]
pub async fn review_get(state: State<'_, AppState>, id: String) -> CommandResult<ReviewDoc> {
    Ok(state.with_store(|s| s.review_get(&id))?)
}

#[tauri::command]
#[specta::specta]
pub async fn review_state(state: State<'_, AppState>, id: String) -> CommandResult<ReviewState> {
    Ok(state.with_store(|s| s.review_state(&id))?)
}

#[tauri::command]
#[specta::specta]
pub async fn review_comment(
    state: State<'_, AppState>,
    id: String,
    answer_key: Option<String>,
    text: String,
) -> CommandResult<ReviewComment> {
    Ok(state.with_store(|s| s.review_comment(&id, answer_key.as_deref(), &text))?)
}

#[tauri::command]
#[specta::specta]
pub async fn review_decide(
    state: State<'_, AppState>,
    id: String,
    decision: Decision,
    reason: Option<String>,
) -> CommandResult<ReviewState> {
    Ok(state.with_store(|s| s.review_decide(&id, decision, reason.as_deref()))?)
}

#[tauri::command]
#[specta::specta]
pub async fn review_resubmit(state: State<'_, AppState>, id: String) -> CommandResult<ReviewState> {
    Ok(state.with_store(|s| s.review_resubmit(&id))?)
}
