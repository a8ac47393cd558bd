//! Steps shared by the scenarios: first-run setup and unlocking.

use crate::{App, TestResult};

pub const ADMIN: &str = "anna";
pub const PASSPHRASE: &str = "korrekt häst batteri häftapparat";

/// Does first-time setup through the UI and lands signed in.
pub async fn set_up(app: &App) -> TestResult {
    set_up_keeping_key(app).await.map(|_| ())
}

/// [`set_up`], returning the recovery key as shown.
pub async fn set_up_keeping_key(
    app: &App,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    app.by_test_id("setup").await?;
    app.fill("setup-name", "Anna Andersson").await?;
    app.fill("setup-username", ADMIN).await?;
    app.fill("setup-passphrase", PASSPHRASE).await?;
    app.fill("setup-passphrase-again", PASSPHRASE).await?;
    app.fill("setup-unit-code", "IFO-VUX").await?;
    app.fill("setup-unit-name", "Vuxenenheten").await?;
    app.by_test_id("setup-submit").await?.click().await?;
    let key = app.by_test_id("recovery-key").await?.text().await?;
    let digits: String = key.chars().filter(|c| c.is_ascii_digit()).collect();
    assert!(digits.len() >= 48, "the recovery key is shown: {key:?}");
    app.by_test_id("recovery-confirm").await?.click().await?;
    app.by_test_id("recovery-continue").await?.click().await?;
    app.by_test_id("signed-in").await?;
    Ok(key)
}

pub const WORKER: &str = "bo";
pub const WORKER_PASSPHRASE: &str = "samtal i lugn och ro 2026";

/// The `varna` CLI binary built beside the app.
pub fn cli_binary() -> std::path::PathBuf {
    crate::app_binary().with_file_name("varna")
}

