//! Conducting a screening: start, answer, note, resume, complete, discard, addenda.

use std::collections::BTreeMap;
use std::sync::Arc;

use rusqlite::Connection;

use super::access::{self, Row, ROW_COLUMNS};
use super::instruments::{self, StoredVersion};
use super::tally;
use super::{
    now_text, Addendum, MyList, MyScreenings, NewScreening, Saved, ScreeningDoc, ScreeningSummary,
    Status, MAX_CASE_REF_CHARS, MAX_FREE_TEXT_CHARS,
};
use crate::access::Role;
use crate::audit::{self, Event, Obj};
use crate::db::Store;
use crate::error::DbContext;
use crate::error::{Error, Result, RowsExt};
use crate::instrument::{self, AnswerKey, AnswerValue, Answers, Evaluation, Instrument};
use crate::page::{Page, PageRequest};

/// The earliest accepted day of a samtal.
fn earliest_day() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date")
}

fn check_case_ref(case_ref: Option<&str>) -> Result<Option<String>> {
    let Some(c) = case_ref.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    if c.chars().count() > MAX_CASE_REF_CHARS || c.chars().any(char::is_control) {
        return Err(Error::InvalidInput(format!(
            "a case reference has at most {MAX_CASE_REF_CHARS} characters and no line breaks"
        )));
    }
    Ok(Some(c.to_owned()))
}

fn check_free_text(text: &str, what: &str) -> Result<()> {
    if text.chars().count() > MAX_FREE_TEXT_CHARS {
        return Err(Error::InvalidInput(format!(
            "{what} has at most {MAX_FREE_TEXT_CHARS} characters"
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Error::InvalidInput(format!(
            "{what} may not contain control characters"
        )));
    }
    Ok(())
}

/// Parses an answer key and checks that it addresses one answer of an item of `def`.
fn answer_key(def: &Instrument, key: &str) -> Result<AnswerKey> {
    let k: AnswerKey = key.parse().map_err(Error::InvalidInput)?;
    let item = def.item(&k.item).ok_or_else(|| {
        Error::InvalidInput(format!(
            "instrument {} {} has no item `{}`",
            def.id, def.version, k.item
        ))
    })?;
    // The item's keys are one per declared perspective (or none) × time frame (or none).
    let fits = |declared: &[String], given: Option<&String>| match given {
        None => declared.is_empty(),
        Some(g) => declared.contains(g),
    };
    if !fits(&item.perspectives, k.perspective.as_ref())
        || !fits(&item.timeframes, k.timeframe.as_ref())
    {
        let keys: Vec<String> = item.answer_keys().iter().map(|k| k.to_string()).collect();
        return Err(Error::InvalidInput(format!(
            "`{k}` is not an answer of item `{}`; expected one of: {}",
            item.id,
            keys.join(", ")
        )));
    }
    Ok(k)
}

/// Parses a key that names an item of `def`: an item id, or an answer key of the item
/// (perspective and time frame optional, but each one given must be the item's own). Used for
/// notes and positions here and for review comments.
pub(crate) fn item_key(def: &Instrument, key: &str) -> Result<AnswerKey> {
    let k: AnswerKey = key.trim().parse().map_err(Error::InvalidInput)?;
    let item = def.item(&k.item).ok_or_else(|| {
        Error::InvalidInput(format!(
            "instrument {} {} has no item `{}`",
            def.id, def.version, k.item
        ))
    })?;
    let p_ok = k
        .perspective
        .as_ref()
        .is_none_or(|p| item.perspectives.contains(p));
    let t_ok = k
        .timeframe
        .as_ref()
        .is_none_or(|t| item.timeframes.contains(t));
    if !p_ok || !t_ok {
        return Err(Error::InvalidInput(format!(
            "`{k}` names a perspective or time frame that item `{}` does not have",
            item.id
        )));
    }
    Ok(k)
}

/// Reads a screening's answers, keyed by parsed key and by stored string.
pub(super) fn load_answers(conn: &Connection, id: &str) -> Result<Answers> {
    let mut stmt = conn
        .prepare_cached("SELECT answer_key, value FROM screening_answers WHERE screening_id = ?1")
        .db("reading answers")?;
    let rows = stmt.rows([id], "reading answers", |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut answers = Answers::new();
    for (k, v) in rows {
        let key: AnswerKey = k
            .parse()
            .map_err(|_| Error::Corrupt("a stored answer key is damaged".into()))?;
        let value: AnswerValue = serde_json::from_str(&v)
            .map_err(|_| Error::Corrupt("a stored answer is damaged".into()))?;
        answers.insert(key, value);
    }
    Ok(answers)
}

fn load_notes(conn: &Connection, id: &str) -> Result<BTreeMap<String, String>> {
    let mut stmt = conn
        .prepare_cached("SELECT note_key, text FROM screening_notes WHERE screening_id = ?1")
        .db("reading notes")?;
    let rows = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect::<rusqlite::Result<BTreeMap<String, String>>>())
        .db("reading notes")?;
    Ok(rows)
}

fn load_addenda(conn: &Connection, id: &str) -> Result<Vec<Addendum>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT d.id, a.display_name, d.created_at, d.text
             FROM screening_addenda d JOIN accounts a ON a.id = d.author_id
             WHERE d.screening_id = ?1 ORDER BY d.created_at, d.rowid",
        )
        .db("reading addenda")?;
    let rows = stmt.rows([id], "reading addenda", |r| {
        Ok(Addendum {
            id: r.get(0)?,
            author_name: r.get(1)?,
            created_at: r.get(2)?,
            text: r.get(3)?,
        })
    })?;
    Ok(rows)
}

