//! Issue 20, measure 3: the interview's own latency, measured inside the page of the real app.
//! A handläggare answers a long yes/no instrument by keyboard (J/N, then Enter to go on). The
//! page records, with its own clock (`event.timeStamp` and `performance.now()`):
//! - from each J/N key press to the frame in which "Sparat" is shown again (the core has
//!   committed the answer): goal p95 < 25 ms on the release app;
//! - from each Enter to the next item having the focus, in its frame: goal p95 < 16 ms.
//!
//! `make bench` runs the ignored benchmark on the release app (`VARNA_APP_BIN`) over 200
//! answers and writes the samples to `$VARNA_BENCH_LATENCY_OUT` for `varna-bench` (benchmark
//! 9). The short run in `make test` proves, on the debug app, that the measurement works.

use std::time::Duration;

use fantoccini::key::Key;
use serde_json::{json, Value};
use varna_e2e::{run_on, support, App, TestResult};

/// An instrument of `n` yes/no questions, none hidden.
fn long_instrument(n: usize) -> String {
    let mut toml = String::from(
        r#"id = "latens-test"
version = "1.0.0"
kind = "screening"
title = { sv = "Många frågor", en = "Many questions" }
description = { sv = "För att mäta intervjuns svarstid." }
source = { sv = "Skriven för Värnas mätningar." }
licence = { sv = "Endast för test." }

[[sections]]
id = "fragor"
title = { sv = "Frågor" }
"#,
    );
    for i in 1..=n {
        toml.push_str(&format!(
            "\n[[sections.items]]\nid = \"q{i:03}\"\ntype = \"yes_no\"\ntext = {{ sv = \"Fråga {i}?\" }}\n"
        ));
    }
    toml.push_str(
        r#"
[[outcomes]]
id = "screening"
label = { sv = "Utfall" }
categories = [
  { id = "positiv", label = { sv = "Positiv" } },
  { id = "negativ", label = { sv = "Negativ" } },
]
rules = [{ when = "q001", category = "positiv" }]
otherwise = "negativ"
"#,
    );
    toml
}

/// Installed in the page before the first key: listens in the capture phase, so it sees a key
/// before the interview's own handlers do.
const PROBE: &str = r#"
const L = (window.__latency = { answers: [], moves: [], answerPhases: [], movePhases: [],
  key: null, saving: null, enter: null, focused: null, from: null });
const status = () => document.querySelector('[data-testid=save-status]');
const saved = () => status()?.dataset.state === 'saved';
document.addEventListener('keydown', (e) => {
  if (e.key === 'j' || e.key === 'n') { L.key = e.timeStamp; L.saving = null; }
  if (e.key === 'Enter') { L.enter = e.timeStamp; L.from = document.activeElement?.closest('[data-testid=item]'); }
}, true);
new MutationObserver(() => {
  if (L.key === null) return;
  if (!saved()) { if (L.saving === null) L.saving = performance.now(); return; }
  if (L.saving === null) return;
  const t0 = L.key, saving = L.saving, done = performance.now(); L.key = null;
  requestAnimationFrame(() => {
    const frame = performance.now();
    L.answers.push(frame - t0);
    L.answerPhases.push({ saving: saving - t0, saved: done - t0, frame: frame - t0 });
  });
}).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true,
  attributeFilter: ['data-state'] });
document.addEventListener('focusin', (e) => {
  if (L.enter === null) return;
  const item = e.target.closest?.('[data-testid=item]');
  if (!item || item === L.from) return;
  const t0 = L.enter, focused = performance.now(); L.enter = null;
  requestAnimationFrame(() => {
    const frame = performance.now();
    L.moves.push(frame - t0);
    L.movePhases.push({ focused: focused - t0, frame: frame - t0 });
  });
}, true);
return true;
"#;

async fn count(app: &App, which: &str) -> Result<usize, String> {
    let v = app
        .client
        .execute(&format!("return window.__latency.{which}.length"), vec![])
        .await
        .map_err(|e| e.to_string())?;
    Ok(v.as_u64().unwrap_or(0) as usize)
}

