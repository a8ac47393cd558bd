//! Benchmark 11: gallring at scale (issue 20, measure 5): a retention run that removes
//! 10,000 expired screenings from the ten-year store in < 10 s, and never blocks an autosave
//! for more than 100 ms meanwhile.
//!
//! On a copy of benchmark 7's ten-year store (cached; a fresh copy per run, since gallring
//! deletes), 10,000 completed screenings are set back to 2020 (bench hook
//! `Store::bench_backdate_completed`) and retention set to 12 months. Then the handläggare
//! unlocks, as in the app: `Store::unlock` removes the run's first batch itself and leaves the
//! rest ([`Store::take_retention_at_unlock`]), which one thread drives batch by batch the way
//! the shell does (`drive_retention`): the store in a fair mutex (as the shell's
//! `AppState`), locked for one step, released
//! with `retention::BATCH_PAUSE` between batches. Another thread autosaves an answer of a
//! draft (`save_answer`) every 20 ms through the same mutex; its latency counts from the
//! moment it asks for the lock. Baseline, in the same run on the same store afterwards: the
//! same autosaves with no gallring running.
//!
//! The copy gets an anchor folder of its own (`VARNA_ANCHOR_DIR`, as on a new computer): it
//! shares the cached store's id, and the outside anchor an earlier run's copy advanced would
//! flag it as rolled back.
//!
//! The rest is driven with the core's batch sizes (each batch sized to take about
//! `retention::BATCH_TARGET`); `VARNA_BENCH_GALLRING_BATCH=N` fixes them at N instead (the
//! unlock's own first batch keeps `retention::BATCH_SIZE`), for comparing sizes.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::FairMutex;

use varna_core::export::PersonRole;
use varna_core::instrument::{self, AnswerValue};
use varna_core::retention::{RetentionSettings, BATCH_PAUSE, BATCH_TARGET};
use varna_core::screening::NewScreening;
use varna_core::store::Store;

use crate::harness::{fmt_dur, median, Report, Row};
use crate::{die, ok, ADMIN, PASS, WORKER};

/// Screenings that expire.
const EXPIRED: u64 = 10_000;
/// Time between two autosaves.
const AUTOSAVE_EVERY: Duration = Duration::from_millis(20);

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| die(&format!("{e}")));
    for e in std::fs::read_dir(from).unwrap_or_else(|e| die(&format!("{e}"))) {
        let e = e.unwrap_or_else(|e| die(&format!("{e}")));
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap_or_else(|e| die(&format!("copying: {e}")));
        }
    }
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort();
    let rank = ((v.len() as f64) * p).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

/// Autosaves every [`AUTOSAVE_EVERY`] through `store` until `stop`, returning each one's
/// latency from asking for the lock to the answer being saved.
fn autosaves(
    store: &FairMutex<Store>,
    doc: &str,
    key: &str,
    stop: &AtomicBool,
    max: usize,
) -> Vec<Duration> {
    let mut out = Vec::new();
    let mut value = false;
    while !stop.load(Ordering::Acquire) && out.len() < max {
        value = !value;
        let t = Instant::now();
        {
            let mut s = store.lock();
            ok(
                s.save_answer(doc, key, Some(AnswerValue::YesNo(value))),
                "autosave",
            );
        }
        out.push(t.elapsed());
        std::thread::sleep(AUTOSAVE_EVERY);
    }
    out
}

