//! The interview's position is saved with every answer, in the answer's own transaction, so
//! a crash right after a fast run of answers resumes on the item the worker goes on to: the
//! next item shown *under the new answer* (a follow-up it reveals, not one it hides); typed
//! input, multiple-choice toggles and clearing leave the position where it is.

mod screening_support;

use screening_support::*;
use varna_core::instrument::AnswerValue;
use varna_core::store::Store;

/// The stored position, read after a crash (the store is dropped without locking) and a new
/// unlock, as the app does when it resumes a draft.
fn position_after_crash(w: &World, store: Store, id: &str) -> (Store, Option<String>) {
    drop(store);
    let mut s = w.unlock("hanna");
    let doc = s.open_screening(id).unwrap();
    (s, doc.position)
}

#[test]
fn each_answer_saves_the_item_the_interview_goes_on_to() {
    let (w, admin) = world();
    admin.lock();
    let mut s = w.unlock("hanna");
    let doc = start(&mut s, "freda-kortfragor-stil", &w.ifo);
    let id = doc.id.clone();

    save(&mut s, &id, "fysiskt_vald", yes(false));
    let (mut s, pos) = position_after_crash(&w, s, &id);
    assert_eq!(pos.as_deref(), Some("hot"));

    // A fast run: every answer moves the position on, with no position save in between.
    for q in ["hot", "kontroll", "sexuellt_vald"] {
        save(&mut s, &id, q, yes(false));
    }
    let (mut s, pos) = position_after_crash(&w, s, &id);
    assert_eq!(pos.as_deref(), Some("radsla_nu"));

    // The last question answered "no" with all others "no": the follow-up section stays
    // hidden, so there is no next item; the position stays on the last shown one.
    save(&mut s, &id, "radsla_nu", yes(false));
    let (mut s, pos) = position_after_crash(&w, s, &id);
    assert_eq!(pos.as_deref(), Some("radsla_nu"));

    // "Yes" shows the follow-up section: its first item comes next.
    save(&mut s, &id, "radsla_nu", yes(true));
    let (mut s, pos) = position_after_crash(&w, s, &id);
    assert_eq!(pos.as_deref(), Some("nar"));

    // One choice finishes the item; the toggles of a multiple choice do not.
    save(&mut s, &id, "nar", choice("senaste_aret"));
    let (mut s, pos) = position_after_crash(&w, s, &id);
    assert_eq!(pos.as_deref(), Some("vem"));
    save(
        &mut s,
        &id,
        "vem",
        Some(AnswerValue::Choices(vec!["partner".into()])),
    );
    let (mut s, pos) = position_after_crash(&w, s, &id);
    assert_eq!(pos.as_deref(), Some("vem"));

    // Back to an earlier item (the debounced save of navigation), answered: the one after it.
    s.set_position(&id, "hot").unwrap();
    save(&mut s, &id, "hot", yes(false));
    let (mut s, pos) = position_after_crash(&w, s, &id);
    assert_eq!(pos.as_deref(), Some("kontroll"));

    // Taking back the only "yes" hides the follow-up section again: no next shown item.
    save(&mut s, &id, "radsla_nu", yes(false));
    let (mut s, pos) = position_after_crash(&w, s, &id);
    assert_eq!(pos.as_deref(), Some("radsla_nu"));

    // Declining finishes an item; clearing an answer leaves the position where it is.
    save(&mut s, &id, "kontroll", Some(AnswerValue::Declined));
    let (mut s, pos) = position_after_crash(&w, s, &id);
    assert_eq!(pos.as_deref(), Some("sexuellt_vald"));
    save(&mut s, &id, "fysiskt_vald", None);
    let (s, pos) = position_after_crash(&w, s, &id);
    assert_eq!(pos.as_deref(), Some("sexuellt_vald"));

    // The answers themselves are all there.
    let mut s = s;
    let doc = s.open_screening(&id).unwrap();
    assert_eq!(doc.answers.get("hot"), Some(&AnswerValue::YesNo(false)));
    assert_eq!(doc.answers.get("kontroll"), Some(&AnswerValue::Declined));
    assert!(!doc.answers.contains_key("fysiskt_vald"));
}

#[test]
fn an_answer_refused_moves_no_position() {
    let (w, admin) = world();
    admin.lock();
    let mut s = w.unlock("hanna");
    let doc = start(&mut s, "freda-kortfragor-stil", &w.ifo);
    s.set_position(&doc.id, "kontroll").unwrap();
    assert!(s
        .save_answer(&doc.id, "hot", Some(AnswerValue::Text("nej".into())))
        .is_err());
    let (_, pos) = position_after_crash(&w, s, &doc.id);
    assert_eq!(pos.as_deref(), Some("kontroll"));
}
