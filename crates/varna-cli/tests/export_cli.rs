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

// ---- writing and merging from a real store ----

mod store_backed {
    use std::io::Write;
    use std::path::Path;
    use std::process::{Command, Output, Stdio};

    use varna_core::instrument::{self, AnswerValue};
    use varna_core::screening::NewScreening;
    use varna_core::store::{FirstRun, NewAccount, Role, Store};

    const PASS: &str = "a long test passphrase";
    const CASE: &str = "KANARIE-ARENDE-4711";

    fn varna(args: &[&str], stdin_lines: &[&str]) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_varna"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            let mut stdin = child.stdin.take().unwrap();
            for line in stdin_lines {
                let _ = writeln!(stdin, "{line}");
            }
        }
        child.wait_with_output().unwrap()
    }

    fn status(out: &Output) -> (Option<i32>, String, String) {
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// The current month: counts are filed under the month a screening is completed in.
    fn this_month() -> String {
        chrono::Local::now().format("%Y-%m").to_string()
    }

    /// A data folder with an arbetsledare `arne` and a handläggare `hanna` in IFO, and
    /// `completed` FREDA-style screenings of a samtal in May 2024 with a case reference,
    /// completed now (so counted in the current month).
    fn installation(dir: &Path, completed: usize) {
        let (mut admin, _) = Store::create_first_run(
            dir,
            FirstRun {
                admin_username: "admin",
                admin_display_name: "Ada Admin",
                passphrase: PASS,
                unit_code: "IFO",
                unit_name: "Individ- och familjeomsorg",
            },
        )
        .unwrap();
        let ifo = admin.unit_by_code("IFO").unwrap().id;
        for (username, role) in [("arne", Role::Arbetsledare), ("hanna", Role::Handlaggare)] {
            admin
                .add_account(NewAccount {
                    username,
                    display_name: username,
                    role,
                    unit_ids: vec![ifo.clone()],
                    passphrase: PASS,
                })
                .unwrap();
        }
        let instruments = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../instruments");
        admin
            .sync_instruments(&instrument::load_dir(instruments))
            .unwrap();
        admin.lock();
        let mut arne = Store::unlock(dir, "arne", PASS).unwrap();
        for _ in 0..completed {
            let new: NewScreening = serde_json::from_value(serde_json::json!({
                "instrumentId": "freda-kortfragor-stil",
                "instrumentVersion": null,
                "unitId": ifo,
                "personRole": "valdsutsatt",
                "conductedOn": "2024-05-03",
                "caseRef": CASE,
            }))
            .unwrap();
            let doc = arne.start_screening(new).unwrap();
            for q in [
                "fysiskt_vald",
                "hot",
                "kontroll",
                "sexuellt_vald",
                "radsla_nu",
            ] {
                arne.save_answer(&doc.id, q, Some(AnswerValue::YesNo(false)))
                    .unwrap();
            }
            arne.save_answer(&doc.id, "anteckning", Some(AnswerValue::Text(CASE.into())))
                .unwrap();
            arne.complete_screening(&doc.id).unwrap();
        }
        arne.lock();
    }

    fn export(dir: &Path, user: &str, out: &Path, csv: Option<&Path>) -> Output {
        let month = this_month();
        let mut args = vec![
            "export",
            "--data-dir",
            dir.to_str().unwrap(),
            "--as",
            user,
            "--from",
            &month,
            "--to",
            &month,
            "--out",
            out.to_str().unwrap(),
        ];
        if let Some(csv) = csv {
            args.extend(["--csv", csv.to_str().unwrap()]);
        }
        varna(&args, &[PASS])
    }

    fn merge(dir: &Path, files: &[&Path], out: &Path) -> Output {
        let mut args = vec!["export", "merge"];
        args.extend(files.iter().map(|f| f.to_str().unwrap()));
        args.extend([
            "--out",
            out.to_str().unwrap(),
            "--data-dir",
            dir.to_str().unwrap(),
            "--as",
            "arne",
        ]);
        varna(&args, &[PASS])
    }

    #[test]
    fn export_writes_a_signed_file_and_csv_without_free_text_and_merge_adds_laptops() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        installation(&a, 4);
        installation(&b, 5);

        let (fa, ca, fb) = (
            tmp.path().join("a.json"),
            tmp.path().join("a.csv"),
            tmp.path().join("b.json"),
        );
        let (code, stdout, stderr) = status(&export(&a, "arne", &fa, Some(&ca)));
        assert_eq!(code, Some(0), "{stdout}{stderr}");
        let month = this_month();
        assert!(stdout.contains(&format!("{month}..{month}")), "{stdout}");
        assert_eq!(status(&export(&b, "arne", &fb, None)).0, Some(0));

        let json = std::fs::read_to_string(&fa).unwrap();
        let csv = std::fs::read(&ca).unwrap();
        assert!(!json.contains("KANARIE") && !json.contains("ARENDE"));
        assert!(!String::from_utf8_lossy(&csv).contains("KANARIE"));
        assert!(csv
            .starts_with(b"\xEF\xBB\xBFmonth,unit,instrument,version,measure,category,count\r\n"));
        assert!(String::from_utf8_lossy(&csv).contains(&format!(
            "{month},IFO,freda-kortfragor-stil,1.0.0,completed,,4\r\n"
        )));
        // The follow-up indicator of the FREDA-style screening travels as its id, never a name.
        assert!(json.contains("\"measure\": \"indicator:asked_about_violence\""));
        assert!(!json.contains("Frågat om våld"));
        assert!(String::from_utf8_lossy(&csv).contains(&format!(
            "{month},IFO,freda-kortfragor-stil,1.0.0,indicator:asked_about_violence,,4\r\n"
        )));
        let (code, stdout, _) = status(&varna(&["export", "verify", fa.to_str().unwrap()], &[]));
        assert_eq!(code, Some(0));
        assert!(stdout.contains("rows:"));
        // The current month is not over: the file says so, and verify shows it.
        assert!(
            stdout.contains(&format!("preliminary:  {month}")),
            "{stdout}"
        );

        // A handläggare may not export.
        let (code, _, stderr) = status(&export(&a, "hanna", &tmp.path().join("h.json"), None));
        assert_eq!(code, Some(2));
        assert!(stderr.contains("arbetsledare"), "{stderr}");
        assert!(!tmp.path().join("h.json").exists());

        // Laptop b is not trusted at laptop a yet: refused, nothing written.
        let merged = tmp.path().join("merged.json");
        let (code, _, stderr) = status(&merge(&a, &[&fa, &fb], &merged));
        assert_eq!(code, Some(1), "{stderr}");
        assert!(
            stderr.contains("NOT MERGED") && stderr.contains("file 2"),
            "{stderr}"
        );
        assert!(stderr.contains("not a trusted sender"), "{stderr}");
        assert!(!merged.exists());

        // The sender reads out the fingerprint (`export verify` shows it); a wrong one is refused.
        let (_, shown, _) = status(&varna(&["export", "verify", fb.to_str().unwrap()], &[]));
        let fingerprint = shown
            .lines()
            .find_map(|l| l.strip_prefix("fingerprint:"))
            .expect("verify shows the fingerprint")
            .trim()
            .to_string();
        let installation_b = shown
            .lines()
            .find_map(|l| l.strip_prefix("installation:"))
            .unwrap()
            .trim()
            .to_string();
        let trust = |fp: &str| {
            varna(
                &[
                    "export",
                    "trust",
                    fb.to_str().unwrap(),
                    "--fingerprint",
                    fp,
                    "--name",
                    "Laptop B KANARIE-namn",
                    "--data-dir",
                    a.to_str().unwrap(),
                    "--as",
                    "arne",
                ],
                &[PASS],
            )
        };
        let wrong = if fingerprint.starts_with('0') {
            "1"
        } else {
            "0"
        }
        .to_string()
            + &fingerprint[1..];
        let (code, _, stderr) = status(&trust(&wrong));
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stderr.contains("NOT TRUSTED"), "{stderr}");
        let (code, stdout, stderr) = status(&trust(&fingerprint.to_lowercase().replace(' ', "-")));
        assert_eq!(code, Some(0), "{stdout}{stderr}");
        let trusted = || {
            status(&varna(
                &[
                    "export",
                    "trusted",
                    "--data-dir",
                    a.to_str().unwrap(),
                    "--as",
                    "arne",
                ],
                &[PASS],
            ))
        };
        let (code, listed, _) = trusted();
        assert_eq!(code, Some(0));
        assert!(
            listed.contains(&installation_b) && listed.contains(&fingerprint),
            "{listed}"
        );
        assert!(listed.contains("(trusted;"), "{listed}");

        // Merge the two laptops at laptop a: totals add up, both are sources.
        let (code, stdout, stderr) = status(&merge(&a, &[&fa, &fb], &merged));
        assert_eq!(code, Some(0), "{stdout}{stderr}");
        assert_eq!(stdout.matches("source: ").count(), 2, "{stdout}");
        let (code, _, _) = status(&varna(&["export", "verify", merged.to_str().unwrap()], &[]));
        assert_eq!(code, Some(0));
        let mcsv = tmp.path().join("merged.csv");
        assert_eq!(
            status(&varna(
                &[
                    "export",
                    "csv",
                    merged.to_str().unwrap(),
                    "--out",
                    mcsv.to_str().unwrap()
                ],
                &[]
            ))
            .0,
            Some(0)
        );
        assert!(std::fs::read_to_string(&mcsv).unwrap().contains(&format!(
            "{month},IFO,freda-kortfragor-stil,1.0.0,completed,,9\r\n"
        )));
        assert!(std::fs::read_to_string(&mcsv).unwrap().contains(&format!(
            "{month},IFO,freda-kortfragor-stil,1.0.0,indicator:asked_about_violence,,9\r\n"
        )));

        // The same file twice: refused, nothing written.
        let twice = tmp.path().join("twice.json");
        let (code, _, stderr) = status(&merge(&a, &[&fa, &fa], &twice));
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stderr.contains("NOT MERGED"), "{stderr}");
        assert!(!twice.exists());

        // A tampered file: refused and named.
        let bad = tmp.path().join("bad.json");
        std::fs::write(&bad, json.replacen("\"count\": 4", "\"count\": 5", 1)).unwrap();
        let (code, _, stderr) = status(&merge(&a, &[&fb, &bad], &twice));
        assert_eq!(code, Some(1));
        assert!(stderr.contains("bad.json"), "{stderr}");
        assert!(!twice.exists());
        // The local name never reaches a file.
        assert!(!std::fs::read_to_string(&merged)
            .unwrap()
            .contains("KANARIE"));

        // Withdrawn: b's files are refused again, and the list says so.
        let (code, _, stderr) = status(&varna(
            &[
                "export",
                "untrust",
                &installation_b,
                "--data-dir",
                a.to_str().unwrap(),
                "--as",
                "arne",
            ],
            &[PASS],
        ));
        assert_eq!(code, Some(0), "{stderr}");
        let (code, _, stderr) = status(&merge(&a, &[&fb], &twice));
        assert_eq!(code, Some(1));
        assert!(stderr.contains("withdrawn"), "{stderr}");
        assert!(!twice.exists());
        assert!(trusted().1.contains("withdrawn"));
    }
}
