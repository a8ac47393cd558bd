//! First run, unlock, wrong passphrases, the unlock delay, the recovery key, passphrase
//! changes, roles, accounts, units and settings — on real files in a temporary folder.

use std::path::Path;

use varna_core::store::{FirstRun, NewAccount, RecoveryKey, Role, Store};
use varna_core::{Error, ErrorCode};

const ADMIN_PASS: &str = "admin passphrase 1";

fn first_run(dir: &Path) -> (Store, RecoveryKey) {
    Store::create_first_run(
        dir,
        FirstRun {
            admin_username: "Admin",
            admin_display_name: "Ada Admin",
            passphrase: ADMIN_PASS,
            unit_code: "IFO",
            unit_name: "Individ- och familjeomsorg",
        },
    )
    .unwrap()
}

fn add_worker(
    store: &mut Store,
    username: &str,
    role: Role,
    pass: &str,
) -> varna_core::store::Account {
    let unit = store.unit_by_code("ifo").unwrap();
    store
        .add_account(NewAccount {
            username,
            display_name: "Wanda Worker",
            role,
            unit_ids: vec![unit.id],
            passphrase: pass,
        })
        .unwrap()
}

/// Makes the recorded last failure `seconds` older, as if that much time had passed.
/// Moves every failed-attempt record in the key file `seconds` into the past (both copies,
/// with the checksum recomputed), as if that much time had passed.
fn age_unlock_state(dir: &Path, seconds: i64) {
    edit_key_file(dir, |v| {
        for (_, rec) in v["throttle"].as_object_mut().unwrap().iter_mut() {
            let t = rec["last_failure"].as_i64().unwrap();
            rec["last_failure"] = serde_json::json!(t - seconds);
        }
    });
}

/// Rewrites the key file's JSON body with `f` and a matching checksum header.
fn edit_key_file(dir: &Path, f: impl Fn(&mut serde_json::Value)) {
    for name in ["varna.keys", "varna.keys.bak"] {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).unwrap();
        let nl = bytes.iter().position(|b| *b == b'\n').unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&bytes[nl + 1..]).unwrap();
        f(&mut v);
        let body = serde_json::to_vec_pretty(&v).unwrap();
        let sum = hex::encode(ring::digest::digest(&ring::digest::SHA256, &body));
        let mut out = format!("varna-keys v1 sha256={sum}\n").into_bytes();
        out.extend_from_slice(&body);
        std::fs::write(&path, out).unwrap();
    }
}

