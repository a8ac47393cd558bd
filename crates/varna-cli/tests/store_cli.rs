//! The store's command line: `varna init`, `varna user add|passwd|list`, `varna backup`,
//! `varna restore`, run as a real process with passphrases on standard input.

mod common;
use common::*;

#[test]
fn init_then_add_list_and_change_passphrases() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let recovery = init(dir.path());

    let out = varna(
        &[
            "user",
            "add",
            "--data-dir",
            d,
            "--as",
            "admin",
            "--username",
            "wanda",
            "--name",
            "Wanda W",
            "--role",
            "handläggare",
            "--unit",
            "ifo",
        ],
        &[ADMIN_PASS, "wanda passphrase"],
    );
    assert!(ok(&out).contains("Added wanda (handläggare)"));

    let list = ok(&varna(
        &["user", "list", "--data-dir", d, "--as", "admin"],
        &[ADMIN_PASS],
    ));
    assert!(
        list.contains("admin\tadministratör\tIFO\taktiv\tAda Admin"),
        "{list}"
    );
    assert!(
        list.contains("wanda\thandläggare\tIFO\taktiv\tWanda W"),
        "{list}"
    );
    let json = ok(&varna(
        &["user", "list", "--data-dir", d, "--as", "admin", "--json"],
        &[ADMIN_PASS],
    ));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);

    // A handläggare may not list accounts.
    let err = fails(&varna(
        &["user", "list", "--data-dir", d, "--as", "wanda"],
        &["wanda passphrase"],
    ));
    assert!(err.contains("not allowed"), "{err}");

    // Own change, admin reset, recovery.
    ok(&varna(
        &["user", "passwd", "--data-dir", d, "wanda"],
        &["wanda passphrase", "wanda second pass"],
    ));
    ok(&varna(
        &["user", "passwd", "--data-dir", d, "wanda", "--as", "admin"],
        &[ADMIN_PASS, "wanda third pass"],
    ));
    ok(&varna(
        &["user", "list", "--data-dir", d, "--as", "admin"],
        &[ADMIN_PASS],
    ));
    ok(&varna(
        &["user", "passwd", "--data-dir", d, "admin", "--recovery"],
        &[&recovery, "admin new passphrase"],
    ));
    let err = fails(&varna(
        &["user", "list", "--data-dir", d, "--as", "admin"],
        &[ADMIN_PASS],
    ));
    assert!(err.contains("wrong passphrase"), "{err}");
    ok(&varna(
        &["user", "list", "--data-dir", d, "--as", "admin"],
        &["admin new passphrase"],
    ));
}

#[test]
fn clear_errors_for_bad_input_and_wrong_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let err = fails(&varna(
        &["init", "--data-dir", d, "--admin", "admin", "--unit", "IFO"],
        &[ADMIN_PASS],
    ));
    assert!(err.contains("CODE:NAME"), "{err}");
    let err = fails(&varna(
        &[
            "init",
            "--data-dir",
            d,
            "--admin",
            "admin",
            "--unit",
            "IFO:x",
        ],
        &["short"],
    ));
    assert!(err.contains("at least 10 characters"), "{err}");
    assert!(
        !err.contains("short"),
        "the passphrase leaked into the message: {err}"
    );
    let err = fails(&varna(
        &[
            "init",
            "--data-dir",
            d,
            "--admin",
            "admin",
            "--unit",
            "IFO:x",
        ],
        &[],
    ));
    assert!(err.contains("standard input"), "{err}");

    let recovery = init(dir.path());
    let err = fails(&varna(
        &["user", "list", "--data-dir", d, "--as", "admin"],
        &["wrong passphrase!"],
    ));
    assert!(err.contains("wrong passphrase or recovery key"), "{err}");
    let mut typo = recovery.clone();
    typo.replace_range(0..1, if typo.starts_with('9') { "0" } else { "9" });
    let err = fails(&varna(
        &["user", "passwd", "--data-dir", d, "admin", "--recovery"],
        &[&typo, "whatever passphrase"],
    ));
    assert!(err.contains("group 1"), "{err}");
    let err = fails(&varna(
        &["init", "--data-dir", d, "--admin", "x2", "--unit", "A:B"],
        &[ADMIN_PASS],
    ));
    assert!(err.contains("already set up"), "{err}");
}

#[test]
fn backup_and_restore_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    let file = dir.path().join("varna.backup");
    let f = file.to_str().unwrap();
    init(&data);
    let out = ok(&varna(
        &["backup", "--data-dir", d, "--as", "admin", "--out", f],
        &[ADMIN_PASS],
    ));
    assert!(out.contains("Backup written"), "{out}");
    ok(&varna(
        &[
            "user",
            "add",
            "--data-dir",
            d,
            "--as",
            "admin",
            "--username",
            "later",
            "--role",
            "arbetsledare",
            "--unit",
            "IFO",
        ],
        &[ADMIN_PASS, "later passphrase"],
    ));
    let out = ok(&varna(
        &["restore", "--data-dir", d, "--as", "admin", "--from", f],
        &[ADMIN_PASS],
    ));
    assert!(out.contains("Restored"), "{out}");
    let list = ok(&varna(
        &["user", "list", "--data-dir", d, "--as", "admin"],
        &[ADMIN_PASS],
    ));
    assert!(!list.contains("later"), "{list}");

    let junk = dir.path().join("junk.backup");
    std::fs::write(&junk, b"definitely not a backup").unwrap();
    let err = fails(&varna(
        &[
            "restore",
            "--data-dir",
            d,
            "--as",
            "admin",
            "--from",
            junk.to_str().unwrap(),
        ],
        &[ADMIN_PASS],
    ));
    assert!(err.contains("not a Värna backup"), "{err}");
    ok(&varna(
        &["user", "list", "--data-dir", d, "--as", "admin"],
        &[ADMIN_PASS],
    ));
}

