//! `varna audit verify` as a real process: exit 0 for an intact log; exit 1 naming the first
//! broken row when a row was changed behind the app's back (with the SQLCipher key, the way
//! an attacker with the key and the SQLCipher shell could).

mod common;
use common::*;

use varna_core::store::Store;

const PASS: &str = "admin passphrase 1";

#[test]
fn verify_exits_zero_when_intact_and_one_naming_the_first_changed_row() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let init = varna_raw(
        &[
            "init",
            "--data-dir",
            d,
            "--admin",
            "anna",
            "--unit",
            "IFO:Individ och familj",
        ],
        &format!("{PASS}\n"),
    );
    assert!(init.status.success(), "{init:?}");

    let ok = varna_raw(
        &["audit", "verify", "--data-dir", d, "--as", "anna"],
        &format!("{PASS}\n"),
    );
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");

    // Change the second row of the chain directly in the decrypted database.
    let store = Store::unlock(dir.path(), "anna", PASS).unwrap();
    store
        .__test_raw_sql(
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;
             UPDATE audit_log SET detail = 'rewritten' WHERE seq = 2;",
        )
        .unwrap();
    store.lock();

    let broken = varna_raw(
        &["audit", "verify", "--data-dir", d, "--as", "anna"],
        &format!("{PASS}\n"),
    );
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    let out = String::from_utf8_lossy(&broken.stdout);
    assert!(
        out.starts_with("BROKEN at row 2:"),
        "names the first broken row: {out}"
    );

    let wrong = varna_raw(
        &["audit", "verify", "--data-dir", d, "--as", "anna"],
        "fel lösenfras\n",
    );
    assert_eq!(wrong.status.code(), Some(2), "{wrong:?}");
}
