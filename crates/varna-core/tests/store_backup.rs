//! Backups and restores: an encrypted copy with the key slots in one file; a broken or
//! foreign file is refused before anything is changed.

use std::path::Path;

use varna_core::progress::{Progress, ProgressStep};
use varna_core::store::{FirstRun, RestoreCredential, Store};
use varna_core::{Error, ErrorCode};

const PASS: &str = "admin passphrase 1";

fn first_run(dir: &Path) -> Store {
    Store::create_first_run(
        dir,
        FirstRun {
            admin_username: "admin",
            admin_display_name: "Admin",
            passphrase: PASS,
            unit_code: "IFO",
            unit_name: "Individ- och familjeomsorg",
        },
    )
    .unwrap()
    .0
}

fn unit_codes(store: &Store) -> Vec<String> {
    store
        .list_units()
        .unwrap()
        .into_iter()
        .map(|u| u.code)
        .collect()
}

#[test]
fn a_backup_restores_the_store_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("varna.backup");
    let mut store = first_run(dir.path());
    store.add_unit("VUX", "Vuxen").unwrap();
    let info = store.backup_to(&file).unwrap();
    assert!(info.db_bytes > 0);
    assert_eq!(Store::inspect_backup(&file).unwrap(), info);

    // Changes after the backup are undone by the restore.
    store.add_unit("LATER", "Added after the backup").unwrap();
    store.lock();
    let restored = Store::restore_from(dir.path(), &file, "admin", PASS).unwrap();
    assert_eq!(unit_codes(&restored), ["IFO", "VUX"]);
    restored.lock();
    let again = Store::unlock(dir.path(), "admin", PASS).unwrap();
    assert_eq!(unit_codes(&again), ["IFO", "VUX"]);
    let ok: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("restore"))
        .collect();
    assert!(ok.is_empty(), "staging files left behind: {ok:?}");
}

#[test]
fn a_backup_restores_into_an_empty_folder_on_a_new_machine() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.backup");
    let store = first_run(&dir.path().join("data"));
    store.backup_to(&file).unwrap();
    store.lock();
    let fresh = dir.path().join("new-machine");
    assert!(!Store::is_initialized(&fresh));
    let s = Store::restore_from(&fresh, &file, "admin", PASS).unwrap();
    assert_eq!(unit_codes(&s), ["IFO"]);
    assert!(Store::is_initialized(&fresh));
}

#[test]
fn broken_or_foreign_backups_are_refused_and_the_data_stays() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("varna.backup");
    let mut store = first_run(dir.path());
    store.backup_to(&file).unwrap();
    store.add_unit("KEEP", "Must survive").unwrap();
    store.lock();
    let good = std::fs::read(&file).unwrap();

    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("garbage", b"this is not a backup at all".repeat(100)),
        ("truncated", good[..good.len() - 100].to_vec()),
        ("flipped byte in the database", {
            let mut b = good.clone();
            let i = b.len() - 5000;
            b[i] ^= 0x40;
            b
        }),
        ("plain sqlite file", {
            let mut b = b"SQLite format 3\0".to_vec();
            b.resize(8192, 0);
            b
        }),
    ];
    for (name, bytes) in cases {
        let bad = out.path().join(format!("{name}.backup"));
        std::fs::write(&bad, &bytes).unwrap();
        let err = Store::restore_from(dir.path(), &bad, "admin", PASS).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Corrupt, "{name}: {err}");
        assert!(
            err.to_string().contains("not a Värna backup"),
            "{name}: {err}"
        );
        assert!(Store::inspect_backup(&bad).is_err(), "{name}");
    }

    // A backup of another installation, with a passphrase valid there, is also a Värna
    // backup; but the other installation's admin credentials are needed, not ours.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Store::create_first_run(
        other_dir.path(),
        FirstRun {
            admin_username: "admin",
            admin_display_name: "Other",
            passphrase: "other installation pass",
            unit_code: "OTHER",
            unit_name: "Other",
        },
    )
    .unwrap()
    .0;
    let foreign = out.path().join("foreign.backup");
    other.backup_to(&foreign).unwrap();
    assert!(matches!(
        Store::restore_from(dir.path(), &foreign, "admin", PASS),
        Err(Error::WrongPassphrase)
    ));

    let store = Store::unlock(dir.path(), "admin", PASS).unwrap();
    assert_eq!(unit_codes(&store), ["IFO", "KEEP"]);
}

