//! Moving a draft to a newer version of its instrument.
//!
//! The worker first sees what would happen ([`Store::upgrade_preview`]): which answers carry
//! over (the same answer key exists in the new version and the value is valid there), which
//! are dropped (with why) and which shown, required answers the new version still needs. The
//! upgrade itself ([`Store::upgrade_draft`]) is one transaction: dropped answers and notes of
//! removed items are deleted, the screening is pinned to the new version, and the access log
//! gets `screening_upgrade` with the counts. Only the author's draft can be upgraded; a
//! completed screening never changes version. Nothing is silently lost: the answers the
//! preview lists as dropped are exactly the ones deleted.

use serde::Serialize;

use super::access;
use super::conduct::load_answers;
use super::instruments::{self, StoredVersion};
use super::Status;
use crate::access::Role;
use crate::audit::{self, Event, Obj};
use crate::db::Store;
use crate::error::DbContext;
use crate::error::{Error, Result};
use crate::instrument::{self, AnswerKey};

/// What upgrading a draft would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UpgradePreview {
    pub screening_id: String,
    pub instrument_id: String,
    pub from_version: String,
    pub to_version: String,
    /// Answer keys whose answers carry over unchanged.
    pub carried: Vec<String>,
    /// Answers that cannot carry over, with the reason (the item is gone, or its type or
    /// choices changed so the answer is not valid there).
    pub dropped: Vec<DroppedAnswer>,
    /// Required answers of shown items the new version still needs.
    pub needed: Vec<String>,
    /// Notes on items the new version does not have (deleted with the upgrade).
    pub dropped_notes: Vec<String>,
}

/// An answer that does not carry over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DroppedAnswer {
    pub key: String,
    pub reason: String,
}

impl Store {
    /// What moving draft `id` to `to_version` (default: the newest version that is not
    /// retired) would carry over, drop and still need. The author only; a draft only.
    pub fn upgrade_preview(&self, id: &str, to_version: Option<&str>) -> Result<UpgradePreview> {
        self.require(
            &[Role::Handlaggare, Role::Arbetsledare],
            "changing a screening",
        )?;
        let actor = access::actor(self)?;
        let row = access::load_row(self.conn(), id)?;
        access::check_edit(&actor, &row)?;
        let target = self.upgrade_target(&row, to_version)?;
        let answers = load_answers(self.conn(), &row.id)?;
        let def = &target.definition;
        let mut carried = Vec::new();
        let mut dropped = Vec::new();
        for (key, value) in &answers {
            match instrument::validate_answer(def, key, value) {
                Ok(()) => carried.push(key.clone()),
                Err(e) => dropped.push(DroppedAnswer {
                    key: key.to_string(),
                    reason: match e {
                        Error::InvalidInput(m) => m,
                        other => other.to_string(),
                    },
                }),
            }
        }
        let kept: instrument::Answers = answers
            .into_iter()
            .filter(|(k, _)| carried.contains(k))
            .collect();
        let needed = instrument::evaluate(def, &kept)
            .missing_required
            .iter()
            .map(AnswerKey::to_string)
            .collect();
        let dropped_notes = note_keys(self, &row.id)?
            .into_iter()
            .filter(|k| super::item_key(def, k).is_err())
            .collect();
        Ok(UpgradePreview {
            screening_id: row.id,
            instrument_id: target.id.clone(),
            from_version: row.instrument_version,
            to_version: target.version.clone(),
            carried: carried.iter().map(AnswerKey::to_string).collect(),
            dropped,
            needed,
            dropped_notes,
        })
    }

    /// Moves draft `id` to `to_version`, as [`Store::upgrade_preview`] describes, in one
    /// transaction logged as `screening_upgrade`. `expect_dropped` is the number of answers
    /// the worker saw listed as dropped: when the draft changed since, nothing is done
    /// (`conflict`), so nothing is lost that was not shown.
    pub fn upgrade_draft(
        &mut self,
        id: &str,
        to_version: &str,
        expect_dropped: usize,
    ) -> Result<super::ScreeningDoc> {
        let preview = self.upgrade_preview(id, Some(to_version))?;
        if preview.dropped.len() != expect_dropped {
            return Err(Error::Conflict(
                "the draft changed since the preview; look at the upgrade again".into(),
            ));
        }
        let me = self.actor().id.clone();
        self.with_tx(|tx| {
            let status: String = tx
                .query_row("SELECT status FROM screenings WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .db("reading the screening")?;
            if Status::parse(&status) != Some(Status::Draft) {
                return Err(Error::Conflict("only a draft can be upgraded".into()));
            }
            for d in &preview.dropped {
                tx.execute(
                    "DELETE FROM screening_answers WHERE screening_id = ?1 AND answer_key = ?2",
                    (id, &d.key),
                )
                .db("dropping an answer")?;
            }
            for n in &preview.dropped_notes {
                tx.execute(
                    "DELETE FROM screening_notes WHERE screening_id = ?1 AND note_key = ?2",
                    (id, n),
                )
                .db("dropping a note")?;
            }
            tx.execute(
                "UPDATE screenings SET instrument_version = ?2, position = NULL WHERE id = ?1",
                (id, &preview.to_version),
            )
            .db("upgrading the screening")?;
            audit::record(
                tx,
                Some(&me),
                Event::ScreeningUpgrade,
                Obj::screening(id).detail(format!(
                    "{}@{} -> {}: {} carried, {} dropped",
                    preview.instrument_id,
                    preview.from_version,
                    preview.to_version,
                    preview.carried.len(),
                    preview.dropped.len()
                )),
            )
        })?;
        // Logged above as `screening_upgrade`.
        self.screening_doc(id)
    }

    /// The version a draft can move to: stored, of the same instrument, newer than the
    /// draft's, and not retired. `None`: the newest such version.
    fn upgrade_target(&self, row: &access::Row, to_version: Option<&str>) -> Result<StoredVersion> {
        let target = match to_version {
            Some(v) => instruments::load_version(self.conn(), &row.instrument_id, v.trim())?,
            None => instruments::latest_version(self.conn(), &row.instrument_id)?,
        };
        let newer = match (
            semver::Version::parse(&target.version),
            semver::Version::parse(&row.instrument_version),
        ) {
            (Ok(t), Ok(f)) => t > f,
            _ => false,
        };
        if !newer {
            return Err(Error::InvalidInput(format!(
                "{} {} is not newer than the draft's version {}",
                target.id, target.version, row.instrument_version
            )));
        }
        if instruments::is_retired(self.conn(), &target.id, &target.version)? {
            return Err(Error::Conflict(format!(
                "instrument {} {} is retired",
                target.id, target.version
            )));
        }
        Ok(target)
    }
}

fn note_keys(store: &Store, id: &str) -> Result<Vec<String>> {
    let mut stmt = store
        .conn()
        .prepare_cached("SELECT note_key FROM screening_notes WHERE screening_id = ?1")
        .db("reading notes")?;
    let rows = stmt
        .query_map([id], |r| r.get::<_, String>(0))
        .and_then(|r| r.collect::<rusqlite::Result<Vec<_>>>())
        .db("reading notes")?;
    Ok(rows)
}
