//! Konton och enheter in the real app, by keyboard: an administratör adds a handläggare with a
//! one-time passphrase; the handläggare signs in and must choose a new passphrase before
//! anything else; the administratör deactivates the handläggare (the database is re-keyed),
//! who can no longer sign in with either passphrase. And a unit's first day, all in the app:
//! accounts for a handläggare and an arbetsledare, a screening completed and approved, the
//! handläggare deactivated and removed from the list, a backup restored with the approved
//! screening in it.

use fantoccini::key::Key;
use fantoccini::Locator;
use varna_e2e::{a11y, run, run_on, support, App, TestResult};

const NEW_USER: &str = "nina";
const ONE_TIME: &str = "engångsfras till nina 4711";
const OWN: &str = "ninas egen hemliga ramsa 88";

async fn css(app: &App, selector: &str) -> Result<fantoccini::elements::Element, String> {
    app.client
        .wait()
        .for_element(Locator::Css(selector))
        .await
        .map_err(|e| format!("{selector}: {e}"))
}

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

async fn lock(app: &App) -> TestResult {
    app.by_test_id("lock").await?.click().await?;
    app.by_test_id("unlock").await?;
    Ok(())
}

#[tokio::test]
async fn an_administrator_adds_and_deactivates_an_account_in_the_app() -> TestResult {
    run(
        "an_administrator_adds_and_deactivates_an_account_in_the_app",
        async |app: &App| {
            let enter = Key::Enter.to_string();
            support::set_up(app).await?;
            app.by_test_id("tab-admin").await?.click().await?;
            app.by_test_id("accounts").await?;
            css(app, "[data-testid=account-row][data-username=anna]").await?;

            // Add a handläggare with a one-time passphrase, by keyboard: type, Space ticks the
            // unit, Enter in the last field submits.
            add_account(app, NEW_USER, "Nina Nilsson", "handlaggare").await?;
            let row = css(app, "[data-testid=account-row][data-username=nina]").await?;
            let text = row.text().await?;
            assert!(text.contains("handläggare"), "{text}");
            assert!(text.contains("IFO-VUX"), "{text}");
            assert!(text.contains("Måste byta lösenfras"), "{text}");
            assert!(text.contains("Aldrig"), "{text}");
            lock(app).await?;

            // The handläggare signs in with it and must choose a new passphrase first.
            support::unlock_as(app, NEW_USER, ONE_TIME).await?;
            app.by_test_id("change-passphrase").await?;
            wait_contains(app, "change-notice", "engångslösenfras").await?;
            assert!(
                app.client
                    .find(Locator::Css(
                        "[data-testid=tabs], [data-testid=new-screening]"
                    ))
                    .await
                    .is_err(),
                "nothing else is shown before the change"
            );
            // The cursor is in the first field: type, Tab, type, Tab, type, Enter.
            let tab = Key::Tab.to_string();
            app.keys(&format!("{ONE_TIME}{tab}{OWN}{tab}{OWN}{enter}"))
                .await?;
            app.by_test_id("new-screening").await?;
            assert!(app
                .client
                .find(Locator::Css("[data-testid=change-passphrase]"))
                .await
                .is_err());
            lock(app).await?;

            // The administratör sees the sign-in and deactivates the account.
            support::unlock_as(app, support::ADMIN, support::PASSPHRASE).await?;
            app.by_test_id("tab-admin").await?.click().await?;
            let row = css(app, "[data-testid=account-row][data-username=nina]").await?;
            let text = row.text().await?;
            assert!(
                !text.contains("Aldrig"),
                "the last sign-in is shown: {text}"
            );
            assert!(!text.contains("Måste byta"), "{text}");
            // Enter on the focused row button opens the panel, which takes the focus.
            css(
                app,
                "[data-testid=account-row][data-username=nina] [data-testid=account-edit]",
            )
            .await?
            .send_keys(&enter)
            .await?;
            app.by_test_id("account-panel").await?;
            let focused = app
                .client
                .execute("return document.activeElement.id", vec![])
                .await?;
            assert_eq!(focused, "account-panel-title");
            app.by_test_id("account-deactivate")
                .await?
                .send_keys(&enter)
                .await?;
            app.by_test_id("account-deactivate-yes")
                .await?
                .send_keys(&enter)
                .await?;
            wait_contains(app, "accounts-status", "nina är inaktiverat").await?;
            app.wait_for_attr(
                "[data-testid=account-row][data-username=nina]",
                "data-active",
                "false",
            )
            .await?;
            // The administratör cannot deactivate themselves.
            css(
                app,
                "[data-testid=account-row][data-username=anna] [data-testid=account-edit]",
            )
            .await?
            .click()
            .await?;
            app.by_test_id("account-deactivate").await?.click().await?;
            app.by_test_id("account-deactivate-yes")
                .await?
                .click()
                .await?;
            wait_contains(app, "accounts-error", "sista aktiva administratören").await?;
            lock(app).await?;

            // The handläggare can no longer sign in, with either passphrase.
            for pass in [OWN, ONE_TIME] {
                app.fill("unlock-username", NEW_USER).await?;
                app.fill("unlock-passphrase", pass).await?;
                app.by_test_id("unlock-submit").await?.click().await?;
                wait_contains(app, "error", "Fel lösenfras").await?;
            }
            support::unlock_as(app, support::ADMIN, support::PASSPHRASE).await?;
            Ok(())
        },
    )
    .await
}