#[test]
fn a_restore_with_a_wrong_passphrase_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.backup");
    let data = dir.path().join("data");
    let mut store = first_run(&data);
    store.backup_to(&file).unwrap();
    store.add_unit("KEEP", "Must survive").unwrap();
    store.lock();
    assert!(matches!(
        Store::restore_from(&data, &file, "admin", "wrong passphrase"),
        Err(Error::WrongPassphrase)
    ));
    let store = Store::unlock(&data, "admin", PASS).unwrap();
    assert_eq!(unit_codes(&store), ["IFO", "KEEP"]);
}

#[test]
fn a_backup_names_who_made_it_once_it_is_opened_and_the_file_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.backup");
    let store = first_run(&dir.path().join("data"));
    let info = store.backup_to(&file).unwrap();
    store.lock();
    // The name is inside the encrypted database only, never in the file's clear header.
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        !bytes.windows(5).any(|w| w == b"Admin"),
        "the backup's clear part names a person"
    );
    let (restored, origin) = Store::restore_with_origin(
        &dir.path().join("elsewhere"),
        &file,
        varna_core::store::RestoreCredential::Passphrase {
            username: "admin",
            passphrase: PASS,
        },
    )
    .unwrap();
    let origin = origin.expect("the backup names who made it");
    assert_eq!(origin.made_by, "Admin (admin)");
    assert_eq!(origin.made_at, info.created_at);
    // The note is consumed by the restore: a backup of the restored store names its own maker.
    let (again, origin2) = {
        let file2 = dir.path().join("second.backup");
        restored.backup_to(&file2).unwrap();
        restored.lock();
        Store::restore_with_origin(
            &dir.path().join("third"),
            &file2,
            varna_core::store::RestoreCredential::Passphrase {
                username: "admin",
                passphrase: PASS,
            },
        )
        .unwrap()
    };
    assert_eq!(origin2.unwrap().made_by, "Admin (admin)");
    again.lock();
}

#[test]
fn the_recovery_key_of_then_restores_a_backup_and_sets_a_new_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("copy.backup");
    let (mut store, recovery) = Store::create_first_run(
        &data,
        FirstRun {
            admin_username: "admin",
            admin_display_name: "Admin",
            passphrase: PASS,
            unit_code: "IFO",
            unit_name: "Individ- och familjeomsorg",
        },
    )
    .unwrap();
    store.add_unit("VUX", "Vuxen").unwrap();
    store.backup_to(&file).unwrap();
    store.add_unit("LATER", "Added after the backup").unwrap();
    store.lock();

    // A wrong recovery key is refused and nothing changes.
    let wrong = varna_core::store::RecoveryKey::parse(&"000000".repeat(16)).unwrap();
    let err =
        Store::restore_with_recovery(&data, &file, &wrong, "admin", "a brand new passphrase 7")
            .unwrap_err();
    assert_eq!(err.code(), ErrorCode::WrongPassphrase, "{err}");
    let still = Store::unlock(&data, "admin", PASS).unwrap();
    assert_eq!(unit_codes(&still), ["IFO", "LATER", "VUX"]);
    still.lock();

    // A username that is no administratör in the backup is refused.
    let err = Store::restore_with_recovery(
        &data,
        &file,
        &recovery,
        "nobody",
        "a brand new passphrase 7",
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound, "{err}");

    // The right key restores; the new passphrase works and the old one no longer does.
    let restored =
        Store::restore_with_recovery(&data, &file, &recovery, "admin", "a brand new passphrase 7")
            .unwrap();
    assert_eq!(unit_codes(&restored), ["IFO", "VUX"]);
    restored.lock();
    assert!(matches!(
        Store::unlock(&data, "admin", PASS),
        Err(Error::WrongPassphrase)
    ));
    let again = Store::unlock(&data, "admin", "a brand new passphrase 7").unwrap();
    assert_eq!(unit_codes(&again), ["IFO", "VUX"]);
    // The restore is in the access log.
    let log = again.audit_list(&Default::default()).unwrap();
    assert!(
        log.iter().any(|r| r.event == "restore"),
        "no restore in the log"
    );
}

