//! Administration in the core (issue 14): one-time passphrases that must be changed, reset,
//! deactivate and reactivate, the rules that keep an administratör and keep usernames to one
//! person, closing units — on real SQLCipher stores in temporary folders.

mod screening_support;

use screening_support::*;
use varna_core::audit::AuditFilter;
use varna_core::store::{NewAccount, PassphraseNotice, Role, Store};
use varna_core::ErrorCode;

const ONE_TIME: &str = "engångslösen för nytt konto 7";
const OWN: &str = "mitt eget långa lösenord 42";

fn events(store: &Store, event: &str, object_id: &str) -> usize {
    store
        .audit_list(&AuditFilter {
            event: Some(event.into()),
            object_id: Some(object_id.into()),
            ..Default::default()
        })
        .unwrap()
        .len()
}

fn add_one_time(admin: &mut Store, username: &str, role: Role, unit: &str) -> String {
    admin
        .add_account_one_time(NewAccount {
            username,
            display_name: "Nina Ny",
            role,
            unit_ids: vec![unit.to_string()],
            passphrase: ONE_TIME,
        })
        .unwrap()
        .id
}

#[test]
fn a_one_time_passphrase_must_be_changed_and_the_change_clears_the_notice() {
    let (w, mut admin) = world();
    let id = add_one_time(&mut admin, "nina", Role::Handlaggare, &w.ifo);
    assert_eq!(
        admin
            .account_by_username("nina")
            .unwrap()
            .must_change_passphrase,
        Some(PassphraseNotice::NewAccount)
    );
    // Accounts added for scripted roll-outs choose their own passphrase: no notice.
    assert_eq!(
        admin
            .account_by_username("hanna")
            .unwrap()
            .must_change_passphrase,
        None
    );

    let mut nina = Store::unlock(w.path(), "nina", ONE_TIME).unwrap();
    assert_eq!(
        nina.actor().must_change_passphrase,
        Some(PassphraseNotice::NewAccount)
    );
    assert_eq!(
        code(nina.change_passphrase(ONE_TIME, "password123")),
        ErrorCode::WeakPassphrase
    );
    assert_eq!(
        code(nina.change_passphrase("not the old one at all", OWN)),
        ErrorCode::WrongPassphrase
    );
    assert!(nina.actor().must_change_passphrase.is_some());
    nina.change_passphrase(ONE_TIME, OWN).unwrap();
    assert_eq!(nina.actor().must_change_passphrase, None);
    nina.lock();

    assert_eq!(
        code(Store::unlock(w.path(), "nina", ONE_TIME)),
        ErrorCode::WrongPassphrase
    );
    let nina = Store::unlock(w.path(), "nina", OWN).unwrap();
    assert_eq!(nina.actor().must_change_passphrase, None);
    nina.lock();
    assert_eq!(events(&admin, "account_add", &id), 1);
    assert_eq!(events(&admin, "passphrase_change", &id), 1);
}

#[test]
fn a_weak_one_time_passphrase_is_refused() {
    let (w, mut admin) = world();
    let r = admin.add_account_one_time(NewAccount {
        username: "nina",
        display_name: "Nina Ny",
        role: Role::Handlaggare,
        unit_ids: vec![w.ifo.clone()],
        passphrase: "password123",
    });
    assert_eq!(code(r), ErrorCode::WeakPassphrase);
    assert_eq!(code(admin.account_by_username("nina")), ErrorCode::NotFound);
}

#[test]
fn a_reset_passphrase_is_announced_at_the_next_sign_in_and_must_be_changed() {
    let (w, mut admin) = world();
    let hanna = admin.account_by_username("hanna").unwrap();
    admin.reset_passphrase(&hanna.id, ONE_TIME).unwrap();
    assert_eq!(events(&admin, "passphrase_reset", &hanna.id), 1);
    assert_eq!(
        code(Store::unlock(w.path(), "hanna", PASS)),
        ErrorCode::WrongPassphrase
    );
    let mut s = Store::unlock(w.path(), "hanna", ONE_TIME).unwrap();
    assert_eq!(
        s.actor().must_change_passphrase,
        Some(PassphraseNotice::Reset)
    );
    s.change_passphrase(ONE_TIME, OWN).unwrap();
    assert_eq!(s.actor().must_change_passphrase, None);
    s.lock();
    assert_eq!(
        admin
            .account_by_username("hanna")
            .unwrap()
            .must_change_passphrase,
        None
    );
    // Only an administratör resets, and never their own account's notice away by it.
    let mut arne = w.unlock("arne");
    assert_eq!(
        code(arne.reset_passphrase(&hanna.id, ONE_TIME)),
        ErrorCode::Forbidden
    );
    arne.lock();
}

