//! Risk over time in the instrument language: the incident calendar and its measures
//! (`count`, `count_within`, `escalation`, with escalation tested as a monotone property),
//! "vet ej" as its own answer, and the person's own view beside a band.

use proptest::prelude::*;
use varna_core::instrument::calendar::{self, CalendarAnswer, Incident};
use varna_core::instrument::{
    self, evaluate, validate_answer, AnswerKey, AnswerValue, Answers, Choice, Instrument, ItemKind,
};

/// An instrument with a calendar (12 months, escalation over 3), yes/no items that allow
/// "vet ej" and a count score over them, and flags for every measure.
const SRC: &str = r#"id = "risk"
version = "1.0.0"
kind = "checklist"
title = { sv = "R" }
description = { sv = "R" }
source = { sv = "R" }
licence = { sv = "R" }

[[sections]]
id = "s"
title = { sv = "S" }

[[sections.items]]
id = "kalender"
type = "calendar"
text = { sv = "Kalender" }
months = 12
escalation_months = 3
levels = [
  { id = "l1", label = { sv = "1" } },
  { id = "l2", label = { sv = "2" } },
  { id = "l3", label = { sv = "3" } },
  { id = "l4", label = { sv = "4" } },
  { id = "l5", label = { sv = "5" } },
]

[[sections.items]]
id = "hot"
type = "yes_no"
required = true
allow_decline = true
allow_unknown = true
text = { sv = "Hot" }

[[sections.items]]
id = "kontroll"
type = "yes_no"
required = true
allow_unknown = true
text = { sv = "Kontroll" }

[[sections.items]]
id = "om_vet_ej"
type = "short_text"
text = { sv = "Visas när hot är vet ej" }
show_if = "dont_know(hot)"

[[sections.items]]
id = "om_inte_besvarad"
type = "short_text"
text = { sv = "Visas när hot inte är besvarad" }
show_if = "not answered(hot)"

[[sections.items]]
id = "om_manga"
type = "yes_no"
text = { sv = "Visas vid minst tre händelser" }
show_if = "count(kalender) >= 3"

[[sections.items]]
id = "om_nyligen"
type = "yes_no"
text = { sv = "Visas vid en händelse de senaste två månaderna" }
show_if = "count_within(kalender, 2) >= 1"

[[scores]]
id = "antal"
label = { sv = "Antal" }
method = "count"
items = ["kalender", "hot", "kontroll"]

[[outcomes]]
id = "upptrappning"
label = { sv = "Upptrappning" }
categories = [
  { id = "ingen", label = { sv = "Ingen" } },
  { id = "en", label = { sv = "En" } },
  { id = "bada", label = { sv = "Båda" } },
]
rules = [
  { when = "escalation(kalender) == 2", category = "bada" },
  { when = "escalation(kalender) == 1", category = "en" },
]
otherwise = "ingen"
"#;

fn def() -> Instrument {
    instrument::load_str("risk/1.0.0.toml", SRC)
        .unwrap_or_else(|d| panic!("{d:#?}"))
        .definition
}

fn levels(def: &Instrument) -> Vec<Choice> {
    match &def.item("kalender").unwrap().kind {
        ItemKind::Calendar { levels, .. } => levels.clone(),
        _ => unreachable!(),
    }
}

fn inc(date: &str, severity: &str) -> Incident {
    Incident {
        date: date.into(),
        severity: severity.into(),
        description: None,
    }
}

fn cal(as_of: &str, incidents: Vec<Incident>) -> CalendarAnswer {
    CalendarAnswer {
        as_of: as_of.into(),
        incidents,
    }
}

fn with_calendar(c: CalendarAnswer) -> Answers {
    let mut a = Answers::new();
    a.insert(AnswerKey::item("kalender"), AnswerValue::Calendar(c));
    a
}

#[test]
fn count_within_counts_whole_months_back_from_the_day_of_the_samtal() {
    let c = cal(
        "2026-05-20",
        vec![
            inc("2026-05-01", "l1"), // month 0
            inc("2026-04", "l1"),    // month 1, only the month known
            inc("2026-03-31", "l1"), // month 2
            inc("2025-06-01", "l1"), // month 11: the oldest the calendar holds
        ],
    );
    assert_eq!(calendar::count_within(&c, 1), 1);
    assert_eq!(calendar::count_within(&c, 2), 2);
    assert_eq!(calendar::count_within(&c, 3), 3);
    assert_eq!(calendar::count_within(&c, 11), 3);
    assert_eq!(calendar::count_within(&c, 12), 4);

    let def = def();
    let ev = evaluate(&def, &with_calendar(c));
    assert!(ev.is_visible("om_manga"), "count(kalender) is 4");
    assert!(ev.is_visible("om_nyligen"));
    // Only an old incident: nothing recent.
    let ev = evaluate(
        &def,
        &with_calendar(cal("2026-05-20", vec![inc("2026-02", "l5")])),
    );
    assert!(!ev.is_visible("om_nyligen"));
    assert!(!ev.is_visible("om_manga"));
}

