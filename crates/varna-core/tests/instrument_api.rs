//! The instrument API the store and the interview rely on: hashes and the registry,
//! answer keys and values, `validate_answer`, text fallback.

use std::collections::BTreeMap;

use varna_core::instrument::{
    self, validate_answer, Admission, AnswerKey, AnswerValue, InstrumentRegistry, Lang,
};
use varna_core::ErrorCode;

const MINI: &str = r#"
id = "mini"
version = "1.2.0"
kind = "mapping"
title = { sv = "Mini" }
description = { sv = "Liten testfil", en = "Small test file" }
source = { sv = "Test" }
licence = { sv = "Test" }

[[perspectives]]
id = "worker"
label = { sv = "Handläggare" }

[[perspectives]]
id = "child"
label = { sv = "Barnet" }

[[timeframes]]
id = "nu"
label = { sv = "Nu" }

[[sections]]
id = "a"
title = { sv = "A" }

[[sections.items]]
id = "fraga"
type = "yes_no"
allow_decline = true
text = { sv = "Fråga" }

[[sections.items]]
id = "skala"
type = "scale"
min = 0
max = 10
perspectives = ["worker", "child"]
timeframes = ["nu"]
text = { sv = "Skala" }

[[sections.items]]
id = "flera"
type = "multi_choice"
max_selected = 2
text = { sv = "Flera" }
options = [
  { id = "a", label = { sv = "A" } },
  { id = "b", label = { sv = "B" } },
  { id = "c", label = { sv = "C" } },
]

[[sections.items]]
id = "datum"
type = "date"
text = { sv = "Datum" }

[[sections.items]]
id = "antal"
type = "number"
integer = true
min = 0
text = { sv = "Antal" }

[[sections.items]]
id = "kort"
type = "short_text"
max_length = 5
text = { sv = "Kort" }

[[sections.items]]
id = "steg"
type = "list"
max_entries = 2
text = { sv = "Steg" }
fields = [
  { id = "vad", type = "long_text", required = true, text = { sv = "Vad" } },
  { id = "nar", type = "date", text = { sv = "När" } },
]
"#;

fn mini() -> instrument::LoadedInstrument {
    instrument::load_str("mini/1.2.0.toml", MINI).expect("mini loads")
}

#[test]
fn the_hash_is_the_sha256_of_the_exact_bytes_and_the_source_is_kept() {
    let m = mini();
    assert_eq!(m.source, MINI);
    assert_eq!(m.sha256, instrument::sha256_hex(MINI.as_bytes()));
    // Known vector: SHA-256 of the empty string.
    assert_eq!(
        instrument::sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let edited =
        instrument::load_str("mini/1.2.0.toml", &MINI.replace("Liten", "Mycket liten")).unwrap();
    assert_ne!(edited.sha256, m.sha256);
}

#[test]
fn registry_refuses_edited_content_under_a_known_version_but_accepts_new_versions() {
    let m = mini();
    let mut reg = InstrumentRegistry::new();
    assert_eq!(reg.admit(&m).unwrap(), Admission::New);
    assert_eq!(reg.admit(&m).unwrap(), Admission::Known);

    let edited_text = MINI.replace("Liten testfil", "Ändrad testfil");
    let edited = instrument::load_str("mini/1.2.0.toml", &edited_text).unwrap();
    let err = reg.admit(&edited).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInstrument);
    assert!(
        err.to_string().contains("needs a new version number"),
        "{err}"
    );

    let v2_text = edited_text.replace("1.2.0", "1.3.0");
    let v2 = instrument::load_str("mini/1.3.0.toml", &v2_text).unwrap();
    assert_eq!(reg.admit(&v2).unwrap(), Admission::New);
    // The old version stays known and loadable.
    assert_eq!(
        reg.hash_of("mini", &"1.2.0".parse().unwrap()),
        Some(m.sha256.as_str())
    );

    // The store feeds the hashes it persisted.
    let seen: Vec<(String, semver::Version, String)> = reg
        .seen()
        .map(|(i, v, h)| (i.to_owned(), v.clone(), h.to_owned()))
        .collect();
    let restored = InstrumentRegistry::with_seen(seen);
    assert_eq!(restored, reg);
    assert!(restored.check("mini", m.version(), &edited.sha256).is_err());
}

#[test]
fn admit_report_moves_refused_files_to_failed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("mini")).unwrap();
    std::fs::write(
        dir.path().join("mini/1.2.0.toml"),
        MINI.replace("Liten", "Annan"),
    )
    .unwrap();
    let mut reg = InstrumentRegistry::new();
    reg.admit(&mini()).unwrap();
    let report = reg.admit_report(instrument::load_dir(dir.path()));
    assert!(report.loaded.is_empty());
    assert_eq!(report.failed.len(), 1);
    assert!(report.failed[0].diagnostics[0]
        .message
        .contains("seen before with different content"));
}

