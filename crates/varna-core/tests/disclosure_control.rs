//! Disclosure control of the export (issue 16): the three leaks of schema version 1 as tests,
//! and an attacker who, given published files, computes by linear programming the tightest
//! bounds on every hidden number that all the published numbers allow.
//!
//! - Differencing over time: a month that has passed never changes (counts are filed under
//!   the month of their event), so two exports of the same month are identical.
//! - Exact small totals: totals from 1 to the threshold are hidden too.
//! - Group disclosure: a breakdown in which everyone, or all but fewer than the threshold,
//!   falls in one category is hidden.
//! - The attacker: for every hidden number of one or several files, the interval the numbers
//!   shown allow is at least the threshold wide.

mod disclosure_attack;
mod screening_support;

use chrono::{NaiveDate, TimeZone};
use disclosure_attack::{assert_protected, attack, Knowledge};
use proptest::prelude::*;
use screening_support::*;
use uuid::Uuid;
use varna_core::export::{
    build_export, merge, verify, Assessment, Cell, Code, CountRow, DeclaredInstrument,
    ExportRequest, InstallationKey, InstrumentVersion, Measure, OutcomeDimension, Period,
    PersonRole, SignedExport, SuppressionThreshold, UnitCode, YearMonth,
};
use varna_core::screening::{__test_set_clock, NewScreening};

// ---- building files from tallies ----

fn ym(y: u16, m: u8) -> YearMonth {
    YearMonth::new(y, m).unwrap()
}

fn code(s: &str) -> Code {
    Code::new(s).unwrap()
}

const INSTRUMENTS: [&str; 2] = ["freda-kort", "patriark"];

fn declared() -> Vec<DeclaredInstrument> {
    INSTRUMENTS
        .iter()
        .map(|id| DeclaredInstrument {
            id: code(id),
            version: InstrumentVersion::new("1.0.0").unwrap(),
            outcome_dimensions: vec![
                OutcomeDimension {
                    code: code("screening"),
                    categories: vec![code("positive"), code("negative"), code("declined")],
                },
                OutcomeDimension {
                    code: code("children"),
                    categories: vec![code("yes"), code("no")],
                },
            ],
        })
        .collect()
}

fn knowledge() -> Knowledge {
    Knowledge {
        complete_dimensions: vec!["screening"],
    }
}

fn count(
    m: YearMonth,
    unit: &str,
    inst: &str,
    measure: &str,
    cat: Option<&str>,
    n: u64,
) -> CountRow {
    CountRow {
        month: m,
        unit_code: UnitCode::new(unit).unwrap(),
        instrument_id: code(inst),
        instrument_version: InstrumentVersion::new("1.0.0").unwrap(),
        measure: measure.parse().unwrap(),
        category: cat.map(code),
        count: n,
    }
}

fn export(rows: Vec<CountRow>, from: YearMonth, to: YearMonth, threshold: u64) -> SignedExport {
    let period = Period::new(from, to).unwrap();
    let rows = rows
        .into_iter()
        .filter(|r| period.contains(r.month))
        .collect();
    build_export(
        &ExportRequest {
            period,
            threshold: SuppressionThreshold::new(threshold).unwrap(),
            preliminary: vec![],
            instruments: declared(),
            rows,
        },
        &InstallationKey::generate().unwrap(),
        Uuid::new_v4(),
    )
    .unwrap()
}

/// The counts of one block: totals and a consistent split of `completed` over roles and
/// outcomes (every completion has a role and a screening outcome; some have a children
/// outcome).
#[derive(Debug, Clone)]
struct BlockCounts {
    started: u64,
    reviewed: u64,
    discarded: u64,
    roles: [u64; 4],
    /// First assessments and re-assessments (follow-ups).
    assessment: [u64; 2],
    screening: [u64; 3],
    children: [u64; 2],
}

fn split<const N: usize>(total: u64, weights: [u64; N]) -> [u64; N] {
    let mut out = [0u64; N];
    let sum: u64 = weights.iter().sum::<u64>().max(1);
    let mut left = total;
    for i in 0..N {
        out[i] = (total * weights[i] / sum).min(left);
        left -= out[i];
    }
    out[0] += left;
    out
}

