//! Golden tests for the shipped instruments: each loads, and a realistic interview
//! evaluates to the committed `tests/fixtures/instruments/golden/<id>.evaluation.json`.
//! `UPDATE_EXPECT=1 cargo test -p varna-core --test instrument_shipped` rewrites them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use varna_core::instrument::{
    self, evaluate, AnswerKey, AnswerValue, Answers, Evaluation, Instrument, Kind,
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shipped(id: &str) -> Instrument {
    shipped_version(id, "1.0.0")
}

fn shipped_version(id: &str, version: &str) -> Instrument {
    let path = repo().join(format!("instruments/{id}/{version}.toml"));
    match instrument::load_file(&path) {
        Ok(i) => i.definition,
        Err(d) => panic!("{id} does not load: {d:#?}"),
    }
}

fn yes(a: &mut Answers, item: &str, v: bool) {
    a.insert(AnswerKey::item(item), AnswerValue::YesNo(v));
}

fn choice(a: &mut Answers, key: AnswerKey, v: &str) {
    a.insert(key, AnswerValue::Choice(v.into()));
}

fn text(a: &mut Answers, item: &str, v: &str) {
    a.insert(AnswerKey::item(item), AnswerValue::Text(v.into()));
}

fn entry(fields: &[(&str, AnswerValue)]) -> BTreeMap<String, AnswerValue> {
    fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// Every answer the test gives must itself pass `validate_answer`.
fn checked(def: &Instrument, answers: Answers) -> Answers {
    for (k, v) in &answers {
        instrument::validate_answer(def, k, v).unwrap_or_else(|e| panic!("{k}: {e}"));
    }
    answers
}

fn golden(id: &str, ev: &Evaluation) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "tests/fixtures/instruments/golden/{id}.evaluation.json"
    ));
    let got = serde_json::to_string_pretty(ev).unwrap() + "\n";
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        got,
        expected,
        "{id}: evaluation differs from {} (UPDATE_EXPECT=1 rewrites it)",
        path.display()
    );
}

const FREDA_QUESTIONS: [&str; 5] = [
    "fysiskt_vald",
    "hot",
    "kontroll",
    "sexuellt_vald",
    "radsla_nu",
];

#[test]
fn every_shipped_instrument_version_loads_and_says_it_is_illustrative() {
    let report = instrument::load_dir(repo().join("instruments"));
    assert!(report.failed.is_empty(), "{:#?}", report.failed);
    let ids: Vec<(&str, String, Kind)> = report
        .loaded
        .iter()
        .map(|i| (i.id(), i.version().to_string(), i.definition.kind))
        .collect();
    let want = |id, v: &str, k| (id, v.to_string(), k);
    assert_eq!(
        ids,
        [
            want("farlighet-stil", "1.0.0", Kind::Checklist),
            want("farlighet-stil", "1.1.0", Kind::Checklist),
            want("freda-kortfragor-stil", "1.0.0", Kind::Screening),
            want("patriark-stil", "1.0.0", Kind::Judgement),
            want("signs-of-safety-stil", "1.0.0", Kind::Mapping),
            want("signs-of-safety-stil", "2.0.0", Kind::Mapping),
            want("tre-hus-stil", "1.0.0", Kind::Mapping),
        ]
    );
    for i in &report.loaded {
        let d = &i.definition;
        assert!(d.source.sv.contains("Illustrativ"), "{}", d.id);
        assert!(
            d.source.en.as_deref().unwrap().contains("Illustrative"),
            "{}",
            d.id
        );
        // Every text has an English translation in the shipped files.
        for item in d.items() {
            assert!(item.text.en.is_some(), "{} {}", d.id, item.id);
        }
        assert_eq!(i.sha256, instrument::sha256_hex(i.source.as_bytes()));
        assert_eq!(i.sha256.len(), 64);
    }
}

#[test]
fn freda_style_positive_screening_opens_the_follow_ups() {
    let def = shipped("freda-kortfragor-stil");
    let mut a = Answers::new();
    for q in FREDA_QUESTIONS {
        yes(&mut a, q, q == "kontroll");
    }
    choice(&mut a, AnswerKey::item("nar"), "senaste_aret");
    a.insert(
        AnswerKey::item("vem"),
        AnswerValue::Choices(vec!["partner".into()]),
    );
    yes(&mut a, "barn_i_hemmet", true);
    yes(&mut a, "barn_har_upplevt", true);
    yes(&mut a, "behov_av_skydd", false);
    let ev = evaluate(&def, &checked(&def, a));
    assert_eq!(ev.outcome("screening"), Some("positiv"));
    assert_eq!(ev.outcome("barn_har_upplevt_vald"), Some("yes"));
    assert!(ev.complete, "{:?}", ev.missing_required);
    assert!(ev.is_visible("nar"));
    golden("freda-kortfragor-stil", &ev);
}