/// The counts of answered and askable answer keys among the visible items (the sum of the
/// evaluation's per-section progress).
pub(super) fn progress(ev: &Evaluation) -> (u32, u32) {
    ev.progress
        .iter()
        .fold((0, 0), |(a, t), p| (a + p.answered, t + p.total))
}

/// A draft as an autosave sees it: what [`load_draft`] read of its row, its pinned
/// definition, its answers and their evaluation.
pub(crate) struct Draft {
    row: access::EditRow,
    version: StoredVersion,
    answers: Answers,
    evaluated: instrument::Evaluated,
    plan: instrument::Plan,
    /// The position this connection last stored for the draft (`None`: not known), so that
    /// an answer that leaves it where it is writes nothing for it.
    position: Option<String>,
}

/// What the last autosave on a connection left behind. It is used for the next autosave on
/// the same draft by the same account only while the database is exactly as that autosave
/// committed it: no other connection has committed since (`PRAGMA data_version` is
/// unchanged) and this connection has changed no row since (its `total_changes` is
/// unchanged). Every other write through [`Store::with_tx`] drops it as well.
pub(crate) struct DraftCache {
    data_version: i64,
    total_changes: u64,
    actor_id: String,
    draft: Draft,
}

/// `PRAGMA data_version`: changes whenever another connection commits.
fn data_version(tx: &Connection) -> Result<i64> {
    tx.prepare_cached("PRAGMA data_version")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .db("reading the database state")
}

/// Reads a draft for an autosave by `actor_id` and checks that the account may change it.
fn load_draft(tx: &Connection, id: &str, actor_id: &str) -> Result<Draft> {
    let (row, role, sha256) = access::load_for_edit(tx, id, actor_id)?;
    access::check_edit_as(actor_id, role, &row.author_id, row.status)?;
    let version =
        instruments::version_with_hash(tx, &row.instrument_id, &row.instrument_version, sha256)?;
    let answers = load_answers(tx, &row.id)?;
    let plan = instrument::Plan::new(&version.definition);
    let evaluated = instrument::evaluate_full(&version.definition, &plan, &answers);
    Ok(Draft {
        row,
        version,
        answers,
        evaluated,
        plan,
        position: None,
    })
}

/// A loaded screening: its row, its pinned definition and its answers.
struct Loaded {
    row: Row,
    version: StoredVersion,
}

impl Store {
    fn load_screening(&self, id: &str) -> Result<Loaded> {
        let row = access::load_row(self.conn(), id)?;
        let version =
            instruments::load_version(self.conn(), &row.instrument_id, &row.instrument_version)?;
        Ok(Loaded { row, version })
    }