#[test]
fn a_passphrase_set_with_the_recovery_key_clears_the_notice() {
    let dir = tempfile::tempdir().unwrap();
    let (mut admin, recovery) = Store::create_first_run(
        dir.path(),
        varna_core::store::FirstRun {
            admin_username: "admin",
            admin_display_name: "Ada Admin",
            passphrase: PASS,
            unit_code: "IFO",
            unit_name: "Individ- och familjeomsorg",
        },
    )
    .unwrap();
    let ifo = admin.unit_by_code("IFO").unwrap().id;
    add_one_time(&mut admin, "nina", Role::Handlaggare, &ifo);
    admin.lock();
    let s = Store::unlock_with_recovery(dir.path(), &recovery, "nina", OWN).unwrap();
    assert_eq!(s.actor().must_change_passphrase, None);
    s.lock();
    let s = Store::unlock(dir.path(), "nina", OWN).unwrap();
    assert_eq!(s.actor().must_change_passphrase, None);
}

#[test]
fn there_is_always_an_active_administrator_and_nobody_deactivates_themselves() {
    let (w, mut admin) = world();
    let me = admin.actor().id.clone();
    assert_eq!(code(admin.deactivate_account(&me)), ErrorCode::Conflict);
    assert_eq!(
        code(admin.set_role(&me, Role::Handlaggare)),
        ErrorCode::Conflict
    );
    let bo = add_one_time(&mut admin, "bo", Role::Administrator, &w.ifo);
    // With a second administratör the first may step down…
    admin.set_role(&me, Role::Arbetsledare).unwrap();
    assert_eq!(code(admin.list_accounts()), ErrorCode::Forbidden);
    admin.lock();
    // …and the last one left cannot be demoted or deactivated.
    let mut bo_store = Store::unlock(w.path(), "bo", ONE_TIME).unwrap();
    assert_eq!(code(bo_store.deactivate_account(&bo)), ErrorCode::Conflict);
    assert_eq!(
        code(bo_store.set_role(&bo, Role::Handlaggare)),
        ErrorCode::Conflict
    );
    bo_store.set_role(&me, Role::Administrator).unwrap();
    bo_store.deactivate_account(&me).unwrap();
    // Now bo is the only active administratör again.
    assert_eq!(
        code(bo_store.set_role(&bo, Role::Handlaggare)),
        ErrorCode::Conflict
    );
}

#[test]
fn a_username_is_never_reused_even_after_deactivation() {
    let (w, mut admin) = world();
    let hanna = admin.account_by_username("hanna").unwrap();
    admin.deactivate_account(&hanna.id).unwrap();
    for name in ["hanna", "HANNA", " Hanna "] {
        let r = admin.add_account_one_time(NewAccount {
            username: name,
            display_name: "Another Hanna",
            role: Role::Handlaggare,
            unit_ids: vec![w.ifo.clone()],
            passphrase: ONE_TIME,
        });
        assert_eq!(code(r), ErrorCode::Conflict, "{name}");
    }
    let again = admin.account_by_username("hanna").unwrap();
    assert_eq!(again.id, hanna.id);
    assert_eq!(again.display_name, hanna.display_name);
}

#[test]
fn a_deactivated_account_is_locked_out_until_reactivated_with_a_new_passphrase() {
    let (w, mut admin) = world();
    let hanna = admin.account_by_username("hanna").unwrap();
    assert_eq!(
        code(admin.reactivate_account(&hanna.id, ONE_TIME)),
        ErrorCode::Conflict
    );
    admin.deactivate_account(&hanna.id).unwrap();
    assert_eq!(
        code(Store::unlock(w.path(), "hanna", PASS)),
        ErrorCode::WrongPassphrase
    );
    assert_eq!(
        code(admin.reactivate_account(&hanna.id, "hanna12345")),
        ErrorCode::WeakPassphrase
    );
    let mut arne = w.unlock("arne");
    assert_eq!(
        code(arne.reactivate_account(&hanna.id, ONE_TIME)),
        ErrorCode::Forbidden
    );
    arne.lock();

    let back = admin.reactivate_account(&hanna.id, ONE_TIME).unwrap();
    assert!(back.active);
    assert_eq!(
        back.must_change_passphrase,
        Some(PassphraseNotice::Reactivated)
    );
    assert_eq!(events(&admin, "account_reactivate", &hanna.id), 1);
    // The old passphrase stays dead; the new one opens, with the notice.
    assert_eq!(
        code(Store::unlock(w.path(), "hanna", PASS)),
        ErrorCode::WrongPassphrase
    );
    let s = Store::unlock(w.path(), "hanna", ONE_TIME).unwrap();
    assert_eq!(
        s.actor().must_change_passphrase,
        Some(PassphraseNotice::Reactivated)
    );
    s.lock();
    // A later unlock by someone else does not treat the new slot as revoked.
    admin.lock();
    w.unlock("admin").lock();
    Store::unlock(w.path(), "hanna", ONE_TIME).unwrap().lock();
}

