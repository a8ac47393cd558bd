//! Supervisor review through the store, on real SQLCipher files: the whole cycle (comment,
//! return, addendum, resubmit, approve), the tally's `reviewed`, and every forbidden
//! transition refused with its error code.

mod screening_support;

use screening_support::*;
use varna_core::export::{Measure, YearMonth};
use varna_core::instrument::AnswerValue;
use varna_core::review::{Decision, ReviewEventKind, ReviewStatus};
use varna_core::store::{NewAccount, Role, Store};
use varna_core::ErrorCode;

/// Fills the required items of the Signs of Safety style mapping and completes it.
fn complete_mapping(store: &mut Store, unit: &str) -> String {
    let m = start_version(store, "signs-of-safety-stil", "1.0.0", unit);
    save(
        store,
        &m.id,
        "tidigare_skada",
        entries(&[&[("beskrivning", t("Slag"))]]),
    );
    save(
        store,
        &m.id,
        "farlighetsformuleringar",
        entries(&[&[("formulering", t("Oro"))]]),
    );
    save(
        store,
        &m.id,
        "sakerhetsmal",
        entries(&[&[("mal", t("Trygg"))]]),
    );
    save(
        store,
        &m.id,
        "nasta_steg",
        entries(&[&[
            ("vad", t("Möte")),
            ("vem", t("Mormor")),
            ("nar", AnswerValue::Date("2025-04-02".into())),
        ]]),
    );
    save(
        store,
        &m.id,
        "sakerhet@worker",
        Some(AnswerValue::Integer(4)),
    );
    save(store, &m.id, "beslut", choice("insats"));
    store.complete_screening(&m.id).unwrap();
    m.id
}

fn reviewed_count(store: &Store) -> u64 {
    let month: YearMonth = today().format("%Y-%m").to_string().parse().unwrap();
    store
        .tally_rows(month, month)
        .unwrap()
        .iter()
        .filter(|r| r.measure == Measure::Reviewed)
        .map(|r| r.count)
        .sum()
}

#[test]
fn review_a_mapping_is_commented_returned_answered_resubmitted_and_approved() {
    let (w, admin) = world();
    admin.lock();
    let mut hanna = w.unlock("hanna");
    let id = complete_mapping(&mut hanna, &w.ifo);

    // The worker sees it awaiting review and cannot resubmit yet.
    let st = hanna.review_state(&id).unwrap();
    assert_eq!(st.status, ReviewStatus::AwaitingReview);
    assert_eq!(st.round, 1);
    assert!(!st.can_comment && !st.can_decide && !st.can_resubmit);
    assert_eq!(code(hanna.review_resubmit(&id)), ErrorCode::Conflict);
    hanna.lock();

    let mut arne = w.unlock("arne");
    let q = arne.review_queue().unwrap();
    assert_eq!(q.awaiting.len(), 1);
    assert_eq!(q.awaiting[0].screening_id, id);
    assert_eq!(q.awaiting[0].author_name, "Hanna Handläggare");
    assert_eq!(q.awaiting[0].instrument_id, "signs-of-safety-stil");
    assert_eq!(q.awaiting[0].unit_code, "IFO");
    assert!(q.returned.is_empty());

    let doc = arne.review_get(&id).unwrap();
    assert_eq!(doc.screening.instrument_version, "1.0.0");
    assert!(doc.review.can_comment && doc.review.can_decide);

    let overall = arne.review_comment(&id, None, "Bra kartläggning").unwrap();
    assert_eq!(overall.answer_key, None);
    assert_eq!(overall.author_name, "Arne Arbetsledare");
    let on_item = arne
        .review_comment(&id, Some("sakerhet@worker"), "Varför 4?")
        .unwrap();
    assert_eq!(on_item.answer_key.as_deref(), Some("sakerhet@worker"));
    let st = arne
        .review_decide(&id, Decision::Return, Some("Motivera skattningen"))
        .unwrap();
    assert_eq!(st.status, ReviewStatus::Returned);
    assert!(!st.can_decide && st.can_comment);
    let q = arne.review_queue().unwrap();
    assert!(q.awaiting.is_empty());
    assert_eq!(q.returned.len(), 1);
    arne.lock();

    let mut hanna = w.unlock("hanna");
    let st = hanna.review_state(&id).unwrap();
    assert_eq!(st.status, ReviewStatus::Returned);
    assert_eq!(st.comments.len(), 2);
    assert!(st.can_resubmit && !st.answered_since_return);
    // Answers of a completed screening never change, returned or not.
    assert_eq!(
        code(hanna.save_answer(&id, "sakerhet@worker", Some(AnswerValue::Integer(6)))),
        ErrorCode::Conflict
    );
    // Resubmitting needs an addendum made after the return.
    assert_eq!(code(hanna.review_resubmit(&id)), ErrorCode::Conflict);
    hanna
        .add_addendum(&id, "Skattningen 4 bygger på mammans berättelse.")
        .unwrap();
    assert!(hanna.review_state(&id).unwrap().answered_since_return);
    let st = hanna.review_resubmit(&id).unwrap();
    assert_eq!(st.status, ReviewStatus::AwaitingReview);
    assert_eq!(st.round, 2);
    assert_eq!(code(hanna.review_resubmit(&id)), ErrorCode::Conflict);
    hanna.lock();

    let mut arne = w.unlock("arne");
    let q = arne.review_queue().unwrap();
    assert_eq!(q.awaiting.len(), 1);
    assert_eq!(q.awaiting[0].round, 2);
    assert_eq!(reviewed_count(&arne), 0);
    let st = arne.review_decide(&id, Decision::Approve, None).unwrap();
    assert_eq!(st.status, ReviewStatus::Approved);
    assert!(!st.can_comment && !st.can_decide && !st.can_resubmit);
    assert_eq!(reviewed_count(&arne), 1);
    let kinds: Vec<ReviewEventKind> = st.history.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            ReviewEventKind::Completed,
            ReviewEventKind::Commented,
            ReviewEventKind::Commented,
            ReviewEventKind::Returned,
            ReviewEventKind::Resubmitted,
            ReviewEventKind::Approved,
        ]
    );
    assert_eq!(
        st.history[3].reason.as_deref(),
        Some("Motivera skattningen")
    );
    assert_eq!(st.history[4].actor_name, "Hanna Handläggare");
    assert!(st.history.iter().all(|e| e.at.ends_with('Z')));
    // Approval locks the review.
    assert_eq!(
        code(arne.review_comment(&id, None, "Till")),
        ErrorCode::Conflict
    );
    assert_eq!(
        code(arne.review_decide(&id, Decision::Approve, None)),
        ErrorCode::Conflict
    );
    assert_eq!(
        code(arne.review_decide(&id, Decision::Return, Some("Nej"))),
        ErrorCode::Conflict
    );
    assert!(arne.review_queue().unwrap().awaiting.is_empty());
    assert!(arne.review_queue().unwrap().returned.is_empty());
    assert_eq!(reviewed_count(&arne), 1);
    arne.lock();

    let mut hanna = w.unlock("hanna");
    assert_eq!(code(hanna.review_resubmit(&id)), ErrorCode::Conflict);
}

