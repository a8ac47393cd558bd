//! `varna instrument add|retire` on a real store, as a scripted roll-out would run them.

mod common;
use common::*;

const FILE: &str = r#"id = "egen-fragor"
version = "1.0.0"
kind = "screening"
title = { sv = "Egna frågor om våld" }
description = { sv = "Organisationens egna kortfrågor." }
source = { sv = "Skriven av organisationen." }
licence = { sv = "Endast för internt bruk." }

[[sections]]
id = "fragor"
title = { sv = "Frågor" }

[[sections.items]]
id = "hot"
type = "yes_no"
text = { sv = "Har någon hotat dig?" }
"#;

#[test]
fn an_administrator_adds_a_file_and_retires_and_reactivates_the_version() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    ok(&varna(
        &[
            "init",
            "--data-dir",
            d,
            "--admin",
            "admin",
            "--unit",
            "IFO:Individ- och familjeomsorg",
        ],
        &[ADMIN_PASS],
    ));
    let picked = tempfile::tempdir().unwrap();

    // A broken file: exit 1, the error with its line, nothing written.
    let broken = picked.path().join("trasig.toml");
    std::fs::write(
        &broken,
        FILE.replace("type = \"yes_no\"", "type = \"ja_nej\""),
    )
    .unwrap();
    let out = admin(d, &["instrument", "add", broken.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:15:", broken.display())), "{err}");
    let folder = dir.path().join("instruments");
    assert!(!folder.join("egen-fragor").exists());

    let good = picked.path().join("egna.toml");
    std::fs::write(&good, FILE).unwrap();
    let out = ok(&admin(
        d,
        &["instrument", "add", good.to_str().unwrap()],
        &[],
    ));
    assert!(out.starts_with("added egen-fragor 1.0.0"), "{out}");
    let placed = folder.join("egen-fragor").join("1.0.0.toml");
    assert_eq!(std::fs::read_to_string(&placed).unwrap(), FILE);

    // Again: refused (exit 1), the placed file untouched.
    let out = admin(d, &["instrument", "add", good.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("already in the library"));

    let retire = [
        "instrument",
        "retire",
        "--id",
        "egen-fragor",
        "--version",
        "1.0.0",
    ];
    assert!(ok(&admin(d, &retire, &[])).contains("retired egen-fragor 1.0.0"));
    assert_eq!(
        admin(d, &retire, &[]).status.code(),
        Some(2),
        "already retired"
    );
    let mut again = retire.to_vec();
    again.push("--reactivate");
    assert!(ok(&admin(d, &again, &[])).contains("reactivated"));

    let log = ok(&admin(d, &["audit", "list"], &[]));
    for event in [
        "instrument_add",
        "instrument_retire",
        "instrument_reactivate",
    ] {
        assert!(
            log.lines()
                .any(|l| l.contains(event) && l.contains("egen-fragor@1.0.0")),
            "{event} not in {log}"
        );
    }
}
