//! Each shipped instrument conducted with the keyboard only, through the real app: the
//! danger checklist, the PATRIARK-style judgement and the Signs of Safety-style mapping.
//! (The FREDA-style screening has its own scenario in `interview.rs`.)
//!
//! The driver walks the interview as a worker would: it answers the focused item with its
//! shortcut key (N for yes/no, 1 for the first option or level, 5 on a scale), types into
//! required text fields and list entries, waits for "Sparat" after every answer, and moves on
//! with Enter (Ctrl+Enter from inside a text field) until the focus leaves the last item.

use std::collections::HashSet;
use std::time::Duration;

use fantoccini::key::Key;
use fantoccini::Locator;
use serde_json::Value;
use varna_e2e::{run_on, support, App, TestResult};

fn find_item<'a>(def: &'a Value, id: &str) -> Option<&'a Value> {
    def["sections"]
        .as_array()?
        .iter()
        .flat_map(|s| s["items"].as_array().into_iter().flatten())
        .find(|i| i["id"] == id)
}

async fn focused_key(app: &App) -> Option<String> {
    let el = app
        .client
        .find(Locator::Css(
            "[data-testid=\"item\"][aria-current=\"true\"]",
        ))
        .await
        .ok()?;
    el.attr("data-key").await.ok().flatten()
}

async fn saved(app: &App) -> TestResult {
    app.wait_for_text("save-status", "Sparat").await?;
    Ok(())
}

/// Answers every required item of the open draft with the keyboard.
async fn answer_all_with_keyboard(app: &App, def: &Value) -> TestResult {
    let enter = Key::Enter.to_string();
    let ctrl_enter = format!("{}{}", Key::Control, Key::Enter);
    let tab = Key::Tab.to_string();
    let mut seen = HashSet::new();
    for _ in 0..200 {
        let Some(key) = focused_key(app).await else {
            break;
        };
        if !seen.insert(key.clone()) {
            break; // the focus did not move on: the last item is behind us
        }
        let item_id = key.split(['@', '#']).next().unwrap_or(&key).to_owned();
        let item = find_item(def, &item_id).ok_or(format!("unknown item {item_id}"))?;
        let required = item["required"].as_bool().unwrap_or(false);
        let kind = item["type"].as_str().unwrap_or("");
        let mut in_text = false;
        match (kind, required) {
            ("yes_no", _) => app.keys("n").await?,
            ("rating" | "single_choice" | "frequency" | "multi_choice", _) => app.keys("1").await?,
            ("scale", _) => app.keys("5").await?,
            // The incident calendar: 0 on the month grid records "no incidents".
            ("calendar", _) => app.keys("0").await?,
            ("long_text" | "short_text", required) => {
                // A text item puts the focus straight into its field.
                if required {
                    app.keys(&format!("Skriven text för {item_id}")).await?;
                }
                in_text = true;
            }
            ("list", true) => {
                // Tab to "Lägg till", Enter adds an entry and puts the focus in its first field.
                app.keys(&tab).await?;
                app.keys(&enter).await?;
                let fields = item["fields"].as_array().cloned().unwrap_or_default();
                for (n, field) in fields.iter().enumerate() {
                    if n > 0 {
                        app.keys(&tab).await?;
                    }
                    match field["type"].as_str() {
                        Some("date") => app.keys("2026-12-01").await?,
                        _ => app.keys(&format!("Post i {item_id}")).await?,
                    }
                }
                in_text = true;
            }
            _ => {} // optional free text and lists are left empty
        }
        if in_text {
            app.keys(&ctrl_enter).await?;
        } else {
            if kind != "list" && !kind.ends_with("text") && kind != "date" && kind != "number" {
                saved(app).await?;
            }
            if kind == "calendar" {
                // Enter on a month adds an incident; the arrow moves on.
                app.keys(&Key::Down.to_string()).await?;
            } else {
                app.keys(&enter).await?;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    saved(app).await?;
    Ok(())
}

/// Sets up a worker, starts `instrument`, answers it with the keyboard and completes it.
/// Returns the completed screening as the core has it.
async fn conduct(
    name: &str,
    instrument: &str,
) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
    let home = tempfile::Builder::new().prefix("varna-e2e-").tempdir()?;
    support::init_with_cli(&home.path().join("data"))?;
    let app = App::start_in(home).await?;
    let mut result = Value::Null;
    let out = &mut result;
    run_on(name, app, async |app: &App| {
        support::unlock_as(app, support::WORKER, support::WORKER_PASSPHRASE).await?;
        support::start_screening(app, instrument, "valdsutsatt").await?;
        let mine = app.invoke("my_screenings", serde_json::json!({})).await?;
        let id = mine["ok"]["drafts"][0]["id"]
            .as_str()
            .ok_or("no draft")?
            .to_owned();
        let doc = app
            .invoke("screening_get", serde_json::json!({"id": id}))
            .await?;
        answer_all_with_keyboard(app, &doc["ok"]["definition"]).await?;

        app.by_test_id("to-summary").await?.click().await?;
        app.by_test_id("summary").await?;
        app.by_test_id("no-gaps").await?;
        app.by_test_id("complete-confirm").await?.click().await?;
        app.by_test_id("completed-view").await?;
        let doc = app
            .invoke("screening_get", serde_json::json!({"id": id}))
            .await?;
        assert_eq!(doc["ok"]["status"], "completed", "{doc}");
        *out = doc["ok"].clone();
        Ok(())
    })
    .await?;
    Ok(result)
}

#[tokio::test]
async fn danger_checklist_with_the_keyboard() -> TestResult {
    let doc = conduct("danger_checklist_with_the_keyboard", "farlighet-stil").await?;
    let answers = doc["answers"].as_object().expect("answers");
    let noes = answers
        .values()
        .filter(|v| v["type"] == "yes_no" && v["value"] == false)
        .count();
    assert_eq!(noes, 20, "every marker answered no: {answers:?}");
    Ok(())
}

#[tokio::test]
async fn patriark_style_judgement_with_the_keyboard() -> TestResult {
    let doc = conduct(
        "patriark_style_judgement_with_the_keyboard",
        "patriark-stil",
    )
    .await?;
    let answers = doc["answers"].as_object().expect("answers");
    // 15 factors rated now and earlier.
    let ratings = answers.keys().filter(|k| k.contains('#')).count();
    assert_eq!(ratings, 30, "{answers:?}");
    assert_eq!(answers["risk_allvarligt_vald"]["value"], "lag");
    assert_eq!(answers["akut_risk"]["value"], "lag");
    Ok(())
}

#[tokio::test]
async fn signs_of_safety_mapping_with_the_keyboard() -> TestResult {
    let doc = conduct(
        "signs_of_safety_mapping_with_the_keyboard",
        "signs-of-safety-stil",
    )
    .await?;
    let answers = doc["answers"].as_object().expect("answers");
    assert_eq!(answers["sakerhet@worker"]["value"], 5, "{answers:?}");
    // Version 2.0.0: the danger statements are paired with their safety goals.
    assert_eq!(doc["instrumentVersion"], "2.0.0");
    for list in ["tidigare_skada", "farlighet_och_mal", "nasta_steg"] {
        let entries = answers[list]["value"].as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(entries, 1, "{list}: {answers:?}");
    }
    Ok(())
}
