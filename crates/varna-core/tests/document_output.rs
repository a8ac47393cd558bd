//! Journal-ready output: for every shipped instrument a completed screening renders as a
//! PDF/A-2b document (krilla's validator is on, so a rendered document conforms), whose text
//! (poppler's `pdftotext`) holds every applicable question and answer and nothing of a
//! hidden item; the journal text is exact; only the author, an arbetsledare of the unit and
//! an administratör may produce outputs, and each output is logged.

mod screening_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use screening_support::*;
use varna_core::audit::{AuditFilter, Event};
use varna_core::instrument::{AnswerValue, Item, ItemKind, Lang};
use varna_core::screening::{NewScreening, ScreeningDoc};
use varna_core::store::Store;
use varna_core::ErrorCode;

const INSTRUMENTS: [&str; 5] = [
    "freda-kortfragor-stil",
    "farlighet-stil",
    "patriark-stil",
    "signs-of-safety-stil",
    "tre-hus-stil",
];

/// A value for `item` (a list field too) whose text, where it has one, is unique.
fn value_for(item: &Item, marker: &str) -> AnswerValue {
    match &item.kind {
        ItemKind::YesNo => AnswerValue::YesNo(true),
        ItemKind::SingleChoice { options }
        | ItemKind::Frequency { levels: options }
        | ItemKind::Rating { levels: options } => AnswerValue::Choice(options[0].id.clone()),
        ItemKind::MultiChoice { options, .. } => AnswerValue::Choices(vec![options[0].id.clone()]),
        ItemKind::Scale { min, max, .. } => AnswerValue::Integer((min + 5).min(*max)),
        ItemKind::Number { min, .. } => AnswerValue::Integer(min.unwrap_or(1.0) as i64),
        ItemKind::Date => AnswerValue::Date("2026-01-15".into()),
        ItemKind::ShortText { .. } | ItemKind::LongText { .. } => AnswerValue::Text(marker.into()),
        ItemKind::Calendar { levels, .. } => {
            AnswerValue::Calendar(varna_core::instrument::calendar::CalendarAnswer {
                as_of: today().to_string(),
                incidents: vec![varna_core::instrument::calendar::Incident {
                    date: today().to_string(),
                    severity: levels[levels.len() - 1].id.clone(),
                    description: Some(format!("{marker}-händelse")),
                }],
            })
        }
        ItemKind::List { fields, .. } => AnswerValue::Entries(
            (1..=2)
                .map(|n| {
                    // A field asked per perspective has one value per `field@perspective`.
                    fields
                        .iter()
                        .flat_map(|f| {
                            f.entry_keys().into_iter().map(move |k| {
                                let v = value_for(f, &format!("{marker}-post{n}-{}", f.id));
                                (k, v)
                            })
                        })
                        .collect::<BTreeMap<_, _>>()
                })
                .collect(),
        ),
    }
}

/// Answers every key of every item (shown or not), so hidden items carry answers too; then
/// the answers that hide something in each instrument; then a declined answer and a note.
fn complete(store: &mut Store, instrument: &str, unit: &str) -> ScreeningDoc {
    let doc = start(store, instrument, unit);
    for item in doc.definition.items() {
        for key in item.answer_keys() {
            let marker = format!("Svar-{}", key.to_string().replace(['@', '#'], "-"));
            save(
                store,
                &doc.id,
                &key.to_string(),
                Some(value_for(item, &marker)),
            );
        }
    }
    match instrument {
        "freda-kortfragor-stil" => {
            // Nothing positive: the follow-up section is hidden; one question declined.
            for q in FREDA_QUESTIONS {
                save(store, &doc.id, q, yes(false));
            }
            save(store, &doc.id, "fysiskt_vald", Some(AnswerValue::Declined));
        }
        "farlighet-stil" => {
            // 20 of 20 markers: computed "hög", judged "standard" with a reason.
        }
        "patriark-stil" => {
            // Low risk: the protection measures are hidden.
        }
        "signs-of-safety-stil" => {
            // Parent 5, worker 5: the question about the difference is hidden.
        }
        "tre-hus-stil" => {
            // Every house filled in; nothing hides.
        }
        _ => unreachable!(),
    }
    let first = doc.definition.items().next().unwrap().id.clone();
    store
        .save_note(&doc.id, &first, "Anteckning-markör om svaret")
        .unwrap();
    store.complete_screening(&doc.id).unwrap()
}