    /// Runs `f` on a draft the signed-in account may change, in one write transaction: the
    /// account, the screening and its pinned instrument are checked inside it, so nothing can
    /// change between the check and the write, and an error anywhere writes nothing. This is
    /// the path of every autosave.
    ///
    /// What the last autosave on this connection left behind ([`DraftCache`]) stands in for
    /// reading the account, the row, the instrument and the answers again, but only when the
    /// database is exactly as that autosave committed it; otherwise all are read afresh.
    fn with_draft<T>(
        &mut self,
        id: &str,
        f: impl FnOnce(&rusqlite::Transaction<'_>, &mut Draft) -> Result<T>,
    ) -> Result<T> {
        let actor_id = self.actor().id.clone();
        let cached = self
            .take_draft_cache::<DraftCache>()
            .filter(|c| c.draft.row.id == id && c.actor_id == actor_id);
        let (out, mut cache) = self.with_tx(|tx| {
            let data_version = data_version(tx)?;
            let unchanged = cached.filter(|c| {
                c.data_version == data_version && c.total_changes == tx.total_changes()
            });
            let mut cache = match unchanged {
                Some(c) => c,
                None => Box::new(DraftCache {
                    data_version,
                    total_changes: 0,
                    draft: load_draft(tx, id, &actor_id)?,
                    actor_id,
                }),
            };
            let out = f(tx, &mut cache.draft)?;
            Ok((out, cache))
        })?;
        // Commits by this connection leave `data_version` as it was; its own row count moves.
        cache.total_changes = self.conn().total_changes();
        self.set_draft_cache(cache);
        Ok(out)
    }

    /// A draft the signed-in account may change.
    fn editable(&self, id: &str) -> Result<Loaded> {
        let actor = access::actor(self)?;
        let loaded = self.load_screening(id)?;
        access::check_edit(&actor, &loaded.row)?;
        Ok(loaded)
    }

    /// Starts a screening (a draft) with a pinned instrument version. Handläggare and
    /// arbetsledare, in their own units.
    pub fn start_screening(&mut self, new: NewScreening) -> Result<super::ScreeningDoc> {
        self.require(
            &[Role::Handlaggare, Role::Arbetsledare],
            "conducting a screening",
        )?;
        let actor = access::actor(self)?;
        if !actor.in_unit(&new.unit_id) {
            return Err(Error::Forbidden(
                "a screening can only be filed under one of your own units".into(),
            ));
        }
        let unit = self.unit(&new.unit_id)?;
        if !unit.active {
            return Err(Error::Conflict("the unit is no longer active".into()));
        }
        let case_ref = check_case_ref(new.case_ref.as_deref())?;
        let today = tally::now_utc().with_timezone(&chrono::Local).date_naive();
        if new.conducted_on > today {
            return Err(Error::InvalidInput(
                "the day of the samtal cannot be in the future".into(),
            ));
        }
        if new.conducted_on < earliest_day() {
            return Err(Error::InvalidInput(
                "the day of the samtal cannot be before 2000".into(),
            ));
        }
        let version = match &new.instrument_version {
            Some(v) => instruments::load_version(self.conn(), &new.instrument_id, v.trim())?,
            None => instruments::latest_version(self.conn(), &new.instrument_id)?,
        };
        if instruments::is_retired(self.conn(), &version.id, &version.version)? {
            return Err(Error::Conflict(format!(
                "instrument {} {} is retired; no new screenings with it",
                version.id, version.version
            )));
        }
        if let Some(prev) = &new.follows {
            let p = access::load_row(self.conn(), prev)?;
            access::check_read(&actor, &p)?;
            if p.status != Status::Completed {
                return Err(Error::InvalidInput(
                    "only a completed screening can be followed up".into(),
                ));
            }
            if p.instrument_id != version.id
                || p.unit_id != new.unit_id
                || p.person_role != new.person_role
                || p.case_ref != case_ref
            {
                return Err(Error::InvalidInput(
                    "a follow-up has the instrument, unit, person role and case reference of the screening it follows up".into(),
                ));
            }
        }
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_text();
        let conducted_on = new.conducted_on.format("%Y-%m-%d").to_string();
        self.with_tx(|tx| {
            tx.execute(
                "INSERT INTO screenings (id, instrument_id, instrument_version, unit_id, author_id,
                     person_role, conducted_on, case_ref, status, position, created_at,
                     updated_at, completed_at, follows_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'draft', NULL, ?9, ?9, NULL, ?10)",
                rusqlite::params![
                    &id,
                    &version.id,
                    &version.version,
                    &new.unit_id,
                    &actor.id,
                    new.person_role.code(),
                    &conducted_on,
                    &case_ref,
                    &now,
                    &new.follows,
                ],
            )
            .db("starting the screening")?;
            audit::record(
                tx,
                Some(&actor.id),
                Event::ScreeningCreate,
                Obj::screening(&id).detail(match &new.follows {
                    None => format!("{}@{}", version.id, version.version),
                    Some(_) => format!("{}@{} follow-up", version.id, version.version),
                }),
            )?;
            tally::bump(
                tx,
                &tally::Key::now(&new.unit_id, &version.id, &version.version),
                "started",
                None,
            )
        })?;
        // Logged above as `screening_create`.
        self.screening_doc(&id)
    }

