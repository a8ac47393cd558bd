//! National follow-up indicators: tags validated at load, counts per indicator in the tally
//! and the export (suppressed like every total), the year view, and the unit's own
//! denominators (role check, logging, share hidden with its count).

mod screening_support;

use chrono::Datelike;
use screening_support::*;
use varna_core::audit::AuditFilter;
use varna_core::export::{self, Measure, YearMonth};
use varna_core::indicator::Indicator;
use varna_core::instrument;
use varna_core::review::Decision;
use varna_core::ErrorCode;

const TAGGED: &str = r#"id = "mini"
version = "1.0.0"
kind = "screening"
title = { sv = "Mini" }
description = { sv = "Test" }
source = { sv = "Test" }
licence = { sv = "Test" }
indicators = ["asked_about_violence", "children_present"]

[[sections]]
id = "a"
title = { sv = "A" }

[[sections.items]]
id = "fraga"
type = "yes_no"
text = { sv = "Fråga" }
"#;

#[test]
fn an_instrument_tags_its_completion_with_known_indicators_only() {
    let ok = instrument::load_str("mini/1.0.0.toml", TAGGED).unwrap();
    assert_eq!(
        ok.definition.indicators,
        [Indicator::AskedAboutViolence, Indicator::ChildrenPresent]
    );
    // The JSON the UI receives carries the ids.
    let json = serde_json::to_value(&ok.definition).unwrap();
    assert_eq!(
        json["indicators"],
        serde_json::json!(["asked_about_violence", "children_present"])
    );

    let bad = TAGGED.replace("\"children_present\"", "\"barn_finns\"");
    let errs = instrument::load_str("mini/1.0.0.toml", &bad).unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    let shown = errs[0].to_string();
    assert!(
        shown.starts_with("mini/1.0.0.toml:8:39:"),
        "file:line:col expected, got {shown}"
    );
    assert!(shown.contains("unknown follow-up indicator `barn_finns`"));

    // Counted by the review only, never by a completion; each id once; a list of strings.
    for (from, to, message) in [
        (
            "\"children_present\"",
            "\"reviewed_by_supervisor\"",
            "counted by the review",
        ),
        ("\"children_present\"", "\"asked_about_violence\"", "twice"),
        (
            "[\"asked_about_violence\", \"children_present\"]",
            "\"asked_about_violence\"",
            "must be a list",
        ),
    ] {
        let errs = instrument::load_str("mini/1.0.0.toml", &TAGGED.replace(from, to)).unwrap_err();
        assert!(errs[0].to_string().contains(message), "{errs:?}");
    }
}

fn this_month() -> YearMonth {
    varna_core::screening::current_month()
}