/// Waits until the page has recorded `n` samples of `which`.
async fn wait_count(app: &App, which: &str, n: usize) -> Result<(), String> {
    for _ in 0..250 {
        if count(app, which).await? >= n {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    Err(format!(
        "{which}: {} samples, expected {n}",
        count(app, which).await?
    ))
}

/// Conducts `n` answers and returns the page's samples: `{answers: [ms], moves: [ms]}`.
async fn measure(n: usize) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
    let home = tempfile::Builder::new().prefix("varna-e2e-").tempdir()?;
    let data = home.path().join("data");
    support::init_with_cli(&data)?;
    let file = home.path().join("latens.toml");
    std::fs::write(&file, long_instrument(n))?;
    support::add_instrument_with_cli(&data, &file)?;
    let app = App::start_in(home).await?;
    let mut samples = Value::Null;
    run_on("interview_latency", app, async |app: &App| {
        support::unlock_as(app, support::WORKER, support::WORKER_PASSPHRASE).await?;
        support::start_screening(app, "latens-test", "valdsutsatt").await?;
        app.wait_for_attr(
            "[data-testid=\"item\"][data-key=\"q001\"]",
            "aria-current",
            "true",
        )
        .await?;
        app.client.execute(PROBE, vec![]).await?;
        let enter = Key::Enter.to_string();
        for i in 0..n {
            app.keys(if i % 2 == 0 { "j" } else { "n" }).await?;
            wait_count(app, "answers", i + 1).await?;
            if i + 1 < n {
                app.keys(&enter).await?;
                wait_count(app, "moves", i + 1).await?;
            }
        }
        samples = app
            .client
            .execute(
                "return { answers: window.__latency.answers, moves: window.__latency.moves, answerPhases: window.__latency.answerPhases, movePhases: window.__latency.movePhases }",
                vec![],
            )
            .await?;
        // Every answer reached the core.
        let mine = app.invoke("my_screenings", json!({})).await?;
        let id = mine["ok"]["drafts"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let doc = app.invoke("screening_get", json!({"id": id})).await?;
        let answered = doc["ok"]["answers"].as_object().map_or(0, |a| a.len());
        assert_eq!(answered, n, "every answer is stored");
        Ok(())
    })
    .await?;
    Ok(samples)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// The samples of one phase (`field` of each record) of `which` (`answerPhases`, `movePhases`).
fn phase(s: &Value, which: &str, field: &str) -> Value {
    Value::Array(
        s[which]
            .as_array()
            .map(|a| a.iter().map(|r| r[field].clone()).collect())
            .unwrap_or_default(),
    )
}

fn summary(name: &str, v: &Value) -> String {
    let mut xs: Vec<f64> = v
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    xs.sort_by(f64::total_cmp);
    if xs.is_empty() {
        return format!("{name}: no samples");
    }
    format!(
        "{name}: n={} p50={:.1} ms p95={:.1} ms max={:.1} ms",
        xs.len(),
        percentile(&xs, 0.5),
        percentile(&xs, 0.95),
        xs[xs.len() - 1]
    )
}

/// The measurement works: every answer and every move gives one positive sample.
#[tokio::test]
async fn the_page_measures_each_answer_and_each_move() -> TestResult {
    let n = 8;
    let s = measure(n).await?;
    for (which, expect) in [("answers", n), ("moves", n - 1)] {
        let xs = s[which].as_array().ok_or("no samples")?;
        assert_eq!(xs.len(), expect, "{which}: {s}");
        assert!(
            xs.iter()
                .all(|x| x.as_f64().is_some_and(|x| x > 0.0 && x < 10_000.0)),
            "{which}: {s}"
        );
    }
    eprintln!("{}", summary("key to Sparat", &s["answers"]));
    eprintln!("{}", summary("Enter to next item", &s["moves"]));
    Ok(())
}

/// Benchmark 9 (run by `make bench` on the release app).
#[tokio::test]
#[ignore = "a benchmark: `make bench` runs it on the release app"]
async fn interview_latency_benchmark() -> TestResult {
    let n = std::env::var("VARNA_BENCH_LATENCY_ANSWERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let s = measure(n).await?;
    eprintln!("{}", summary("key to Sparat", &s["answers"]));
    eprintln!(
        "{}",
        summary(
            "  key to saving shown",
            &phase(&s, "answerPhases", "saving")
        )
    );
    eprintln!(
        "{}",
        summary("  key to saved shown", &phase(&s, "answerPhases", "saved"))
    );
    eprintln!("{}", summary("Enter to next item", &s["moves"]));
    eprintln!(
        "{}",
        summary("  Enter to focusin", &phase(&s, "movePhases", "focused"))
    );
    if let Some(out) = std::env::var_os("VARNA_BENCH_LATENCY_OUT") {
        let out = std::path::PathBuf::from(out);
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let app = varna_e2e::app_binary();
        std::fs::write(
            &out,
            serde_json::to_vec_pretty(&json!({
                "app": app.display().to_string(),
                "answers": s["answers"],
                "moves": s["moves"],
                "saved": phase(&s, "answerPhases", "saved"),
            }))?,
        )?;
    }
    Ok(())
}
