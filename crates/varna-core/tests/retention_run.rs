//! Retention (gallring): exactly the expired screenings go, the counts stay, the access log
//! stays intact with a row per removed screening, and nothing of the removed content is left
//! in any byte of any file of the data folder. Screenings are aged through the hidden test
//! hook `Store::__test_raw_sql` (their timestamps are set back).

mod screening_support;

use std::path::Path;
use std::time::Duration;

use screening_support::*;
use varna_core::audit::AuditFilter;
use varna_core::export::YearMonth;
use varna_core::retention::{RetentionProgress, RetentionSettings};
use varna_core::screening::NewScreening;
use varna_core::store::Store;
use varna_core::ErrorCode;

const GONE: [&str; 4] = [
    "KANARIEGALLRADCASE01",
    "KANARIEGALLRADNOTE02",
    "KANARIEGALLRADTILLAGG03",
    "KANARIEGALLRADUTKAST04",
];
const KEPT: &str = "KANARIEBEHALLEN05";

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Every byte of every file in the folder: no canary in UTF-8, lower case or UTF-16.
fn assert_no_canary(dir: &Path) {
    let mut all = Vec::new();
    files(dir, &mut all);
    assert!(!all.is_empty());
    for f in all {
        let bytes = std::fs::read(&f).unwrap();
        for c in GONE {
            for needle in [
                c.as_bytes().to_vec(),
                c.to_lowercase().into_bytes(),
                utf16(c),
            ] {
                assert!(!contains(&bytes, &needle), "{c} found in {}", f.display());
            }
        }
    }
}

/// After a run: deletion overwrote with zeros (`secure_delete`, which also zeroes every freed
/// page) and the write-ahead log was checkpointed and truncated, so no older image of a
/// removed screening's pages is left in the log (the pages' zeroed images are in the file).
fn assert_wal_truncated(store: &Store, dir: &Path) {
    assert_eq!(
        store
            .__test_query_texts("SELECT CAST(secure_delete AS TEXT) FROM pragma_secure_delete")
            .unwrap(),
        ["1"]
    );
    let mut all = Vec::new();
    files(dir, &mut all);
    let wal: Vec<_> = all
        .iter()
        .filter(|p| p.to_string_lossy().ends_with("-wal"))
        .collect();
    for w in wal {
        assert_eq!(std::fs::metadata(w).unwrap().len(), 0, "{}", w.display());
    }
}

/// The size of the store's write-ahead log.
fn wal_len(dir: &Path) -> u64 {
    let mut all = Vec::new();
    files(dir, &mut all);
    all.iter()
        .filter(|p| p.to_string_lossy().ends_with("-wal"))
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum()
}

/// The log is checkpointed at most a set time after the removals it covers: with that time
/// zero, a checkpoint step follows every batch, and after each the log is empty.
#[test]
fn a_run_checkpoints_the_log_as_often_as_set() {
    let (w, admin) = world();
    admin.lock();
    old_screenings(&w, 4, 2);
    let mut admin = w.unlock("admin");
    set_periods(&mut admin);
    let mut run = admin
        .retention_begin(false)
        .unwrap()
        .with_batch_size(2)
        .with_checkpoint_every(Duration::ZERO);
    let mut seen = Vec::new();
    while !run.is_finished() {
        let before = run.progress().done;
        let p = admin.retention_step(&mut run).unwrap();
        seen.push(p.done);
        if p.done == before {
            assert_eq!(wal_len(w.path()), 0, "a checkpoint step after {before}");
        } else {
            assert!(wal_len(w.path()) > 0, "a batch step to {}", p.done);
        }
    }
    assert_eq!(seen, [2, 2, 4, 4, 6, 6]);
    assert_wal_truncated(&admin, w.path());
    assert_no_canary(w.path());
}

fn tally(store: &Store) -> Vec<String> {
    let from: YearMonth = "2000-01".parse().unwrap();
    let to: YearMonth = "2099-12".parse().unwrap();
    store
        .tally_rows(from, to)
        .unwrap()
        .into_iter()
        .map(|r| format!("{r:?}"))
        .collect()
}