    /// Opens a screening for reading, as [`Store::screening`] does, and logs the opening in
    /// the access log (`screening_open`, detail: the view, `draft` or `completed`). The
    /// shell's `screening_get` uses this.
    pub fn open_screening(&mut self, id: &str) -> Result<ScreeningDoc> {
        let doc = self.screening_doc(id)?;
        let me = self.actor().id.clone();
        self.with_tx(|tx| {
            audit::record(
                tx,
                Some(&me),
                Event::ScreeningOpen,
                Obj::screening(&doc.id).detail(doc.status.as_str()),
            )?;
            // A re-assessment shows the earlier screening's answers too: a read of it.
            if let Some(p) = &doc.previous {
                audit::record(
                    tx,
                    Some(&me),
                    Event::ScreeningOpen,
                    Obj::screening(&p.id).detail("previous"),
                )?;
            }
            Ok(())
        })?;
        Ok(doc)
    }

    /// One screening with its definition, answers, notes, evaluation and addenda. Readable
    /// by its author and by an arbetsledare of its unit. Every call is a read of a person's
    /// data and writes one `screening_open` row to the access log (detail: the view, `draft`
    /// or `completed`) before the screening is handed out; if the row cannot be written,
    /// nothing is returned.
    pub fn screening(&self, id: &str) -> Result<ScreeningDoc> {
        let doc = self.screening_doc(id)?;
        access::log_read(
            self,
            Event::ScreeningOpen,
            Obj::screening(&doc.id).detail(doc.status.as_str()),
        )?;
        if let Some(p) = &doc.previous {
            access::log_read(
                self,
                Event::ScreeningOpen,
                Obj::screening(&p.id).detail("previous"),
            )?;
        }
        Ok(doc)
    }

    /// [`Store::screening`] without the access-log row, for operations that log themselves
    /// (starting, completing, review decisions, review views). Never hand its result to a
    /// caller outside the crate without a row in the same operation.
    pub(crate) fn screening_doc(&self, id: &str) -> Result<ScreeningDoc> {
        self.screening_doc_checked(id, access::check_read)
    }

    /// [`Store::screening_doc`] for a journal-ready output (document, printout, journal
    /// text): only of a completed screening, by its author, an arbetsledare of its unit or
    /// an administratör. Not logged here: each output logs itself.
    pub(crate) fn screening_doc_for_output(&self, id: &str) -> Result<ScreeningDoc> {
        self.screening_doc_checked(id, access::check_output)
    }

    fn screening_doc_checked(
        &self,
        id: &str,
        check: fn(&access::Actor, &access::Row) -> Result<()>,
    ) -> Result<ScreeningDoc> {
        let actor = access::actor(self)?;
        let Loaded { row, version } = self.load_screening(id)?;
        check(&actor, &row)?;
        let conn = self.conn();
        let unit = self.unit(&row.unit_id)?;
        let author_name: String = conn
            .query_row(
                "SELECT display_name FROM accounts WHERE id = ?1",
                [&row.author_id],
                |r| r.get(0),
            )
            .db("reading the author")?;
        let answers = load_answers(conn, &row.id)?;
        let evaluation = instrument::evaluate(&version.definition, &answers);
        Ok(ScreeningDoc {
            id: row.id.clone(),
            status: row.status,
            instrument_id: version.id.clone(),
            instrument_version: version.version.clone(),
            instrument_sha256: version.sha256.clone(),
            definition: (*version.definition).clone(),
            unit_id: unit.id,
            unit_code: unit.code,
            unit_name: unit.name,
            person_role: row.person_role,
            conducted_on: row.conducted_on,
            case_ref: row.case_ref,
            author_id: row.author_id,
            author_name,
            created_at: row.created_at,
            completed_at: row.completed_at,
            answers: answers
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            notes: load_notes(conn, &row.id)?,
            position: row.position,
            keys: super::key_views(&version.definition),
            evaluation,
            addenda: load_addenda(conn, &row.id)?,
            previous: match &row.follows_id {
                Some(prev) => self.previous_of(&actor, prev)?,
                None => None,
            },
        })
    }

