//! The page MAC: new stores use HMAC-SHA256 and say so in their key file; stores set up
//! before the key file named it (SQLCipher 4's default, HMAC-SHA512) still open, save, back
//! up and restore.

use std::path::Path;

use super::keyfile::{KeyFile, PageMac};
use super::{open_db, FirstRun, OpenError, OpenMode, Store, DB_FILE};

const PASS: &str = "admin passphrase 1";

fn first_run(dir: &Path) -> Store {
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
    .0
}

/// Turns a new store into one as it was before the key file named its page MAC: the
/// database re-encrypted with HMAC-SHA512, the key file without `page_mac`.
fn make_old(dir: &Path, key: &crate::db::DbKey) {
    let db = dir.join(DB_FILE);
    let old = dir.join("old.db");
    // The store's connection cannot create files; SQLite takes an empty file as empty.
    std::fs::File::create(&old).unwrap();
    {
        let conn = open_db(&db, key, PageMac::HmacSha256, OpenMode::Existing).unwrap();
        let key_sql = format!("x'{}'", hex::encode_upper(key.as_ref()));
        conn.execute(
            "ATTACH DATABASE ?1 AS old KEY ?2",
            (old.to_str().unwrap(), &key_sql),
        )
        .unwrap();
        conn.execute_batch(&PageMac::HmacSha512.pragma("old"))
            .unwrap();
        let _: Option<String> = conn
            .query_row("SELECT sqlcipher_export('old')", [], |r| r.get(0))
            .unwrap();
        let v: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        conn.pragma_update(Some("old"), "user_version", v).unwrap();
        conn.execute("DETACH DATABASE old", []).unwrap();
    }
    super::remove_db_files(&db).unwrap();
    std::fs::rename(&old, &db).unwrap();

    let (kf, _) = KeyFile::read(dir).unwrap();
    let mut body = serde_json::to_value(&kf).unwrap();
    assert!(body.as_object_mut().unwrap().remove("page_mac").is_some());
    let body = serde_json::to_vec_pretty(&body).unwrap();
    let sha = hex::encode(ring::digest::digest(&ring::digest::SHA256, &body));
    let mut bytes = format!("varna-keys v1 sha256={sha}\n").into_bytes();
    bytes.extend_from_slice(&body);
    std::fs::write(KeyFile::path(dir), &bytes).unwrap();
    std::fs::write(KeyFile::backup_path(dir), &bytes).unwrap();
}

#[test]
fn new_stores_use_hmac_sha256_and_say_so_in_the_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = first_run(dir.path());
    let key = store.db_key.clone();
    store.lock();
    let (kf, _) = KeyFile::read(dir.path()).unwrap();
    assert_eq!(kf.page_mac, PageMac::HmacSha256);
    let db = dir.path().join(DB_FILE);
    assert!(open_db(&db, &key, PageMac::HmacSha256, OpenMode::Check).is_ok());
    // The MAC is checked: the same key with the other MAC does not open the file.
    assert!(matches!(
        open_db(&db, &key, PageMac::HmacSha512, OpenMode::Check),
        Err(OpenError::WrongKey)
    ));
}

#[test]
fn stores_from_before_the_page_mac_was_named_still_open_save_back_up_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let store = first_run(dir.path());
    let key = store.db_key.clone();
    store.lock();
    make_old(dir.path(), &key);
    let db = dir.path().join(DB_FILE);
    assert!(matches!(
        open_db(&db, &key, PageMac::HmacSha256, OpenMode::Check),
        Err(OpenError::WrongKey)
    ));
    let (kf, _) = KeyFile::read(dir.path()).unwrap();
    assert_eq!(
        kf.page_mac,
        PageMac::HmacSha512,
        "an absent field means the old MAC"
    );

    let mut store = Store::unlock(dir.path(), "admin", PASS).unwrap();
    let unit = store.add_unit("BARN", "Barn och unga").unwrap();
    let backup = dir.path().join("old-store.varnabackup");
    store.backup_to(&backup).unwrap();
    store.lock();
    // The key file keeps saying what the database uses after the store rewrote it.
    assert_eq!(
        KeyFile::read(dir.path()).unwrap().0.page_mac,
        PageMac::HmacSha512
    );

    let elsewhere = tempfile::tempdir().unwrap();
    let restored = Store::restore_from(elsewhere.path(), &backup, "admin", PASS).unwrap();
    assert!(restored
        .list_units()
        .unwrap()
        .iter()
        .any(|u| u.id == unit.id));
    restored.lock();
    let again = Store::unlock(elsewhere.path(), "admin", PASS).unwrap();
    assert!(again.list_units().unwrap().iter().any(|u| u.code == "BARN"));
}