fn block_counts() -> impl Strategy<Value = BlockCounts> {
    (
        prop_oneof![0u64..6, 0u64..40],
        0u64..8,
        0u64..8,
        0u64..5,
        prop::array::uniform4(0u64..6),
        prop::array::uniform3(0u64..6),
        prop::array::uniform2(0u64..6),
        0u64..=100,
        prop::array::uniform2(0u64..6),
    )
        .prop_map(|(c, s, r, d, rw, sw, cw, frac, aw)| {
            let children_total = c * frac / 100;
            BlockCounts {
                started: s,
                reviewed: r,
                discarded: d,
                roles: split(c, rw),
                assessment: split(c, aw),
                screening: split(c, sw),
                children: split(children_total, cw),
            }
        })
}

fn rows_of(m: YearMonth, unit: &str, inst: &str, b: &BlockCounts) -> Vec<CountRow> {
    let c: u64 = b.roles.iter().sum();
    let mut out = Vec::new();
    let mut add = |measure: &str, cat: Option<&str>, n: u64| {
        if n > 0 {
            out.push(count(m, unit, inst, measure, cat, n));
        }
    };
    add("started", None, b.started);
    add("completed", None, c);
    add("reviewed", None, b.reviewed);
    add("discarded", None, b.discarded);
    for (i, r) in PersonRole::ALL.iter().enumerate() {
        add("role", Some(r.code()), b.roles[i]);
    }
    for (i, a) in Assessment::ALL.iter().enumerate() {
        add("assessment", Some(a.code()), b.assessment[i]);
    }
    for (i, cat) in ["positive", "negative", "declined"].iter().enumerate() {
        add("outcome:screening", Some(cat), b.screening[i]);
    }
    for (i, cat) in ["yes", "no"].iter().enumerate() {
        add("outcome:children", Some(cat), b.children[i]);
    }
    out
}

