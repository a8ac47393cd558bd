//! `varna instrument check|list|schema` as an administrator uses them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn varna(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_varna"))
        .args(args)
        .output()
        .expect("varna runs")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn s(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn check_of_the_shipped_instruments_exits_zero() {
    let dir = repo().join("instruments");
    let out = varna(&["instrument", "check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", s(&out.stderr));
    assert!(
        s(&out.stdout).contains("7 valid, 0 invalid"),
        "{}",
        s(&out.stdout)
    );
}

#[test]
fn check_exits_one_and_prints_every_error_with_its_position() {
    let good = repo().join("instruments/farlighet-stil/1.0.0.toml");
    let bad =
        repo().join("crates/varna-core/tests/fixtures/instruments/malformed/bands/1.0.0.toml");
    let out = varna(&[
        "instrument",
        "check",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = s(&out.stderr);
    let bad_shown = bad.display().to_string();
    assert!(
        err.contains(&format!("{bad_shown}:40:3: overlapping bands")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{bad_shown}:50:3: gap between bands")),
        "{err}"
    );
    assert!(s(&out.stdout).contains("1 valid, 1 invalid"));
}

#[test]
fn check_of_a_missing_path_fails() {
    let out = varna(&["instrument", "check", "/nonexistent/x/1.0.0.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(s(&out.stderr).contains("cannot read"));
}

#[test]
fn list_prints_id_version_kind_title_and_hash() {
    let dir = repo().join("instruments");
    let out = varna(&["instrument", "list", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", s(&out.stderr));
    let stdout = s(&out.stdout);
    let lines: Vec<Vec<&str>> = stdout.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 7);
    let freda = lines
        .iter()
        .find(|l| l[0] == "freda-kortfragor-stil")
        .unwrap();
    assert_eq!(&freda[1..3], ["1.0.0", "screening"]);
    assert!(freda[3].starts_with("Kortfrågor om våld"));
    let bytes = std::fs::read(dir.join("freda-kortfragor-stil/1.0.0.toml")).unwrap();
    assert_eq!(freda[4], varna_core::instrument::sha256_hex(&bytes));
}

#[test]
fn schema_prints_the_committed_schema() {
    let out = varna(&["instrument", "schema"]);
    assert_eq!(out.status.code(), Some(0));
    let committed = std::fs::read_to_string(repo().join("instruments/schema.json")).unwrap();
    assert_eq!(s(&out.stdout), committed);
}
