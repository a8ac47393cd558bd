//! Risk over time through the real app: the danger checklist's incident calendar recorded with
//! the keyboard (three incidents on the month grid), escalation flagged in the summary, and
//! "vet ej" given with its own key and shown as such; a follow-up that shows the previous
//! answers without filling them in; and a draft upgraded to an instrument version installed
//! during the test; Signs of Safety 2.0.0 (a danger statement paired with its safety goal,
//! scaled by two perspectives, and a safety network member) and a Three Houses conversation,
//! both by keyboard.

use std::time::Duration;

use fantoccini::key::Key;
use fantoccini::Locator;
use varna_e2e::support::FREDA_ITEMS;
use varna_e2e::{run_on, support, App, TestResult};

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

async fn incidents(app: &App) -> usize {
    app.client
        .find_all(Locator::Css("[data-testid=\"incident\"]"))
        .await
        .map(|v| v.len())
        .unwrap_or(0)
}

async fn wait_incidents(app: &App, n: usize) -> TestResult {
    for _ in 0..100 {
        if incidents(app).await == n {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("expected {n} incidents, found {}", incidents(app).await).into())
}

#[tokio::test]
async fn calendar_with_the_keyboard_flags_escalation_in_the_summary() -> TestResult {
    let home = tempfile::Builder::new().prefix("varna-e2e-").tempdir()?;
    support::init_with_cli(&home.path().join("data"))?;
    let app = App::start_in(home).await?;
    run_on("calendar_escalation", app, async |app: &App| {
        support::unlock_as(app, support::WORKER, support::WORKER_PASSPHRASE).await?;
        support::start_screening(app, "farlighet-stil", "valdsutsatt").await?;
        app.wait_for_attr(
            "[data-testid=\"item\"][data-key=\"kalender\"]",
            "aria-current",
            "true",
        )
        .await?;

        // The focus is on the month of the samtal. Five months back: a push (severity 1);
        // back to the month of the samtal: punches (2); the month before: a threat with a
        // weapon (4). Recent period (3 months): 2 incidents up to 4; the one before: 1 up to 1.
        let left = Key::Left.to_string();
        for _ in 0..5 {
            app.keys(&left).await?;
        }
        app.keys("1").await?;
        wait_incidents(app, 1).await?;
        app.keys(&Key::End.to_string()).await?;
        app.keys("2").await?;
        wait_incidents(app, 2).await?;
        app.keys(&left).await?;
        app.keys("4").await?;
        wait_incidents(app, 3).await?;
        app.wait_for_text("save-status", "Sparat").await?;
        // A mistaken fourth one is removed with Delete.
        app.keys("3").await?;
        wait_incidents(app, 4).await?;
        app.keys(&Key::Delete.to_string()).await?;
        wait_incidents(app, 3).await?;
        app.wait_for_text("save-status", "Sparat").await?;

        // On through the markers: "vet ej" (E) on the first, no (N) on the rest.
        app.keys(&Key::Down.to_string()).await?;
        let enter = Key::Enter.to_string();
        let mut first = true;
        for _ in 0..40 {
            let Some(key) = focused_key(app).await else {
                break;
            };
            if key == "radsla" || key == "egen_risk" {
                app.keys("5").await?;
            } else if key.starts_with("egen_") || key == "motivering" {
                break;
            } else if key == "professionell_bedomning" {
                app.keys("1").await?;
            } else {
                app.keys(if first { "e" } else { "n" }).await?;
                first = false;
            }
            app.wait_for_text("save-status", "Sparat").await?;
            app.keys(&enter).await?;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        app.wait_for_attr(
            "[data-testid=\"item\"][data-key=\"okat_vald\"] [data-option=\"dont_know\"]",
            "aria-pressed",
            "true",
        )
        .await?;

        app.by_test_id("to-summary").await?.click().await?;
        app.by_test_id("summary").await?;
        let outcome = app
            .client
            .find(Locator::Css(
                "[data-testid=\"outcome\"][data-dimension=\"upptrappning\"] dd",
            ))
            .await?
            .text()
            .await?;
        assert_eq!(outcome.trim(), "Ja", "escalation flagged");
        let non = app.by_test_id("non-answers").await?.text().await?;
        assert!(non.contains("1 vet ej"), "{non}");
        let own = app.by_test_id("own-view").await?.text().await?;
        assert!(own.contains('5'), "{own}");

        // The core agrees.
        let mine = app.invoke("my_screenings", serde_json::json!({})).await?;
        let id = mine["ok"]["drafts"][0]["id"].as_str().ok_or("no draft")?;
        let doc = app
            .invoke("screening_get", serde_json::json!({ "id": id }))
            .await?;
        let cal = &doc["ok"]["answers"]["kalender"]["value"];
        assert_eq!(cal["incidents"].as_array().map(Vec::len), Some(3), "{cal}");
        assert_eq!(cal["asOf"], doc["ok"]["conductedOn"]);
        assert_eq!(doc["ok"]["answers"]["okat_vald"]["type"], "dont_know");
        Ok(())
    })
    .await?;
    Ok(())
}

#[tokio::test]
async fn follow_up_shows_previous_answers_and_a_draft_upgrades_to_a_new_version() -> TestResult {
    let home = tempfile::Builder::new().prefix("varna-e2e-").tempdir()?;
    let data = home.path().join("data");
    support::init_with_cli(&data)?;
    let app = App::start_in(home).await?;
    run_on("follow_up_and_upgrade", app, async |app: &App| {
        support::unlock_as(app, support::WORKER, support::WORKER_PASSPHRASE).await?;
        app.by_test_id("new-screening").await?.click().await?;
        app.by_test_id("new-instrument")
            .await?
            .select_by_value("freda-kortfragor-stil")
            .await?;
        app.by_test_id("new-role")
            .await?
            .select_by_value("valdsutsatt")
            .await?;
        app.fill("new-case-ref", "UPPF-17").await?;
        app.by_test_id("new-start").await?.click().await?;
        app.by_test_id("interview").await?;
        let enter = Key::Enter.to_string();
        for item in FREDA_ITEMS {
            app.wait_for_attr(
                &format!("[data-testid=\"item\"][data-key=\"{item}\"]"),
                "aria-current",
                "true",
            )
            .await?;
            app.keys("n").await?;
            app.wait_for_text("save-status", "Sparat").await?;
            app.keys(&enter).await?;
        }
        app.by_test_id("to-summary").await?.click().await?;
        app.by_test_id("no-gaps").await?;
        app.by_test_id("complete-confirm").await?.click().await?;
        app.by_test_id("completed-view").await?;

        // Follow up: same person and case; the previous answer beside, nothing filled in.
        app.by_test_id("follow-up").await?.click().await?;
        app.by_test_id("interview").await?;
        let prev = app
            .client
            .wait()
            .for_element(Locator::Css(
                "[data-testid=\"item\"][data-key=\"fysiskt_vald\"] [data-testid=\"previous-answer\"]",
            ))
            .await?
            .text()
            .await?;
        assert!(prev.contains("Nej"), "{prev}");
        let pressed = app
            .client
            .find_all(Locator::Css("[data-testid=\"item\"] [aria-pressed=\"true\"]"))
            .await?;
        assert!(pressed.is_empty(), "a follow-up starts empty");
        app.wait_for_attr(
            "[data-testid=\"item\"][data-key=\"fysiskt_vald\"]",
            "aria-current",
            "true",
        )
        .await?;
        app.keys("j").await?;
        app.wait_for_text("save-status", "Sparat").await?;
        let mine = app.invoke("my_screenings", serde_json::json!({})).await?;
        let id = mine["ok"]["drafts"][0]["id"].as_str().ok_or("no draft")?.to_owned();
        let doc = app
            .invoke("screening_get", serde_json::json!({ "id": id }))
            .await?;
        assert_eq!(doc["ok"]["caseRef"], "UPPF-17");
        assert!(doc["ok"]["previous"]["id"].is_string(), "{doc}");

        // Lock, install version 1.1.0 with one more required question, unlock.
        app.by_test_id("lock").await?.click().await?;
        app.by_test_id("unlock-username").await?;
        let src = std::fs::read_to_string(
            varna_e2e::workspace_root().join("instruments/freda-kortfragor-stil/1.0.0.toml"),
        )?;
        let newer = src.replacen("version = \"1.0.0\"", "version = \"1.1.0\"", 1)
            + r#"
[[sections]]
id = "uppfoljning"
title = { sv = "Uppföljning", en = "Follow-up" }

[[sections.items]]
id = "ny_handelse"
type = "yes_no"
required = true
text = { sv = "Har något nytt hänt sedan förra samtalet?", en = "Has anything new happened since last time?" }
"#;
        let file = data.with_file_name("freda-1.1.0.toml");
        std::fs::write(&file, newer)?;
        support::add_instrument_with_cli(&data, &file)?;
        support::unlock_as(app, support::WORKER, support::WORKER_PASSPHRASE).await?;
        app.client
            .wait()
            .for_element(Locator::Css(&format!("[data-testid=\"draft-{id}\"]")))
            .await?
            .click()
            .await?;
        app.by_test_id("upgrade-offer").await?;
        app.by_test_id("upgrade-review").await?.click().await?;
        let carried = app.by_test_id("upgrade-carried").await?.text().await?;
        assert!(carried.starts_with("1 svar"), "{carried}");
        let needed = app.by_test_id("upgrade-needed").await?.text().await?;
        assert!(needed.contains("ny_handelse"), "{needed}");
        app.by_test_id("upgrade-confirm").await?.click().await?;
        app.wait_for_attr(
            "[data-testid=\"item\"][data-key=\"ny_handelse\"]",
            "data-type",
            "yes_no",
        )
        .await?;
        let doc = app
            .invoke("screening_get", serde_json::json!({ "id": id }))
            .await?;
        assert_eq!(doc["ok"]["instrumentVersion"], "1.1.0", "{doc}");
        assert_eq!(doc["ok"]["answers"]["fysiskt_vald"]["value"], true);
        assert!(doc["ok"]["previous"]["id"].is_string());
        Ok(())
    })
    .await?;
    Ok(())
}

/// Waits until the interview's focus is on the answer key `key`.
async fn focus_on(app: &App, key: &str) -> TestResult {
    app.wait_for_attr(
        &format!("[data-testid=\"item\"][data-key=\"{key}\"]"),
        "aria-current",
        "true",
    )
    .await?;
    Ok(())
}

/// The keys that type `iso` (YYYY-MM-DD) into a date field: the webview's date field takes
/// its parts in the order of the locale (month/day/year in en-US), one part after the other
/// with a separator moving on, so the order is asked of the page itself.
async fn date_keys(
    app: &App,
    iso: &str,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let order = app
        .client
        .execute(
            r#"return new Intl.DateTimeFormat(undefined, {year: 'numeric', month: '2-digit', day: '2-digit'})
                 .formatToParts(new Date(2026, 10, 15)).filter((p) => p.type !== 'literal')
                 .map((p) => p.type);"#,
            vec![],
        )
        .await?;
    let (y, rest) = iso.split_once('-').ok_or("not a date")?;
    let (m, d) = rest.split_once('-').ok_or("not a date")?;
    let parts: Vec<&str> = order
        .as_array()
        .ok_or("no date order")?
        .iter()
        .filter_map(|p| match p.as_str() {
            Some("year") => Some(y),
            Some("month") => Some(m),
            Some("day") => Some(d),
            _ => None,
        })
        .collect();
    if parts.len() != 3 {
        return Err(format!("unexpected date order {order}").into());
    }
    Ok(parts.join("-"))
}

/// On a focused list item without entries: Tab to "Lägg till", Enter adds an entry and puts
/// the focus in its first field; each of `fields` is typed into the next field (Tab between;
/// an empty string leaves a field empty); Ctrl+Enter moves on to the next item.
async fn add_entry(app: &App, fields: &[&str]) -> TestResult {
    let tab = Key::Tab.to_string();
    app.keys(&tab).await?;
    app.keys(&Key::Enter.to_string()).await?;
    for (n, text) in fields.iter().enumerate() {
        if n > 0 {
            app.keys(&tab).await?;
        }
        if !text.is_empty() {
            app.keys(text).await?;
        }
    }
    app.keys(&format!("{}{}", Key::Control, Key::Enter)).await?;
    Ok(())
}

async fn start_with_keyboard_ready(app: &App, instrument: &str, role: &str) -> TestResult {
    support::unlock_as(app, support::WORKER, support::WORKER_PASSPHRASE).await?;
    support::start_screening(app, instrument, role).await?;
    Ok(())
}

/// The single draft's id and the screening as the core has it.
async fn the_draft(
    app: &App,
) -> Result<(String, serde_json::Value), Box<dyn std::error::Error + Send + Sync>> {
    let mine = app.invoke("my_screenings", serde_json::json!({})).await?;
    let id = mine["ok"]["drafts"][0]["id"]
        .as_str()
        .ok_or("no draft")?
        .to_owned();
    let doc = app
        .invoke("screening_get", serde_json::json!({ "id": id }))
        .await?;
    Ok((id, doc["ok"].clone()))
}

#[tokio::test]
async fn signs_of_safety_2_pairs_a_danger_statement_with_its_goal_scaled_by_two_perspectives(
) -> TestResult {
    let home = tempfile::Builder::new().prefix("varna-e2e-").tempdir()?;
    support::init_with_cli(&home.path().join("data"))?;
    let app = App::start_in(home).await?;
    run_on("signs_of_safety_2_pairs", app, async |app: &App| {
        start_with_keyboard_ready(app, "signs-of-safety-stil", "barn").await?;
        let (_, doc) = the_draft(app).await?;
        assert_eq!(
            doc["instrumentVersion"], "2.0.0",
            "the newest version by default"
        );
        let enter = Key::Enter.to_string();

        focus_on(app, "tidigare_skada").await?;
        add_entry(app, &["Pappa slog mamma när Ali såg på"]).await?;
        // The optional lists of worries and strengths are passed with Enter.
        for key in [
            "framtida_fara",
            "komplicerande_faktorer",
            "styrkor",
            "befintlig_sakerhet",
        ] {
            focus_on(app, key).await?;
            app.keys(&enter).await?;
        }
        // One pair: the danger statement, its safety goal, scaled by the worker (3) and the
        // parent (7); the child's and the network's scales stay empty.
        focus_on(app, "farlighet_och_mal").await?;
        add_entry(
            app,
            &[
                "Vi är oroliga att Ali blir skadad när vuxna bråkar",
                "Ali är trygg hemma och vuxna löser bråk utan våld",
                "3",
                "7",
            ],
        )
        .await?;
        focus_on(app, "nasta_steg").await?;
        let next_step_on = date_keys(app, "2026-12-01").await?;
        add_entry(app, &["Nätverksmöte", "Mormor bjuder in", &next_step_on]).await?;
        // The safety network: one member with name, role, what she does and a review date.
        focus_on(app, "sakerhetsnatverk").await?;
        let review_on = date_keys(app, "2026-11-15").await?;
        add_entry(
            app,
            &[
                "Eva Lind",
                "Mormor",
                "Hämtar Ali från skolan varje fredag",
                &review_on,
            ],
        )
        .await?;
        focus_on(app, "sakerhet@worker").await?;
        app.keys("4").await?;
        app.wait_for_text("save-status", "Sparat").await?;
        app.keys(&enter).await?;
        for key in [
            "sakerhet_andra@parent",
            "sakerhet_andra@child",
            "sakerhet_andra@network",
        ] {
            focus_on(app, key).await?;
            app.keys(&enter).await?;
        }
        focus_on(app, "beslut").await?;
        app.keys("2").await?;
        app.wait_for_text("save-status", "Sparat").await?;

        // The core has the pair with its two scalings, and the network member.
        let (id, doc) = the_draft(app).await?;
        let pair = &doc["answers"]["farlighet_och_mal"]["value"][0];
        assert_eq!(pair["skala@worker"]["value"], 3, "{pair}");
        assert_eq!(pair["skala@parent"]["value"], 7, "{pair}");
        assert!(pair.get("skala@child").is_none(), "{pair}");
        assert_eq!(
            pair["mal"]["value"],
            "Ali är trygg hemma och vuxna löser bråk utan våld"
        );
        let member = &doc["answers"]["sakerhetsnatverk"]["value"][0];
        assert_eq!(member["namn"]["value"], "Eva Lind", "{member}");
        assert_eq!(
            member["ses_over"]["value"], "2026-11-15",
            "{member} ({review_on})"
        );
        let step = &doc["answers"]["nasta_steg"]["value"][0];
        assert_eq!(step["nar"]["value"], "2026-12-01", "{step}");

        // The summary shows the pair with both scalings, and nothing is missing.
        app.by_test_id("to-summary").await?.click().await?;
        app.by_test_id("no-gaps").await?;
        let pairs = app.by_test_id("summary-pairs").await?.text().await?;
        for want in [
            "Farlighetsformuleringar och säkerhetsmål",
            "Vi är oroliga att Ali blir skadad när vuxna bråkar",
            "Säkerhetsmål: Ali är trygg hemma och vuxna löser bråk utan våld",
            "Hur nära säkerhetsmålet är ni? (0–10) – Handläggare: 3",
            "Hur nära säkerhetsmålet är ni? (0–10) – Förälder: 7",
        ] {
            assert!(pairs.contains(want), "{want:?} in {pairs}");
        }
        assert!(!pairs.contains("Barnet:"), "{pairs}");
        app.by_test_id("complete-confirm").await?.click().await?;
        app.by_test_id("completed-view").await?;
        let done = app
            .invoke("screening_get", serde_json::json!({ "id": id }))
            .await?;
        assert_eq!(done["ok"]["status"], "completed", "{done}");
        Ok(())
    })
    .await?;
    Ok(())
}

#[tokio::test]
async fn three_houses_conversation_with_the_keyboard() -> TestResult {
    let home = tempfile::Builder::new().prefix("varna-e2e-").tempdir()?;
    support::init_with_cli(&home.path().join("data"))?;
    let app = App::start_in(home).await?;
    run_on("three_houses_keyboard", app, async |app: &App| {
        start_with_keyboard_ready(app, "tre-hus-stil", "barn").await?;
        // The child's own words in each house: worries, good things, dreams.
        focus_on(app, "oro_ord").await?;
        add_entry(app, &["När pappa skriker gömmer jag mig"]).await?;
        focus_on(app, "bra_ord").await?;
        add_entry(app, &["Mormor och fotbollen"]).await?;
        focus_on(app, "drom_ord").await?;
        add_entry(app, &["Att alla är snälla hemma"]).await?;
        // "Vet ej" on how safe home feels; the houses may be shown to mother (1).
        focus_on(app, "sakert_hemma").await?;
        app.keys("e").await?;
        app.wait_for_text("save-status", "Sparat").await?;
        app.keys(&Key::Enter.to_string()).await?;
        focus_on(app, "visas_for").await?;
        app.keys("1").await?;
        app.wait_for_text("save-status", "Sparat").await?;
        app.keys(&Key::Enter.to_string()).await?;
        focus_on(app, "handlaggarens_reflektion").await?;
        app.keys("Ali ritade ett stort hus för mormor").await?;
        app.keys(&format!("{}{}", Key::Control, Key::Enter)).await?;
        app.wait_for_text("save-status", "Sparat").await?;

        let (id, doc) = the_draft(app).await?;
        let words = |list: &str| doc["answers"][list]["value"][0]["ord"]["value"].clone();
        assert_eq!(
            words("oro_ord"),
            "När pappa skriker gömmer jag mig",
            "{doc}"
        );
        assert_eq!(words("bra_ord"), "Mormor och fotbollen");
        assert_eq!(words("drom_ord"), "Att alla är snälla hemma");
        assert_eq!(doc["answers"]["sakert_hemma"]["type"], "dont_know");
        assert_eq!(doc["answers"]["visas_for"]["value"][0], "mamma");

        app.by_test_id("to-summary").await?.click().await?;
        app.by_test_id("no-gaps").await?;
        app.by_test_id("complete-confirm").await?.click().await?;
        app.by_test_id("completed-view").await?;
        let done = app
            .invoke("screening_get", serde_json::json!({ "id": id }))
            .await?;
        assert_eq!(done["ok"]["status"], "completed", "{done}");
        assert_eq!(
            done["ok"]["evaluation"]["outcomes"][0]["category"], "ja",
            "the child expressed worries: {done}"
        );
        // The completed view shows the child's words.
        let view = app.by_test_id("completed-view").await?.text().await?;
        assert!(view.contains("Mormor och fotbollen"), "{view}");
        Ok(())
    })
    .await?;
    Ok(())
}
