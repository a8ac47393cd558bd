//! Screenings: conducting an instrument with a person, from draft to completed, with the tally.
//!
//! A screening (samtal) is always conducted with one pinned instrument version: the store
//! keeps the exact source text of every version it has seen ([`Store::sync_instruments`]),
//! and a screening is shown and scored with the version it was started on, even after the
//! file has left the disk. Every answer is written the moment it is given, in one durable
//! transaction, after [`validate_answer`](crate::instrument::validate_answer) has accepted it.
//!
//! Lifecycle: `draft` (only its author may change it) → `completed` (immutable; corrections
//! are addenda). A draft may be discarded: its answers, notes and row are deleted
//! (`secure_delete` overwrites them) and only the count `discarded` remains.
//!
//! The tally counts starts, completions (with the declared outcome categories and the
//! person's role) and discards per month × unit × instrument version, in the same
//! transaction as the status change. It holds codes and numbers only; see
//! `docs/SCREENING.md`.
//!
//! Nothing content-bearing ever appears in an error message: messages name items, keys and
//! ids, never an answer, a note or a case reference.

mod access;
pub(crate) use access::log_read;
#[cfg(feature = "bench-hooks")]
mod bench_hooks;
mod conduct;
mod demo;
pub(crate) use conduct::item_key;
#[cfg(test)]
pub(crate) use conduct::{my_page_sql, MY_COUNT_SQL};
mod instruments;
mod library;
mod tally;
mod upgrade;
pub use upgrade::{DroppedAnswer, UpgradePreview};

pub use library::{
    AddedInstrument, InstrumentFileCheck, InstrumentLibrary, InstrumentOrigin, InstrumentPreview,
    LibraryEntry, LibraryProblem,
};

#[doc(hidden)]
#[cfg(feature = "bench-hooks")]
pub use bench_hooks::BulkScreening;
#[cfg(feature = "test-hooks")]
pub use tally::__test_set_clock;
pub use tally::completion_tags;
pub use tally::current_month;
pub(crate) use tally::refile_if_pending as refile_tally_if_pending;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::export::PersonRole;
use crate::instrument::{AnswerValue, Evaluation, Instrument, Kind, Text};

#[cfg(doc)]
use crate::db::Store;

/// Longest case reference accepted, in characters.
pub const MAX_CASE_REF_CHARS: usize = 64;
/// Longest addendum or note accepted, in characters.
pub const MAX_FREE_TEXT_CHARS: usize = 10_000;

/// What [`Store::sync_instruments`] did with a load report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    /// Versions stored for the first time, as `id@version`.
    pub added: Vec<String>,
    /// Files whose `(id, version)` is stored with other content; never overwritten.
    pub refused: Vec<RefusedInstrument>,
    /// Files that did not load, passed through from the load report.
    pub failed: Vec<FailedInstrument>,
}

/// An instrument file refused because its version is already stored with other content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RefusedInstrument {
    pub path: String,
    pub message: String,
}

/// An instrument file that did not load, with its diagnostics (`path:line:col: message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FailedInstrument {
    pub path: String,
    pub diagnostics: Vec<String>,
}

/// One stored instrument version, for choosing what to start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct InstrumentSummary {
    pub id: String,
    pub version: String,
    pub sha256: String,
    pub kind: Kind,
    pub title: Text,
    pub description: Text,
    /// The highest version (semver) stored for this id that is not retired.
    pub latest: bool,
    /// Retired in the instrument library: starts no new screenings.
    pub retired: bool,
}

/// What is needed to start a screening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NewScreening {
    pub instrument_id: String,
    /// `None`: the latest stored version.
    #[serde(default)]
    pub instrument_version: Option<String>,
    pub unit_id: String,
    pub person_role: PersonRole,
    /// The day of the samtal; not in the future, not before 2000.
    pub conducted_on: chrono::NaiveDate,
    /// An optional reference to the case (ärende), at most 64 characters.
    #[serde(default)]
    pub case_ref: Option<String>,
    /// A re-assessment: the id of an earlier completed screening of the same person (same
    /// instrument, unit, role and case reference) that this one follows up.
    #[serde(default)]
    pub follows: Option<String>,
}

/// Where a screening is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Utkast: being conducted; only its author may change it.
    Draft,
    /// Slutförd: immutable; corrections are addenda.
    Completed,
}

impl Status {
    /// The code stored in the database and sent to the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Completed => "completed",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Status> {
        match s {
            "draft" => Some(Status::Draft),
            "completed" => Some(Status::Completed),
            _ => None,
        }
    }
}

