//! `varna demo seed`: synthetic screenings through the public core API, checked via the tally.

mod common;
use common::*;

use varna_core::export::{Measure, YearMonth};
use varna_core::store::Store;

fn total(store: &Store, measure: Measure) -> u64 {
    let today = chrono::Local::now().date_naive();
    let to: YearMonth = today.format("%Y-%m").to_string().parse().unwrap();
    let from: YearMonth = (today - chrono::Days::new(400))
        .format("%Y-%m")
        .to_string()
        .parse()
        .unwrap();
    store
        .tally_rows(from, to)
        .unwrap()
        .into_iter()
        .filter(|r| r.measure == measure && r.category.is_none())
        .map(|r| r.count)
        .sum()
}

#[test]
fn demo_seed_creates_screenings_counted_in_the_tally_and_is_repeatable() {
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
    let seed = |n: &str| {
        ok(&varna(
            &[
                "demo",
                "seed",
                "--data-dir",
                d,
                "--as",
                "admin",
                "--screenings",
                n,
                "--seed",
                "7",
            ],
            &[ADMIN_PASS],
        ))
    };
    let out = seed("30");
    assert!(out.contains("Seeded 30 screenings"), "{out}");

    let store = Store::unlock(dir.path(), "admin", ADMIN_PASS).unwrap();
    let started = total(&store, Measure::Started);
    let completed = total(&store, Measure::Completed);
    let discarded = total(&store, Measure::Discarded);
    assert_eq!(started, 30);
    assert!(completed >= 10, "completed {completed}");
    assert!(completed + discarded <= 30);
    // More than one unit and more than one month got screenings.
    let rows = store
        .tally_rows("2000-01".parse().unwrap(), "2999-12".parse().unwrap())
        .unwrap();
    let units: std::collections::BTreeSet<_> =
        rows.iter().map(|r| r.unit_code.to_string()).collect();
    let months: std::collections::BTreeSet<_> = rows.iter().map(|r| r.month).collect();
    assert!(units.len() >= 2, "{units:?}");
    assert!(months.len() >= 3, "{months:?}");
    store.lock();

    // A second run reuses the demo units and accounts and adds to the counts.
    let out2 = seed("5");
    assert!(out2.contains("Seeded 5 screenings"), "{out2}");
    let store = Store::unlock(dir.path(), "admin", ADMIN_PASS).unwrap();
    assert_eq!(total(&store, Measure::Started), 35);
    store.lock();
}

/// The command as the benchmark issue writes it: on a folder that is not set up yet, `demo
/// seed` sets it up as a demo installation (administratör `demo.admin`, passphrase from
/// stdin, recovery key printed once) and seeds it. On a folder that is set up, it needs an
/// administratör named with --as and changes nothing without one.
#[test]
fn demo_seed_sets_up_a_new_folder_itself_and_needs_as_once_it_is_set_up() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("demo");
    let d = folder.to_str().unwrap();
    let out = ok(&varna(
        &[
            "demo",
            "seed",
            "--data-dir",
            d,
            "--screenings",
            "12",
            "--seed",
            "3",
        ],
        &[ADMIN_PASS],
    ));
    assert!(out.contains("Recovery key"), "{out}");
    assert!(out.contains("Seeded 12 screenings"), "{out}");
    let store = Store::unlock(&folder, "demo.admin", ADMIN_PASS).unwrap();
    assert_eq!(total(&store, Measure::Started), 12);
    store.lock();

    let again = varna(
        &["demo", "seed", "--data-dir", d, "--screenings", "5"],
        &[ADMIN_PASS],
    );
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("--as"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let store = Store::unlock(&folder, "demo.admin", ADMIN_PASS).unwrap();
    assert_eq!(total(&store, Measure::Started), 12, "nothing was added");
    store.lock();
}

#[path = "../../varna-core/tests/disclosure_attack/mod.rs"]
mod disclosure_attack;

/// The shipped demo data, exported with the real CLI, gives an analyst who solves linear
/// programs over every published number no hidden count narrower than the threshold.
#[test]
fn the_attacker_pins_down_no_hidden_count_of_the_demo_data() {
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
    ok(&varna(
        &[
            "demo",
            "seed",
            "--data-dir",
            d,
            "--as",
            "admin",
            "--screenings",
            "240",
            "--seed",
            "11",
        ],
        &[ADMIN_PASS],
    ));
    let today = chrono::Local::now().date_naive();
    let from = (today - chrono::Days::new(400)).format("%Y-%m").to_string();
    let to = today.format("%Y-%m").to_string();
    let out = dir.path().join("demo-export.json");
    ok(&varna(
        &[
            "export",
            "--data-dir",
            d,
            "--as",
            "admin",
            "--from",
            &from,
            "--to",
            &to,
            "--out",
            out.to_str().unwrap(),
        ],
        &[ADMIN_PASS],
    ));
    let file = varna_core::export::verify(&std::fs::read(&out).unwrap()).unwrap();
    let bounds = disclosure_attack::attack(
        &[&file],
        &disclosure_attack::Knowledge {
            complete_dimensions: vec!["screening"],
        },
    );
    assert!(
        !bounds.is_empty(),
        "the demo data should have small cells that are hidden"
    );
    disclosure_attack::assert_protected(&bounds, file.threshold().get());
}
