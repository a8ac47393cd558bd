//! `varna screening pdf` as a real process: the PDF/A document of a completed screening is
//! created at `--out` (never over an existing file) by its author and by an administratör,
//! logged as `document_save`; a handläggare who is not the author is refused and no file
//! appears.

mod common;
use common::*;

use varna_core::audit::AuditFilter;
use varna_core::export::PersonRole;
use varna_core::instrument::AnswerValue;
use varna_core::screening::NewScreening;
use varna_core::store::{FirstRun, NewAccount, Role, Store};

const PASS: &str = "a long test passphrase";

#[test]
fn screening_pdf_writes_a_new_pdf_a_file_for_those_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut admin, _) = Store::create_first_run(
        dir.path(),
        FirstRun {
            admin_username: "admin",
            admin_display_name: "Ada Admin",
            passphrase: PASS,
            unit_code: "IFO",
            unit_name: "IFO",
        },
    )
    .unwrap();
    admin
        .sync_instruments(&varna_core::instrument::shipped::shipped())
        .unwrap();
    let unit = admin.actor().unit_ids[0].clone();
    for (username, name) in [("hanna", "Hanna"), ("hilda", "Hilda")] {
        admin
            .add_account(NewAccount {
                username,
                display_name: name,
                role: Role::Handlaggare,
                unit_ids: vec![unit.clone()],
                passphrase: PASS,
            })
            .unwrap();
    }
    admin.lock();
    let mut hanna = Store::unlock(dir.path(), "hanna", PASS).unwrap();
    let doc = hanna
        .start_screening(NewScreening {
            instrument_id: "freda-kortfragor-stil".into(),
            instrument_version: None,
            unit_id: unit,
            person_role: PersonRole::Valdsutsatt,
            conducted_on: chrono::Local::now().date_naive(),
            case_ref: None,
            follows: None,
        })
        .unwrap();
    for q in [
        "fysiskt_vald",
        "hot",
        "kontroll",
        "sexuellt_vald",
        "radsla_nu",
    ] {
        hanna
            .save_answer(&doc.id, q, Some(AnswerValue::YesNo(false)))
            .unwrap();
    }
    hanna.complete_screening(&doc.id).unwrap();
    hanna.lock();

    let d = dir.path().to_str().unwrap();
    let out = tempfile::tempdir().unwrap();
    let pdf = out.path().join("freda.pdf");
    let run = |who: &str, to: &std::path::Path| {
        varna_raw(
            &[
                "screening",
                "pdf",
                "--data-dir",
                d,
                "--as",
                who,
                "--id",
                &doc.id,
                "--out",
                to.to_str().unwrap(),
            ],
            &format!("{PASS}\n"),
        )
    };

    let ok = run("hanna", &pdf);
    assert!(ok.status.success(), "{ok:?}");
    assert!(String::from_utf8_lossy(&ok.stdout).contains("not encrypted"));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-1.7"));
    assert!(String::from_utf8_lossy(&bytes).contains("<pdfaid:part>2</pdfaid:part>"));

    // Never over an existing file.
    let again = run("hanna", &pdf);
    assert_eq!(again.status.code(), Some(2), "{again:?}");
    assert_eq!(std::fs::read(&pdf).unwrap(), bytes);

    // Another handläggare of the unit is refused; an administratör may.
    let other = out.path().join("hilda.pdf");
    let refused = run("hilda", &other);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(!other.exists());
    assert!(run("admin", &out.path().join("admin.pdf")).status.success());

    let admin = Store::unlock(dir.path(), "admin", PASS).unwrap();
    let saves: Vec<_> = admin
        .audit_list(&AuditFilter {
            event: Some("document_save".into()),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|e| (e.actor_username.unwrap_or_default(), e.object_id))
        .collect();
    assert_eq!(
        saves.len(),
        2,
        "one row per file written, none for refusals: {saves:?}"
    );
    assert!(saves.iter().all(|(_, id)| *id == doc.id));
}