#[test]
fn completions_and_approvals_count_per_indicator_suppressed_like_totals() {
    let (w, admin) = world();
    admin.lock();
    let mut hanna = w.unlock("hanna");
    let mut done = Vec::new();
    for positive in [true, false, true, false, true] {
        let d = start(&mut hanna, "freda-kortfragor-stil", &w.ifo);
        answer_freda(&mut hanna, &d.id, positive);
        hanna.complete_screening(&d.id).unwrap();
        done.push(d.id);
    }
    hanna.lock();
    let mut hugo = w.unlock("hugo");
    let d = start(&mut hugo, "freda-kortfragor-stil", &w.vux);
    answer_freda(&mut hugo, &d.id, false);
    hugo.complete_screening(&d.id).unwrap();
    hugo.lock();

    // Arne approves two of IFO's five.
    let mut arne = w.unlock("arne");
    for id in &done[..2] {
        arne.review_decide(id, Decision::Approve, None).unwrap();
    }

    // The tally: one per completion for the tag of the FREDA-style screening (shipped
    // table), one per approval for `reviewed_by_supervisor`, in the month of the event.
    let month = this_month();
    let raw = arne.tally_rows(month, month).unwrap();
    let count_of = |unit: &str, i: Indicator| {
        raw.iter()
            .find(|r| r.unit_code.as_str() == unit && r.measure == Measure::Indicator(i))
            .map(|r| r.count)
    };
    assert_eq!(count_of("IFO", Indicator::AskedAboutViolence), Some(5));
    assert_eq!(count_of("IFO", Indicator::ReviewedBySupervisor), Some(2));
    assert_eq!(count_of("VUX", Indicator::AskedAboutViolence), Some(1));
    assert_eq!(count_of("IFO", Indicator::StandardisedRiskAssessment), None);

    // The export: indicator ids as measures; 5 is published, 2 is hidden (1..=3).
    let file = arne.export(month, month).unwrap();
    let exported = |i: Indicator| {
        file.rows()
            .iter()
            .find(|r| r.measure == Measure::Indicator(i))
            .map(|r| r.count)
    };
    assert_eq!(
        exported(Indicator::AskedAboutViolence),
        Some(export::Cell::Exact(5))
    );
    assert_eq!(
        exported(Indicator::ReviewedBySupervisor),
        Some(export::Cell::Suppressed)
    );
    let bytes = file.to_json_bytes().to_vec();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.contains("\"measure\": \"indicator:asked_about_violence\""));
    assert!(!text.contains("Frågat om våld"));
    export::verify(&bytes).unwrap();

    // The year view: the same numbers; hidden shown as None.
    let year = month.year();
    let view = arne.indicator_year(year).unwrap();
    let cell = |v: &varna_core::stats::IndicatorYearView, unit: &str, i: Indicator| {
        v.cells
            .iter()
            .find(|c| c.unit == unit && c.indicator == i.id())
            .cloned()
            .unwrap()
    };
    assert!(view.cells.iter().all(|c| c.unit == "IFO"));
    assert_eq!(view.cells.len(), Indicator::ALL.len());
    assert_eq!(
        cell(&view, "IFO", Indicator::AskedAboutViolence).count,
        Some(5)
    );
    assert_eq!(
        cell(&view, "IFO", Indicator::ReviewedBySupervisor).count,
        None
    );
    assert_eq!(cell(&view, "IFO", Indicator::SafetyPlan).count, Some(0));
    assert!(view.any_suppressed);
    assert_eq!(view.indicators[0].name.sv, "Frågat om våld");

    // Denominators: the unit head of the unit only, 1..=1 000 000, a known indicator.
    arne.set_indicator_denominator("IFO", year, "asked_about_violence", Some(20))
        .unwrap();
    arne.set_indicator_denominator("ifo", year, "reviewed_by_supervisor", Some(10))
        .unwrap();
    assert_eq!(
        code(arne.set_indicator_denominator("VUX", year, "asked_about_violence", Some(9))),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(arne.set_indicator_denominator("IFO", year, "asked_about_violence", Some(0))),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(arne.set_indicator_denominator("IFO", year, "okand", Some(5))),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(arne.set_indicator_denominator("IFO", 1999, "safety_plan", Some(5))),
        ErrorCode::InvalidInput
    );
    let view = arne.indicator_year(year).unwrap();
    let asked = cell(&view, "IFO", Indicator::AskedAboutViolence);
    assert_eq!(
        (asked.denominator, asked.share_percent),
        (Some(20), Some(25.0))
    );
    // The share of a hidden count is hidden too.
    let reviewed = cell(&view, "IFO", Indicator::ReviewedBySupervisor);
    assert_eq!(
        (reviewed.denominator, reviewed.share_percent),
        (Some(10), None)
    );
    // Another year has none.
    let before = arne.indicator_year(year - 1).unwrap();
    assert!(before.cells.iter().all(|c| c.denominator.is_none()));
    // The denominator is never exported.
    let text =
        String::from_utf8(arne.export(month, month).unwrap().to_json_bytes().to_vec()).unwrap();
    assert!(!text.contains("\"count\": 20") && !text.contains("denominator"));
    // Cleared with None.
    arne.set_indicator_denominator("IFO", year, "reviewed_by_supervisor", None)
        .unwrap();
    let view = arne.indicator_year(year).unwrap();
    assert_eq!(
        cell(&view, "IFO", Indicator::ReviewedBySupervisor).denominator,
        None
    );
    arne.lock();

    // A handläggare may neither see the year view nor set a denominator.
    let mut hanna = w.unlock("hanna");
    assert_eq!(code(hanna.indicator_year(year)), ErrorCode::Forbidden);
    assert_eq!(
        code(hanna.set_indicator_denominator("IFO", year, "safety_plan", Some(5))),
        ErrorCode::Forbidden
    );
    hanna.lock();

    // Alva (VUX) sees VUX's single completion hidden; the administratör sees both units
    // and may set a denominator for any.
    let alva = w.unlock("alva");
    let view = alva.indicator_year(year).unwrap();
    assert_eq!(
        cell(&view, "VUX", Indicator::AskedAboutViolence).count,
        None
    );
    alva.lock();
    let mut admin = w.unlock("admin");
    admin
        .set_indicator_denominator("VUX", year, "asked_about_violence", Some(4))
        .unwrap();
    let view = admin.indicator_year(year).unwrap();
    assert_eq!(view.cells.len(), 2 * Indicator::ALL.len());
    let vux = cell(&view, "VUX", Indicator::AskedAboutViolence);
    assert_eq!(
        (vux.count, vux.denominator, vux.share_percent),
        (None, Some(4), None)
    );

    // Every change is logged with codes and numbers only.
    let logged: Vec<String> = admin
        .audit_list(&AuditFilter {
            event: Some("denominator_set".into()),
            ..AuditFilter::default()
        })
        .unwrap()
        .into_iter()
        .map(|e| e.detail)
        .collect();
    assert_eq!(logged.len(), 4, "{logged:?}");
    assert!(logged.contains(&format!("{year} asked_about_violence=20")));
    assert!(logged.contains(&format!("{year} reviewed_by_supervisor=cleared")));
    let _ = chrono::Local::now().year();
}
