//! The instrument library, for the administratör: every stored version with where it came
//! from, the files that do not load, adding a file the administratör points at (checked and
//! previewed first, then copied into the organisation's instruments folder and stored), and
//! retiring a version (no new screenings; existing ones still open, complete and review).
//!
//! Every change is logged in the same transaction (`instrument_add`, `instrument_retire`,
//! `instrument_reactivate`). The folder is never written over: a file is created new at
//! `<folder>/<id>/<version>.toml`, and an `(id, version)` already stored is refused.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rusqlite::OptionalExtension;
use serde::Serialize;

use super::instruments::{all_versions, stored_hashes};
use super::now_text;
use crate::access::Role;
use crate::audit::{self, Event, Obj};
use crate::db::Store;
use crate::error::DbContext;
use crate::error::{Error, Result};
use crate::instrument::{self, InstrumentRegistry, Kind, LoadedInstrument, Text};

/// Where a stored instrument version came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum InstrumentOrigin {
    /// Shipped with Värna (`instruments/` of the build).
    Shipped,
    /// A file in the organisation's instruments folder.
    Organisation,
    /// Only in the store: its file is no longer in either place (screenings still use it).
    Stored,
}

/// One stored instrument version in the library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LibraryEntry {
    pub id: String,
    pub version: String,
    pub kind: Kind,
    pub title: Text,
    pub sha256: String,
    pub origin: InstrumentOrigin,
    /// The wording's source and licence, as the file declares them.
    pub source: Text,
    pub licence: Text,
    /// When the version was retired (`None`: new screenings may use it).
    pub retired_at: Option<String>,
    /// The version new screenings of this id start with (the highest not retired).
    pub latest: bool,
    /// Screenings (drafts and completed) made with this version.
    pub screenings: u64,
}

/// A file in the shipped set or the organisation's folder that is not in use, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LibraryProblem {
    pub path: String,
    /// `path:line:col: message` for files that do not load; one message for a refused file.
    pub messages: Vec<String>,
}

/// The whole library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct InstrumentLibrary {
    /// The organisation's instruments folder.
    pub folder: String,
    pub entries: Vec<LibraryEntry>,
    pub problems: Vec<LibraryProblem>,
}

/// What a checked file contains, for the administratör to look at before accepting it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct InstrumentPreview {
    pub id: String,
    pub version: String,
    pub kind: Kind,
    pub title: Text,
    pub description: Text,
    pub source: Text,
    pub licence: Text,
    pub sha256: String,
    /// Section titles, in order.
    pub sections: Vec<Text>,
    /// Items in all sections.
    pub items: usize,
    /// Score labels.
    pub scores: Vec<Text>,
    /// Outcome dimension labels (what statistics may count).
    pub outcomes: Vec<Text>,
}

/// The check of a file before it is added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct InstrumentFileCheck {
    /// The file as given.
    pub path: String,
    /// What the file contains (`None` when it does not load).
    pub preview: Option<InstrumentPreview>,
    /// Why it cannot be added: `path:line:col: message` for each error in the file, or that
    /// its `(id, version)` is already in the library. Empty: it can be added.
    pub problems: Vec<String>,
    /// Where it would be copied (`<folder>/<id>/<version>.toml`), when it loads.
    pub target: Option<String>,
}

/// The version that was added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AddedInstrument {
    pub id: String,
    pub version: String,
    pub sha256: String,
    /// Where the file was copied.
    pub path: String,
}

fn preview_of(inst: &LoadedInstrument) -> InstrumentPreview {
    let d = &inst.definition;
    InstrumentPreview {
        id: d.id.clone(),
        version: d.version.to_string(),
        kind: d.kind,
        title: d.title.clone(),
        description: d.description.clone(),
        source: d.source.clone(),
        licence: d.licence.clone(),
        sha256: inst.sha256.clone(),
        sections: d.sections.iter().map(|s| s.title.clone()).collect(),
        items: d.sections.iter().map(|s| s.items.len()).sum(),
        scores: d.scores.iter().map(|s| s.label.clone()).collect(),
        outcomes: d.outcomes.iter().map(|o| o.label.clone()).collect(),
    }
}

/// Reads `path` (bounded, regular files only) and checks it. `Ok(Err(..))`: the file was read
/// but does not load, with every error.
fn read_and_load(path: &Path) -> Result<std::result::Result<LoadedInstrument, Vec<String>>> {
    let shown = path.display().to_string();
    let bytes = crate::files::read_regular(path, crate::files::MAX_INSTRUMENT_BYTES)?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let valid = std::str::from_utf8(&e.as_bytes()[..at]).unwrap_or("");
            let d = instrument::Diagnostic::at(
                &shown,
                valid,
                at,
                "the file is not UTF-8 text; save it as UTF-8",
            );
            return Ok(Err(vec![d.to_string()]));
        }
    };
    Ok(instrument::load_str_unplaced(&shown, &text)
        .map_err(|ds| ds.iter().map(|d| d.to_string()).collect()))
}

