//! The condition language, case by case from `fixtures/conditions/cases.txt`: each case puts
//! a condition on the item `probe` of `fixtures/conditions/base.toml`, gives answers and says
//! whether `probe` is shown, hidden, or the file is refused (with a part of the message). New
//! cases are one line each; every mismatch is reported at once.

use std::path::Path;

use varna_core::instrument::{evaluate, load_str, Answers};

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conditions")
}

#[test]
fn every_condition_case_shows_hides_or_is_refused_as_written() {
    let base = std::fs::read_to_string(fixtures().join("base.toml")).unwrap();
    let cases = std::fs::read_to_string(fixtures().join("cases.txt")).unwrap();
    // The line of `probe`'s `show_if`: where every refusal of a condition must point.
    let probe_line = base
        .lines()
        .position(|l| l.contains("show_if = \"{{CONDITION}}\""))
        .expect("base.toml has the placeholder")
        + 1;
    let mut failures = Vec::new();
    let mut count = 0;
    for (n, line) in cases.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        count += 1;
        let parts: Vec<&str> = line.splitn(3, " | ").collect();
        let [condition, answers, expected] = parts[..] else {
            panic!("cases.txt:{}: want `condition | answers | expected`", n + 1);
        };
        let text = base.replace("{{CONDITION}}", condition);
        let at = format!("cases.txt:{}: `{condition}` with {answers}", n + 1);
        match (load_str("villkor-test/1.0.0.toml", &text), expected) {
            (Err(diagnostics), e) if e.starts_with("error: ") => {
                let want = &e["error: ".len()..];
                let messages: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
                if !messages.iter().any(|m| m.contains(want)) {
                    failures.push(format!(
                        "{at}: refused, but no message has {want:?}: {messages:?}"
                    ));
                }
                // The error points at the line of the condition.
                let place = format!("villkor-test/1.0.0.toml:{probe_line}:");
                if !messages.iter().any(|m| m.starts_with(&place)) {
                    failures.push(format!("{at}: no error at {place}: {messages:?}"));
                }
            }
            (Err(diagnostics), e) => failures.push(format!(
                "{at}: expected {e}, but the file was refused: {:?}",
                diagnostics
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
            )),
            (Ok(_), e) if e.starts_with("error: ") => {
                failures.push(format!("{at}: expected to be refused ({e}), but it loaded"));
            }
            (Ok(loaded), e) => {
                let answers: Answers = match serde_json::from_str(answers) {
                    Ok(a) => a,
                    Err(err) => panic!("{at}: bad answers JSON: {err}"),
                };
                for (k, v) in &answers {
                    varna_core::instrument::validate_answer(&loaded.definition, k, v)
                        .unwrap_or_else(|err| {
                            panic!("{at}: the case's answer {k} is invalid: {err}")
                        });
                }
                let ev = evaluate(&loaded.definition, &answers);
                let shown = ev.visible_items.iter().any(|i| i == "probe");
                let got = if shown { "shown" } else { "hidden" };
                if got != e {
                    failures.push(format!("{at}: expected {e}, got {got}"));
                }
            }
        }
    }
    assert!(count >= 40, "only {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