#[test]
fn freda_style_negative_screening_hides_follow_ups_and_ignores_their_answers() {
    let def = shipped("freda-kortfragor-stil");
    let mut a = Answers::new();
    for q in FREDA_QUESTIONS {
        yes(&mut a, q, false);
    }
    // Left over from before the worker corrected an answer: kept, but not applicable.
    yes(&mut a, "barn_i_hemmet", true);
    let ev = evaluate(&def, &a);
    assert_eq!(ev.outcome("screening"), Some("negativ"));
    assert_eq!(ev.outcome("barn_har_upplevt_vald"), None);
    assert!(!ev.is_visible("barn_i_hemmet"));
    assert_eq!(ev.visible_sections, ["fragor"]);
    assert!(ev.complete, "{:?}", ev.missing_required);
}

#[test]
fn freda_style_declined_answers_are_their_own_outcome_and_count_as_answered() {
    let def = shipped("freda-kortfragor-stil");
    let mut a = Answers::new();
    for q in FREDA_QUESTIONS {
        yes(&mut a, q, false);
    }
    a.insert(AnswerKey::item("hot"), AnswerValue::Declined);
    let ev = evaluate(&def, &checked(&def, a));
    assert_eq!(ev.outcome("screening"), Some("avbojd"));
    assert!(ev.complete);

    let empty = evaluate(&def, &Answers::new());
    assert_eq!(empty.missing_required.len(), 5);
    assert!(!empty.complete);
}

fn farlighet_answers(def: &Instrument, n_yes: usize) -> Answers {
    let mut a = Answers::new();
    let markers = &def.score("antal_ja").unwrap().items;
    assert_eq!(markers.len(), 20);
    for (i, k) in markers.iter().enumerate() {
        yes(&mut a, &k.item, i < n_yes);
    }
    a
}

#[test]
fn danger_checklist_counts_into_bands_and_a_judgement_overrides_with_a_reason() {
    let def = shipped("farlighet-stil");
    for (n, band) in [
        (0, "standard"),
        (9, "standard"),
        (10, "medel"),
        (13, "medel"),
        (14, "hog"),
        (20, "hog"),
    ] {
        let ev = evaluate(&def, &farlighet_answers(&def, n));
        let s = ev.score("antal_ja").unwrap();
        assert_eq!((s.value, s.band.as_deref()), (n as i64, Some(band)));
        assert_eq!(ev.outcome("riskniva"), Some(band));
    }

    // The worker judges the risk higher than the count: the band changes, a reason is due.
    let mut a = farlighet_answers(&def, 11);
    choice(&mut a, AnswerKey::item("professionell_bedomning"), "hog");
    let ev = evaluate(&def, &a);
    let s = ev.score("antal_ja").unwrap();
    assert_eq!(s.computed_band.as_deref(), Some("medel"));
    assert_eq!(s.band.as_deref(), Some("hog"));
    assert_eq!(s.override_.as_ref().unwrap().reason, None);
    assert_eq!(ev.missing_required, [AnswerKey::item("motivering")]);
    assert_eq!(ev.outcome("riskniva"), Some("hog"));

    text(
        &mut a,
        "motivering",
        "Hot med kniv förra veckan; hon har just lämnat honom.",
    );
    a.insert(
        AnswerKey::item("skyddsatgarder"),
        AnswerValue::Entries(vec![entry(&[
            ("atgard", AnswerValue::Text("Skyddat boende i kväll".into())),
            ("datum", AnswerValue::Date("2025-03-01".into())),
        ])]),
    );
    let ev = evaluate(&def, &checked(&def, a.clone()));
    assert!(ev.complete, "{:?}", ev.missing_required);
    assert_eq!(
        ev.score("antal_ja")
            .unwrap()
            .override_
            .as_ref()
            .unwrap()
            .reason
            .as_deref(),
        Some("Hot med kniv förra veckan; hon har just lämnat honom.")
    );
    golden("farlighet-stil", &ev);

    // Agreeing with the computed band is no override.
    choice(&mut a, AnswerKey::item("professionell_bedomning"), "medel");
    let s = evaluate(&def, &a).score("antal_ja").unwrap().clone();
    assert_eq!((s.band.as_deref(), s.override_), (Some("medel"), None));
}

