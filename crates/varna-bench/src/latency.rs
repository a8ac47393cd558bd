//! Benchmark 9: the interview's own latency in the webview of the release app (issue 20,
//! measure 3). The samples are measured inside the page by the end-to-end benchmark
//! `tests/e2e/interview_latency.rs` (which `make bench` runs first, on the release app) and
//! read here from its JSON file: `{answers: [ms], moves: [ms], saved: [ms]}` (`saved`: from the
//! key to the moment the page set "Sparat", before the frame that shows it).

use std::path::Path;
use std::time::Duration;

use crate::harness::{Report, Row};

/// Key press (J/N) to "Sparat" shown, p95.
const ANSWER_GOAL_MS: f64 = 25.0;
/// Enter to the next item focused, p95 (one frame).
const MOVE_GOAL_MS: f64 = 16.0;
/// A list screen's first paint after its command returned (benchmark 8, issue 20 measure 2).
const PAINT_GOAL_MS: f64 = 100.0;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn sorted(samples: &serde_json::Value) -> Vec<f64> {
    let mut xs: Vec<f64> = samples
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
        .unwrap_or_default();
    xs.sort_by(f64::total_cmp);
    xs
}

fn ms(x: f64) -> Duration {
    Duration::from_secs_f64(x / 1000.0)
}

fn row(name: &str, samples: &serde_json::Value, goal_ms: f64, app: &str) -> Row {
    let xs = sorted(samples);
    if xs.is_empty() {
        return Row::not_run(name, "no samples in the latency file");
    }
    Row::absolute(
        name,
        ms(percentile(&xs, 0.95)),
        ms(goal_ms),
        format!(
            "p95 over {} samples measured in the page of {app}; p50 {:.1} ms, max {:.1} ms",
            xs.len(),
            percentile(&xs, 0.5),
            xs[xs.len() - 1]
        ),
    )
}

/// Benchmark 8's first paints: measured inside the page by the end-to-end benchmark
/// `tests/e2e/list_paint.rs` (`{home: [ms], review: [ms], log: [ms]}`).
pub fn bench_paint(file: &Path, report: &mut Report) {
    let rows = [
        (
            "home",
            "8d. Start page: first paint after the command (p95)",
        ),
        (
            "review",
            "8e. Review queue: first paint after the command (p95)",
        ),
        ("log", "8f. Access log: first paint after the command (p95)"),
    ];
    match read(file) {
        Ok(v) => {
            let app = v["app"].as_str().unwrap_or("the app").to_owned();
            for (key, name) in rows {
                report.push(row(name, &v[key], PAINT_GOAL_MS, &app));
            }
        }
        Err(e) => {
            let why = format!(
                "{}: {e} (make bench writes it with the end-to-end benchmark \
                 list_paint_benchmark on the release app)",
                file.display()
            );
            for (_, name) in rows {
                report.push(Row::not_run(name, &why));
            }
        }
    }
}

fn read(file: &Path) -> Result<serde_json::Value, String> {
    std::fs::read(file)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).map_err(|e| e.to_string()))
}

pub fn bench_latency(file: &Path, report: &mut Report) {
    let names = [
        "9a. Interview: J/N to \"Sparat\" (p95)",
        "9b. Interview: Enter to the next item (p95)",
    ];
    match read(file) {
        Ok(v) => {
            let app = v["app"].as_str().unwrap_or("the app").to_owned();
            report.push(row(names[0], &v["answers"], ANSWER_GOAL_MS, &app));
            let (saved, shown) = (sorted(&v["saved"]), sorted(&v["answers"]));
            if !saved.is_empty() && !shown.is_empty() {
                report.push(Row::info(
                    "9a, of which the save (J/N to \"Sparat\" set, before its frame; p95)",
                    ms(percentile(&saved, 0.95)),
                    "9a",
                    ms(percentile(&shown, 0.95)),
                    format!(
                        "p50 {:.1} ms; the rest is the wait for the next frame (at most one, \
                         16.7 ms at 60 Hz)",
                        percentile(&saved, 0.5)
                    ),
                ));
            }
            report.push(row(names[1], &v["moves"], MOVE_GOAL_MS, &app));
        }
        Err(e) => {
            let why = format!(
                "{}: {e} (make bench writes it with the end-to-end benchmark \
                 interview_latency_benchmark on the release app)",
                file.display()
            );
            for name in names {
                report.push(Row::not_run(name, &why));
            }
        }
    }
}
