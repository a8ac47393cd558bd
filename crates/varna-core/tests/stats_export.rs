//! Statistics and the aggregate-only export from a real (SQLCipher) store: canaries in every
//! free-text and case field never reach an export, the file parses with a strict schema of
//! only the listed fields, roles are enforced, the installation keeps its identity across
//! lock/unlock, merge of two installations' files works and refuses the same file twice, and
//! tampering with any byte of a file the store signed is detected.

mod screening_support;

use std::cell::RefCell;

use chrono::{Datelike, Duration};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use screening_support::*;
use serde::Deserialize;
use varna_core::export::{self, PersonRole, YearMonth};
use varna_core::instrument::calendar::{CalendarAnswer, Incident};
use varna_core::instrument::AnswerValue;
use varna_core::screening::NewScreening;
use varna_core::ErrorCode;

// ---- the strict schema: only the listed members, nothing else ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct StrictFile {
    format: String,
    schema_version: u32,
    installation_id: String,
    public_key: String,
    period: StrictPeriod,
    suppression_threshold: u64,
    preliminary: Vec<String>,
    sources: Vec<StrictSource>,
    rows: Vec<StrictRow>,
    signature: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct StrictPeriod {
    from: String,
    to: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct StrictSource {
    installation_id: String,
    period: StrictPeriod,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StrictRow {
    month: String,
    unit: String,
    instrument: String,
    version: String,
    measure: String,
    category: Option<String>,
    count: StrictCount,
}

#[derive(Deserialize)]
#[serde(untagged)]
#[allow(dead_code)]
enum StrictCount {
    Number(u64),
    Marker(String),
}

fn is_code(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.'))
}

/// Parses the JSON strictly and checks that every value is a code, a month or a number.
fn strict_parse(json: &[u8]) -> StrictFile {
    let file: StrictFile = serde_json::from_slice(json).expect("strict schema");
    assert_eq!(file.format, "varna-export");
    assert_eq!(file.schema_version, 2);
    assert!(file.preliminary.iter().all(|m| m.len() == 7));
    for r in &file.rows {
        assert!(
            r.month.len() == 7 && r.month.as_bytes()[4] == b'-',
            "{}",
            r.month
        );
        assert!(
            r.unit.len() <= 16
                && r.unit
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert!(is_code(&r.instrument, 32));
        assert!(r
            .version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'));
        let m = r.measure.strip_prefix("outcome:").unwrap_or(&r.measure);
        // An indicator is one of the closed list, by id.
        let m = match m.strip_prefix("indicator:") {
            Some(id) => {
                assert!(
                    varna_core::indicator::Indicator::from_id(id).is_some(),
                    "{id}"
                );
                id
            }
            None => m,
        };
        assert!(is_code(m, 32), "{}", r.measure);
        if let Some(c) = &r.category {
            assert!(is_code(c, 32), "{c}");
        }
        if let StrictCount::Marker(m) = &r.count {
            assert_eq!(m, "suppressed");
        }
    }
    file
}

fn contains(hay: &[u8], needle: &str) -> bool {
    let lower = hay.to_ascii_lowercase();
    let n = needle.to_lowercase();
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
        || lower.windows(n.len()).any(|w| w == n.as_bytes())
}

fn ym(y: u16, m: u8) -> YearMonth {
    YearMonth::new(y, m).unwrap()
}

fn this_month() -> YearMonth {
    let t = today();
    ym(t.year() as u16, t.month() as u8)
}

fn months_ago(n: i64) -> YearMonth {
    let d = today() - Duration::days(31 * n);
    ym(d.year() as u16, d.month() as u8)
}

#[derive(Debug, Clone)]
struct Plan {
    danger: bool,
    positive: bool,
    /// 0: leave as draft, 1: complete (+ addendum), 2: discard.
    fate: u8,
    days_ago: i64,
    role: usize,
    canary: String,
}

fn plan() -> impl Strategy<Value = Plan> {
    (
        any::<bool>(),
        any::<bool>(),
        0u8..3,
        0i64..400,
        0usize..4,
        "[A-Z0-9]{10}",
    )
        .prop_map(|(danger, positive, fate, days_ago, role, suffix)| Plan {
            danger,
            positive,
            fate,
            days_ago,
            role,
            canary: format!("KANARIE{suffix}"),
        })
}

const ROLES: [PersonRole; 4] = [
    PersonRole::Valdsutsatt,
    PersonRole::Valdsutovare,
    PersonRole::Barn,
    PersonRole::Anhorig,
];

#[test]
fn canaries_in_every_free_text_and_case_field_never_reach_an_export() {
    let (w, admin) = world();
    admin.lock();
    // An arbetsledare may both conduct screenings and export: one unlock for the whole run.
    let store = RefCell::new(w.unlock("arne"));
    let unit = w.ifo.clone();
    let all_canaries = RefCell::new(Vec::<String>::new());
    let mut runner = TestRunner::new(Config {
        cases: 12,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(plan(), 1..5), |plans| {
            let mut s = store.borrow_mut();
            for (i, p) in plans.iter().enumerate() {
                let c = |field: &str| format!("{}{field}{i}", p.canary);
                all_canaries.borrow_mut().push(p.canary.clone());
                let instrument = if p.danger {
                    "farlighet-stil"
                } else {
                    "freda-kortfragor-stil"
                };
                let conducted_on = today() - Duration::days(p.days_ago);
                let doc = s
                    .start_screening(NewScreening {
                        case_ref: Some(c("CASE")),
                        person_role: ROLES[p.role],
                        conducted_on,
                        ..new_screening(instrument, &unit)
                    })
                    .unwrap();
                if p.danger {
                    // The incident calendar's description and the comment on the person's
                    // own view are free text too.
                    let day = conducted_on.format("%Y-%m-%d").to_string();
                    save(
                        &mut s,
                        &doc.id,
                        "kalender",
                        Some(AnswerValue::Calendar(CalendarAnswer {
                            as_of: day.clone(),
                            incidents: vec![Incident {
                                date: day,
                                severity: "slag".into(),
                                description: Some(c("INCIDENT")),
                            }],
                        })),
                    );
                    save(&mut s, &doc.id, "radsla", Some(AnswerValue::DontKnow));
                    save(&mut s, &doc.id, "egen_risk", Some(AnswerValue::Integer(1)));
                    save(&mut s, &doc.id, "egen_kommentar", text(&c("OWNVIEW")));
                    for (j, m) in danger_markers(&doc).iter().enumerate() {
                        save(&mut s, &doc.id, m, yes(p.positive && j % 2 == 0));
                    }
                    save(&mut s, &doc.id, "professionell_bedomning", choice("hog"));
                    save(&mut s, &doc.id, "motivering", text(&c("MOTIV")));
                    save(
                        &mut s,
                        &doc.id,
                        "skyddsatgarder",
                        entries(&[&[("atgard", t(&c("LIST"))), ("ansvarig", t(&c("WHO")))]]),
                    );
                    s.save_note(&doc.id, "skyddsatgarder", &c("NOTE")).unwrap();
                } else {
                    answer_freda(&mut s, &doc.id, p.positive);
                    save(&mut s, &doc.id, "anteckning", text(&c("TEXT")));
                    s.save_note(&doc.id, "hot", &c("NOTE")).unwrap();
                }
                match p.fate {
                    1 => {
                        s.complete_screening(&doc.id).unwrap();
                        s.add_addendum(&doc.id, &c("ADDENDUM")).unwrap();
                    }
                    2 => s.discard_screening(&doc.id).unwrap(),
                    _ => {}
                }
            }
            let file = s.export(months_ago(14), this_month()).unwrap();
            let json = file.to_json_bytes();
            let csv = file.to_csv().unwrap();
            for canary in all_canaries.borrow().iter() {
                prop_assert!(!contains(json, canary), "canary {canary} in the JSON");
                prop_assert!(!contains(&csv, canary), "canary {canary} in the CSV");
            }
            let parsed = strict_parse(json);
            prop_assert!(!parsed.rows.is_empty());
            prop_assert!(parsed.rows.iter().all(|r| r.unit == "IFO"));
            // The file verifies as it is.
            export::verify(json).unwrap();
            // The CSV has exactly the listed columns.
            let text = String::from_utf8(csv.clone()).unwrap();
            prop_assert_eq!(
                text.trim_start_matches('\u{feff}').lines().next().unwrap(),
                "month,unit,instrument,version,measure,category,count"
            );
            // The view shows no free text either.
            let view =
                serde_json::to_vec(&s.statistics(months_ago(14), this_month()).unwrap()).unwrap();
            for canary in all_canaries.borrow().iter() {
                prop_assert!(!contains(&view, canary), "canary {canary} in the view");
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn only_arbetsledare_and_administrator_see_statistics_each_within_their_units() {
    let (w, admin) = world();
    admin.lock();
    let mut hanna = w.unlock("hanna");
    for positive in [true, false, true, true, true] {
        let d = start(&mut hanna, "freda-kortfragor-stil", &w.ifo);
        answer_freda(&mut hanna, &d.id, positive);
        hanna.complete_screening(&d.id).unwrap();
    }
    let (from, to) = (this_month(), this_month());
    assert_eq!(code(hanna.statistics(from, to)), ErrorCode::Forbidden);
    assert_eq!(code(hanna.export(from, to)), ErrorCode::Forbidden);
    assert_eq!(code(hanna.merge_exports(&[])), ErrorCode::Forbidden);
    assert_eq!(code(hanna.installation_identity()), ErrorCode::Forbidden);
    assert_eq!(
        code(hanna.set_suppression_threshold(5)),
        ErrorCode::Forbidden
    );
    hanna.lock();

    let mut hugo = w.unlock("hugo");
    let d = start(&mut hugo, "freda-kortfragor-stil", &w.vux);
    answer_freda(&mut hugo, &d.id, false);
    hugo.complete_screening(&d.id).unwrap();
    hugo.lock();

    // Arne (IFO) sees IFO only: 5 completed (above the threshold, published), 4 positive, 1
    // negative, 0 declined: all but one are positive, so the whole outcome table is hidden
    // (group disclosure), and so is the role table (5 valdsutsatt, 0 others).
    let mut arne = w.unlock("arne");
    let view = arne.statistics(from, to).unwrap();
    assert_eq!(view.units, vec!["IFO".to_string()]);
    assert_eq!(view.rows.len(), 1);
    let row = &view.rows[0];
    assert_eq!(
        (row.unit.as_str(), row.started, row.completed),
        ("IFO", Some(5), Some(5))
    );
    assert_eq!(row.unit_name, "Individ- och familjeomsorg");
    let screening: Vec<_> = row
        .breakdowns
        .iter()
        .filter(|b| b.measure == "outcome:screening")
        .map(|b| (b.category.as_str(), b.count))
        .collect();
    assert_eq!(
        screening,
        [("positiv", None), ("negativ", None), ("avbojd", None)]
    );
    assert!(row
        .breakdowns
        .iter()
        .filter(|b| b.measure == "role")
        .all(|b| b.count.is_none()));
    assert!(view.any_suppressed);
    assert_eq!(view.months.len(), 1);
    assert_eq!(view.months[0].completed, Some(5));
    // The current month is marked preliminary.
    assert_eq!(view.preliminary, Some(this_month().to_string()));
    // The view shows exactly what the file publishes.
    let file = arne.export(from, to).unwrap();
    assert!(file.rows().iter().all(|r| r.unit.as_str() == "IFO"));
    let negativ = file
        .rows()
        .iter()
        .find(|r| r.category.as_ref().map(|c| c.as_str()) == Some("negativ"))
        .unwrap();
    assert!(negativ.count.is_suppressed());
    assert_eq!(
        code(arne.set_suppression_threshold(5)),
        ErrorCode::Forbidden
    );
    arne.lock();

    let alva = w.unlock("alva");
    let view = alva.statistics(from, to).unwrap();
    assert_eq!(view.units, vec!["VUX".to_string()]);
    assert_eq!(view.rows.len(), 1);
    // One completed screening: a total from 1 to the threshold is hidden too.
    assert_eq!(view.rows[0].completed, None);
    alva.lock();

    // The administrator sees all units and sets the threshold (2..=100).
    let mut admin = w.unlock("admin");
    let view = admin.statistics(from, to).unwrap();
    assert_eq!(view.units, vec!["IFO".to_string(), "VUX".to_string()]);
    assert_eq!(view.rows.len(), 2);
    // A sum over a hidden total is hidden: 5 + (hidden) would give the hidden 1 away.
    assert_eq!(view.months[0].completed, None);
    assert_eq!(view.threshold, 3);
    assert_eq!(admin.suppression_threshold().unwrap().get(), 3);
    assert_eq!(
        code(admin.set_suppression_threshold(1)),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(admin.set_suppression_threshold(101)),
        ErrorCode::InvalidInput
    );
    assert_eq!(admin.set_suppression_threshold(5).unwrap().get(), 5);
    // With 5, IFO's 5 completed are hidden too, and with them every breakdown.
    let view = admin.statistics(from, to).unwrap();
    assert_eq!(view.threshold, 5);
    let ifo = view.rows.iter().find(|r| r.unit == "IFO").unwrap();
    assert_eq!(ifo.completed, None);
    assert!(ifo
        .breakdowns
        .iter()
        .filter(|b| b.measure == "outcome:screening")
        .all(|b| b.count.is_none()));
    assert_eq!(admin.export(from, to).unwrap().threshold().get(), 5);
    // A period the wrong way round is refused.
    assert_eq!(
        code(admin.statistics(to, months_ago(2))),
        ErrorCode::InvalidInput
    );
}

#[test]
fn the_installation_keeps_one_id_and_key_across_lock_and_unlock() {
    let (w, mut admin) = world();
    let first = admin.installation_identity().unwrap();
    let f1 = admin.export(this_month(), this_month()).unwrap();
    assert_eq!(f1.installation_id(), first.installation_id);
    assert_eq!(f1.public_key().to_hex(), first.public_key);
    admin.lock();
    let mut arne = w.unlock("arne");
    let again = arne.installation_identity().unwrap();
    assert_eq!(again, first, "the identity belongs to the installation");
    arne.lock();
    let mut admin = w.unlock("admin");
    let f2 = admin.export(this_month(), this_month()).unwrap();
    assert_eq!(f2.installation_id(), first.installation_id);
    assert_eq!(f2.public_key(), f1.public_key());
    // The key is stored nowhere in the clear: the data folder never contains the public key's
    // private half in hex (it lives in the encrypted database only).
    admin.lock();
}

#[test]
fn two_installations_merge_into_a_unit_total_and_the_same_file_twice_is_refused() {
    let (w1, admin1) = world();
    let (w2, admin2) = world();
    admin1.lock();
    admin2.lock();
    let mut files = Vec::new();
    for (w, n) in [(&w1, 4), (&w2, 5)] {
        let mut hanna = w.unlock("hanna");
        for _ in 0..n {
            let d = start(&mut hanna, "freda-kortfragor-stil", &w.ifo);
            answer_freda(&mut hanna, &d.id, true);
            hanna.complete_screening(&d.id).unwrap();
        }
        hanna.lock();
        let mut arne = w.unlock("arne");
        files.push(
            arne.export(this_month(), this_month())
                .unwrap()
                .to_json_bytes()
                .to_vec(),
        );
        arne.lock();
    }

    let mut arne2 = w2.unlock("arne");
    let second = arne2.installation_identity().unwrap();
    arne2.lock();
    let mut arne = w1.unlock("arne");
    // The second laptop's key must be trusted here first (tests/trusted_senders.rs).
    assert_eq!(code(arne.merge_exports(&files)), ErrorCode::UntrustedSender);
    arne.trust_sender(second.installation_id, &second.public_key, "Laptop 2")
        .unwrap();
    let merged = arne.merge_exports(&files).unwrap();
    let own = arne.installation_identity().unwrap();
    assert_eq!(merged.installation_id(), own.installation_id);
    assert_eq!(merged.sources().len(), 2);
    let completed = merged
        .rows()
        .iter()
        .find(|r| r.measure == export::Measure::Completed)
        .unwrap();
    assert_eq!(completed.count, export::Cell::Exact(9));
    export::verify(merged.to_json_bytes()).unwrap();
    strict_parse(merged.to_json_bytes());

    // The same file twice, or a merged file together with one of its sources: refused.
    assert_eq!(
        code(arne.merge_exports(&[files[0].clone(), files[0].clone()])),
        ErrorCode::Conflict
    );
    assert_eq!(
        code(arne.merge_exports(&[merged.to_json_bytes().to_vec(), files[1].clone()])),
        ErrorCode::Conflict
    );
    // A tampered file is refused.
    let mut bad = files[1].clone();
    let at = bad.len() / 2;
    bad[at] ^= 0x01;
    let e = arne.merge_exports(&[files[0].clone(), bad]).unwrap_err();
    assert!(
        matches!(e.code(), ErrorCode::Corrupt | ErrorCode::InvalidInput),
        "{e}"
    );
    assert!(e.to_string().contains("file 2"), "{e}");
    assert_eq!(code(arne.merge_exports(&[])), ErrorCode::InvalidInput);
}

#[test]
fn changing_any_byte_of_a_file_the_store_signed_is_detected() {
    let (w, admin) = world();
    admin.lock();
    let mut hanna = w.unlock("hanna");
    let d = start(&mut hanna, "freda-kortfragor-stil", &w.ifo);
    answer_freda(&mut hanna, &d.id, false);
    hanna.complete_screening(&d.id).unwrap();
    hanna.lock();
    let mut arne = w.unlock("arne");
    let file = arne.export(this_month(), this_month()).unwrap();
    let bytes = file.to_json_bytes().to_vec();
    export::verify(&bytes).unwrap();
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x20, 0x80] {
            let mut b = bytes.clone();
            b[i] ^= flip;
            assert!(
                export::verify(&b).is_err(),
                "byte {i} ^ {flip:#x} not detected"
            );
        }
    }
    let mut shorter = bytes.clone();
    shorter.pop();
    assert!(export::verify(&shorter).is_err());
    let mut longer = bytes.clone();
    longer.push(b'\n');
    assert!(export::verify(&longer).is_err());
}