#[test]
fn first_run_creates_the_admin_and_the_unit_and_the_store_unlocks_again() {
    let dir = tempfile::tempdir().unwrap();
    assert!(!Store::is_initialized(dir.path()));
    let (store, recovery) = first_run(dir.path());
    assert!(Store::is_initialized(dir.path()));
    assert_eq!(store.actor().username, "admin");
    assert_eq!(store.actor().display_name, "Ada Admin");
    assert_eq!(store.actor().role, Role::Administrator);
    assert_eq!(recovery.to_grouped_string().split('-').count(), 16);
    let units = store.list_units().unwrap();
    assert_eq!(units.len(), 1);
    assert_eq!(units[0].code, "IFO");
    assert_eq!(store.actor().unit_ids, vec![units[0].id.clone()]);
    assert_eq!(store.settings().unwrap().auto_lock_minutes, 10);
    store.lock();

    let store = Store::unlock(dir.path(), "ADMIN", ADMIN_PASS).unwrap();
    assert_eq!(store.actor().username, "admin");
    // A second first run on the same folder is refused.
    let err = Store::create_first_run(
        dir.path(),
        FirstRun {
            admin_username: "other",
            admin_display_name: "Other",
            passphrase: ADMIN_PASS,
            unit_code: "X",
            unit_name: "X",
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
}

#[test]
fn a_short_passphrase_is_refused_at_first_run_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::create_first_run(
        dir.path(),
        FirstRun {
            admin_username: "admin",
            admin_display_name: "Admin",
            passphrase: "short",
            unit_code: "IFO",
            unit_name: "IFO",
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(!err.to_string().contains("short"));
    assert!(!Store::is_initialized(dir.path()));
}

#[test]
fn wrong_passphrase_and_unknown_user_give_the_same_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    first_run(dir.path()).0.lock();
    let e1 = Store::unlock(dir.path(), "admin", "not the passphrase").unwrap_err();
    let e2 = Store::unlock(dir.path(), "nobody", ADMIN_PASS).unwrap_err();
    assert!(matches!(e1, Error::WrongPassphrase));
    assert!(matches!(e2, Error::WrongPassphrase));
    assert_eq!(e1.to_string(), "wrong passphrase or recovery key");
    // Each username has its own count.
    assert_eq!(Store::unlock_delay(dir.path(), "admin").failures, 1);
    assert_eq!(Store::unlock_delay(dir.path(), "nobody").failures, 1);
    // A success resets the account's own count.
    Store::unlock(dir.path(), "admin", ADMIN_PASS)
        .unwrap()
        .lock();
    assert_eq!(Store::unlock_delay(dir.path(), "admin").failures, 0);
}

#[test]
fn after_five_failures_a_growing_delay_applies_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    first_run(dir.path()).0.lock();
    for _ in 0..5 {
        assert!(matches!(
            Store::unlock(dir.path(), "admin", "wrong passphrase!"),
            Err(Error::WrongPassphrase)
        ));
    }
    let delay = Store::unlock_delay(dir.path(), "admin");
    assert_eq!(delay.failures, 5);
    assert!(delay.wait_seconds > 0 && delay.wait_seconds <= 30);
    // Even the right passphrase must wait; the state lives on disk, so every new call (as
    // after a restart of the app) sees it.
    match Store::unlock(dir.path(), "admin", ADMIN_PASS) {
        Err(Error::RateLimited { wait_seconds }) => assert!(wait_seconds > 0),
        other => panic!("expected a delay, got {other:?}"),
    }
    // When the delay has passed, one more wrong attempt doubles it.
    age_unlock_state(dir.path(), 31);
    assert_eq!(Store::unlock_delay(dir.path(), "admin").wait_seconds, 0);
    assert!(matches!(
        Store::unlock(dir.path(), "admin", "wrong again!!"),
        Err(Error::WrongPassphrase)
    ));
    let delay = Store::unlock_delay(dir.path(), "admin");
    assert!(
        delay.wait_seconds > 30 && delay.wait_seconds <= 60,
        "{delay:?}"
    );
    age_unlock_state(dir.path(), 61);
    Store::unlock(dir.path(), "admin", ADMIN_PASS)
        .unwrap()
        .lock();
    assert_eq!(Store::unlock_delay(dir.path(), "admin").failures, 0);
}

#[test]
fn the_recovery_key_unlocks_and_sets_a_new_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let (store, recovery) = first_run(dir.path());
    store.lock();
    let typed = RecoveryKey::parse(&recovery.to_grouped_string().replace('-', " ")).unwrap();
    let store =
        Store::unlock_with_recovery(dir.path(), &typed, "admin", "a brand new passphrase").unwrap();
    assert_eq!(store.actor().username, "admin");
    store.lock();
    assert!(matches!(
        Store::unlock(dir.path(), "admin", ADMIN_PASS),
        Err(Error::WrongPassphrase)
    ));
    Store::unlock(dir.path(), "admin", "a brand new passphrase").unwrap();
}

#[test]
fn a_wrong_recovery_key_is_refused_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let (store, recovery) = first_run(dir.path());
    store.lock();
    let other = {
        let d2 = tempfile::tempdir().unwrap();
        first_run(d2.path()).1
    };
    let err = Store::unlock_with_recovery(dir.path(), &other, "admin", "a brand new passphrase")
        .unwrap_err();
    assert!(matches!(err, Error::WrongPassphrase));
    // The recovery key has its own count (an empty username asks for it).
    assert_eq!(Store::unlock_delay(dir.path(), "").failures, 1);
    assert_eq!(Store::unlock_delay(dir.path(), "admin").failures, 0);
    // The old passphrase still works: nothing was changed.
    Store::unlock(dir.path(), "admin", ADMIN_PASS)
        .unwrap()
        .lock();
    drop(recovery);
}

#[test]
fn changing_a_passphrase_rewraps_only_that_slot() {
    let dir = tempfile::tempdir().unwrap();
    let (mut admin, _) = first_run(dir.path());
    add_worker(&mut admin, "wanda", Role::Handlaggare, "wanda passphrase");
    admin.lock();

    let mut wanda = Store::unlock(dir.path(), "wanda", "wanda passphrase").unwrap();
    assert!(matches!(
        wanda.change_passphrase("not my passphrase", "wanda new passphrase"),
        Err(Error::WrongPassphrase)
    ));
    wanda
        .change_passphrase("wanda passphrase", "wanda new passphrase")
        .unwrap();
    wanda.lock();
    assert!(Store::unlock(dir.path(), "wanda", "wanda passphrase").is_err());
    Store::unlock(dir.path(), "wanda", "wanda new passphrase")
        .unwrap()
        .lock();
    Store::unlock(dir.path(), "admin", ADMIN_PASS)
        .unwrap()
        .lock();
}

