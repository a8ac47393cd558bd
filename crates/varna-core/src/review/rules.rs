//! Who may do what in a review, and in which state. Pure checks on data read afresh for
//! every operation; each refusal is `forbidden` (who) or `conflict` (when) with an English
//! message that names no content.

use super::{ReviewStatus, MAX_REVIEW_TEXT_CHARS};
use crate::access::Role;
use crate::error::{Error, Result};
use crate::instrument::Instrument;
use crate::screening::{ScreeningDoc, Status};

pub(super) use crate::access::Actor;

/// A review exists only for a completed screening.
pub(super) fn check_completed(doc: &ScreeningDoc) -> Result<()> {
    if doc.status != Status::Completed {
        return Err(Error::Conflict(
            "only a completed screening is reviewed; complete the draft first".into(),
        ));
    }
    Ok(())
}

/// Reviewing (commenting, deciding): an arbetsledare of the screening's unit who is not its
/// author.
pub(super) fn check_reviewer(actor: &Actor, doc: &ScreeningDoc, what: &str) -> Result<()> {
    actor.require_role(&[Role::Arbetsledare], what)?;
    actor.require_unit(&doc.unit_id, what)?;
    if actor.id == doc.author_id {
        return Err(Error::Forbidden(format!(
            "{what} is not possible on your own screening; another arbetsledare must review it"
        )));
    }
    Ok(())
}

/// Commenting: not once approved.
pub(super) fn check_can_comment(status: ReviewStatus) -> Result<()> {
    if status == ReviewStatus::Approved {
        return Err(Error::Conflict(
            "the review is approved and locked; no more comments".into(),
        ));
    }
    Ok(())
}

/// Deciding: only while awaiting review.
pub(super) fn check_can_decide(status: ReviewStatus) -> Result<()> {
    match status {
        ReviewStatus::AwaitingReview => Ok(()),
        ReviewStatus::Approved => Err(Error::Conflict(
            "the review is approved and locked; no further decision".into(),
        )),
        ReviewStatus::Returned => Err(Error::Conflict(
            "the screening is returned to its author; decide after it is sent back for review"
                .into(),
        )),
    }
}

/// Resubmitting: only the author, only when returned, only after an addendum by the author
/// made after the return.
pub(super) fn check_can_resubmit(
    actor: &Actor,
    doc: &ScreeningDoc,
    status: ReviewStatus,
    answered_since_return: bool,
) -> Result<()> {
    if actor.id != doc.author_id {
        return Err(Error::Forbidden(
            "only the author may send a screening back for review".into(),
        ));
    }
    match status {
        ReviewStatus::Returned => {}
        ReviewStatus::AwaitingReview => {
            return Err(Error::Conflict(
                "the screening is already awaiting review".into(),
            ))
        }
        ReviewStatus::Approved => {
            return Err(Error::Conflict("the review is approved and locked".into()))
        }
    }
    if !answered_since_return {
        return Err(Error::Conflict(
            "answer the comments with an addendum before sending the screening back for review"
                .into(),
        ));
    }
    Ok(())
}

/// A comment or reason: not empty, at most 10 000 characters, no control characters but
/// line breaks and tabs.
pub(super) fn check_text(text: &str, what: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::InvalidInput(format!("{what} cannot be empty")));
    }
    if text.chars().count() > MAX_REVIEW_TEXT_CHARS {
        return Err(Error::InvalidInput(format!(
            "{what} has at most {MAX_REVIEW_TEXT_CHARS} characters"
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Error::InvalidInput(format!(
            "{what} may not contain control characters"
        )));
    }
    Ok(())
}

/// A comment's target: an item id or an answer key of the screening's own instrument
/// version (a perspective or time frame, when given, must be the item's own).
pub(super) fn comment_key(def: &Instrument, key: &str) -> Result<String> {
    crate::screening::item_key(def, key).map(|k| k.to_string())
}
