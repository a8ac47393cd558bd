//! The start-up benchmark's signal, through the real app binary: with `VARNA_REPORT_READY=1`
//! the shell prints `varna-ready <screen> <ms>` once the UI's first screen has the cursor,
//! and the screen is the one a user would see (first run on an empty folder, unlock after).

use std::time::Duration;

use varna_e2e::{ready_line, support, TestResult};

fn parse(line: &str) -> (String, u64) {
    let parts: Vec<&str> = line.split(' ').collect();
    assert_eq!(parts.len(), 3, "{line:?}");
    assert_eq!(parts[0], "varna-ready");
    (parts[1].to_owned(), parts[2].parse().expect("milliseconds"))
}

#[test]
fn the_app_reports_its_first_screen_ready_on_stdout() -> TestResult {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");

    let (screen, ms) = parse(&ready_line(&data, Duration::from_secs(90))?);
    assert_eq!(
        screen, "setup",
        "an empty data folder opens on the first run"
    );
    assert!(ms > 0 && ms < 90_000, "{ms} ms");

    support::init_with_cli(&data)?;
    let (screen, ms) = parse(&ready_line(&data, Duration::from_secs(90))?);
    assert_eq!(
        screen, "unlock",
        "a set-up folder opens on the unlock screen"
    );
    assert!(ms > 0 && ms < 90_000, "{ms} ms");
    Ok(())
}