#[test]
fn review_only_an_arbetsledare_of_the_unit_who_is_not_the_author_reviews() {
    let (w, mut admin) = world();
    admin
        .add_account(NewAccount {
            username: "arvid",
            display_name: "Arvid Arbetsledare",
            role: Role::Arbetsledare,
            unit_ids: vec![w.ifo.clone()],
            passphrase: PASS,
        })
        .unwrap();
    // An administratör is no reviewer.
    assert_eq!(code(admin.review_queue()), ErrorCode::Forbidden);
    admin.lock();

    let mut hanna = w.unlock("hanna");
    let id = complete_mapping(&mut hanna, &w.ifo);
    // The author (a handläggare) cannot comment on or decide on her own screening.
    assert_eq!(
        code(hanna.review_comment(&id, None, "Ok")),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(hanna.review_decide(&id, Decision::Approve, None)),
        ErrorCode::Forbidden
    );
    assert_eq!(code(hanna.review_queue()), ErrorCode::Forbidden);
    hanna.lock();

    // Another handläggare of the same unit cannot even open it; a handläggare cannot approve.
    let mut hilda = w.unlock("hilda");
    assert_eq!(
        code(hilda.review_decide(&id, Decision::Approve, None)),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(hilda.review_comment(&id, None, "Ok")),
        ErrorCode::Forbidden
    );
    assert_eq!(code(hilda.review_resubmit(&id)), ErrorCode::Forbidden);
    hilda.lock();

    // An arbetsledare of another unit: not in her queue, refused.
    let mut alva = w.unlock("alva");
    assert!(alva.review_queue().unwrap().awaiting.is_empty());
    assert_eq!(code(alva.review_get(&id)), ErrorCode::Forbidden);
    assert_eq!(
        code(alva.review_decide(&id, Decision::Approve, None)),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(alva.review_comment(&id, None, "Ok")),
        ErrorCode::Forbidden
    );
    alva.lock();

    // An arbetsledare's own screening is not in his queue and he cannot decide on it…
    let mut arne = w.unlock("arne");
    let own = complete_mapping(&mut arne, &w.ifo);
    let q = arne.review_queue().unwrap();
    assert_eq!(q.awaiting.len(), 1);
    assert_eq!(q.awaiting[0].screening_id, id);
    let err = arne
        .review_decide(&own, Decision::Approve, None)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert!(err.to_string().contains("own screening"), "{err}");
    assert_eq!(
        code(arne.review_comment(&own, None, "Ok")),
        ErrorCode::Forbidden
    );
    // …nor resubmit someone else's.
    arne.review_decide(&id, Decision::Return, Some("Komplettera"))
        .unwrap();
    assert_eq!(code(arne.review_resubmit(&id)), ErrorCode::Forbidden);
    arne.lock();

    // …but another arbetsledare of the unit can.
    let mut arvid = w.unlock("arvid");
    let q = arvid.review_queue().unwrap();
    assert_eq!(q.awaiting.len(), 1);
    assert_eq!(q.awaiting[0].screening_id, own);
    assert_eq!(q.returned.len(), 1);
    arvid
        .review_decide(&own, Decision::Approve, Some("Bra"))
        .unwrap();
    assert_eq!(reviewed_count(&arvid), 1);
    arvid.lock();

    // A role change applies at once: hanna's arbetsledare demoted to handläggare is refused.
    let mut admin = w.unlock("admin");
    let arne_id = admin.account_by_username("arne").unwrap().id;
    admin.set_role(&arne_id, Role::Handlaggare).unwrap();
    admin.lock();
    let mut hanna = w.unlock("hanna");
    hanna.add_addendum(&id, "Kompletterat").unwrap();
    hanna.review_resubmit(&id).unwrap();
    hanna.lock();
    let mut arne = w.unlock("arne");
    assert_eq!(
        code(arne.review_decide(&id, Decision::Approve, None)),
        ErrorCode::Forbidden
    );
    assert_eq!(code(arne.review_queue()), ErrorCode::Forbidden);
}

