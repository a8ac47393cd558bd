//! Tests of the store against the attacks and accidents of docs/SECURITY.md's threat model:
//! cheap offline guessing (key-derivation parameters and their upgrade), a departed
//! colleague's key (re-key on deactivation and recovery rotation, with kills in the
//! middle), a rolled-back database or data folder (anchors), and unlock throttling that can
//! neither be reset by deleting a file nor turned into a lockout. Real files throughout.

use std::path::Path;
use std::process::{Command, Stdio};

use super::keyfile::{KdfParams, KeyFile, Throttle};
use super::{FirstRun, NewAccount, Role, Store};
use crate::audit::AuditFilter;
use crate::error::{Error, ErrorCode};

const PASS: &str = "admin passphrase 1";
const WANDA: &str = "wanda går till jobbet 9";
const HUGO: &str = "hugo läser i solen 4";
const CHILD_DIR: &str = "VARNA_HARDENING_CHILD_DIR";

fn first_run(dir: &Path) -> (Store, super::RecoveryKey) {
    Store::create_first_run(
        dir,
        FirstRun {
            admin_username: "admin",
            admin_display_name: "Admin",
            passphrase: PASS,
            unit_code: "IFO",
            unit_name: "IFO",
        },
    )
    .unwrap()
}

/// A folder with an administratör and two handläggare (wanda, hugo).
fn world(dir: &Path) -> (Store, super::RecoveryKey, String) {
    let (mut admin, recovery) = first_run(dir);
    let unit = admin.list_units().unwrap()[0].id.clone();
    let mut wanda_id = String::new();
    for (name, pass) in [("wanda", WANDA), ("hugo", HUGO)] {
        let a = admin
            .add_account(NewAccount {
                username: name,
                display_name: name,
                role: Role::Handlaggare,
                unit_ids: vec![unit.clone()],
                passphrase: pass,
            })
            .unwrap();
        if name == "wanda" {
            wanda_id = a.id;
        }
    }
    (admin, recovery, wanda_id)
}

/// Opens `varna.db` of `dir` with a raw key directly, outside Värna; true if it reads.
fn raw_key_opens(dir: &Path, key: &[u8]) -> bool {
    let conn = rusqlite::Connection::open(dir.join(super::DB_FILE)).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex::encode_upper(key)))
        .unwrap();
    conn.execute_batch("PRAGMA cipher_hmac_algorithm = HMAC_SHA256;")
        .unwrap();
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .is_ok()
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn replace_folder(from: &Path, to: &Path) {
    for e in std::fs::read_dir(to).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    copy_folder(from, to);
}

fn events(store: &Store, event: &str) -> Vec<crate::audit::AuditEntry> {
    store
        .audit_list(&AuditFilter {
            event: Some(event.into()),
            ..Default::default()
        })
        .unwrap()
}

// ------------------------------------------------------------------ key derivation

#[test]
fn new_slots_use_the_current_parameters_and_an_old_slot_is_upgraded_at_its_next_unlock() {
    let dir = tempfile::tempdir().unwrap();
    let (admin, _) = first_run(dir.path());
    let id = admin.actor().id.clone();
    let key = admin.db_key.clone();
    admin.lock();
    let (kf, _) = KeyFile::read(dir.path()).unwrap();
    let slot = kf.slot(&id).unwrap();
    assert_eq!(slot.kdf_params(), Some(KdfParams::CURRENT));
    const { assert!(KdfParams::CURRENT.m_kib >= 64 * 1024 && KdfParams::CURRENT.t >= 3) };
    assert!(!slot.is_legacy());

    // An old-format slot at OWASP's minimum, as an older Värna wrote it.
    let (mut kf, _) = KeyFile::read(dir.path()).unwrap();
    kf.set_legacy_passphrase_slot(&id, "admin", PASS, KdfParams::OWASP_MINIMUM, &key)
        .unwrap();
    kf.write(dir.path()).unwrap();
    assert!(KeyFile::read(dir.path())
        .unwrap()
        .0
        .slot(&id)
        .unwrap()
        .needs_upgrade());

    Store::unlock(dir.path(), "admin", PASS).unwrap().lock();
    let (kf, _) = KeyFile::read(dir.path()).unwrap();
    let slot = kf.slot(&id).unwrap();
    assert_eq!(slot.kdf_params(), Some(KdfParams::CURRENT));
    assert!(!slot.is_legacy(), "the slot was not upgraded");
    Store::unlock(dir.path(), "admin", PASS).unwrap().lock();
}

// ------------------------------------------------------------------ re-key

