//! Benchmark 9: the interview's own latency in the webview of the release app (issue 20,
//! measure 3). The samples are measured inside the page by the end-to-end benchmark
//! `tests/e2e/interview_latency.rs` (which `make bench` runs first, on the release app) and
//! read here from its JSON file: `{answers: [ms], moves: [ms]}`.

use std::path::Path;
use std::time::Duration;

use crate::harness::{Report, Row};

/// Key press (J/N) to "Sparat" shown, p95.
const ANSWER_GOAL_MS: f64 = 25.0;
/// Enter to the next item focused, p95 (one frame).
const MOVE_GOAL_MS: f64 = 16.0;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn row(name: &str, samples: &serde_json::Value, goal_ms: f64, app: &str) -> Row {
    let mut xs: Vec<f64> = samples
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
        .unwrap_or_default();
    if xs.is_empty() {
        return Row::not_run(name, "no samples in the latency file");
    }
    xs.sort_by(f64::total_cmp);
    let ms = |x: f64| Duration::from_secs_f64(x / 1000.0);
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

pub fn bench_latency(file: &Path, report: &mut Report) {
    let names = [
        "9a. Interview: J/N to \"Sparat\" (p95)",
        "9b. Interview: Enter to the next item (p95)",
    ];
    let parsed = std::fs::read(file)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).map_err(|e| e.to_string()));
    match parsed {
        Ok(v) => {
            let app = v["app"].as_str().unwrap_or("the app").to_owned();
            report.push(row(names[0], &v["answers"], ANSWER_GOAL_MS, &app));
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
