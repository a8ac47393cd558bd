//! `varna retention` (gallring) as a real process, with more screenings due than one batch:
//! the unlock removes the first batch and the CLI drives the rest before the command runs,
//! with a progress bar that is drawn only on a terminal, so scripts (and this test) see clean
//! output; `retention run` prints its totals.

mod common;
use common::*;

use varna_core::audit::AuditFilter;
use varna_core::export::PersonRole;
use varna_core::instrument;
use varna_core::retention::{RetentionSettings, BATCH_SIZE};
use varna_core::screening::NewScreening;
use varna_core::store::{NewAccount, Role, Store};

const HANNA_PASS: &str = "hanna passphrase 1";

#[test]
fn more_than_a_batch_due_at_unlock_is_all_removed_with_clean_output() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let d = dir.path().to_str().unwrap();
    let mut admin = Store::unlock(dir.path(), "admin", ADMIN_PASS).unwrap();
    admin
        .sync_instruments(&instrument::shipped::shipped())
        .unwrap();
    let unit = admin.actor().unit_ids[0].clone();
    admin
        .add_account(NewAccount {
            username: "hanna",
            display_name: "Hanna",
            role: Role::Handlaggare,
            unit_ids: vec![unit.clone()],
            passphrase: HANNA_PASS,
        })
        .unwrap();
    admin.lock();
    // More abandoned drafts than one batch removes.
    let n = BATCH_SIZE + 5;
    let mut hanna = Store::unlock(dir.path(), "hanna", HANNA_PASS).unwrap();
    for _ in 0..n {
        hanna
            .start_screening(NewScreening {
                instrument_id: "freda-kortfragor-stil".into(),
                instrument_version: None,
                unit_id: unit.clone(),
                person_role: PersonRole::Valdsutsatt,
                conducted_on: chrono::Local::now().date_naive(),
                case_ref: None,
                follows: None,
            })
            .unwrap();
    }
    hanna
        .__test_raw_sql("UPDATE screenings SET updated_at = '2020-01-01T00:00:00Z'")
        .unwrap();
    hanna.lock();
    let set = ok(&admin_cmd(
        d,
        &[
            "retention",
            "set",
            "--completed-months",
            "0",
            "--draft-days",
            "30",
        ],
    ));
    // The unlock of `retention set` ran before the periods were set: nothing removed yet.
    assert_eq!(
        set,
        "Retention: completed screenings after 0 months, drafts after 30 days (0 = off).\n"
    );

    // The next unlock removes one batch and the CLI the rest, before the preview runs.
    let preview = admin_cmd(d, &["retention", "preview"]);
    assert_eq!(ok(&preview), "0 screenings due for removal.\n");
    let err = String::from_utf8(preview.stderr.clone()).unwrap();
    assert!(!err.contains('\u{1b}'), "no terminal codes: {err:?}");
    assert!(!err.contains("Retention"), "no bar off a terminal: {err:?}");

    let run = admin_cmd(d, &["retention", "run"]);
    assert_eq!(ok(&run), "Removed 0 completed screenings and 0 drafts.\n");
    assert!(!String::from_utf8_lossy(&run.stderr).contains('\u{1b}'));

    let admin = Store::unlock(dir.path(), "admin", ADMIN_PASS).unwrap();
    let runs = admin
        .audit_list(&AuditFilter {
            event: Some("retention_run".into()),
            ..Default::default()
        })
        .unwrap();
    // Newest first: the run on demand, then the run at unlock with every draft.
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert!(
        runs[1]
            .detail
            .starts_with(&format!("at unlock: 0 completed, {n} drafts removed")),
        "{runs:?}"
    );
    assert!(runs[1].detail.contains("in 2 batches"), "{runs:?}");
    assert!(runs[0]
        .detail
        .starts_with("on demand: 0 completed, 0 drafts"));
    assert_eq!(
        admin.retention_settings().unwrap(),
        RetentionSettings {
            completed_months: 0,
            draft_days: 30
        }
    );
    assert!(admin.verify_audit().unwrap().ok);
}

fn admin_cmd(d: &str, args: &[&str]) -> std::process::Output {
    admin(d, args, &[])
}
