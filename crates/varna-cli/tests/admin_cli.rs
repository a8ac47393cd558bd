//! Administration from the command line, for scripted roll-outs: `varna user
//! reactivate|remove|role|units`, `varna user add --one-time` and `varna unit add|rename|close|list`,
//! run as a real process with passphrases on standard input, on real stores.

mod common;
use common::*;

const WANDA_PASS: &str = "wanda går till jobbet 9";

fn user_line(d: &str, username: &str) -> String {
    let list = ok(&admin(d, &["user", "list"], &[]));
    list.lines()
        .find(|l| l.starts_with(&format!("{username}\t")))
        .unwrap_or_else(|| panic!("{username} not in {list}"))
        .to_string()
}

#[test]
fn units_are_added_renamed_listed_and_closed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    init(dir.path());
    let out = ok(&admin(
        d,
        &["unit", "add", "--code", "VUX", "--name", "Vuxenenheten"],
        &[],
    ));
    assert!(out.contains("Added unit VUX"), "{out}");
    let err = fails(&admin(
        d,
        &["unit", "add", "--code", "vux", "--name", "Again"],
        &[],
    ));
    assert!(err.contains("already exists"), "{err}");
    ok(&admin(
        d,
        &[
            "unit",
            "rename",
            "--code",
            "VUX",
            "--name",
            "Vuxen och familj",
        ],
        &[],
    ));
    let list = ok(&admin(d, &["unit", "list"], &[]));
    assert!(
        list.contains("IFO\töppen\tadmin\tIndivid- och familjeomsorg"),
        "{list}"
    );
    assert!(list.contains("VUX\töppen\t\tVuxen och familj"), "{list}");

    let out = ok(&admin(d, &["unit", "close", "--code", "VUX"], &[]));
    assert!(out.contains("Closed unit VUX"), "{out}");
    let err = fails(&admin(d, &["unit", "close", "--code", "VUX"], &[]));
    assert!(err.contains("already closed"), "{err}");
    let json = ok(&admin(d, &["unit", "list", "--json"], &[]));
    let units: serde_json::Value = serde_json::from_str(&json).unwrap();
    let vux = units
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "VUX")
        .unwrap();
    assert_eq!(vux["active"], false);
    assert!(vux["closedAt"].is_string());
    // A closed unit takes no new members.
    let err = fails(&admin(
        d,
        &[
            "user",
            "add",
            "--username",
            "wanda",
            "--role",
            "handlaggare",
            "--unit",
            "VUX",
        ],
        &[WANDA_PASS],
    ));
    assert!(err.contains("closed"), "{err}");
    let err = fails(&admin(d, &["unit", "close", "--code", "NOPE"], &[]));
    assert!(err.contains("NOPE"), "{err}");
}

#[test]
fn role_units_deactivate_and_reactivate_an_account() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    init(dir.path());
    ok(&admin(
        d,
        &["unit", "add", "--code", "VUX", "--name", "Vuxenenheten"],
        &[],
    ));
    ok(&admin(
        d,
        &[
            "user",
            "add",
            "--username",
            "wanda",
            "--role",
            "handlaggare",
            "--unit",
            "IFO",
            "--one-time",
        ],
        &[WANDA_PASS],
    ));
    let json = ok(&admin(d, &["user", "list", "--json"], &[]));
    assert!(
        json.contains("\"mustChangePassphrase\": \"new_account\""),
        "{json}"
    );

    ok(&admin(
        d,
        &[
            "user",
            "role",
            "--username",
            "wanda",
            "--role",
            "arbetsledare",
        ],
        &[],
    ));
    ok(&admin(
        d,
        &[
            "user",
            "units",
            "--username",
            "wanda",
            "--unit",
            "IFO",
            "--unit",
            "VUX",
        ],
        &[],
    ));
    let line = user_line(d, "wanda");
    let fields: Vec<&str> = line.split('\t').collect();
    assert_eq!(fields[1], "arbetsledare", "{line}");
    let mut codes: Vec<&str> = fields[2].split(',').collect();
    codes.sort();
    assert_eq!(codes, ["IFO", "VUX"], "{line}");
    assert_eq!(fields[3], "aktiv", "{line}");

    // The last administratör stays one.
    let err = fails(&admin(
        d,
        &[
            "user",
            "role",
            "--username",
            "admin",
            "--role",
            "handlaggare",
        ],
        &[],
    ));
    assert!(err.contains("at least one active administratör"), "{err}");
    let err = fails(&admin(
        d,
        &["user", "role", "--username", "wanda", "--role", "chef"],
        &[],
    ));
    assert!(err.contains("role must be"), "{err}");

    ok(&admin(
        d,
        &["user", "deactivate", "--username", "wanda"],
        &[],
    ));
    assert!(user_line(d, "wanda").contains("inaktiv"));
    // Deactivated: the old passphrase opens nothing.
    let err = fails(&varna(
        &["user", "passwd", "--data-dir", d, "wanda"],
        &[WANDA_PASS, "whatever new passphrase 5"],
    ));
    assert!(!err.is_empty());
    // A weak new passphrase is refused, in Swedish; then a good one brings the account back.
    let err = fails(&admin(
        d,
        &["user", "reactivate", "--username", "wanda"],
        &["password123"],
    ));
    assert!(err.contains("för lätt att gissa"), "{err}");
    let out = ok(&admin(
        d,
        &["user", "reactivate", "--username", "wanda"],
        &["wanda är tillbaka igen 3"],
    ));
    assert!(out.contains("Reactivated wanda"), "{out}");
    let err = fails(&admin(
        d,
        &["user", "reactivate", "--username", "wanda"],
        &["wanda är tillbaka igen 4"],
    ));
    assert!(err.contains("already active"), "{err}");
    let json = ok(&admin(d, &["user", "list", "--json"], &[]));
    assert!(
        json.contains("\"mustChangePassphrase\": \"reactivated\""),
        "{json}"
    );
    // The new passphrase works (changing it clears the notice).
    ok(&varna(
        &["user", "passwd", "--data-dir", d, "wanda"],
        &["wanda är tillbaka igen 3", "wandas egen nya fras 8"],
    ));
    let json = ok(&admin(d, &["user", "list", "--json"], &[]));
    assert!(!json.contains("\"reactivated\""), "{json}");

    // Only an administratör.
    let err = fails(&varna(
        &[
            "unit",
            "add",
            "--data-dir",
            d,
            "--as",
            "wanda",
            "--code",
            "X",
            "--name",
            "X",
        ],
        &["wandas egen nya fras 8"],
    ));
    assert!(err.contains("administratör"), "{err}");

    // An active account cannot be removed; a deactivated one leaves the list for good.
    let err = fails(&admin(d, &["user", "remove", "--username", "wanda"], &[]));
    assert!(err.contains("deactivate the account before"), "{err}");
    ok(&admin(
        d,
        &["user", "deactivate", "--username", "wanda"],
        &[],
    ));
    let out = ok(&admin(d, &["user", "remove", "--username", "wanda"], &[]));
    assert!(out.contains("Removed wanda"), "{out}");
    assert!(user_line(d, "wanda").contains("borttagen"));
    let err = fails(&admin(
        d,
        &["user", "reactivate", "--username", "wanda"],
        &["wanda är tillbaka igen 5"],
    ));
    assert!(err.contains("cannot be reactivated"), "{err}");
}
