//! What reaches the disk and what is counted: canary strings in every free-text field of a
//! screening never appear in any file of the data folder (also after a discard), and the
//! tally after a scripted series of starts, completions and discards has exactly the
//! expected counts, which `rebuild_tally` confirms.

mod screening_support;

use std::collections::BTreeMap;
use std::path::Path;

use screening_support::*;
use varna_core::export::{self, PersonRole, YearMonth};
use varna_core::instrument::AnswerValue;
use varna_core::screening::NewScreening;
use varna_core::ErrorCode;

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Scans every byte of every file in the data folder for each canary, as UTF-8, lower case
/// and UTF-16. Returns the number of files scanned.
fn assert_no_canary(dir: &Path, canaries: &[&str], when: &str) -> usize {
    let mut all = Vec::new();
    files(dir, &mut all);
    for f in &all {
        let bytes = std::fs::read(f).unwrap();
        let lower = bytes.to_ascii_lowercase();
        for c in canaries {
            assert!(
                !contains(&bytes, c.as_bytes())
                    && !contains(&lower, c.to_lowercase().as_bytes())
                    && !contains(&bytes, &utf16(c)),
                "{when}: canary {c} found in {}",
                f.display()
            );
        }
        assert!(
            !bytes.starts_with(b"SQLite format 3\0"),
            "{when}: {} is an unencrypted database",
            f.display()
        );
    }
    all.len()
}

#[test]
fn canaries_in_every_free_text_field_never_reach_the_disk_even_after_a_discard() {
    let (w, admin) = world();
    admin.lock();
    let mut s = w.unlock("hanna");
    const KEPT: [&str; 8] = [
        "KANARIECASEREF01",
        "KANARIEANTECKNING02",
        "KANARIENOTE03",
        "KANARIEMOTIVERING04",
        "KANARIELISTFALT05",
        "KANARIEKORTTEXT06",
        "KANARIEADDENDUM07",
        "KANARIEPOSITION08",
    ];
    const GONE: [&str; 4] = [
        "KANARIEDISCARDCASE09",
        "KANARIEDISCARDTEXT10",
        "KANARIEDISCARDNOTE11",
        "KANARIEDISCARDLIST12",
    ];

    // A completed FREDA-style screening with a case reference, a long text, notes and an
    // addendum.
    let freda = s
        .start_screening(NewScreening {
            case_ref: Some(KEPT[0].into()),
            ..new_screening("freda-kortfragor-stil", &w.ifo)
        })
        .unwrap();
    answer_freda(&mut s, &freda.id, true);
    save(
        &mut s,
        &freda.id,
        "anteckning",
        text(&format!("Hon sa: {}", KEPT[1])),
    );
    s.save_note(&freda.id, "hot", &format!("Anteckning {}", KEPT[2]))
        .unwrap();
    s.set_position(&freda.id, "anteckning").unwrap();
    s.complete_screening(&freda.id).unwrap();
    s.add_addendum(&freda.id, &format!("Tillägg {}", KEPT[6]))
        .unwrap();

    // A danger checklist with an override reason and list fields.
    let d = start(&mut s, "farlighet-stil", &w.ifo);
    for m in danger_markers(&d) {
        save(&mut s, &d.id, &m, yes(true));
    }
    save(&mut s, &d.id, "professionell_bedomning", choice("medel"));
    save(&mut s, &d.id, "motivering", text(KEPT[3]));
    save(
        &mut s,
        &d.id,
        "skyddsatgarder",
        entries(&[&[("atgard", t(KEPT[4])), ("ansvarig", t(KEPT[5]))]]),
    );
    // Position strings are ids, but a note on the same item carries content.
    s.save_note(&d.id, "skyddsatgarder", KEPT[7]).unwrap();

    // A draft that is discarded.
    let gone = s
        .start_screening(NewScreening {
            case_ref: Some(GONE[0].into()),
            ..new_screening("signs-of-safety-stil", &w.ifo)
        })
        .unwrap();
    save(&mut s, &gone.id, "skillnad_i_skattning", text(GONE[1]));
    s.save_note(&gone.id, "beslut", GONE[2]).unwrap();
    save(
        &mut s,
        &gone.id,
        "tidigare_skada",
        entries(&[&[("beskrivning", t(GONE[3]))]]),
    );

    // While open, with a write-ahead log.
    let all: Vec<&str> = KEPT.iter().chain(GONE.iter()).copied().collect();
    let n = assert_no_canary(w.path(), &all, "open");
    assert!(n >= 4, "db, wal, shm and key files expected, found {n}");
    let doc = s.screening(&d.id).unwrap();
    assert_eq!(doc.notes["skyddsatgarder"], KEPT[7]);

    s.discard_screening(&gone.id).unwrap();
    assert_eq!(code(s.screening(&gone.id)), ErrorCode::NotFound);
    assert_eq!(
        code(s.save_answer(&gone.id, "beslut", None)),
        ErrorCode::NotFound
    );
    // The log that held the discarded pages was copied back and truncated.
    let wal = w.path().join("varna.db-wal");
    if wal.exists() {
        assert_eq!(
            std::fs::metadata(&wal).unwrap().len(),
            0,
            "WAL not truncated"
        );
    }
    assert_no_canary(w.path(), &all, "after discard");
    // Nothing of the discarded draft is listed anywhere.
    let json = serde_json::to_string(&s.my_screenings().unwrap()).unwrap();
    assert!(!json.contains(&gone.id));
    s.lock();
    assert_no_canary(w.path(), &all, "locked");

    // The kept content is all there after unlocking; the discarded is not.
    let s = w.unlock("hanna");
    let f = s.screening(&freda.id).unwrap();
    assert_eq!(f.case_ref.as_deref(), Some(KEPT[0]));
    assert_eq!(f.notes["hot"], format!("Anteckning {}", KEPT[2]));
    assert_eq!(f.addenda[0].text, format!("Tillägg {}", KEPT[6]));
    let d = s.screening(&d.id).unwrap();
    assert_eq!(d.answers["motivering"], AnswerValue::Text(KEPT[3].into()));
    assert_eq!(code(s.screening(&gone.id)), ErrorCode::NotFound);
    assert_no_canary(w.path(), &all, "reopened");
}