#[test]
fn user_deactivate_revokes_the_account_and_re_keys() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    init(dir.path());
    let add = |name: &str, pass: &str| {
        ok(&varna(
            &[
                "user",
                "add",
                "--data-dir",
                d,
                "--as",
                "admin",
                "--username",
                name,
                "--role",
                "handlaggare",
                "--unit",
                "IFO",
            ],
            &[ADMIN_PASS, pass],
        ))
    };
    add("wanda", "wanda går till jobbet 9");
    add("hugo", "hugo läser i solen 4");
    let old_keys = std::fs::read(dir.path().join("varna.keys")).unwrap();

    // Only an administratör may, and not on themselves.
    let err = fails(&varna(
        &[
            "user",
            "deactivate",
            "--data-dir",
            d,
            "--as",
            "hugo",
            "--username",
            "wanda",
        ],
        &["hugo läser i solen 4"],
    ));
    assert!(err.contains("not allowed"), "{err}");
    let err = fails(&varna(
        &[
            "user",
            "deactivate",
            "--data-dir",
            d,
            "--as",
            "admin",
            "--username",
            "admin",
        ],
        &[ADMIN_PASS],
    ));
    assert!(err.contains("your own account"), "{err}");

    let out = ok(&varna(
        &[
            "user",
            "deactivate",
            "--data-dir",
            d,
            "--as",
            "admin",
            "--username",
            "wanda",
        ],
        &[ADMIN_PASS],
    ));
    assert!(
        out.contains("Deactivated wanda") && out.contains("re-keyed"),
        "{out}"
    );
    let list = ok(&varna(
        &["user", "list", "--data-dir", d, "--as", "admin"],
        &[ADMIN_PASS],
    ));
    assert!(list.contains("wanda\thandläggare\tIFO\tinaktiv"), "{list}");
    // Her passphrase opens nothing, neither with the current key file nor with an old copy.
    let err = fails(&varna(
        &["user", "list", "--data-dir", d, "--as", "wanda"],
        &["wanda går till jobbet 9"],
    ));
    assert!(err.contains("wrong passphrase"), "{err}");
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(dir.path().join("varna.db"), copy.path().join("varna.db")).unwrap();
    std::fs::write(copy.path().join("varna.keys"), &old_keys).unwrap();
    let c = copy.path().to_str().unwrap();
    let err = fails(&varna(
        &["audit", "verify", "--data-dir", c, "--as", "wanda"],
        &["wanda går till jobbet 9"],
    ));
    assert!(err.contains("does not open with the key"), "{err}");
    // Everyone else goes on.
    ok(&varna(
        &["user", "list", "--data-dir", d, "--as", "admin"],
        &[ADMIN_PASS],
    ));
}

#[test]
fn a_weak_passphrase_is_refused_in_swedish() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    init(dir.path());
    let err = fails(&varna(
        &[
            "user",
            "add",
            "--data-dir",
            d,
            "--as",
            "admin",
            "--username",
            "bo",
            "--role",
            "handlaggare",
            "--unit",
            "IFO",
        ],
        &[ADMIN_PASS, "sommar2026!"],
    ));
    assert!(err.contains("Lösenfrasen är för lätt att gissa"), "{err}");
    assert!(
        !err.contains("sommar2026"),
        "the passphrase was repeated: {err}"
    );
}

#[test]
fn a_backup_is_restored_with_the_recovery_key_and_a_new_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    let file = dir.path().join("varna.backup");
    let f = file.to_str().unwrap();
    let key = init(&data);
    ok(&varna(
        &["backup", "--data-dir", d, "--as", "admin", "--out", f],
        &[ADMIN_PASS],
    ));
    let restore = [
        "restore",
        "--data-dir",
        d,
        "--as",
        "admin",
        "--from",
        f,
        "--recovery",
    ];
    // A mistyped key is refused before anything is tried.
    let err = fails(&varna(&restore, &["123456", "a new admin passphrase 2"]));
    assert!(err.contains("recovery key"), "{err}");
    let out = ok(&varna(&restore, &[&key, "a new admin passphrase 2"]));
    assert!(out.contains("Restored"), "{out}");
    // The new passphrase opens it; the old one no longer does.
    ok(&varna(
        &["user", "list", "--data-dir", d, "--as", "admin"],
        &["a new admin passphrase 2"],
    ));
    fails(&varna(
        &["user", "list", "--data-dir", d, "--as", "admin"],
        &[ADMIN_PASS],
    ));
}