fn pdftotext(pdf: &[u8], dir: &Path, name: &str) -> String {
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg("-raw")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success(), "pdftotext failed: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The body text with the footer lines dropped and all whitespace collapsed, so wrapped lines
/// and page breaks do not split a question.
fn body_text(text: &str) -> String {
    text.lines()
        .filter(|l| {
            !l.contains("Utskrivet ") && !l.contains("Printed ") && !l.starts_with("SHA-256: ")
        })
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn events(store: &Store, event: Event) -> Vec<(Option<String>, String, String)> {
    store
        .audit_list(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .filter(|e| e.event == event.as_str())
        .map(|e| (e.actor_username, e.object_id, e.detail))
        .collect()
}

#[test]
fn every_shipped_instrument_renders_applicable_items_only_as_pdf_a() {
    let (w, _admin) = world();
    let mut hanna = w.unlock("hanna");
    // Kept for a person to look at: target/tmp/documents/<instrument>.pdf.
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("documents");
    std::fs::create_dir_all(&out).unwrap();
    let mut hidden_seen = 0;
    for instrument in INSTRUMENTS {
        let doc = complete(&mut hanna, instrument, &w.ifo);
        let (saved, pdf) = hanna.document_pdf_bytes(&doc.id, Lang::Sv).unwrap();
        assert!(pdf.starts_with(b"%PDF-1.7"), "{instrument}: a PDF 1.7 file");
        let head = String::from_utf8_lossy(&pdf);
        assert!(
            head.contains("<pdfaid:part>2</pdfaid:part>")
                && head.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
            "{instrument}: declares PDF/A-2b"
        );
        let raw = pdftotext(&pdf, &out, instrument);
        let text = body_text(&raw);
        let def = &doc.definition;

        assert!(raw.contains("Sida 1 av "), "{instrument}: page numbers");
        assert!(
            raw.contains(&format!("SHA-256: {}", saved.sha256)),
            "{instrument}: hash in footer"
        );
        assert!(
            raw.contains("Utskrivet ") && raw.contains("av Hanna Handläggare"),
            "{instrument}: print line"
        );
        assert!(
            text.contains(&norm(def.title.sv.as_str())),
            "{instrument}: title"
        );

        // Every applicable question and its answers.
        for item in def.items().filter(|i| doc.evaluation.is_visible(&i.id)) {
            assert!(
                text.contains(&norm(&item.text.sv)),
                "{instrument}: question {} missing",
                item.id
            );
            for key in item.answer_keys() {
                let value = doc.answers.get(&key.to_string());
                let expect: Vec<String> = match (&item.kind, value) {
                    (_, Some(AnswerValue::Declined)) => vec!["Vill ej svara".into()],
                    (_, Some(AnswerValue::Text(t))) => vec![t.clone()],
                    (_, Some(AnswerValue::YesNo(b))) => vec![if *b { "Ja" } else { "Nej" }.into()],
                    (_, Some(AnswerValue::Choice(c))) => vec![label(item, c)],
                    (_, Some(AnswerValue::Choices(cs))) => {
                        cs.iter().map(|c| label(item, c)).collect()
                    }
                    (ItemKind::List { fields, .. }, Some(AnswerValue::Entries(es))) => es
                        .iter()
                        .flat_map(|e| {
                            fields.iter().filter_map(move |f| match e.get(&f.id) {
                                Some(AnswerValue::Text(t)) => Some(format!("{}: {t}", f.text.sv)),
                                Some(AnswerValue::Date(d)) => Some(format!("{}: {d}", f.text.sv)),
                                _ => None,
                            })
                        })
                        .collect(),
                    (_, Some(AnswerValue::Integer(n))) => vec![n.to_string()],
                    (_, Some(AnswerValue::Date(d))) => vec![d.clone()],
                    (_, Some(AnswerValue::Calendar(c))) => c
                        .incidents
                        .iter()
                        .flat_map(|i| [i.date.clone(), i.description.clone().unwrap_or_default()])
                        .collect(),
                    (_, None) => vec!["Inget svar".into()],
                    (_, Some(v)) => panic!("{instrument}: unexpected value {v:?}"),
                };
                for e in expect {
                    assert!(
                        text.contains(&norm(&e)),
                        "{instrument}: answer {key} ({e}) missing"
                    );
                }
            }
        }
        assert!(
            text.contains("Anteckning: Anteckning-markör om svaret"),
            "{instrument}: note"
        );

        // Nothing of a hidden item: not its answers, and not its question (when the question
        // is not also another visible text).
        for id in &doc.evaluation.hidden_items {
            hidden_seen += 1;
            let item = def.item(id).unwrap();
            let marker = format!("Svar-{id}");
            assert!(
                !text.contains(&marker),
                "{instrument}: hidden item {id}'s answer is printed"
            );
            let q = norm(&item.text.sv);
            let elsewhere = def
                .items()
                .filter(|i| doc.evaluation.is_visible(&i.id))
                .any(|i| norm(&i.text.sv).contains(&q));
            if q.chars().count() >= 12 && !elsewhere {
                assert!(
                    !text.contains(&q),
                    "{instrument}: hidden item {id}'s question is printed"
                );
            }
        }

        // Scores, bands and the override with its reason; outcomes.
        if instrument == "farlighet-stil" {
            assert!(
                text.contains(
                    "Antal riskmarkörer 20 (20 av 20 besvarade), nivå: Hög (14 eller fler)"
                ),
                "{text}"
            );
            assert!(text.contains("Bedömd nivå: Standard (0–9) (beräknad: Hög (14 eller fler)). Skäl: Svar-motivering"), "{text}");
        }
        if instrument == "freda-kortfragor-stil" {
            assert!(
                text.contains("Screeningens utfall Klienten ville inte svara"),
                "{text}"
            );
        }
        if instrument == "patriark-stil" {
            assert!(
                text.contains("Bedömd risk för allvarligt våld Låg"),
                "{text}"
            );
            // Ratings now and earlier as a table with the time frames as columns.
            assert!(
                text.contains("Nu (senaste året) Tidigare N – Inte närvarande N – Inte närvarande"),
                "{text}"
            );
        }
        if instrument == "signs-of-safety-stil" {
            assert!(text.contains("Perspektiv Svar"), "{text}");
            // Version 2.0.0: each danger statement with its safety goal and a scale from
            // every perspective, and the safety network.
            assert!(text.contains("Par 1 • Farlighetsformulering:"), "{text}");
            assert!(text.contains("Säkerhetsmål"), "{text}");
            for p in ["Handläggare", "Förälder", "Barnet", "Nätverket"] {
                assert!(
                    text.contains(&format!(
                        "Hur nära säkerhetsmålet är ni? (0–10) – {p}: 5 (0–10)"
                    )),
                    "{p}: {text}"
                );
            }
            assert!(text.contains("Person i nätverket 1 • Namn:"), "{text}");
        }
    }
    assert!(
        hidden_seen >= 3,
        "the instruments hide items in these screenings"
    );

    // Every save was logged, by hanna, for the screening.
    let admin = w.unlock("admin");
    let saves = events(&admin, Event::DocumentSave);
    assert_eq!(saves.len(), INSTRUMENTS.len());
    assert!(saves
        .iter()
        .all(|(who, _, detail)| who.as_deref() == Some("hanna") && detail == "pdf"));
}

fn label(item: &Item, id: &str) -> String {
    item.choices()
        .iter()
        .find(|o| o.id == id)
        .unwrap()
        .label
        .sv
        .clone()
}

#[test]
fn outputs_are_for_the_author_the_units_arbetsledare_and_administrators_and_are_logged() {
    let (w, _) = world();
    let mut hanna = w.unlock("hanna");
    let draft = start(&mut hanna, "freda-kortfragor-stil", &w.ifo);
    answer_freda(&mut hanna, &draft.id, true);
    assert_eq!(
        code(hanna.journal_copy(&draft.id, Lang::Sv)),
        ErrorCode::Conflict,
        "a draft is not output"
    );
    let doc = hanna.complete_screening(&draft.id).unwrap();
    let dir = tempfile::tempdir().unwrap();

    // The author: all three outputs.
    let path = dir.path().join("hanna.pdf");
    let saved = hanna.document_save_pdf(&doc.id, Lang::Sv, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(saved.bytes, bytes.len() as u64);
    // Never over an existing file, and nothing logged then.
    assert_eq!(
        code(hanna.document_save_pdf(&doc.id, Lang::Sv, &path)),
        ErrorCode::Conflict
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    let printed = hanna.document_print(&doc.id, Lang::Sv).unwrap();
    assert_eq!(
        printed.sha256, saved.sha256,
        "the print view is the same document"
    );
    assert!(hanna
        .journal_copy(&doc.id, Lang::Sv)
        .unwrap()
        .contains(&saved.sha256));
    drop(hanna);

    // Refused: another handläggare of the unit, a handläggare and an arbetsledare of another unit.
    for who in ["hilda", "hugo", "alva"] {
        let mut s = w.unlock(who);
        assert_eq!(
            code(s.journal_copy(&doc.id, Lang::Sv)),
            ErrorCode::Forbidden,
            "{who}"
        );
        assert_eq!(
            code(s.document_print(&doc.id, Lang::Sv)),
            ErrorCode::Forbidden,
            "{who}"
        );
        let p = dir.path().join(format!("{who}.pdf"));
        assert_eq!(
            code(s.document_save_pdf(&doc.id, Lang::Sv, &p)),
            ErrorCode::Forbidden,
            "{who}"
        );
        assert!(!p.exists(), "{who}: no file");
    }
    // Allowed: the unit's arbetsledare and an administratör (English here).
    let mut arne = w.unlock("arne");
    assert!(arne
        .journal_copy(&doc.id, Lang::Sv)
        .unwrap()
        .starts_with("Screening i Värna: "));
    drop(arne);
    let mut admin = w.unlock("admin");
    let en = admin.document_print(&doc.id, Lang::En).unwrap();
    assert_eq!(en.texts.page_of, "Page {n} of {m}");
    let (_, pdf) = admin.document_pdf_bytes(&doc.id, Lang::En).unwrap();
    let raw = pdftotext(&pdf, dir.path(), "en");
    assert!(
        raw.contains("Page 1 of 1") && raw.contains("Printed ") && raw.contains("by Ada Admin"),
        "{raw}"
    );
    assert!(raw.contains("Date of the interview"), "{raw}");

    let who = |e: Event| -> Vec<String> {
        events(&admin, e)
            .into_iter()
            .map(|(who, id, _)| {
                assert_eq!(id, doc.id);
                who.unwrap()
            })
            .collect()
    };
    let mut saves = who(Event::DocumentSave);
    saves.sort();
    assert_eq!(saves, ["admin", "hanna"]);
    let mut prints = who(Event::DocumentPrint);
    prints.sort();
    assert_eq!(prints, ["admin", "hanna"]);
    let mut copies = who(Event::JournalCopy);
    copies.sort();
    assert_eq!(copies, ["arne", "hanna"]);
}

#[test]
fn the_journal_text_is_exact() {
    let (w, _) = world();
    let mut hanna = w.unlock("hanna");
    // Pinned to 1.0.0: the snapshot is of that version's results.
    let draft = hanna
        .start_screening(NewScreening {
            instrument_version: Some("1.0.0".into()),
            ..new_screening("farlighet-stil", &w.ifo)
        })
        .unwrap();
    let markers = danger_markers(&draft);
    for (n, m) in markers.iter().enumerate() {
        save(&mut hanna, &draft.id, m, yes(n < 11));
    }
    save(
        &mut hanna,
        &draft.id,
        "professionell_bedomning",
        choice("hog"),
    );
    save(
        &mut hanna,
        &draft.id,
        "motivering",
        text("Hot med kniv i förra veckan."),
    );
    let doc = hanna.complete_screening(&draft.id).unwrap();
    let journal = hanna.journal_copy(&doc.id, Lang::Sv).unwrap();
    let model = hanna.document_print(&doc.id, Lang::Sv).unwrap();
    let journal = journal
        .replace(&doc.conducted_on.format("%Y-%m-%d").to_string(), "<datum>")
        .replace(&model.sha256, "<sha256>");
    expect_test::expect![[r#"
        Screening i Värna: Farlighetsbedömning (i stil med FREDA) (farlighet-stil 1.0.0)
        Datum för samtalet: <datum>
        Genomfört av: Hanna Handläggare, IFO Individ- och familjeomsorg
        Personens roll: Våldsutsatt
        Resultat:
        - Antal riskmarkörer: 11 (20 av 20 besvarade), nivå: Medel (10–13)
        - Professionell bedömning: Bedömd nivå: Hög (14 eller fler) (beräknad: Medel (10–13)). Skäl: Hot med kniv i förra veckan.
        - Risknivå efter professionell bedömning: Hög (14 eller fler)
        Granskning: Väntar på granskning
        Dokument SHA-256: <sha256>
    "#]]
    .assert_eq(&journal);

    // PATRIARK-style: the summary judgements with their rationale, and the review decision.
    let draft = start(&mut hanna, "patriark-stil", &w.ifo);
    for item in draft.definition.items() {
        for key in item.answer_keys() {
            let marker = format!("Svar-{}", key.to_string().replace(['@', '#'], "-"));
            save(
                &mut hanna,
                &draft.id,
                &key.to_string(),
                Some(value_for(item, &marker)),
            );
        }
    }
    save(&mut hanna, &draft.id, "akut_risk", choice("hog"));
    let doc = hanna.complete_screening(&draft.id).unwrap();
    drop(hanna);
    let mut arne = w.unlock("arne");
    arne.review_decide(
        &doc.id,
        varna_core::review::Decision::Return,
        Some("Komplettera motiveringen."),
    )
    .unwrap();
    let journal = arne.journal_copy(&doc.id, Lang::Sv).unwrap();
    let judgements: Vec<&str> = journal
        .lines()
        .skip_while(|l| *l != "Bedömningar:")
        .take(5)
        .collect();
    expect_test::expect![[r#"
        [
            "Bedömningar:",
            "- Risk för allvarligt våld: Låg",
            "- Motivering: Svar-motivering_allvarligt_vald",
            "- Akut risk (de närmaste dagarna): Hög",
            "- Motivering: Svar-motivering_akut_risk",
        ]
    "#]]
    .assert_debug_eq(&judgements);
    let review = journal
        .lines()
        .find(|l| l.starts_with("Granskning: "))
        .unwrap();
    assert!(
        review.starts_with("Granskning: Återlämnad av Arne Arbetsledare, ")
            && review.ends_with(". Skäl: Komplettera motiveringen."),
        "{review}"
    );
}

/// The header names the samtal (instrument, version and hash, unit, role, date, case
/// reference, author, completion) and its review (approved by whom); addenda follow with
/// who wrote them; and every shipped version renders, not only the newest.
#[test]
fn the_header_names_the_samtal_and_its_review_and_addenda_are_listed() {
    let (w, _admin) = world();
    let mut hanna = w.unlock("hanna");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("documents");
    std::fs::create_dir_all(&out).unwrap();
    let doc = hanna
        .start_screening(NewScreening {
            case_ref: Some("Dnr-4711-markör".into()),
            ..new_screening("freda-kortfragor-stil", &w.ifo)
        })
        .unwrap();
    for q in FREDA_QUESTIONS {
        save(&mut hanna, &doc.id, q, yes(false));
    }
    let done = hanna.complete_screening(&doc.id).unwrap();
    hanna
        .add_addendum(&doc.id, "Tillägg-markör efter samtalet")
        .unwrap();
    hanna.lock();
    let mut arne = w.unlock("arne");
    arne.review_decide(&doc.id, varna_core::review::Decision::Approve, None)
        .unwrap();
    let (_, pdf) = arne.document_pdf_bytes(&doc.id, Lang::Sv).unwrap();
    let text = body_text(&pdftotext(&pdf, &out, "header"));
    // A label and its value are table cells: "Enhet IFO – …" in the extracted text.
    for part in [
        format!("Version freda-kortfragor-stil {}", done.instrument_version),
        format!("Enhet {} – {}", done.unit_code, done.unit_name),
        "Personens roll Våldsutsatt".into(),
        format!("Datum för samtalet {}", today().format("%Y-%m-%d")),
        "Ärende Dnr-4711-markör".into(),
        "Genomfört av Hanna Handläggare".into(),
        "Slutfört ".into(),
        "Granskning Godkänd av Arne Arbetsledare".into(),
        "Tillägg-markör efter samtalet".into(),
    ] {
        assert!(text.contains(&part), "{part:?} missing from: {text}");
    }
    // The instrument's hash may wrap across lines.
    let compact: String = text.split_whitespace().collect();
    assert!(
        compact.contains(&format!("(SHA-256{})", done.instrument_sha256)),
        "the instrument's hash: {text}"
    );
    let addendum_at = text.find("Tillägg-markör").unwrap();
    let heading = text[..addendum_at].rfind("Tillägg ").unwrap();
    assert!(
        text[heading..addendum_at].contains("Hanna Handläggare"),
        "the addendum names its author: {}",
        &text[heading..]
    );
    arne.lock();

    // Every shipped version, older ones included, renders as a valid PDF/A.
    let mut hanna = w.unlock("hanna");
    let versions: Vec<(String, String)> = hanna
        .instruments()
        .unwrap()
        .into_iter()
        .filter(|i| !i.retired)
        .map(|i| (i.id, i.version))
        .collect();
    assert!(
        versions.len() > INSTRUMENTS.len(),
        "older versions are shipped: {versions:?}"
    );
    for (id, version) in versions {
        let doc = hanna
            .start_screening(NewScreening {
                instrument_version: Some(version.clone()),
                ..new_screening(&id, &w.ifo)
            })
            .unwrap();
        let done = answer_all_and_complete(&mut hanna, &doc);
        let (_, pdf) = hanna.document_pdf_bytes(&done.id, Lang::Sv).unwrap();
        let raw = pdftotext(&pdf, &out, &format!("{id}-{version}"));
        assert!(
            raw.contains(&format!("{id} {version}")),
            "{id} {version}: the version is named"
        );
    }
}

/// Answers every key of `doc` (shown or not) with a valid value and completes it.
fn answer_all_and_complete(store: &mut Store, doc: &ScreeningDoc) -> ScreeningDoc {
    for item in doc.definition.items() {
        for key in item.answer_keys() {
            let marker = format!("Svar-{}", key.to_string().replace(['@', '#'], "-"));
            save(
                store,
                &doc.id,
                &key.to_string(),
                Some(value_for(item, &marker)),
            );
        }
    }
    store.complete_screening(&doc.id).unwrap()
}