fn count(store: &Store, measure: &str) -> u64 {
    let from: YearMonth = "2000-01".parse().unwrap();
    let to: YearMonth = "2099-12".parse().unwrap();
    store
        .tally_rows(from, to)
        .unwrap()
        .into_iter()
        .filter(|r| r.measure.to_string() == measure)
        .map(|r| r.count)
        .sum()
}

#[test]
fn retention_removes_exactly_the_expired_screenings_and_keeps_counts_and_log() {
    let (w, admin) = world();
    admin.lock();
    let mut s = w.unlock("hanna");
    // Old completed screening with content in every free-text field: goes.
    let old = s
        .start_screening(NewScreening {
            case_ref: Some(GONE[0].into()),
            ..new_screening("freda-kortfragor-stil", &w.ifo)
        })
        .unwrap();
    answer_freda(&mut s, &old.id, true);
    s.save_note(&old.id, "hot", GONE[1]).unwrap();
    s.complete_screening(&old.id).unwrap();
    s.add_addendum(&old.id, GONE[2]).unwrap();
    // Recent completed screening: stays.
    let recent = s
        .start_screening(NewScreening {
            case_ref: Some(KEPT.into()),
            ..new_screening("freda-kortfragor-stil", &w.ifo)
        })
        .unwrap();
    answer_freda(&mut s, &recent.id, false);
    s.complete_screening(&recent.id).unwrap();
    // Abandoned draft: goes. Fresh draft: stays.
    let abandoned = start(&mut s, "freda-kortfragor-stil", &w.ifo);
    s.save_note(&abandoned.id, "hot", GONE[3]).unwrap();
    let fresh = start(&mut s, "freda-kortfragor-stil", &w.ifo);
    // Age them (a completed screening 13 months ago, a draft untouched for 40 days).
    s.__test_raw_sql(&format!(
        "UPDATE screenings SET completed_at = '2020-01-01T00:00:00Z' WHERE id = '{}';
         UPDATE screenings SET updated_at = '2020-01-01T00:00:00Z' WHERE id = '{}';
         UPDATE screenings SET completed_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-11 months')
             WHERE id = '{}';
         UPDATE screenings SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-29 days')
             WHERE id = '{}';",
        old.id, abandoned.id, recent.id, fresh.id
    ))
    .unwrap();
    assert_eq!(code(s.retention_preview()), ErrorCode::Forbidden);
    assert_eq!(code(s.retention_run(false)), ErrorCode::Forbidden);
    s.lock();

    let mut admin = w.unlock("admin");
    // Off by default: nothing is due.
    assert_eq!(
        admin.retention_settings().unwrap(),
        RetentionSettings::default()
    );
    assert!(admin.retention_preview().unwrap().is_empty());
    let before = tally(&admin);
    let discarded_before = count(&admin, "discarded");
    admin
        .set_retention_settings(RetentionSettings {
            completed_months: 12,
            draft_days: 30,
        })
        .unwrap();
    let preview = admin.retention_preview().unwrap();
    let ids: Vec<&str> = preview.iter().map(|i| i.screening_id.as_str()).collect();
    assert_eq!(ids, [old.id.as_str(), abandoned.id.as_str()]);
    assert_eq!(preview[0].status, "completed");
    assert_eq!(preview[0].unit_code, "IFO");
    assert_eq!(preview[1].status, "draft");
    assert!(!format!("{preview:?}").contains("KANARIE"));

    let report = admin.retention_run(false).unwrap();
    assert_eq!((report.completed_removed, report.drafts_removed), (1, 1));
    assert!(admin.retention_preview().unwrap().is_empty());
    // Counts: unchanged except that the removed draft counts as discarded.
    let after = tally(&admin);
    assert_eq!(count(&admin, "discarded"), discarded_before + 1);
    let changed: Vec<_> = after.iter().filter(|r| !before.contains(r)).collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(
        changed[0].to_lowercase().contains("discarded"),
        "{changed:?}"
    );
    assert_eq!(
        count(&admin, "started"),
        count(&admin, "completed") + count(&admin, "discarded") + 1,
        "started = completed + discarded + open drafts"
    );
    // The log is intact and has the retention rows, without content.
    let verify = admin.verify_audit().unwrap();
    assert!(verify.ok, "{verify:?}");
    let deleted = admin
        .audit_list(&AuditFilter {
            event: Some("retention_delete".into()),
            ..Default::default()
        })
        .unwrap();
    let mut deleted_ids: Vec<&str> = deleted.iter().map(|e| e.object_id.as_str()).collect();
    deleted_ids.sort();
    let mut expected = vec![old.id.as_str(), abandoned.id.as_str()];
    expected.sort();
    assert_eq!(deleted_ids, expected);
    let all = admin.audit_list(&AuditFilter::default()).unwrap();
    assert!(all.iter().any(|e| e.event == "retention_run"));
    assert!(all
        .iter()
        .any(|e| e.object_id == old.id && e.event == "screening_complete"));
    assert!(!format!("{all:?}").contains("KANARIE"));
    // Nothing of the removed screenings is left in the decrypted database either.
    for table in [
        "screenings",
        "screening_answers",
        "screening_notes",
        "screening_addenda",
    ] {
        let n = admin
            .__test_query_texts(&format!(
                "SELECT CAST(count(*) AS TEXT) FROM {table} WHERE {} IN ('{}', '{}')",
                if table == "screenings" {
                    "id"
                } else {
                    "screening_id"
                },
                old.id,
                abandoned.id
            ))
            .unwrap();
        assert_eq!(n, ["0"], "{table}");
    }
    assert_wal_truncated(&admin, w.path());
    assert_no_canary(w.path());
    admin.lock();
    assert_no_canary(w.path());

    let mut s = w.unlock("hanna");
    assert_eq!(code(s.open_screening(&old.id)), ErrorCode::NotFound);
    assert_eq!(code(s.open_screening(&abandoned.id)), ErrorCode::NotFound);
    assert_eq!(
        s.open_screening(&recent.id).unwrap().case_ref.as_deref(),
        Some(KEPT)
    );
    s.open_screening(&fresh.id).unwrap();
}

