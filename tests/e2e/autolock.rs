//! Auto-lock in the core: the app locks itself once the idle limit has passed, whatever the
//! page does — on the recovery-key screen (which has no page timer), and while the page is
//! hung — the page follows to the lock screen, and a command after the lock gets no data.
//! Commands are activity and keep the store open.
//!
//! The limit is the debug build's `VARNA_TEST_IDLE_SECONDS` (the setting's minimum is one
//! minute); the page's own inactivity timer stays at the setting's 10 minutes, so every lock
//! seen here is the core's.

use std::time::{Duration, Instant};

use serde_json::json;
use varna_e2e::{run_on, support, App, TestResult};

const IDLE_SECONDS: u64 = 4;

/// Calls a command that reads the store; `Ok(true)` if it answered with data.
async fn reads_data(app: &App) -> Result<bool, Box<dyn std::error::Error + Send + Sync>> {
    let out = app.invoke("instruments_list", json!({})).await?;
    if out["ok"].is_array() {
        return Ok(true);
    }
    assert_eq!(out["err"]["code"], "locked", "{out}");
    assert!(out.get("ok").is_none(), "no data with the error: {out}");
    Ok(false)
}

#[tokio::test]
async fn the_core_locks_by_itself_after_the_idle_limit() -> TestResult {
    let app =
        App::start_with_env(&[("VARNA_TEST_IDLE_SECONDS", &IDLE_SECONDS.to_string())]).await?;
    run_on(
        "the_core_locks_by_itself_after_the_idle_limit",
        app,
        async |app: &App| {
            // First-run setup leaves the store open while the recovery key is shown.
            app.by_test_id("setup").await?;
            app.fill("setup-name", "Anna Andersson").await?;
            app.fill("setup-username", support::ADMIN).await?;
            app.fill("setup-passphrase", support::PASSPHRASE).await?;
            app.fill("setup-passphrase-again", support::PASSPHRASE)
                .await?;
            app.fill("setup-unit-code", "IFO-VUX").await?;
            app.fill("setup-unit-name", "Vuxenenheten").await?;
            app.by_test_id("setup-submit").await?.click().await?;
            app.by_test_id("recovery-key").await?;
            assert!(reads_data(app).await?, "the store is open after setup");

            // No command: the core locks after the limit, tells the page, and the page drops
            // the recovery key and shows the lock screen.
            let since = Instant::now();
            app.by_test_id("locked-idle").await?;
            let after = since.elapsed();
            assert!(
                after >= Duration::from_secs(IDLE_SECONDS - 1),
                "locked after {after:?}, before the limit"
            );
            app.by_test_id("unlock").await?;
            let shown = app
                .client
                .execute(
                    "return document.querySelector('[data-testid=recovery-key]') !== null",
                    vec![],
                )
                .await?;
            assert_eq!(shown, false, "the recovery key is no longer on screen");
            assert!(!reads_data(app).await?, "a command after the lock gets no data");

            // Commands are activity: one a second for twice the limit keeps the store open.
            support::unlock_as(app, support::ADMIN, support::PASSPHRASE).await?;
            let busy = Instant::now();
            while busy.elapsed() < Duration::from_secs(2 * IDLE_SECONDS) {
                tokio::time::sleep(Duration::from_secs(1)).await;
                assert!(
                    reads_data(app).await?,
                    "locked {:?} into steady use",
                    busy.elapsed()
                );
            }
            app.by_test_id("signed-in").await?;

            // A hung page: a script blocks the page for twice the limit and no command is
            // made. The core locks meanwhile; the page, once free, follows the event alone.
            let hang_ms = 2 * IDLE_SECONDS * 1000 + 1000;
            app.client
                .execute(
                    "const end = Date.now() + arguments[0]; while (Date.now() < end) {} return true;",
                    vec![json!(hang_ms)],
                )
                .await?;
            app.by_test_id("locked-idle").await?;
            app.by_test_id("unlock").await?;
            assert!(!reads_data(app).await?, "a command after the lock gets no data");
            Ok(())
        },
    )
    .await
    .map(|_| ())
}