type Expected = BTreeMap<(String, String, String, String, Option<String>), u64>;

fn as_map(rows: &[export::CountRow]) -> Expected {
    rows.iter()
        .map(|r| {
            (
                (
                    r.month.to_string(),
                    r.unit_code.to_string(),
                    format!("{}@{}", r.instrument_id, r.instrument_version),
                    r.measure.to_string(),
                    r.category.as_ref().map(|c| c.to_string()),
                ),
                r.count,
            )
        })
        .collect()
}

/// (month, unit, instrument@version, measure, category, count)
type Line<'a> = (&'a str, &'a str, &'a str, &'a str, Option<&'a str>, u64);

fn exp(rows: &[Line<'_>]) -> Expected {
    rows.iter()
        .map(|(m, u, i, me, c, n)| {
            (
                (
                    m.to_string(),
                    u.to_string(),
                    i.to_string(),
                    me.to_string(),
                    c.map(str::to_string),
                ),
                *n,
            )
        })
        .collect()
}

fn on(instrument: &str, unit: &str, day: (i32, u32, u32), role: PersonRole) -> NewScreening {
    NewScreening {
        person_role: role,
        conducted_on: chrono::NaiveDate::from_ymd_opt(day.0, day.1, day.2).unwrap(),
        // The counts below are of the first released versions.
        instrument_version: Some("1.0.0".into()),
        ..new_screening(instrument, unit)
    }
}

#[test]
fn the_tally_counts_starts_completions_outcomes_roles_and_discards() {
    let (w, admin) = world();
    admin.lock();
    const F: &str = "freda-kortfragor-stil";
    const D: &str = "farlighet-stil";

    // Every count is filed under the month of its event (docs/EXPORT.md, "Stable months"):
    // the test clock puts each event in the month of its samtal.
    let clock = |y, m, d| {
        varna_core::screening::__test_set_clock(Some(
            chrono::NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap()
                .and_utc(),
        ))
    };
    clock(2024, 5, 31);
    let mut hanna = w.unlock("hanna");
    // May 2024, IFO: three FREDA screenings (positive, negative, discarded), one danger
    // checklist left as a draft.
    let a = hanna
        .start_screening(on(F, &w.ifo, (2024, 5, 3), PersonRole::Valdsutsatt))
        .unwrap();
    answer_freda(&mut hanna, &a.id, true);
    hanna.complete_screening(&a.id).unwrap();
    let b = hanna
        .start_screening(on(F, &w.ifo, (2024, 5, 31), PersonRole::Anhorig))
        .unwrap();
    answer_freda(&mut hanna, &b.id, false);
    hanna.complete_screening(&b.id).unwrap();
    let c = hanna
        .start_screening(on(F, &w.ifo, (2024, 5, 20), PersonRole::Barn))
        .unwrap();
    answer_freda(&mut hanna, &c.id, true);
    hanna.discard_screening(&c.id).unwrap();
    hanna
        .start_screening(on(D, &w.ifo, (2024, 5, 20), PersonRole::Valdsutsatt))
        .unwrap();
    // June 2024: a danger checklist with an override to high.
    clock(2024, 6, 15);
    let d = hanna
        .start_screening(on(D, &w.ifo, (2024, 6, 1), PersonRole::Valdsutsatt))
        .unwrap();
    for m in danger_markers(&d) {
        save(&mut hanna, &d.id, &m, yes(false));
    }
    save(&mut hanna, &d.id, "professionell_bedomning", choice("hog"));
    save(&mut hanna, &d.id, "motivering", text("skäl"));
    hanna.complete_screening(&d.id).unwrap();
    // A failed completion counts nothing.
    let e = hanna
        .start_screening(on(F, &w.ifo, (2024, 6, 2), PersonRole::Valdsutovare))
        .unwrap();
    assert_eq!(
        code(hanna.complete_screening(&e.id)),
        ErrorCode::InvalidInput
    );
    hanna.lock();

    // May 2024, VUX: one negative FREDA screening by a valdsutovare.
    clock(2024, 5, 31);
    let mut hugo = w.unlock("hugo");
    let g = hugo
        .start_screening(on(F, &w.vux, (2024, 5, 7), PersonRole::Valdsutovare))
        .unwrap();
    answer_freda(&mut hugo, &g.id, false);
    hugo.complete_screening(&g.id).unwrap();
    hugo.lock();

    let arne = w.unlock("arne");
    let all = arne
        .tally_rows(
            YearMonth::new(2000, 1).unwrap(),
            YearMonth::new(9999, 12).unwrap(),
        )
        .unwrap();
    let f = "freda-kortfragor-stil@1.0.0";
    let dl = "farlighet-stil@1.0.0";
    let expected = exp(&[
        ("2024-05", "IFO", dl, "started", None, 1),
        ("2024-05", "IFO", f, "started", None, 3),
        ("2024-05", "IFO", f, "completed", None, 2),
        ("2024-05", "IFO", f, "discarded", None, 1),
        ("2024-05", "IFO", f, "outcome:screening", Some("positiv"), 1),
        ("2024-05", "IFO", f, "outcome:screening", Some("negativ"), 1),
        (
            "2024-05",
            "IFO",
            f,
            "outcome:barn_har_upplevt_vald",
            Some("yes"),
            1,
        ),
        ("2024-05", "IFO", f, "role", Some("valdsutsatt"), 1),
        ("2024-05", "IFO", f, "role", Some("anhorig"), 1),
        // Every completion is a first assessment here (none follows up another).
        ("2024-05", "IFO", f, "assessment", Some("forsta"), 2),
        (
            "2024-05",
            "IFO",
            f,
            "indicator:asked_about_violence",
            None,
            2,
        ),
        ("2024-05", "VUX", f, "started", None, 1),
        ("2024-05", "VUX", f, "completed", None, 1),
        ("2024-05", "VUX", f, "outcome:screening", Some("negativ"), 1),
        ("2024-05", "VUX", f, "role", Some("valdsutovare"), 1),
        ("2024-05", "VUX", f, "assessment", Some("forsta"), 1),
        (
            "2024-05",
            "VUX",
            f,
            "indicator:asked_about_violence",
            None,
            1,
        ),
        ("2024-06", "IFO", dl, "started", None, 1),
        ("2024-06", "IFO", dl, "completed", None, 1),
        ("2024-06", "IFO", dl, "outcome:riskniva", Some("hog"), 1),
        ("2024-06", "IFO", dl, "role", Some("valdsutsatt"), 1),
        ("2024-06", "IFO", dl, "assessment", Some("forsta"), 1),
        (
            "2024-06",
            "IFO",
            dl,
            "indicator:standardised_risk_assessment",
            None,
            1,
        ),
        ("2024-06", "IFO", f, "started", None, 1),
    ]);
    assert_eq!(as_map(&all), expected);

    // Only the months asked for.
    let june = arne
        .tally_rows(
            YearMonth::new(2024, 6).unwrap(),
            YearMonth::new(2024, 6).unwrap(),
        )
        .unwrap();
    assert_eq!(june.len(), 7);
    assert!(june.iter().all(|r| r.month.to_string() == "2024-06"));
    assert_eq!(
        code(arne.tally_rows(
            YearMonth::new(2024, 7).unwrap(),
            YearMonth::new(2024, 6).unwrap()
        )),
        ErrorCode::InvalidInput
    );

    // The rebuild agrees: exactly on completed, outcomes and roles; its `started` counts the
    // screenings that still exist (started minus discarded); discards cannot be rebuilt.
    let rebuilt = as_map(&arne.rebuild_tally().unwrap());
    let mut comparable = Expected::new();
    for ((m, u, i, measure, cat), n) in &expected {
        let n = match measure.as_str() {
            "discarded" => continue,
            "started" => {
                n - expected
                    .get(&(m.clone(), u.clone(), i.clone(), "discarded".into(), None))
                    .copied()
                    .unwrap_or(0)
            }
            _ => *n,
        };
        comparable.insert(
            (
                m.clone(),
                u.clone(),
                i.clone(),
                measure.clone(),
                cat.clone(),
            ),
            n,
        );
    }
    assert_eq!(rebuilt, comparable);

    // The declared instruments let an export be built from the tally.
    let declared = arne.declared_instruments().unwrap();
    let freda = declared
        .iter()
        .find(|d| d.id.as_str() == "freda-kortfragor-stil")
        .unwrap();
    let dims: Vec<(String, Vec<String>)> = freda
        .outcome_dimensions
        .iter()
        .map(|d| {
            (
                d.code.to_string(),
                d.categories.iter().map(|c| c.to_string()).collect(),
            )
        })
        .collect();
    assert_eq!(
        dims,
        [
            (
                "screening".to_string(),
                vec!["positiv".into(), "negativ".into(), "avbojd".into()]
            ),
            (
                "barn_har_upplevt_vald".to_string(),
                vec!["yes".into(), "no".into()]
            ),
        ]
    );
    assert!(declared
        .iter()
        .find(|d| d.id.as_str() == "patriark-stil")
        .is_some());
    let key = export::InstallationKey::generate().unwrap();
    let request = export::ExportRequest {
        period: export::Period::new(
            YearMonth::new(2024, 5).unwrap(),
            YearMonth::new(2024, 6).unwrap(),
        )
        .unwrap(),
        threshold: export::SuppressionThreshold::default(),
        preliminary: vec![],
        instruments: declared,
        rows: all,
    };
    let file = export::build_export(&request, &key, uuid::Uuid::new_v4()).unwrap();
    let started = file
        .rows()
        .iter()
        .find(|r| {
            r.unit.as_str() == "IFO"
                && r.instrument_id.as_str() == "freda-kortfragor-stil"
                && r.month.to_string() == "2024-05"
                && r.measure == export::Measure::Started
        })
        .unwrap();
    // Three started: a total from 1 to the threshold (3) is hidden.
    assert_eq!(started.count, export::Cell::Suppressed);
}

/// A valid value for a non-text item or list field (a text one gets its canary instead).
fn plain_value(item: &varna_core::instrument::Item) -> AnswerValue {
    use varna_core::instrument::ItemKind;
    match &item.kind {
        ItemKind::YesNo => AnswerValue::YesNo(true),
        ItemKind::SingleChoice { options }
        | ItemKind::Frequency { levels: options }
        | ItemKind::Rating { levels: options } => AnswerValue::Choice(options[0].id.clone()),
        ItemKind::MultiChoice { options, .. } => AnswerValue::Choices(vec![options[0].id.clone()]),
        ItemKind::Scale { min, max, .. } => AnswerValue::Integer((min + 5).min(*max)),
        ItemKind::Number { min, .. } => AnswerValue::Integer(min.unwrap_or(1.0) as i64),
        ItemKind::Date => AnswerValue::Date(today().to_string()),
        other => unreachable!("a text, list or calendar item: {}", other.type_name()),
    }
}

/// Every free-text answer of every stored version of every shipped instrument (item texts,
/// every text field of every list entry, the description of a calendar incident), plus the
/// notes, gets its own canary: none reaches any file of the data folder, open or locked, nor
/// the export file (JSON and CSV) or the statistics the screen shows.
#[test]
fn canaries_in_every_text_field_of_every_shipped_instrument_version_reach_neither_disk_nor_export()
{
    use varna_core::instrument::{calendar, ItemKind};
    let (w, admin) = world();
    admin.lock();
    let mut s = w.unlock("hanna");
    let mut canaries: Vec<String> = Vec::new();
    let mut next = |what: &str| {
        let c = format!("KANARIE{}X{}QZ", canaries.len() + 100, what.to_uppercase());
        canaries.push(c.clone());
        c
    };
    let versions = s.instruments().unwrap();
    assert!(
        versions
            .iter()
            .any(|v| v.id == "signs-of-safety-stil" && v.version == "2.0.0"),
        "{versions:?}"
    );
    let mut text_fields = 0;
    for v in &versions {
        let doc = start_version(&mut s, &v.id, &v.version, &w.ifo);
        for item in doc.definition.items() {
            for key in item.answer_keys() {
                let value = match &item.kind {
                    ItemKind::ShortText { .. } | ItemKind::LongText { .. } => {
                        text_fields += 1;
                        AnswerValue::Text(next("t"))
                    }
                    ItemKind::List { fields, .. } => {
                        let entry = fields
                            .iter()
                            .flat_map(|f| f.entry_keys().into_iter().map(move |k| (f, k)))
                            .map(|(f, k)| {
                                let v = match &f.kind {
                                    ItemKind::ShortText { .. } | ItemKind::LongText { .. } => {
                                        text_fields += 1;
                                        AnswerValue::Text(next("f"))
                                    }
                                    _ => plain_value(f),
                                };
                                (k, v)
                            })
                            .collect::<BTreeMap<_, _>>();
                        AnswerValue::Entries(vec![entry])
                    }
                    ItemKind::Calendar { levels, .. } => {
                        text_fields += 1;
                        AnswerValue::Calendar(calendar::CalendarAnswer {
                            as_of: today().to_string(),
                            incidents: vec![calendar::Incident {
                                date: today().to_string(),
                                severity: levels[0].id.clone(),
                                description: Some(next("k")),
                            }],
                        })
                    }
                    _ => plain_value(item),
                };
                save(&mut s, &doc.id, &key.to_string(), Some(value));
                s.save_note(&doc.id, &key.to_string(), &next("n")).unwrap();
            }
        }
        // Complete what can be completed, so its counts reach the export.
        let _ = s.complete_screening(&doc.id);
    }
    // Signs of Safety 2.0.0 alone: a pair (danger statement, safety goal) and a network
    // member (name, role, what they do) hold five text fields.
    assert!(text_fields >= 40, "{text_fields}");
    let all: Vec<&str> = canaries.iter().map(String::as_str).collect();
    assert_no_canary(w.path(), &all, "open");
    s.lock();
    assert_no_canary(w.path(), &all, "locked");

    let mut arne = w.unlock("arne");
    let month = {
        use chrono::Datelike;
        let t = today();
        YearMonth::new(t.year() as u16, t.month() as u8).unwrap()
    };
    let file = arne.export(month, month).unwrap();
    let csv = file.to_csv().unwrap();
    let view = serde_json::to_vec(&arne.statistics(month, month).unwrap()).unwrap();
    for c in &all {
        for (what, bytes) in [
            ("json", file.to_json_bytes()),
            ("csv", &csv[..]),
            ("statistics", &view[..]),
        ] {
            assert!(!contains(bytes, c.as_bytes()), "{c} in the {what}");
        }
    }
    // The export has the completed screenings' counts (so it was not simply empty).
    assert!(file.rows().len() > 10, "{}", file.rows().len());
}
