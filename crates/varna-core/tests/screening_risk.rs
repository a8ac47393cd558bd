//! Risk over time through the store: the incident calendar counts back from the day of the
//! samtal, "vet ej" is stored and read back as its own answer, and a re-assessment follows
//! up an earlier screening of the same person (previous answers beside, never copied; the
//! link kept locally; the tally counts re-assessments only in the suppressed `assessment`
//! breakdown, never as an exact total).

mod screening_support;

use screening_support::*;
use varna_core::export::{Measure, PersonRole, YearMonth};
use varna_core::indicator::Indicator;
use varna_core::instrument::calendar::{CalendarAnswer, Incident};
use varna_core::instrument::AnswerValue;
use varna_core::screening::NewScreening;
use varna_core::ErrorCode;

fn calendar(as_of: &str, dates: &[&str]) -> Option<AnswerValue> {
    Some(AnswerValue::Calendar(CalendarAnswer {
        as_of: as_of.into(),
        incidents: dates
            .iter()
            .map(|d| Incident {
                date: (*d).into(),
                severity: "slag".into(),
                description: None,
            })
            .collect(),
    }))
}

#[test]
fn a_calendar_counts_back_from_the_day_of_the_samtal_and_vet_ej_reads_back() {
    let (w, admin) = world();
    admin.lock();
    let mut s = w.unlock("hanna");
    let doc = start(&mut s, "farlighet-stil", &w.ifo);
    assert_eq!(doc.instrument_version, "1.1.0", "the newest version starts");
    let day = doc.conducted_on.format("%Y-%m-%d").to_string();
    let month = &day[..7];

    // Another reference day is refused, and nothing is written.
    let e = s
        .save_answer(&doc.id, "kalender", calendar("2000-01-01", &[]))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.to_string().contains("day of the samtal"), "{e}");
    assert!(!s
        .screening(&doc.id)
        .unwrap()
        .answers
        .contains_key("kalender"));

    save(&mut s, &doc.id, "kalender", calendar(&day, &[month, &day]));
    save(&mut s, &doc.id, "okat_vald", Some(AnswerValue::DontKnow));
    let back = s.screening(&doc.id).unwrap();
    assert_eq!(back.answers["okat_vald"], AnswerValue::DontKnow);
    assert_eq!(
        back.answers["kalender"],
        calendar(&day, &[month, &day]).unwrap()
    );
    // Two incidents in the month of the samtal, none before: escalation.
    assert_eq!(back.evaluation.outcome("upptrappning"), Some("ja"));
    assert_eq!(back.evaluation.score("antal_ja").unwrap().dont_know, 1);
    // "Vet ej" where the file does not allow it is refused.
    assert_eq!(
        code(s.save_answer(
            &doc.id,
            "professionell_bedomning",
            Some(AnswerValue::DontKnow)
        )),
        ErrorCode::InvalidInput
    );
}

fn this_month() -> YearMonth {
    use chrono::Datelike;
    let t = chrono::Local::now().date_naive();
    YearMonth::new(t.year() as u16, t.month() as u8).unwrap()
}

