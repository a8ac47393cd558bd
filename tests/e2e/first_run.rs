//! First run through the real app: title, Swedish first-run screen, language switch,
//! and the security posture (ACL refuses ungranted commands, CSP blocks inline script).

use fantoccini::key::Key;
use varna_e2e::{run, support, App, TestResult};

#[tokio::test]
async fn first_run_screen_is_swedish_and_switches_language() -> TestResult {
    run(
        "first_run_screen_is_swedish_and_switches_language",
        async |app: &App| {
            assert_eq!(app.client.title().await?, "Värna");
            app.wait_for_text("first-run-title", "Välkommen till Värna")
                .await?;
            app.wait_for_text("brand", "Värna").await?;

            // The data folder comes from the core through an ACL-gated command.
            let data_dir = app.data_dir().display().to_string();
            app.wait_for_text("data-dir", &format!("Data sparas i: {data_dir}"))
                .await?;

            app.by_test_id("lang-en").await?.click().await?;
            app.wait_for_text("first-run-title", "Welcome to Värna")
                .await?;
            app.wait_for_text("data-dir", &format!("Data is stored in: {data_dir}"))
                .await?;
            let pressed = app
                .by_test_id("lang-en")
                .await?
                .attr("aria-pressed")
                .await?;
            assert_eq!(pressed.as_deref(), Some("true"));
            let html_lang = app
                .client
                .execute("return document.documentElement.lang", vec![])
                .await?;
            assert_eq!(html_lang, "en");

            app.by_test_id("lang-sv").await?.click().await?;
            app.wait_for_text("first-run-title", "Välkommen till Värna")
                .await?;
            Ok(())
        },
    )
    .await
}

#[tokio::test]
async fn acl_refuses_commands_no_capability_grants() -> TestResult {
    run(
        "acl_refuses_commands_no_capability_grants",
        async |app: &App| {
            app.wait_for_text("first-run-title", "Välkommen till Värna")
                .await?;
            // A granted command answers; a core plugin command that no capability grants is refused.
            let outcome = app
                .client
                .execute_async(
                    r#"const done = arguments[arguments.length - 1];
                   const invoke = window.__TAURI_INTERNALS__.invoke;
                   Promise.allSettled([invoke('app_info'), invoke('plugin:app|version')])
                     .then(([granted, refused]) => done({
                        granted: granted.status,
                        refused: refused.status,
                        reason: String(refused.reason),
                     }));"#,
                    vec![],
                )
                .await?;
            assert_eq!(outcome["granted"], "fulfilled", "{outcome}");
            assert_eq!(outcome["refused"], "rejected", "{outcome}");
            assert!(
                outcome["reason"]
                    .as_str()
                    .unwrap_or("")
                    .contains("not allowed"),
                "{outcome}"
            );
            Ok(())
        },
    )
    .await
}

#[tokio::test]
async fn csp_blocks_inline_script() -> TestResult {
    run("csp_blocks_inline_script", async |app: &App| {
        app.wait_for_text("first-run-title", "Välkommen till Värna")
            .await?;
        let ran = app
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   window.__inlineRan = false;
                   const s = document.createElement('script');
                   s.textContent = 'window.__inlineRan = true;';
                   document.body.appendChild(s);
                   setTimeout(() => done(window.__inlineRan), 200);"#,
                vec![],
            )
            .await?;
        assert_eq!(ran, false, "an inline script ran despite the CSP");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn setup_shows_the_recovery_key_and_the_lock_works() -> TestResult {
    run(
        "setup_shows_the_recovery_key_and_the_lock_works",
        async |app: &App| {
            support::set_up(app).await?;
            app.wait_for_text("signed-in", "Inloggad: Anna Andersson (administratör)")
                .await?;

            // The administrator makes a backup from the Administration tab: one encrypted file.
            let out = tempfile::tempdir()?;
            app.by_test_id("tab-admin").await?.click().await?;
            app.fill("backup-folder", &out.path().display().to_string())
                .await?;
            app.by_test_id("backup-make").await?.click().await?;
            app.by_test_id("backup-done").await?;
            let files: Vec<_> = std::fs::read_dir(out.path())?.collect::<Result<_, _>>()?;
            assert_eq!(files.len(), 1, "one backup file");
            let bytes = std::fs::read(files[0].path())?;
            assert!(bytes.len() > 4096, "the backup holds the database");
            for plain in ["Vuxenenheten", "Anna Andersson"] {
                assert!(
                    !bytes.windows(plain.len()).any(|w| w == plain.as_bytes()),
                    "{plain} in plaintext in the backup"
                );
            }
            // The auto-lock time is the administrator's to set.
            app.fill("autolock-minutes", "15").await?;
            app.by_test_id("autolock-save").await?.click().await?;
            app.wait_for_text("autolock-saved", "Sparat: 15 minuter.")
                .await?;

            // The access log shows the backup.
            let log = app
                .invoke(
                    "audit_list",
                    serde_json::json!({"filter": {"event": "backup"}}),
                )
                .await?;
            assert_eq!(log["ok"].as_array().map(Vec::len), Some(1), "{log}");

            // The lock button: the unlock screen appears and the store is closed in the core.
            app.by_test_id("lock").await?.click().await?;
            app.by_test_id("unlock").await?;
            let locked = app.invoke("my_screenings", serde_json::json!({})).await?;
            assert_eq!(locked["err"]["code"], "locked", "{locked}");

            // A wrong passphrase says so, and does not unlock.
            app.fill("unlock-username", support::ADMIN).await?;
            app.fill("unlock-passphrase", "helt fel lösenfras").await?;
            app.by_test_id("unlock-submit").await?.click().await?;
            app.wait_for_text("error", "Fel lösenfras eller återställningsnyckel.")
                .await?;

            support::unlock_as(app, support::ADMIN, support::PASSPHRASE).await?;

            // Quick-hide: Escape twice locks at once.
            let esc = Key::Escape.to_string();
            app.keys(&format!("{esc}{esc}")).await?;
            app.by_test_id("unlock").await?;
            let locked = app.invoke("my_screenings", serde_json::json!({})).await?;
            assert_eq!(locked["err"]["code"], "locked", "{locked}");
            Ok(())
        },
    )
    .await
}

#[tokio::test]
async fn about_view_names_the_same_build_as_the_cli() -> TestResult {
    run(
        "about_view_names_the_same_build_as_the_cli",
        async |app: &App| {
            // The CLI built beside the app prints version, commit and SQLCipher version.
            let out = std::process::Command::new(support::cli_binary())
                .arg("--version")
                .output()?;
            let text = String::from_utf8(out.stdout)?;
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 3, "{text}");
            let commit = lines[1].strip_prefix("commit ").expect("commit line");
            let sqlcipher = lines[2].strip_prefix("SQLCipher ").expect("SQLCipher line");
            assert!(sqlcipher.starts_with("4."), "{text}");

            app.wait_for_text("first-run-title", "Välkommen till Värna")
                .await?;
            app.wait_for_text("about-open", "Om Värna").await?;
            app.by_test_id("about-open").await?.click().await?;
            app.wait_for_text(
                "about-version",
                lines[0].strip_prefix("varna ").expect("version line"),
            )
            .await?;
            app.wait_for_text("about-commit", commit).await?;
            app.wait_for_text("about-sqlcipher", sqlcipher).await?;
            app.by_test_id("lang-en").await?.click().await?;
            app.wait_for_text("about-open", "About Värna").await?;
            app.by_test_id("about-close").await?.click().await?;
            Ok(())
        },
    )
    .await
}
