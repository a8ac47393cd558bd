//! Conducting a screening through the store, on real SQCipher files: the lifecycle, every
//! refusal with its error code, validation before writing, resuming after a lock, and
//! instrument versions pinned to the screening.

mod screening_support;

use screening_support::*;
use varna_core::export::PersonRole;
use varna_core::instrument::{self, AnswerValue};
use varna_core::screening::{NewScreening, Status};
use varna_core::ErrorCode;

#[test]
fn a_screening_goes_from_draft_to_completed_and_then_takes_addenda() {
    let (w, admin) = world();
    admin.lock();
    let mut hanna = w.unlock("hanna");

    let doc = hanna
        .start_screening(NewScreening {
            case_ref: Some("  ÄR-2025-17  ".into()),
            person_role: PersonRole::Barn,
            ..new_screening("freda-kortfragor-stil", &w.ifo)
        })
        .unwrap();
    assert_eq!(doc.status, Status::Draft);
    assert_eq!(doc.instrument_version, "1.0.0");
    assert_eq!(doc.case_ref.as_deref(), Some("ÄR-2025-17"));
    assert_eq!(doc.unit_code, "IFO");
    assert_eq!(doc.author_name, "Hanna Handläggare");
    assert_eq!(doc.person_role, PersonRole::Barn);
    assert!(doc.answers.is_empty() && doc.completed_at.is_none());
    assert_eq!(doc.evaluation.missing_required.len(), 5);
    assert_eq!(
        doc.instrument_sha256,
        instrument::sha256_hex(
            std::fs::read(repo_instruments().join("freda-kortfragor-stil/1.0.0.toml"))
                .unwrap()
                .as_slice()
        )
    );

    let mine = hanna.my_screenings().unwrap();
    assert_eq!(mine.drafts.len(), 1);
    assert_eq!((mine.drafts[0].answered, mine.drafts[0].total), (0, 5));
    assert!(mine.completed.is_empty());

    answer_freda(&mut hanna, &doc.id, true);
    let saved = hanna
        .save_note(&doc.id, "hot", "Hotet kom via sms")
        .unwrap();
    assert!(saved.evaluation.complete);
    assert!(chrono::DateTime::parse_from_rfc3339(&saved.saved_at).is_ok());

    let done = hanna.complete_screening(&doc.id).unwrap();
    assert_eq!(done.status, Status::Completed);
    assert!(done.completed_at.as_deref().unwrap().ends_with('Z'));
    assert_eq!(done.evaluation.outcome("screening"), Some("positiv"));
    let mine = hanna.my_screenings().unwrap();
    assert!(mine.drafts.is_empty());
    assert_eq!(mine.completed.len(), 1);
    assert_eq!(mine.completed[0].status, Status::Completed);
    assert_eq!(
        (mine.completed[0].answered, mine.completed[0].total),
        (10, 11)
    );

    // Immutable from now on.
    assert_eq!(
        code(hanna.save_answer(&doc.id, "hot", yes(false))),
        ErrorCode::Conflict
    );
    let err = hanna.save_answer(&doc.id, "hot", None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a completed screening cannot be changed; add an addendum"
    );
    assert_eq!(
        code(hanna.save_note(&doc.id, "hot", "")),
        ErrorCode::Conflict
    );
    assert_eq!(
        code(hanna.set_position(&doc.id, "hot")),
        ErrorCode::Conflict
    );
    assert_eq!(code(hanna.complete_screening(&doc.id)), ErrorCode::Conflict);
    assert_eq!(code(hanna.discard_screening(&doc.id)), ErrorCode::Conflict);

    // Corrections are addenda.
    assert_eq!(
        code(hanna.add_addendum(&doc.id, "   ")),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(hanna.add_addendum(&doc.id, &"x".repeat(10_001))),
        ErrorCode::InvalidInput
    );
    let a1 = hanna
        .add_addendum(&doc.id, "Rättelse: hotet kom via telefon.")
        .unwrap();
    assert_eq!(a1.author_name, "Hanna Handläggare");
    hanna.lock();

    // The arbetsledare of the unit reads it and adds an addendum, but cannot change it.
    let mut arne = w.unlock("arne");
    let read = arne.screening(&doc.id).unwrap();
    assert_eq!(read.answers, done.answers);
    assert_eq!(read.notes["hot"], "Hotet kom via sms");
    assert_eq!(
        code(arne.save_answer(&doc.id, "hot", None)),
        ErrorCode::Forbidden
    );
    arne.add_addendum(&doc.id, "Genomgånget i handledning.")
        .unwrap();
    let read = arne.screening(&doc.id).unwrap();
    let addenda: Vec<(&str, &str)> = read
        .addenda
        .iter()
        .map(|a| (a.author_name.as_str(), a.text.as_str()))
        .collect();
    assert_eq!(
        addenda,
        [
            ("Hanna Handläggare", "Rättelse: hotet kom via telefon."),
            ("Arne Arbetsledare", "Genomgånget i handledning."),
        ]
    );
    assert_eq!(read.answers, done.answers);
}