#[test]
fn danger_checklist_does_not_count_declined_markers() {
    let def = shipped("farlighet-stil");
    let mut a = farlighet_answers(&def, 12);
    a.insert(AnswerKey::item("okat_vald"), AnswerValue::Declined);
    let s = evaluate(&def, &a).score("antal_ja").unwrap().clone();
    assert_eq!((s.value, s.answered, s.total), (11, 19, 20));
}

#[test]
fn patriark_style_rates_now_and_earlier_and_never_computes_risk() {
    let def = shipped("patriark-stil");
    assert!(
        def.scores.is_empty(),
        "an SPJ instrument must not compute risk"
    );
    let factors: Vec<String> = def
        .items()
        .filter(|i| i.type_name() == "rating")
        .map(|i| i.id.clone())
        .collect();
    assert_eq!(factors.len(), 15);

    let mut a = Answers::new();
    for (n, f) in factors.iter().enumerate() {
        let now = ["n", "mojligen", "j"][n % 3];
        choice(&mut a, AnswerKey::item(f).with_timeframe("nu"), now);
        choice(&mut a, AnswerKey::item(f).with_timeframe("tidigare"), "n");
    }
    a.insert(
        AnswerKey::item("scenarier"),
        AnswerValue::Entries(vec![entry(&[(
            "beskrivning",
            AnswerValue::Text("Brodern försöker föra henne till släktingar utomlands.".into()),
        )])]),
    );
    choice(&mut a, AnswerKey::item("risk_allvarligt_vald"), "hog");
    text(
        &mut a,
        "motivering_allvarligt_vald",
        "Flera i familjen stöder hoten.",
    );
    choice(&mut a, AnswerKey::item("akut_risk"), "medel");
    text(
        &mut a,
        "motivering_akut_risk",
        "Resan är planerad till sommaren.",
    );
    let ev = evaluate(&def, &checked(&def, a.clone()));
    // Medium or high risk asks for protection measures.
    assert!(ev.is_visible("skyddsatgarder"));
    assert_eq!(ev.missing_required, [AnswerKey::item("skyddsatgarder")]);
    assert_eq!(ev.outcome("risk_allvarligt_vald"), Some("hog"));
    assert_eq!(ev.outcome("akut_risk"), Some("medel"));

    a.insert(
        AnswerKey::item("skyddsatgarder"),
        AnswerValue::Entries(vec![entry(&[
            (
                "atgard",
                AnswerValue::Text("Placering i skyddat boende".into()),
            ),
            ("ansvarig", AnswerValue::Text("Handläggaren".into())),
        ])]),
    );
    let ev = evaluate(&def, &checked(&def, a.clone()));
    assert!(ev.complete, "{:?}", ev.missing_required);
    golden("patriark-stil", &ev);

    // Each time frame is its own required answer.
    a.remove(&AnswerKey::item(&factors[0]).with_timeframe("tidigare"));
    let ev = evaluate(&def, &a);
    assert_eq!(
        ev.missing_required,
        [AnswerKey::item(&factors[0]).with_timeframe("tidigare")]
    );
}

