//! The store's promises as a user meets them in the real app: a weak passphrase is refused
//! in Swedish when it is chosen, and a database rolled back behind its anchor is shown to
//! the administratör at sign-in (and stays in the access log).

use varna_e2e::{run, run_on, support, App, TestResult};

#[tokio::test]
async fn a_weak_passphrase_is_refused_at_setup_in_swedish() -> TestResult {
    run(
        "a_weak_passphrase_is_refused_at_setup_in_swedish",
        async |app: &App| {
            app.by_test_id("setup").await?;
            app.fill("setup-name", "Anna Andersson").await?;
            app.fill("setup-username", support::ADMIN).await?;
            app.fill("setup-passphrase", "sommar2026!").await?;
            app.fill("setup-passphrase-again", "sommar2026!").await?;
            app.fill("setup-unit-code", "IFO-VUX").await?;
            app.fill("setup-unit-name", "Vuxenenheten").await?;
            app.by_test_id("setup-submit").await?.click().await?;
            let error = app.by_test_id("error").await?.text().await?;
            assert!(
                error.contains("för lätt att gissa"),
                "the refusal is not the Swedish strength message: {error:?}"
            );
            assert!(!error.contains("sommar2026"), "the passphrase is repeated");
            // Nothing was set up: a strong passphrase goes through.
            app.fill("setup-passphrase", support::PASSPHRASE).await?;
            app.fill("setup-passphrase-again", support::PASSPHRASE)
                .await?;
            app.by_test_id("setup-submit").await?.click().await?;
            app.by_test_id("recovery-key").await?;
            Ok(())
        },
    )
    .await
}

fn varna(args: &[&str], stdin: &str) -> TestResult {
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
    assert!(
        out.status.success(),
        "varna {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

#[tokio::test]
async fn a_rolled_back_database_is_shown_to_the_administrator_at_sign_in() -> TestResult {
    let folder = tempfile::Builder::new().prefix("varna-e2e-").tempdir()?;
    let data = folder.path().join("data");
    support::init_with_cli(&data)?;
    // An older copy of the database, taken while everything is locked.
    let old_db = std::fs::read(data.join("varna.db"))?;
    // More happens: every sign-in is logged and anchored in the key file.
    let d = data.to_str().expect("utf-8");
    varna(
        &["user", "list", "--data-dir", d, "--as", support::ADMIN],
        &format!("{}\n", support::PASSPHRASE),
    )?;
    // The older database is put back beside the current key file.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(data.join(format!("varna.db{suffix}")));
    }
    std::fs::write(data.join("varna.db"), &old_db)?;

    let app = App::start_in(folder).await?;
    run_on(
        "a_rolled_back_database_is_shown_to_the_administrator_at_sign_in",
        app,
        async |app: &App| {
            support::unlock_as(app, support::ADMIN, support::PASSPHRASE).await?;
            let alert = app.by_test_id("audit-problem").await?;
            assert_eq!(alert.attr("role").await?.as_deref(), Some("alert"));
            let text = alert.text().await?;
            assert!(text.contains("äldre"), "{text:?}");
            assert!(text.contains("rolled back"), "{text:?}");
            Ok(())
        },
    )
    .await?;
    Ok(())
}
