//! Supervisor review (granskning) of completed screenings.
//!
//! A completed screening is `awaiting_review` from the moment it is completed (no row in
//! `reviews` yet means exactly that). An arbetsledare of its unit, who is not its author,
//! comments on it (overall or on one answer key) and decides:
//!
//! ```text
//! completed ─▶ awaiting_review ──return (reason)──▶ returned
//!                 ▲      │                            │ author adds an addendum,
//!                 │      └──approve──▶ approved       │ then resubmits
//!                 └───────────────────────────────────┘
//! ```
//!
//! `approved` is final: no comment, decision or resubmission afterwards. The screening's
//! answers never change (the screening module refuses every edit of a completed screening);
//! the worker answers comments with addenda. Comments and history events are insert-only
//! (triggers refuse updates). Approval adds one to the tally's `reviewed` count in the same
//! transaction.
//!
//! Every write happens in one `with_tx` closure per operation (see [`ops`]), so an access-log
//! hook can be added there in the same transaction.
//!
//! Roles and unit memberships are read afresh for every operation. Messages never contain
//! comment text, reasons or answers.

mod ops;
#[cfg(test)]
pub(crate) use ops::{queue_count_sql, queue_page_sql};
mod rules;

pub use ops::ReviewInfo;

use serde::{Deserialize, Serialize};

use crate::instrument::Text;
use crate::screening::ScreeningDoc;

/// Longest comment or reason accepted, in characters.
pub const MAX_REVIEW_TEXT_CHARS: usize = 10_000;

/// Where a completed screening is in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Väntar på granskning: completed, or resubmitted by its author.
    AwaitingReview,
    /// Återlämnad: back with the author, who answers with an addendum and resubmits.
    Returned,
    /// Godkänd: final; the review is locked.
    Approved,
}

impl ReviewStatus {
    /// The code stored in the database and sent to the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::AwaitingReview => "awaiting_review",
            ReviewStatus::Returned => "returned",
            ReviewStatus::Approved => "approved",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<ReviewStatus> {
        match s {
            "awaiting_review" => Some(ReviewStatus::AwaitingReview),
            "returned" => Some(ReviewStatus::Returned),
            "approved" => Some(ReviewStatus::Approved),
            _ => None,
        }
    }
}

/// A supervisor's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Godkänd.
    Approve,
    /// Återlämnad; needs a reason.
    Return,
}

/// What happened in a review, for its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ReviewEventKind {
    /// The author completed the screening (from the screening itself).
    Completed,
    Commented,
    Returned,
    Resubmitted,
    Approved,
}

impl ReviewEventKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ReviewEventKind::Completed => "completed",
            ReviewEventKind::Commented => "commented",
            ReviewEventKind::Returned => "returned",
            ReviewEventKind::Resubmitted => "resubmitted",
            ReviewEventKind::Approved => "approved",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<ReviewEventKind> {
        match s {
            "completed" => Some(ReviewEventKind::Completed),
            "commented" => Some(ReviewEventKind::Commented),
            "returned" => Some(ReviewEventKind::Returned),
            "resubmitted" => Some(ReviewEventKind::Resubmitted),
            "approved" => Some(ReviewEventKind::Approved),
            _ => None,
        }
    }
}

/// A reviewer's comment: overall (`answer_key` `None`) or on one item / answer key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReviewComment {
    pub id: String,
    pub author_name: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// An item id or answer key of the screening's own instrument version; `None`: overall.
    pub answer_key: Option<String>,
    pub text: String,
}

/// One line of the history: who did what and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReviewEvent {
    pub kind: ReviewEventKind,
    pub actor_name: String,
    /// RFC 3339, UTC.
    pub at: String,
    /// The reason of a return (required) or approval (optional).
    pub reason: Option<String>,
}

/// The review of one completed screening, as the signed-in account sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReviewState {
    pub screening_id: String,
    pub status: ReviewStatus,
    /// 1 for the first submission, +1 for every resubmission.
    pub round: u32,
    /// When it last entered `awaiting_review`.
    pub submitted_at: String,
    /// Oldest first.
    pub comments: Vec<ReviewComment>,
    /// Oldest first, starting with the completion.
    pub history: Vec<ReviewEvent>,
    /// The signed-in account may comment (an arbetsledare of the unit, not the author, not
    /// approved).
    pub can_comment: bool,
    /// The signed-in account may approve or return now.
    pub can_decide: bool,
    /// The signed-in account is the author and the screening is returned.
    pub can_resubmit: bool,
    /// The author has added an addendum since the last return (needed to resubmit).
    pub answered_since_return: bool,
}

/// A screening with its review, for the read-only review view.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReviewDoc {
    pub screening: ScreeningDoc,
    pub review: ReviewState,
}

/// One line of the review queue. Holds no answer content and no case reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueItem {
    pub screening_id: String,
    pub instrument_id: String,
    pub instrument_version: String,
    pub instrument_title: Text,
    pub unit_code: String,
    pub author_name: String,
    pub conducted_on: chrono::NaiveDate,
    pub completed_at: String,
    pub submitted_at: String,
    pub status: ReviewStatus,
    pub round: u32,
}

/// The first pages of the arbetsledare's queue: completed screenings in their units that
/// they did not write. The rest of each list is read with
/// [`Store::review_queue_page`](crate::store::Store::review_queue_page) from its `…_next`
/// cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReviewQueue {
    /// Awaiting review, oldest submission first (the first page).
    pub awaiting: Vec<QueueItem>,
    /// Returned and waiting for the worker, oldest first (the first page).
    pub returned: Vec<QueueItem>,
    /// The cursor of the next page of `awaiting`; absent when it is all of them.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub awaiting_next: Option<String>,
    /// The cursor of the next page of `returned`; absent when it is all of them.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub returned_next: Option<String>,
    /// How many await review in all.
    pub awaiting_total: u32,
    /// How many are returned in all.
    pub returned_total: u32,
}

/// One of the lists of [`ReviewQueue`], read page by page with
/// [`Store::review_queue_page`](crate::store::Store::review_queue_page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum QueueList {
    Awaiting,
    Returned,
}
