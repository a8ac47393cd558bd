//! The access log: every operation leaves a row, the chain names the first row that was
//! changed, deleted or moved, and the signed head catches truncation. Tampering goes
//! through the hidden test hook `Store::__test_raw_sql`, which runs SQL on the decrypted
//! database like someone with the SQLCipher shell and the key would (dropping the
//! append-only triggers first).

mod screening_support;

use screening_support::*;
use varna_core::audit::{AuditFilter, AuditReport, Event};
use varna_core::store::Store;
use varna_core::ErrorCode;

const DROP_TRIGGERS: &str = "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;";

fn events(store: &Store, filter: AuditFilter) -> Vec<String> {
    store
        .audit_list(&filter)
        .unwrap()
        .into_iter()
        .rev()
        .map(|e| e.event)
        .collect()
}

fn broken_at(report: &AuditReport) -> i64 {
    assert!(!report.ok, "expected a broken log: {report:?}");
    report.first_broken.as_ref().unwrap().seq
}

/// A store with a log of a handful of rows, and the number of rows.
fn logged_world() -> (World, Store, u64) {
    let (w, admin) = world();
    let report = admin.verify_audit().unwrap();
    assert!(report.ok, "{report:?}");
    let rows = report.rows;
    assert!(rows >= 10, "setup, units, accounts, instruments: {rows}");
    (w, admin, rows)
}