#[test]
fn every_forbidden_action_is_refused_with_its_code() {
    let (w, mut admin) = world();
    // An administratör does not conduct screenings.
    assert_eq!(
        code(admin.start_screening(new_screening("freda-kortfragor-stil", &w.ifo))),
        ErrorCode::Forbidden
    );
    admin.lock();

    let mut hanna = w.unlock("hanna");
    // Only in her own unit.
    assert_eq!(
        code(hanna.start_screening(new_screening("freda-kortfragor-stil", &w.vux))),
        ErrorCode::Forbidden
    );
    // Unknown instrument or version.
    assert_eq!(
        code(hanna.start_screening(new_screening("okant", &w.ifo))),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(hanna.start_screening(NewScreening {
            instrument_version: Some("9.9.9".into()),
            ..new_screening("freda-kortfragor-stil", &w.ifo)
        })),
        ErrorCode::NotFound
    );
    // Dates and case references.
    for bad in [
        NewScreening {
            conducted_on: today() + chrono::Days::new(1),
            ..new_screening("freda-kortfragor-stil", &w.ifo)
        },
        NewScreening {
            conducted_on: chrono::NaiveDate::from_ymd_opt(1999, 12, 31).unwrap(),
            ..new_screening("freda-kortfragor-stil", &w.ifo)
        },
        NewScreening {
            case_ref: Some("x".repeat(65)),
            ..new_screening("freda-kortfragor-stil", &w.ifo)
        },
        NewScreening {
            case_ref: Some("rad 1\nrad 2".into()),
            ..new_screening("freda-kortfragor-stil", &w.ifo)
        },
    ] {
        assert_eq!(code(hanna.start_screening(bad)), ErrorCode::InvalidInput);
    }
    // 64 characters and year 2000 are fine; so is an empty case reference.
    let ok = hanna
        .start_screening(NewScreening {
            case_ref: Some("å".repeat(64)),
            conducted_on: chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
            ..new_screening("freda-kortfragor-stil", &w.ifo)
        })
        .unwrap();
    let empty_ref = hanna
        .start_screening(NewScreening {
            case_ref: Some("   ".into()),
            ..new_screening("freda-kortfragor-stil", &w.ifo)
        })
        .unwrap();
    assert_eq!(empty_ref.case_ref, None);
    hanna.discard_screening(&ok.id).unwrap();
    hanna.discard_screening(&empty_ref.id).unwrap();

    let draft = start(&mut hanna, "farlighet-stil", &w.ifo);
    let completed = start(&mut hanna, "freda-kortfragor-stil", &w.ifo);
    answer_freda(&mut hanna, &completed.id, false);
    hanna.complete_screening(&completed.id).unwrap();

    // Completing with gaps names them.
    save(&mut hanna, &draft.id, "okat_vald", yes(true));
    let err = hanna.complete_screening(&draft.id).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    let msg = err.to_string();
    for missing in ["grovre_vald", "isolering", "professionell_bedomning"] {
        assert!(msg.contains(missing), "{msg}");
    }
    assert!(!msg.contains("okat_vald"), "{msg}");
    // An override without its reason is a gap too.
    let markers = danger_markers(&draft);
    for m in &markers {
        save(&mut hanna, &draft.id, m, yes(false));
    }
    save(
        &mut hanna,
        &draft.id,
        "professionell_bedomning",
        choice("hog"),
    );
    let err = hanna.complete_screening(&draft.id).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().contains("motivering"), "{err}");
    assert!(err.to_string().contains("antal_ja"), "{err}");
    assert_eq!(hanna.screening(&draft.id).unwrap().status, Status::Draft);

    // Addenda only on completed screenings.
    assert_eq!(
        code(hanna.add_addendum(&draft.id, "tillägg")),
        ErrorCode::Conflict
    );
    assert_eq!(
        code(hanna.screening("no-such-screening")),
        ErrorCode::NotFound
    );
    hanna.lock();

    // Another handläggare of the same unit: not her draft.
    let mut hilda = w.unlock("hilda");
    assert_eq!(code(hilda.screening(&draft.id)), ErrorCode::Forbidden);
    assert_eq!(
        code(hilda.save_answer(&draft.id, "okat_vald", yes(false))),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(hilda.save_note(&draft.id, "okat_vald", "x")),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(hilda.set_position(&draft.id, "okat_vald")),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(hilda.complete_screening(&draft.id)),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(hilda.discard_screening(&draft.id)),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(hilda.add_addendum(&completed.id, "x")),
        ErrorCode::Forbidden
    );
    assert!(hilda.my_screenings().unwrap().drafts.is_empty());
    hilda.lock();

    // A handläggare and an arbetsledare of another unit.
    for other in ["hugo", "alva"] {
        let mut s = w.unlock(other);
        assert_eq!(code(s.screening(&draft.id)), ErrorCode::Forbidden);
        assert_eq!(code(s.screening(&completed.id)), ErrorCode::Forbidden);
        assert_eq!(
            code(s.save_answer(&draft.id, "okat_vald", yes(false))),
            ErrorCode::Forbidden
        );
        assert_eq!(
            code(s.add_addendum(&completed.id, "x")),
            ErrorCode::Forbidden
        );
        s.lock();
    }

    // The arbetsledare of the unit reads the draft but may not change or discard it.
    let mut arne = w.unlock("arne");
    assert_eq!(arne.screening(&draft.id).unwrap().status, Status::Draft);
    assert_eq!(
        code(arne.save_answer(&draft.id, "okat_vald", yes(false))),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(arne.discard_screening(&draft.id)),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(arne.complete_screening(&draft.id)),
        ErrorCode::Forbidden
    );
    arne.lock();

    // The author's answer is untouched by all of it.
    let hanna = w.unlock("hanna");
    let doc = hanna.screening(&draft.id).unwrap();
    assert_eq!(doc.answers["okat_vald"], AnswerValue::YesNo(false));
    assert!(doc.notes.is_empty());
}

