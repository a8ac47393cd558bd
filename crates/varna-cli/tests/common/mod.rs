//! What the command-line tests share: `varna` run as a real process, with passphrases as
//! lines on standard input, and the checks of its exit status.

#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The administratör's passphrase in stores made by [`init`].
pub const ADMIN_PASS: &str = "admin passphrase 1";

/// Runs `varna args`, writing each of `stdin_lines` as a line on its standard input.
pub fn varna(args: &[&str], stdin_lines: &[&str]) -> Output {
    let mut text = String::new();
    for line in stdin_lines {
        text.push_str(line);
        text.push('\n');
    }
    varna_raw(args, &text)
}

/// Runs `varna args` with `stdin` as its standard input, byte for byte.
pub fn varna_raw(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_varna"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command may fail and exit before reading everything (broken pipe).
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

/// Asserts success and returns standard output.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Asserts the exit status of an error (2) and returns standard error.
pub fn fails(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "expected failure: {out:?}");
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// `varna <args> --data-dir D --as admin` with the administratör's passphrase first, then
/// `more` lines.
pub fn admin(d: &str, args: &[&str], more: &[&str]) -> Output {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--data-dir", d, "--as", "admin"]);
    let mut lines = vec![ADMIN_PASS];
    lines.extend(more);
    varna(&all, &lines)
}

/// `varna init` of `dir` with the administratör `admin` ("Ada Admin") and the unit IFO;
/// returns the recovery key it printed (16 groups of 6 digits).
pub fn init(dir: &Path) -> String {
    let d = dir.to_str().unwrap();
    let stdout = ok(&varna(
        &[
            "init",
            "--data-dir",
            d,
            "--admin",
            "admin",
            "--admin-name",
            "Ada Admin",
            "--unit",
            "IFO:Individ- och familjeomsorg",
        ],
        &[ADMIN_PASS],
    ));
    // The recovery key is the last line: 16 groups of 6 digits.
    let key = stdout.lines().last().unwrap().to_string();
    assert_eq!(key.split('-').count(), 16, "{stdout}");
    assert!(key
        .split('-')
        .all(|g| g.len() == 6 && g.bytes().all(|b| b.is_ascii_digit())));
    key
}
