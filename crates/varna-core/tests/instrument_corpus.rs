//! The malformed-instrument corpus: every case is a folder under
//! `tests/fixtures/instruments/malformed/<case>/` holding `1.0.0.toml` and, beside it,
//! `1.0.0.expected` with every diagnostic the validator must report (one per line).
//!
//! Adding a case is adding data. To (re)write the expectations after a deliberate change,
//! run `UPDATE_EXPECT=1 cargo test -p varna-core --test instrument_corpus` and review the diff.

use std::fs;
use std::path::{Path, PathBuf};

use varna_core::instrument;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/instruments/malformed")
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir(corpus_dir())
        .expect("corpus folder exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

/// The diagnostics for one case, with the path relative to the corpus folder so the
/// expectations do not depend on where the repository is checked out.
fn diagnostics(case: &Path) -> String {
    let file = case.join("1.0.0.toml");
    let text = fs::read_to_string(&file).unwrap();
    let name = case.file_name().unwrap().to_str().unwrap();
    let shown = format!("{name}/1.0.0.toml");
    match instrument::load_str(&shown, &text) {
        Ok(_) => String::new(),
        Err(diags) => diags.iter().map(|d| format!("{d}\n")).collect(),
    }
}

#[test]
fn every_malformed_file_reports_exactly_its_expected_errors() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let cases = cases();
    assert!(cases.len() >= 20, "the corpus has {} cases", cases.len());
    let mut mismatches = Vec::new();
    for case in &cases {
        let got = diagnostics(case);
        assert!(
            !got.is_empty(),
            "{}: the file loaded without errors; a corpus case must be invalid",
            case.display()
        );
        let expected_path = case.join("1.0.0.expected");
        if update {
            fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            mismatches.push(format!(
                "--- {}\n--- expected:\n{expected}--- got:\n{got}",
                case.display()
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} case(s) differ (UPDATE_EXPECT=1 rewrites the expectations):\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn every_case_reports_several_errors_in_one_pass_where_it_has_several() {
    // A file with many mistakes must not stop at the first.
    let got = diagnostics(&corpus_dir().join("show-if-wrong-type"));
    assert_eq!(got.lines().count(), 5, "{got}");
    let got = diagnostics(&corpus_dir().join("bands"));
    assert!(got.contains("overlapping bands"), "{got}");
    assert!(got.contains("gap between bands"), "{got}");
}

#[test]
fn load_dir_lists_bad_files_and_still_loads_the_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let good = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../instruments/freda-kortfragor-stil/1.0.0.toml");
    fs::create_dir_all(dir.path().join("freda-kortfragor-stil")).unwrap();
    fs::copy(&good, dir.path().join("freda-kortfragor-stil/1.0.0.toml")).unwrap();
    for case in ["bands", "syntax-error"] {
        fs::create_dir_all(dir.path().join(case)).unwrap();
        fs::copy(
            corpus_dir().join(case).join("1.0.0.toml"),
            dir.path().join(case).join("1.0.0.toml"),
        )
        .unwrap();
    }
    fs::write(dir.path().join("README.md"), "not an instrument").unwrap();

    let report = instrument::load_dir(dir.path());
    assert_eq!(report.loaded.len(), 1);
    assert_eq!(report.loaded[0].id(), "freda-kortfragor-stil");
    let failed: Vec<&str> = report.failed.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(failed[0].ends_with("bands/1.0.0.toml"));
    assert!(failed[1].ends_with("syntax-error/1.0.0.toml"));
    assert!(report.failed.iter().all(|f| !f.diagnostics.is_empty()));
    assert!(report.failed[0].diagnostics[0]
        .to_string()
        .starts_with(&report.failed[0].path));
}

#[test]
fn a_file_that_is_not_utf8_is_reported_at_its_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("1.0.0.toml");
    fs::write(&path, b"id = \"x\"\ntitle = \"\xff\"\n").unwrap();
    let diags = instrument::load_file(&path).unwrap_err();
    assert_eq!(diags.len(), 1);
    assert_eq!((diags[0].line, diags[0].col), (2, 10));
    assert!(diags[0].message.contains("UTF-8"));
}