#[test]
fn a_bad_answer_is_refused_before_anything_is_written() {
    let (w, admin) = world();
    admin.lock();
    let mut hanna = w.unlock("hanna");
    let doc = start(&mut hanna, "signs-of-safety-stil", &w.ifo);
    save(
        &mut hanna,
        &doc.id,
        "sakerhet@worker",
        Some(AnswerValue::Integer(3)),
    );
    save(&mut hanna, &doc.id, "beslut", choice("insats"));
    let before = hanna.screening(&doc.id).unwrap();

    let bad: Vec<(&str, Option<AnswerValue>)> = vec![
        ("sakerhet@worker", Some(AnswerValue::Integer(11))),
        ("sakerhet@worker", Some(AnswerValue::Text("7".into()))),
        ("sakerhet@worker", Some(AnswerValue::Declined)),
        ("sakerhet", Some(AnswerValue::Integer(3))),
        ("sakerhet@parent", Some(AnswerValue::Integer(3))),
        ("sakerhet@worker#nu", Some(AnswerValue::Integer(3))),
        ("beslut", choice("inget_sadant_val")),
        ("okand_fraga", yes(true)),
        ("Beslut", choice("insats")),
        ("", yes(true)),
        ("okand_fraga", None),
        ("sakerhet", None),
        (
            "nasta_steg",
            entries(&[&[("vad", t("Möte")), ("okant_falt", t("x"))]]),
        ),
        (
            "nasta_steg",
            entries(&[&[("nar", AnswerValue::Date("2025-13-01".into()))]]),
        ),
    ];
    for (key, value) in bad {
        let err = hanna.save_answer(&doc.id, key, value.clone()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{key}: {value:?}");
        assert!(!err.to_string().is_empty());
    }
    let err = hanna
        .save_answer(&doc.id, "sakerhet@worker", Some(AnswerValue::Integer(11)))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "item `sakerhet`: 11 is outside the scale 0–10"
    );
    // Notes and positions are checked the same way.
    assert_eq!(
        code(hanna.save_note(&doc.id, "okand_fraga", "x")),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(hanna.save_note(&doc.id, "sakerhet@parent", "x")),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(hanna.save_note(&doc.id, "beslut", &"x".repeat(10_001))),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(hanna.set_position(&doc.id, "okand_fraga")),
        ErrorCode::InvalidInput
    );

    let after = hanna.screening(&doc.id).unwrap();
    assert_eq!(after.answers, before.answers);
    assert_eq!(after.notes, before.notes);
    assert_eq!(after.position, before.position);
    assert_eq!(after.answers.len(), 2);
    assert_eq!(after.answers["sakerhet@worker"], AnswerValue::Integer(3));
}

