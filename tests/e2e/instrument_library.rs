//! The instrument library in the real app, by keyboard: the administratör types the path of
//! an instrument file with an error and sees the error with its line; fixes the file, checks
//! it again, sees the preview and adds it; the instrument appears in the library, its file is
//! in the organisation's instruments folder, and it can be chosen for a new screening.

use fantoccini::key::Key;
use fantoccini::Locator;
use varna_e2e::{run, support, App, TestResult};

const GOOD: &str = support::OWN_INSTRUMENT;

/// Waits until `[data-testid=id]` contains `part`.
async fn wait_contains(app: &App, id: &str, part: &str) -> Result<(), String> {
    let mut last = String::new();
    for _ in 0..150 {
        if let Ok(el) = app
            .client
            .find(Locator::Css(&format!("[data-testid={id}]")))
            .await
        {
            last = el.text().await.unwrap_or_default();
            if last.contains(part) {
                return Ok(());
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(format!(
        "{id} shows {last:?}, expected it to contain {part:?}"
    ))
}

#[tokio::test]
async fn an_administrator_fixes_and_adds_an_instrument_file() -> TestResult {
    let picked = tempfile::tempdir()?;
    let file = picked.path().join("egna frågor.toml");
    let broken = GOOD.replace("required = true", "requird = true");
    let line = broken
        .lines()
        .position(|l| l.starts_with("requird"))
        .ok_or("no typo")?
        + 1;
    std::fs::write(&file, &broken)?;
    let path = file.display().to_string();
    run(
        "an_administrator_fixes_and_adds_an_instrument_file",
        async |app: &App| {
            let enter = Key::Enter.to_string();
            let tab = Key::Tab.to_string();
            support::set_up(app).await?;
            app.by_test_id("tab-admin").await?.click().await?;
            app.by_test_id("instruments").await?;
            app.client
                .wait()
                .for_element(Locator::Css(
                    "[data-testid=instrument-row][data-id=freda-kortfragor-stil]",
                ))
                .await?;

            // The broken file: its error with file, line and column; nothing to accept.
            app.fill("instrument-path", &path).await?;
            app.keys(&enter).await?;
            wait_contains(app, "instrument-file-problem", &format!("{path}:{line}:1:")).await?;
            wait_contains(app, "instrument-file-problem", "requird").await?;
            assert!(
                app.client
                    .find(Locator::Css("[data-testid=instrument-add]"))
                    .await
                    .is_err(),
                "a broken file cannot be added"
            );

            // Fixed: checked again, previewed, added with the keyboard (Tab from the result's
            // heading to "Lägg till i biblioteket", Enter).
            std::fs::write(&file, GOOD)?;
            app.fill("instrument-path", &path).await?;
            app.keys(&enter).await?;
            wait_contains(app, "instrument-preview", "Egna frågor om våld").await?;
            wait_contains(app, "instrument-preview", "egen-fragor").await?;
            app.keys(&tab).await?;
            let focused = app.client.active_element().await?;
            assert_eq!(
                focused.attr("data-testid").await?.as_deref(),
                Some("instrument-add")
            );
            app.keys(&enter).await?;
            wait_contains(app, "instruments-status", "egen-fragor 1.0.0 är tillagt").await?;
            let row = app
                .client
                .wait()
                .for_element(Locator::Css(
                    "[data-testid=instrument-row][data-id=egen-fragor]",
                ))
                .await?;
            let text = row.text().await?;
            assert!(text.contains("Organisationens mapp"), "{text}");
            assert!(text.contains("Endast för internt bruk."), "{text}");
            let placed = app.data_dir().join("instruments/egen-fragor/1.0.0.toml");
            assert_eq!(std::fs::read_to_string(&placed)?, GOOD);

            // The access log has it.
            let log = app
                .invoke("audit_list", serde_json::json!({ "filter": {} }))
                .await?;
            let rows = log["ok"].as_array().ok_or(format!("no log: {log}"))?;
            assert!(
                rows.iter().any(|r| r["event"] == "instrument_add"
                    && r.to_string().contains("egen-fragor@1.0.0")),
                "not in the log: {log}"
            );
            Ok(())
        },
    )
    .await
}
