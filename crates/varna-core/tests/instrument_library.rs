//! The instrument library: adding an organisation's file (checked, previewed, copied new,
//! stored and logged), refusing broken files and `(id, version)` clashes without
//! overwriting anything, and retiring a version (no new screenings; old ones still open).

mod screening_support;

use std::path::{Path, PathBuf};

use screening_support::*;
use varna_core::audit::{AuditFilter, Event};
use varna_core::screening::{InstrumentOrigin, NewScreening};
use varna_core::ErrorCode;

/// A small valid instrument; `extra` is appended to the title's Swedish text (a different
/// content for the same version).
fn instrument_text(version: &str, extra: &str) -> String {
    format!(
        r#"id = "egen-fragor"
version = "{version}"
kind = "screening"
title = {{ sv = "Egna frågor om våld{extra}", en = "Our own questions about violence" }}
description = {{ sv = "Organisationens egna kortfrågor.", en = "The organisation's own short questions." }}
source = {{ sv = "Skriven av organisationen.", en = "Written by the organisation." }}
licence = {{ sv = "Endast för internt bruk.", en = "Internal use only." }}

[[sections]]
id = "fragor"
title = {{ sv = "Frågor", en = "Questions" }}

[[sections.items]]
id = "hot"
type = "yes_no"
required = true
text = {{ sv = "Har någon hotat dig?", en = "Has anyone threatened you?" }}

[[sections.items]]
id = "radd"
type = "yes_no"
required = true
text = {{ sv = "Är du rädd i dag?", en = "Are you afraid today?" }}

[[outcomes]]
id = "screening"
label = {{ sv = "Utfall", en = "Outcome" }}
categories = [
  {{ id = "positiv", label = {{ sv = "Positiv" }} }},
  {{ id = "negativ", label = {{ sv = "Negativ" }} }},
]
rules = [{{ when = "hot", category = "positiv" }}]
otherwise = "negativ"
"#
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn events(store: &varna_core::store::Store, event: Event) -> Vec<String> {
    store
        .audit_list(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .filter(|e| e.event == event.as_str())
        .map(|e| e.object_id)
        .collect()
}

#[test]
fn an_administrator_previews_and_adds_a_file_which_is_copied_new_stored_and_logged() {
    let (w, mut admin) = world();
    let picked = tempfile::tempdir().unwrap();
    let folder = w.path().join("instruments");
    // Any name will do: the library places it as <id>/<version>.toml.
    let file = write(
        picked.path(),
        "mitt instrument.toml",
        &instrument_text("1.0.0", ""),
    );

    let check = admin.check_instrument_file(&file, &folder).unwrap();
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    let p = check.preview.as_ref().unwrap();
    assert_eq!(
        (p.id.as_str(), p.version.as_str()),
        ("egen-fragor", "1.0.0")
    );
    assert_eq!(p.title.sv, "Egna frågor om våld");
    assert_eq!(p.sections.len(), 1);
    assert_eq!(p.items, 2);
    assert!(p.scores.is_empty());
    assert_eq!(p.outcomes.len(), 1);
    assert_eq!(p.licence.sv, "Endast för internt bruk.");
    let target = folder.join("egen-fragor").join("1.0.0.toml");
    assert_eq!(check.target.as_deref(), Some(target.to_str().unwrap()));
    assert!(!folder.exists(), "a check writes nothing");

    let added = admin.add_instrument_file(&file, &folder).unwrap();
    assert_eq!(added.path, target.display().to_string());
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        instrument_text("1.0.0", "")
    );
    assert!(events(&admin, Event::InstrumentAdd).contains(&"egen-fragor@1.0.0".to_string()));

    let lib = admin.instrument_library(&folder).unwrap();
    let e = lib
        .entries
        .iter()
        .find(|e| e.id == "egen-fragor")
        .expect("in the library");
    assert_eq!(e.origin, InstrumentOrigin::Organisation);
    assert!(e.latest && e.retired_at.is_none());
    assert_eq!(e.licence.sv, "Endast för internt bruk.");
    assert!(lib
        .entries
        .iter()
        .filter(|e| e.id != "egen-fragor")
        .all(|e| e.origin == InstrumentOrigin::Shipped));
    assert!(lib.problems.is_empty(), "{:?}", lib.problems);

    // A handläggare can start a screening with it at once.
    let mut hanna = w.unlock("hanna");
    let doc = start(&mut hanna, "egen-fragor", &w.ifo);
    assert_eq!(doc.instrument_version, "1.0.0");
}

#[test]
fn other_roles_are_refused_before_the_file_is_touched() {
    let (w, _admin) = world();
    let picked = tempfile::tempdir().unwrap();
    let folder = w.path().join("instruments");
    let file = write(picked.path(), "x.toml", &instrument_text("1.0.0", ""));
    for who in ["hanna", "arne"] {
        let mut s = w.unlock(who);
        // A path that does not exist: the role is refused first, not the missing file.
        let missing = picked.path().join("missing.toml");
        assert_eq!(
            code(s.check_instrument_file(&missing, &folder)),
            ErrorCode::Forbidden
        );
        assert_eq!(
            code(s.add_instrument_file(&file, &folder)),
            ErrorCode::Forbidden
        );
        assert_eq!(code(s.instrument_library(&folder)), ErrorCode::Forbidden);
        assert_eq!(
            code(s.set_instrument_retired("freda-kortfragor-stil", "1.0.0", true)),
            ErrorCode::Forbidden
        );
    }
    assert!(!folder.exists());
}

#[test]
fn a_broken_file_is_refused_with_its_line_and_column() {
    let (w, mut admin) = world();
    let picked = tempfile::tempdir().unwrap();
    let folder = w.path().join("instruments");
    let broken = instrument_text("1.0.0", "").replace(
        "required = true\ntext = { sv = \"Är",
        "requird = true\ntext = { sv = \"Är",
    );
    assert_ne!(broken, instrument_text("1.0.0", ""));
    let file = write(picked.path(), "trasig.toml", &broken);
    let line = broken
        .lines()
        .position(|l| l.starts_with("requird"))
        .unwrap()
        + 1;

    let check = admin.check_instrument_file(&file, &folder).unwrap();
    assert!(check.preview.is_none());
    let expected = format!("{}:{line}:1:", file.display());
    assert!(
        check
            .problems
            .iter()
            .any(|p| p.starts_with(&expected) && p.contains("requird")),
        "{:?}",
        check.problems
    );

    let err = admin.add_instrument_file(&file, &folder).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInstrument);
    assert!(err.to_string().contains(&expected), "{err}");
    assert!(!folder.exists(), "nothing was written");
    assert!(admin
        .instruments()
        .unwrap()
        .iter()
        .all(|i| i.id != "egen-fragor"));
    assert!(events(&admin, Event::InstrumentAdd)
        .iter()
        .all(|o| !o.starts_with("egen-fragor")));
}

#[test]
fn an_id_and_version_already_in_the_library_is_refused_and_nothing_is_overwritten() {
    let (w, mut admin) = world();
    let picked = tempfile::tempdir().unwrap();
    let folder = w.path().join("instruments");
    let first = write(picked.path(), "a.toml", &instrument_text("1.0.0", ""));
    admin.add_instrument_file(&first, &folder).unwrap();
    let target = folder.join("egen-fragor").join("1.0.0.toml");

    // The same version edited: refused in the check and on adding.
    let edited = write(
        picked.path(),
        "b.toml",
        &instrument_text("1.0.0", " (ändrad)"),
    );
    let check = admin.check_instrument_file(&edited, &folder).unwrap();
    assert!(check.preview.is_some());
    assert!(
        check.problems[0].contains("new version number"),
        "{:?}",
        check.problems
    );
    assert_eq!(
        code(admin.add_instrument_file(&edited, &folder)),
        ErrorCode::Conflict
    );
    // The very same file again: refused too.
    assert_eq!(
        code(admin.add_instrument_file(&first, &folder)),
        ErrorCode::Conflict
    );
    // A shipped version: refused.
    let shipped =
        std::fs::read_to_string(repo_instruments().join("freda-kortfragor-stil/1.0.0.toml"))
            .unwrap();
    let copy = write(
        picked.path(),
        "freda.toml",
        &shipped.replace("Kortfrågor om våld", "Kortfrågor"),
    );
    assert_eq!(
        code(admin.add_instrument_file(&copy, &folder)),
        ErrorCode::Conflict
    );
    assert!(!folder.join("freda-kortfragor-stil").exists());
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        instrument_text("1.0.0", "")
    );

    // A file left in the folder (not stored) is never overwritten: a new version whose
    // target exists is refused, and the file there stays as it was.
    let squatter = folder.join("egen-fragor").join("1.1.0.toml");
    std::fs::write(&squatter, "keep me").unwrap();
    let newer = write(picked.path(), "c.toml", &instrument_text("1.1.0", ""));
    let check = admin.check_instrument_file(&newer, &folder).unwrap();
    assert!(
        check.problems[0].contains("already exists"),
        "{:?}",
        check.problems
    );
    assert_eq!(
        code(admin.add_instrument_file(&newer, &folder)),
        ErrorCode::Conflict
    );
    assert_eq!(std::fs::read_to_string(&squatter).unwrap(), "keep me");
    assert!(admin
        .instruments()
        .unwrap()
        .iter()
        .all(|i| !(i.id == "egen-fragor" && i.version == "1.1.0")));
    // The library lists the file that does not load, with its error.
    let lib = admin.instrument_library(&folder).unwrap();
    assert!(
        lib.problems
            .iter()
            .any(|p| p.path == squatter.display().to_string()),
        "{:?}",
        lib.problems
    );
}