#[test]
fn a_locked_and_unlocked_store_resumes_answers_notes_and_position() {
    let (w, admin) = world();
    admin.lock();
    let mut hanna = w.unlock("hanna");
    let doc = start(&mut hanna, "patriark-stil", &w.ifo);
    save(
        &mut hanna,
        &doc.id,
        "normer_som_stodjer_vald#nu",
        choice("j"),
    );
    let factor = doc.definition.sections[0].items[0].id.clone();
    save(
        &mut hanna,
        &doc.id,
        &format!("{factor}#tidigare"),
        choice("mojligen"),
    );
    hanna
        .save_note(&doc.id, &factor, "Brodern hörs i bakgrunden")
        .unwrap();
    hanna
        .save_note(&doc.id, &format!("{factor}#nu"), "Nu: tydligt")
        .unwrap();
    hanna
        .set_position(&doc.id, &format!("{factor}#tidigare"))
        .unwrap();
    // A note is cleared by an empty text, an answer by None.
    hanna
        .save_note(&doc.id, &format!("{factor}#nu"), "")
        .unwrap();
    save(&mut hanna, &doc.id, "normer_som_stodjer_vald#nu", None);
    let before = hanna.screening(&doc.id).unwrap();
    hanna.lock();

    let hanna = w.unlock("hanna");
    let after = hanna.screening(&doc.id).unwrap();
    assert_eq!(after.answers, before.answers);
    assert_eq!(
        after.answers[&format!("{factor}#tidigare")],
        AnswerValue::Choice("mojligen".into())
    );
    assert!(!after.answers.contains_key("normer_som_stodjer_vald#nu"));
    assert_eq!(
        after.notes.into_iter().collect::<Vec<_>>(),
        [(factor.clone(), "Brodern hörs i bakgrunden".to_string())]
    );
    assert_eq!(after.position, Some(format!("{factor}#tidigare")));
    // A section id is a position too.
    let mut hanna = hanna;
    let section = after.definition.sections[1].id.clone();
    hanna.set_position(&doc.id, &section).unwrap();
    assert_eq!(hanna.screening(&doc.id).unwrap().position, Some(section));
}

#[test]
fn answers_to_items_that_become_hidden_are_kept_but_not_applicable() {
    let (w, admin) = world();
    admin.lock();
    let mut hanna = w.unlock("hanna");
    let doc = start(&mut hanna, "freda-kortfragor-stil", &w.ifo);
    answer_freda(&mut hanna, &doc.id, true);
    // The client corrects the only yes: the follow-ups are hidden, their answers kept.
    let saved = hanna.save_answer(&doc.id, "hot", yes(false)).unwrap();
    assert!(saved.evaluation.hidden_items.contains(&"nar".to_string()));
    assert!(saved.evaluation.complete);
    let doc = hanna.complete_screening(&doc.id).unwrap();
    assert_eq!(
        doc.answers["nar"],
        AnswerValue::Choice("senaste_aret".into())
    );
    assert_eq!(doc.evaluation.outcome("screening"), Some("negativ"));
    assert_eq!(doc.evaluation.outcome("barn_har_upplevt_vald"), None);
    let summary = &hanna.my_screenings().unwrap().completed[0];
    assert_eq!((summary.answered, summary.total), (5, 5));
}

