//! Scoring through the store for each of the four shipped instruments: every answer goes
//! through `save_answer`, and the evaluation comes back from the database.

mod screening_support;

use screening_support::*;
use varna_core::instrument::{AnswerValue, Kind};
use varna_core::ErrorCode;

#[test]
fn the_four_shipped_instruments_score_through_the_store() {
    let (w, admin) = world();
    let kinds: Vec<(String, Kind, bool)> = admin
        .instruments()
        .unwrap()
        .into_iter()
        .map(|i| (i.id, i.kind, i.latest))
        .collect();
    assert_eq!(
        kinds,
        [
            ("farlighet-stil".to_string(), Kind::Checklist, false),
            ("farlighet-stil".to_string(), Kind::Checklist, true),
            ("freda-kortfragor-stil".to_string(), Kind::Screening, true),
            ("patriark-stil".to_string(), Kind::Judgement, true),
            ("signs-of-safety-stil".to_string(), Kind::Mapping, false),
            ("signs-of-safety-stil".to_string(), Kind::Mapping, true),
            ("tre-hus-stil".to_string(), Kind::Mapping, true),
        ]
    );
    admin.lock();
    let mut s = w.unlock("hanna");

    // --- FREDA style: positive and negative.
    let pos = start(&mut s, "freda-kortfragor-stil", &w.ifo);
    answer_freda(&mut s, &pos.id, true);
    let pos = s.complete_screening(&pos.id).unwrap();
    assert_eq!(pos.evaluation.outcome("screening"), Some("positiv"));
    assert_eq!(pos.evaluation.outcome("barn_har_upplevt_vald"), Some("yes"));
    let neg = start(&mut s, "freda-kortfragor-stil", &w.ifo);
    answer_freda(&mut s, &neg.id, false);
    let neg = s.complete_screening(&neg.id).unwrap();
    assert_eq!(neg.evaluation.outcome("screening"), Some("negativ"));
    assert_eq!(neg.evaluation.visible_sections, ["fragor"]);
    let declined = start(&mut s, "freda-kortfragor-stil", &w.ifo);
    answer_freda(&mut s, &declined.id, false);
    let saved = s
        .save_answer(&declined.id, "hot", Some(AnswerValue::Declined))
        .unwrap();
    assert_eq!(saved.evaluation.outcome("screening"), Some("avbojd"));
    s.discard_screening(&declined.id).unwrap();

    // --- Danger checklist (the first released version): count, band, override with a reason.
    let d = s
        .start_screening(varna_core::screening::NewScreening {
            instrument_version: Some("1.0.0".into()),
            ..new_screening("farlighet-stil", &w.ifo)
        })
        .unwrap();
    let markers = danger_markers(&d);
    assert_eq!(markers.len(), 20);
    let mut last = None;
    for (i, m) in markers.iter().enumerate() {
        last = Some(s.save_answer(&d.id, m, yes(i < 11)).unwrap());
    }
    let ev = last.unwrap().evaluation;
    let score = ev.score("antal_ja").unwrap();
    assert_eq!((score.value, score.band.as_deref()), (11, Some("medel")));
    assert_eq!(ev.outcome("riskniva"), Some("medel"));
    let ev = s
        .save_answer(&d.id, "professionell_bedomning", choice("hog"))
        .unwrap()
        .evaluation;
    let score = ev.score("antal_ja").unwrap();
    assert_eq!(score.computed_band.as_deref(), Some("medel"));
    assert_eq!(score.band.as_deref(), Some("hog"));
    assert_eq!(ev.missing_required.len(), 1);
    assert_eq!(ev.missing_required[0].to_string(), "motivering");
    assert_eq!(code(s.complete_screening(&d.id)), ErrorCode::InvalidInput);
    s.save_answer(&d.id, "motivering", text("Hot med kniv förra veckan"))
        .unwrap();
    let d = s.complete_screening(&d.id).unwrap();
    let score = d.evaluation.score("antal_ja").unwrap();
    assert_eq!(
        score.override_.as_ref().unwrap().reason.as_deref(),
        Some("Hot med kniv förra veckan")
    );
    assert_eq!(d.evaluation.outcome("riskniva"), Some("hog"));

    // --- PATRIARK style: judgements are items, never computed.
    let p = start(&mut s, "patriark-stil", &w.ifo);
    assert!(p.definition.scores.is_empty());
    assert!(p.evaluation.scores.is_empty());
    let factors: Vec<String> = p
        .definition
        .items()
        .filter(|i| i.type_name() == "rating")
        .map(|i| i.id.clone())
        .collect();
    assert_eq!(factors.len(), 15);
    for f in &factors {
        // Every factor present now: still no risk is computed.
        save(&mut s, &p.id, &format!("{f}#nu"), choice("j"));
        save(&mut s, &p.id, &format!("{f}#tidigare"), choice("j"));
    }
    let ev = s.screening(&p.id).unwrap().evaluation;
    assert_eq!(ev.outcome("risk_allvarligt_vald"), None);
    assert_eq!(ev.outcome("akut_risk"), None);
    save(
        &mut s,
        &p.id,
        "scenarier",
        entries(&[&[("beskrivning", t("Resa utomlands planeras"))]]),
    );
    save(&mut s, &p.id, "risk_allvarligt_vald", choice("lag"));
    save(&mut s, &p.id, "motivering_allvarligt_vald", text("Skäl A"));
    save(&mut s, &p.id, "akut_risk", choice("lag"));
    save(&mut s, &p.id, "motivering_akut_risk", text("Skäl B"));
    let p = s.complete_screening(&p.id).unwrap();
    assert!(p.evaluation.scores.is_empty());
    // The professional's judgement stands, however many factors are present.
    assert_eq!(p.evaluation.outcome("risk_allvarligt_vald"), Some("lag"));
    assert_eq!(p.evaluation.outcome("akut_risk"), Some("lag"));

    // --- Signs of Safety style: lists and scales per perspective.
    let m = start_version(&mut s, "signs-of-safety-stil", "1.0.0", &w.ifo);
    save(
        &mut s,
        &m.id,
        "tidigare_skada",
        entries(&[&[("beskrivning", t("Pappa slog mamma"))]]),
    );
    save(
        &mut s,
        &m.id,
        "farlighetsformuleringar",
        entries(&[&[("formulering", t("Vi är oroliga att"))]]),
    );
    save(
        &mut s,
        &m.id,
        "sakerhetsmal",
        entries(&[&[("mal", t("Trygg hemma"))]]),
    );
    save(
        &mut s,
        &m.id,
        "nasta_steg",
        entries(&[
            &[("vad", t("Nätverksmöte")), ("vem", t("Mormor"))],
            &[
                ("vad", t("Uppföljning")),
                ("vem", t("Handläggaren")),
                ("nar", AnswerValue::Date("2025-04-02".into())),
            ],
        ]),
    );
    save(
        &mut s,
        &m.id,
        "sakerhet@worker",
        Some(AnswerValue::Integer(2)),
    );
    save(
        &mut s,
        &m.id,
        "sakerhet_andra@parent",
        Some(AnswerValue::Integer(8)),
    );
    save(
        &mut s,
        &m.id,
        "sakerhet_andra@child",
        Some(AnswerValue::Integer(4)),
    );
    save(&mut s, &m.id, "beslut", choice("insats"));
    let ev = s.screening(&m.id).unwrap().evaluation;
    // The first next step has no "when": the list is incomplete.
    assert_eq!(ev.missing_required.len(), 1);
    assert_eq!(ev.missing_required[0].to_string(), "nasta_steg");
    assert!(ev.is_visible("skillnad_i_skattning"));
    assert_eq!(ev.outcome("sakerhet_handlaggare"), Some("lag"));
    assert_eq!(code(s.complete_screening(&m.id)), ErrorCode::InvalidInput);
    save(
        &mut s,
        &m.id,
        "nasta_steg",
        entries(&[&[
            ("vad", t("Nätverksmöte")),
            ("vem", t("Mormor")),
            ("nar", AnswerValue::Date("2025-04-01".into())),
        ]]),
    );
    let m = s.complete_screening(&m.id).unwrap();
    assert_eq!(m.evaluation.outcome("beslut"), Some("insats"));
    assert_eq!(m.answers["sakerhet_andra@parent"], AnswerValue::Integer(8));
    assert_eq!(m.answers["sakerhet_andra@child"], AnswerValue::Integer(4));
    assert!(!m.answers.contains_key("sakerhet_andra@network"));
}