#[test]
fn escalation_compares_the_recent_period_with_the_one_before_in_count_and_severity() {
    let def = def();
    let lv = levels(&def);
    let e = |incs: Vec<Incident>| calendar::escalation(&lv, &cal("2026-06-10", incs), 3);
    // Recent = April–June, earlier = January–March.
    assert_eq!(e(vec![]), 0);
    assert_eq!(
        e(vec![inc("2026-02", "l3")]),
        0,
        "only earlier: nothing rises"
    );
    assert_eq!(
        e(vec![inc("2026-02", "l3"), inc("2026-05", "l3")]),
        0,
        "same count and severity"
    );
    assert_eq!(
        e(vec![inc("2026-02", "l3"), inc("2026-05", "l4")]),
        1,
        "more severe"
    );
    assert_eq!(
        e(vec![
            inc("2026-02", "l3"),
            inc("2026-05", "l2"),
            inc("2026-06-01", "l1")
        ]),
        1,
        "more often"
    );
    assert_eq!(
        e(vec![
            inc("2026-02", "l3"),
            inc("2026-05", "l2"),
            inc("2026-06-01", "l5")
        ]),
        2,
        "more often and more severe"
    );
    // Older than both periods: not counted.
    assert_eq!(e(vec![inc("2025-12", "l1")]), 0);

    let ev = evaluate(
        &def,
        &with_calendar(cal(
            "2026-06-10",
            vec![inc("2026-02", "l3"), inc("2026-05", "l4")],
        )),
    );
    assert_eq!(ev.outcome("upptrappning"), Some("en"));
    // In a count score the calendar counts one when it shows escalation.
    assert_eq!(ev.score("antal").unwrap().value, 1);
    let ev = evaluate(
        &def,
        &with_calendar(cal("2026-06-10", vec![inc("2026-02", "l3")])),
    );
    assert_eq!(ev.outcome("upptrappning"), Some("ingen"));
    assert_eq!(ev.score("antal").unwrap().value, 0);
    // No calendar answer: escalation 0, count 0.
    assert_eq!(
        evaluate(&def, &Answers::new()).outcome("upptrappning"),
        Some("ingen")
    );
}

#[test]
fn a_calendar_answer_is_checked_against_its_levels_and_months() {
    let def = def();
    let key = AnswerKey::item("kalender");
    let ok = |c: CalendarAnswer| validate_answer(&def, &key, &AnswerValue::Calendar(c));
    ok(cal("2026-05-20", vec![])).expect("no incidents is an answer");
    ok(cal(
        "2026-05-20",
        vec![inc("2026-05-20", "l1"), inc("2025-06", "l5")],
    ))
    .unwrap();
    for (bad, why) in [
        (cal("2026-13-01", vec![]), "is not a date"),
        (cal("2026-05-20", vec![inc("2026-05-21", "l1")]), "after"),
        (cal("2026-05-20", vec![inc("2026-06", "l1")]), "after"),
        (
            cal("2026-05-20", vec![inc("2025-05-31", "l1")]),
            "more than 12 months",
        ),
        (
            cal("2026-05-20", vec![inc("2026-5-1", "l1")]),
            "is not a date",
        ),
        (
            cal("2026-05-20", vec![inc("2026-05", "l9")]),
            "is not one of",
        ),
    ] {
        let e = ok(bad.clone()).expect_err(&format!("{bad:?}"));
        assert!(e.to_string().contains(why), "{bad:?}: {e}");
    }
    let long = Incident {
        description: Some("x".repeat(calendar::MAX_DESCRIPTION + 1)),
        ..inc("2026-05", "l1")
    };
    assert!(ok(cal("2026-05-20", vec![long])).is_err());
    assert!(ok(cal(
        "2026-05-20",
        vec![inc("2026-05", "l1"); calendar::MAX_INCIDENTS + 1]
    ))
    .is_err());
    // A calendar takes only a calendar value, and a yes/no item no calendar.
    assert!(validate_answer(&def, &key, &AnswerValue::YesNo(true)).is_err());
    assert!(validate_answer(
        &def,
        &AnswerKey::item("hot"),
        &AnswerValue::Calendar(cal("2026-05-20", vec![]))
    )
    .is_err());
}