/// A screening with everything needed to show, resume or review it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ScreeningDoc {
    pub id: String,
    pub status: Status,
    pub instrument_id: String,
    pub instrument_version: String,
    pub instrument_sha256: String,
    /// The definition of exactly the version the screening was started on.
    pub definition: Instrument,
    pub unit_id: String,
    pub unit_code: String,
    pub unit_name: String,
    pub person_role: PersonRole,
    pub conducted_on: chrono::NaiveDate,
    pub case_ref: Option<String>,
    pub author_id: String,
    pub author_name: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub completed_at: Option<String>,
    /// By answer key (`item`, `item@perspective`, `item#timeframe`, `item@perspective#timeframe`).
    /// Answers of hidden items are kept; the evaluation marks them not applicable.
    pub answers: BTreeMap<String, AnswerValue>,
    /// Free-text notes by item id or answer key.
    pub notes: BTreeMap<String, String>,
    /// Where the interview was (an item key or a section id), for resuming.
    pub position: Option<String>,
    /// Every item's answer keys (one per perspective × time frame), spelled and ordered as
    /// the core stores them; by item id.
    pub keys: BTreeMap<String, Vec<KeyView>>,
    pub evaluation: Evaluation,
    /// Oldest first.
    pub addenda: Vec<Addendum>,
    /// For a re-assessment: the earlier screening it follows up, while it still exists and
    /// the reader may read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<PreviousScreening>,
}

/// One answer key of an item: `key` is what answers, notes and positions are stored under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct KeyView {
    pub key: String,
    pub item: String,
    pub perspective: Option<String>,
    pub timeframe: Option<String>,
}

/// Every item's answer keys, by item id, in the core's order (perspective first). The fields
/// of a list item are listed too, under `<item>/<field>`: their keys are what one entry's
/// values are stored under (`field`, or `field@perspective` for a scale asked per perspective).
pub fn key_views(def: &crate::instrument::Instrument) -> BTreeMap<String, Vec<KeyView>> {
    fn views(item: &crate::instrument::Item) -> Vec<KeyView> {
        item.answer_keys()
            .into_iter()
            .map(|k| KeyView {
                key: k.to_string(),
                item: k.item.clone(),
                perspective: k.perspective.clone(),
                timeframe: k.timeframe.clone(),
            })
            .collect()
    }
    let mut out = BTreeMap::new();
    for item in def.items() {
        out.insert(item.id.clone(), views(item));
        if let crate::instrument::ItemKind::List { fields, .. } = &item.kind {
            for field in fields {
                out.insert(format!("{}/{}", item.id, field.id), views(field));
            }
        }
    }
    out
}

/// The earlier screening a re-assessment follows up: its answers (shown beside each item,
/// never copied) and its evaluation (then → now in the summary).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PreviousScreening {
    pub id: String,
    pub instrument_version: String,
    pub conducted_on: chrono::NaiveDate,
    pub completed_at: Option<String>,
    pub answers: BTreeMap<String, AnswerValue>,
    pub evaluation: Evaluation,
}

/// A dated, signed addition to a completed screening. Never edited or deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Addendum {
    pub id: String,
    pub author_name: String,
    pub created_at: String,
    pub text: String,
}

/// The answer of a save: returned only after the transaction has committed.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Saved {
    pub saved_at: String,
    /// Shared with the store, which updates it in place at the next autosave once this is
    /// dropped (or copies it, if it is still held).
    pub evaluation: std::sync::Arc<Evaluation>,
    /// Where the interview goes on after this answer, as stored in the answer's own
    /// transaction (after a one-key answer, declining or "vet ej": the next item shown under
    /// the new evaluation); `None` when the answer does not decide the position (typed input,
    /// a multiple choice, clearing), so the UI's navigation save keeps it.
    pub position: Option<String>,
}

/// The first pages of the signed-in account's screenings (the start page); the rest of each
/// list is read with [`Store::my_screenings_page`] from its `…_next` cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MyScreenings {
    /// The first page of the drafts, most recently changed first.
    pub drafts: Vec<ScreeningSummary>,
    /// The first page of the completed, most recently completed first.
    pub completed: Vec<ScreeningSummary>,
    /// The cursor of the drafts' next page; absent when `drafts` is all of them.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub drafts_next: Option<String>,
    /// The cursor of the completed screenings' next page; absent when `completed` is all.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub completed_next: Option<String>,
    /// How many drafts there are in all.
    pub drafts_total: u32,
    /// How many completed screenings there are in all.
    pub completed_total: u32,
}

/// One of the lists of [`MyScreenings`], read page by page with
/// [`Store::my_screenings_page`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum MyList {
    /// Drafts: `updated_at`, `created_at`, `id`, newest first.
    Drafts,
    /// Completed: `completed_at`, `created_at`, `id`, newest first.
    Completed,
}

/// One line in a list of screenings. Holds no answer content and no case reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ScreeningSummary {
    pub id: String,
    pub instrument_id: String,
    pub instrument_version: String,
    pub instrument_title: Text,
    pub status: Status,
    pub unit_code: String,
    pub person_role: PersonRole,
    pub conducted_on: chrono::NaiveDate,
    pub created_at: String,
    pub completed_at: Option<String>,
    /// Answers given among the answer keys of the visible items.
    pub answered: u32,
    /// Answer keys of the visible items.
    pub total: u32,
}

