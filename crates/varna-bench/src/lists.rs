//! Benchmark 8: lists that stay fast after years of use (issue 20, measure 2).
//!
//! One cached store (seeded once through the bench hook `Store::bench_bulk_history`, like
//! benchmark 7's, and reused while the schema is unchanged) holds:
//! - the handläggare `bench.hl` (unit BENCH): 10,000 completed screenings and 200 drafts;
//! - the arbetsledare `bench.al` of unit BENCH-Q, where `bench.hl2` completed 5,000
//!   screenings that wait for review;
//! - other units' history (`bench.hl3`, unit BENCH-X), so that the store holds about
//!   550,000 access-log rows and 95,000 screenings.
//!
//! Timed: the core call behind each screen's first command, as the shell makes it (one
//! unlocked store, statements cached after the first call): the start page
//! (`Store::my_screenings`: the first page of the drafts and of the completed, with their
//! totals), the review queue (`Store::review_queue`: the first page of awaiting and of
//! returned, with totals) and the access log (`Store::audit_page`, no filter). Goal: each
//! < 50 ms, median and p95. Baseline, in the same run: the whole list read through the same
//! core queries page by page (what sending everything would cost in the core alone), and for
//! the access log the old screen's call (`Store::audit_list`, its default 500 rows).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use varna_core::audit::AuditFilter;
use varna_core::export::PersonRole;
use varna_core::instrument::{self, AnswerValue};
use varna_core::page::{PageRequest, MAX_PAGE_SIZE};
use varna_core::review::QueueList;
use varna_core::screening::{BulkScreening, MyList};
use varna_core::store::{FirstRun, NewAccount, Role, Store};

use crate::harness::{fmt_dur, median, Report, Row};
use crate::{die, ok, schema_hash, ADMIN, PASS, WORKER};

const REVIEWER: &str = "bench.al";
const COLLEAGUE: &str = "bench.hl2";
const OTHER: &str = "bench.hl3";
const COMPLETED: u64 = 10_000;
const DRAFTS: u64 = 200;
const WAITING: u64 = 5_000;
/// Screenings of the other unit, with `FILLER_READS` open rows each: the bulk of the log.
const FILLER: u64 = 80_000;
const FILLER_READS: u32 = 4;
/// Runs of each first page (after 3 warm-up runs).
const RUNS: usize = 40;

/// The 95th percentile of `v` (nearest rank).
fn p95(v: &mut [Duration]) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort();
    let rank = ((v.len() as f64) * 0.95).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Vec<Duration> {
    let mut out = Vec::with_capacity(runs);
    for i in 0..runs + 3 {
        let t = Instant::now();
        std::hint::black_box(f());
        if i >= 3 {
            out.push(t.elapsed());
        }
    }
    out
}

fn row(
    name: &str,
    mut page: Vec<Duration>,
    baseline: &str,
    mut base: Vec<Duration>,
    note: String,
) -> Row {
    let limit = Duration::from_millis(50);
    let (m, p) = (median(&mut page), p95(&mut page));
    let b = median(&mut base);
    Row {
        name: name.into(),
        median: format!("{} (p95 {})", fmt_dur(m), fmt_dur(p)),
        baseline: baseline.into(),
        baseline_median: fmt_dur(b),
        ratio: format!("{:.4}×", m.as_secs_f64() / b.as_secs_f64().max(1e-12)),
        goal: "< 50 ms (median and p95)".into(),
        pass: m < limit && p < limit,
        note,
        info: false,
    }
}