#[test]
fn the_overview_shows_the_last_sign_in_from_the_access_log() {
    let (w, admin) = world();
    let before = admin.account_overview().unwrap();
    let hugo = before.iter().find(|a| a.username == "hugo").unwrap();
    assert_eq!(hugo.last_sign_in, None);
    assert!(before
        .iter()
        .find(|a| a.username == "admin")
        .unwrap()
        .last_sign_in
        .is_some());
    w.unlock("hugo").lock();
    let after = admin.account_overview().unwrap();
    let hugo = after.iter().find(|a| a.username == "hugo").unwrap();
    assert!(hugo.last_sign_in.is_some());
    assert_eq!(hugo.role, Role::Handlaggare);
    assert_eq!(hugo.unit_ids, vec![w.vux.clone()]);
    let mut hanna = w.unlock("hanna");
    assert_eq!(code(hanna.account_overview()), ErrorCode::Forbidden);
    assert_eq!(code(hanna.close_unit(&w.vux)), ErrorCode::Forbidden);
    assert_eq!(code(hanna.add_unit("X", "X")), ErrorCode::Forbidden);
    hanna.lock();
}

#[test]
fn a_closed_unit_takes_no_new_screenings_or_members_and_keeps_its_own() {
    let (w, mut admin) = world();
    let mut hugo = w.unlock("hugo");
    start(&mut hugo, "freda-kortfragor-stil", &w.vux);
    hugo.lock();

    let renamed = admin.rename_unit(&w.vux, "Vuxen och familj").unwrap();
    assert_eq!(renamed.name, "Vuxen och familj");
    let closed = admin.close_unit(&w.vux).unwrap();
    assert!(!closed.active);
    assert!(closed.closed_at.is_some());
    assert_eq!(code(admin.close_unit(&w.vux)), ErrorCode::Conflict);
    assert_eq!(events(&admin, "unit_close", &w.vux), 1);

    let mut hugo = w.unlock("hugo");
    assert_eq!(
        code(hugo.start_screening(new_screening("freda-kortfragor-stil", &w.vux))),
        ErrorCode::Conflict
    );
    // Its screenings are still there.
    assert_eq!(hugo.my_screenings().unwrap().drafts.len(), 1);
    hugo.lock();

    // No new members…
    let hanna = admin.account_by_username("hanna").unwrap();
    assert_eq!(
        code(admin.set_account_units(&hanna.id, &[w.ifo.clone(), w.vux.clone()])),
        ErrorCode::Conflict
    );
    let r = admin.add_account_one_time(NewAccount {
        username: "nina",
        display_name: "Nina Ny",
        role: Role::Handlaggare,
        unit_ids: vec![w.vux.clone()],
        passphrase: ONE_TIME,
    });
    assert_eq!(code(r), ErrorCode::Conflict);
    // …but the ones it has may stay while they move on.
    let hugo = admin.account_by_username("hugo").unwrap();
    let moved = admin
        .set_account_units(&hugo.id, &[w.vux.clone(), w.ifo.clone()])
        .unwrap();
    assert_eq!(moved.unit_ids.len(), 2);
    assert_eq!(events(&admin, "account_units", &hugo.id), 1);
}

#[test]
fn an_administrator_is_reminded_when_the_last_backup_is_old() {
    use varna_core::store::BACKUP_REMINDER_DAYS;
    let (w, admin) = world();
    let now = chrono::Utc::now();
    let later = now + chrono::Duration::days(BACKUP_REMINDER_DAYS);
    // A new store: no reminder at once; a week on without a backup, one.
    assert_eq!(admin.backup_reminder_at(now).unwrap(), None);
    let r = admin.backup_reminder_at(later).unwrap().unwrap();
    assert_eq!(r.last_backup_at, None);
    assert_eq!(r.days, BACKUP_REMINDER_DAYS);
    // A backup resets the count.
    let out = tempfile::tempdir().unwrap();
    admin.backup_to(&out.path().join("b.varnabackup")).unwrap();
    let later = chrono::Utc::now() + chrono::Duration::days(BACKUP_REMINDER_DAYS);
    assert_eq!(
        admin
            .backup_reminder_at(later - chrono::Duration::hours(1))
            .unwrap(),
        None
    );
    let r = admin
        .backup_reminder_at(later + chrono::Duration::hours(1))
        .unwrap()
        .unwrap();
    assert!(r.last_backup_at.is_some());
    // Other roles are not reminded.
    let mut hanna = w.unlock("hanna");
    assert_eq!(hanna.backup_reminder_at(later).unwrap(), None);
    // …nor may they change the number of days.
    assert_eq!(
        code(hanna.set_backup_reminder_days(30)),
        ErrorCode::Forbidden
    );
    hanna.lock();
}