    /// The earlier screening a re-assessment follows up, when it still exists and `actor`
    /// may read it (retention may have removed it).
    fn previous_of(
        &self,
        actor: &access::Actor,
        prev: &str,
    ) -> Result<Option<super::PreviousScreening>> {
        let row = match access::load_row(self.conn(), prev) {
            Ok(r) => r,
            Err(Error::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        if access::check_read(actor, &row).is_err() {
            return Ok(None);
        }
        let version =
            instruments::load_version(self.conn(), &row.instrument_id, &row.instrument_version)?;
        let answers = load_answers(self.conn(), &row.id)?;
        let evaluation = instrument::evaluate(&version.definition, &answers);
        Ok(Some(super::PreviousScreening {
            id: row.id,
            instrument_version: row.instrument_version,
            conducted_on: row.conducted_on,
            completed_at: row.completed_at,
            answers: answers
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            evaluation,
        }))
    }

    /// Saves (or with `None` clears) one answer of a draft. The key and the value are checked
    /// against the screening's own instrument version before anything is written. The
    /// interview's position is saved in the same transaction after a one-key answer
    /// ([`position_after`]: the next item shown under the new answer), so a crash right after
    /// an answer resumes where the worker goes on; typed input, a multiple-choice toggle and
    /// clearing leave the position as it is (the worker is still on the item, which the
    /// focus-based `set_position` saves).
    pub fn save_answer(
        &mut self,
        id: &str,
        key: &str,
        value: Option<AnswerValue>,
    ) -> Result<Saved> {
        let now = now_text();
        let evaluation = self.with_draft(id, |tx, d| {
            let def = Arc::clone(&d.version.definition);
            let key = answer_key(&def, key)?;
            let json = match &value {
                Some(v) => {
                    instrument::validate_answer(&def, &key, v)?;
                    // A calendar counts back from the day of the samtal, nothing else.
                    if let AnswerValue::Calendar(c) = v {
                        let day = &d.row.conducted_on;
                        if &c.as_of != day {
                            return Err(Error::InvalidInput(format!(
                                "item `{}`: the calendar must count back from the day of the samtal ({day}), not {}",
                                key.item, c.as_of
                            )));
                        }
                    }
                    // With serde_json's `float_roundtrip`, this reads back as exactly `v`, so
                    // the answers kept for the next autosave are what `load_answers` would give.
                    Some(
                        serde_json::to_string(v)
                            .map_err(|_| Error::Internal("an answer did not serialise".into()))?,
                    )
                }
                None => None,
            };
            let key_text = key.to_string();
            match &json {
                Some(j) => tx
                    .prepare_cached(
                        "INSERT INTO screening_answers (screening_id, answer_key, value, saved_at)
                         VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (screening_id, answer_key)
                         DO UPDATE SET value = excluded.value, saved_at = excluded.saved_at",
                    )
                    .and_then(|mut s| s.execute((&d.row.id, &key_text, j, &now))),
                None => tx
                    .prepare_cached(
                        "DELETE FROM screening_answers WHERE screening_id = ?1 AND answer_key = ?2",
                    )
                    .and_then(|mut s| s.execute((&d.row.id, &key_text))),
            }
            .db("saving the answer")?;
            touch(tx, &mut d.row, &now)?;
            let item = key.item.clone();
            let goes_on = value.as_ref().is_some_and(|v| answer_goes_on(&def, &item, v));
            match value {
                Some(v) => d.answers.insert(key.clone(), v),
                None => d.answers.remove(&key),
            };
            instrument::reevaluate(&def, &d.plan, &d.answers, &mut d.evaluated, &item);
            let position =
                goes_on.then(|| position_after(&def, &key, &d.evaluated.evaluation));
            // Written only when it moves (a corrected answer leaves it as it is).
            if let Some(position) = position
                .as_ref()
                .filter(|p| d.position.as_deref() != Some(p.as_str()))
            {
                tx.prepare_cached(
                    "UPDATE screenings SET position = ?2 WHERE id = ?1 AND position IS NOT ?2",
                )
                .and_then(|mut s| s.execute((&d.row.id, position)))
                .db("saving the position")?;
                d.position = Some(position.clone());
            }
            Ok((Arc::clone(&d.evaluated.evaluation), position))
        })?;
        let (evaluation, position) = evaluation;
        Ok(Saved {
            saved_at: now,
            evaluation,
            position,
        })
    }

    /// Saves a free-text note on an item of a draft (`key`: an item id or an answer key);
    /// an empty text deletes the note.
    pub fn save_note(&mut self, id: &str, key: &str, text: &str) -> Result<Saved> {
        check_free_text(text, "a note")?;
        let now = now_text();
        let evaluation = self.with_draft(id, |tx, d| {
            let key = item_key(&d.version.definition, key)?.to_string();
            if text.trim().is_empty() {
                tx.prepare_cached(
                    "DELETE FROM screening_notes WHERE screening_id = ?1 AND note_key = ?2",
                )
                .and_then(|mut s| s.execute((&d.row.id, &key)))
            } else {
                tx.prepare_cached(
                    "INSERT INTO screening_notes (screening_id, note_key, text, saved_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (screening_id, note_key)
                     DO UPDATE SET text = excluded.text, saved_at = excluded.saved_at",
                )
                .and_then(|mut s| s.execute((&d.row.id, &key, text, &now)))
            }
            .db("saving the note")?;
            touch(tx, &mut d.row, &now)?;
            Ok(Arc::clone(&d.evaluated.evaluation))
        })?;
        Ok(Saved {
            saved_at: now,
            evaluation,
            position: None,
        })
    }

    /// Records where the interview is (an item id, an answer key or a section id), so it
    /// can be resumed after a crash or a lock.
    pub fn set_position(&mut self, id: &str, key: &str) -> Result<()> {
        let now = now_text();
        self.with_draft(id, |tx, d| {
            let def = &d.version.definition;
            let key = key.trim();
            let position = if def.sections.iter().any(|s| s.id == key) {
                key.to_owned()
            } else {
                item_key(def, key)?.to_string()
            };
            tx.prepare_cached("UPDATE screenings SET position = ?2, updated_at = ?3 WHERE id = ?1")
                .and_then(|mut s| s.execute((&d.row.id, &position, &now)))
                .db("saving the position")?;
            d.row.updated_at.clone_from(&now);
            d.position = Some(position);
            Ok(())
        })
    }

    /// Completes a draft whose evaluation is complete. From then on it is immutable.
    pub fn complete_screening(&mut self, id: &str) -> Result<ScreeningDoc> {
        let Loaded { row, version } = self.editable(id)?;
        if instruments::is_retired(self.conn(), &version.id, &version.version)? {
            return Err(Error::Conflict(format!(
                "instrument {} {} is retired; move the draft to a newer version to complete it",
                version.id, version.version
            )));
        }
        let def = version.definition.clone();
        let answers = load_answers(self.conn(), &row.id)?;
        let ev = instrument::evaluate(&def, &answers);
        if !ev.complete {
            let missing: Vec<String> = ev.missing_required.iter().map(|k| k.to_string()).collect();
            let mut message = format!(
                "the screening cannot be completed; required answers are missing: {}",
                missing.join(", ")
            );
            let unexplained: Vec<&str> = ev
                .scores
                .iter()
                .filter(|s| s.override_.as_ref().is_some_and(|o| o.reason.is_none()))
                .map(|s| s.id.as_str())
                .collect();
            if !unexplained.is_empty() {
                message.push_str(&format!(
                    " (a professional judgement overrides the computed band of {} and needs a reason)",
                    unexplained.join(", ")
                ));
            }
            return Err(Error::InvalidInput(message));
        }
        let now = now_text();
        let key = tally::Key::now(&row.unit_id, &version.id, &version.version);
        let me = self.actor().id.clone();
        self.with_tx(|tx| {
            ensure_draft(tx, &row.id)?;
            audit::record(
                tx,
                Some(&me),
                Event::ScreeningComplete,
                Obj::screening(&row.id),
            )?;
            // The answers read above are the ones that complete it: nothing else writes
            // to this connection in between, and the draft check holds the write lock.
            tx.execute(
                "UPDATE screenings SET status = 'completed', completed_at = ?2, updated_at = ?2
                 WHERE id = ?1",
                (&row.id, &now),
            )
            .db("completing the screening")?;
            let tags = crate::screening::completion_tags(&version.definition);
            let follow_up = row.follows_id.is_some();
            for (measure, category) in
                tally::completion_cells(&ev, row.person_role, &tags, follow_up)
            {
                tally::bump(tx, &key, &measure, category.as_deref())?;
            }
            Ok(())
        })?;
        // Logged above as `screening_complete`.
        self.screening_doc(id)
    }

    /// Discards a draft: its answers, notes and row are deleted (overwritten on disk by
    /// `secure_delete`, and the write-ahead log is truncated); only the count remains.
    pub fn discard_screening(&mut self, id: &str) -> Result<()> {
        let Loaded { row, version } = self.editable(id)?;
        let secure: i64 = self
            .conn()
            .query_row("PRAGMA secure_delete", [], |r| r.get(0))
            .db("checking secure deletion")?;
        if secure != 1 {
            return Err(Error::Internal(
                "secure deletion is off; refusing to discard".into(),
            ));
        }
        let key = tally::Key::now(&row.unit_id, &version.id, &version.version);
        let me = self.actor().id.clone();
        self.with_tx(|tx| {
            ensure_draft(tx, &row.id)?;
            audit::record(
                tx,
                Some(&me),
                Event::ScreeningDiscard,
                Obj::screening(&row.id),
            )?;
            for sql in [
                "DELETE FROM screening_answers WHERE screening_id = ?1",
                "DELETE FROM screening_notes WHERE screening_id = ?1",
                "DELETE FROM screening_addenda WHERE screening_id = ?1",
                "DELETE FROM screenings WHERE id = ?1",
            ] {
                tx.execute(sql, [&row.id]).db("discarding the screening")?;
            }
            tally::bump(tx, &key, "discarded", None)
        })?;
        // Old copies of the deleted pages may still sit in the write-ahead log (encrypted);
        // copy the log into the database and truncate it. Best effort: a busy log is
        // checkpointed later by SQLite itself.
        let _ = self
            .conn()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        Ok(())
    }

    /// Adds an addendum to a completed screening: by its author or an arbetsledare of its
    /// unit. Addenda are never edited or deleted.
    pub fn add_addendum(&mut self, id: &str, text: &str) -> Result<Addendum> {
        let actor = access::actor(self)?;
        let row = access::load_row(self.conn(), id)?;
        access::check_addendum(&actor, &row)?;
        if text.trim().is_empty() {
            return Err(Error::InvalidInput("an addendum cannot be empty".into()));
        }
        check_free_text(text, "an addendum")?;
        let addendum_id = uuid::Uuid::new_v4().to_string();
        let now = now_text();
        self.with_tx(|tx| {
            tx.execute(
                "INSERT INTO screening_addenda (id, screening_id, author_id, created_at, text)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                (&addendum_id, &row.id, &actor.id, &now, text),
            )
            .db("adding the addendum")?;
            audit::record(
                tx,
                Some(&actor.id),
                Event::AddendumAdd,
                Obj::screening(&row.id),
            )?;
            Ok(())
        })?;
        let author_name: String = self
            .conn()
            .query_row(
                "SELECT display_name FROM accounts WHERE id = ?1",
                [&actor.id],
                |r| r.get(0),
            )
            .db("reading the author")?;
        Ok(Addendum {
            id: addendum_id,
            author_name,
            created_at: now,
            text: text.to_owned(),
        })
    }

    /// The first page (default size) of the signed-in account's drafts and of its completed
    /// screenings. Reading a list is not reading a person's data: nothing is logged.
    pub fn my_screenings(&self) -> Result<MyScreenings> {
        let first = PageRequest::default();
        let drafts = self.my_screenings_page(MyList::Drafts, &first)?;
        let completed = self.my_screenings_page(MyList::Completed, &first)?;
        Ok(MyScreenings {
            drafts_total: drafts.total.unwrap_or_default(),
            completed_total: completed.total.unwrap_or_default(),
            drafts_next: drafts.next,
            completed_next: completed.next,
            drafts: drafts.items,
            completed: completed.items,
        })
    }

    /// One page of the signed-in account's drafts or completed screenings, newest first
    /// (drafts by their last change), read by keyset on the list's index (migration 13):
    /// `(updated_at | completed_at, created_at, id)` strictly below the cursor. The total is
    /// counted on the index `screenings_mine_completed` (its start: author and status).
    pub fn my_screenings_page(
        &self,
        list: MyList,
        page: &PageRequest,
    ) -> Result<Page<ScreeningSummary>> {
        let actor = access::actor(self)?;
        // The first page starts below a key above every stored one: timestamps and ids
        // start with a digit or a letter, all below `~`.
        let after = match &page.after {
            Some(c) => crate::page::parts(c, 3)?,
            None => vec!["~".to_owned(), "~".to_owned(), "~".to_owned()],
        };
        let size = page.size();
        let conn = self.conn();
        let (sql, status) = my_page_sql(list);
        let rows = conn
            .prepare_cached(&sql)
            .and_then(|mut stmt| {
                stmt.query_map(
                    (&actor.id, &after[0], &after[1], &after[2], size + 1),
                    |r| Ok((access::row_from_sql(r)?, r.get::<_, Option<String>>(13)?)),
                )?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .db("listing screenings")?;
        let total: u32 = conn
            .prepare_cached(MY_COUNT_SQL)
            .and_then(|mut s| s.query_row((&actor.id, status), |r| r.get(0)))
            .db("counting screenings")?;
        let page = Page::from_rows(rows, size, Some(total), |(row, key)| {
            crate::page::cursor(&[key.as_deref().unwrap_or(""), &row.created_at, &row.id])
        });
        let mut items = Vec::with_capacity(page.items.len());
        let page = page.map(|(row, _)| row);
        for row in &page.items {
            items.push(self.summary(row)?);
        }
        Ok(Page {
            items,
            next: page.next,
            total: page.total,
        })
    }

    fn summary(&self, row: &Row) -> Result<ScreeningSummary> {
        let conn = self.conn();
        let version = instruments::load_version(conn, &row.instrument_id, &row.instrument_version)?;
        let answers = load_answers(conn, &row.id)?;
        let ev = instrument::evaluate(&version.definition, &answers);
        let (answered, total) = progress(&ev);
        let unit = self.unit(&row.unit_id)?;
        Ok(ScreeningSummary {
            id: row.id.clone(),
            instrument_id: version.id,
            instrument_version: version.version,
            instrument_title: version.definition.title.clone(),
            status: row.status,
            unit_code: unit.code,
            person_role: row.person_role,
            conducted_on: row.conducted_on,
            created_at: row.created_at.clone(),
            completed_at: row.completed_at.clone(),
            answered,
            total,
        })
    }
}

/// The query of one page of [`Store::my_screenings_page`] (parameters: the author, the
/// cursor's three parts, the row limit) and the list's status.
pub(crate) fn my_page_sql(list: MyList) -> (String, &'static str) {
    let (status, key) = match list {
        MyList::Drafts => ("draft", "updated_at"),
        MyList::Completed => ("completed", "completed_at"),
    };
    (
        format!(
            "SELECT {ROW_COLUMNS}, {key} FROM screenings
             WHERE author_id = ?1 AND status = '{status}'
               AND ({key}, created_at, id) < (?2, ?3, ?4)
             ORDER BY {key} DESC, created_at DESC, id DESC LIMIT ?5"
        ),
        status,
    )
}

/// The total of one list of [`Store::my_screenings_page`] (parameters: author, status).
pub(crate) const MY_COUNT_SQL: &str =
    "SELECT count(*) FROM screenings WHERE author_id = ?1 AND status = ?2";

/// Inside a write transaction: the screening is still a draft.
fn ensure_draft(tx: &Connection, id: &str) -> Result<()> {
    let status: String = tx
        .query_row("SELECT status FROM screenings WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .db("reading the screening")?;
    if status != Status::Draft.as_str() {
        return Err(Error::Conflict(
            "a completed screening cannot be changed; add an addendum".into(),
        ));
    }
    Ok(())
}

/// How stale a draft's `updated_at` may get before an autosave writes it again.
const TOUCH_EVERY_SECS: i64 = 60;

/// Records activity on a draft in `updated_at` (the order of "my drafts" and the retention
/// of abandoned drafts). It is kept to the minute: an autosave within a minute of the last
/// recorded activity leaves the row alone, so it writes (and encrypts, and syncs) one page
/// fewer. A time in the future (a clock set back) or one that does not parse is rewritten.
/// Whether the worker goes on to the next item after giving `value` to `item`: a one-key
/// answer (yes/no, one choice, a frequency, a rating, a scale value) and declining or "vet
/// ej" finish the item; typed input (text, numbers, dates, lists, the calendar) and the
/// toggles of a multiple choice leave the worker on it.
fn answer_goes_on(def: &Instrument, item: &str, value: &AnswerValue) -> bool {
    use instrument::ItemKind;
    if matches!(value, AnswerValue::Declined | AnswerValue::DontKnow) {
        return true;
    }
    def.item(item).is_some_and(|i| {
        matches!(
            i.kind,
            ItemKind::YesNo
                | ItemKind::SingleChoice { .. }
                | ItemKind::Frequency { .. }
                | ItemKind::Rating { .. }
                | ItemKind::Scale { .. }
        )
    })
}

/// The interview's position after an answer that finishes the item `key`: the next answer
/// key in interview order whose item is shown under the evaluation *after* the answer (so
/// follow-up items the answer reveals come next, and items it hides are skipped: the item
/// the interview focuses next); after the last shown item, `key` itself.
fn position_after(def: &Instrument, key: &AnswerKey, evaluation: &Evaluation) -> String {
    let keys = def.answer_keys();
    if let Some(at) = keys.iter().position(|k| k == key) {
        if let Some(next) = keys[at + 1..]
            .iter()
            .find(|k| evaluation.is_visible(&k.item))
        {
            return next.to_string();
        }
    }
    key.to_string()
}

fn touch(tx: &Connection, row: &mut access::EditRow, now: &str) -> Result<()> {
    let fresh = match (
        chrono::DateTime::parse_from_rfc3339(&row.updated_at),
        chrono::DateTime::parse_from_rfc3339(now),
    ) {
        (Ok(last), Ok(now)) => {
            let age = now.signed_duration_since(last).num_seconds();
            (0..TOUCH_EVERY_SECS).contains(&age)
        }
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    tx.prepare_cached("UPDATE screenings SET updated_at = ?2 WHERE id = ?1")
        .and_then(|mut s| s.execute((&row.id, now)))
        .db("saving")?;
    now.clone_into(&mut row.updated_at);
    Ok(())
}