#[test]
fn after_a_deactivation_the_old_key_file_the_old_passphrase_and_the_old_raw_key_fail() {
    let dir = tempfile::tempdir().unwrap();
    let (mut admin, recovery, wanda_id) = world(dir.path());
    let old_key = admin.db_key.clone();
    let old_keys_file = std::fs::read(KeyFile::path(dir.path())).unwrap();
    assert!(raw_key_opens(dir.path(), old_key.as_ref()));

    let rekeyed = admin.deactivate_account(&wanda_id).unwrap();
    assert_eq!(rekeyed.key_epoch, 1);
    assert_eq!(rekeyed.revoked_slots, 1);
    assert!(rekeyed.need_new_passphrase.is_empty());
    assert_ne!(*admin.db_key, *old_key);
    // The open store goes on working under the new key.
    admin.add_unit("BoU", "Barn och unga").unwrap();
    let new_key = admin.db_key.clone();
    admin.lock();

    // Her passphrase no longer opens anything.
    assert!(matches!(
        Store::unlock(dir.path(), "wanda", WANDA),
        Err(Error::WrongPassphrase)
    ));
    // The old raw key no longer reads the database; the new one does.
    assert!(!raw_key_opens(dir.path(), old_key.as_ref()));
    assert!(raw_key_opens(dir.path(), new_key.as_ref()));
    // An old copy of the key file, put back with her passphrase: it unwraps the old key,
    // which does not open the re-keyed database.
    let copy = tempfile::tempdir().unwrap();
    copy_folder(dir.path(), copy.path());
    std::fs::write(KeyFile::path(copy.path()), &old_keys_file).unwrap();
    std::fs::write(KeyFile::backup_path(copy.path()), &old_keys_file).unwrap();
    let err = Store::unlock(copy.path(), "wanda", WANDA).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Corrupt, "{err}");

    // Everyone else is unaffected, and the recovery key still works.
    Store::unlock(dir.path(), "hugo", HUGO).unwrap().lock();
    Store::unlock(dir.path(), "admin", PASS).unwrap().lock();
    let admin = Store::unlock_with_recovery(
        dir.path(),
        &recovery,
        "admin",
        "a brand new admin passphrase",
    )
    .unwrap();
    assert_eq!(events(&admin, "rekey").len(), 1);
    // The log's signed head moved to the new key with everything else.
    let report = admin.verify_audit().unwrap();
    assert!(report.ok, "{report:?}");
    assert!(admin.audit_at_unlock().unwrap().ok);
    admin.lock();
}

#[test]
fn a_new_recovery_key_re_keys_and_the_old_one_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (mut admin, old_recovery, _) = world(dir.path());
    let old_key = admin.db_key.clone();
    let new_recovery = admin.rotate_recovery_key().unwrap();
    admin.lock();
    assert!(!raw_key_opens(dir.path(), old_key.as_ref()));
    assert!(matches!(
        Store::unlock_with_recovery(dir.path(), &old_recovery, "admin", "another new passphrase"),
        Err(Error::WrongPassphrase)
    ));
    Store::unlock_with_recovery(dir.path(), &new_recovery, "hugo", "hugo får en ny fras 8")
        .unwrap()
        .lock();
    Store::unlock(dir.path(), "wanda", WANDA).unwrap().lock();
}

#[test]
fn a_slot_of_the_old_format_is_dropped_by_a_re_key_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (mut admin, _, wanda_id) = world(dir.path());
    let hugo = admin.account_by_username("hugo").unwrap().id;
    let key = admin.db_key.clone();
    admin
        .update_key_file(|kf| {
            kf.set_legacy_passphrase_slot(&hugo, "hugo", HUGO, KdfParams::OWASP_MINIMUM, &key)
        })
        .unwrap();
    let rekeyed = admin.deactivate_account(&wanda_id).unwrap();
    assert_eq!(rekeyed.need_new_passphrase, vec!["hugo".to_string()]);
    admin.lock();
    assert!(Store::unlock(dir.path(), "hugo", HUGO).is_err());
}

/// Child: unlocks as admin and deactivates wanda (a re-key); `VARNA_TEST_CRASH_AT` kills
/// it at a named point, or the parent kills it at a random moment.
#[test]
fn rekey_child_entry() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let dir = Path::new(&dir);
    let mut admin = Store::unlock(dir, "admin", PASS).unwrap();
    let wanda = admin.account_by_username("wanda").unwrap().id;
    println!("OPEN");
    admin.deactivate_account(&wanda).unwrap();
    println!("DONE");
}