#[test]
fn operations_are_logged_with_who_what_and_which_object_and_no_content() {
    let (w, admin) = world();
    admin.lock();
    // Two wrong passphrases, then a good one: one row for the failures.
    for _ in 0..2 {
        assert_eq!(
            Store::unlock(w.path(), "hanna", "wrong passphrase!!")
                .unwrap_err()
                .code(),
            ErrorCode::WrongPassphrase
        );
    }
    let mut s = w.unlock("hanna");
    let doc = start(&mut s, "freda-kortfragor-stil", &w.ifo);
    answer_freda(&mut s, &doc.id, false);
    s.open_screening(&doc.id).unwrap();
    s.complete_screening(&doc.id).unwrap();
    s.add_addendum(&doc.id, "KANARIETILLAGG").unwrap();
    let draft = start(&mut s, "freda-kortfragor-stil", &w.ifo);
    s.discard_screening(&draft.id).unwrap();
    s.lock();

    let arne = w.unlock("arne");
    let all = arne.audit_list(&AuditFilter::default()).unwrap();
    // Newest first.
    assert!(all.windows(2).all(|p| p[0].seq > p[1].seq));
    let failed = all.iter().find(|e| e.event == "unlock_failed").unwrap();
    assert_eq!(failed.actor_id, None);
    assert_eq!(
        failed.detail,
        "2 failed attempts with this account's username"
    );
    // The failures are attributed to the account whose username was tried.
    assert_eq!(failed.object_kind, "account");
    let hanna_id = all
        .iter()
        .find(|e| e.actor_username.as_deref() == Some("hanna"))
        .and_then(|e| e.actor_id.clone());
    assert_eq!(Some(failed.object_id.clone()), hanna_id);
    for e in &all {
        assert!(!e.detail.contains("KANARIE"), "content in the log: {e:?}");
    }
    let mine = events(
        &arne,
        AuditFilter {
            person: Some("hanna".into()),
            ..Default::default()
        },
    );
    assert_eq!(
        mine,
        [
            "unlock",
            "screening_create",
            "screening_open",
            "screening_complete",
            "addendum_add",
            "screening_create",
            "screening_discard",
            "lock"
        ]
    );
    let about = events(
        &arne,
        AuditFilter {
            object_id: Some(doc.id.clone()),
            ..Default::default()
        },
    );
    assert_eq!(
        about,
        [
            "screening_create",
            "screening_open",
            "screening_complete",
            "addendum_add"
        ]
    );
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let creates = arne
        .audit_list(&AuditFilter {
            event: Some("screening_create".into()),
            from: Some(today.clone()),
            to: Some(today),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(creates.len(), 2);
    assert_eq!(creates[0].actor_username.as_deref(), Some("hanna"));
    assert!(creates[0].detail.starts_with("freda-kortfragor-stil@"));
    let none = arne
        .audit_list(&AuditFilter {
            to: Some("2001-01-01".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(
        arne.audit_list(&AuditFilter {
            event: Some("no_such_event".into()),
            ..Default::default()
        })
        .unwrap_err()
        .code(),
        ErrorCode::InvalidInput
    );
    let setup = events(&arne, AuditFilter::default());
    assert_eq!(setup[0], "setup");
    for ev in ["unit_add", "account_add", "instrument_add"] {
        assert!(setup.iter().any(|e| e == ev), "{ev} missing: {setup:?}");
    }
    assert!(arne.verify_audit().unwrap().ok);
    assert!(arne.audit_at_unlock().unwrap().ok);
    arne.lock();

    // Handläggare may not read the log.
    let hanna = w.unlock("hanna");
    assert_eq!(
        code(hanna.audit_list(&AuditFilter::default())),
        ErrorCode::Forbidden
    );
    assert_eq!(code(hanna.verify_audit()), ErrorCode::Forbidden);
    assert!(hanna.audit_at_unlock().is_none());
}

#[test]
fn the_log_is_append_only_through_sql() {
    let (_w, admin, _) = logged_world();
    assert!(admin
        .__test_raw_sql("UPDATE audit_log SET detail = 'x' WHERE seq = 2")
        .is_err());
    assert!(admin
        .__test_raw_sql("DELETE FROM audit_log WHERE seq = 2")
        .is_err());
    assert!(admin.verify_audit().unwrap().ok);
}

#[test]
fn a_changed_row_is_named() {
    let (_w, admin, _) = logged_world();
    admin
        .__test_raw_sql(&format!(
            "{DROP_TRIGGERS} UPDATE audit_log SET actor_id = NULL WHERE seq = 5"
        ))
        .unwrap();
    let report = admin.verify_audit().unwrap();
    assert_eq!(broken_at(&report), 5, "{report:?}");
    assert!(report.first_broken.unwrap().reason.contains("hash"));
}

#[test]
fn a_deleted_row_is_named() {
    let (_w, admin, _) = logged_world();
    admin
        .__test_raw_sql(&format!(
            "{DROP_TRIGGERS} DELETE FROM audit_log WHERE seq = 4"
        ))
        .unwrap();
    let report = admin.verify_audit().unwrap();
    assert_eq!(broken_at(&report), 4, "{report:?}");
    assert!(report.first_broken.unwrap().reason.contains("missing"));
}

#[test]
fn reordered_rows_are_named() {
    let (_w, admin, _) = logged_world();
    // Swap rows 6 and 7 (their numbers), keeping each row's stored hash.
    admin
        .__test_raw_sql(&format!(
            "{DROP_TRIGGERS}
             UPDATE audit_log SET seq = -1 WHERE seq = 6;
             UPDATE audit_log SET seq = 6 WHERE seq = 7;
             UPDATE audit_log SET seq = 7 WHERE seq = -1;"
        ))
        .unwrap();
    let report = admin.verify_audit().unwrap();
    assert_eq!(broken_at(&report), 6, "{report:?}");
}

#[test]
fn a_recomputed_chain_without_the_key_is_caught_by_the_head() {
    // Changing a row and recomputing the hashes needs only SHA-256, but the head is signed:
    // simulate by replacing the last row's hash and the head's hash together.
    let (_w, admin, rows) = logged_world();
    admin
        .__test_raw_sql(&format!(
            "{DROP_TRIGGERS}
             UPDATE audit_head SET hash = 'ab', seq = seq;"
        ))
        .unwrap();
    let report = admin.verify_audit().unwrap();
    assert_eq!(broken_at(&report), rows as i64, "{report:?}");
    assert!(report.first_broken.unwrap().reason.contains("signature"));
}

#[test]
fn truncation_is_caught_by_the_signed_head_and_reported_at_the_next_unlock() {
    let (w, admin, rows) = logged_world();
    let rows = rows as i64;
    admin
        .__test_raw_sql(&format!(
            "{DROP_TRIGGERS} DELETE FROM audit_log WHERE seq > {}",
            rows - 3
        ))
        .unwrap();
    let report = admin.verify_audit().unwrap();
    assert_eq!(broken_at(&report), rows - 2, "{report:?}");
    assert!(report.first_broken.unwrap().reason.contains("truncated"));
    // Dropping the head as well does not help: rows without a head.
    admin.__test_raw_sql("DELETE FROM audit_head").unwrap();
    assert_eq!(broken_at(&admin.verify_audit().unwrap()), 1);
    admin.lock();

    // The unlock still works, reports the break and logs it.
    let arne = w.unlock("arne");
    let at_unlock = arne.audit_at_unlock().unwrap().clone();
    assert!(!at_unlock.ok);
    let broken = arne
        .audit_list(&AuditFilter {
            event: Some(Event::AuditBroken.as_str().into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(broken.len(), 1);
    assert_eq!(broken[0].object_id, "1");
}

#[test]
fn autosaves_after_a_truncation_do_not_re_seal_the_head_over_it() {
    // A session that was open before the log was cut keeps saving answers. Those writes
    // append no log rows, so they must leave the head alone; re-sealing it at the new last
    // row would make the truncation invisible.
    let (w, admin, _) = logged_world();
    let mut hanna = w.unlock("hanna");
    let doc = start(&mut hanna, "freda-kortfragor-stil", &w.ifo);
    let rows = admin.verify_audit().unwrap().rows as i64;
    admin
        .__test_raw_sql(&format!(
            "{DROP_TRIGGERS} DELETE FROM audit_log WHERE seq > {}",
            rows - 2
        ))
        .unwrap();
    answer_freda(&mut hanna, &doc.id, false);
    hanna
        .save_note(&doc.id, "hot", "KANARIEANTECKNING")
        .unwrap();
    let report = admin.verify_audit().unwrap();
    assert_eq!(broken_at(&report), rows - 1, "{report:?}");
    assert!(report.first_broken.unwrap().reason.contains("truncated"));
}

#[test]
fn verify_needs_a_reading_role() {
    let (w, admin) = world();
    admin.lock();
    let hugo = w.unlock("hugo");
    assert_eq!(code(hugo.verify_audit()), ErrorCode::Forbidden);
}