#[test]
fn retention_runs_at_unlock_when_configured_and_validates_settings() {
    let (w, mut admin) = world();
    assert_eq!(
        code(admin.set_retention_settings(RetentionSettings {
            completed_months: 241,
            draft_days: 0
        })),
        ErrorCode::InvalidInput
    );
    admin
        .set_retention_settings(RetentionSettings {
            completed_months: 0,
            draft_days: 7,
        })
        .unwrap();
    admin.lock();
    let mut s = w.unlock("hanna");
    let draft = start(&mut s, "freda-kortfragor-stil", &w.ifo);
    s.__test_raw_sql(&format!(
        "UPDATE screenings SET updated_at = '2020-01-01T00:00:00Z' WHERE id = '{}'",
        draft.id
    ))
    .unwrap();
    s.lock();
    let mut s = w.unlock("hanna");
    assert_eq!(code(s.open_screening(&draft.id)), ErrorCode::NotFound);
    s.lock();
    let arne = w.unlock("arne");
    let runs = arne
        .audit_list(&AuditFilter {
            event: Some("retention_run".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert!(runs[0]
        .detail
        .starts_with("at unlock: 0 completed, 1 drafts"));
    assert!(arne.verify_audit().unwrap().ok);
}

/// A completed screening of hanna's, completed (for retention) long ago.
fn old_completed(s: &mut Store, w: &World) -> String {
    let doc = start(s, "freda-kortfragor-stil", &w.ifo);
    answer_freda(s, &doc.id, false);
    s.complete_screening(&doc.id).unwrap();
    s.__test_raw_sql(&format!(
        "UPDATE screenings SET completed_at = '2020-01-01T00:00:00Z' WHERE id = '{}'",
        doc.id
    ))
    .unwrap();
    doc.id
}

fn exists(store: &Store, id: &str) -> bool {
    store
        .__test_query_texts(&format!("SELECT id FROM screenings WHERE id = '{id}'"))
        .unwrap()
        .len()
        == 1
}

fn events(store: &Store, event: &str) -> Vec<varna_core::audit::AuditEntry> {
    store
        .audit_list(&AuditFilter {
            event: Some(event.into()),
            ..Default::default()
        })
        .unwrap()
}

/// Sets the last time Värna saw to `days` days before now: to the store, the clock has
/// jumped `days` days ahead since.
fn last_seen_days_ago(store: &Store, days: u32) {
    store
        .__test_raw_sql(&format!(
            "INSERT INTO settings (key, value)
             VALUES ('retention_last_seen', strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-{days} days'))
             ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        ))
        .unwrap();
}

#[test]
fn a_clock_jumped_ahead_past_the_margin_holds_retention_until_an_administrator_confirms() {
    use varna_core::retention::{ClockProblem, CLOCK_JUMP_MARGIN_DAYS};
    assert_eq!(CLOCK_JUMP_MARGIN_DAYS, 31);
    let (w, mut admin) = world();
    admin
        .set_retention_settings(RetentionSettings {
            completed_months: 12,
            draft_days: 0,
        })
        .unwrap();
    // Nothing is held while the clock looks right.
    assert_eq!(admin.retention_hold().unwrap(), None);
    assert_eq!(code(admin.retention_confirm()), ErrorCode::Conflict);
    admin.lock();
    let mut s = w.unlock("hanna");
    let id = old_completed(&mut s, &w);
    // The clock jumped 40 days past the last time Värna saw.
    last_seen_days_ago(&s, 40);
    s.lock();

    // The unlock deletes nothing; the hold is logged with its reason.
    let s = w.unlock("hanna");
    assert!(exists(&s, &id));
    s.lock();
    let mut admin = w.unlock("admin");
    assert!(exists(&admin, &id));
    assert!(events(&admin, "retention_delete").is_empty());
    assert!(events(&admin, "retention_run").is_empty());
    let held = events(&admin, "retention_held");
    // hanna's unlock and the administratör's own unlock were both held.
    assert_eq!(held.len(), 2, "{held:?}");
    let hanna_id = held[1].actor_id.clone().unwrap();
    assert!(
        held[1].detail.contains("1 screenings not removed"),
        "{held:?}"
    );
    assert!(
        held[1]
            .detail
            .contains("more than 31 days past the last time"),
        "{held:?}"
    );

    // The administratör sees the held run, with its reason and what it would remove.
    let hold = admin.retention_hold().unwrap().expect("a held run");
    assert_eq!(hold.warning.problem, ClockProblem::JumpedAhead);
    assert!(hold.held_at.is_some());
    let ids: Vec<&str> = hold
        .preview
        .iter()
        .map(|i| i.screening_id.as_str())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    // A run on demand refuses without an explicit confirmation; others may not confirm.
    assert_eq!(code(admin.retention_run(false)), ErrorCode::Conflict);
    assert!(exists(&admin, &id));
    admin.lock();
    let mut arne = w.unlock("arne");
    assert_eq!(code(arne.retention_hold()), ErrorCode::Forbidden);
    assert_eq!(code(arne.retention_confirm()), ErrorCode::Forbidden);
    assert_eq!(code(arne.retention_run(true)), ErrorCode::Forbidden);
    arne.lock();

    // Confirmed: it runs, and who confirmed is logged.
    let mut admin = w.unlock("admin");
    let report = admin.retention_confirm().unwrap();
    assert_eq!(report.completed_removed, 1);
    assert!(!exists(&admin, &id));
    let confirm = events(&admin, "retention_confirm");
    assert_eq!(confirm.len(), 1);
    assert_eq!(
        confirm[0].actor_id.as_deref(),
        Some(admin.actor().id.as_str())
    );
    assert!(confirm[0].detail.contains("31 days"), "{confirm:?}");
    assert_eq!(events(&admin, "retention_delete").len(), 1);
    assert!(events(&admin, "retention_run")[0]
        .detail
        .starts_with("confirmed: 1 completed"));
    assert_eq!(admin.retention_hold().unwrap(), None);
    assert!(admin.verify_audit().unwrap().ok);
    admin.lock();

    // With the clock accepted, the run at unlock removes what is due again, unheld.
    let mut s = w.unlock("hanna");
    let next = old_completed(&mut s, &w);
    s.lock();
    let s = w.unlock("hanna");
    assert!(!exists(&s, &next));
    s.lock();
    let admin = w.unlock("admin");
    // No new hold: the four are hanna's, the administratör's, arne's and the
    // administratör's unlocks before the confirmation, each with its actor.
    let held = events(&admin, "retention_held");
    assert_eq!(held.len(), 4, "{held:?}");
    assert!(held.iter().all(|e| e.actor_id.is_some()));
    assert!(held
        .iter()
        .any(|e| e.actor_id.as_deref() == Some(hanna_id.as_str())));
    assert_eq!(events(&admin, "retention_delete").len(), 2);
}

#[test]
fn a_jump_within_the_margin_still_removes_at_unlock() {
    let (w, mut admin) = world();
    admin
        .set_retention_settings(RetentionSettings {
            completed_months: 12,
            draft_days: 0,
        })
        .unwrap();
    admin.lock();
    let mut s = w.unlock("hanna");
    let id = old_completed(&mut s, &w);
    last_seen_days_ago(&s, 30);
    s.lock();
    let s = w.unlock("hanna");
    assert!(!exists(&s, &id));
    s.lock();
    let admin = w.unlock("admin");
    assert!(events(&admin, "retention_held").is_empty());
    assert_eq!(events(&admin, "retention_delete").len(), 1);
}

#[test]
fn a_clock_behind_the_newest_stored_time_removes_nothing_until_confirmed() {
    use varna_core::retention::ClockProblem;
    let (w, mut admin) = world();
    admin
        .set_retention_settings(RetentionSettings {
            completed_months: 12,
            draft_days: 30,
        })
        .unwrap();
    admin.lock();
    let mut s = w.unlock("hanna");
    let id = old_completed(&mut s, &w);
    // A draft last changed two days from now: the clock is behind what Värna stored.
    let draft = start(&mut s, "freda-kortfragor-stil", &w.ifo);
    s.__test_raw_sql(&format!(
        "UPDATE screenings SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+2 days')
         WHERE id = '{}'",
        draft.id
    ))
    .unwrap();
    s.lock();
    let s = w.unlock("hanna");
    assert!(exists(&s, &id) && exists(&s, &draft.id));
    s.lock();

    let mut admin = w.unlock("admin");
    assert!(exists(&admin, &id));
    let held = events(&admin, "retention_held");
    assert!(!held.is_empty());
    assert!(
        held[0]
            .detail
            .contains("earlier than the newest stored time"),
        "{held:?}"
    );
    let hold = admin.retention_hold().unwrap().expect("a held run");
    assert_eq!(hold.warning.problem, ClockProblem::Behind);
    assert_eq!(
        hold.current.as_ref().map(|c| c.problem),
        Some(ClockProblem::Behind)
    );
    assert_eq!(code(admin.retention_run(false)), ErrorCode::Conflict);
    assert!(exists(&admin, &id));
    // An explicit confirmation on demand runs it and is logged.
    let report = admin.retention_run(true).unwrap();
    assert_eq!((report.completed_removed, report.drafts_removed), (1, 0));
    assert!(!exists(&admin, &id) && exists(&admin, &draft.id));
    let confirm = events(&admin, "retention_confirm");
    assert_eq!(confirm.len(), 1);
    assert!(confirm[0].detail.contains("earlier than"), "{confirm:?}");
    assert!(admin.verify_audit().unwrap().ok);
}

fn old_draft(s: &mut Store, w: &World, note: &str) -> String {
    let doc = start(s, "freda-kortfragor-stil", &w.ifo);
    s.save_note(&doc.id, "hot", note).unwrap();
    s.__test_raw_sql(&format!(
        "UPDATE screenings SET updated_at = '2020-01-01T00:00:00Z' WHERE id = '{}'",
        doc.id
    ))
    .unwrap();
    doc.id
}

/// Hanna's old screenings: `completed` completed long ago (the first with a canary case
/// reference and note) and `drafts` abandoned drafts (with canary notes); retention is set
/// afterwards (12 months, 30 days), so nothing goes at these unlocks.
fn old_screenings(w: &World, completed: usize, drafts: usize) -> Vec<String> {
    let mut s = w.unlock("hanna");
    let mut ids = Vec::new();
    for i in 0..completed {
        let doc = s
            .start_screening(NewScreening {
                case_ref: (i == 0).then(|| GONE[0].to_owned()),
                ..new_screening("freda-kortfragor-stil", &w.ifo)
            })
            .unwrap();
        answer_freda(&mut s, &doc.id, i % 2 == 0);
        if i == 0 {
            s.save_note(&doc.id, "hot", GONE[1]).unwrap();
        }
        s.complete_screening(&doc.id).unwrap();
        if i == 0 {
            s.add_addendum(&doc.id, GONE[2]).unwrap();
        }
        s.__test_raw_sql(&format!(
            "UPDATE screenings SET completed_at = '2020-01-0{}T00:00:00Z' WHERE id = '{}'",
            1 + i % 9,
            doc.id
        ))
        .unwrap();
        ids.push(doc.id);
    }
    for _ in 0..drafts {
        ids.push(old_draft(&mut s, w, GONE[3]));
    }
    s.lock();
    ids
}

fn set_periods(admin: &mut Store) {
    admin
        .set_retention_settings(RetentionSettings {
            completed_months: 12,
            draft_days: 30,
        })
        .unwrap();
}

/// A run in batches: each batch removes at most its size in its own transaction with a
/// `retention_delete` row per screening; the `retention_run` row with the totals comes with
/// the last batch; the run ends with a step that checkpoints the log; progress counts up to
/// the total; the log stays intact, the removed drafts count as discarded, and nothing of
/// the removed content is left in any file.
#[test]
fn a_run_in_batches_removes_everything_with_one_summary_and_progress() {
    let (w, admin) = world();
    admin.lock();
    let ids = old_screenings(&w, 7, 2);
    let mut admin = w.unlock("admin");
    let discarded_before = count(&admin, "discarded");
    set_periods(&mut admin);
    let mut run = admin
        .retention_begin(false)
        .unwrap()
        .with_batch_size(3)
        .with_checkpoint_every(Duration::from_secs(3600));
    assert_eq!(run.progress(), RetentionProgress { done: 0, total: 9 });
    let mut seen = Vec::new();
    while !run.is_finished() {
        let p = admin.retention_step(&mut run).unwrap();
        seen.push(p.done);
        let deleted = events(&admin, "retention_delete").len();
        assert_eq!(deleted as u32, p.done, "each batch logs what it removed");
        // The summary only with the last batch.
        assert_eq!(
            events(&admin, "retention_run").len(),
            usize::from(p.done == 9)
        );
        assert!(admin.verify_audit().unwrap().ok);
        if p.done == 9 && !run.is_finished() {
            // Removed, and the log not yet checkpointed: the step that does it ends the run.
            assert!(wal_len(w.path()) > 0);
        }
    }
    // Three batches, then the checkpoint.
    assert_eq!(seen, [3, 6, 9, 9]);
    // A finished run does nothing more.
    assert_eq!(admin.retention_step(&mut run).unwrap().done, 9);
    let report = run.into_report();
    assert_eq!((report.completed_removed, report.drafts_removed), (7, 2));
    assert_eq!(report.removed.len(), 9);
    let runs = events(&admin, "retention_run");
    assert_eq!(runs.len(), 1);
    assert!(
        runs[0]
            .detail
            .starts_with("on demand: 7 completed, 2 drafts removed"),
        "{runs:?}"
    );
    assert!(
        runs[0].detail.contains("9 due at the start, in 3 batches"),
        "{runs:?}"
    );
    let mut logged: Vec<String> = events(&admin, "retention_delete")
        .into_iter()
        .map(|e| e.object_id)
        .collect();
    logged.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(logged, expected);
    assert!(ids.iter().all(|id| !exists(&admin, id)));
    assert_eq!(count(&admin, "discarded"), discarded_before + 2);
    assert!(admin.verify_audit().unwrap().ok);
    assert_wal_truncated(&admin, w.path());
    assert_no_canary(w.path());
    admin.lock();
    assert_no_canary(w.path());
}

/// The convenience that drives a whole run in one call reports progress before the first
/// batch and after each.
#[test]
fn a_run_reports_progress_before_and_after_each_batch() {
    let (w, admin) = world();
    admin.lock();
    let ids = old_screenings(&w, 3, 1);
    let mut admin = w.unlock("admin");
    set_periods(&mut admin);
    let mut seen = Vec::new();
    let report = admin
        .retention_run_with(false, |p| seen.push((p.done, p.total)))
        .unwrap();
    // before, after the one batch, after the checkpoint that ends the run
    assert_eq!(seen, [(0, 4), (4, 4), (4, 4)]);
    assert_eq!((report.completed_removed, report.drafts_removed), (3, 1));
    assert!(ids.iter().all(|id| !exists(&admin, id)));
    // Nothing due: one empty batch, still one summary row.
    let mut seen = Vec::new();
    let report = admin
        .retention_run_with(false, |p| seen.push((p.done, p.total)))
        .unwrap();
    assert_eq!(seen, [(0, 0), (0, 0)]);
    assert_eq!(report, Default::default());
    assert_eq!(events(&admin, "retention_run").len(), 2);
}

/// A run that stops after its first batch (the app closed, the computer crashed) leaves a
/// consistent store: the first batch is removed and logged, the log is intact, no summary
/// row claims more than was done, and the rest is still due and goes at the next run (here
/// the run at the next unlock).
#[test]
fn a_run_stopped_after_one_batch_leaves_a_consistent_store() {
    let (w, admin) = world();
    admin.lock();
    let ids = old_screenings(&w, 5, 0);
    let mut admin = w.unlock("admin");
    set_periods(&mut admin);
    let mut run = admin.retention_begin(false).unwrap().with_batch_size(2);
    assert_eq!(admin.retention_step(&mut run).unwrap().done, 2);
    assert!(!run.is_finished());
    // Stopped: the store goes away without locking and without the rest of the run.
    drop(run);
    drop(admin);

    let admin = w.unlock("admin");
    assert!(admin.verify_audit().unwrap().ok);
    assert!(ids.iter().all(|id| !exists(&admin, id)));
    let mut logged: Vec<String> = events(&admin, "retention_delete")
        .into_iter()
        .map(|e| e.object_id)
        .collect();
    logged.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(logged, expected, "each screening removed and logged once");
    let runs = events(&admin, "retention_run");
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert!(
        runs[0]
            .detail
            .starts_with("at unlock: 3 completed, 0 drafts"),
        "{runs:?}"
    );
    assert_no_canary(w.path());
}

/// Between batches the store serves others: a draft that was changed meanwhile is no longer
/// abandoned and is passed over (but counts as done for the progress); a screening already
/// gone is passed over too.
#[test]
fn a_run_passes_over_what_stopped_being_due_between_batches() {
    let (w, admin) = world();
    admin.lock();
    let ids = old_screenings(&w, 2, 2);
    let mut admin = w.unlock("admin");
    set_periods(&mut admin);
    let mut run = admin
        .retention_begin(false)
        .unwrap()
        .with_batch_size(2)
        .with_checkpoint_every(Duration::from_secs(3600));
    // The plan: the two completed, then the two drafts.
    admin.retention_step(&mut run).unwrap();
    admin
        .__test_raw_sql(&format!(
            "UPDATE screenings SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
             WHERE id = '{}'",
            ids[2]
        ))
        .unwrap();
    let p = admin.retention_step(&mut run).unwrap();
    assert_eq!(p, RetentionProgress { done: 4, total: 4 });
    // the checkpoint ends it
    assert!(!run.is_finished());
    admin.retention_step(&mut run).unwrap();
    assert!(run.is_finished());
    let report = run.into_report();
    assert_eq!((report.completed_removed, report.drafts_removed), (2, 1));
    assert!(exists(&admin, &ids[2]));
    assert!(!exists(&admin, &ids[3]));
    assert_eq!(events(&admin, "retention_delete").len(), 3);
    assert!(events(&admin, "retention_run")[0]
        .detail
        .starts_with("on demand: 2 completed, 1 drafts removed"));
}

/// A run belongs to the sign-in that began it: another account's store refuses to go on
/// with it.
#[test]
fn a_run_is_driven_only_by_the_sign_in_that_began_it() {
    let (w, admin) = world();
    admin.lock();
    old_screenings(&w, 2, 0);
    let mut admin = w.unlock("admin");
    set_periods(&mut admin);
    let mut run = admin.retention_begin(false).unwrap().with_batch_size(1);
    admin.lock();
    let mut arne = w.unlock("arne");
    assert_eq!(code(arne.retention_step(&mut run)), ErrorCode::Conflict);
    assert_eq!(code(arne.retention_begin(false)), ErrorCode::Forbidden);
    assert_eq!(code(arne.retention_begin_confirmed()), ErrorCode::Forbidden);
}