/// A random tally over four months, two units and two instruments.
fn tally() -> impl Strategy<Value = Vec<CountRow>> {
    prop::collection::vec(block_counts(), 16).prop_map(|blocks| {
        let mut rows = Vec::new();
        for (i, b) in blocks.iter().enumerate() {
            let m = ym(2025, 1 + (i % 4) as u8);
            let unit = ["IFO", "VUX"][(i / 4) % 2];
            let inst = INSTRUMENTS[i / 8];
            rows.extend(rows_of(m, unit, inst, b));
        }
        rows
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// One file: every hidden number is at least the threshold uncertain.
    #[test]
    fn no_hidden_number_of_a_file_can_be_narrowed_below_the_threshold(
        rows in tally(),
        threshold in 2u64..6,
    ) {
        let file = export(rows, ym(2025, 1), ym(2025, 4), threshold);
        verify(file.to_json_bytes()).unwrap();
        assert_protected(&attack(&[&file], &knowledge()), threshold);
    }

    /// Two files of overlapping periods, exported at different times: months are stable, so
    /// the shared months are identical, and together the files narrow nothing below the
    /// threshold.
    #[test]
    fn two_overlapping_files_narrow_no_hidden_number_below_the_threshold(
        rows in tally(),
        threshold in 2u64..6,
    ) {
        let first = export(rows.clone(), ym(2025, 1), ym(2025, 3), threshold);
        let second = export(rows, ym(2025, 2), ym(2025, 4), threshold);
        assert_protected(&attack(&[&first, &second], &knowledge()), threshold);
    }

    /// A merged file of two installations keeps the guarantee.
    #[test]
    fn a_merged_file_narrows_no_hidden_number_below_the_threshold(
        a in tally(),
        b in tally(),
        threshold in 2u64..6,
    ) {
        let fa = export(a, ym(2025, 1), ym(2025, 4), threshold);
        let fb = export(b, ym(2025, 1), ym(2025, 4), threshold);
        let merged = merge(&[fa, fb], &InstallationKey::generate().unwrap(), Uuid::new_v4()).unwrap();
        verify(merged.to_json_bytes()).unwrap();
        assert_protected(&attack(&[&merged], &knowledge()), threshold);
    }
}

#[test]
fn the_attacker_finds_what_version_1_would_have_leaked() {
    // Version 1 published this role table as (8, hidden, hidden, hidden) beside completed = 10:
    // each hidden cell then lies in [0, 2], narrower than the threshold 3. Today all but two
    // are in one category, so the whole table is hidden and the attacker gets [0, 10].
    let rows = vec![
        count(ym(2025, 1), "IFO", "freda-kort", "completed", None, 10),
        count(
            ym(2025, 1),
            "IFO",
            "freda-kort",
            "role",
            Some("valdsutsatt"),
            8,
        ),
        count(ym(2025, 1), "IFO", "freda-kort", "role", Some("barn"), 1),
        count(ym(2025, 1), "IFO", "freda-kort", "role", Some("anhorig"), 1),
        count(
            ym(2025, 1),
            "IFO",
            "freda-kort",
            "outcome:screening",
            Some("positive"),
            5,
        ),
        count(
            ym(2025, 1),
            "IFO",
            "freda-kort",
            "outcome:screening",
            Some("negative"),
            5,
        ),
    ];
    let file = export(rows, ym(2025, 1), ym(2025, 1), 3);
    let bounds = attack(&[&file], &knowledge());
    assert!(!bounds.is_empty());
    assert_protected(&bounds, 3);
    let valdsutsatt = file
        .rows()
        .iter()
        .find(|r| {
            r.category
                .as_ref()
                .is_some_and(|c| c.as_str() == "valdsutsatt")
        })
        .unwrap();
    assert_eq!(valdsutsatt.count, Cell::Suppressed);
}

// ---- the three leaks ----

#[test]
fn exact_small_totals_are_hidden() {
    // "patriark, completed = 1" for a small unit and month reveals an honour-related case.
    let rows = vec![
        count(ym(2025, 1), "IFO", "patriark", "started", None, 1),
        count(ym(2025, 1), "IFO", "patriark", "completed", None, 1),
        count(
            ym(2025, 1),
            "IFO",
            "patriark",
            "role",
            Some("valdsutsatt"),
            1,
        ),
        count(
            ym(2025, 1),
            "IFO",
            "patriark",
            "outcome:screening",
            Some("positive"),
            1,
        ),
        count(ym(2025, 1), "IFO", "freda-kort", "started", None, 12),
        count(ym(2025, 1), "IFO", "freda-kort", "discarded", None, 3),
    ];
    let file = export(rows, ym(2025, 1), ym(2025, 1), 3);
    for r in file.rows() {
        let small = r.instrument_id.as_str() == "patriark" || r.measure == Measure::Discarded;
        assert_eq!(r.count.is_suppressed(), small, "{r:?}");
    }
    verify(file.to_json_bytes()).unwrap();
}

#[test]
fn a_breakdown_in_which_everyone_falls_in_one_category_is_hidden() {
    for (positive, negative) in [(5, 0), (9, 1), (20, 2)] {
        let total = positive + negative;
        let rows = vec![
            count(ym(2025, 1), "IFO", "freda-kort", "completed", None, total),
            count(
                ym(2025, 1),
                "IFO",
                "freda-kort",
                "role",
                Some("valdsutsatt"),
                total,
            ),
            count(
                ym(2025, 1),
                "IFO",
                "freda-kort",
                "outcome:screening",
                Some("positive"),
                positive,
            ),
            count(
                ym(2025, 1),
                "IFO",
                "freda-kort",
                "outcome:screening",
                Some("negative"),
                negative,
            ),
        ];
        let file = export(rows, ym(2025, 1), ym(2025, 1), 3);
        let completed = file
            .rows()
            .iter()
            .find(|r| r.measure == Measure::Completed)
            .unwrap();
        assert_eq!(
            completed.count,
            Cell::Exact(total),
            "the total is published"
        );
        for r in file.rows().iter().filter(|r| r.measure.is_breakdown()) {
            assert_eq!(r.count, Cell::Suppressed, "({positive}, {negative}): {r:?}");
        }
    }
    // With at least the threshold outside the largest category, the table is published.
    let rows = vec![
        count(ym(2025, 1), "IFO", "freda-kort", "completed", None, 12),
        count(
            ym(2025, 1),
            "IFO",
            "freda-kort",
            "role",
            Some("valdsutsatt"),
            6,
        ),
        count(ym(2025, 1), "IFO", "freda-kort", "role", Some("barn"), 6),
        count(
            ym(2025, 1),
            "IFO",
            "freda-kort",
            "outcome:screening",
            Some("positive"),
            8,
        ),
        count(
            ym(2025, 1),
            "IFO",
            "freda-kort",
            "outcome:screening",
            Some("negative"),
            4,
        ),
    ];
    let file = export(rows, ym(2025, 1), ym(2025, 1), 3);
    let positive = file
        .rows()
        .iter()
        .find(|r| {
            r.category
                .as_ref()
                .is_some_and(|c| c.as_str() == "positive")
        })
        .unwrap();
    assert_eq!(positive.count, Cell::Exact(8));
}

fn at(y: i32, m: u32, d: u32) {
    __test_set_clock(Some(
        chrono::Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap(),
    ));
}

fn on(unit: &str, y: i32, m: u32, d: u32) -> NewScreening {
    NewScreening {
        conducted_on: NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        ..new_screening("freda-kortfragor-stil", unit)
    }
}

#[test]
fn a_month_that_has_passed_never_changes_when_a_draft_is_completed_later() {
    let (w, admin) = world();
    admin.lock();
    // January 2025: ten screenings completed (4 positive, 6 negative) and one left as a draft.
    at(2025, 1, 20);
    let mut hanna = w.unlock("hanna");
    for i in 0..10 {
        let d = hanna.start_screening(on(&w.ifo, 2025, 1, 10 + i)).unwrap();
        answer_freda(&mut hanna, &d.id, i < 4);
        hanna.complete_screening(&d.id).unwrap();
    }
    let late = hanna.start_screening(on(&w.ifo, 2025, 1, 20)).unwrap();
    answer_freda(&mut hanna, &late.id, true);
    hanna.lock();

    // Exported on 1 February.
    at(2025, 2, 1);
    let mut arne = w.unlock("arne");
    let january = ym(2025, 1);
    let first = arne.export(january, january).unwrap();
    assert!(first.preliminary().is_empty(), "January is over");
    arne.lock();

    // In March the January draft is completed: it counts in March.
    at(2025, 3, 5);
    let mut hanna = w.unlock("hanna");
    hanna.complete_screening(&late.id).unwrap();
    hanna.lock();

    // Exported again on 1 March... and on 6 March: January is the same file content.
    let mut arne = w.unlock("arne");
    let again = arne.export(january, january).unwrap();
    assert_eq!(
        first.rows(),
        again.rows(),
        "January changed after it was over"
    );
    let march = arne.export(ym(2025, 3), ym(2025, 3)).unwrap();
    assert_eq!(
        march.preliminary(),
        &[ym(2025, 3)],
        "the current month is preliminary"
    );
    let view = arne.statistics(january, ym(2025, 3)).unwrap();
    assert_eq!(view.preliminary.as_deref(), Some("2025-03"));
    // The attacker with both files of different times and periods narrows nothing below 3.
    let wide = arne.export(ym(2024, 12), ym(2025, 3)).unwrap();
    let bounds = attack(
        &[&first, &wide],
        &Knowledge {
            complete_dimensions: vec![],
        },
    );
    assert!(!bounds.is_empty(), "something is hidden");
    assert_protected(&bounds, 3);
    arne.lock();
    __test_set_clock(None);
}

#[test]
fn a_tally_kept_under_the_samtal_month_is_refiled_at_unlock() {
    let (w, admin) = world();
    admin.lock();
    at(2025, 1, 20);
    let mut hanna = w.unlock("hanna");
    let done = hanna.start_screening(on(&w.ifo, 2025, 1, 10)).unwrap();
    answer_freda(&mut hanna, &done.id, true);
    hanna.complete_screening(&done.id).unwrap();
    let late = hanna.start_screening(on(&w.ifo, 2025, 1, 15)).unwrap();
    answer_freda(&mut hanna, &late.id, false);
    hanna.lock();
    at(2025, 3, 5);
    let mut hanna = w.unlock("hanna");
    hanna.complete_screening(&late.id).unwrap();
    hanna.lock();

    let admin = w.unlock("admin");
    let all = || (ym(2000, 1), ym(2099, 12));
    // A tally of schema version 5 had no indicator counts (they start with version 7) and
    // no `assessment` breakdown (newer still); the refile never moves either.
    let now_rule: Vec<CountRow> = admin
        .tally_rows(all().0, all().1)
        .unwrap()
        .into_iter()
        .filter(|r| {
            !matches!(
                r.measure,
                varna_core::export::Measure::Indicator(_) | varna_core::export::Measure::Assessment
            )
        })
        .collect();
    // Put the tally back the way schema version 4 kept it: everything under January (the
    // samtal month), plus a count of a screening that no longer exists; then ask for the
    // refile that migration 5 asks for.
    admin
        .__test_raw_sql(
            "DELETE FROM tally WHERE measure LIKE 'indicator:%' OR measure = 'assessment';
             UPDATE tally SET month = '2025-01' WHERE month = '2025-03' AND NOT EXISTS (
                 SELECT 1 FROM tally t WHERE t.month = '2025-01' AND t.unit_id = tally.unit_id
                 AND t.instrument_id = tally.instrument_id
                 AND t.instrument_version = tally.instrument_version
                 AND t.measure = tally.measure AND t.category = tally.category);
             UPDATE tally SET count = count + (SELECT m.count FROM tally m
                 WHERE m.month = '2025-03' AND m.unit_id = tally.unit_id
                 AND m.instrument_id = tally.instrument_id
                 AND m.instrument_version = tally.instrument_version
                 AND m.measure = tally.measure AND m.category = tally.category)
             WHERE month = '2025-01' AND EXISTS (SELECT 1 FROM tally m
                 WHERE m.month = '2025-03' AND m.unit_id = tally.unit_id
                 AND m.instrument_id = tally.instrument_id
                 AND m.instrument_version = tally.instrument_version
                 AND m.measure = tally.measure AND m.category = tally.category);
             DELETE FROM tally WHERE month = '2025-03';
             INSERT INTO tally SELECT '2024-11', unit_id, instrument_id, instrument_version,
                 'discarded', '', 2 FROM tally LIMIT 1;
             INSERT INTO meta (key, value) VALUES ('tally_refile_pending', '1');",
        )
        .unwrap();
    let old_rule = admin.tally_rows(all().0, all().1).unwrap();
    assert!(old_rule.iter().all(|r| r.month != ym(2025, 3)));
    admin.lock();

    // The next unlock refiles: the counts are back under March, the count of the screening
    // that no longer exists stays where it was, and a second unlock changes nothing.
    let admin = w.unlock("admin");
    let refiled = admin.tally_rows(all().0, all().1).unwrap();
    let mut expected = now_rule.clone();
    expected.push(count(
        ym(2024, 11),
        "IFO",
        "freda-kortfragor-stil",
        "discarded",
        None,
        2,
    ));
    let norm = |rows: &[CountRow]| {
        let mut v: Vec<String> = rows.iter().map(|r| format!("{r:?}")).collect();
        v.sort();
        v
    };
    let expected: Vec<CountRow> = expected
        .into_iter()
        .map(|mut r| {
            r.instrument_version = now_rule[0].instrument_version.clone();
            r
        })
        .collect();
    assert_eq!(norm(&refiled), norm(&expected));
    admin.lock();
    let admin = w.unlock("admin");
    assert_eq!(
        norm(&admin.tally_rows(all().0, all().1).unwrap()),
        norm(&expected)
    );
    admin.lock();
    __test_set_clock(None);
}