/// The current time as stored: RFC 3339, UTC, whole seconds.
fn now_text() -> String {
    crate::db::time_text(tally::now_utc())
}

#[cfg(test)]
mod tests {
    use crate::store::{FirstRun, Store};

    /// Discarding relies on SQLite overwriting deleted content: the store's connection must
    /// have `secure_delete` on.
    #[test]
    fn the_store_connection_deletes_securely() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::create_first_run(
            dir.path(),
            FirstRun {
                admin_username: "admin",
                admin_display_name: "Admin",
                passphrase: "a long test passphrase",
                unit_code: "IFO",
                unit_name: "IFO",
            },
        )
        .unwrap();
        let on: i64 = store
            .conn()
            .query_row("PRAGMA secure_delete", [], |r| r.get(0))
            .unwrap();
        assert_eq!(on, 1);
    }

    /// `updated_at` is kept to the minute: autosaves within a minute of the recorded
    /// activity leave the screening's row alone (one page fewer to encrypt and sync), a
    /// later one or one after the clock went back records the time again.
    #[test]
    fn autosaves_record_activity_to_the_minute() {
        use crate::instrument::AnswerValue;
        use crate::store::{NewAccount, Role};

        let dir = tempfile::tempdir().unwrap();
        let (mut admin, _) = Store::create_first_run(
            dir.path(),
            FirstRun {
                admin_username: "admin",
                admin_display_name: "Admin",
                passphrase: "a long test passphrase",
                unit_code: "IFO",
                unit_name: "IFO",
            },
        )
        .unwrap();
        admin
            .sync_instruments(&crate::instrument::shipped::shipped())
            .unwrap();
        let unit = admin.actor().unit_ids[0].clone();
        admin
            .add_account(NewAccount {
                username: "hanna",
                display_name: "Hanna",
                role: Role::Handlaggare,
                unit_ids: vec![unit.clone()],
                passphrase: "a long test passphrase",
            })
            .unwrap();
        let mut hanna = Store::unlock(dir.path(), "hanna", "a long test passphrase").unwrap();
        let doc = hanna
            .start_screening(super::NewScreening {
                instrument_id: "freda-kortfragor-stil".into(),
                instrument_version: None,
                unit_id: unit,
                person_role: crate::export::PersonRole::Valdsutsatt,
                conducted_on: chrono::Local::now().date_naive(),
                case_ref: None,
                follows: None,
            })
            .unwrap();
        let updated_at = |s: &Store| -> String {
            s.conn()
                .query_row(
                    "SELECT updated_at FROM screenings WHERE id = ?1",
                    [&doc.id],
                    |r| r.get(0),
                )
                .unwrap()
        };
        let set_updated_at = |s: &Store, t: &str| {
            s.conn()
                .execute(
                    "UPDATE screenings SET updated_at = ?2 WHERE id = ?1",
                    (&doc.id, t),
                )
                .unwrap();
        };
        let changes = |s: &Store| s.conn().total_changes();
        let yes = |v| Some(AnswerValue::YesNo(v));

        // Recorded 30 s ago: the autosave writes the answer only.
        let recent = (chrono::Utc::now() - chrono::Duration::seconds(30))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        set_updated_at(&hanna, &recent);
        let before = changes(&hanna);
        hanna.save_answer(&doc.id, "hot", yes(true)).unwrap();
        // The answer row, and the position, which moves on to the next item in the answer's
        // transaction (issue 20, measure 6)…
        assert_eq!(
            changes(&hanna) - before,
            2,
            "the answer row and the position"
        );
        assert_eq!(updated_at(&hanna), recent);
        // …and only the answer row when the same item is answered again (the position stays).
        let before = changes(&hanna);
        hanna.save_answer(&doc.id, "hot", yes(false)).unwrap();
        assert_eq!(changes(&hanna) - before, 1, "only the answer row");
        assert_eq!(updated_at(&hanna), recent);

        // Recorded two minutes ago: the autosave records the time again.
        set_updated_at(&hanna, "2000-01-01T00:00:00Z");
        let saved = hanna.save_answer(&doc.id, "hot", yes(false)).unwrap();
        assert_eq!(updated_at(&hanna), saved.saved_at);

        // In the future (the clock was set back): recorded again as well.
        set_updated_at(&hanna, "2999-01-01T00:00:00Z");
        let saved = hanna.save_note(&doc.id, "hot", "en anteckning").unwrap();
        assert_eq!(updated_at(&hanna), saved.saved_at);

        // A position is part of the row, so it always writes, and records the time.
        set_updated_at(&hanna, &recent);
        hanna.set_position(&doc.id, "kontroll").unwrap();
        assert_ne!(updated_at(&hanna), recent);
    }
}