#[test]
fn signs_of_safety_style_mapping_keeps_lists_and_scales_per_perspective() {
    let def = shipped("signs-of-safety-stil");
    let t = |s: &str| AnswerValue::Text(s.into());
    let mut a = Answers::new();
    a.insert(
        AnswerKey::item("tidigare_skada"),
        AnswerValue::Entries(vec![entry(&[(
            "beskrivning",
            t("Pappa slog mamma när Ali såg på."),
        )])]),
    );
    a.insert(
        AnswerKey::item("farlighetsformuleringar"),
        AnswerValue::Entries(vec![entry(&[(
            "formulering",
            t("Vi är oroliga att Ali blir skadad om bråken fortsätter."),
        )])]),
    );
    a.insert(
        AnswerKey::item("sakerhetsmal"),
        AnswerValue::Entries(vec![entry(&[("mal", t("Ali ska känna sig trygg hemma."))])]),
    );
    a.insert(
        AnswerKey::item("nasta_steg"),
        AnswerValue::Entries(vec![entry(&[
            ("vad", t("Nätverksmöte")),
            ("vem", t("Mormor bjuder in")),
        ])]),
    );
    a.insert(
        AnswerKey::item("sakerhet").with_perspective("worker"),
        AnswerValue::Integer(2),
    );
    a.insert(
        AnswerKey::item("sakerhet_andra").with_perspective("parent"),
        AnswerValue::Integer(8),
    );
    a.insert(
        AnswerKey::item("sakerhet_andra").with_perspective("child"),
        AnswerValue::Integer(4),
    );
    choice(&mut a, AnswerKey::item("beslut"), "insats");
    let ev = evaluate(&def, &checked(&def, a.clone()));
    // A next step without "when" is not complete.
    assert_eq!(ev.missing_required, [AnswerKey::item("nasta_steg")]);
    // The parent scales far higher than the worker: the reflection question appears.
    assert!(ev.is_visible("skillnad_i_skattning"));
    assert_eq!(ev.outcome("sakerhet_handlaggare"), Some("lag"));
    assert_eq!(ev.outcome("beslut"), Some("insats"));

    a.insert(
        AnswerKey::item("nasta_steg"),
        AnswerValue::Entries(vec![entry(&[
            ("vad", t("Nätverksmöte")),
            ("vem", t("Mormor bjuder in")),
            ("nar", AnswerValue::Date("2025-04-02".into())),
        ])]),
    );
    let ev = evaluate(&def, &checked(&def, a));
    assert!(ev.complete, "{:?}", ev.missing_required);
    golden("signs-of-safety-stil", &ev);
}

#[test]
fn signs_of_safety_2_pairs_danger_and_goal_with_a_scale_per_perspective_and_a_network() {
    let def = shipped_version("signs-of-safety-stil", "2.0.0");
    let t = |s: &str| AnswerValue::Text(s.into());
    let pair = |danger: &str, goal: &str, scales: &[(&str, i64)]| {
        let mut e = entry(&[("farlighet", t(danger)), ("mal", t(goal))]);
        for (p, v) in scales {
            e.insert(format!("skala@{p}"), AnswerValue::Integer(*v));
        }
        e
    };
    let mut a = Answers::new();
    a.insert(
        AnswerKey::item("tidigare_skada"),
        AnswerValue::Entries(vec![entry(&[(
            "beskrivning",
            t("Pappa slog mamma när Ali såg på."),
        )])]),
    );
    a.insert(
        AnswerKey::item("farlighet_och_mal"),
        AnswerValue::Entries(vec![pair(
            "Vi är oroliga att Ali blir skadad om bråken fortsätter.",
            "Ali ska känna sig trygg hemma, och mamma och pappa löser bråk utan våld.",
            &[("worker", 3), ("parent", 7)],
        )]),
    );
    a.insert(
        AnswerKey::item("nasta_steg"),
        AnswerValue::Entries(vec![entry(&[
            ("vad", t("Nätverksmöte")),
            ("vem", t("Mormor bjuder in")),
            ("nar", AnswerValue::Date("2025-04-02".into())),
        ])]),
    );
    a.insert(
        AnswerKey::item("sakerhetsnatverk"),
        AnswerValue::Entries(vec![entry(&[
            ("namn", t("Mormor Eva")),
            ("roll", t("Mormor")),
            ("gor", t("Hämtar Ali från skolan på fredagar")),
            ("ses_over", AnswerValue::Date("2025-06-01".into())),
        ])]),
    );
    a.insert(
        AnswerKey::item("sakerhet").with_perspective("worker"),
        AnswerValue::Integer(3),
    );
    choice(&mut a, AnswerKey::item("beslut"), "insats");
    let ev = evaluate(&def, &checked(&def, a.clone()));
    assert!(ev.complete, "{:?}", ev.missing_required);
    assert_eq!(ev.outcome("sakerhet_handlaggare"), Some("lag"));
    golden("signs-of-safety-stil-2.0.0", &ev);

    // At most five pairs; a network member without a review date is incomplete.
    let six = AnswerValue::Entries(vec![pair("Oro", "Mål", &[]); 6]);
    let err = instrument::validate_answer(&def, &AnswerKey::item("farlighet_och_mal"), &six)
        .unwrap_err()
        .to_string();
    assert!(err.contains("at most 5 entries"), "{err}");
    a.insert(
        AnswerKey::item("sakerhetsnatverk"),
        AnswerValue::Entries(vec![entry(&[
            ("namn", t("Mormor Eva")),
            ("roll", t("Mormor")),
            ("gor", t("Hämtar Ali")),
        ])]),
    );
    let ev = evaluate(&def, &checked(&def, a.clone()));
    assert_eq!(ev.missing_required, [AnswerKey::item("sakerhetsnatverk")]);

    // The scale of a pair is kept per perspective: `skala@<perspective>`, 0–10, and only
    // from the declared perspectives.
    let key = AnswerKey::item("farlighet_och_mal");
    let with = |k: &str, v: AnswerValue| {
        let mut e = pair("Oro", "Mål", &[]);
        e.insert(k.into(), v);
        AnswerValue::Entries(vec![e])
    };
    for (k, v, why) in [
        ("skala", AnswerValue::Integer(5), "asked per perspective"),
        ("skala@kusin", AnswerValue::Integer(5), "not a perspective"),
        ("skala@child", AnswerValue::Integer(11), "outside the scale"),
        ("skala@child", t("fem"), "integer"),
        ("farlighet@worker", t("Oro"), "not a perspective"),
        ("skala@child", AnswerValue::DontKnow, "vet ej"),
    ] {
        let err = instrument::validate_answer(&def, &key, &with(k, v))
            .unwrap_err()
            .to_string();
        assert!(err.contains(why), "{k}: {err}");
    }
    instrument::validate_answer(&def, &key, &with("skala@child", AnswerValue::Integer(10)))
        .unwrap();

    // The definition JSON gives the UI the perspectives of the field.
    let json = serde_json::to_value(&def).unwrap();
    let list = &json["sections"][2]["items"][0];
    assert_eq!(list["id"], "farlighet_och_mal");
    assert_eq!(list["max_entries"], 5);
    assert_eq!(
        list["fields"][2]["perspectives"],
        serde_json::json!(["worker", "parent", "child", "network"])
    );
}