pub fn bench_lists(work: &Path, report: &mut Report) {
    let (dir, seeded) = lists_store(work);

    // The start page of the handläggare.
    let worker = ok(Store::unlock(&dir, WORKER, PASS), "unlock");
    let first = ok(worker.my_screenings(), "my screenings");
    if first.completed_total as u64 != COMPLETED || first.drafts_total as u64 != DRAFTS {
        die(&format!(
            "the seeded store has {} completed and {} drafts",
            first.completed_total, first.drafts_total
        ));
    }
    let page = time(RUNS, || ok(worker.my_screenings(), "my screenings"));
    let whole = time(3, || {
        let mut n = 0;
        for list in [MyList::Drafts, MyList::Completed] {
            let mut req = PageRequest::first(MAX_PAGE_SIZE);
            loop {
                let p = ok(worker.my_screenings_page(list, &req), "a page");
                n += p.items.len();
                match p.next {
                    Some(next) => req = req.after(&next),
                    None => break,
                }
            }
        }
        n
    });
    report.push(row(
        &format!(
            "8a. Start page, first pages (`my_screenings`: {} of {} drafts, {} of {} completed, with totals)",
            first.drafts.len(),
            first.drafts_total,
            first.completed.len(),
            first.completed_total
        ),
        page,
        "the whole of both lists through the same queries, pages of 200",
        whole,
        format!("{RUNS} runs after 3 warm-up; baseline 3 runs. {seeded}"),
    ));
    worker.lock();

    // The arbetsledare's review queue.
    let reviewer = ok(Store::unlock(&dir, REVIEWER, PASS), "unlock");
    let first = ok(reviewer.review_queue(), "review queue");
    if first.awaiting_total as u64 != WAITING {
        die(&format!(
            "the seeded queue has {} waiting",
            first.awaiting_total
        ));
    }
    let page = time(RUNS, || ok(reviewer.review_queue(), "review queue"));
    let whole = time(3, || {
        let mut n = 0;
        for list in [QueueList::Awaiting, QueueList::Returned] {
            let mut req = PageRequest::first(MAX_PAGE_SIZE);
            loop {
                let p = ok(reviewer.review_queue_page(list, &req), "a page");
                n += p.items.len();
                match p.next {
                    Some(next) => req = req.after(&next),
                    None => break,
                }
            }
        }
        n
    });
    report.push(row(
        &format!(
            "8b. Review queue, first pages (`review_queue`: {} of {} awaiting, with totals)",
            first.awaiting.len(),
            first.awaiting_total
        ),
        page,
        "the whole queue through the same queries, pages of 200",
        whole,
        format!("{RUNS} runs after 3 warm-up; baseline 3 runs"),
    ));
    reviewer.lock();

    // The access log.
    let admin = ok(Store::unlock(&dir, ADMIN, PASS), "unlock");
    let filter = AuditFilter::default();
    let first = ok(admin.audit_page(&filter, &PageRequest::default()), "log");
    let rows = first.items.first().map_or(0, |e| e.seq);
    let page = time(RUNS, || {
        ok(admin.audit_page(&filter, &PageRequest::default()), "log")
    });
    let old = time(10, || ok(admin.audit_list(&filter), "log"));
    report.push(row(
        &format!(
            "8c. Access log, first page (`audit_page`: {} of about {rows} rows, newest first)",
            first.items.len()
        ),
        page,
        "the old screen's call (`audit_list`, 500 rows)",
        old,
        format!("{RUNS} runs after 3 warm-up; baseline 10 runs"),
    ));
    // The same page deep in the log and with a filter: a keyset page costs the same anywhere.
    let deep = PageRequest::default().after(&(rows / 2).to_string());
    let deep_t = time(RUNS, || ok(admin.audit_page(&filter, &deep), "log"));
    let by_person = AuditFilter {
        person: Some(WORKER.into()),
        event: Some("screening_complete".into()),
        ..AuditFilter::default()
    };
    let mut filtered = time(RUNS, || {
        ok(admin.audit_page(&by_person, &PageRequest::default()), "log")
    });
    let mut d = deep_t.clone();
    report.push(Row::info(
        "8c (detail). Access log: a page in the middle of the log (cursor at half)",
        median(&mut d),
        "a page filtered by person and event (bench.hl, screening_complete)",
        median(&mut filtered),
        format!("p95 {}", fmt_dur(p95(&mut deep_t.clone()))),
    ));
    admin.lock();
}