#[test]
fn answer_keys_read_and_write_as_item_at_perspective_hash_timeframe() {
    let k: AnswerKey = "skala@child#nu".parse().unwrap();
    assert_eq!(
        k,
        AnswerKey::item("skala")
            .with_perspective("child")
            .with_timeframe("nu")
    );
    assert_eq!(k.to_string(), "skala@child#nu");
    assert_eq!(
        "fraga".parse::<AnswerKey>().unwrap(),
        AnswerKey::item("fraga")
    );
    assert!("Skala".parse::<AnswerKey>().is_err());
    assert!("skala@".parse::<AnswerKey>().is_err());
    // As a JSON object key.
    let mut m = BTreeMap::new();
    m.insert(k.clone(), AnswerValue::Integer(3));
    let json = serde_json::to_string(&m).unwrap();
    assert_eq!(json, r#"{"skala@child#nu":{"type":"integer","value":3}}"#);
    let back: BTreeMap<AnswerKey, AnswerValue> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, m);
    assert_eq!(
        mini().definition.item("skala").unwrap().answer_keys(),
        [
            "skala@worker#nu".parse().unwrap(),
            "skala@child#nu".parse().unwrap()
        ]
    );
}

#[test]
fn answer_values_are_tagged_json() {
    let v: AnswerValue = serde_json::from_str(r#"{"type":"declined"}"#).unwrap();
    assert_eq!(v, AnswerValue::Declined);
    let v = AnswerValue::Entries(vec![BTreeMap::from([(
        "vad".to_string(),
        AnswerValue::Text("Möte".into()),
    )])]);
    assert_eq!(
        serde_json::to_string(&v).unwrap(),
        r#"{"type":"entries","value":[{"vad":{"type":"text","value":"Möte"}}]}"#
    );
}

#[test]
fn validate_answer_accepts_fitting_values_and_refuses_the_rest_with_a_reason() {
    let m = mini();
    let def = &m.definition;
    let ok = |k: &str, v: AnswerValue| validate_answer(def, &k.parse().unwrap(), &v);
    assert!(ok("fraga", AnswerValue::YesNo(true)).is_ok());
    assert!(ok("fraga", AnswerValue::Declined).is_ok());
    assert!(ok("skala@child#nu", AnswerValue::Integer(10)).is_ok());
    assert!(ok("flera", AnswerValue::Choices(vec!["a".into(), "c".into()])).is_ok());
    assert!(ok("flera", AnswerValue::Choices(vec![])).is_ok());
    assert!(ok("datum", AnswerValue::Date("2024-02-29".into())).is_ok());
    assert!(ok("antal", AnswerValue::Integer(3)).is_ok());
    assert!(ok("antal", AnswerValue::Number(3.0)).is_ok());
    assert!(ok("kort", AnswerValue::Text("åäöåä".into())).is_ok());

    let refused = [
        ("okand", AnswerValue::YesNo(true), "has no item `okand`"),
        ("fraga", AnswerValue::Integer(1), "takes a `yes_no` value"),
        ("skala", AnswerValue::Integer(1), "asked per perspective"),
        (
            "skala@parent#nu",
            AnswerValue::Integer(1),
            "not a perspective",
        ),
        (
            "skala@child",
            AnswerValue::Integer(1),
            "asked per time frame",
        ),
        (
            "fraga@child",
            AnswerValue::YesNo(true),
            "not asked per perspective",
        ),
        (
            "skala@child#nu",
            AnswerValue::Integer(11),
            "outside the scale 0–10",
        ),
        (
            "skala@child#nu",
            AnswerValue::Declined,
            "does not allow declining",
        ),
        (
            "flera",
            AnswerValue::Choices(vec!["a".into(), "b".into(), "c".into()]),
            "at most 2",
        ),
        (
            "flera",
            AnswerValue::Choices(vec!["a".into(), "a".into()]),
            "selected twice",
        ),
        (
            "flera",
            AnswerValue::Choices(vec!["x".into()]),
            "`x` is not one of: a, b, c",
        ),
        (
            "datum",
            AnswerValue::Date("2023-02-29".into()),
            "YYYY-MM-DD",
        ),
        ("antal", AnswerValue::Number(2.5), "not a whole number"),
        ("antal", AnswerValue::Integer(-1), "below the minimum"),
        (
            "kort",
            AnswerValue::Text("sex tecken".into()),
            "longer than 5",
        ),
        (
            "steg",
            AnswerValue::Entries(vec![BTreeMap::from([(
                "vem".to_string(),
                AnswerValue::Text("x".into()),
            )])]),
            "no field `vem`",
        ),
        (
            "steg",
            AnswerValue::Entries(vec![BTreeMap::from([(
                "nar".to_string(),
                AnswerValue::Date("igår".into()),
            )])]),
            "entry 1, field `nar`",
        ),
        (
            "steg",
            AnswerValue::Entries(vec![BTreeMap::new(); 3]),
            "at most 2 entries",
        ),
    ];
    for (key, value, message) in refused {
        let err = ok(key, value.clone()).expect_err(&format!("{key} {value:?} must be refused"));
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(err.to_string().contains(message), "{key}: {err}");
    }
}

#[test]
fn a_missing_english_text_falls_back_to_swedish() {
    let m = mini();
    let d = &m.definition;
    assert_eq!(d.title.get(Lang::En), "Mini");
    assert_eq!(d.description.get(Lang::En), "Small test file");
    assert_eq!(d.description.get(Lang::Sv), "Liten testfil");
}