/// Start on 1.0.0, then a 1.1.0 with other content arrives and the 1.0.0 file leaves the
/// disk: the screening is still shown and scored with 1.0.0; a changed 1.0.0 is refused.
#[test]
fn a_screening_stays_pinned_to_its_instrument_version() {
    let (w, admin) = world();
    admin.lock();
    let folder = tempfile::tempdir().unwrap();
    let inst_dir = folder.path().join("freda-kortfragor-stil");
    std::fs::create_dir(&inst_dir).unwrap();
    let v1_text =
        std::fs::read_to_string(repo_instruments().join("freda-kortfragor-stil/1.0.0.toml"))
            .unwrap();
    std::fs::write(inst_dir.join("1.0.0.toml"), &v1_text).unwrap();

    let mut hanna = w.unlock("hanna");
    let report = hanna
        .sync_instruments(&instrument::load_dir(folder.path()))
        .unwrap();
    assert!(report.added.is_empty() && report.refused.is_empty());
    let doc = start(&mut hanna, "freda-kortfragor-stil", &w.ifo);
    assert_eq!(doc.instrument_version, "1.0.0");
    for q in FREDA_QUESTIONS {
        save(&mut hanna, &doc.id, q, yes(false));
    }

    // Version 1.1.0: "kontroll" is gone and a new question is required.
    let v11_text = v1_text
        .replace("version = \"1.0.0\"", "version = \"1.1.0\"")
        .replace("id = \"kontroll\"", "id = \"ekonomi\"")
        .replace("or kontroll", "or ekonomi")
        .replace("declined(kontroll)", "declined(ekonomi)");
    std::fs::write(inst_dir.join("1.1.0.toml"), &v11_text).unwrap();
    std::fs::remove_file(inst_dir.join("1.0.0.toml")).unwrap();
    let report = hanna
        .sync_instruments(&instrument::load_dir(folder.path()))
        .unwrap();
    assert_eq!(report.added, ["freda-kortfragor-stil@1.1.0"]);

    let list = hanna.instruments().unwrap();
    let freda: Vec<(&str, bool)> = list
        .iter()
        .filter(|i| i.id == "freda-kortfragor-stil")
        .map(|i| (i.version.as_str(), i.latest))
        .collect();
    assert_eq!(freda, [("1.0.0", false), ("1.1.0", true)]);
    assert_eq!(list.iter().filter(|i| i.latest).count(), 5);

    // The old screening: still 1.0.0, with its own items and scoring.
    let again = hanna.screening(&doc.id).unwrap();
    assert_eq!(again.instrument_version, "1.0.0");
    assert_eq!(again.instrument_sha256, doc.instrument_sha256);
    assert!(again.definition.item("kontroll").is_some());
    assert!(again.definition.item("ekonomi").is_none());
    assert!(again.evaluation.complete);
    assert_eq!(again.evaluation.outcome("screening"), Some("negativ"));
    save(&mut hanna, &doc.id, "kontroll", yes(true));
    assert_eq!(
        code(hanna.save_answer(&doc.id, "ekonomi", yes(true))),
        ErrorCode::InvalidInput
    );
    let done = hanna.complete_screening(&doc.id);
    assert_eq!(code(done), ErrorCode::InvalidInput); // follow-ups are now required
    assert_eq!(
        hanna
            .screening(&doc.id)
            .unwrap()
            .evaluation
            .outcome("screening"),
        Some("positiv")
    );

    // A new screening gets 1.1.0 unless 1.0.0 is asked for.
    let new = start(&mut hanna, "freda-kortfragor-stil", &w.ifo);
    assert_eq!(new.instrument_version, "1.1.0");
    assert!(new.definition.item("ekonomi").is_some());
    let old = hanna
        .start_screening(NewScreening {
            instrument_version: Some("1.0.0".into()),
            ..new_screening("freda-kortfragor-stil", &w.ifo)
        })
        .unwrap();
    assert_eq!(old.instrument_sha256, doc.instrument_sha256);

    // An edited 1.0.0 is refused and never overwrites the stored text.
    std::fs::write(
        inst_dir.join("1.0.0.toml"),
        v1_text.replace("Frågor till alla", "Frågor till alla (ändrad)"),
    )
    .unwrap();
    let report = hanna
        .sync_instruments(&instrument::load_dir(folder.path()))
        .unwrap();
    assert!(report.added.is_empty());
    assert_eq!(report.refused.len(), 1, "{report:?}");
    assert!(report.refused[0].path.ends_with("1.0.0.toml"));
    assert!(report.refused[0].message.contains("new version"));
    let again = hanna.screening(&doc.id).unwrap();
    assert_eq!(again.instrument_sha256, doc.instrument_sha256);
    assert_eq!(again.definition.sections[0].title.sv, "Frågor till alla");

    // A broken file is passed through with its diagnostics.
    std::fs::write(
        inst_dir.join("1.2.0.toml"),
        "id = \"freda-kortfragor-stil\"\n",
    )
    .unwrap();
    let report = hanna
        .sync_instruments(&instrument::load_dir(folder.path()))
        .unwrap();
    assert_eq!(report.failed.len(), 1);
    assert!(report.failed[0].path.ends_with("1.2.0.toml"));
    assert!(!report.failed[0].diagnostics.is_empty());
}