/// Checks the promises of a progress series: one total, never back, never past the total,
/// the last report at the total (step `Done`); returns the steps in the order first seen.
fn check_progress(seen: &[Progress]) -> Vec<ProgressStep> {
    assert!(seen.len() >= 2, "{seen:?}");
    let total = seen[0].total;
    assert!(total > 0);
    let mut steps = Vec::new();
    let mut prev = 0;
    for p in seen {
        assert_eq!(p.total, total, "{seen:?}");
        assert!(p.done >= prev && p.done <= total, "{p:?} after {prev}");
        prev = p.done;
        if steps.last() != Some(&p.step) {
            steps.push(p.step);
        }
    }
    let last = seen.last().unwrap();
    assert_eq!((last.done, last.step), (total, ProgressStep::Done));
    assert_eq!(last.percent(), 100);
    steps
}

#[test]
fn a_backup_with_progress_restores_identically_and_both_report_their_progress() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.backup");
    let mut store = first_run(&dir.path().join("data"));
    // Rows enough for several progress reports while the file is written.
    for i in 0..300 {
        store
            .add_unit(&format!("U{i:03}"), &"Enhet med ett långt namn ".repeat(4))
            .unwrap();
    }
    let before = unit_codes(&store);
    let log_before = store.verify_audit().unwrap().rows;
    let mut seen = Vec::new();
    let info = store
        .backup_to_with_progress(&file, |p| seen.push(p))
        .unwrap();
    // The database file held still: its page MACs checked, then the file written.
    assert_eq!(
        check_progress(&seen),
        [ProgressStep::Check, ProgressStep::Write, ProgressStep::Done]
    );
    assert_eq!(Store::inspect_backup(&file).unwrap(), info);
    // The file holds no readable database and no name.
    let bytes = std::fs::read(&file).unwrap();
    assert!(!bytes.windows(15).any(|w| w == b"SQLite format 3"));
    assert!(!bytes.windows(12).any(|w| w == b"Enhet med et"));
    store.lock();

    let mut seen = Vec::new();
    let (restored, origin) = Store::restore_with_origin_progress(
        &dir.path().join("elsewhere"),
        &file,
        RestoreCredential::Passphrase {
            username: "admin",
            passphrase: PASS,
        },
        |p| seen.push(p),
    )
    .unwrap();
    assert_eq!(
        check_progress(&seen),
        [
            ProgressStep::Read,
            ProgressStep::Check,
            ProgressStep::Open,
            ProgressStep::Done
        ]
    );
    assert_eq!(origin.unwrap().made_by, "Admin (admin)");
    assert_eq!(unit_codes(&restored), before);
    // The log as it was, with the backup's own row and the restore's rows after it; whole.
    let report = restored.verify_audit().unwrap();
    assert!(report.ok, "{report:?}");
    assert!(report.rows > log_before, "{report:?}");
    // The restored database is one file: no journal or write-ahead log came with the copy.
    restored.lock();
    let again = Store::unlock(&dir.path().join("elsewhere"), "admin", PASS).unwrap();
    assert_eq!(unit_codes(&again), before);
}

#[test]
fn a_backup_that_cannot_be_written_reports_no_end_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = first_run(&dir.path().join("data"));
    let taken = dir.path().join("taken.backup");
    std::fs::write(&taken, b"someone else's file").unwrap();
    let mut seen = Vec::new();
    let err = store
        .backup_to_with_progress(&taken, |p| seen.push(p))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
    assert_eq!(std::fs::read(&taken).unwrap(), b"someone else's file");
    assert!(
        seen.iter().all(|p| p.step != ProgressStep::Done),
        "{seen:?}"
    );
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "temporary files left behind: {left:?}");
}
