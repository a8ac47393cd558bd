//! Unlock checks the access log incrementally, from a MAC'd checkpoint of the verified
//! prefix kept in the encrypted database (`meta.audit_checkpoint`); the full check stays on
//! demand (`Store::verify_audit`). These tests pin down what each of them sees: rows changed
//! or removed after the checkpoint and a forged, damaged or outrun checkpoint are caught at
//! unlock; a row changed inside the verified prefix is caught by the full check. Tampering
//! goes through the hidden test hook `Store::__test_raw_sql`, like someone with the SQLCipher
//! shell and the key.

mod screening_support;

use screening_support::*;
use varna_core::audit::{AuditFilter, AuditReport, Event};
use varna_core::store::Store;

const DROP_TRIGGERS: &str = "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;";

/// The stored checkpoint: (seq, hash, first recorded break, mac).
fn checkpoint(store: &Store) -> Option<(i64, String, i64, String)> {
    let texts = store
        .__test_query_texts("SELECT value FROM meta WHERE key = 'audit_checkpoint'")
        .unwrap();
    let text = texts.first()?;
    let parts: Vec<&str> = text.split(':').collect();
    assert_eq!(parts.len(), 5, "{text}");
    assert_eq!(parts[0], "v1");
    Some((
        parts[1].parse().unwrap(),
        parts[2].to_owned(),
        parts[3].parse().unwrap(),
        parts[4].to_owned(),
    ))
}

fn set_checkpoint(store: &Store, seq: i64, hash: &str, first_break: i64, mac: &str) {
    store
        .__test_raw_sql(&format!(
            "UPDATE meta SET value = 'v1:{seq}:{hash}:{first_break}:{mac}'
             WHERE key = 'audit_checkpoint'"
        ))
        .unwrap();
}

fn last_seq(store: &Store) -> i64 {
    store
        .__test_query_texts("SELECT CAST(max(seq) AS TEXT) FROM audit_log")
        .unwrap()[0]
        .parse()
        .unwrap()
}

fn hash_of(store: &Store, seq: i64) -> String {
    store
        .__test_query_texts(&format!("SELECT hash FROM audit_log WHERE seq = {seq}"))
        .unwrap()
        .remove(0)
}

fn broken(report: &AuditReport) -> (i64, String) {
    assert!(!report.ok, "expected a broken log: {report:?}");
    let b = report.first_broken.clone().unwrap();
    (b.seq, b.reason)
}

