//! Importing a count file from another laptop through the real app: the file is chosen in the
//! file dialog (stubbed at the `dialog_open` command boundary by the debug build's
//! `VARNA_TEST_DIALOG_ANSWERS` file; everything after it is real), the unknown sender is shown with the fingerprint that `varna export
//! verify` prints on the sender's side, the unit head trusts it and the files merge. A file
//! that claims the same installation with another key, and an altered file, are refused, also
//! when the UI is bypassed; withdrawing the trust refuses the sender again; both acts are in
//! the access log.

use std::path::{Path, PathBuf};

use fantoccini::Locator;
use serde_json::json;
use varna_core::export::{
    build_export, ExportRequest, InstallationKey, Period, SuppressionThreshold, YearMonth,
};
use varna_e2e::{a11y, run_on, support, App, TestResult};

const LABEL: &str = "Enhet Norr, Karins dator";

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

/// Runs the CLI with `stdin`, returning stdout; fails on a non-zero exit.
fn cli(args: &[&str], stdin: &str) -> Result<String, String> {
    use std::io::Write;
    let mut child = std::process::Command::new(support::cli_binary())
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(stdin.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "varna {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn field(text: &str, name: &str) -> Result<String, String> {
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .map(|v| v.trim().to_string())
        .ok_or_else(|| format!("no {name} in {text}"))
}

/// Chooses `paths` in the (stubbed) dialog, checks them and waits until the listed rows
/// have the statuses `want` (an error names what was listed instead).
async fn check_files(app: &App, answers: &Path, paths: &[PathBuf], want: &[&str]) -> TestResult {
    // Empty the field as a user would (select all, delete), so the choice replaces it.
    app.client
        .execute(
            r#"const el = document.querySelector('[data-testid=import-paths]');
               el.value = '';
               el.dispatchEvent(new Event('input', { bubbles: true }));"#,
            vec![],
        )
        .await?;
    let lines: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    std::fs::write(answers, lines.join("\n"))?;
    app.by_test_id("import-paths-choose").await?.click().await?;
    let chosen_want: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let mut chosen = String::new();
    for _ in 0..50 {
        chosen = app
            .by_test_id("import-paths")
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        if chosen.lines().count() == chosen_want.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        chosen.lines().collect::<Vec<_>>(),
        chosen_want,
        "the dialog's choice"
    );
    app.by_test_id("import-button").await?.click().await?;
    let mut seen = Vec::new();
    for _ in 0..100 {
        seen.clear();
        for r in app
            .client
            .find_all(Locator::Css("[data-testid=import-file]"))
            .await?
        {
            seen.push(r.attr("data-status").await?.unwrap_or_default());
        }
        if seen == want {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(format!("the checked files were listed as {seen:?}, not {want:?}").into())
}

/// A count file for `installation` signed with a fresh key: a re-keyed (or forged) sender.
fn rekeyed(installation: &str, to: &Path) -> TestResult {
    let month: YearMonth = this_month().parse()?;
    let request = ExportRequest {
        period: Period::new(month, month)?,
        threshold: SuppressionThreshold::new(3)?,
        preliminary: vec![month],
        instruments: Vec::new(),
        rows: Vec::new(),
    };
    let file = build_export(
        &request,
        &InstallationKey::generate()?,
        installation.parse()?,
    )?;
    std::fs::write(to, file.to_json_bytes())?;
    Ok(())
}

#[tokio::test]
async fn a_unit_head_trusts_another_laptop_by_fingerprint_and_refuses_forged_files() -> TestResult {
    // The second laptop: its own data folder, its export, and the fingerprint its user reads out.
    let other = tempfile::tempdir()?;
    let other_dir = other.path().join("data");
    support::init_with_cli(&other_dir)?;
    let files = tempfile::tempdir()?;
    let from_b = files.path().join("norr.json");
    let month = this_month();
    cli(
        &[
            "export",
            "--data-dir",
            other_dir.to_str().ok_or("path")?,
            "--as",
            support::ADMIN,
            "--from",
            &month,
            "--to",
            &month,
            "--out",
            from_b.to_str().ok_or("path")?,
        ],
        &format!("{}\n", support::PASSPHRASE),
    )?;
    let shown = cli(&["export", "verify", from_b.to_str().ok_or("path")?], "")?;
    let fingerprint = field(&shown, "fingerprint:")?;
    let installation = field(&shown, "installation:")?;
    let forged = files.path().join("norr-ny-nyckel.json");
    rekeyed(&installation, &forged)?;
    let altered = files.path().join("norr-andrad.json");
    std::fs::write(
        &altered,
        std::fs::read_to_string(&from_b)?.replacen(
            "\"suppression_threshold\": 3",
            "\"suppression_threshold\": 4",
            1,
        ),
    )?;
    assert_ne!(std::fs::read(&altered)?, std::fs::read(&from_b)?);

    let home = tempfile::Builder::new().prefix("varna-e2e-").tempdir()?;
    support::init_with_cli(&home.path().join("data"))?;
    let merged_dir = files.path().join("ut");
    std::fs::create_dir_all(&merged_dir)?;
    let answers = files.path().join("dialog-answers.txt");
    let answers_env = answers.display().to_string();
    let app = App::start_in_with_env(home, &[("VARNA_TEST_DIALOG_ANSWERS", answers_env.as_str())])
        .await?;
    run_on("trusted_senders", app, async |app: &App| {
        support::unlock_as(app, support::ADMIN, support::PASSPHRASE).await?;
        app.by_test_id("tab-stats").await?.click().await?;
        app.by_test_id("stats-view").await?;
        app.by_test_id("senders-empty").await?;
        // This laptop's own fingerprint is shown for its own senders to read out.
        let own = app.by_test_id("own-fingerprint").await?.text().await?;
        assert_eq!(own.len(), 24, "{own:?}");
        assert_ne!(own, fingerprint);

        // The first file from the other laptop: unknown, with the same fingerprint.
        check_files(app, &answers, std::slice::from_ref(&from_b), &["unknown"]).await?;
        assert_eq!(
            app.by_test_id("import-fingerprint").await?.text().await?,
            fingerprint
        );
        app.by_test_id("import-blocked").await?;
        app.by_test_id("import-trust").await?.click().await?;
        assert_eq!(
            app.by_test_id("trust-fingerprint").await?.text().await?,
            fingerprint
        );
        a11y::assert_accessible(app, "statistics (unknown sender, trust form)").await?;
        app.fill("trust-label", LABEL).await?;
        app.by_test_id("trust-confirm").await?.click().await?;
        app.by_test_id("trust-save").await?.click().await?;
        app.wait_for_attr("[data-testid=import-file]", "data-status", "trusted")
            .await?;
        app.fill("import-folder", merged_dir.to_str().ok_or("path")?)
            .await?;
        app.by_test_id("import-merge").await?.click().await?;
        app.by_test_id("import-done").await?;
        let sources = app.by_test_id("import-sources").await?.text().await?;
        assert!(sources.contains(LABEL), "{sources}");
        let merged = app.by_test_id("import-json-path").await?.text().await?;
        assert!(merged.starts_with(merged_dir.to_str().ok_or("path")?));
        let merged_text = std::fs::read_to_string(&merged)?;
        assert!(merged_text.contains(&installation));
        assert!(!merged_text.contains("Karins"), "the local name left the laptop");
        let row = app.by_test_id("sender-row").await?;
        assert_eq!(row.attr("data-id").await?.as_deref(), Some(installation.as_str()));
        assert!(row.text().await?.contains(&fingerprint));

        // Same installation, another key: refused, with a warning naming the trusted key.
        check_files(app, &answers, std::slice::from_ref(&forged), &["key_changed"]).await?;
        let warning = app.by_test_id("import-key-changed").await?.text().await?;
        a11y::assert_accessible(app, "statistics (re-keyed sender warning)").await?;
        assert!(warning.contains(&fingerprint), "{warning}");
        assert!(app
            .client
            .find_all(Locator::Css("[data-testid=import-merge]"))
            .await?
            .is_empty());
        // The core refuses it too when the page is bypassed.
        let direct = app
            .invoke(
                "export_import",
                json!({"paths": [forged.display().to_string()], "folder": merged_dir.display().to_string()}),
            )
            .await?;
        assert_eq!(direct["err"]["code"], "untrusted_sender", "{direct}");

        // An altered file: named as damaged, and refused.
        check_files(app, &answers, &[from_b.clone(), altered.clone()], &["trusted", "invalid"]).await?;
        app.by_test_id("import-file-problem").await?;
        app.by_test_id("import-blocked").await?;

        // Withdrawn: the sender's files are refused again.
        app.by_test_id("sender-untrust").await?.click().await?;
        app.by_test_id("sender-untrust-confirm").await?.click().await?;
        app.wait_for_attr("[data-testid=sender-row]", "data-active", "false")
            .await?;
        check_files(app, &answers, std::slice::from_ref(&from_b), &["withdrawn"]).await?;
        a11y::assert_accessible(app, "statistics (withdrawn sender)").await?;

        // Both acts are in the access log.
        for event in ["sender_trust", "sender_untrust"] {
            let rows = app
                .invoke("audit_list", json!({"filter": {"event": event}}))
                .await?;
            let rows = rows["ok"].as_array().ok_or(format!("{rows}"))?;
            assert_eq!(rows.len(), 1, "{event}: {rows:?}");
            assert_eq!(rows[0]["objectId"], installation.as_str());
        }
        Ok(())
    })
    .await?;
    Ok(())
}
