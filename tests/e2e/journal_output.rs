//! Journal-ready output through the real app: a handläggare completes a FREDA-style screening
//! with the keyboard, saves its PDF/A document through the save dialog (stubbed at the
//! `dialog_save` command boundary by the debug build's `VARNA_TEST_DIALOG_ANSWERS` file, after
//! the warning that the file is not encrypted; everything after it is real), copies the journal
//! text with Alt+J and finds it on the X clipboard (`xclip`), which is cleared afterwards
//! (but not when something else was copied meanwhile);
//! the access log holds the save, the print and the copy; a handläggare of another unit is
//! refused every output, also when the UI is bypassed. The first page of the PDF is left in
//! the artefacts as an image (`pdftoppm`) for a person to look at.

use std::path::Path;
use std::time::Duration;

use fantoccini::key::Key;
use serde_json::{json, Value};
use varna_e2e::support::FREDA_ITEMS;
use varna_e2e::{artifacts_dir, run_on, support, App, TestResult};

const OTHER: &str = "dag";
const OTHER_PASSPHRASE: &str = "en annan enhet i norr 2026";
/// The debug build clears the clipboard after this many seconds instead of 60.
const CLEAR_SECONDS: u64 = 12;

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

fn clipboard(display: &str) -> Result<String, String> {
    let out = std::process::Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .env("DISPLAY", display)
        .output()
        .map_err(|e| format!("xclip (apt install xclip): {e}"))?;
    // An empty clipboard makes xclip fail; that reads as "".
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Puts `text` on the X clipboard as another program would (xclip keeps serving it).
fn set_clipboard(display: &str, text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut child = std::process::Command::new("xclip")
        .args(["-i", "-selection", "clipboard"])
        .env("DISPLAY", display)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("xclip (apt install xclip): {e}"))?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(text.as_bytes())
        .map_err(|e| e.to_string())?;
    child.wait().map_err(|e| e.to_string())?;
    Ok(())
}

