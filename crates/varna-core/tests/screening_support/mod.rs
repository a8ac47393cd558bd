//! Shared setup for the screening tests: a data folder with two units, the shipped
//! instruments and one account per role that matters. Argon2 runs once per account and once
//! per unlock, so tests switch users sparingly.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use varna_core::export::PersonRole;
use varna_core::instrument::{self, AnswerValue};
use varna_core::screening::{NewScreening, ScreeningDoc};
use varna_core::store::{FirstRun, NewAccount, Role, Store};
use varna_core::ErrorCode;

pub const PASS: &str = "a long test passphrase";

/// Usernames: `hanna` (handläggare, IFO), `hugo` (handläggare, VUX), `hilda` (handläggare,
/// IFO), `arne` (arbetsledare, IFO), `alva` (arbetsledare, VUX); `admin` (IFO).
pub struct World {
    pub dir: tempfile::TempDir,
    pub ifo: String,
    pub vux: String,
}

impl World {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn unlock(&self, username: &str) -> Store {
        Store::unlock(self.path(), username, PASS).unwrap()
    }
}

pub fn repo_instruments() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../instruments")
}

/// Sets up the world and returns it with the administrator's store, which has synced the
/// shipped instruments.
pub fn world() -> (World, Store) {
    let dir = tempfile::tempdir().unwrap();
    let (mut admin, _) = Store::create_first_run(
        dir.path(),
        FirstRun {
            admin_username: "admin",
            admin_display_name: "Ada Admin",
            passphrase: PASS,
            unit_code: "IFO",
            unit_name: "Individ- och familjeomsorg",
        },
    )
    .unwrap();
    let ifo = admin.unit_by_code("IFO").unwrap().id;
    let vux = admin.add_unit("VUX", "Vuxenenheten").unwrap().id;
    for (username, name, role, unit) in [
        ("hanna", "Hanna Handläggare", Role::Handlaggare, &ifo),
        ("hugo", "Hugo Handläggare", Role::Handlaggare, &vux),
        ("hilda", "Hilda Handläggare", Role::Handlaggare, &ifo),
        ("arne", "Arne Arbetsledare", Role::Arbetsledare, &ifo),
        ("alva", "Alva Arbetsledare", Role::Arbetsledare, &vux),
    ] {
        admin
            .add_account(NewAccount {
                username,
                display_name: name,
                role,
                unit_ids: vec![unit.clone()],
                passphrase: PASS,
            })
            .unwrap();
    }
    let report = admin
        .sync_instruments(&instrument::load_dir(repo_instruments()))
        .unwrap();
    assert_eq!(report.added.len(), 7, "{report:?}");
    assert!(report.failed.is_empty() && report.refused.is_empty());
    (World { dir, ifo, vux }, admin)
}

pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

pub fn new_screening(instrument_id: &str, unit_id: &str) -> NewScreening {
    NewScreening {
        instrument_id: instrument_id.into(),
        instrument_version: None,
        unit_id: unit_id.into(),
        person_role: PersonRole::Valdsutsatt,
        conducted_on: today(),
        case_ref: None,
        follows: None,
    }
}

pub fn start(store: &mut Store, instrument_id: &str, unit_id: &str) -> ScreeningDoc {
    store
        .start_screening(new_screening(instrument_id, unit_id))
        .unwrap()
}

/// Starts a screening on one exact version of an instrument (not the latest).
#[allow(dead_code)]
pub fn start_version(
    store: &mut Store,
    instrument_id: &str,
    version: &str,
    unit_id: &str,
) -> ScreeningDoc {
    store
        .start_screening(NewScreening {
            instrument_version: Some(version.into()),
            ..new_screening(instrument_id, unit_id)
        })
        .unwrap()
}

pub fn yes(v: bool) -> Option<AnswerValue> {
    Some(AnswerValue::YesNo(v))
}

pub fn choice(c: &str) -> Option<AnswerValue> {
    Some(AnswerValue::Choice(c.into()))
}

pub fn text(t: &str) -> Option<AnswerValue> {
    Some(AnswerValue::Text(t.into()))
}

pub fn entries(list: &[&[(&str, AnswerValue)]]) -> Option<AnswerValue> {
    Some(AnswerValue::Entries(
        list.iter()
            .map(|fields| {
                fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect::<BTreeMap<_, _>>()
            })
            .collect(),
    ))
}

pub fn t(s: &str) -> AnswerValue {
    AnswerValue::Text(s.into())
}

pub fn save(store: &mut Store, id: &str, key: &str, value: Option<AnswerValue>) {
    store
        .save_answer(id, key, value)
        .unwrap_or_else(|e| panic!("{key}: {e}"));
}

pub const FREDA_QUESTIONS: [&str; 5] = [
    "fysiskt_vald",
    "hot",
    "kontroll",
    "sexuellt_vald",
    "radsla_nu",
];

/// Answers the FREDA-style screening completely: positive when `positive` (with children
/// who experienced the violence), else negative.
pub fn answer_freda(store: &mut Store, id: &str, positive: bool) {
    for q in FREDA_QUESTIONS {
        save(store, id, q, yes(positive && q == "hot"));
    }
    if positive {
        save(store, id, "nar", choice("senaste_aret"));
        save(
            store,
            id,
            "vem",
            Some(AnswerValue::Choices(vec!["partner".into()])),
        );
        save(store, id, "barn_i_hemmet", yes(true));
        save(store, id, "barn_har_upplevt", yes(true));
        save(store, id, "behov_av_skydd", yes(false));
    }
}

/// The 20 markers of the danger checklist, in order.
pub fn danger_markers(doc: &ScreeningDoc) -> Vec<String> {
    doc.definition
        .score("antal_ja")
        .unwrap()
        .items
        .iter()
        .map(|k| k.item.clone())
        .collect()
}

pub fn code<T: std::fmt::Debug>(r: varna_core::error::Result<T>) -> ErrorCode {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.code(),
    }
}