#[test]
fn vet_ej_is_its_own_answer_complete_for_the_interview_and_missing_for_scores_and_conditions() {
    let def = def();
    let mut a = Answers::new();
    a.insert(AnswerKey::item("hot"), AnswerValue::DontKnow);
    a.insert(AnswerKey::item("kontroll"), AnswerValue::YesNo(true));
    for (k, v) in &a {
        validate_answer(&def, k, v).unwrap();
    }
    // Not allowed where the file does not say so.
    let e =
        validate_answer(&def, &AnswerKey::item("om_manga"), &AnswerValue::DontKnow).unwrap_err();
    assert!(e.to_string().contains("vet ej"), "{e}");
    assert!(validate_answer(&def, &AnswerKey::item("kontroll"), &AnswerValue::Declined).is_err());

    let ev = evaluate(&def, &a);
    assert!(
        ev.complete,
        "vet ej answers a required item: {:?}",
        ev.missing_required
    );
    let s = ev.score("antal").unwrap();
    assert_eq!((s.value, s.answered, s.total), (1, 1, 3));
    assert_eq!((s.declined, s.dont_know), (0, 1));
    assert!(ev.is_visible("om_vet_ej"));
    assert!(
        ev.is_visible("om_inte_besvarad"),
        "answered() is false for vet ej"
    );

    a.insert(AnswerKey::item("hot"), AnswerValue::Declined);
    let ev = evaluate(&def, &a);
    let s = ev.score("antal").unwrap();
    assert_eq!((s.declined, s.dont_know), (1, 0));
    assert!(!ev.is_visible("om_vet_ej"), "declined is not vet ej");
    assert!(ev.is_visible("om_inte_besvarad"));

    a.insert(AnswerKey::item("hot"), AnswerValue::YesNo(true));
    let ev = evaluate(&def, &a);
    let s = ev.score("antal").unwrap();
    assert_eq!((s.value, s.declined, s.dont_know), (2, 0, 0));
    assert!(!ev.is_visible("om_inte_besvarad"));

    // The JSON the UI and the store see.
    assert_eq!(
        serde_json::to_string(&AnswerValue::DontKnow).unwrap(),
        r#"{"type":"dont_know"}"#
    );
}

/// A calendar answer crosses the boundary as `asOf`; answers stored before that (`as_of`)
/// still read, and are written back in the one casing.
#[test]
fn a_calendar_answer_stored_with_the_old_field_name_still_reads() {
    let old: CalendarAnswer = serde_json::from_str(
        r#"{"as_of":"2026-03-15","incidents":[{"date":"2026-03","severity":"hot"}]}"#,
    )
    .unwrap();
    let new: CalendarAnswer = serde_json::from_str(
        r#"{"asOf":"2026-03-15","incidents":[{"date":"2026-03","severity":"hot"}]}"#,
    )
    .unwrap();
    assert_eq!(old, new);
    assert_eq!(old.as_of, "2026-03-15");
    let written = serde_json::to_string(&old).unwrap();
    assert!(written.contains("\"asOf\":\"2026-03-15\""), "{written}");
}

fn incident_strategy() -> impl Strategy<Value = Incident> {
    // Months 0–11 back from June 2026, severities l1–l5, with or without a day.
    (0u32..12, 1usize..=5, any::<bool>()).prop_map(|(back, sev, day)| {
        let m = 2026 * 12 + 5 - back as i64;
        let (y, mo) = (m / 12, m % 12 + 1);
        let date = if day {
            format!("{y:04}-{mo:02}-01")
        } else {
            format!("{y:04}-{mo:02}")
        };
        inc(&date, &format!("l{sev}"))
    })
}

proptest! {
    /// Adding an incident in the recent period, of any severity, never lowers the escalation
    /// measure (so neither does adding a more severe one).
    #[test]
    fn escalation_never_drops_when_a_recent_incident_is_added(
        incidents in proptest::collection::vec(incident_strategy(), 0..12),
        back in 0u32..3,
        sev in 1usize..=5,
        period in 1u32..=6,
    ) {
        let def = def();
        let lv = levels(&def);
        let before = cal("2026-06-10", incidents.clone());
        let m = 2026 * 12 + 5 - back as i64;
        let mut more = incidents;
        more.push(inc(&format!("{:04}-{:02}", m / 12, m % 12 + 1), &format!("l{sev}")));
        let after = cal("2026-06-10", more);
        let period = period.max(back + 1);
        prop_assert!(calendar::escalation(&lv, &after, period) >= calendar::escalation(&lv, &before, period));
        prop_assert!(calendar::escalation(&lv, &after, period) <= 2);
        // And the same through the language, with the file's period of 3 months.
        if back < 3 {
            let rank = |ev: &instrument::Evaluation| match ev.outcome("upptrappning") {
                Some("bada") => 2,
                Some("en") => 1,
                _ => 0,
            };
            let eb = evaluate(&def, &with_calendar(before.clone()));
            let ea = evaluate(&def, &with_calendar(after.clone()));
            prop_assert!(rank(&ea) >= rank(&eb));
            prop_assert_eq!(rank(&ea), calendar::escalation(&lv, &after, 3));
        }
    }

    /// A longer window never counts fewer incidents, and the whole calendar counts them all.
    #[test]
    fn count_within_grows_with_the_window(
        incidents in proptest::collection::vec(incident_strategy(), 0..20),
        n in 1u32..12,
    ) {
        let c = cal("2026-06-10", incidents);
        prop_assert!(calendar::count_within(&c, n) <= calendar::count_within(&c, n + 1));
        prop_assert_eq!(calendar::count_within(&c, 12), c.incidents.len());
    }
}