#[test]
fn only_an_administrator_manages_accounts_units_and_settings() {
    let dir = tempfile::tempdir().unwrap();
    let (mut admin, _) = first_run(dir.path());
    add_worker(&mut admin, "wanda", Role::Handlaggare, "wanda passphrase");
    add_worker(&mut admin, "sven", Role::Arbetsledare, "sven passphrase!");
    admin.lock();

    for (user, pass) in [("wanda", "wanda passphrase"), ("sven", "sven passphrase!")] {
        let mut s = Store::unlock(dir.path(), user, pass).unwrap();
        let forbidden = |r: Result<_, Error>| {
            assert_eq!(r.map(|_| ()).unwrap_err().code(), ErrorCode::Forbidden)
        };
        forbidden(s.list_accounts().map(|_| ()));
        forbidden(s.add_unit("NEW", "New unit").map(|_| ()));
        forbidden(s.set_auto_lock_minutes(5).map(|_| ()));
        forbidden(s.rotate_recovery_key().map(|_| ()));
        forbidden(s.backup_to(&dir.path().join("b.varnabackup")).map(|_| ()));
        let me = s.actor().id.clone();
        forbidden(s.set_role(&me, Role::Administrator).map(|_| ()));
        // Reading units and settings is for everyone.
        assert_eq!(s.list_units().unwrap().len(), 1);
        assert_eq!(s.settings().unwrap().auto_lock_minutes, 10);
        s.lock();
    }
}

#[test]
fn a_role_change_applies_at_once_and_the_last_admin_stays() {
    let dir = tempfile::tempdir().unwrap();
    let (mut admin, _) = first_run(dir.path());
    let me = admin.actor().id.clone();
    assert_eq!(
        admin.set_role(&me, Role::Handlaggare).unwrap_err().code(),
        ErrorCode::Conflict
    );
    assert_eq!(
        admin.deactivate_account(&me).unwrap_err().code(),
        ErrorCode::Conflict
    );
    let other = add_worker(
        &mut admin,
        "bertil",
        Role::Administrator,
        "bertil passphrase",
    );
    admin.set_role(&me, Role::Handlaggare).unwrap();
    assert_eq!(admin.actor().role, Role::Handlaggare);
    assert_eq!(
        admin.add_unit("B", "B").unwrap_err().code(),
        ErrorCode::Forbidden
    );
    admin.lock();
    let mut bertil = Store::unlock(dir.path(), "bertil", "bertil passphrase").unwrap();
    assert_eq!(bertil.actor().id, other.id);
    bertil.set_role(&me, Role::Administrator).unwrap();
}

#[test]
fn accounts_and_units_are_managed_by_the_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let (mut admin, _) = first_run(dir.path());
    let unit = admin.add_unit("VUX", "Vuxenenheten").unwrap();
    assert_eq!(
        admin.add_unit("vux", "Again").unwrap_err().code(),
        ErrorCode::Conflict
    );
    assert_eq!(
        admin.add_unit("bad code!", "x").unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    let renamed = admin.rename_unit(&unit.id, "Vuxenenheten Nord").unwrap();
    assert_eq!(renamed.name, "Vuxenenheten Nord");

    let wanda = add_worker(&mut admin, "wanda", Role::Handlaggare, "wanda passphrase");
    assert_eq!(
        admin
            .add_account(NewAccount {
                username: "WANDA",
                display_name: "Dup",
                role: Role::Handlaggare,
                unit_ids: vec![unit.id.clone()],
                passphrase: "another passphrase",
            })
            .unwrap_err()
            .code(),
        ErrorCode::Conflict
    );
    let wanda = admin
        .set_account_units(&wanda.id, std::slice::from_ref(&unit.id))
        .unwrap();
    assert_eq!(wanda.unit_ids, vec![unit.id.clone()]);
    let names: Vec<_> = admin
        .list_accounts()
        .unwrap()
        .into_iter()
        .map(|a| a.username)
        .collect();
    assert_eq!(names, ["admin", "wanda"]);

    admin
        .reset_passphrase(&wanda.id, "reset by admin 123")
        .unwrap();
    admin.set_auto_lock_minutes(3).unwrap();
    assert_eq!(
        admin.set_auto_lock_minutes(0).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    admin.lock();
    let w = Store::unlock(dir.path(), "wanda", "reset by admin 123").unwrap();
    assert_eq!(w.settings().unwrap().auto_lock_minutes, 3);
    w.lock();

    let mut admin = Store::unlock(dir.path(), "admin", ADMIN_PASS).unwrap();
    admin.deactivate_account(&wanda.id).unwrap();
    admin.lock();
    assert!(matches!(
        Store::unlock(dir.path(), "wanda", "reset by admin 123"),
        Err(Error::WrongPassphrase)
    ));
}

#[test]
fn a_rotated_recovery_key_replaces_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let (mut admin, old) = first_run(dir.path());
    let new = admin.rotate_recovery_key().unwrap();
    admin.lock();
    assert!(Store::unlock_with_recovery(dir.path(), &old, "admin", "new passphrase 12").is_err());
    Store::unlock_with_recovery(dir.path(), &new, "admin", "new passphrase 12").unwrap();
}
