//! Every command group that opens a store unlocks it the same way: the passphrase of `--as`
//! from one line of standard input, the end of input before a line refused (never taken as an
//! empty passphrase), and a wrong passphrase refused with the same error.

mod common;
use common::*;

/// One command of each group that opens a store as `--as admin`.
fn commands(d: &str) -> Vec<Vec<String>> {
    let with = |args: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        v.extend(["--data-dir", d, "--as", "admin"].map(String::from));
        v
    };
    vec![
        with(&["user", "list"]),
        with(&["unit", "list"]),
        with(&["audit", "verify"]),
        with(&["audit", "list"]),
        with(&["retention", "preview"]),
        with(&["export", "trusted"]),
        with(&["instrument", "retire", "--id", "x", "--version", "1.0.0"]),
        with(&[
            "screening",
            "pdf",
            "--id",
            "x",
            "--out",
            "/nonexistent/x.pdf",
        ]),
    ]
}

#[test]
fn every_group_refuses_the_end_of_input_and_a_wrong_passphrase_alike() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let d = dir.path().to_str().unwrap();
    let mut wrong: Option<String> = None;
    for cmd in commands(d) {
        let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        let err = fails(&varna_raw(&args, ""));
        assert!(
            err.contains("expected a line on standard input: Passphrase for admin"),
            "{args:?}: {err}"
        );
        let err = fails(&varna(&args, &["not the passphrase"]));
        let first = wrong.get_or_insert_with(|| err.clone());
        assert_eq!(&err, first, "{args:?}");
        // A successful unlock clears the failed attempt, so no unlock delay builds up.
        ok(&admin(d, &["user", "list"], &[]));
    }
    assert!(wrong.unwrap().contains("passphrase"));
}
