//! Every read of a person's data is in the access log, whoever reads it (loggkontroll).
//!
//! [`PERSON_DATA_READS`] lists every public `Store` method that hands out a screening's
//! answers, notes, addenda, review comments or case reference, with the access-log event its
//! call writes. The first test calls each of them on a real SQLCipher store and proves that
//! each call wrote one row naming the actor and the screening (read back with
//! `Store::audit_list`); the lists (`my_screenings`, `review_queue`) carry no case reference
//! and no content, and an autosave writes no row. The second test scans the shell's command
//! files: every command whose return type holds a person's data must call one of the listed
//! methods, so a new command that reads without logging fails here.

mod screening_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use screening_support::*;
use varna_core::audit::AuditFilter;
use varna_core::review::Decision;
use varna_core::screening::NewScreening;
use varna_core::store::Store;

/// Every public `Store` method that returns answers, notes, addenda, review comments or a
/// case reference, and the event of the access-log row each call writes (with the actor and
/// the screening). Reads log `screening_open` or `review_view`; the writes that hand data
/// back log their own event in the same transaction as the write.
const PERSON_DATA_READS: &[(&str, &str)] = &[
    ("screening", "screening_open"),
    ("open_screening", "screening_open"),
    ("review_get", "review_view"),
    ("review_state", "review_view"),
    ("start_screening", "screening_create"),
    ("complete_screening", "screening_complete"),
    ("add_addendum", "addendum_add"),
    ("review_comment", "review_decision"),
    ("review_decide", "review_decision"),
    ("review_resubmit", "review_decision"),
    ("document_save_pdf", "document_save"),
    ("document_pdf_bytes", "document_save"),
    ("document_print", "document_print"),
    ("journal_copy", "journal_copy"),
    ("upgrade_draft", "screening_upgrade"),
];

/// Autosaves hand back the evaluation of the author's own draft they just wrote. They are
/// deliberately not logged one row per keystroke: only the author can write a draft, and
/// opening it (`screening_open`) is logged once per view.
const AUTOSAVES: &[(&str, &str)] = &[("answer_save", "save_answer"), ("note_save", "save_note")];

const CASE_REF: &str = "KANARIELOGGAREF01";
const NOTE: &str = "KANARIELOGGANOT02";