fn spawn_rekey_child(dir: &Path, crash_at: Option<&str>) -> std::process::Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "store::hardening_tests::rekey_child_entry",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD_DIR, dir)
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    if let Some(p) = crash_at {
        cmd.env("VARNA_TEST_CRASH_AT", p);
    }
    cmd.spawn().unwrap()
}

/// After a kill: the folder opens with whichever key file it has, all data is there, and
/// wanda is either still active (old key) or revoked (new key), never half of it.
fn check_after_kill(dir: &Path, units_before: usize) -> bool {
    let admin = Store::unlock(dir, "admin", PASS).expect("the folder no longer opens");
    assert_eq!(admin.list_units().unwrap().len(), units_before);
    let report = admin.verify_audit().unwrap();
    assert!(report.ok, "{report:?}");
    let wanda_active = admin.account_by_username("wanda").unwrap().active;
    admin.lock();
    let wanda_opens = Store::unlock(dir, "wanda", WANDA).map(|s| s.lock()).is_ok();
    // Once she is inactive in the database, her passphrase opens nothing, whichever
    // key file survived (the unlock above finishes an interrupted revocation).
    assert!(!wanda_opens || wanda_active, "inactive but still opens");
    Store::unlock(dir, "hugo", HUGO)
        .expect("hugo locked out")
        .lock();
    !wanda_active
}

#[test]
fn a_kill_at_any_point_of_a_re_key_leaves_a_folder_that_opens() {
    for point in ["rekey-staged", "rekey-marked"] {
        let dir = tempfile::tempdir().unwrap();
        let (admin, _, _) = world(dir.path());
        let units = admin.list_units().unwrap().len();
        admin.lock();
        let out = spawn_rekey_child(dir.path(), Some(point))
            .wait_with_output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("OPEN") && !stdout.contains("DONE"),
            "{point}: {stdout}"
        );
        assert!(!out.status.success(), "{point}: the child was not killed");
        let revoked = check_after_kill(dir.path(), units);
        assert!(
            revoked,
            "{point}: the deactivation was committed before the re-key"
        );
        assert_eq!(KeyFile::read(dir.path()).unwrap().0.key_epoch, 1, "{point}");
    }

    // And SIGKILL at random moments of the whole operation.
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15;
    for round in 0..8 {
        let dir = tempfile::tempdir().unwrap();
        let (admin, _, _) = world(dir.path());
        let units = admin.list_units().unwrap().len();
        admin.lock();
        let mut child = spawn_rekey_child(dir.path(), None);
        let stdout = child.stdout.take().unwrap();
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
        assert!(
            lines.any(|l| l.map(|l| l.contains("OPEN")).unwrap_or(false)),
            "the child did not open the store"
        );
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(std::time::Duration::from_micros(rng % 400_000));
        let _ = child.kill();
        let _ = child.wait();
        check_after_kill(dir.path(), units);
        let _ = round;
    }
}

// ------------------------------------------------------------------ rollback

#[test]
fn a_database_rolled_back_behind_the_key_files_anchor_is_reported_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    let (admin, _) = first_run(dir.path());
    admin.lock();
    let old_db = std::fs::read(dir.path().join(super::DB_FILE)).unwrap();
    let mut admin = Store::unlock(dir.path(), "admin", PASS).unwrap();
    admin.add_unit("BoU", "Barn och unga").unwrap();
    admin.lock();
    // An older copy of the database is put back beside the current key file.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("varna.db{suffix}")));
    }
    std::fs::write(dir.path().join(super::DB_FILE), &old_db).unwrap();

    let admin = Store::unlock(dir.path(), "admin", PASS).unwrap();
    let report = admin.audit_at_unlock().unwrap().clone();
    assert!(!report.ok, "{report:?}");
    let reason = &report.first_broken.as_ref().unwrap().reason;
    assert!(reason.contains("rolled back"), "{reason}");
    let logged = events(&admin, "rollback_detected");
    assert!(!logged.is_empty());
    admin.lock();
    // It stays reported (it is evidence), at every later unlock.
    let admin = Store::unlock(dir.path(), "admin", PASS).unwrap();
    assert!(!admin.audit_at_unlock().unwrap().ok);
    assert!(!admin.verify_audit().unwrap().ok);
}