fn cli(args: &[&str], stdin: &str) -> TestResult {
    use std::io::Write;
    let mut child = std::process::Command::new(cli_binary())
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(stdin.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        return Err(format!(
            "varna {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

/// Sets up a data folder with the CLI, as an administrator would by script: the
/// administrator `anna`, the unit IFO-VUX and the handläggare `bo`.
pub fn init_with_cli(data_dir: &std::path::Path) -> TestResult {
    let dir = data_dir.to_str().expect("utf-8 path");
    cli(
        &[
            "init",
            "--data-dir",
            dir,
            "--admin",
            ADMIN,
            "--admin-name",
            "Anna Andersson",
            "--unit",
            "IFO-VUX:Vuxenenheten",
        ],
        &format!("{PASSPHRASE}\n"),
    )?;
    cli(
        &[
            "user",
            "add",
            "--data-dir",
            dir,
            "--as",
            ADMIN,
            "--username",
            WORKER,
            "--name",
            "Bo Berg",
            "--role",
            "handlaggare",
            "--unit",
            "IFO-VUX",
        ],
        &format!("{PASSPHRASE}\n{WORKER_PASSPHRASE}\n"),
    )
}

/// Adds an account in the unit IFO-VUX with the CLI, as the administrator `anna` would by
/// script (`role`: `handlaggare`, `arbetsledare` or `administrator`).
pub fn add_user_with_cli(
    data_dir: &std::path::Path,
    username: &str,
    name: &str,
    role: &str,
    passphrase: &str,
) -> TestResult {
    cli(
        &[
            "user",
            "add",
            "--data-dir",
            data_dir.to_str().expect("utf-8 path"),
            "--as",
            ADMIN,
            "--username",
            username,
            "--name",
            name,
            "--role",
            role,
            "--unit",
            "IFO-VUX",
        ],
        &format!("{PASSPHRASE}\n{passphrase}\n"),
    )
}

/// Seeds `screenings` synthetic screenings into a folder set up by [`init_with_cli`], with
/// the CLI's `varna demo seed` as the administrator `anna` (demo units and accounts, each
/// screening started, answered and completed, left a draft or discarded: its log rows).
pub fn demo_seed_with_cli(data_dir: &std::path::Path, screenings: u32) -> TestResult {
    cli(
        &[
            "demo",
            "seed",
            "--data-dir",
            data_dir.to_str().expect("utf-8 path"),
            "--as",
            ADMIN,
            "--screenings",
            &screenings.to_string(),
        ],
        &format!("{PASSPHRASE}\n"),
    )
}

/// Adds an instrument file to the store's library with the CLI, as the administrator `anna`
/// (the store must not be open in the app: lock it first).
pub fn add_instrument_with_cli(data_dir: &std::path::Path, file: &std::path::Path) -> TestResult {
    cli(
        &[
            "instrument",
            "add",
            "--data-dir",
            data_dir.to_str().expect("utf-8 path"),
            "--as",
            ADMIN,
            file.to_str().expect("utf-8 path"),
        ],
        &format!("{PASSPHRASE}\n"),
    )
}

/// The five questions of the FREDA-style screening, in the interview's order.
pub const FREDA_ITEMS: [&str; 5] = [
    "fysiskt_vald",
    "hot",
    "kontroll",
    "sexuellt_vald",
    "radsla_nu",
];

/// Answers `items` in the open interview by keyboard, the way a worker does: on each item
/// (once it is the current one) the one-key answer `key`, wait for "Sparat", then Enter to go
/// on (not after the last).
pub async fn answer_by_keyboard(app: &App, items: &[&str], key: &str) -> TestResult {
    let enter = fantoccini::key::Key::Enter.to_string();
    for (i, item) in items.iter().enumerate() {
        app.wait_for_attr(
            &format!("[data-testid=\"item\"][data-key=\"{item}\"]"),
            "aria-current",
            "true",
        )
        .await?;
        app.keys(key).await?;
        app.wait_for_text("save-status", "Sparat").await?;
        if i + 1 < items.len() {
            app.keys(&enter).await?;
        }
    }
    Ok(())
}

/// Unlocks through the UI as `username` and waits until signed in.
pub async fn unlock_as(app: &App, username: &str, passphrase: &str) -> TestResult {
    app.fill("unlock-username", username).await?;
    app.fill("unlock-passphrase", passphrase).await?;
    app.by_test_id("unlock-submit").await?.click().await?;
    app.by_test_id("signed-in").await?;
    Ok(())
}

/// From the start page: a new screening of `instrument` (its newest version) about a person
/// in `role`, in the signed-in worker's first unit, dated today; waits for the interview.
pub async fn start_screening(app: &App, instrument: &str, role: &str) -> TestResult {
    app.by_test_id("new-screening").await?.click().await?;
    app.by_test_id("new-instrument")
        .await?
        .select_by_value(instrument)
        .await?;
    app.by_test_id("new-role")
        .await?
        .select_by_value(role)
        .await?;
    app.by_test_id("new-start").await?.click().await?;
    app.by_test_id("interview").await?;
    Ok(())
}

/// A small instrument file of the organisation's own (one yes/no question, one outcome),
/// for the tests that add a file to the instrument library.
pub const OWN_INSTRUMENT: &str = r#"id = "egen-fragor"
version = "1.0.0"
kind = "screening"
title = { sv = "Egna frågor om våld", en = "Our own questions about violence" }
description = { sv = "Organisationens egna kortfrågor." }
source = { sv = "Skriven av organisationen." }
licence = { sv = "Endast för internt bruk." }

[[sections]]
id = "fragor"
title = { sv = "Frågor" }

[[sections.items]]
id = "hot"
type = "yes_no"
required = true
text = { sv = "Har någon hotat dig?" }

[[outcomes]]
id = "screening"
label = { sv = "Utfall" }
categories = [
  { id = "positiv", label = { sv = "Positiv" } },
  { id = "negativ", label = { sv = "Negativ" } },
]
rules = [{ when = "hot", category = "positiv" }]
otherwise = "negativ"
"#;