/// Where a version's file goes in the organisation's folder.
fn target_path(folder: &Path, inst: &LoadedInstrument) -> PathBuf {
    folder
        .join(inst.id())
        .join(format!("{}.toml", inst.version()))
}

/// Why `inst` cannot be added to a store holding `stored` (`(id, version, sha256)`), if so.
fn clash(stored: &[(String, String, String)], inst: &LoadedInstrument) -> Option<String> {
    let version = inst.version().to_string();
    let (_, _, sha) = stored
        .iter()
        .find(|(id, v, _)| id == inst.id() && *v == version)?;
    Some(if sha.eq_ignore_ascii_case(&inst.sha256) {
        format!(
            "instrument {} {version} is already in the library with exactly this content",
            inst.id()
        )
    } else {
        format!(
            "instrument {} {version} is already in the library with different content; \
             an edited instrument needs a new version number",
            inst.id()
        )
    })
}

impl Store {
    /// The instrument library (administratör): every stored version with its origin, licence,
    /// retirement and number of screenings, and the files of the shipped set and of `folder`
    /// that do not load or are refused.
    pub fn instrument_library(&self, folder: &Path) -> Result<InstrumentLibrary> {
        self.require(&[Role::Administrator], "the instrument library")?;
        let conn = self.conn();
        let versions = all_versions(conn)?;
        let report = instrument::shipped::shipped_and_dir(Some(folder));
        let shipped: BTreeSet<(String, String)> = instrument::shipped::shipped()
            .loaded
            .iter()
            .map(|i| (i.id().to_owned(), i.sha256.clone()))
            .collect();
        let in_folder: BTreeSet<(String, String)> = report
            .loaded
            .iter()
            .map(|i| (i.id().to_owned(), i.sha256.clone()))
            .collect();
        let mut retired: BTreeMap<(String, String), String> = BTreeMap::new();
        let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
        {
            let mut stmt = conn
                .prepare(
                    "SELECT instrument_id, version, retired_at FROM instrument_versions
                     WHERE retired_at IS NOT NULL",
                )
                .db("reading instruments")?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<(String, String, String)>>>())
                .db("reading instruments")?;
            for (id, v, at) in rows {
                retired.insert((id, v), at);
            }
            let mut stmt = conn
                .prepare(
                    "SELECT instrument_id, instrument_version, count(*) FROM screenings
                     GROUP BY instrument_id, instrument_version",
                )
                .db("reading instruments")?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<(String, String, i64)>>>())
                .db("reading instruments")?;
            for (id, v, n) in rows {
                counts.insert((id, v), n.max(0) as u64);
            }
        }
        let mut latest: BTreeMap<&str, &semver::Version> = BTreeMap::new();
        for v in &versions {
            if retired.contains_key(&(v.id.clone(), v.version.clone())) {
                continue;
            }
            let e = latest.entry(v.id.as_str()).or_insert(&v.definition.version);
            if v.definition.version > **e {
                *e = &v.definition.version;
            }
        }
        let entries = versions
            .iter()
            .map(|v| {
                let key = (v.id.clone(), v.sha256.clone());
                let origin = if shipped.contains(&key) {
                    InstrumentOrigin::Shipped
                } else if in_folder.contains(&key) {
                    InstrumentOrigin::Organisation
                } else {
                    InstrumentOrigin::Stored
                };
                let vkey = (v.id.clone(), v.version.clone());
                LibraryEntry {
                    id: v.id.clone(),
                    version: v.version.clone(),
                    kind: v.definition.kind,
                    title: v.definition.title.clone(),
                    sha256: v.sha256.clone(),
                    origin,
                    source: v.definition.source.clone(),
                    licence: v.definition.licence.clone(),
                    retired_at: retired.get(&vkey).cloned(),
                    latest: latest.get(v.id.as_str()) == Some(&&v.definition.version),
                    screenings: counts.get(&vkey).copied().unwrap_or(0),
                }
            })
            .collect();
        let mut problems: Vec<LibraryProblem> = report
            .failed
            .iter()
            .map(|f| LibraryProblem {
                path: f.path.clone(),
                messages: f.diagnostics.iter().map(|d| d.to_string()).collect(),
            })
            .collect();
        let registry = InstrumentRegistry::with_seen(
            stored_hashes(conn)?
                .into_iter()
                .filter_map(|(id, v, h)| semver::Version::parse(&v).ok().map(|v| (id, v, h))),
        );
        for inst in &report.loaded {
            if let Err(e) = registry.check(inst.id(), inst.version(), &inst.sha256) {
                problems.push(LibraryProblem {
                    path: inst.path.clone(),
                    messages: vec![e.to_string()],
                });
            }
        }
        Ok(InstrumentLibrary {
            folder: folder.display().to_string(),
            entries,
            problems,
        })
    }

    /// Checks the instrument file at `path` for adding it to the library (administratör):
    /// what it contains and why it cannot be added, if so. The role is checked before the
    /// file is touched; the file is read bounded (regular files only). Nothing is written.
    pub fn check_instrument_file(&self, path: &Path, folder: &Path) -> Result<InstrumentFileCheck> {
        self.require(&[Role::Administrator], "adding an instrument")?;
        let shown = path.display().to_string();
        Ok(match read_and_load(path)? {
            Err(problems) => InstrumentFileCheck {
                path: shown,
                preview: None,
                problems,
                target: None,
            },
            Ok(inst) => {
                let target = target_path(folder, &inst);
                let mut problems: Vec<String> = clash(&stored_hashes(self.conn())?, &inst)
                    .into_iter()
                    .collect();
                if problems.is_empty() && std::fs::symlink_metadata(&target).is_ok() {
                    problems.push(format!(
                        "{} already exists; nothing is overwritten",
                        target.display()
                    ));
                }
                InstrumentFileCheck {
                    path: shown,
                    preview: Some(preview_of(&inst)),
                    problems,
                    target: Some(target.display().to_string()),
                }
            }
        })
    }

    /// Adds the instrument file at `path` to the library (administratör): checks it as
    /// [`Store::check_instrument_file`] does, copies it new to `<folder>/<id>/<version>.toml`
    /// (never over an existing file or link) and stores the version, logged as
    /// `instrument_add` in the same transaction. A file that does not load is refused with
    /// every error (`path:line:col: message`); an `(id, version)` already stored is refused,
    /// whatever its content.
    pub fn add_instrument_file(&mut self, path: &Path, folder: &Path) -> Result<AddedInstrument> {
        self.require(&[Role::Administrator], "adding an instrument")?;
        let inst = match read_and_load(path)? {
            Ok(i) => i,
            Err(problems) => {
                return Err(Error::InvalidInstrument(problems.join("\n")));
            }
        };
        if let Some(why) = clash(&stored_hashes(self.conn())?, &inst) {
            return Err(Error::Conflict(why));
        }
        let target = target_path(folder, &inst);
        let dir = target.parent().unwrap_or(folder);
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        crate::files::write_new(&target, inst.source.as_bytes())?;
        let now = now_text();
        let me = self.actor().id.clone();
        let version = inst.version().to_string();
        let stored = self.with_tx(|tx| {
            tx.execute(
                "INSERT INTO instrument_versions
                     (instrument_id, version, sha256, source, added_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                (inst.id(), &version, &inst.sha256, &inst.source, &now),
            )
            .db("storing an instrument")?;
            audit::record(
                tx,
                Some(&me),
                Event::InstrumentAdd,
                Obj::instrument(&format!("{}@{version}", inst.id())).detail("library"),
            )
        });
        if let Err(e) = stored {
            // The file was created by this call: take it back so folder and store agree.
            let _ = std::fs::remove_file(&target);
            return Err(e);
        }
        Ok(AddedInstrument {
            id: inst.id().to_owned(),
            version,
            sha256: inst.sha256.clone(),
            path: target.display().to_string(),
        })
    }

    /// Retires (`retired = true`) or reactivates a stored instrument version (administratör).
    /// A retired version starts no new screenings; screenings made with it still open,
    /// complete and review. Logged as `instrument_retire` / `instrument_reactivate`.
    pub fn set_instrument_retired(&mut self, id: &str, version: &str, retired: bool) -> Result<()> {
        self.require(&[Role::Administrator], "retiring an instrument")?;
        let current: Option<Option<String>> = self
            .conn()
            .query_row(
                "SELECT retired_at FROM instrument_versions
                 WHERE instrument_id = ?1 AND version = ?2",
                (id, version),
                |r| r.get(0),
            )
            .optional()
            .db("reading an instrument")?;
        let current =
            current.ok_or_else(|| Error::NotFound(format!("instrument {id} {version}")))?;
        if current.is_some() == retired {
            return Err(Error::Conflict(if retired {
                format!("instrument {id} {version} is already retired")
            } else {
                format!("instrument {id} {version} is not retired")
            }));
        }
        let now = now_text();
        let me = self.actor().id.clone();
        self.with_tx(|tx| {
            let (at, by) = if retired {
                (Some(now.as_str()), Some(me.as_str()))
            } else {
                (None, None)
            };
            tx.execute(
                "UPDATE instrument_versions SET retired_at = ?3, retired_by = ?4
                 WHERE instrument_id = ?1 AND version = ?2",
                (id, version, at, by),
            )
            .db("retiring an instrument")?;
            audit::record(
                tx,
                Some(&me),
                if retired {
                    Event::InstrumentRetire
                } else {
                    Event::InstrumentReactivate
                },
                Obj::instrument(&format!("{id}@{version}")),
            )
        })
    }
}