#[test]
fn a_follow_up_shows_the_previous_answers_without_copying_them_and_counts_as_reassessment() {
    let (w, admin) = world();
    admin.lock();
    let mut hanna = w.unlock("hanna");
    let first = hanna
        .start_screening(NewScreening {
            case_ref: Some("ÄRENDE-17".into()),
            ..new_screening("freda-kortfragor-stil", &w.ifo)
        })
        .unwrap();
    answer_freda(&mut hanna, &first.id, true);
    let follow = |of: &str| NewScreening {
        case_ref: Some("ÄRENDE-17".into()),
        follows: Some(of.into()),
        ..new_screening("freda-kortfragor-stil", &w.ifo)
    };
    // A draft cannot be followed up.
    assert_eq!(
        code(hanna.start_screening(follow(&first.id))),
        ErrorCode::InvalidInput
    );
    hanna.complete_screening(&first.id).unwrap();

    // Another person (case, role), another instrument or unit: refused.
    for other in [
        NewScreening {
            case_ref: Some("ÄRENDE-18".into()),
            ..follow(&first.id)
        },
        NewScreening {
            person_role: PersonRole::Anhorig,
            ..follow(&first.id)
        },
        NewScreening {
            instrument_id: "farlighet-stil".into(),
            ..follow(&first.id)
        },
    ] {
        assert_eq!(code(hanna.start_screening(other)), ErrorCode::InvalidInput);
    }
    assert_eq!(
        code(hanna.start_screening(follow("finns-inte"))),
        ErrorCode::NotFound
    );

    let second = hanna.start_screening(follow(&first.id)).unwrap();
    // Nothing is pre-filled; the previous answers come beside.
    assert!(second.answers.is_empty(), "{:?}", second.answers);
    let prev = second.previous.as_ref().expect("previous screening");
    assert_eq!(prev.id, first.id);
    assert_eq!(prev.answers["hot"], AnswerValue::YesNo(true));
    assert_eq!(prev.evaluation.outcome("screening"), Some("positiv"));
    // The JSON for the UI carries it; a screening without a follow-up has none.
    let json = serde_json::to_value(&second).unwrap();
    assert_eq!(json["previous"]["answers"]["hot"]["value"], true);
    assert!(serde_json::to_value(&first)
        .unwrap()
        .get("previous")
        .is_none());

    // Someone who may not read the earlier screening is refused the follow-up.
    hanna.lock();
    let mut hugo = w.unlock("hugo");
    assert_eq!(
        code(hugo.start_screening(NewScreening {
            unit_id: w.vux.clone(),
            ..follow(&first.id)
        })),
        ErrorCode::Forbidden
    );
    hugo.lock();

    // Completed: the first counts as a first assessment, the follow-up as a re-assessment.
    let mut hanna = w.unlock("hanna");
    answer_freda(&mut hanna, &second.id, false);
    let done = hanna.complete_screening(&second.id).unwrap();
    assert_eq!(
        done.previous
            .as_ref()
            .unwrap()
            .evaluation
            .outcome("screening"),
        Some("positiv")
    );
    assert_eq!(done.evaluation.outcome("screening"), Some("negativ"));
    hanna.lock();
    let arne = w.unlock("arne");
    let rows = arne.tally_rows(this_month(), this_month()).unwrap();
    let count = |m: Measure| rows.iter().find(|r| r.measure == m).map(|r| r.count);
    let cell = |c: &str| {
        rows.iter()
            .find(|r| {
                r.measure == Measure::Assessment && r.category.as_ref().unwrap().as_str() == c
            })
            .map(|r| r.count)
    };
    assert_eq!(count(Measure::Completed), Some(2));
    assert_eq!((cell("forsta"), cell("uppfoljning")), (Some(1), Some(1)));
    // No exact total of the re-assessments: `completed` minus it would publish the first
    // assessments exactly, beside a suppressed breakdown.
    assert_eq!(
        count(Measure::Indicator(Indicator::ReassessmentAfterIncident)),
        None
    );
    // The running tally and the one rebuilt from the screenings agree on the breakdown.
    let rebuilt = arne.rebuild_tally().unwrap();
    let of = |rows: &[varna_core::export::CountRow]| {
        rows.iter()
            .filter(|r| r.measure == Measure::Assessment)
            .map(|r| (r.category.clone(), r.count))
            .collect::<Vec<_>>()
    };
    assert_eq!(of(&rows), of(&rebuilt));
    // The arbetsledare of the unit sees the link too, and reading the earlier answers is
    // logged as a read of the earlier screening.
    let seen = arne.screening(&second.id).unwrap();
    assert_eq!(seen.previous.unwrap().id, first.id);
    let reads = arne
        .audit_list(&varna_core::audit::AuditFilter {
            object_id: Some(first.id.clone()),
            event: Some("screening_open".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(
        reads
            .iter()
            .any(|r| r.detail == "previous" && r.actor_username.as_deref() == Some("arne")),
        "{reads:?}"
    );
}

/// Completes `firsts` first assessments and `follow_ups` re-assessments (each a follow-up of
/// one of the first assessments in `done`, which grows) of the FREDA-style screening in the
/// unit `ifo`.
fn assessments(
    hanna: &mut varna_core::store::Store,
    ifo: &str,
    firsts: usize,
    follow_ups: usize,
    done: &mut Vec<(String, String)>,
) {
    for n in 0..firsts {
        let d = hanna
            .start_screening(NewScreening {
                case_ref: Some(format!("ÄRENDE-{n}")),
                ..new_screening("freda-kortfragor-stil", ifo)
            })
            .unwrap();
        answer_freda(hanna, &d.id, n % 2 == 0);
        hanna.complete_screening(&d.id).unwrap();
        done.push((format!("ÄRENDE-{n}"), d.id));
    }
    for n in 0..follow_ups {
        let (case, of) = &done[n % done.len()];
        let d = hanna
            .start_screening(NewScreening {
                case_ref: Some(case.clone()),
                follows: Some(of.clone()),
                ..new_screening("freda-kortfragor-stil", ifo)
            })
            .unwrap();
        answer_freda(hanna, &d.id, false);
        hanna.complete_screening(&d.id).unwrap();
    }
}

/// The `assessment` cells of the statistics view (what the screen and the export publish).
fn published_assessment(
    store: &varna_core::store::Store,
) -> (Option<u64>, Vec<(String, Option<u64>)>) {
    let view = store.statistics(this_month(), this_month()).unwrap();
    let row = view
        .rows
        .iter()
        .find(|r| r.instrument == "freda-kortfragor-stil")
        .expect("a row for the screenings");
    let cells = row
        .breakdowns
        .iter()
        .filter(|b| b.measure == "assessment")
        .map(|b| (b.category.clone(), b.count))
        .collect();
    (row.completed, cells)
}

#[test]
fn re_assessments_are_a_breakdown_suppressed_like_the_role() {
    let (w, admin) = world();
    admin.lock();
    // Five first assessments and one re-assessment: `completed` (6) is published, but the
    // one re-assessment is a small cell, so both cells are hidden (a lone hidden cell would
    // be `completed` minus the other).
    let mut hanna = w.unlock("hanna");
    let mut done = Vec::new();
    assessments(&mut hanna, &w.ifo, 5, 1, &mut done);
    hanna.lock();
    let arne = w.unlock("arne");
    let (completed, cells) = published_assessment(&arne);
    assert_eq!(completed, Some(6));
    assert_eq!(
        cells,
        [
            ("forsta".to_string(), None),
            ("uppfoljning".to_string(), None)
        ]
    );
    // Nor is there any exact total from which the follow-ups could be read.
    let view = arne.statistics(this_month(), this_month()).unwrap();
    let json = serde_json::to_string(&view).unwrap();
    assert!(!json.contains("reassessment_after_incident"), "{json}");
    arne.lock();

    // With four of each, both are published exactly.
    let mut hanna = w.unlock("hanna");
    assessments(&mut hanna, &w.ifo, 0, 3, &mut done);
    hanna.lock();
    let arne = w.unlock("arne");
    let (completed, cells) = published_assessment(&arne);
    assert_eq!(completed, Some(9));
    assert_eq!(
        cells,
        [
            ("forsta".to_string(), Some(5)),
            ("uppfoljning".to_string(), Some(4)),
        ]
    );
}

/// Version 1.0.0 or 2.0.0 of a small instrument: 2.0.0 keeps `hot`, turns `radd` into a
/// choice, drops `gammal` and adds the required `ny`.
fn versioned(version: &str) -> String {
    let changed = if version == "1.0.0" {
        r#"
[[sections.items]]
id = "radd"
type = "yes_no"
text = { sv = "Rädd?" }

[[sections.items]]
id = "gammal"
type = "short_text"
text = { sv = "Gammal fråga" }
"#
    } else {
        r#"
[[sections.items]]
id = "radd"
type = "single_choice"
text = { sv = "Hur rädd?" }
options = [{ id = "lite", label = { sv = "Lite" } }, { id = "mycket", label = { sv = "Mycket" } }]

[[sections.items]]
id = "ny"
type = "yes_no"
required = true
text = { sv = "Ny fråga" }
"#
    };
    format!(
        r#"id = "uppgradering"
version = "{version}"
kind = "screening"
title = {{ sv = "Uppgradering" }}
description = {{ sv = "Test" }}
source = {{ sv = "Test" }}
licence = {{ sv = "Test" }}

[[sections]]
id = "s"
title = {{ sv = "S" }}

[[sections.items]]
id = "hot"
type = "yes_no"
required = true
text = {{ sv = "Hot?" }}
{changed}"#
    )
}

#[test]
fn a_draft_moves_to_a_newer_version_in_one_logged_step_and_nothing_is_lost_unseen() {
    let (w, mut admin) = world();
    let picked = tempfile::tempdir().unwrap();
    let folder = w.path().join("instruments");
    let add = |admin: &mut varna_core::store::Store, v: &str| {
        let f = picked.path().join(format!("{v}.toml"));
        std::fs::write(&f, versioned(v)).unwrap();
        admin.add_instrument_file(&f, &folder).unwrap();
    };
    add(&mut admin, "1.0.0");
    let mut hanna = w.unlock("hanna");
    let draft = start(&mut hanna, "uppgradering", &w.ifo);
    let done = start(&mut hanna, "uppgradering", &w.ifo);
    save(&mut hanna, &draft.id, "hot", Some(AnswerValue::YesNo(true)));
    save(
        &mut hanna,
        &draft.id,
        "radd",
        Some(AnswerValue::YesNo(true)),
    );
    save(
        &mut hanna,
        &draft.id,
        "gammal",
        Some(AnswerValue::Text("x".into())),
    );
    hanna.save_note(&draft.id, "gammal", "anteckning").unwrap();
    hanna.save_note(&draft.id, "hot", "behålls").unwrap();
    save(&mut hanna, &done.id, "hot", Some(AnswerValue::YesNo(false)));
    hanna.complete_screening(&done.id).unwrap();
    // No newer version yet.
    assert_eq!(
        code(hanna.upgrade_preview(&draft.id, None)),
        ErrorCode::InvalidInput
    );
    hanna.lock();
    add(&mut admin, "2.0.0");
    let mut hanna = w.unlock("hanna");

    let p = hanna.upgrade_preview(&draft.id, None).unwrap();
    assert_eq!(
        (p.from_version.as_str(), p.to_version.as_str()),
        ("1.0.0", "2.0.0")
    );
    assert_eq!(p.carried, ["hot"]);
    let dropped: Vec<&str> = p.dropped.iter().map(|d| d.key.as_str()).collect();
    assert_eq!(dropped, ["gammal", "radd"]);
    assert!(p.dropped[1].reason.contains("choice"), "{:?}", p.dropped);
    assert_eq!(p.needed, ["ny"]);
    assert_eq!(p.dropped_notes, ["gammal"]);

    // A completed screening never changes version; someone else's draft cannot be moved.
    assert_eq!(
        code(hanna.upgrade_draft(&done.id, "2.0.0", 0)),
        ErrorCode::Conflict
    );
    // The draft changed since the preview (the worker saw another list): nothing happens.
    assert_eq!(
        code(hanna.upgrade_draft(&draft.id, "2.0.0", 1)),
        ErrorCode::Conflict
    );
    assert_eq!(
        hanna.screening(&draft.id).unwrap().instrument_version,
        "1.0.0"
    );

    let up = hanna.upgrade_draft(&draft.id, "2.0.0", 2).unwrap();
    assert_eq!(up.instrument_version, "2.0.0");
    assert_eq!(up.answers.len(), 1);
    assert_eq!(up.answers["hot"], AnswerValue::YesNo(true));
    assert_eq!(up.notes.keys().collect::<Vec<_>>(), ["hot"]);
    // Every carried answer is valid in the new version.
    for (k, v) in &up.answers {
        varna_core::instrument::validate_answer(&up.definition, &k.parse().unwrap(), v).unwrap();
    }
    assert!(up
        .evaluation
        .missing_required
        .iter()
        .any(|k| k.item == "ny"));
    // Not newer any more; the completed one stays on its version.
    assert_eq!(
        code(hanna.upgrade_preview(&draft.id, Some("1.0.0"))),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        hanna.screening(&done.id).unwrap().instrument_version,
        "1.0.0"
    );
    save(&mut hanna, &draft.id, "ny", Some(AnswerValue::YesNo(false)));
    hanna.complete_screening(&draft.id).unwrap();
    hanna.lock();

    // Logged, with the counts.
    let log = admin
        .audit_list(&varna_core::audit::AuditFilter::default())
        .unwrap();
    let row = log
        .iter()
        .find(|r| r.event == varna_core::audit::Event::ScreeningUpgrade.as_str())
        .expect("screening_upgrade logged");
    assert_eq!(
        (row.object_id.as_str(), row.detail.as_str()),
        (
            draft.id.as_str(),
            "uppgradering@1.0.0 -> 2.0.0: 1 carried, 2 dropped"
        )
    );
}