#[test]
fn a_whole_data_folder_rolled_back_is_reported_from_the_anchor_outside_it() {
    let dir = tempfile::tempdir().unwrap();
    let (admin, _) = first_run(dir.path());
    admin.lock();
    let old = tempfile::tempdir().unwrap();
    copy_folder(dir.path(), old.path());
    let mut admin = Store::unlock(dir.path(), "admin", PASS).unwrap();
    admin.add_unit("BoU", "Barn och unga").unwrap();
    admin.lock();
    // Database and key file together, from the older copy.
    replace_folder(old.path(), dir.path());

    let admin = Store::unlock(dir.path(), "admin", PASS).unwrap();
    let report = admin.audit_at_unlock().unwrap().clone();
    assert!(
        !report.ok,
        "a rolled-back folder went unnoticed: {report:?}"
    );
    assert!(!events(&admin, "rollback_detected").is_empty());
}

#[test]
fn an_untouched_folder_and_a_restore_are_not_reported_as_rollbacks() {
    let dir = tempfile::tempdir().unwrap();
    let (admin, _) = first_run(dir.path());
    let backup = dir.path().join("..").join(format!(
        "hardening-{}.varnabackup",
        uuid::Uuid::new_v4().simple()
    ));
    admin.backup_to(&backup).unwrap();
    admin.lock();
    for _ in 0..2 {
        let mut admin = Store::unlock(dir.path(), "admin", PASS).unwrap();
        assert!(admin.audit_at_unlock().unwrap().ok);
        admin
            .add_unit(&format!("U{}", rand_suffix()), "Enhet")
            .unwrap();
        admin.lock();
    }
    // A restore is a deliberate step back: logged as a restore, not a rollback.
    let admin = Store::restore_from(dir.path(), &backup, "admin", PASS).unwrap();
    assert!(admin.audit_at_unlock().unwrap().ok);
    admin.lock();
    let admin = Store::unlock(dir.path(), "admin", PASS).unwrap();
    assert!(
        admin.audit_at_unlock().unwrap().ok,
        "{:?}",
        admin.audit_at_unlock()
    );
    assert!(events(&admin, "rollback_detected").is_empty());
    admin.lock();
    let _ = std::fs::remove_file(backup);
}

fn rand_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..6].to_uppercase()
}

// ------------------------------------------------------------------ throttling

fn fail(dir: &Path, user: &str, n: usize) {
    for _ in 0..n {
        assert!(matches!(
            Store::unlock(dir, user, "certainly not it!"),
            Err(Error::WrongPassphrase)
        ));
    }
}

fn set_record(dir: &Path, username: &str, record: Throttle) {
    let (mut kf, _) = KeyFile::read(dir).unwrap();
    let tag = kf.user_tag(username);
    kf.set_throttle(&tag, record);
    kf.write(dir).unwrap();
}

#[test]
fn failures_on_one_account_never_delay_another() {
    let dir = tempfile::tempdir().unwrap();
    let (admin, _, _) = world(dir.path());
    admin.lock();
    fail(dir.path(), "wanda", 5);
    assert!(matches!(
        Store::unlock(dir.path(), "wanda", WANDA),
        Err(Error::RateLimited { .. })
    ));
    Store::unlock(dir.path(), "admin", PASS).unwrap().lock();
    Store::unlock(dir.path(), "hugo", HUGO).unwrap().lock();
}

#[test]
fn deleting_or_garbling_the_old_state_file_neither_resets_the_delay_nor_locks_anyone_out() {
    let dir = tempfile::tempdir().unwrap();
    first_run(dir.path()).0.lock();
    fail(dir.path(), "admin", 5);
    let legacy = dir.path().join(super::throttle::LEGACY_STATE_FILE);
    // Garbage, a folder in its place, or no file at all: the delay stands.
    std::fs::write(&legacy, b"\x00garbage{{").unwrap();
    assert!(matches!(
        Store::unlock(dir.path(), "admin", PASS),
        Err(Error::RateLimited { .. })
    ));
    std::fs::remove_file(&legacy).unwrap();
    std::fs::create_dir(&legacy).unwrap();
    assert!(matches!(
        Store::unlock(dir.path(), "admin", PASS),
        Err(Error::RateLimited { .. })
    ));
    // When the delay has passed the right passphrase opens (no permanent lockout), and
    // the leftover is cleaned up.
    let now = chrono::Utc::now().timestamp();
    set_record(
        dir.path(),
        "admin",
        Throttle {
            failures: 5,
            last_failure: now - 31,
            logged: 0,
        },
    );
    Store::unlock(dir.path(), "admin", PASS).unwrap().lock();
    assert!(!legacy.exists());
    assert_eq!(Store::unlock_delay(dir.path(), "admin").failures, 0);
}

