//! The installed package, started through the harness: `make dist-test` (tests/dist/smoke.sh)
//! runs this with `VARNA_APP_BIN=/usr/bin/varna-app` after installing the .deb. Ignored in
//! `make test`, which has no package installed.
//!
//! It completes first-run setup in the installed app, checks that the About view names the
//! same version and commit as the installed `varna --version` and the SQLCipher version,
//! and keeps the data folder (its path written to `$VARNA_SMOKE_OUT/data-dir`) so the script
//! can check that removing the package leaves it untouched.

use std::path::PathBuf;

use varna_e2e::{app_binary, run_on, support, App, TestResult};

#[tokio::test]
#[ignore = "needs the installed package: make dist-test"]
async fn installed_app_completes_first_run_setup() -> TestResult {
    let binary = app_binary();
    assert!(
        binary.starts_with("/usr/"),
        "VARNA_APP_BIN must name the installed app, not {}",
        binary.display()
    );
    let out = PathBuf::from(std::env::var("VARNA_SMOKE_OUT").expect("VARNA_SMOKE_OUT is set"));
    let version = std::fs::read_to_string(
        std::env::var("VARNA_SMOKE_VERSION_FILE").expect("VARNA_SMOKE_VERSION_FILE is set"),
    )?;
    let lines: Vec<&str> = version.lines().collect();
    assert_eq!(lines.len(), 3, "varna --version: {version}");

    let data = tempfile::Builder::new()
        .prefix("varna-dist-smoke-")
        .tempdir()?;
    let app = App::start_in(data).await?;
    let data = run_on("dist_smoke", app, async |app: &App| {
        app.wait_for_text("first-run-title", "Välkommen till Värna")
            .await?;
        // The installed app and the installed CLI are the same build.
        let info = app.invoke("app_info", serde_json::json!({})).await?;
        let info = &info["ok"];
        assert_eq!(
            lines[0],
            format!("varna {}", info["version"].as_str().unwrap_or("?")),
            "{info}"
        );
        assert_eq!(
            lines[1],
            format!("commit {}", info["commit"].as_str().unwrap_or("?")),
            "{info}"
        );
        assert_eq!(
            lines[2],
            format!("SQLCipher {}", info["sqlcipher"].as_str().unwrap_or("?")),
            "{info}"
        );
        // The About view shows them too.
        app.by_test_id("about-open").await?.click().await?;
        let commit = info["commit"].as_str().unwrap_or("?");
        app.wait_for_text("about-commit", commit).await?;
        app.by_test_id("about-close").await?.click().await?;

        support::set_up(app).await?;
        Ok(())
    })
    .await?;
    let kept = data.keep().join("data");
    assert!(
        kept.join("varna.keys").is_file(),
        "setup wrote the key file"
    );
    std::fs::write(out.join("data-dir"), kept.to_string_lossy().as_bytes())?;
    Ok(())
}
