//! `varna export verify` and `varna export csv` on a real signed file.
//!
//! The fixture was written by this schema version's exporter; keeping it verbatim also checks
//! that files already handed out keep verifying.

use std::process::Command;

/// A March export of unit IFO1 (7 started, 6 completed, outcome suppressed), signed.
const FIXTURE: &str = r#"{
  "format": "varna-export",
  "schema_version": 1,
  "installation_id": "5f0c7a2e-3b1d-4c8e-9a6f-2d4b8e1c0a37",
  "public_key": "e81e3b2538a85a2ff332b34136c6d99952aea3c30a47bf4a4ae649070f0bac8f",
  "period": {
    "from": "2025-03",
    "to": "2025-03"
  },
  "suppression_threshold": 3,
  "sources": [
    {
      "installation_id": "5f0c7a2e-3b1d-4c8e-9a6f-2d4b8e1c0a37",
      "period": {
        "from": "2025-03",
        "to": "2025-03"
      }
    }
  ],
  "rows": [
    {
      "month": "2025-03",
      "unit": "IFO1",
      "instrument": "freda-kort",
      "version": "1.0.0",
      "measure": "started",
      "category": null,
      "count": 7
    },
    {
      "month": "2025-03",
      "unit": "IFO1",
      "instrument": "freda-kort",
      "version": "1.0.0",
      "measure": "completed",
      "category": null,
      "count": 6
    },
    {
      "month": "2025-03",
      "unit": "IFO1",
      "instrument": "freda-kort",
      "version": "1.0.0",
      "measure": "outcome:screening",
      "category": "positive",
      "count": "suppressed"
    },
    {
      "month": "2025-03",
      "unit": "IFO1",
      "instrument": "freda-kort",
      "version": "1.0.0",
      "measure": "outcome:screening",
      "category": "negative",
      "count": "suppressed"
    }
  ],
  "signature": "3fb9534aca17eaf8832fb56115b5b7e4c766ce8debe7129fe010ab0c07b6b85da819e5e4e1939df70ee5946fda344ccf1e54337d48371422d06bd3e90c0bea02"
}
"#;

fn varna(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_varna"))
        .args(args)
        .output()
        .expect("run varna")
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_valid_file_verifies_with_exit_status_0() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "march.json", FIXTURE.as_bytes());
    let out = varna(&["export", "verify", &file]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.starts_with("OK: "));
    assert!(stdout.contains("installation: 5f0c7a2e-3b1d-4c8e-9a6f-2d4b8e1c0a37"));
    assert!(stdout.contains("period:       2025-03..2025-03"));
    assert!(stdout.contains("rows:         4"));
}

#[test]
fn a_tampered_file_fails_with_exit_status_1() {
    let dir = tempfile::tempdir().unwrap();
    let tampered = FIXTURE.replacen("\"count\": 7", "\"count\": 8", 1);
    assert_ne!(tampered, FIXTURE);
    let file = write(&dir, "march.json", tampered.as_bytes());
    let out = varna(&["export", "verify", &file]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("NOT OK"), "{stderr}");
    assert!(stderr.contains("signature does not match"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_file_that_is_not_an_export_fails_with_exit_status_1() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "notes.txt", "Anna Svensson, 19850101-1234".as_bytes());
    let out = varna(&["export", "verify", &file]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a Värna export"), "{stderr}");
    assert!(!stderr.contains("Anna"), "{stderr}");
}

#[test]
fn a_missing_file_is_an_error_with_exit_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.json");
    let out = varna(&["export", "verify", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn csv_writes_the_verified_rows() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "march.json", FIXTURE.as_bytes());
    let csv = dir.path().join("march.csv");
    let out = varna(&["export", "csv", &file, "--out", csv.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&csv).unwrap();
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap()).unwrap();
    assert_eq!(
        text,
        "month,unit,instrument,version,measure,category,count\r\n\
         2025-03,IFO1,freda-kort,1.0.0,started,,7\r\n\
         2025-03,IFO1,freda-kort,1.0.0,completed,,6\r\n\
         2025-03,IFO1,freda-kort,1.0.0,outcome:screening,positive,..\r\n\
         2025-03,IFO1,freda-kort,1.0.0,outcome:screening,negative,..\r\n"
    );

    let tampered = write(
        &dir,
        "bad.json",
        FIXTURE.replacen("IFO1", "IFO2", 1).as_bytes(),
    );
    let bad_csv = dir.path().join("bad.csv");
    let out = varna(&[
        "export",
        "csv",
        &tampered,
        "--out",
        bad_csv.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!bad_csv.exists());
}