#[test]
fn review_bad_input_and_wrong_states_are_refused() {
    let (w, admin) = world();
    admin.lock();
    let mut hanna = w.unlock("hanna");
    let draft = start(&mut hanna, "signs-of-safety-stil", &w.ifo);
    assert_eq!(code(hanna.review_state(&draft.id)), ErrorCode::Conflict);
    let id = complete_mapping(&mut hanna, &w.ifo);
    // An addendum made before the return does not answer it.
    hanna.add_addendum(&id, "Före återlämnandet").unwrap();
    hanna.lock();

    let mut arne = w.unlock("arne");
    assert_eq!(
        code(arne.review_decide(&draft.id, Decision::Approve, None)),
        ErrorCode::Conflict
    );
    assert_eq!(
        code(arne.review_comment(&draft.id, None, "Ok")),
        ErrorCode::Conflict
    );
    assert_eq!(code(arne.review_state("no-such-id")), ErrorCode::NotFound);
    // A return needs a reason.
    assert_eq!(
        code(arne.review_decide(&id, Decision::Return, None)),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(arne.review_decide(&id, Decision::Return, Some("  \n "))),
        ErrorCode::InvalidInput
    );
    // Comments: not empty, not too long, on keys of the screening's own version.
    assert_eq!(
        code(arne.review_comment(&id, None, "   ")),
        ErrorCode::InvalidInput
    );
    let long = "x".repeat(10_001);
    assert_eq!(
        code(arne.review_comment(&id, None, &long)),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(arne.review_comment(&id, None, "a\u{0}b")),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(arne.review_comment(&id, Some("no_such_item"), "Ok")),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(arne.review_comment(&id, Some("sakerhet@parent"), "Ok")),
        ErrorCode::InvalidInput
    );
    arne.review_comment(&id, Some("nasta_steg"), "Vem följer upp?")
        .unwrap();
    // Nothing refused above was written.
    let st = arne.review_state(&id).unwrap();
    assert_eq!(st.comments.len(), 1);
    assert_eq!(st.status, ReviewStatus::AwaitingReview);

    arne.review_decide(&id, Decision::Return, Some("Svara på frågan"))
        .unwrap();
    // No decision while it is with the worker; comments still possible.
    assert_eq!(
        code(arne.review_decide(&id, Decision::Approve, None)),
        ErrorCode::Conflict
    );
    assert_eq!(
        code(arne.review_decide(&id, Decision::Return, Some("Igen"))),
        ErrorCode::Conflict
    );
    arne.review_comment(&id, None, "Tänk också på nätverket")
        .unwrap();
    // An arbetsledare's own addendum does not answer the return for the author.
    arne.add_addendum(&id, "Arbetsledarens tillägg").unwrap();
    arne.lock();

    let mut hanna = w.unlock("hanna");
    let st = hanna.review_state(&id).unwrap();
    assert!(!st.answered_since_return);
    assert_eq!(st.comments.len(), 2);
    let err = hanna.review_resubmit(&id).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(err.to_string().contains("addendum"), "{err}");
    hanna.add_addendum(&id, "Mitt svar").unwrap();
    hanna.review_resubmit(&id).unwrap();
}
