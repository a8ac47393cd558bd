//! Supervisor review through the real app: a handläggare completes a Signs of Safety style
//! mapping; an arbetsledare of the same unit signs in, comments (overall and on a scale),
//! returns it with a reason; the handläggare sees the comments, answers with an addendum and
//! sends it back; the arbetsledare approves, and the review is locked.

use fantoccini::Locator;
use serde_json::{json, Value};
use varna_e2e::{run_on, support, App, TestResult};

const SUPERVISOR: &str = "cia";
const SUPERVISOR_PASSPHRASE: &str = "granskning i handledning 7";

/// Adds the arbetsledare `cia` in the unit IFO-VUX with the CLI.
fn add_supervisor(data_dir: &std::path::Path) -> TestResult {
    use std::io::Write;
    let mut child = std::process::Command::new(support::cli_binary())
        .args([
            "user",
            "add",
            "--data-dir",
            data_dir.to_str().expect("utf-8 path"),
            "--as",
            support::ADMIN,
            "--username",
            SUPERVISOR,
            "--name",
            "Cia Chef",
            "--role",
            "arbetsledare",
            "--unit",
            "IFO-VUX",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(format!("{}\n{SUPERVISOR_PASSPHRASE}\n", support::PASSPHRASE).as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        return Err(format!("varna user add: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(())
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

async fn count(app: &App, selector: &str) -> Result<usize, String> {
    Ok(app
        .client
        .find_all(Locator::Css(selector))
        .await
        .map_err(|e| e.to_string())?
        .len())
}

async fn wait_count(app: &App, selector: &str, n: usize) -> Result<(), String> {
    for _ in 0..100 {
        if count(app, selector).await? == n {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(format!(
        "expected {n} of {selector}, found {}",
        count(app, selector).await?
    ))
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

async fn open_review(app: &App) -> TestResult {
    support::unlock_as(app, SUPERVISOR, SUPERVISOR_PASSPHRASE).await?;
    app.by_test_id("tab-review").await?.click().await?;
    css(app, "[data-testid=queue-awaiting] [data-testid=queue-item]").await?;
    assert_eq!(
        count(app, "[data-testid=queue-awaiting] [data-testid=queue-item]").await?,
        1
    );
    app.by_test_id("queue-open").await?.click().await?;
    app.by_test_id("review-view").await?;
    Ok(())
}

#[tokio::test]
async fn a_mapping_is_returned_answered_and_approved() -> TestResult {
    let home = tempfile::Builder::new().prefix("varna-e2e-").tempdir()?;
    let data = home.path().join("data");
    support::init_with_cli(&data)?;
    add_supervisor(&data)?;

    // The worker completes a Signs of Safety style mapping (required items only).
    let app = App::start_in(home).await?;
    let home = run_on("review_worker_completes", app, async |app: &App| {
        support::unlock_as(app, support::WORKER, support::WORKER_PASSPHRASE).await?;
        app.by_test_id("new-screening").await?.click().await?;
        app.by_test_id("new-instrument")
            .await?
            .select_by_value("signs-of-safety-stil")
            .await?;
        // Version 1.0.0 (separate danger statements and safety goals), not the newest.
        app.by_test_id("new-version")
            .await?
            .select_by_value("1.0.0")
            .await?;
        app.by_test_id("new-role")
            .await?
            .select_by_value("barn")
            .await?;
        app.by_test_id("new-start").await?.click().await?;
        app.by_test_id("interview").await?;
        let mine = ok(app, "my_screenings", json!({})).await?;
        let id = mine["drafts"][0]["id"]
            .as_str()
            .ok_or("no draft")?
            .to_owned();
        for (key, value) in [
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
        ] {
            ok(
                app,
                "answer_save",
                json!({"id": id, "key": key, "value": value}),
            )
            .await?;
        }
        ok(app, "screening_complete", json!({"id": id})).await?;
        Ok(())
    })
    .await?;

    // The supervisor reviews it read-only, comments twice and returns it.
    let app = App::start_in(home).await?;
    let home = run_on("review_supervisor_returns", app, async |app: &App| {
        open_review(app).await?;
        wait_count(app, "[data-testid=mapping-column]", 3).await?;
        let scale = css(app, "[data-testid=scale][data-key=\"sakerhet@worker\"]").await?;
        assert!(scale.text().await.map_err(|e| e.to_string())?.contains('4'));
        assert_eq!(
            count(app, "input:not([type=hidden]):not([disabled])").await?,
            0,
            "the answers are shown read-only"
        );

        app.fill("comment-text", "Tydlig farlighetsformulering.")
            .await?;
        app.by_test_id("comment-add").await?.click().await?;
        wait_count(app, "[data-testid=review-comment]", 1).await?;
        css(
            app,
            "[data-testid=comment-on][data-key=\"sakerhet@worker\"]",
        )
        .await?
        .click()
        .await?;
        app.fill("comment-text", "Vad gör att du skattar 4?")
            .await?;
        app.by_test_id("comment-add").await?.click().await?;
        wait_count(app, "[data-testid=review-comment]", 2).await?;
        css(
            app,
            "[data-testid=review-comment][data-key=\"sakerhet@worker\"]",
        )
        .await?;

        app.fill("return-reason", "Motivera skattningen").await?;
        app.by_test_id("review-return").await?.click().await?;
        app.by_test_id("review-with-worker").await?;
        css(app, "[data-testid=review-view][data-status=returned]").await?;
        app.by_test_id("review-back").await?.click().await?;
        css(app, "[data-testid=queue-returned] [data-testid=queue-item]").await?;
        Ok(())
    })
    .await?;

    // The worker sees the comments, answers with an addendum and sends it back.
    let app = App::start_in(home).await?;
    let home = run_on("review_worker_resubmits", app, async |app: &App| {
        support::unlock_as(app, support::WORKER, support::WORKER_PASSPHRASE).await?;
        css(app, "[data-testid=completed-list] button.card")
            .await?
            .click()
            .await?;
        app.by_test_id("completed-view").await?;
        css(
            app,
            "[data-testid=review-status-panel][data-status=returned]",
        )
        .await?;
        wait_count(
            app,
            "[data-testid=review-status-panel] [data-testid=review-comment]",
            2,
        )
        .await?;
        let panel = app.by_test_id("review-status-panel").await?.text().await?;
        assert!(panel.contains("Motivera skattningen"), "{panel}");
        let resubmit = app.by_test_id("review-resubmit").await?;
        assert!(
            !resubmit.is_enabled().await?,
            "resubmitting waits for an addendum"
        );

        app.fill("addendum-text", "Skattningen bygger på mammans berättelse.")
            .await?;
        app.by_test_id("addendum-add").await?.click().await?;
        for _ in 0..50 {
            if app
                .by_test_id("review-resubmit")
                .await?
                .is_enabled()
                .await?
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        app.by_test_id("review-resubmit").await?.click().await?;
        css(
            app,
            "[data-testid=review-status-panel][data-status=awaiting_review]",
        )
        .await?;
        Ok(())
    })
    .await?;

    // The supervisor sees the addendum and approves; the review is locked.
    let app = App::start_in(home).await?;
    run_on("review_supervisor_approves", app, async |app: &App| {
        open_review(app).await?;
        wait_count(app, "[data-testid=review-addendum]", 1).await?;
        app.by_test_id("review-approve").await?.click().await?;
        app.by_test_id("review-locked").await?;
        css(app, "[data-testid=review-view][data-status=approved]").await?;
        assert_eq!(count(app, "[data-testid=comment-text]").await?, 0);
        assert_eq!(
            count(app, "[data-testid=review-event][data-kind=approved]").await?,
            1
        );
        let queue = ok(app, "review_queue", json!({})).await?;
        assert_eq!(queue["awaiting"].as_array().map(Vec::len), Some(0));
        Ok(())
    })
    .await?;
    Ok(())
}