#[test]
fn the_definition_json_gives_the_ui_types_levels_anchors_and_perspectives() {
    let def = shipped("signs-of-safety-stil");
    let json = serde_json::to_value(&def).unwrap();
    let scale = json["sections"][3]["items"][1].clone();
    assert_eq!(scale["id"], "sakerhet_andra");
    assert_eq!(scale["type"], "scale");
    assert_eq!(scale["min"], 0);
    assert_eq!(scale["max"], 10);
    assert_eq!(scale["anchors"][1]["value"], 10);
    assert_eq!(
        scale["perspectives"],
        serde_json::json!(["parent", "child", "network"])
    );
    assert_eq!(json["perspectives"][2]["label"]["sv"], "Barnet");

    let p = serde_json::to_value(shipped("patriark-stil")).unwrap();
    let factor = &p["sections"][0]["items"][0];
    assert_eq!(factor["type"], "rating");
    assert_eq!(factor["timeframes"], serde_json::json!(["nu", "tidigare"]));
    assert_eq!(factor["levels"][1]["code"], "?");
    assert_eq!(factor["required"], true);
    let show_if = &p["sections"][4]["items"][0]["show_if"];
    assert!(show_if
        .as_str()
        .unwrap()
        .starts_with("risk_allvarligt_vald in"));
}

fn incident(date: &str, severity: &str) -> varna_core::instrument::calendar::Incident {
    varna_core::instrument::calendar::Incident {
        date: date.into(),
        severity: severity.into(),
        description: None,
    }
}

