//! Statistics through the real app: a handläggare completes two screenings (one with a case
//! reference), the administratör opens Statistik, sees the counts in the table, exports, and
//! the written JSON verifies with `varna export verify` and holds no case reference.

use serde_json::json;
use varna_e2e::{run_on, support, App, TestResult};

const CASE_CANARY: &str = "CANARYCASE5521";
const FREDA: [&str; 5] = [
    "fysiskt_vald",
    "hot",
    "kontroll",
    "sexuellt_vald",
    "radsla_nu",
];

fn this_month() -> String {
    let out = std::process::Command::new("date")
        .arg("+%Y-%m")
        .output()
        .expect("date");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
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

async fn ok(app: &App, cmd: &str, args: serde_json::Value) -> Result<serde_json::Value, String> {
    let r = app.invoke(cmd, args).await.map_err(|e| e.to_string())?;
    match r.get("ok") {
        Some(v) => Ok(v.clone()),
        None => Err(format!("{cmd} failed: {r}")),
    }
}

#[tokio::test]
async fn administrator_sees_counts_and_exports_a_file_that_verifies() -> TestResult {
    let home = tempfile::Builder::new().prefix("varna-e2e-").tempdir()?;
    support::init_with_cli(&home.path().join("data"))?;
    let out_dir = home.path().join("ut");
    std::fs::create_dir_all(&out_dir)?;

    // The handläggare completes two FREDA-style screenings through the app's commands.
    let app = App::start_in(home).await?;
    let home = run_on("stats_worker", app, async |app: &App| {
        support::unlock_as(app, support::WORKER, support::WORKER_PASSPHRASE).await?;
        app.by_test_id("new-screening").await?.click().await?;
        let unit = app
            .by_test_id("new-unit")
            .await?
            .prop("value")
            .await?
            .ok_or("no unit")?;
        for case_ref in [Some(CASE_CANARY), None] {
            let doc = ok(
                app,
                "screening_start",
                json!({"screening": {
                    "instrumentId": "freda-kortfragor-stil",
                    "instrumentVersion": null,
                    "unitId": unit,
                    "personRole": "valdsutsatt",
                    "conductedOn": today(),
                    "caseRef": case_ref,
                }}),
            )
            .await?;
            let id = doc["id"].as_str().ok_or("no id")?.to_owned();
            for q in FREDA {
                ok(
                    app,
                    "answer_save",
                    json!({"id": id, "key": q, "value": {"type": "yes_no", "value": false}}),
                )
                .await?;
            }
            ok(app, "screening_complete", json!({"id": id})).await?;
        }
        // A handläggare may not see statistics.
        let refused = app
            .invoke(
                "statistics_get",
                json!({"from": this_month(), "to": this_month()}),
            )
            .await?;
        assert_eq!(refused["err"]["code"], "forbidden", "{refused}");
        Ok(())
    })
    .await?;

    // The administratör opens Statistik, sees the counts and exports.
    let app = App::start_in(home).await?;
    let out = out_dir.clone();
    run_on("stats_admin", app, async |app: &App| {
        app.fill("unlock-username", support::ADMIN).await?;
        app.fill("unlock-passphrase", support::PASSPHRASE).await?;
        app.by_test_id("unlock-submit").await?.click().await?;
        app.by_test_id("tab-stats").await?.click().await?;
        app.by_test_id("stats-view").await?;
        app.by_test_id("stats-table").await?;
        // Two screenings: totals from 1 to the threshold (3) are hidden, shown as "–".
        app.wait_for_text("cell-started", "–").await?;
        app.wait_for_text("cell-completed", "–").await?;
        // The current month is preliminary, and the view says how to read it.
        app.by_test_id("stats-preliminary").await?;
        app.by_test_id("cell-preliminary").await?;
        app.by_test_id("stats-howto").await?;
        let row = app.by_test_id("stats-row").await?;
        assert_eq!(
            row.attr("data-month").await?.as_deref(),
            Some(this_month().as_str())
        );
        assert_eq!(row.attr("data-unit").await?.as_deref(), Some("IFO-VUX"));
        let headers = app.by_test_id("stats-table").await?.text().await?;
        for h in ["Påbörjade", "Slutförda", "Granskade", "Kasserade"] {
            assert!(headers.contains(h), "{h} in {headers}");
        }
        app.by_test_id("stats-chart").await?;

        // The year view: counts per unit and follow-up indicator for the year, and the
        // unit's own denominator, kept local (two completions: the count is hidden, so is
        // the share).
        app.fill("year-input", &this_month()[..4]).await?;
        app.by_test_id("year-show").await?.click().await?;
        app.by_test_id("year-table").await?;
        let row = app
            .client
            .find(fantoccini::Locator::Css(
                "[data-testid=year-row][data-unit=IFO-VUX][data-indicator=asked_about_violence]",
            ))
            .await?;
        let count = row
            .find(fantoccini::Locator::Css("[data-testid=year-count]"))
            .await?
            .text()
            .await?;
        assert_eq!(count, "–", "two completions are below the threshold");
        let denominator = row
            .find(fantoccini::Locator::Css("[data-testid=year-denominator]"))
            .await?;
        denominator.clear().await?;
        denominator.send_keys("40").await?;
        row.find(fantoccini::Locator::Css("[data-testid=year-save]"))
            .await?
            .click()
            .await?;
        let mut saved = false;
        for _ in 0..50 {
            if row.text().await?.contains("Sparat") {
                saved = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(saved, "the denominator was not saved");
        let share = row
            .find(fantoccini::Locator::Css("[data-testid=year-share]"))
            .await?
            .text()
            .await?;
        assert!(!share.contains('%'), "a share of a hidden count: {share:?}");
        // Stored: shown again when the year view is loaded anew.
        app.by_test_id("year-show").await?.click().await?;
        let row = app
            .client
            .find(fantoccini::Locator::Css(
                "[data-testid=year-row][data-unit=IFO-VUX][data-indicator=asked_about_violence]",
            ))
            .await?;
        let kept = row
            .find(fantoccini::Locator::Css("[data-testid=year-denominator]"))
            .await?
            .prop("value")
            .await?;
        assert_eq!(kept.as_deref(), Some("40"));

        app.fill("export-folder", out.to_str().ok_or("path")?)
            .await?;
        app.by_test_id("export-button").await?.click().await?;
        let json_path = app.by_test_id("export-json-path").await?.text().await?;
        let csv_path = app.by_test_id("export-csv-path").await?.text().await?;
        assert!(
            json_path.starts_with(out.to_str().ok_or("path")?),
            "{json_path}"
        );

        let verify = std::process::Command::new(support::cli_binary())
            .args(["export", "verify", &json_path])
            .output()?;
        assert!(
            verify.status.success(),
            "{}{}",
            String::from_utf8_lossy(&verify.stdout),
            String::from_utf8_lossy(&verify.stderr)
        );
        let json_bytes = std::fs::read_to_string(&json_path)?;
        let csv_bytes = std::fs::read_to_string(&csv_path)?;
        assert!(!json_bytes.contains(CASE_CANARY) && !json_bytes.contains("CANARY"));
        // The export carries the indicator's id (never its name, never the denominator).
        assert!(json_bytes.contains("indicator:asked_about_violence"));
        assert!(!json_bytes.contains("Frågat om våld") && !json_bytes.contains("\"40\""));
        assert!(!csv_bytes.contains(CASE_CANARY));
        assert!(csv_bytes.contains(&format!(
            "{},IFO-VUX,freda-kortfragor-stil,1.0.0,completed,,..\r\n",
            this_month()
        )));
        Ok(())
    })
    .await?;
    Ok(())
}
