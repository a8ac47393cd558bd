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

    /// The report on one screen: a line per benchmark (its number, result, value against its
    /// goal, and the start of its name), then how many met their goals. The full table with
    /// every note is in the markdown report.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let (mut met, mut missed, mut not_run) = (0, 0, 0);
        for r in &self.rows {
            let (id, title) = r.name.split_once(". ").unwrap_or(("", r.name.as_str()));
            let id = id.trim_end_matches(" (detail)");
            let result = if r.info {
                "detail"
            } else if r.note.starts_with("NOT RUN") {
                not_run += 1;
                "NOT RUN"
            } else if r.pass {
                met += 1;
                "pass"
            } else {
                missed += 1;
                "FAIL"
            };
            let value = if r.ratio == "—" {
                r.median.clone()
            } else {
                format!("{} ({})", r.ratio, r.median)
            };
            let title: String = title.chars().take(48).collect();
            s.push_str(&format!(
                "{id:<4} {result:<7} {value:<24} {goal:<12} {title}\n",
                goal = r.goal
            ));
        }
        s.push_str(&format!(
            "{met} met their goal, {missed} missed, {not_run} did not run\n"
        ));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_has_a_short_line_per_benchmark_and_the_counts() {
        let mut r = Report::new();
        r.push(Row::ratio(
            "1. Autosave of one answer, a long name that goes on and on past the width of a line",
            Duration::from_micros(300),
            "plain SQLite",
            Duration::from_micros(250),
            1.15,
            "a very long note ".repeat(20),
        ));
        r.push(Row::absolute(
            "11a. Gallring: the whole run",
            Duration::from_secs(12),
            Duration::from_secs(10),
            String::new(),
        ));
        r.push(Row::not_run("4a. Cold start", "needs --app"));
        let s = r.summary();
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), 4, "{s}");
        assert!(lines[0].starts_with("1    FAIL    1.200×"), "{s}");
        assert!(lines[1].starts_with("11a  FAIL    12.000 s"), "{s}");
        assert!(lines[2].starts_with("4a   NOT RUN"), "{s}");
        assert_eq!(lines[3], "0 met their goal, 2 missed, 1 did not run");
        assert!(lines.iter().all(|l| l.chars().count() <= 100), "{s}");
        assert!(!s.contains("a very long note"));
    }
}
