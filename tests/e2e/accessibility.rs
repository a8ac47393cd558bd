//! Accessibility as a test: axe-core with the WCAG 2.1 A/AA rules on every screen of every
//! role in the real app (see `harness/a11y.rs`). Each test walks its screens, checks each one
//! and fails at the end with the full list of violations.
//!
//! - First run and administration: the first-run form, the About view, the recovery key, the administratör's
//!   statistics and administration (konton och enheter with an account's panel, the access
//!   log with results, gallring with its preview, auto-lock, backup, the instrument library
//!   with a file's error and a file's preview), then the unlock screen
//!   in all its modes (passphrase, recovery key, restore, a wrong passphrase's error).
//! - Every role's work: with a store prepared by the CLI, the handläggare's start page, the
//!   new-screening form, the interview of every shipped instrument, the summary and the
//!   completed view, the offer to move a draft to a newer instrument version; the arbetsledare's review queue, a review, statistics with a table and
//!   administration; the forced passphrase change of an account with a one-time passphrase.
//! - The lock screen's notice after the core locked for inactivity.

use fantoccini::Locator;
use serde_json::{json, Value};
use varna_e2e::a11y::Audit;
use varna_e2e::{run, run_on, support, App, TestResult};

const SUPERVISOR: &str = "cia";
const SUPERVISOR_PASSPHRASE: &str = "granskning i handledning 7";
const ONE_TIME_USER: &str = "dan";
const ONE_TIME: &str = "engångsfras till dan 4711";

/// The shipped instruments (each a different kind of interview) and a role to start it with.
const INSTRUMENTS: [(&str, &str); 4] = [
    ("freda-kortfragor-stil", "valdsutsatt"),
    ("farlighet-stil", "valdsutsatt"),
    ("patriark-stil", "valdsutsatt"),
    ("signs-of-safety-stil", "barn"),
];