const SUPERVISOR: &str = "stina";
const SUPERVISOR_OWN: &str = "stinas egen granskarfras 31";

/// Adds an account in the open Konton panel by keyboard, with the one-time passphrase.
async fn add_account(app: &App, username: &str, name: &str, role: &str) -> TestResult {
    app.fill("add-name", name).await?;
    app.fill("add-username", username).await?;
    app.by_test_id("add-role")
        .await?
        .select_by_value(role)
        .await?;
    app.by_test_id("add-unit").await?.send_keys(" ").await?;
    app.fill("add-pass", ONE_TIME).await?;
    app.keys(&Key::Enter.to_string()).await?;
    wait_contains(
        app,
        "accounts-status",
        &format!("Kontot {username} är tillagt"),
    )
    .await?;
    Ok(())
}

/// Signs in with the one-time passphrase, chooses `own` on the forced change screen and
/// waits for `[data-testid=then]` of the role's own screens.
async fn first_sign_in(app: &App, username: &str, own: &str, then: &str) -> TestResult {
    support::unlock_as(app, username, ONE_TIME).await?;
    app.by_test_id("change-passphrase").await?;
    let (tab, enter) = (Key::Tab.to_string(), Key::Enter.to_string());
    app.keys(&format!("{ONE_TIME}{tab}{own}{tab}{own}{enter}"))
        .await?;
    app.by_test_id(then).await?;
    Ok(())
}

/// Opens the edit panel of `username`'s row and presses `button`, then `confirm`.
async fn account_action(app: &App, username: &str, button: &str, confirm: &str) -> TestResult {
    css(
        app,
        &format!("[data-testid=account-row][data-username={username}] [data-testid=account-edit]"),
    )
    .await?
    .click()
    .await?;
    app.by_test_id(button).await?.click().await?;
    app.by_test_id(confirm).await?.click().await?;
    Ok(())
}