#[test]
fn a_record_dated_far_in_the_future_delays_one_hour_at_most() {
    let dir = tempfile::tempdir().unwrap();
    first_run(dir.path()).0.lock();
    let now = chrono::Utc::now().timestamp();
    set_record(
        dir.path(),
        "admin",
        Throttle {
            failures: u32::MAX,
            last_failure: now + 20 * 365 * 86_400,
            logged: 0,
        },
    );
    match Store::unlock(dir.path(), "admin", PASS) {
        Err(Error::RateLimited { wait_seconds }) => assert!(wait_seconds <= 3600),
        other => panic!("expected a bounded delay, got {other:?}"),
    }
    // The record was clamped to now, so an hour later the account opens again.
    let (kf, _) = KeyFile::read(dir.path()).unwrap();
    let rec = kf.throttle_of(&kf.user_tag("admin"));
    assert!(rec.last_failure <= chrono::Utc::now().timestamp());
    set_record(
        dir.path(),
        "admin",
        Throttle {
            last_failure: rec.last_failure - 3600,
            ..rec
        },
    );
    Store::unlock(dir.path(), "admin", PASS).unwrap().lock();
}

#[test]
fn parallel_attempts_are_serialised_and_every_one_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    first_run(dir.path()).0.lock();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let d = dir.path().to_path_buf();
            std::thread::spawn(move || Store::unlock(&d, "admin", "wrong in parallel!").is_err())
        })
        .collect();
    for t in threads {
        assert!(t.join().unwrap());
    }
    assert_eq!(Store::unlock_delay(dir.path(), "admin").failures, 4);
}

#[test]
fn every_failed_attempt_reaches_the_access_log_once() {
    let dir = tempfile::tempdir().unwrap();
    let (admin, _, _) = world(dir.path());
    admin.lock();
    fail(dir.path(), "nobody.here", 2);
    fail(dir.path(), "wanda", 1);
    let wrong = super::RecoveryKey::generate().unwrap();
    assert!(
        Store::unlock_with_recovery(dir.path(), &wrong, "admin", "some new passphrase 7").is_err()
    );
    // wanda's own unlock is not the one that logs: any later unlock does.
    let admin = Store::unlock(dir.path(), "admin", PASS).unwrap();
    let rows = events(&admin, "unlock_failed");
    let details: Vec<&str> = rows.iter().map(|e| e.detail.as_str()).collect();
    assert_eq!(rows.len(), 3, "{details:?}");
    assert!(details.contains(&"2 failed attempts with a username that has no account"));
    assert!(details.contains(&"1 failed attempts with this account's username"));
    assert!(details.contains(&"1 failed attempts with the recovery key"));
    admin.lock();
    let admin = Store::unlock(dir.path(), "admin", PASS).unwrap();
    assert_eq!(events(&admin, "unlock_failed").len(), 3, "logged twice");
    // wanda still has her delay record (not cleared by someone else's unlock).
    assert_eq!(Store::unlock_delay(dir.path(), "wanda").failures, 1);
}

// ------------------------------------------------------------------ files

#[cfg(unix)]
#[test]
fn a_fifo_or_a_link_in_place_of_the_key_file_is_refused_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    first_run(dir.path()).0.lock();
    let keys = KeyFile::path(dir.path());
    let bak = KeyFile::backup_path(dir.path());
    let saved = std::fs::read(&keys).unwrap();
    for path in [&keys, &bak] {
        std::fs::remove_file(path).unwrap();
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }
    let err = Store::unlock(dir.path(), "admin", PASS).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Corrupt, "{err}");
    for path in [&keys, &bak] {
        std::fs::remove_file(path).unwrap();
    }
    let elsewhere = dir.path().join("elsewhere.keys");
    std::fs::write(&elsewhere, &saved).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &keys).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &bak).unwrap();
    let err = Store::unlock(dir.path(), "admin", PASS).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Corrupt, "{err}");
}

#[test]
fn debug_output_never_shows_a_passphrase() {
    let first = FirstRun {
        admin_username: "admin",
        admin_display_name: "Admin",
        passphrase: "KANARIE-LÖSENFRAS",
        unit_code: "IFO",
        unit_name: "IFO",
    };
    assert!(!format!("{first:?}").contains("KANARIE"));
    let new = NewAccount {
        username: "u",
        display_name: "u",
        role: Role::Handlaggare,
        unit_ids: vec![],
        passphrase: "KANARIE-LÖSENFRAS",
    };
    assert!(!format!("{new:?}").contains("KANARIE"));
}

#[test]
fn sqlcipher_wipes_its_memory() {
    let dir = tempfile::tempdir().unwrap();
    let (admin, _) = first_run(dir.path());
    let on: String = admin
        .conn
        .query_row("PRAGMA cipher_memory_security", [], |r| r.get(0))
        .unwrap();
    assert_eq!(on, "1");
}
