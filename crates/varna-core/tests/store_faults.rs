//! Damaged and hostile conditions: a truncated or garbage database, a truncated key file, a
//! read-only folder. Each gives a clear error, and earlier data stays intact.

use std::path::{Path, PathBuf};
use std::process::Command;

use varna_core::store::{FirstRun, Store};
use varna_core::ErrorCode;

const PASS: &str = "admin passphrase 1";

fn first_run(dir: &Path) {
    let (mut s, _) = Store::create_first_run(
        dir,
        FirstRun {
            admin_username: "admin",
            admin_display_name: "Admin",
            passphrase: PASS,
            unit_code: "IFO",
            unit_name: "Individ- och familjeomsorg",
        },
    )
    .unwrap();
    s.add_unit("VUX", "Vuxen").unwrap();
    s.lock();
}

fn db(dir: &Path) -> PathBuf {
    dir.join("varna.db")
}

fn unit_count(dir: &Path) -> usize {
    Store::unlock(dir, "admin", PASS)
        .unwrap()
        .list_units()
        .unwrap()
        .len()
}

#[test]
fn a_truncated_database_is_reported_as_damaged_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    first_run(dir.path());
    let original = std::fs::read(db(dir.path())).unwrap();
    for cut in [original.len() / 2 + 100, 4096, 100, 0] {
        std::fs::write(db(dir.path()), &original[..cut]).unwrap();
        let err = Store::unlock(dir.path(), "admin", PASS).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Corrupt, "cut at {cut}: {err}");
        assert_eq!(
            std::fs::read(db(dir.path())).unwrap(),
            &original[..cut],
            "file was touched"
        );
    }
    std::fs::write(db(dir.path()), &original).unwrap();
    assert_eq!(unit_count(dir.path()), 2);
    // A right passphrase with a damaged database is not counted as a failed attempt.
    assert_eq!(Store::unlock_delay(dir.path(), "admin").failures, 0);
}

#[test]
fn a_garbage_or_foreign_database_is_refused_without_being_touched() {
    let dir = tempfile::tempdir().unwrap();
    first_run(dir.path());
    let original = std::fs::read(db(dir.path())).unwrap();

    let garbage: Vec<u8> = (0..original.len()).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(db(dir.path()), &garbage).unwrap();
    let err = Store::unlock(dir.path(), "admin", PASS).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Corrupt);
    assert!(
        err.to_string().contains("wrong key for this database"),
        "{err}"
    );
    assert_eq!(std::fs::read(db(dir.path())).unwrap(), garbage);

    // The database of another installation, with our key file.
    let other = tempfile::tempdir().unwrap();
    first_run(other.path());
    std::fs::copy(db(other.path()), db(dir.path())).unwrap();
    let err = Store::unlock(dir.path(), "admin", PASS).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Corrupt);

    // An unencrypted SQLite file.
    let mut plain = b"SQLite format 3\0".to_vec();
    plain.resize(4096, 0);
    std::fs::write(db(dir.path()), &plain).unwrap();
    let err = Store::unlock(dir.path(), "admin", PASS).unwrap_err();
    assert!(err.to_string().contains("not encrypted"), "{err}");

    std::fs::write(db(dir.path()), &original).unwrap();
    assert_eq!(unit_count(dir.path()), 2);
}

#[test]
fn a_truncated_key_file_falls_back_to_its_backup_copy_and_is_repaired() {
    let dir = tempfile::tempdir().unwrap();
    first_run(dir.path());
    let keys = dir.path().join("varna.keys");
    let original = std::fs::read(&keys).unwrap();
    std::fs::write(&keys, &original[..original.len() / 2]).unwrap();
    assert_eq!(unit_count(dir.path()), 2);
    // Repaired: whole again, and the same as its backup copy (the unlock also recorded a
    // new log anchor in both, so it is not byte for byte the original).
    let repaired = std::fs::read(&keys).unwrap();
    assert!(repaired.len() >= original.len() - 64, "still truncated");
    assert_eq!(
        repaired,
        std::fs::read(dir.path().join("varna.keys.bak")).unwrap(),
        "primary key file not repaired"
    );

    // With both copies damaged: a clear error, not "wrong passphrase".
    let bak = dir.path().join("varna.keys.bak");
    std::fs::write(&keys, &original[..10]).unwrap();
    std::fs::write(&bak, b"").unwrap();
    let err = Store::unlock(dir.path(), "admin", PASS).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Corrupt, "{err}");
    assert!(err.to_string().contains("key file is damaged"), "{err}");
    assert_eq!(Store::unlock_delay(dir.path(), "admin").failures, 0);
    std::fs::write(&keys, &original).unwrap();
    assert_eq!(unit_count(dir.path()), 2);
}

#[test]
fn an_uninitialized_folder_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::unlock(dir.path(), "admin", PASS).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
}

/// Makes a folder read-only for this process. As a normal user `chmod` is enough; root
/// ignores permissions, so there a read-only bind mount of the folder onto itself is used.
struct ReadOnly {
    dir: PathBuf,
    mounted: bool,
}

impl ReadOnly {
    fn new(dir: &Path) -> ReadOnly {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
        let probe = dir.join("probe");
        if std::fs::write(&probe, b"x").is_err() {
            return ReadOnly {
                dir: dir.into(),
                mounted: false,
            };
        }
        // Root: permissions are not enforced.
        std::fs::remove_file(&probe).unwrap();
        let d = dir.to_str().unwrap();
        let ok = Command::new("mount")
            .args(["--bind", d, d])
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
            && Command::new("mount")
                .args(["-o", "remount,bind,ro", d])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
        assert!(
            ok,
            "running as root without the right to mount: cannot make a folder read-only here"
        );
        assert!(
            std::fs::write(&probe, b"x").is_err(),
            "the bind mount is still writable"
        );
        ReadOnly {
            dir: dir.into(),
            mounted: true,
        }
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.mounted {
            let _ = Command::new("umount").arg(&self.dir).status();
        }
        let _ = std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700));
    }
}

#[test]
fn a_read_only_folder_gives_a_clear_error_and_the_data_survives() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    first_run(&data);
    {
        let _ro = ReadOnly::new(&data);
        let err = Store::unlock(&data, "admin", PASS).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Io, "{err}");
        assert!(err.to_string().contains("read-only"), "{err}");
        let err = Store::create_first_run(
            &data.join("sub"),
            FirstRun {
                admin_username: "admin",
                admin_display_name: "Admin",
                passphrase: PASS,
                unit_code: "IFO",
                unit_name: "IFO",
            },
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Io, "{err}");
    }
    assert_eq!(unit_count(&data), 2);
}
