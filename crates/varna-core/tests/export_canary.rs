//! Nothing but counts leaves the machine.
//!
//! Random screenings carry canary strings in every free-text and case field. A test-side tally
//! (the real one lives in the store) turns them into count rows; the export, JSON and CSV, must
//! contain no canary and must parse with a strict schema that allows only the documented
//! members. And a canary pushed into a code field by a bug upstream is refused outright.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use serde_json::Value;
use uuid::Uuid;
use varna_core::export::{
    build_export, verify, Code, CountRow, DeclaredInstrument, ExportRequest, InstallationKey,
    InstrumentVersion, Measure, OutcomeDimension, Period, PersonRole, SuppressionThreshold,
    UnitCode, YearMonth,
};

/// A screening as far as this test cares: its coded fields and its free text.
#[derive(Debug, Clone)]
struct Screening {
    unit: &'static str,
    month: u8,
    status: u8, // 0 started, 1 completed, 2 reviewed, 3 discarded
    positive: bool,
    role: PersonRole,
    client_name: String,
    personal_number: String,
    case_reference: String,
    notes: String,
    addendum: String,
}

fn canary() -> impl Strategy<Value = String> {
    // Free text as a social worker might type it, always with a findable marker.
    "[A-Za-zÅÄÖåäö ,.]{0,12}".prop_map(|s| format!("{s} KANARIE-{}", Uuid::new_v4().simple()))
}

fn screening() -> impl Strategy<Value = Screening> {
    (
        prop::sample::select(vec!["IFO1", "Vuxen-2", "BoU_3"]),
        1u8..=3,
        0u8..=3,
        any::<bool>(),
        prop::sample::select(PersonRole::ALL.to_vec()),
        (canary(), canary(), canary(), canary(), canary()),
    )
        .prop_map(|(unit, month, status, positive, role, text)| Screening {
            unit,
            month,
            status,
            positive,
            role,
            client_name: text.0,
            personal_number: text.1,
            case_reference: text.2,
            notes: text.3,
            addendum: text.4,
        })
}

fn code(s: &str) -> Code {
    Code::new(s).unwrap()
}

fn tally(screenings: &[Screening]) -> Vec<CountRow> {
    let mut counts: BTreeMap<(u8, &str, String, Option<String>), u64> = BTreeMap::new();
    for s in screenings {
        let mut add = |measure: &str, category: Option<&str>| {
            *counts
                .entry((
                    s.month,
                    s.unit,
                    measure.to_string(),
                    category.map(str::to_string),
                ))
                .or_default() += 1;
        };
        add("started", None);
        add("role", Some(s.role.code()));
        match s.status {
            1 | 2 => {
                add("completed", None);
                add(
                    "outcome:screening",
                    Some(if s.positive { "positive" } else { "negative" }),
                );
                if s.status == 2 {
                    add("reviewed", None);
                }
            }
            3 => add("discarded", None),
            _ => {}
        }
    }
    counts
        .into_iter()
        .map(|((month, unit, measure, category), count)| CountRow {
            month: YearMonth::new(2025, month).unwrap(),
            unit_code: UnitCode::new(unit).unwrap(),
            instrument_id: code("freda-kort"),
            instrument_version: InstrumentVersion::new("1.0.0").unwrap(),
            measure: measure.parse().unwrap(),
            category: category.as_deref().map(code),
            count,
        })
        .collect()
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(names: &[&'a str]) -> BTreeSet<&'a str> {
    names.iter().copied().collect()
}

/// The strict schema of docs/EXPORT.md, checked independently of the crate's own parser.
fn assert_strict_schema(json: &Value) {
    assert_eq!(
        keys(json),
        set(&[
            "format",
            "schema_version",
            "installation_id",
            "public_key",
            "period",
            "suppression_threshold",
            "preliminary",
            "sources",
            "rows",
            "signature"
        ])
    );
    assert_eq!(keys(&json["period"]), set(&["from", "to"]));
    for source in json["sources"].as_array().unwrap() {
        assert_eq!(keys(source), set(&["installation_id", "period"]));
    }
    let month = |v: &Value| {
        let s = v.as_str().unwrap();
        assert!(s.parse::<YearMonth>().is_ok(), "month {s}");
    };
    for row in json["rows"].as_array().unwrap() {
        assert_eq!(
            keys(row),
            set(&[
                "month",
                "unit",
                "instrument",
                "version",
                "measure",
                "category",
                "count"
            ])
        );
        month(&row["month"]);
        assert!(UnitCode::new(row["unit"].as_str().unwrap()).is_ok());
        assert!(Code::new(row["instrument"].as_str().unwrap()).is_ok());
        assert!(InstrumentVersion::new(row["version"].as_str().unwrap()).is_ok());
        let measure: Measure = row["measure"].as_str().unwrap().parse().unwrap();
        match &row["category"] {
            Value::Null => assert!(!measure.is_breakdown()),
            Value::String(c) => {
                assert!(measure.is_breakdown());
                assert!(Code::new(c).is_ok());
            }
            other => panic!("category {other}"),
        }
        assert!(row["count"].is_u64() || row["count"] == "suppressed");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn no_free_text_reaches_an_export(screenings in prop::collection::vec(screening(), 0..60)) {
        let request = ExportRequest {
            period: Period::new(YearMonth::new(2025, 1).unwrap(), YearMonth::new(2025, 3).unwrap()).unwrap(),
            threshold: SuppressionThreshold::default(),
            preliminary: vec![],
            instruments: vec![DeclaredInstrument {
                id: code("freda-kort"),
                version: InstrumentVersion::new("1.0.0").unwrap(),
                outcome_dimensions: vec![OutcomeDimension {
                    code: code("screening"),
                    categories: vec![code("positive"), code("negative")],
                }],
            }],
            rows: tally(&screenings),
        };
        let key = InstallationKey::generate().unwrap();
        let export = build_export(&request, &key, Uuid::new_v4()).unwrap();
        let json = String::from_utf8(export.to_json_bytes().to_vec()).unwrap();
        let csv = String::from_utf8(export.to_csv().unwrap()).unwrap();
        for s in &screenings {
            for text in [&s.client_name, &s.personal_number, &s.case_reference, &s.notes, &s.addendum] {
                let marker = &text[text.find("KANARIE-").unwrap()..];
                prop_assert!(!json.contains(marker));
                prop_assert!(!csv.contains(marker));
            }
        }
        prop_assert!(!json.contains("KANARIE") && !csv.contains("KANARIE"));
        assert_strict_schema(&serde_json::from_str(&json).unwrap());
        prop_assert!(verify(json.as_bytes()).is_ok());
    }

    /// Even a bug that put free text where a code belongs cannot get it into a row.
    #[test]
    fn free_text_cannot_pass_for_a_code(text in canary()) {
        prop_assert!(Code::new(&text).is_err());
        prop_assert!(UnitCode::new(&text).is_err());
        prop_assert!(InstrumentVersion::new(&text).is_err());
        let measure = format!("outcome:{text}");
        prop_assert!(measure.parse::<Measure>().is_err());
        prop_assert!(text.parse::<YearMonth>().is_err());
    }
}