fn pdftotext(pdf: &Path) -> Result<String, String> {
    let out = std::process::Command::new("pdftotext")
        .args(["-raw"])
        .arg(pdf)
        .arg("-")
        .output()
        .map_err(|e| format!("pdftotext (apt install poppler-utils): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "pdftotext: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

async fn ok(app: &App, command: &str, args: Value) -> Result<Value, String> {
    let r = app.invoke(command, args).await.map_err(|e| e.to_string())?;
    r.get("ok")
        .cloned()
        .ok_or_else(|| format!("{command} failed: {r}"))
}

async fn err_code(app: &App, command: &str, args: Value) -> Result<String, String> {
    let r = app.invoke(command, args).await.map_err(|e| e.to_string())?;
    r.get("err")
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("{command} was not refused: {r}"))
}

async fn wait_status(app: &App, contains: &str) -> Result<String, String> {
    let mut last = String::new();
    for _ in 0..150 {
        last = app
            .by_test_id("output-status")
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        if last.contains(contains) {
            return Ok(last);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("output status is {last:?}, expected {contains:?}"))
}

#[tokio::test]
async fn a_completed_screening_is_saved_as_pdf_and_copied_to_the_journal() -> TestResult {
    let home = tempfile::Builder::new().prefix("varna-e2e-").tempdir()?;
    let data = home.path().join("data");
    support::init_with_cli(&data)?;
    let dir = data.to_str().ok_or("utf-8 path")?;
    // Another unit with its own handläggare.
    cli(
        &[
            "unit",
            "add",
            "--data-dir",
            dir,
            "--as",
            support::ADMIN,
            "--code",
            "NORR",
            "--name",
            "Enhet Norr",
        ],
        &format!("{}\n", support::PASSPHRASE),
    )?;
    cli(
        &[
            "user",
            "add",
            "--data-dir",
            dir,
            "--as",
            support::ADMIN,
            "--username",
            OTHER,
            "--name",
            "Dag Dahl",
            "--role",
            "handlaggare",
            "--unit",
            "NORR",
        ],
        &format!("{}\n{OTHER_PASSPHRASE}\n", support::PASSPHRASE),
    )?;

    let out = tempfile::tempdir()?;
    let pdf = out.path().join("freda.pdf");
    let answers = out.path().join("dialog-answers");
    std::fs::write(&answers, pdf.display().to_string())?;
    let answers_env = answers.display().to_string();
    let clear = CLEAR_SECONDS.to_string();
    let env = [
        ("VARNA_TEST_DIALOG_ANSWERS", answers_env.as_str()),
        ("VARNA_TEST_CLIPBOARD_SECONDS", clear.as_str()),
    ];

    let app = App::start_in_with_env(home, &env).await?;
    let mut screening_id = String::new();
    let home = run_on("journal_output_worker", app, async |app: &App| {
        support::unlock_as(app, support::WORKER, support::WORKER_PASSPHRASE).await?;
        support::start_screening(app, "freda-kortfragor-stil", "valdsutsatt").await?;
        support::answer_by_keyboard(app, &FREDA_ITEMS, "n").await?;
        app.by_test_id("to-summary").await?.click().await?;
        app.by_test_id("summary").await?;
        app.by_test_id("no-gaps").await?;
        app.by_test_id("complete-confirm").await?.click().await?;
        app.by_test_id("completed-view").await?;
        app.by_test_id("output-panel").await?;
        let mine = ok(app, "my_screenings", json!({})).await?;
        screening_id = mine["completed"][0]["id"]
            .as_str()
            .ok_or("no completed screening")?
            .to_owned();

        // Save: the warning first, then the (stubbed) dialog, then the file.
        app.by_test_id("output-save").await?.click().await?;
        let warning = app.by_test_id("output-warning").await?.text().await?;
        assert!(
            warning.contains("krypteras inte"),
            "the warning: {warning:?}"
        );
        assert!(!pdf.exists(), "nothing is written before the user chose");
        app.by_test_id("output-save-confirm").await?.click().await?;
        wait_status(app, "Sparat:").await?;
        let bytes = std::fs::read(&pdf)?;
        assert!(bytes.starts_with(b"%PDF-1.7"));
        let text = pdftotext(&pdf)?;
        for q in [
            "Har någon som står dig nära",
            "Bo Berg",
            "Negativ",
            "Sida 1 av 1",
            "Utskrivet ",
        ] {
            assert!(text.contains(q), "{q:?} not in the PDF:\n{text}");
        }
        // The hidden follow-up questions are not in the document.
        assert!(
            !text.contains("Bor det barn hos dig"),
            "a hidden item is printed:\n{text}"
        );
        // The first page as an image, for a person to look at.
        std::fs::create_dir_all(artifacts_dir())?;
        let png = artifacts_dir().join("journal_output-page1");
        let status = std::process::Command::new("pdftoppm")
            .args(["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"])
            .arg(&pdf)
            .arg(&png)
            .status()?;
        assert!(status.success(), "pdftoppm");
        assert!(png.with_extension("png").is_file());

        // The same path again: never overwritten.
        app.by_test_id("output-save").await?.click().await?;
        app.by_test_id("output-save-confirm").await?.click().await?;
        app.by_test_id("output-panel").await?;
        let mut refused = false;
        for _ in 0..100 {
            if let Ok(e) = app
                .client
                .find(fantoccini::Locator::Css(
                    "[data-testid=output-panel] [role=alert]",
                ))
                .await
            {
                refused = !e.text().await?.is_empty();
                if refused {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(refused, "saving over the existing file is refused");
        assert_eq!(std::fs::read(&pdf)?, bytes);

        // Copy with one keystroke (Alt+J); the text is on the X clipboard, then cleared.
        let display = app.display()?;
        app.keys(&format!("{}j{}", Key::Alt, Key::Null)).await?;
        wait_status(app, "kopierad").await?;
        let copied = clipboard(&display)?;
        assert!(
            copied.starts_with("Screening i Värna: ")
                && copied.contains("Screeningens utfall: Negativ"),
            "clipboard: {copied:?}"
        );
        assert!(
            copied.contains("Genomfört av: Bo Berg"),
            "clipboard: {copied:?}"
        );
        tokio::time::sleep(Duration::from_secs(CLEAR_SECONDS + 3)).await;
        assert_eq!(clipboard(&display)?, "", "the clipboard is cleared");
        // Copied again, then replaced by something else the worker copied: that is left alone.
        app.keys(&format!("{}j{}", Key::Alt, Key::Null)).await?;
        wait_status(app, "kopierad").await?;
        assert!(clipboard(&display)?.starts_with("Screening i Värna: "));
        set_clipboard(&display, "Något annat som kopierades")?;
        tokio::time::sleep(Duration::from_secs(CLEAR_SECONDS + 3)).await;
        assert_eq!(
            clipboard(&display)?,
            "Något annat som kopierades",
            "a clipboard replaced meanwhile is not cleared"
        );

        // The print view's document (the dialog itself is the system's).
        let printed = ok(
            app,
            "document_print",
            json!({"id": screening_id, "lang": "sv"}),
        )
        .await?;
        assert_eq!(printed["texts"]["pageOf"], "Sida {n} av {m}");
        Ok(())
    })
    .await?;

    // A handläggare of another unit: refused everything; the administratör sees the log.
    let app = App::start_in_with_env(home, &env).await?;
    let id = screening_id.clone();
    let pdf2 = out.path().join("other.pdf");
    std::fs::write(&answers, pdf2.display().to_string())?;
    run_on("journal_output_other_unit", app, async |app: &App| {
        support::unlock_as(app, OTHER, OTHER_PASSPHRASE).await?;
        for (cmd, args) in [
            (
                "document_save_pdf",
                json!({"id": id, "path": pdf2.display().to_string(), "lang": "sv"}),
            ),
            ("document_print", json!({"id": id, "lang": "sv"})),
            ("journal_copy", json!({"id": id, "lang": "sv"})),
        ] {
            assert_eq!(err_code(app, cmd, args).await?, "forbidden", "{cmd}");
        }
        assert!(!pdf2.exists(), "no file for a refused save");
        app.by_test_id("lock").await?.click().await?;
        app.by_test_id("unlock").await?;
        support::unlock_as(app, support::ADMIN, support::PASSPHRASE).await?;
        let rows = ok(app, "audit_list", json!({"filter": {"objectId": id}})).await?;
        let rows = rows.as_array().ok_or("rows")?;
        for event in ["document_save", "document_print", "journal_copy"] {
            let hit = rows
                .iter()
                .find(|r| r["event"] == event && r["actorUsername"] == support::WORKER);
            assert!(
                hit.is_some(),
                "{event} by {} not in the access log: {rows:?}",
                support::WORKER
            );
        }
        Ok(())
    })
    .await?;
    Ok(())
}