#[tokio::test]
async fn a_unit_is_set_up_and_run_from_the_app_alone() -> TestResult {
    run(
        "a_unit_is_set_up_and_run_from_the_app_alone",
        async |app: &App| {
            let enter = Key::Enter.to_string();
            support::set_up(app).await?;
            app.by_test_id("tab-admin").await?.click().await?;
            app.by_test_id("accounts").await?;
            add_account(app, NEW_USER, "Nina Nilsson", "handlaggare").await?;
            add_account(app, SUPERVISOR, "Stina Ström", "arbetsledare").await?;
            lock(app).await?;

            // The handläggare's first sign-in: a new passphrase, then a FREDA-style screening
            // by keyboard, completed.
            first_sign_in(app, NEW_USER, OWN, "new-screening").await?;
            support::start_screening(app, "freda-kortfragor-stil", "valdsutsatt").await?;
            support::answer_by_keyboard(app, &support::FREDA_ITEMS, "n").await?;
            app.by_test_id("to-summary").await?.click().await?;
            app.by_test_id("no-gaps").await?;
            app.by_test_id("complete-confirm").await?.click().await?;
            app.by_test_id("completed-view").await?;
            let mine = app.invoke("my_screenings", serde_json::json!({})).await?;
            let id = mine["ok"]["completed"][0]["id"]
                .as_str()
                .ok_or_else(|| format!("no completed screening: {mine}"))?
                .to_owned();
            lock(app).await?;

            // The arbetsledare's first sign-in, then the review queue: approve.
            first_sign_in(app, SUPERVISOR, SUPERVISOR_OWN, "tab-review").await?;
            app.by_test_id("tab-review").await?.click().await?;
            app.by_test_id("queue-open").await?.click().await?;
            app.by_test_id("review-view").await?;
            app.by_test_id("review-approve").await?.click().await?;
            app.by_test_id("review-locked").await?;
            lock(app).await?;

            // The handläggare leaves: deactivated, then removed from the list.
            support::unlock_as(app, support::ADMIN, support::PASSPHRASE).await?;
            app.by_test_id("tab-admin").await?.click().await?;
            account_action(
                app,
                NEW_USER,
                "account-deactivate",
                "account-deactivate-yes",
            )
            .await?;
            wait_contains(app, "accounts-status", "nina är inaktiverat").await?;
            app.wait_for_attr(
                "[data-testid=account-row][data-username=nina]",
                "data-active",
                "false",
            )
            .await?;
            account_action(app, NEW_USER, "account-remove", "account-remove-yes").await?;
            wait_contains(app, "accounts-status", "nina är borttaget ur kontolistan").await?;
            for _ in 0..50 {
                if app
                    .client
                    .find(Locator::Css(
                        "[data-testid=account-row][data-username=nina]",
                    ))
                    .await
                    .is_err()
                {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert!(
                app.client
                    .find(Locator::Css(
                        "[data-testid=account-row][data-username=nina]"
                    ))
                    .await
                    .is_err(),
                "a removed account leaves the list"
            );
            app.by_test_id("accounts-show-removed")
                .await?
                .click()
                .await?;
            let row = css(app, "[data-testid=account-row][data-username=nina]").await?;
            assert!(
                row.text().await?.contains("Borttaget"),
                "removed accounts shown on request"
            );
            // Both changes are in loggkontroll.
            let log = app
                .invoke(
                    "audit_list",
                    serde_json::json!({"filter": {"event": "account_remove"}}),
                )
                .await?;
            assert_eq!(log["ok"].as_array().map(Vec::len), Some(1), "{log}");

            // A backup, and a restore from the lock screen.
            let out = tempfile::tempdir()?;
            app.fill("backup-folder", &out.path().display().to_string())
                .await?;
            app.by_test_id("backup-make").await?.click().await?;
            app.by_test_id("backup-done").await?;
            let file = std::fs::read_dir(out.path())?
                .next()
                .ok_or("no backup file")??
                .path();
            lock(app).await?;
            app.by_test_id("restore-mode").await?.click().await?;
            app.fill("restore-file", &file.display().to_string())
                .await?;
            wait_contains(app, "restore-preview", "kontrollsumman stämmer").await?;
            app.fill("unlock-username", support::ADMIN).await?;
            app.by_test_id("restore-confirm")
                .await?
                .send_keys(" ")
                .await?;
            app.fill("restore-passphrase", support::PASSPHRASE).await?;
            app.keys(&enter).await?;
            app.by_test_id("signed-in").await?;
            lock(app).await?;

            // The removed handläggare cannot sign in; the arbetsledare finds the approved
            // screening in the restored data.
            app.fill("unlock-username", NEW_USER).await?;
            app.fill("unlock-passphrase", OWN).await?;
            app.by_test_id("unlock-submit").await?.click().await?;
            wait_contains(app, "error", "Fel lösenfras").await?;
            support::unlock_as(app, SUPERVISOR, SUPERVISOR_OWN).await?;
            let state = app
                .invoke("review_state", serde_json::json!({"id": id}))
                .await?;
            assert_eq!(state["ok"]["status"], "approved", "{state}");
            Ok(())
        },
    )
    .await
}

#[tokio::test]
async fn a_backup_is_restored_from_the_unlock_screen() -> TestResult {
    let home = tempfile::Builder::new().prefix("varna-e2e-").tempdir()?;
    support::init_with_cli(&home.path().join("data"))?;
    let app = App::start_in(home).await?;
    run_on(
        "a_backup_is_restored_from_the_unlock_screen",
        app,
        async |app: &App| {
            let enter = Key::Enter.to_string();
            // The handläggare starts a screening.
            support::unlock_as(app, support::WORKER, support::WORKER_PASSPHRASE).await?;
            support::start_screening(app, "freda-kortfragor-stil", "valdsutsatt").await?;
            let id = draft_ids(app).await?.pop().ok_or("no draft")?;
            lock(app).await?;

            // The administratör makes a backup, then adds a unit after it.
            support::unlock_as(app, support::ADMIN, support::PASSPHRASE).await?;
            let out = tempfile::tempdir()?;
            app.by_test_id("tab-admin").await?.click().await?;
            app.fill("backup-folder", &out.path().display().to_string())
                .await?;
            app.by_test_id("backup-make").await?.click().await?;
            app.by_test_id("backup-done").await?;
            let file = std::fs::read_dir(out.path())?
                .next()
                .ok_or("no backup file")??
                .path();
            app.fill("unit-add-code", "SENARE").await?;
            app.fill("unit-add-name", "Efter säkerhetskopian").await?;
            app.keys(&enter).await?;
            css(app, "[data-testid=unit-row][data-code=SENARE]").await?;
            lock(app).await?;

            // Restore from the lock screen, by keyboard; the later unit is gone.
            app.by_test_id("restore-mode").await?.click().await?;
            app.fill("restore-file", &file.display().to_string())
                .await?;
            // The file is checked and its date and size shown before anything is asked.
            wait_contains(app, "restore-preview", "kontrollsumman stämmer").await?;
            let shown = app.by_test_id("restore-preview-date").await?.text().await?;
            let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
            assert!(shown.starts_with(&today), "backup date shown: {shown:?}");
            app.fill("unlock-username", support::ADMIN).await?;
            // Space ticks the confirmation; Enter in the passphrase field submits.
            app.by_test_id("restore-confirm")
                .await?
                .send_keys(" ")
                .await?;
            app.fill("restore-passphrase", support::PASSPHRASE).await?;
            app.keys(&enter).await?;
            app.by_test_id("signed-in").await?;
            // Who made the backup is shown once the passphrase has opened it.
            wait_contains(app, "restored-from", "Anna Andersson (anna)").await?;
            app.by_test_id("tab-admin").await?.click().await?;
            css(app, "[data-testid=unit-row][data-code=IFO-VUX]").await?;
            assert!(
                app.client
                    .find(Locator::Css("[data-testid=unit-row][data-code=SENARE]"))
                    .await
                    .is_err(),
                "the unit added after the backup is gone"
            );
            lock(app).await?;

            // The handläggare finds the screening again.
            support::unlock_as(app, support::WORKER, support::WORKER_PASSPHRASE).await?;
            assert_eq!(draft_ids(app).await?, vec![id]);
            Ok(())
        },
    )
    .await
    .map(|_| ())
}

/// The ids of the signed-in worker's drafts, from the app's own command.
async fn draft_ids(app: &App) -> Result<Vec<String>, String> {
    let mine = app
        .invoke("my_screenings", serde_json::json!({}))
        .await
        .map_err(|e| e.to_string())?;
    Ok(mine["ok"]["drafts"]
        .as_array()
        .ok_or_else(|| format!("my_screenings: {mine}"))?
        .iter()
        .filter_map(|d| d["id"].as_str().map(str::to_owned))
        .collect())
}

#[tokio::test]
async fn a_backup_is_restored_with_the_recovery_key_when_the_passphrase_is_forgotten() -> TestResult
{
    run(
        "a_backup_is_restored_with_the_recovery_key_when_the_passphrase_is_forgotten",
        async |app: &App| {
            let key = support::set_up_keeping_key(app).await?;
            let out = tempfile::tempdir()?;
            app.by_test_id("tab-admin").await?.click().await?;
            app.fill("backup-folder", &out.path().display().to_string())
                .await?;
            app.by_test_id("backup-make").await?.click().await?;
            app.by_test_id("backup-done").await?;
            let file = std::fs::read_dir(out.path())?
                .next()
                .ok_or("no backup file")??
                .path();
            lock(app).await?;

            // A damaged file is refused at once, before anything is asked.
            let damaged = out.path().join("damaged.varnabackup");
            let mut bytes = std::fs::read(&file)?;
            let n = bytes.len();
            bytes[n - 100] ^= 0x55;
            std::fs::write(&damaged, &bytes)?;
            app.by_test_id("restore-mode").await?.click().await?;
            app.fill("restore-file", &damaged.display().to_string())
                .await?;
            app.by_test_id("restore-preview-error").await?;

            // The intact file, with the recovery key and a new passphrase.
            const NEW: &str = "en helt ny lösenfras 2026";
            app.fill("restore-file", &file.display().to_string())
                .await?;
            app.by_test_id("restore-preview").await?;
            app.fill("unlock-username", support::ADMIN).await?;
            app.by_test_id("restore-use-recovery")
                .await?
                .send_keys(" ")
                .await?;
            app.by_test_id("restore-confirm")
                .await?
                .send_keys(" ")
                .await?;
            a11y::assert_accessible(app, "restore with the recovery key").await?;
            app.fill("restore-recovery-key", &key).await?;
            app.fill("restore-new-passphrase", NEW).await?;
            app.by_test_id("unlock-submit").await?.click().await?;
            app.by_test_id("signed-in").await?;
            wait_contains(app, "restored-from", "Anna Andersson").await?;
            lock(app).await?;

            // The old passphrase no longer opens Värna; the new one does.
            app.fill("unlock-username", support::ADMIN).await?;
            app.fill("unlock-passphrase", support::PASSPHRASE).await?;
            app.by_test_id("unlock-submit").await?.click().await?;
            wait_contains(app, "error", "Fel lösenfras").await?;
            support::unlock_as(app, support::ADMIN, NEW).await?;
            Ok(())
        },
    )
    .await
}

/// The access log read page by page: on a folder with more rows than one page (seeded with
/// `varna demo seed`), loggkontroll shows the first 50 with a count, and "Visa fler", reached
/// and pressed by keyboard, appends the next page in order and moves the focus to its first
/// row.
#[tokio::test]
async fn the_access_log_shows_more_rows_by_keyboard() -> TestResult {
    let home = tempfile::Builder::new().prefix("varna-e2e-").tempdir()?;
    let data = home.path().join("data");
    support::init_with_cli(&data)?;
    support::demo_seed_with_cli(&data, 40)?;
    let app = App::start_in(home).await?;
    run_on(
        "the_access_log_shows_more_rows_by_keyboard",
        app,
        async |app: &App| {
            support::unlock_as(app, support::ADMIN, support::PASSPHRASE).await?;
            app.by_test_id("tab-admin").await?.click().await?;
            app.by_test_id("log-table").await?;
            wait_contains(app, "log-more-count", "Visar 50, det finns fler").await?;
            let seqs = |rows: Vec<fantoccini::elements::Element>| async move {
                let mut out = Vec::new();
                for r in rows {
                    out.push(r.text().await.unwrap_or_default());
                }
                out
            };
            let first = app
                .client
                .find_all(Locator::Css("[data-testid=log-row]"))
                .await?;
            assert_eq!(first.len(), 50, "the first page");
            let first = seqs(first).await;
            // The button is a real button, reached by keyboard and pressed with Enter.
            let button = app.by_test_id("log-more-button").await?;
            assert_eq!(button.tag_name().await?, "button");
            button.send_keys(&Key::Enter.to_string()).await?;
            let mut rows = Vec::new();
            for _ in 0..100 {
                rows = app
                    .client
                    .find_all(Locator::Css("[data-testid=log-row]"))
                    .await?;
                if rows.len() > 50 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert!(
                rows.len() > 50,
                "the next page was appended: {} rows",
                rows.len()
            );
            let all = seqs(rows).await;
            assert_eq!(all[..50], first[..], "the first page stays, in its order");
            let focused = app
                .client
                .execute(
                    "return document.activeElement === \
                     document.querySelectorAll('[data-testid=log-row]')[50];",
                    vec![],
                )
                .await?;
            assert_eq!(
                focused,
                serde_json::json!(true),
                "the focus is on the first new row"
            );
            a11y::assert_accessible(app, "access log, second page").await?;
            Ok(())
        },
    )
    .await
    .map(|_| ())
}
