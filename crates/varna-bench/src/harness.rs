//! A tiny harness: medians, ratios and the Markdown report.

use std::time::Duration;

/// The median of `v` (the mean of the middle two for an even count). Zero when empty.
pub fn median(v: &mut [Duration]) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

pub fn fmt_dur(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 0.001 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

/// Kibibytes as MiB.
pub fn fmt_mib(kib: f64) -> String {
    format!("{:.1} MiB", kib / 1024.0)
}

/// One line of the report.
pub struct Row {
    pub name: String,
    pub median: String,
    pub baseline: String,
    pub baseline_median: String,
    pub ratio: String,
    pub goal: String,
    pub pass: bool,
    pub note: String,
    /// Explains another row; has no goal of its own.
    pub info: bool,
}

impl Row {
    /// A measurement against a baseline; passes when `value / baseline ≤ max_ratio`.
    pub fn ratio(
        name: &str,
        value: Duration,
        baseline: &str,
        base: Duration,
        max_ratio: f64,
        note: String,
    ) -> Row {
        Row::ratio_of(
            name,
            value.as_secs_f64(),
            baseline,
            base.as_secs_f64(),
            |s| fmt_dur(Duration::from_secs_f64(s)),
            max_ratio,
            note,
        )
    }

    /// A measurement of any quantity against a baseline; passes when `value / base ≤ max_ratio`.
    pub fn ratio_of(
        name: &str,
        value: f64,
        baseline: &str,
        base: f64,
        fmt: fn(f64) -> String,
        max_ratio: f64,
        note: String,
    ) -> Row {
        let r = value / base.max(1e-12);
        Row {
            name: name.into(),
            median: fmt(value),
            baseline: baseline.into(),
            baseline_median: fmt(base),
            ratio: format!("{r:.3}×"),
            goal: format!("≤ {max_ratio}×"),
            pass: r <= max_ratio,
            note,
            info: false,
        }
    }

    /// A measurement shown beside a baseline for explanation only; it has no goal.
    pub fn info(name: &str, value: Duration, baseline: &str, base: Duration, note: String) -> Row {
        let mut row = Row::ratio(name, value, baseline, base, f64::INFINITY, note);
        row.goal = "—".into();
        row.info = true;
        row
    }

    /// A measurement against an absolute limit.
    pub fn absolute(name: &str, value: Duration, limit: Duration, note: String) -> Row {
        Row {
            name: name.into(),
            median: fmt_dur(value),
            baseline: "—".into(),
            baseline_median: "—".into(),
            ratio: "—".into(),
            goal: format!("< {}", fmt_dur(limit)),
            pass: value < limit,
            note,
            info: false,
        }
    }

    /// A benchmark that could not run.
    pub fn not_run(name: &str, why: &str) -> Row {
        Row {
            name: name.into(),
            median: "—".into(),
            baseline: "—".into(),
            baseline_median: "—".into(),
            ratio: "—".into(),
            goal: "—".into(),
            pass: false,
            note: format!("NOT RUN: {why}"),
            info: false,
        }
    }
}

#[derive(Default)]
pub struct Report {
    rows: Vec<Row>,
}

impl Report {
    pub fn new() -> Report {
        Report::default()
    }

    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    pub fn markdown(&self) -> String {
        let mut s = String::from("# Värna benchmarks\n\n");
        s.push_str(&format!(
            "Run {} on `{}` ({} cores). Medians; every baseline was measured in the same run.\n\n",
            chrono::Local::now().format("%Y-%m-%d %H:%M"),
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .unwrap_or_default()
                .trim(),
            std::thread::available_parallelism().map_or(0, |n| n.get()),
        ));
        s.push_str(
            "| benchmark | median | baseline | baseline median | ratio | goal | result | notes |\n\
             | --- | --- | --- | --- | --- | --- | --- | --- |\n",
        );
        for r in &self.rows {
            let result = if r.info {
                "(detail)"
            } else if r.note.starts_with("NOT RUN") {
                "not run"
            } else if r.pass {
                "pass"
            } else {
                "FAIL"
            };
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.name, r.median, r.baseline, r.baseline_median, r.ratio, r.goal, result, r.note
            ));
        }
        s
    }
}
