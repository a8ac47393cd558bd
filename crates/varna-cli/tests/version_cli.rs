//! `varna --version`: the version, the git commit built from and the SQLCipher version,
//! one per line, as an IT department reads them off an installed machine.

use std::process::Command;

fn stdout_of(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_varna"))
        .args(args)
        .output()
        .expect("varna runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The commit of the checkout the test runs in, if git and a checkout are there.
fn checkout_commit() -> Option<String> {
    let out = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[test]
fn version_prints_version_commit_and_sqlcipher() {
    let text = stdout_of(&["--version"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], format!("varna {}", env!("CARGO_PKG_VERSION")));

    let commit = lines[1].strip_prefix("commit ").expect("a commit line");
    match (std::env::var("VARNA_GIT_COMMIT").ok(), checkout_commit()) {
        // The build environment named the commit: that one is embedded.
        (Some(given), _) if !given.trim().is_empty() => assert_eq!(commit, given.trim()),
        // Built in this checkout: the build script ran again when HEAD moved.
        (_, Some(head)) => assert_eq!(commit, head, "{text}"),
        (_, None) => assert_eq!(commit, "unknown"),
    }

    let sqlcipher = lines[2]
        .strip_prefix("SQLCipher ")
        .expect("a SQLCipher line");
    assert!(sqlcipher.starts_with("4."), "{text}");
    assert!(sqlcipher.contains("community"), "{text}");

    // `-V`, the `version` command and no arguments print the same.
    assert_eq!(stdout_of(&["-V"]), text);
    assert_eq!(stdout_of(&["version"]), text);
    assert_eq!(stdout_of(&[]), text);
}