fn audit_broken_rows(store: &Store) -> Vec<(String, String)> {
    store
        .audit_list(&AuditFilter {
            event: Some(Event::AuditBroken.as_str().into()),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|e| (e.object_id, e.detail))
        .collect()
}

/// A world whose administratör has unlocked once more, so a checkpoint exists and a few
/// rows follow it. Returns the checkpoint's position.
fn checkpointed() -> (World, Store, i64) {
    let (w, admin) = world();
    admin.lock();
    let admin = w.unlock("admin");
    let (cp, hash, first_break, _) = checkpoint(&admin).expect("unlock writes a checkpoint");
    // The checkpoint is the log as verified at this unlock: the rows before the unlock row.
    assert!(cp >= 10, "setup, units, accounts, instruments: {cp}");
    assert_eq!(hash, hash_of(&admin, cp));
    assert_eq!(first_break, 0);
    assert_eq!(last_seq(&admin), cp + 1, "only the unlock row follows it");
    assert!(admin.audit_at_unlock().unwrap().ok);
    (w, admin, cp)
}

#[test]
fn each_unlock_moves_the_checkpoint_to_the_end_it_verified() {
    let (w, admin, cp) = checkpointed();
    admin.lock(); // one more row: lock
    let mut hanna = w.unlock("hanna");
    let doc = start(&mut hanna, "freda-kortfragor-stil", &w.ifo);
    answer_freda(&mut hanna, &doc.id, false);
    hanna.lock();
    let admin = w.unlock("admin");
    let (cp2, hash2, _, _) = checkpoint(&admin).unwrap();
    assert!(cp2 > cp + 3, "{cp} → {cp2}");
    assert_eq!(cp2, last_seq(&admin) - 1);
    assert_eq!(hash2, hash_of(&admin, cp2));
    assert!(admin.audit_at_unlock().unwrap().ok);
    assert!(admin.verify_audit().unwrap().ok);
}

#[test]
fn a_row_changed_after_the_checkpoint_is_caught_at_unlock() {
    let (w, admin, cp) = checkpointed();
    let target = cp + 1; // the unlock row, after the checkpoint
    admin
        .__test_raw_sql(&format!(
            "{DROP_TRIGGERS} UPDATE audit_log SET detail = 'recovery_key' WHERE seq = {target}"
        ))
        .unwrap();
    admin.lock();
    let admin = w.unlock("admin");
    let (seq, reason) = broken(admin.audit_at_unlock().unwrap());
    assert_eq!(seq, target);
    assert!(reason.contains("hash"), "{reason}");
    assert_eq!(audit_broken_rows(&admin).len(), 1);
    // A broken chain never moves the checkpoint over it.
    assert_eq!(checkpoint(&admin).unwrap().0, cp);
    assert_eq!(broken(&admin.verify_audit().unwrap()).0, target);
}

#[test]
fn a_row_changed_inside_the_verified_prefix_is_caught_by_the_full_check() {
    // The incremental check does not read the verified prefix again (that is what keeps
    // unlock from growing with the years); the full check on demand does.
    let (w, admin, cp) = checkpointed();
    let target = cp - 4;
    admin
        .__test_raw_sql(&format!(
            "{DROP_TRIGGERS} UPDATE audit_log SET actor_id = NULL WHERE seq = {target}"
        ))
        .unwrap();
    admin.lock();
    let admin = w.unlock("admin");
    assert!(
        admin.audit_at_unlock().unwrap().ok,
        "unlock checks from the checkpoint"
    );
    let (seq, reason) = broken(&admin.verify_audit().unwrap());
    assert_eq!(seq, target);
    assert!(reason.contains("hash"), "{reason}");
}

#[test]
fn a_row_at_the_checkpoint_whose_hash_was_changed_is_caught_at_unlock() {
    // Rewriting the chain from an edited row on needs only SHA-256; the checkpoint names the
    // hash row `cp` had when it was verified.
    let (w, admin, cp) = checkpointed();
    admin
        .__test_raw_sql(&format!(
            "{DROP_TRIGGERS} UPDATE audit_log SET hash = '{}' WHERE seq = {cp}",
            "ab".repeat(32)
        ))
        .unwrap();
    admin.lock();
    let admin = w.unlock("admin");
    let (seq, reason) = broken(admin.audit_at_unlock().unwrap());
    assert_eq!(seq, cp);
    assert!(reason.contains("checkpoint"), "{reason}");
}

#[test]
fn a_checkpoint_whose_mac_is_wrong_is_refused_and_the_whole_log_is_checked() {
    // Someone edits an old row and moves the checkpoint past it, to the end of the log, so
    // that unlock would not look at the row. The checkpoint's MAC does not verify: it is
    // refused, the whole log is checked and the edited row named.
    let (w, admin, cp) = checkpointed();
    let (_, _, _, mac) = checkpoint(&admin).unwrap();
    let target = 3;
    admin
        .__test_raw_sql(&format!(
            "{DROP_TRIGGERS} UPDATE audit_log SET detail = 'x' WHERE seq = {target}"
        ))
        .unwrap();
    let end = last_seq(&admin);
    set_checkpoint(&admin, end, &hash_of(&admin, end), 0, &mac);
    admin.lock();
    let admin = w.unlock("admin");
    let (seq, reason) = broken(admin.audit_at_unlock().unwrap());
    assert_eq!(seq, target, "{reason}");
    assert!(cp < end);
}

#[test]
fn a_forged_checkpoint_over_an_intact_log_is_reported_and_stays_reported() {
    let (w, admin, cp) = checkpointed();
    let (seq, hash, first_break, mac) = checkpoint(&admin).unwrap();
    let mut forged = mac.clone();
    forged.replace_range(0..2, if &mac[0..2] == "00" { "11" } else { "00" });
    set_checkpoint(&admin, seq, &hash, first_break, &forged);
    admin.lock();
    let admin = w.unlock("admin");
    let (at, reason) = broken(admin.audit_at_unlock().unwrap());
    assert_eq!(at, cp);
    assert!(reason.contains("checkpoint"), "{reason}");
    let logged = audit_broken_rows(&admin);
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(logged[0].1.contains("checkpoint"));
    // The whole log verified, so a new, valid checkpoint was written.
    let (cp2, _, _, _) = checkpoint(&admin).unwrap();
    assert!(cp2 > cp);
    admin.lock();
    // The next unlock checks from it, finds no new break, and still reports the recorded
    // one; from then on the checkpoint names the row that recorded it.
    let admin = w.unlock("admin");
    let (_, reason) = broken(admin.audit_at_unlock().unwrap());
    assert!(reason.contains("found broken"), "{reason}");
    assert_eq!(audit_broken_rows(&admin).len(), 1, "logged once");
    let (cp3, _, first_break, _) = checkpoint(&admin).unwrap();
    assert!(cp3 > cp2);
    // The finding was logged in the transaction of that unlock, right after the checkpoint.
    assert_eq!(first_break, cp2 + 1, "the row that logged the finding");
    assert!(first_break <= cp3);
    admin.lock();
    let admin = w.unlock("admin");
    let (_, reason) = broken(admin.audit_at_unlock().unwrap());
    assert!(reason.contains("found broken"), "{reason}");
    assert!(reason.contains("checkpoint"), "{reason}");
    assert_eq!(audit_broken_rows(&admin).len(), 1, "logged once");
}

#[test]
fn a_damaged_checkpoint_is_refused() {
    let (w, admin, _) = checkpointed();
    admin
        .__test_raw_sql("UPDATE meta SET value = 'v1:oops' WHERE key = 'audit_checkpoint'")
        .unwrap();
    admin.lock();
    let admin = w.unlock("admin");
    let (_, reason) = broken(admin.audit_at_unlock().unwrap());
    assert!(reason.contains("checkpoint"), "{reason}");
}

#[test]
fn a_removed_checkpoint_means_a_full_check_at_unlock() {
    // As for a store from before checkpoints: removing it only makes unlock check more.
    let (w, admin, cp) = checkpointed();
    let target = cp - 2;
    admin
        .__test_raw_sql(&format!(
            "{DROP_TRIGGERS} UPDATE audit_log SET detail = 'x' WHERE seq = {target};
             DELETE FROM meta WHERE key = 'audit_checkpoint';"
        ))
        .unwrap();
    admin.lock();
    let admin = w.unlock("admin");
    assert_eq!(broken(admin.audit_at_unlock().unwrap()).0, target);
}

#[test]
fn deleting_the_tail_after_the_checkpoint_is_caught_at_unlock() {
    let (w, admin, cp) = checkpointed();
    admin.lock();
    let mut hanna = w.unlock("hanna");
    let doc = start(&mut hanna, "freda-kortfragor-stil", &w.ifo);
    hanna.open_screening(&doc.id).unwrap();
    let end = last_seq(&hanna);
    hanna
        .__test_raw_sql(&format!(
            "{DROP_TRIGGERS} DELETE FROM audit_log WHERE seq > {}",
            cp + 2
        ))
        .unwrap();
    drop(hanna); // a crash: no lock row, no new anchor
    let admin = w.unlock("admin");
    let (seq, reason) = broken(admin.audit_at_unlock().unwrap());
    assert_eq!(seq, cp + 3, "{reason}");
    assert!(reason.contains("truncated"), "{reason} (end was {end})");
}

#[test]
fn cutting_the_log_back_before_the_checkpoint_with_an_old_head_put_back_is_caught() {
    // The head's MAC does not say *when* it was signed: a head saved earlier and put back
    // with the rows cut to it is a log that checks out from row 1. The checkpoint remembers
    // that a later row had been verified.
    let (w, admin, _) = checkpointed();
    // Save the head as it is now, then let the log grow and a new checkpoint pass it.
    let saved: Vec<String> = admin
        .__test_query_texts("SELECT seq || '|' || hash || '|' || mac FROM audit_head")
        .unwrap();
    let parts: Vec<&str> = saved[0].split('|').collect();
    let (head_seq, head_hash, head_mac) = (parts[0].to_owned(), parts[1], parts[2]);
    admin.lock();
    let admin = w.unlock("admin");
    let (cp2, _, _, _) = checkpoint(&admin).unwrap();
    let head_seq: i64 = head_seq.parse().unwrap();
    assert!(cp2 > head_seq);
    // The cut: rows after the saved head go, the saved head goes back.
    admin
        .__test_raw_sql(&format!(
            "{DROP_TRIGGERS} DELETE FROM audit_log WHERE seq > {head_seq};
             UPDATE audit_head SET seq = {head_seq}, hash = '{head_hash}', mac = '{head_mac}';"
        ))
        .unwrap();
    // The full check cannot tell: the log and its head agree.
    assert!(admin.verify_audit().unwrap().ok);
    drop(admin);
    let admin = w.unlock("admin");
    let (seq, reason) = broken(admin.audit_at_unlock().unwrap());
    assert_eq!(seq, head_seq + 1, "{reason}");
    assert!(reason.contains("earlier check had verified"), "{reason}");
}

#[test]
fn the_checkpoint_follows_a_re_key() {
    // Deactivating an account re-keys the database; the checkpoint is re-signed with the new
    // key, so the next unlock checks from it without a false alarm.
    let (w, mut admin, _) = checkpointed();
    let hugo = admin
        .list_accounts()
        .unwrap()
        .into_iter()
        .find(|a| a.username == "hugo")
        .unwrap();
    admin.deactivate_account(&hugo.id).unwrap();
    let target = 2;
    admin
        .__test_raw_sql(&format!(
            "{DROP_TRIGGERS} UPDATE audit_log SET detail = 'x' WHERE seq = {target}"
        ))
        .unwrap();
    admin.lock();
    let admin = w.unlock("admin");
    assert!(
        admin.audit_at_unlock().unwrap().ok,
        "incremental, no false alarm"
    );
    assert_eq!(broken(&admin.verify_audit().unwrap()).0, target);
}