/// The store of benchmark 8, cached under `work` by schema like benchmark 7's; returns its
/// folder and a note on how it was seeded.
fn lists_store(work: &Path) -> (PathBuf, String) {
    let dir = work.join(format!("lists-schema-{:016x}", schema_hash()));
    let marker = dir.join("seeded");
    if let Ok(text) = std::fs::read_to_string(&marker) {
        eprintln!("varna-bench: reusing {}", dir.display());
        return (dir, text.trim().to_owned());
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap_or_else(|e| die(&format!("{e}")));
    }
    let t = Instant::now();
    let (mut admin, _) = ok(
        Store::create_first_run(
            &dir,
            FirstRun {
                admin_username: ADMIN,
                admin_display_name: "Bench Admin",
                passphrase: PASS,
                unit_code: "BENCH",
                unit_name: "Benchmark unit",
            },
        ),
        "setting up",
    );
    ok(
        admin.sync_instruments(&instrument::shipped::shipped()),
        "instruments",
    );
    let unit = admin.actor().unit_ids[0].clone();
    let queue_unit = ok(admin.add_unit("BENCH-Q", "Benchmark unit Q"), "unit").id;
    let other_unit = ok(admin.add_unit("BENCH-X", "Benchmark unit X"), "unit").id;
    let mut account = |username: &str, name: &str, role: Role, unit: &str| {
        ok(
            admin.add_account(NewAccount {
                username,
                display_name: name,
                role,
                unit_ids: vec![unit.to_owned()],
                passphrase: PASS,
            }),
            "adding an account",
        )
        .id
    };
    let worker = account(WORKER, "Bench Handläggare", Role::Handlaggare, &unit);
    let colleague = account(COLLEAGUE, "Bench Kollega", Role::Handlaggare, &queue_unit);
    let other = account(OTHER, "Bench Annan", Role::Handlaggare, &other_unit);
    account(
        REVIEWER,
        "Bench Arbetsledare",
        Role::Arbetsledare,
        &queue_unit,
    );
    let freda = ok(admin.instruments(), "instruments")
        .into_iter()
        .find(|i| i.id == "freda-kortfragor-stil")
        .unwrap_or_else(|| die("no FREDA-style instrument"));
    let def = instrument::shipped::shipped()
        .loaded
        .into_iter()
        .find(|i| i.id() == freda.id && i.version().to_string() == freda.version)
        .unwrap_or_else(|| die("the FREDA-style definition"));
    let answers: Vec<(String, AnswerValue)> = def
        .definition
        .items()
        .filter(|i| matches!(i.kind, instrument::ItemKind::YesNo) && i.show_if.is_none())
        .map(|i| (i.answer_keys()[0].to_string(), AnswerValue::YesNo(false)))
        .collect();
    let first = chrono::NaiveDate::from_ymd_opt(2016, 1, 1).unwrap();
    let mut logged = 0u64;
    // (author, unit, how many, completed?, open rows each)
    let plan = [
        (&worker, &unit, COMPLETED, true, 4),
        (&worker, &unit, DRAFTS, false, 4),
        (&colleague, &queue_unit, WAITING, true, 4),
        (&other, &other_unit, FILLER, true, FILLER_READS),
    ];
    for (author, unit, n, completed, reads) in plan {
        let mut done = 0u64;
        while done < n {
            let m = 10_000u64.min(n - done);
            let rows: Vec<BulkScreening> = (0..m)
                .map(|i| BulkScreening {
                    instrument_id: freda.id.clone(),
                    instrument_version: freda.version.clone(),
                    unit_id: unit.clone(),
                    author_id: author.clone(),
                    person_role: PersonRole::ALL[((done + i) % 4) as usize],
                    conducted_on: first + chrono::Days::new((done + i) % 3652),
                    completed,
                })
                .collect();
            logged += ok(
                admin.bench_bulk_history(&rows, &answers, reads),
                "bulk history",
            );
            done += m;
            eprintln!("varna-bench: seeded {done} of {n} screenings, {logged} log rows");
        }
    }
    admin.lock();
    // The first unlock checks the whole log (no checkpoint yet): part of seeding.
    ok(Store::unlock(&dir, ADMIN, PASS), "first unlock").lock();
    let text = format!(
        "Store seeded once in {:.1} s ({logged} log rows from seeding), cached.",
        t.elapsed().as_secs_f64()
    );
    std::fs::write(&marker, &text).unwrap_or_else(|e| die(&format!("{e}")));
    (dir, text)
}