#[test]
fn the_json_shapes_are_camel_case_with_tagged_answers() {
    let (w, admin) = world();
    admin.lock();
    let mut hanna = w.unlock("hanna");
    let doc = start(&mut hanna, "freda-kortfragor-stil", &w.ifo);
    save(&mut hanna, &doc.id, "hot", Some(AnswerValue::Declined));
    let json = serde_json::to_value(hanna.screening(&doc.id).unwrap()).unwrap();
    for key in [
        "id",
        "status",
        "instrumentId",
        "instrumentVersion",
        "instrumentSha256",
        "definition",
        "unitId",
        "unitCode",
        "unitName",
        "personRole",
        "conductedOn",
        "caseRef",
        "authorId",
        "authorName",
        "createdAt",
        "completedAt",
        "answers",
        "notes",
        "position",
        "evaluation",
        "addenda",
    ] {
        assert!(json.get(key).is_some(), "{key} missing in {json}");
    }
    assert_eq!(json["status"], "draft");
    assert_eq!(json["personRole"], "valdsutsatt");
    assert_eq!(
        json["answers"]["hot"],
        serde_json::json!({"type": "declined"})
    );
    assert_eq!(json["conductedOn"], today().format("%Y-%m-%d").to_string());

    let input: NewScreening = serde_json::from_value(serde_json::json!({
        "instrumentId": "farlighet-stil",
        "unitId": w.ifo,
        "personRole": "valdsutovare",
        "conductedOn": "2024-05-02",
    }))
    .unwrap();
    assert_eq!(input.instrument_version, None);
    assert_eq!(input.person_role, PersonRole::Valdsutovare);
    let mine = serde_json::to_value(hanna.my_screenings().unwrap()).unwrap();
    assert_eq!(
        mine["drafts"][0]["instrumentTitle"]["sv"],
        doc.definition.title.sv
    );
    assert!(mine["drafts"][0].get("caseRef").is_none());
}

#[test]
fn autosaves_check_the_account_and_the_draft_inside_the_write() {
    let (w, mut admin) = world();
    let mut hanna = w.unlock("hanna");
    let mut hilda = w.unlock("hilda");
    let mut arne = w.unlock("arne");
    let doc = start(&mut hanna, "freda-kortfragor-stil", &w.ifo);
    save(&mut hanna, &doc.id, "hot", yes(true));

    // Nobody else writes into her draft, not even the arbetsledare of the unit.
    for other in [&mut hilda, &mut arne] {
        assert_eq!(
            code(other.save_answer(&doc.id, "hot", yes(false))),
            ErrorCode::Forbidden
        );
        assert_eq!(
            code(other.save_note(&doc.id, "hot", "KANARIE")),
            ErrorCode::Forbidden
        );
        assert_eq!(
            code(other.set_position(&doc.id, "hot")),
            ErrorCode::Forbidden
        );
    }
    // An unknown screening is not found; an unknown key is bad input and writes nothing.
    assert_eq!(
        code(hanna.save_answer("no-such-screening", "hot", yes(true))),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(hanna.save_answer(&doc.id, "no_such_item", yes(true))),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        hanna.screening(&doc.id).unwrap().answers.get("hot"),
        Some(&AnswerValue::YesNo(true))
    );

    // Deactivated while her session is open: the next autosave is refused at once, for an
    // existing screening as for an unknown one.
    let hanna_id = hanna.actor().id.clone();
    admin.deactivate_account(&hanna_id).unwrap();
    assert_eq!(
        code(hanna.save_answer(&doc.id, "hot", yes(false))),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(hanna.save_note(&doc.id, "hot", "KANARIE")),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(hanna.save_answer("no-such-screening", "hot", yes(true))),
        ErrorCode::Forbidden
    );
    let kept = arne.screening(&doc.id).unwrap();
    assert_eq!(kept.answers.get("hot"), Some(&AnswerValue::YesNo(true)));
    assert!(kept.notes.is_empty());
}