/// The `(actor, event, object, detail)` of every access-log row after row `after`.
fn rows_after(reader: &Store, after: i64) -> Vec<(String, String, String, String)> {
    let mut rows: Vec<_> = reader
        .audit_list(&AuditFilter {
            limit: Some(10_000),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .filter(|e| e.seq > after)
        .map(|e| {
            (
                e.actor_id.unwrap_or_default(),
                e.event,
                e.object_id,
                e.detail,
            )
        })
        .collect();
    rows.reverse();
    rows
}

fn last_seq(reader: &Store) -> i64 {
    reader
        .audit_list(&AuditFilter {
            limit: Some(1),
            ..Default::default()
        })
        .unwrap()
        .first()
        .map_or(0, |e| e.seq)
}

/// Checks that the call since `before` wrote exactly one row, of `event`, naming `actor`
/// and `screening`, and returns its detail.
fn assert_logged(
    reader: &Store,
    before: i64,
    method: &str,
    actor: &Store,
    screening: &str,
) -> String {
    let event = PERSON_DATA_READS
        .iter()
        .find(|(m, _)| *m == method)
        .unwrap_or_else(|| panic!("{method} is not in PERSON_DATA_READS"))
        .1;
    let rows = rows_after(reader, before);
    assert_eq!(rows.len(), 1, "{method}: one row per call, got {rows:?}");
    let (who, what, object, detail) = rows.into_iter().next().unwrap();
    assert_eq!(what, event, "{method}");
    assert_eq!(who, actor.actor().id, "{method}: the actor");
    assert_eq!(object, screening, "{method}: the screening");
    assert!(
        !detail.contains("KANARIE"),
        "{method}: no content in the log"
    );
    detail
}

#[test]
fn every_read_of_a_persons_data_writes_an_access_log_row() {
    let (w, admin) = world();
    admin.lock();
    let mut hanna = w.unlock("hanna");
    // arne (arbetsledare of IFO) reads the log throughout, and reads hanna's screenings.
    let mut arne = w.unlock("arne");
    let mut called = BTreeSet::new();

    // start_screening hands back the new draft with its case reference.
    let before = last_seq(&arne);
    let done = hanna
        .start_screening(NewScreening {
            case_ref: Some(CASE_REF.into()),
            ..new_screening("freda-kortfragor-stil", &w.ifo)
        })
        .unwrap();
    assert_eq!(done.case_ref.as_deref(), Some(CASE_REF));
    assert_logged(&arne, before, "start_screening", &hanna, &done.id);
    called.insert("start_screening");

    // Autosaves write no row (they are benchmarked; one row per keystroke is too much).
    let before = last_seq(&arne);
    answer_freda(&mut hanna, &done.id, true);
    hanna.save_note(&done.id, "hot", NOTE).unwrap();
    hanna.set_position(&done.id, "hot").unwrap();
    assert_eq!(rows_after(&arne, before), [], "autosaves are not logged");

    // The draft view, by its author.
    let before = last_seq(&arne);
    let doc = hanna.screening(&done.id).unwrap();
    assert_eq!(doc.notes.get("hot").map(String::as_str), Some(NOTE));
    assert_eq!(
        assert_logged(&arne, before, "screening", &hanna, &done.id),
        "draft"
    );
    called.insert("screening");

    let before = last_seq(&arne);
    hanna.complete_screening(&done.id).unwrap();
    assert_logged(&arne, before, "complete_screening", &hanna, &done.id);
    called.insert("complete_screening");

    // The completed view, by the arbetsledare, through both entry points.
    let before = last_seq(&arne);
    assert_eq!(
        arne.screening(&done.id).unwrap().case_ref.as_deref(),
        Some(CASE_REF)
    );
    assert_eq!(
        assert_logged(&arne, before, "screening", &arne, &done.id),
        "completed"
    );
    let before = last_seq(&arne);
    arne.open_screening(&done.id).unwrap();
    assert_eq!(
        assert_logged(&arne, before, "open_screening", &arne, &done.id),
        "completed"
    );
    called.insert("open_screening");

    // The review views, by the arbetsledare and by the author.
    let before = last_seq(&arne);
    let rd = arne.review_get(&done.id).unwrap();
    assert_eq!(rd.screening.case_ref.as_deref(), Some(CASE_REF));
    assert_eq!(
        assert_logged(&arne, before, "review_get", &arne, &done.id),
        "screening_and_review"
    );
    called.insert("review_get");
    for reader in [&arne, &hanna] {
        let before = last_seq(&arne);
        reader.review_state(&done.id).unwrap();
        assert_eq!(
            assert_logged(&arne, before, "review_state", reader, &done.id),
            "review_state"
        );
    }
    called.insert("review_state");

    // The review cycle: each call hands back comments and is logged with its decision.
    let before = last_seq(&arne);
    arne.review_comment(&done.id, Some("hot"), "Fråga mer")
        .unwrap();
    assert_logged(&arne, before, "review_comment", &arne, &done.id);
    called.insert("review_comment");
    let before = last_seq(&arne);
    let st = arne
        .review_decide(&done.id, Decision::Return, Some("Komplettera"))
        .unwrap();
    assert_eq!(st.comments.len(), 1);
    assert_logged(&arne, before, "review_decide", &arne, &done.id);
    called.insert("review_decide");
    let before = last_seq(&arne);
    hanna.add_addendum(&done.id, "Kompletterat").unwrap();
    assert_logged(&arne, before, "add_addendum", &hanna, &done.id);
    called.insert("add_addendum");
    let before = last_seq(&arne);
    hanna.review_resubmit(&done.id).unwrap();
    assert_logged(&arne, before, "review_resubmit", &hanna, &done.id);
    called.insert("review_resubmit");

    // Journal-ready output of the completed screening, by its author: each output is a row.
    let out = tempfile::tempdir().unwrap();
    let before = last_seq(&arne);
    hanna
        .document_save_pdf(
            &done.id,
            varna_core::instrument::Lang::Sv,
            &out.path().join("a.pdf"),
        )
        .unwrap();
    assert_eq!(
        assert_logged(&arne, before, "document_save_pdf", &hanna, &done.id),
        "pdf"
    );
    called.insert("document_save_pdf");
    let before = last_seq(&arne);
    hanna
        .document_pdf_bytes(&done.id, varna_core::instrument::Lang::Sv)
        .unwrap();
    assert_logged(&arne, before, "document_pdf_bytes", &hanna, &done.id);
    called.insert("document_pdf_bytes");
    let before = last_seq(&arne);
    let printed = hanna
        .document_print(&done.id, varna_core::instrument::Lang::Sv)
        .unwrap();
    assert!(format!("{printed:?}").contains(CASE_REF));
    assert_logged(&arne, before, "document_print", &hanna, &done.id);
    called.insert("document_print");
    let before = last_seq(&arne);
    hanna
        .journal_copy(&done.id, varna_core::instrument::Lang::Sv)
        .unwrap();
    assert_logged(&arne, before, "journal_copy", &hanna, &done.id);
    called.insert("journal_copy");
    // upgrade_draft hands back the draft on its new version.
    let old = hanna
        .start_screening(NewScreening {
            case_ref: Some(CASE_REF.into()),
            instrument_version: Some("1.0.0".into()),
            ..new_screening("farlighet-stil", &w.ifo)
        })
        .unwrap();
    let before = last_seq(&arne);
    let up = hanna.upgrade_draft(&old.id, "1.1.0", 0).unwrap();
    assert_eq!(up.case_ref.as_deref(), Some(CASE_REF));
    assert_logged(&arne, before, "upgrade_draft", &hanna, &old.id);
    called.insert("upgrade_draft");

    // Every listed method was called and checked above.
    let listed: BTreeSet<&str> = PERSON_DATA_READS.iter().map(|(m, _)| *m).collect();
    assert_eq!(called, listed);

    // A refused read hands out nothing and logs no view.
    let hilda = w.unlock("hilda");
    let before = last_seq(&arne);
    assert!(hilda.screening(&done.id).is_err());
    assert!(hilda.review_get(&done.id).is_err());
    assert!(rows_after(&arne, before)
        .iter()
        .all(|(_, event, _, _)| event != "screening_open" && event != "review_view"));

    // The lists name screenings but carry no case reference and no content, so they are
    // not reads of a person's data and are not logged (see docs/SECURITY.md).
    let draft = hanna
        .start_screening(NewScreening {
            case_ref: Some(CASE_REF.into()),
            ..new_screening("freda-kortfragor-stil", &w.ifo)
        })
        .unwrap();
    hanna.save_note(&draft.id, "hot", NOTE).unwrap();
    let mine = format!("{:?}", hanna.my_screenings().unwrap());
    let queue = format!("{:?}", arne.review_queue().unwrap());
    assert!(mine.contains(&draft.id) && mine.contains(&done.id));
    assert!(queue.contains(&done.id));
    for list in [&mine, &queue] {
        assert!(!list.contains("KANARIE"), "{list}");
        assert!(!list.to_lowercase().contains("case_ref"), "{list}");
    }

    // The log stays a valid chain with the rows written by `&self` reads.
    assert!(arne.verify_audit().unwrap().ok);
    hilda.lock();
    hanna.lock();
    arne.lock();
    // The rows survive the lock (they were committed).
    let admin = w.unlock("admin");
    let views = admin
        .audit_list(&AuditFilter {
            object_id: Some(done.id.clone()),
            event: Some("review_view".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(views.len(), 3);
}

// ---- the shell: every command that returns a person's data maps to a logged method ----

fn read(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn ident_after<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    let start = text.find(marker)? + marker.len();
    let rest = &text[start..];
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// `pub struct Name { fields }` of a Rust source file: name → list of (field, type).
fn structs(src: &str) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out = BTreeMap::new();
    let mut rest = src;
    while let Some(i) = rest.find("pub struct ") {
        rest = &rest[i..];
        let name = ident_after(rest, "pub struct ").unwrap().to_owned();
        let Some(open) = rest.find('{').filter(|o| !rest[..*o].contains(';')) else {
            rest = &rest["pub struct ".len()..];
            continue;
        };
        let close = open + rest[open..].find("\n}").unwrap();
        let fields = rest[open + 1..close]
            .lines()
            .map(str::trim)
            .filter_map(|l| l.strip_prefix("pub "))
            .filter_map(|l| l.split_once(':'))
            .map(|(f, t)| {
                (
                    f.trim().to_owned(),
                    t.trim().trim_end_matches(',').to_owned(),
                )
            })
            .collect();
        out.insert(name, fields);
        rest = &rest[close..];
    }
    out
}

/// Field names that hold a person's data.
const PERSON_FIELDS: &[&str] = &[
    "case_ref",
    "answers",
    "notes",
    "addenda",
    "comments",
    "text",
    "reason",
    "evaluation",
];

/// The core's types that hold a person's data: a struct with one of [`PERSON_FIELDS`], or
/// with a field whose type names such a struct.
fn person_data_types() -> BTreeSet<String> {
    let mut all = structs(&read("src/screening/mod.rs"));
    all.extend(structs(&read("src/review/mod.rs")));
    all.extend(structs(&read("src/document/model.rs")));
    let mut found: BTreeSet<String> = BTreeSet::new();
    loop {
        let before = found.len();
        for (name, fields) in &all {
            let holds = fields.iter().any(|(f, t)| {
                PERSON_FIELDS.contains(&f.as_str()) || found.iter().any(|p| mentions(t, p))
            });
            if holds {
                found.insert(name.clone());
            }
        }
        if found.len() == before {
            return found;
        }
    }
}

/// Whether the type text `ty` names the type `name` (as a whole word).
fn mentions(ty: &str, name: &str) -> bool {
    ty.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w == name)
}

/// `(command, return type, body)` of every `#[tauri::command]` in a shell file.
fn commands(src: &str) -> Vec<(String, String, String)> {
    src.split("#[tauri::command]")
        .skip(1)
        .map(|chunk| {
            let name = ident_after(chunk, "fn ")
                .expect("a command function")
                .to_owned();
            let ret = chunk
                .split_once("->")
                .map(|(_, r)| r.split_once('{').map_or(r, |(t, _)| t).trim().to_owned())
                .unwrap_or_default();
            let body = chunk.split_once('{').map_or("", |(_, b)| b).to_owned();
            (name, ret, body)
        })
        .collect()
}

/// The commands of `src` that return a person's data without calling a logged core method
/// (`(count of commands, offending commands)`).
fn unlogged(src: &str, types: &BTreeSet<String>) -> (usize, Vec<String>) {
    let cmds = commands(src);
    let mut bad = Vec::new();
    for (name, ret, body) in &cmds {
        if !types.iter().any(|t| mentions(ret, t)) {
            continue;
        }
        let calls = |m: &str| body.contains(&format!(".{m}("));
        let ok = match AUTOSAVES.iter().find(|(c, _)| c == name) {
            Some((_, core)) => calls(core),
            None => PERSON_DATA_READS.iter().any(|(m, _)| calls(m)),
        };
        if !ok {
            bad.push(format!("{name} -> {ret}"));
        }
    }
    (cmds.len(), bad)
}

#[test]
fn every_shell_command_that_returns_a_persons_data_calls_a_logged_method() {
    let types = person_data_types();
    // The scan must see the types it guards (so a broken parser cannot pass silently).
    for t in [
        "ScreeningDoc",
        "ReviewDoc",
        "ReviewState",
        "ReviewComment",
        "Addendum",
        "Saved",
        "DocumentModel",
    ] {
        assert!(types.contains(t), "{t} not found among {types:?}");
    }
    for t in [
        "MyScreenings",
        "ScreeningSummary",
        "QueueItem",
        "ReviewQueue",
    ] {
        assert!(
            !types.contains(t),
            "{t} holds a person's data now: log its reads (PERSON_DATA_READS) or drop the field"
        );
    }
    let mut seen = 0;
    for file in [
        "../../src-tauri/src/commands/screening.rs",
        "../../src-tauri/src/commands/review.rs",
        "../../src-tauri/src/commands/document.rs",
    ] {
        let (n, bad) = unlogged(&read(file), &types);
        seen += n;
        assert!(
            bad.is_empty(),
            "{file}: these commands return a person's data but call none of the logged core \
             methods of PERSON_DATA_READS: {bad:?}"
        );
    }
    assert!(seen >= 15, "the scan found only {seen} commands");
}

#[test]
fn the_scan_catches_a_command_that_reads_without_logging() {
    let types = person_data_types();
    let src = "#[tauri::command]\npub fn peek(state: State<'_, AppState>, id: String) -> \
               CommandResult<ReviewDoc> {\n    Ok(state.with_store(|s| s.peek(&id))?)\n}\n\
               #[tauri::command]\npub fn get(state: State<'_, AppState>, id: String) -> \
               CommandResult<ScreeningDoc> {\n    Ok(state.with_store(|s| s.open_screening(&id))?)\n}\n";
    assert_eq!(
        unlogged(src, &types),
        (2, vec!["peek -> CommandResult<ReviewDoc>".to_owned()])
    );
}