pub fn bench_gallring(work: &Path, history: u64, report: &mut Report) {
    let (src, seeded) = crate::history_store(work, history);
    let tmp = tempfile::Builder::new()
        .prefix("gallring-")
        .tempdir_in(work)
        .unwrap_or_else(|e| die(&format!("temp dir: {e}")));
    let dir = tmp.path().join("store");
    let t = Instant::now();
    copy_dir(&src, &dir);
    let copy_t = t.elapsed();
    // A copy of the cached store shares its store id, so the anchor outside the data folder
    // that an earlier run's copy advanced would (rightly) flag this copy as rolled back: the
    // copy gets an anchor folder of its own, as on a new computer. Put back at the end.
    let anchors_before = std::env::var_os("VARNA_ANCHOR_DIR");
    std::env::set_var("VARNA_ANCHOR_DIR", tmp.path().join("anchors"));

    // Expire 10,000 completed screenings and set the period.
    let mut admin = ok(Store::unlock(&dir, ADMIN, PASS), "unlock");
    let before = ok(admin.verify_audit(), "checking the log");
    if !before.ok {
        die(&format!(
            "the copy's log is broken before gallring: {before:?}"
        ));
    }
    let changed = ok(
        admin.bench_backdate_completed(EXPIRED, "2020-01-01T00:00:00Z"),
        "backdating",
    );
    if changed != EXPIRED {
        die(&format!("only {changed} completed screenings to expire"));
    }
    ok(
        admin.set_retention_settings(RetentionSettings {
            completed_months: 12,
            draft_days: 0,
        }),
        "retention settings",
    );
    // What a run reads first (the same query as its plan).
    let t = Instant::now();
    let due = ok(admin.retention_preview(), "preview").len();
    let plan_t = t.elapsed();
    admin.lock();

    // The handläggare unlocks: the unlock removes the first batch.
    let t = Instant::now();
    let mut worker = ok(Store::unlock(&dir, WORKER, PASS), "unlock");
    let unlock_t = t.elapsed();
    let run_start = Instant::now() - unlock_t;
    let fixed: Option<usize> = std::env::var("VARNA_BENCH_GALLRING_BATCH")
        .ok()
        .and_then(|v| v.parse().ok());
    let mut run = worker
        .take_retention_at_unlock()
        .unwrap_or_else(|| die("the unlock left no run to drive"));
    if let Some(n) = fixed {
        run = run.with_batch_size(n);
    }
    let after_unlock = run.progress();

    // A draft to autosave into.
    let unit = worker.actor().unit_ids[0].clone();
    let doc = ok(
        worker.start_screening(NewScreening {
            instrument_id: "freda-kortfragor-stil".into(),
            instrument_version: None,
            unit_id: unit,
            person_role: PersonRole::Valdsutsatt,
            conducted_on: chrono::Local::now().date_naive(),
            case_ref: None,
            follows: None,
        }),
        "start",
    );
    let key = doc
        .definition
        .items()
        .find(|i| matches!(i.kind, instrument::ItemKind::YesNo) && i.show_if.is_none())
        .unwrap_or_else(|| die("no yes/no item"))
        .answer_keys()[0]
        .to_string();
    let store = Arc::new(FairMutex::new(worker));
    let stop = Arc::new(AtomicBool::new(false));

    // Gallring and autosaves together.
    let saver = {
        let (store, stop, doc, key) = (store.clone(), stop.clone(), doc.id.clone(), key.clone());
        std::thread::spawn(move || autosaves(&store, &doc, &key, &stop, usize::MAX))
    };
    let mut holds = Vec::new();
    let mut sizes = Vec::new();
    let t = Instant::now();
    while !run.is_finished() {
        sizes.push(run.batch_size());
        let h = Instant::now();
        {
            let mut s = store.lock();
            ok(s.retention_step(&mut run), "a batch");
        }
        holds.push(h.elapsed());
        if !run.is_finished() {
            std::thread::sleep(BATCH_PAUSE);
        }
    }
    let rest_t = t.elapsed();
    let total_t = run_start.elapsed();
    stop.store(true, Ordering::Release);
    let mut during = saver.join().unwrap_or_else(|_| die("the autosave thread"));
    let report_run = run.into_report();
    if report_run.completed_removed as u64 != EXPIRED {
        die(&format!(
            "the run removed {} of {EXPIRED}",
            report_run.completed_removed
        ));
    }
    let batches = holds.len() + 1;

    // Baseline: the same autosaves, nothing else running.
    let stop = AtomicBool::new(false);
    let mut alone = autosaves(&store, &doc.id, &key, &stop, during.len().max(50));
    let worker = Arc::try_unwrap(store)
        .unwrap_or_else(|_| die("the store is still shared"))
        .into_inner();
    worker.lock();
    let admin = ok(Store::unlock(&dir, ADMIN, PASS), "unlock");
    let check = ok(admin.verify_audit(), "checking the log");
    if !check.ok {
        die(&format!("the log is broken after gallring: {check:?}"));
    }
    admin.lock();
    match anchors_before {
        Some(v) => std::env::set_var("VARNA_ANCHOR_DIR", v),
        None => std::env::remove_var("VARNA_ANCHOR_DIR"),
    }

    let (p50, p95, max) = (
        median(&mut during),
        percentile(&mut during, 0.95),
        *during.iter().max().unwrap_or(&Duration::ZERO),
    );
    let (b50, b95, bmax) = (
        median(&mut alone),
        percentile(&mut alone, 0.95),
        *alone.iter().max().unwrap_or(&Duration::ZERO),
    );
    let (h50, hmax) = (
        median(&mut holds),
        *holds.iter().max().unwrap_or(&Duration::ZERO),
    );
    report.push(Row::absolute(
        &format!(
            "11a. Gallring of {due} expired screenings from the ten-year store ({history} screenings): \
             the whole run, from the unlock that starts it to its last batch"
        ),
        total_t,
        Duration::from_secs(10),
        format!(
            "the unlock with the first batch {} ({} removed), the rest {} in {} batches of {} \
             (held the store median {}, max {}), {} autosaves meanwhile; reading what is due \
             (the preview, the run's plan) {}; copy of the store {}; seeded once in {} ({}), \
             cached; the log checked intact before and after",
            fmt_dur(unlock_t),
            after_unlock.done,
            fmt_dur(rest_t),
            batches - 1,
            match fixed {
                Some(n) => format!("{n} (fixed)"),
                None => {
                    sizes.sort_unstable();
                    format!(
                        "{}–{} (following the {} target, median {})",
                        sizes.first().copied().unwrap_or(0),
                        sizes.last().copied().unwrap_or(0),
                        fmt_dur(BATCH_TARGET),
                        sizes.get(sizes.len() / 2).copied().unwrap_or(0)
                    )
                }
            },
            fmt_dur(h50),
            fmt_dur(hmax),
            during.len(),
            fmt_dur(plan_t),
            fmt_dur(copy_t),
            seeded.seeding,
            seeded.size,
        ),
    ));
    let mut row = Row::absolute(
        "11b. Autosave (`save_answer`, every 20 ms through the store's mutex) during that run: \
         the longest, from asking for the store to saved",
        max,
        Duration::from_millis(100),
        format!(
            "during: p50 {} p95 {} max {} ({} saves); alone (baseline, same store after): p50 {} \
             p95 {} max {} ({} saves)",
            fmt_dur(p50),
            fmt_dur(p95),
            fmt_dur(max),
            during.len(),
            fmt_dur(b50),
            fmt_dur(b95),
            fmt_dur(bmax),
            alone.len()
        ),
    );
    row.baseline = "the same autosaves with no gallring running (max)".into();
    row.baseline_median = fmt_dur(bmax);
    row.ratio = format!("{:.2}×", max.as_secs_f64() / bmax.as_secs_f64().max(1e-9));
    report.push(row);
}