#[test]
fn the_administrator_sets_after_how_many_days_the_backup_reminder_comes() {
    let (w, mut admin) = world();
    let now = chrono::Utc::now();
    assert_eq!(admin.settings().unwrap().backup_reminder_days, 7);
    for bad in [0, 91] {
        assert_eq!(
            code(admin.set_backup_reminder_days(bad)),
            ErrorCode::InvalidInput
        );
    }
    let set = admin.set_backup_reminder_days(30).unwrap();
    assert_eq!(set.backup_reminder_days, 30);
    // Ten days without a backup: no reminder with 30; one with 3.
    let ten = now + chrono::Duration::days(10);
    assert_eq!(admin.backup_reminder_at(ten).unwrap(), None);
    let r = admin
        .backup_reminder_at(now + chrono::Duration::days(31))
        .unwrap()
        .unwrap();
    assert_eq!(r.days, 30);
    admin.set_backup_reminder_days(3).unwrap();
    assert_eq!(admin.backup_reminder_at(ten).unwrap().unwrap().days, 3);
    // Kept, and logged as a settings change.
    admin.lock();
    let admin = w.unlock("admin");
    assert_eq!(admin.settings().unwrap().backup_reminder_days, 3);
    let logged: Vec<String> = admin
        .audit_list(&varna_core::audit::AuditFilter::default())
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "settings_change")
        .map(|e| e.detail)
        .collect();
    assert!(
        logged.contains(&"backup_reminder_days=30".to_string()),
        "{logged:?}"
    );
    assert!(
        logged.contains(&"backup_reminder_days=3".to_string()),
        "{logged:?}"
    );
}

#[test]
fn a_deactivated_account_is_removed_from_the_list_but_its_history_and_name_stay() {
    let (w, mut admin) = world();
    // Hanna does some work first: a screening she conducted.
    let mut hanna_store = w.unlock("hanna");
    let doc = start(&mut hanna_store, "freda-kortfragor-stil", &w.ifo);
    answer_freda(&mut hanna_store, &doc.id, false);
    hanna_store.complete_screening(&doc.id).unwrap();
    hanna_store.lock();
    let hanna = admin.account_by_username("hanna").unwrap();
    let me = admin.actor().id.clone();

    // Only a deactivated account, never your own, only by an administratör.
    assert_eq!(code(admin.remove_account(&hanna.id)), ErrorCode::Conflict);
    assert_eq!(code(admin.remove_account(&me)), ErrorCode::Conflict);
    admin.deactivate_account(&hanna.id).unwrap();
    let mut arne = w.unlock("arne");
    assert_eq!(code(arne.remove_account(&hanna.id)), ErrorCode::Forbidden);
    arne.lock();
    assert_eq!(events(&admin, "account_remove", &hanna.id), 0);

    let removed = admin.remove_account(&hanna.id).unwrap();
    assert!(!removed.active);
    assert!(removed.removed_at.is_some());
    assert_eq!(events(&admin, "account_remove", &hanna.id), 1);
    assert_eq!(code(admin.remove_account(&hanna.id)), ErrorCode::Conflict);
    let overview = admin.account_overview().unwrap();
    let row = overview.iter().find(|a| a.id == hanna.id).unwrap();
    assert_eq!(row.removed_at, removed.removed_at);

    // It cannot come back, and its name is not free for someone else.
    assert_eq!(
        code(admin.reactivate_account(&hanna.id, ONE_TIME)),
        ErrorCode::Conflict
    );
    assert_eq!(
        code(admin.add_account_one_time(NewAccount {
            username: "hanna",
            display_name: "Another Hanna",
            role: Role::Handlaggare,
            unit_ids: vec![w.ifo.clone()],
            passphrase: ONE_TIME,
        })),
        ErrorCode::Conflict
    );
    // The access log still names her on what she did.
    let hers = admin
        .audit_list(&AuditFilter {
            person: Some("hanna".into()),
            event: Some("screening_complete".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(hers.len(), 1);
    assert_eq!(
        hers[0].actor_name.as_deref(),
        Some(hanna.display_name.as_str())
    );
    assert_eq!(hers[0].object_id, doc.id);
    // And the account still cannot sign in.
    assert_eq!(
        code(Store::unlock(w.path(), "hanna", PASS)),
        ErrorCode::WrongPassphrase
    );
}
