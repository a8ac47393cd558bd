//! Canary test: distinctive strings planted in every text field must not appear anywhere in
//! the data folder (database, WAL, shared memory, key files, unlock state) or in a backup —
//! neither while the store is open nor after it is locked.

use std::path::{Path, PathBuf};

use varna_core::store::{FirstRun, NewAccount, Role, Store};

const CANARIES: &[&str] = &[
    "canaryadminqz",         // admin username
    "CanaryAdminDisplayQz",  // admin display name
    "CanaryAdminPassQz-913", // admin passphrase
    "CNRYUNITQZ",            // unit code
    "CanaryUnitNameQz",      // unit name
    "canaryworkerqz",        // second username
    "CanaryWorkerDisplayQz", // second display name
    "CanaryWorkerPassQz-77", // second passphrase
    "CNRYUNIT2QZ",           // second unit code
    "CanaryRenamedUnitQz",   // a renamed unit
    "CanaryNewPassQz-4411",  // a changed passphrase
    "CanaryResetPassQz-551", // a passphrase reset by the admin
    "CanarySenderLabelQz",   // the local name of a trusted sender of count files
];

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Every canary in UTF-8, lower case and UTF-16LE, and the recovery key's digits.
fn needles(extra: &[String]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for c in CANARIES
        .iter()
        .map(|s| s.to_string())
        .chain(extra.iter().cloned())
    {
        out.push((c.clone(), c.as_bytes().to_vec()));
        out.push((format!("{c} (lower)"), c.to_lowercase().into_bytes()));
        let utf16: Vec<u8> = c.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        out.push((format!("{c} (utf-16)"), utf16));
    }
    out
}

fn assert_clean(files: &[PathBuf], extra: &[String], moment: &str) {
    let needles = needles(extra);
    assert!(!files.is_empty());
    for file in files {
        let bytes = std::fs::read(file).unwrap();
        for (name, needle) in &needles {
            let found = bytes.windows(needle.len()).any(|w| w == needle.as_slice());
            assert!(
                !found,
                "{moment}: canary {name:?} found in {}",
                file.display()
            );
        }
        assert!(
            !bytes.windows(16).any(|w| w == b"SQLite format 3\0"),
            "{moment}: an unencrypted SQLite header in {}",
            file.display()
        );
    }
}

#[test]
fn no_planted_string_appears_in_any_file_of_the_data_folder_or_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let backups = dir.path().join("backups");
    std::fs::create_dir(&backups).unwrap();

    let (mut admin, recovery) = Store::create_first_run(
        &data,
        FirstRun {
            admin_username: CANARIES[0],
            admin_display_name: CANARIES[1],
            passphrase: CANARIES[2],
            unit_code: CANARIES[3],
            unit_name: CANARIES[4],
        },
    )
    .unwrap();
    let recovery_text = recovery.to_grouped_string().to_string();
    let extra = vec![recovery_text.clone(), recovery_text.replace('-', "")];

    let unit2 = admin.add_unit(CANARIES[8], CANARIES[9]).unwrap();
    admin.rename_unit(&unit2.id, CANARIES[9]).unwrap();
    let worker = admin
        .add_account(NewAccount {
            username: CANARIES[5],
            display_name: CANARIES[6],
            role: Role::Handlaggare,
            unit_ids: vec![unit2.id.clone()],
            passphrase: CANARIES[7],
        })
        .unwrap();
    admin.set_auto_lock_minutes(7).unwrap();
    let sender = varna_core::export::InstallationKey::generate()
        .unwrap()
        .public_key();
    admin
        .trust_sender(uuid::Uuid::new_v4(), &sender.to_hex(), CANARIES[12])
        .unwrap();
    admin.backup_to(&backups.join("one.backup")).unwrap();

    // While open: the WAL holds the latest pages and -shm exists.
    let open_files = files_under(&data);
    assert!(
        open_files
            .iter()
            .any(|p| p.to_string_lossy().ends_with("-wal")),
        "expected a WAL file while the store is open: {open_files:?}"
    );
    assert_clean(&files_under(dir.path()), &extra, "while open");

    admin.reset_passphrase(&worker.id, CANARIES[11]).unwrap();
    admin.lock();
    let mut w = Store::unlock(&data, CANARIES[5], CANARIES[11]).unwrap();
    w.change_passphrase(CANARIES[11], CANARIES[10]).unwrap();
    w.lock();
    // Failed attempts write the unlock-state file.
    let _ = Store::unlock(&data, CANARIES[0], "CanaryWrongPassQz-1");
    let admin = Store::unlock(&data, CANARIES[0], CANARIES[2]).unwrap();
    admin.backup_to(&backups.join("two.backup")).unwrap();
    admin.lock();
    Store::restore_from(&data, &backups.join("one.backup"), CANARIES[0], CANARIES[2])
        .unwrap()
        .lock();

    let mut extra = extra;
    extra.push("CanaryWrongPassQz-1".into());
    assert_clean(
        &files_under(dir.path()),
        &extra,
        "after lock, backup and restore",
    );
}