#[test]
fn a_retired_version_starts_and_completes_no_screening_but_existing_ones_still_open() {
    let (w, mut admin) = world();
    let picked = tempfile::tempdir().unwrap();
    let folder = w.path().join("instruments");
    for v in ["1.0.0", "1.1.0"] {
        let f = write(picked.path(), &format!("{v}.toml"), &instrument_text(v, ""));
        admin.add_instrument_file(&f, &folder).unwrap();
    }
    let mut hanna = w.unlock("hanna");
    let old = hanna
        .start_screening(NewScreening {
            instrument_version: Some("1.1.0".into()),
            ..new_screening("egen-fragor", &w.ifo)
        })
        .unwrap();

    admin
        .set_instrument_retired("egen-fragor", "1.1.0", true)
        .unwrap();
    assert_eq!(
        code(admin.set_instrument_retired("egen-fragor", "1.1.0", true)),
        ErrorCode::Conflict
    );
    assert_eq!(
        code(admin.set_instrument_retired("egen-fragor", "9.9.9", true)),
        ErrorCode::NotFound
    );
    assert_eq!(
        events(&admin, Event::InstrumentRetire),
        ["egen-fragor@1.1.0"]
    );

    // Named explicitly: refused. Not named: the highest version that is not retired.
    let err = hanna
        .start_screening(NewScreening {
            instrument_version: Some("1.1.0".into()),
            ..new_screening("egen-fragor", &w.ifo)
        })
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    let fresh = start(&mut hanna, "egen-fragor", &w.ifo);
    assert_eq!(fresh.instrument_version, "1.0.0");
    let list = hanna.instruments().unwrap();
    let mine: Vec<(&str, bool, bool)> = list
        .iter()
        .filter(|i| i.id == "egen-fragor")
        .map(|i| (i.version.as_str(), i.latest, i.retired))
        .collect();
    assert_eq!(mine, [("1.0.0", true, false), ("1.1.0", false, true)]);

    // The screening made with the retired version still opens and takes answers, but a
    // retired version cannot be used for completion (the draft can be moved to a newer one).
    let again = hanna.open_screening(&old.id).unwrap();
    assert_eq!(again.instrument_version, "1.1.0");
    save(&mut hanna, &old.id, "hot", yes(true));
    save(&mut hanna, &old.id, "radd", yes(false));
    assert_eq!(code(hanna.complete_screening(&old.id)), ErrorCode::Conflict);

    // Every version retired: nothing starts.
    admin
        .set_instrument_retired("egen-fragor", "1.0.0", true)
        .unwrap();
    assert_eq!(
        code(hanna.start_screening(new_screening("egen-fragor", &w.ifo))),
        ErrorCode::Conflict
    );
    // Reactivated (återaktivera): starts again, logged.
    admin
        .set_instrument_retired("egen-fragor", "1.1.0", false)
        .unwrap();
    assert_eq!(
        events(&admin, Event::InstrumentReactivate),
        ["egen-fragor@1.1.0"]
    );
    assert_eq!(
        start(&mut hanna, "egen-fragor", &w.ifo).instrument_version,
        "1.1.0"
    );
    // Reactivated, the version completes again.
    let done = hanna.complete_screening(&old.id).unwrap();
    assert_eq!(done.evaluation.outcome("screening"), Some("positiv"));
    let lib = admin.instrument_library(&folder).unwrap();
    let retired: Vec<(&str, bool, u64)> = lib
        .entries
        .iter()
        .filter(|e| e.id == "egen-fragor")
        .map(|e| (e.version.as_str(), e.retired_at.is_some(), e.screenings))
        .collect();
    assert_eq!(retired, [("1.0.0", true, 1), ("1.1.0", false, 2)]);
}