fn cli(args: &[&str], stdin: &str) -> TestResult {
    use std::io::Write;
    let mut child = std::process::Command::new(support::cli_binary())
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
        return Err(format!("varna {args:?}: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(())
}

/// Adds an account in IFO-VUX with the CLI (`extra`: e.g. `--one-time`).
fn add_user(
    data: &std::path::Path,
    user: &str,
    role: &str,
    pass: &str,
    extra: &[&str],
) -> TestResult {
    let dir = data.to_str().expect("utf-8 path");
    let mut args = vec![
        "user",
        "add",
        "--data-dir",
        dir,
        "--as",
        support::ADMIN,
        "--username",
        user,
        "--role",
        role,
        "--unit",
        "IFO-VUX",
    ];
    args.extend_from_slice(extra);
    cli(&args, &format!("{}\n{pass}\n", support::PASSPHRASE))
}

async fn ok(app: &App, command: &str, args: Value) -> Result<Value, String> {
    let r = app.invoke(command, args).await.map_err(|e| e.to_string())?;
    r.get("ok")
        .cloned()
        .ok_or_else(|| format!("{command} failed: {r}"))
}

async fn css(app: &App, selector: &str) -> Result<fantoccini::elements::Element, String> {
    app.client
        .wait()
        .for_element(Locator::Css(selector))
        .await
        .map_err(|e| format!("{selector}: {e}"))
}

async fn lock(app: &App) -> TestResult {
    app.by_test_id("lock").await?.click().await?;
    app.by_test_id("unlock").await?;
    Ok(())
}

/// Lets the page settle (focus moves, fonts, Chart.js) before axe looks at it.
async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
}

fn today() -> String {
    let out = std::process::Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .expect("date");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

fn entries(rows: &[&[(&str, &str)]]) -> Value {
    json!({
        "type": "entries",
        "value": rows.iter().map(|fields| {
            fields.iter().map(|(k, v)| {
                let value = if *k == "nar" { json!({"type": "date", "value": v}) }
                            else { json!({"type": "text", "value": v}) };
                (k.to_string(), value)
            }).collect::<serde_json::Map<String, Value>>()
        }).collect::<Vec<_>>()
    })
}

/// Starts a screening through the app's commands and returns its id.
async fn start(app: &App, instrument: &str, role: &str) -> Result<String, String> {
    start_version(app, instrument, None, role).await
}

/// Starts a screening on one version of an instrument (`None`: the newest).
async fn start_version(
    app: &App,
    instrument: &str,
    version: Option<&str>,
    role: &str,
) -> Result<String, String> {
    let unit = app
        .by_test_id("new-unit")
        .await
        .map_err(|e| e.to_string())?
        .prop("value")
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no unit")?;
    let doc = ok(
        app,
        "screening_start",
        json!({"screening": {
            "instrumentId": instrument,
            "instrumentVersion": version,
            "unitId": unit,
            "personRole": role,
            "conductedOn": today(),
            "caseRef": null,
        }}),
    )
    .await?;
    Ok(doc["id"].as_str().ok_or("no id")?.to_owned())
}

async fn save(app: &App, id: &str, answers: Vec<(&str, Value)>) -> TestResult {
    for (key, value) in answers {
        ok(
            app,
            "answer_save",
            json!({"id": id, "key": key, "value": value}),
        )
        .await?;
    }
    Ok(())
}

#[tokio::test]
async fn first_run_unlock_and_administration_are_accessible() -> TestResult {
    let mut audit = Audit::new();
    run("accessibility_first_run", async |app: &App| {
        // First run and the recovery key.
        app.by_test_id("setup").await?;
        // The checker itself: a nameless button and grey text on white are reported.
        app.client
            .execute(
                "const b = document.createElement('button'); b.id = 'a11y-canary'; \
                 const p = document.createElement('p'); p.id = 'a11y-canary-grey'; \
                 p.textContent = 'Ljusgrå text'; p.style = 'color: #bbb; background: #fff'; \
                 document.body.append(b, p);",
                vec![],
            )
            .await?;
        let found = varna_e2e::a11y::violations(app, "canary").await?;
        for (rule, id) in [
            ("button-name", "#a11y-canary"),
            ("color-contrast", "#a11y-canary-grey"),
        ] {
            assert!(
                found
                    .iter()
                    .any(|v| v.rule == rule && v.targets.iter().any(|t| t == id)),
                "axe reports {rule} at {id}: {found:?}"
            );
        }
        app.client
            .execute(
                "document.getElementById('a11y-canary').remove(); \
                 document.getElementById('a11y-canary-grey').remove();",
                vec![],
            )
            .await?;
        settle().await;
        audit.check(app, "first run (setup)").await?;
        app.by_test_id("about-open").await?.click().await?;
        app.by_test_id("about").await?;
        settle().await;
        audit.check(app, "first run (Om Värna)").await?;
        app.by_test_id("about-close").await?.click().await?;
        app.fill("setup-name", "Anna Andersson").await?;
        app.fill("setup-username", support::ADMIN).await?;
        app.fill("setup-passphrase", support::PASSPHRASE).await?;
        app.fill("setup-passphrase-again", support::PASSPHRASE)
            .await?;
        app.fill("setup-unit-code", "IFO-VUX").await?;
        app.fill("setup-unit-name", "Vuxenenheten").await?;
        settle().await;
        audit.check(app, "first run (filled in)").await?;
        app.by_test_id("setup-submit").await?.click().await?;
        app.by_test_id("recovery-key").await?;
        settle().await;
        audit.check(app, "recovery key").await?;
        app.by_test_id("recovery-confirm").await?.click().await?;
        app.by_test_id("recovery-continue").await?.click().await?;
        app.by_test_id("signed-in").await?;

        // The administratör: statistics (empty) and administration.
        app.by_test_id("tab-stats").await?.click().await?;
        app.by_test_id("stats-view").await?;
        settle().await;
        audit
            .check(app, "statistics (administratör, empty)")
            .await?;
        app.by_test_id("tab-admin").await?.click().await?;
        app.by_test_id("admin").await?;
        app.by_test_id("accounts").await?;
        css(app, "[data-testid=account-row][data-username=anna]").await?;
        settle().await;
        audit.check(app, "administration").await?;
        app.by_test_id("log-search").await?.click().await?;
        app.by_test_id("log-table").await?;
        app.by_test_id("retention-preview").await?.click().await?;
        app.by_test_id("retention-preview-list").await?;
        settle().await;
        audit
            .check(app, "administration (access log, retention preview)")
            .await?;
        css(
            app,
            "[data-testid=account-row][data-username=anna] [data-testid=account-edit]",
        )
        .await?
        .click()
        .await?;
        app.by_test_id("account-panel").await?;
        settle().await;
        audit
            .check(app, "konton och enheter (account panel)")
            .await?;
        // An error in konton och enheter: nobody deactivates themselves.
        app.by_test_id("account-deactivate").await?.click().await?;
        app.by_test_id("account-deactivate-yes")
            .await?
            .click()
            .await?;
        app.by_test_id("accounts-error").await?;
        settle().await;
        audit.check(app, "konton och enheter (an error)").await?;
        // A backup made: its status.
        let out = tempfile::tempdir()?;
        app.fill("backup-folder", &out.path().display().to_string())
            .await?;
        app.by_test_id("backup-make").await?.click().await?;
        app.by_test_id("backup-done").await?;
        settle().await;
        audit.check(app, "administration (backup made)").await?;
        // The instrument library: a file with an error, then a good file's preview.
        let picked = tempfile::tempdir()?;
        let file = picked.path().join("egna frågor.toml");
        std::fs::write(
            &file,
            support::OWN_INSTRUMENT.replace("required = true", "requird = true"),
        )?;
        app.fill("instrument-path", &file.display().to_string())
            .await?;
        app.by_test_id("instrument-check").await?.click().await?;
        app.by_test_id("instrument-file-problem").await?;
        settle().await;
        audit
            .check(app, "instrument library (a file with an error)")
            .await?;
        std::fs::write(&file, support::OWN_INSTRUMENT)?;
        app.by_test_id("instrument-check").await?.click().await?;
        app.by_test_id("instrument-preview").await?;
        settle().await;
        audit
            .check(app, "instrument library (a file's preview)")
            .await?;
        app.by_test_id("change-own").await?.click().await?;
        app.by_test_id("change-passphrase").await?;
        settle().await;
        audit.check(app, "byt lösenfras (own)").await?;

        // The unlock screen in each mode.
        lock(app).await?;
        settle().await;
        audit.check(app, "unlock (passphrase)").await?;
        app.fill("unlock-username", support::ADMIN).await?;
        app.fill("unlock-passphrase", "fel fras").await?;
        app.by_test_id("unlock-submit").await?.click().await?;
        app.by_test_id("error").await?;
        settle().await;
        audit.check(app, "unlock (wrong passphrase)").await?;
        app.by_test_id("unlock-mode").await?.click().await?;
        app.by_test_id("unlock-recovery-key").await?;
        settle().await;
        audit.check(app, "unlock (recovery key)").await?;
        app.by_test_id("unlock-mode").await?.click().await?;
        app.by_test_id("unlock-passphrase").await?;
        app.by_test_id("restore-mode").await?.click().await?;
        app.by_test_id("restore-file").await?;
        settle().await;
        audit.check(app, "unlock (restore a backup)").await?;
        Ok(())
    })
    .await?;
    audit.finish()
}

#[tokio::test]
async fn every_role_s_work_is_accessible() -> TestResult {
    let home = tempfile::Builder::new().prefix("varna-e2e-").tempdir()?;
    let data = home.path().join("data");
    support::init_with_cli(&data)?;
    add_user(
        &data,
        SUPERVISOR,
        "arbetsledare",
        SUPERVISOR_PASSPHRASE,
        &[],
    )?;
    add_user(
        &data,
        ONE_TIME_USER,
        "handlaggare",
        ONE_TIME,
        &["--one-time"],
    )?;

    let mut audit = Audit::new();
    let app = App::start_in(home).await?;
    run_on("accessibility_roles", app, async |app: &App| {
        // The handläggare.
        support::unlock_as(app, support::WORKER, support::WORKER_PASSPHRASE).await?;
        app.by_test_id("home").await?;
        settle().await;
        audit.check(app, "start page (empty)").await?;
        app.by_test_id("new-screening").await?.click().await?;
        app.by_test_id("new-screening-form").await?;
        settle().await;
        audit.check(app, "new screening").await?;

        // The interview of every shipped instrument, started through the form.
        for (instrument, role) in INSTRUMENTS {
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
            css(app, "[data-testid=item]").await?;
            settle().await;
            audit
                .check(app, &format!("interview ({instrument})"))
                .await?;
            if instrument == "signs-of-safety-stil" {
                // A list item with a new entry, and the discard confirmation.
                app.by_test_id("entry-add").await?.click().await?;
                settle().await;
                audit.check(app, "interview (a list entry added)").await?;
                // Version 2.0.0: a danger statement and safety goal pair, scaled per
                // perspective (one number field per perspective), and the summary's pairs.
                app.client
                    .find(Locator::Css(
                        "[data-testid=\"item\"][data-key=\"farlighet_och_mal\"] [data-testid=\"entry-add\"]",
                    ))
                    .await?
                    .click()
                    .await?;
                app.by_test_id("entry-perspectives").await?;
                settle().await;
                audit
                    .check(app, "interview (a pair scaled per perspective)")
                    .await?;
                app.by_test_id("to-summary").await?.click().await?;
                app.by_test_id("summary-pairs").await?;
                settle().await;
                audit.check(app, "summary (pairs scaled per perspective)").await?;
                app.by_test_id("back-to-interview").await?.click().await?;
                app.by_test_id("interview").await?;
                app.by_test_id("discard").await?.click().await?;
                app.by_test_id("discard-cancel").await?;
                settle().await;
                audit.check(app, "interview (discard confirmation)").await?;
                app.by_test_id("discard-cancel").await?.click().await?;
            }
            if instrument == "freda-kortfragor-stil" {
                // The summary while required answers are missing.
                app.by_test_id("to-summary").await?.click().await?;
                app.by_test_id("summary").await?;
                app.by_test_id("gap").await?;
                settle().await;
                audit.check(app, "summary (with gaps)").await?;
            }
            app.by_test_id("to-home").await?.click().await?;
            app.by_test_id("new-screening").await?.click().await?;
            app.by_test_id("new-screening-form").await?;
        }

        // A FREDA-style screening answered through the commands, then opened: the
        // interview with every answer, the summary and the completed view.
        let freda = start(app, "freda-kortfragor-stil", "valdsutsatt").await?;
        save(
            app,
            &freda,
            [
                "fysiskt_vald",
                "hot",
                "kontroll",
                "sexuellt_vald",
                "radsla_nu",
            ]
            .into_iter()
            .map(|k| (k, json!({"type": "yes_no", "value": false})))
            .collect(),
        )
        .await?;
        // A Signs of Safety style mapping, completed, for the arbetsledare's review.
        let sos = start_version(app, "signs-of-safety-stil", Some("1.0.0"), "barn").await?;
        save(
            app,
            &sos,
            vec![
                (
                    "tidigare_skada",
                    entries(&[&[("beskrivning", "Pappa slog mamma")]]),
                ),
                (
                    "farlighetsformuleringar",
                    entries(&[&[("formulering", "Vi är oroliga att")]]),
                ),
                (
                    "sakerhetsmal",
                    entries(&[&[("mal", "Barnet är tryggt hemma")]]),
                ),
                (
                    "nasta_steg",
                    entries(&[&[
                        ("vad", "Nätverksmöte"),
                        ("vem", "Mormor"),
                        ("nar", "2025-04-02"),
                    ]]),
                ),
                ("sakerhet@worker", json!({"type": "integer", "value": 4})),
                ("beslut", json!({"type": "choice", "value": "insats"})),
            ],
        )
        .await?;
        ok(app, "screening_complete", json!({"id": sos})).await?;

        app.by_test_id("new-cancel").await?.click().await?;
        app.by_test_id("home").await?;
        app.by_test_id(&format!("draft-{freda}")).await?;
        settle().await;
        audit
            .check(app, "start page (drafts and completed)")
            .await?;
        app.by_test_id("lang-en").await?.click().await?;
        app.wait_for_attr("html", "lang", "en").await?;
        settle().await;
        audit.check(app, "start page (in English)").await?;
        app.by_test_id("lang-sv").await?.click().await?;
        app.wait_for_attr("html", "lang", "sv").await?;
        app.by_test_id(&format!("draft-{freda}"))
            .await?
            .click()
            .await?;
        app.by_test_id("interview").await?;
        app.wait_for_attr("[data-testid=save-status]", "data-state", "idle")
            .await
            .ok();
        settle().await;
        audit.check(app, "interview (all answered)").await?;
        app.by_test_id("to-summary").await?.click().await?;
        app.by_test_id("summary").await?;
        app.by_test_id("no-gaps").await?;
        settle().await;
        audit.check(app, "summary").await?;
        app.by_test_id("complete-confirm").await?.click().await?;
        app.by_test_id("completed-view").await?;
        settle().await;
        audit.check(app, "completed view").await?;
        app.fill("addendum-text", "Ett tillägg.").await?;
        app.by_test_id("addendum-add").await?.click().await?;
        app.by_test_id("addendum").await?;
        settle().await;
        audit.check(app, "completed view (addendum)").await?;
        // A draft on an older version of an instrument: the offer to move it to the newer
        // version, with what carries over and what is needed.
        app.by_test_id("to-home").await?.click().await?;
        app.by_test_id("new-screening").await?.click().await?;
        app.by_test_id("new-screening-form").await?;
        let older = start_version(app, "farlighet-stil", Some("1.0.0"), "valdsutsatt").await?;
        app.by_test_id("new-cancel").await?.click().await?;
        app.by_test_id("home").await?;
        app.by_test_id(&format!("draft-{older}"))
            .await?
            .click()
            .await?;
        app.by_test_id("upgrade-review").await?.click().await?;
        app.by_test_id("upgrade-carried").await?;
        settle().await;
        audit.check(app, "interview (upgrade offer)").await?;
        lock(app).await?;

        // The arbetsledare: work, review queue, a review, statistics, administration.
        support::unlock_as(app, SUPERVISOR, SUPERVISOR_PASSPHRASE).await?;
        app.by_test_id("home").await?;
        settle().await;
        audit.check(app, "start page (arbetsledare)").await?;
        app.by_test_id("tab-review").await?.click().await?;
        css(app, "[data-testid=queue-awaiting] [data-testid=queue-item]").await?;
        settle().await;
        audit.check(app, "review queue").await?;
        app.by_test_id("queue-open").await?.click().await?;
        app.by_test_id("review-view").await?;
        css(app, "[data-testid=mapping-column]").await?;
        settle().await;
        audit.check(app, "review").await?;
        app.fill("comment-text", "Tydlig farlighetsformulering.")
            .await?;
        app.by_test_id("comment-add").await?.click().await?;
        app.by_test_id("review-comment").await?;
        settle().await;
        audit.check(app, "review (with a comment)").await?;
        app.by_test_id("tab-stats").await?.click().await?;
        app.by_test_id("stats-table").await?;
        app.by_test_id("stats-chart").await?;
        settle().await;
        audit.check(app, "statistics (table and chart)").await?;
        let out = tempfile::tempdir()?;
        app.fill("export-folder", &out.path().display().to_string())
            .await?;
        app.by_test_id("export-button").await?.click().await?;
        app.by_test_id("export-done").await?;
        settle().await;
        audit.check(app, "statistics (exported)").await?;
        // The exported file merged again: the import's result.
        let json_path = app.by_test_id("export-json-path").await?.text().await?;
        let merged = tempfile::tempdir()?;
        app.fill("import-paths", &json_path).await?;
        app.fill("import-folder", &merged.path().display().to_string())
            .await?;
        app.by_test_id("import-button").await?.click().await?;
        app.client
            .wait()
            .for_element(Locator::Css(
                "[data-testid=import-done], [data-testid=import-error]",
            ))
            .await?;
        settle().await;
        audit.check(app, "statistics (imported)").await?;
        app.by_test_id("tab-admin").await?.click().await?;
        app.by_test_id("admin").await?;
        settle().await;
        audit.check(app, "administration (arbetsledare)").await?;
        // The review returned with a reason, for the handläggare to see.
        app.by_test_id("tab-review").await?.click().await?;
        app.by_test_id("queue-open").await?.click().await?;
        app.by_test_id("review-view").await?;
        app.fill("return-reason", "Motivera skattningen").await?;
        app.by_test_id("review-return").await?.click().await?;
        app.by_test_id("review-with-worker").await?;
        settle().await;
        audit.check(app, "review (returned)").await?;
        lock(app).await?;

        // The handläggare sees the returned review with its comments.
        support::unlock_as(app, support::WORKER, support::WORKER_PASSPHRASE).await?;
        app.by_test_id(&format!("completed-{sos}"))
            .await?
            .click()
            .await?;
        app.by_test_id("completed-view").await?;
        css(
            app,
            "[data-testid=review-status-panel][data-status=returned]",
        )
        .await?;
        settle().await;
        audit.check(app, "completed view (review returned)").await?;
        lock(app).await?;

        // A one-time passphrase: the forced change comes first.
        support::unlock_as(app, ONE_TIME_USER, ONE_TIME).await?;
        app.by_test_id("change-passphrase").await?;
        app.by_test_id("change-notice").await?;
        settle().await;
        audit.check(app, "forced passphrase change").await?;
        Ok(())
    })
    .await?;
    audit.finish()
}

#[tokio::test]
async fn the_lock_screen_after_inactivity_is_accessible() -> TestResult {
    let home = tempfile::Builder::new().prefix("varna-e2e-").tempdir()?;
    support::init_with_cli(&home.path().join("data"))?;
    let mut audit = Audit::new();
    let app = App::start_in_with_env(home, &[("VARNA_TEST_IDLE_SECONDS", "3")]).await?;
    run_on("accessibility_locked_idle", app, async |app: &App| {
        support::unlock_as(app, support::WORKER, support::WORKER_PASSPHRASE).await?;
        app.by_test_id("locked-idle").await?;
        settle().await;
        audit.check(app, "unlock (locked by inactivity)").await?;
        Ok(())
    })
    .await?;
    audit.finish()
}