#[test]
fn danger_checklist_1_1_has_a_calendar_that_flags_escalation_vet_ej_and_the_persons_own_view() {
    let old = shipped("farlighet-stil");
    let def = shipped_version("farlighet-stil", "1.1.0");
    // Every item of the released version is still there, with the same id and type.
    for item in old.items() {
        let new = def
            .item(&item.id)
            .unwrap_or_else(|| panic!("{} dropped", item.id));
        assert_eq!(new.type_name(), item.type_name(), "{}", item.id);
    }
    assert_eq!(def.score("antal_ja").unwrap().items.len(), 20);

    let mut a = farlighet_answers(&def, 11);
    // Two incidents in the three months before the samtal against one earlier, and worse.
    a.insert(
        AnswerKey::item("kalender"),
        AnswerValue::Calendar(varna_core::instrument::calendar::CalendarAnswer {
            as_of: "2026-05-20".into(),
            incidents: vec![
                incident("2026-01", "knuff"),
                incident("2026-04-02", "slag"),
                incident("2026-05-18", "vapen_strypgrepp"),
            ],
        }),
    );
    // "Vet ej" on one marker that was yes: counted as missing, shown as such.
    a.insert(AnswerKey::item("okat_vald"), AnswerValue::DontKnow);
    a.insert(AnswerKey::item("grovre_vald"), AnswerValue::Declined);
    a.insert(AnswerKey::item("radsla"), AnswerValue::Integer(9));
    a.insert(AnswerKey::item("egen_risk"), AnswerValue::Integer(9));
    choice(
        &mut a,
        AnswerKey::item("professionell_bedomning"),
        "standard",
    );
    let ev = evaluate(&def, &checked(&def, a.clone()));
    let s = ev.score("antal_ja").unwrap();
    assert_eq!((s.value, s.answered, s.total), (9, 18, 20));
    assert_eq!((s.declined, s.dont_know), (1, 1));
    assert_eq!(s.band.as_deref(), Some("standard"));
    assert_eq!(ev.outcome("upptrappning"), Some("ja"));
    // Her own rating 9 is far from the standard band's point 2: a comment is due.
    let own = s.own_view.as_ref().unwrap();
    assert_eq!((own.rating, own.point, own.differs), (9, Some(2), true));
    assert!(ev
        .missing_required
        .contains(&AnswerKey::item("egen_kommentar")));
    assert!(!ev.complete);

    text(
        &mut a,
        "egen_kommentar",
        "Hon beskriver hot som inte fångas av frågorna.",
    );
    let ev = evaluate(&def, &checked(&def, a.clone()));
    assert!(ev.complete, "{:?}", ev.missing_required);
    golden("farlighet-stil-1.1.0", &ev);

    // The worker raises the level to high: its point 8 is within 3 of 9, no comment needed.
    choice(&mut a, AnswerKey::item("professionell_bedomning"), "hog");
    text(&mut a, "motivering", "Strypgrepp i maj.");
    a.remove(&AnswerKey::item("egen_kommentar"));
    let ev = evaluate(&def, &checked(&def, a));
    let own = ev.score("antal_ja").unwrap().own_view.clone().unwrap();
    assert_eq!((own.point, own.differs), (Some(8), false));
    assert!(ev.complete, "{:?}", ev.missing_required);
}

#[test]
fn three_houses_keeps_the_childs_own_words_in_three_lists() {
    let def = shipped("tre-hus-stil");
    assert!(def.scores.is_empty());
    let words = |w: &str| {
        AnswerValue::Entries(vec![entry(&[
            ("ord", AnswerValue::Text(w.into())),
            ("ritat", AnswerValue::YesNo(true)),
        ])])
    };
    // Nothing said yet: no worries expressed, nothing required.
    let ev = evaluate(&def, &Answers::new());
    assert!(ev.complete);
    assert_eq!(ev.outcome("oro_uttryckt"), Some("nej"));

    let mut a = Answers::new();
    a.insert(
        AnswerKey::item("oro_ord"),
        words("När pappa skriker gömmer jag mig."),
    );
    a.insert(AnswerKey::item("bra_ord"), words("Mormor och fotbollen."));
    a.insert(
        AnswerKey::item("drom_ord"),
        words("Att alla är snälla hemma."),
    );
    a.insert(AnswerKey::item("sakert_hemma"), AnswerValue::DontKnow);
    a.insert(
        AnswerKey::item("visas_for"),
        AnswerValue::Choices(vec!["mamma".into()]),
    );
    let ev = evaluate(&def, &checked(&def, a.clone()));
    assert_eq!(ev.outcome("oro_uttryckt"), Some("ja"));
    assert!(ev.complete);
    golden("tre-hus-stil", &ev);

    // An entry without the child's words is incomplete.
    a.insert(
        AnswerKey::item("bra_ord"),
        AnswerValue::Entries(vec![entry(&[("ritat", AnswerValue::YesNo(true))])]),
    );
    let ev = evaluate(&def, &checked(&def, a));
    assert!(!ev.complete);
    assert_eq!(ev.missing_required, [AnswerKey::item("bra_ord")]);
}
