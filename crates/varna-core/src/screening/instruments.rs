//! The instrument versions the store keeps: their exact source text and hash, so that a
//! screening is always shown and scored with the version it was started on.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::{Connection, OptionalExtension};

use super::{now_text, FailedInstrument, InstrumentSummary, RefusedInstrument, SyncReport};
use crate::access::Role;
use crate::db::Store;
use crate::error::DbContext;
use crate::error::{Error, Result, RowsExt};
use crate::instrument::{self, Instrument, InstrumentRegistry, LoadReport};

/// A stored instrument version.
pub(super) struct StoredVersion {
    pub(super) id: String,
    pub(super) version: String,
    pub(super) sha256: String,
    pub(super) definition: Arc<Instrument>,
    /// Retired from the library: no new screenings (only filled in by [`all_versions`]).
    pub(super) retired: bool,
}

/// Parsed definitions by SHA-256 of their source. Definitions are not secret; the cache only
/// saves re-parsing the TOML on every answer.
fn cache() -> &'static Mutex<HashMap<String, Arc<Instrument>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Instrument>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// A definition already parsed from a source with this SHA-256, if any.
fn cached(sha256: &str) -> Option<Arc<Instrument>> {
    cache().lock().ok().and_then(|c| c.get(sha256).cloned())
}

/// Parses a stored source, checking that it still has the stored hash.
pub(super) fn parse_stored(
    id: &str,
    version: &str,
    sha256: &str,
    source: &str,
) -> Result<Arc<Instrument>> {
    if let Some(def) = cached(sha256) {
        return Ok(def);
    }
    if instrument::sha256_hex(source.as_bytes()) != sha256 {
        return Err(Error::Corrupt(format!(
            "the stored text of instrument {id} {version} does not match its SHA-256"
        )));
    }
    let loaded = instrument::load_str(&format!("{id}/{version}.toml"), source).map_err(|d| {
        Error::InvalidInstrument(format!(
            "the stored instrument {id} {version} no longer loads ({} errors)",
            d.len()
        ))
    })?;
    let def = Arc::new(loaded.definition);
    if let Ok(mut c) = cache().lock() {
        c.insert(sha256.to_owned(), def.clone());
    }
    Ok(def)
}

/// Reads one stored version.
pub(super) fn load_version(conn: &Connection, id: &str, version: &str) -> Result<StoredVersion> {
    let sha256: Option<String> = conn
        .prepare_cached(
            "SELECT sha256 FROM instrument_versions WHERE instrument_id = ?1 AND version = ?2",
        )
        .and_then(|mut s| s.query_row((id, version), |r| r.get(0)).optional())
        .db("reading an instrument")?;
    version_with_hash(conn, id, version, sha256)
}

/// The stored version `id` `version` whose SHA-256 was read already (`None`: not stored).
/// Every autosave needs it, so the source text (a few kilobytes) is read only when its
/// definition is not parsed yet.
pub(super) fn version_with_hash(
    conn: &Connection,
    id: &str,
    version: &str,
    sha256: Option<String>,
) -> Result<StoredVersion> {
    let sha256 = sha256.ok_or_else(|| Error::NotFound(format!("instrument {id} {version}")))?;
    let definition = match cached(&sha256) {
        Some(def) => def,
        None => {
            let source: String = conn
                .query_row(
                    "SELECT source FROM instrument_versions
                     WHERE instrument_id = ?1 AND version = ?2",
                    (id, version),
                    |r| r.get(0),
                )
                .db("reading an instrument")?;
            parse_stored(id, version, &sha256, &source)?
        }
    };
    Ok(StoredVersion {
        id: id.to_owned(),
        version: version.to_owned(),
        sha256,
        definition,
        retired: false,
    })
}

/// Whether the stored version `id` `version` is retired (no new screenings with it).
pub(super) fn is_retired(conn: &Connection, id: &str, version: &str) -> Result<bool> {
    conn.query_row(
        "SELECT retired_at IS NOT NULL FROM instrument_versions
         WHERE instrument_id = ?1 AND version = ?2",
        (id, version),
        |r| r.get(0),
    )
    .optional()
    .db("reading an instrument")
    .map(|r| r.unwrap_or(false))
}

/// Every stored `(id, version, sha256)`.
pub(super) fn stored_hashes(conn: &Connection) -> Result<Vec<(String, String, String)>> {
    let mut stmt = conn
        .prepare("SELECT instrument_id, version, sha256 FROM instrument_versions")
        .db("reading instruments")?;
    let rows = stmt.rows([], "reading instruments", |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows)
}

/// Every stored version that still loads, sorted by id and then version (semver).
pub(super) fn all_versions(conn: &Connection) -> Result<Vec<StoredVersion>> {
    let mut stmt = conn
        .prepare(
            "SELECT instrument_id, version, sha256, source, retired_at IS NOT NULL
             FROM instrument_versions",
        )
        .db("reading instruments")?;
    let rows = stmt.rows([], "reading instruments", |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, bool>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for (id, version, sha256, source, retired) in rows {
        // A version that no longer loads (e.g. a stricter loader) is left out of the lists;
        // opening a screening that uses it reports the error.
        if let Ok(definition) = parse_stored(&id, &version, &sha256, &source) {
            out.push(StoredVersion {
                id,
                version,
                sha256,
                definition,
                retired,
            });
        }
    }
    out.sort_by(|a, b| {
        (a.id.as_str(), &a.definition.version).cmp(&(b.id.as_str(), &b.definition.version))
    });
    Ok(out)
}

/// The highest stored version of `id` that is not retired (the one new screenings use).
pub(super) fn latest_version(conn: &Connection, id: &str) -> Result<StoredVersion> {
    let versions: Vec<StoredVersion> = all_versions(conn)?
        .into_iter()
        .filter(|v| v.id == id)
        .collect();
    if versions.is_empty() {
        return Err(Error::NotFound(format!("instrument {id}")));
    }
    versions
        .into_iter()
        .filter(|v| !v.retired)
        .max_by(|a, b| a.definition.version.cmp(&b.definition.version))
        .ok_or_else(|| {
            Error::Conflict(format!(
                "every version of instrument {id} is retired; no new screenings with it"
            ))
        })
}

impl Store {
    /// Stores every loaded instrument version that is new (id, version, SHA-256 and the exact
    /// source). A version already stored with other content is refused and never overwritten;
    /// files that failed to load are passed through. Runs at every unlock, for every role.
    pub fn sync_instruments(&mut self, report: &LoadReport) -> Result<SyncReport> {
        self.require(
            &[Role::Handlaggare, Role::Arbetsledare, Role::Administrator],
            "reading instruments",
        )?;
        let failed = report
            .failed
            .iter()
            .map(|f| FailedInstrument {
                path: f.path.clone(),
                diagnostics: f.diagnostics.iter().map(|d| d.to_string()).collect(),
            })
            .collect();
        let now = now_text();
        let me = self.actor().id.clone();
        let (added, refused) = self.with_tx(|tx| {
            let mut seen = Vec::new();
            for (id, version, sha) in stored_hashes(tx)? {
                // A stored version string always parses: it came from a checked definition.
                if let Ok(v) = semver::Version::parse(&version) {
                    seen.push((id, v, sha));
                }
            }
            let mut registry = InstrumentRegistry::with_seen(seen);
            let mut added = Vec::new();
            let mut refused = Vec::new();
            for inst in &report.loaded {
                if instrument::sha256_hex(inst.source.as_bytes()) != inst.sha256 {
                    refused.push(RefusedInstrument {
                        path: inst.path.clone(),
                        message: "the file's SHA-256 does not match its text".into(),
                    });
                    continue;
                }
                match registry.admit(inst) {
                    Ok(instrument::Admission::Known) => {}
                    Ok(instrument::Admission::New) => {
                        tx.execute(
                            "INSERT INTO instrument_versions
                                 (instrument_id, version, sha256, source, added_at)
                             VALUES (?1, ?2, ?3, ?4, ?5)",
                            (
                                inst.id(),
                                inst.version().to_string(),
                                &inst.sha256,
                                &inst.source,
                                &now,
                            ),
                        )
                        .db("storing an instrument")?;
                        crate::audit::record(
                            tx,
                            Some(&me),
                            crate::audit::Event::InstrumentAdd,
                            crate::audit::Obj::instrument(&format!(
                                "{}@{}",
                                inst.id(),
                                inst.version()
                            )),
                        )?;
                        added.push(format!("{}@{}", inst.id(), inst.version()));
                    }
                    Err(e) => refused.push(RefusedInstrument {
                        path: inst.path.clone(),
                        message: e.to_string(),
                    }),
                }
            }
            Ok((added, refused))
        })?;
        Ok(SyncReport {
            added,
            refused,
            failed,
        })
    }

    /// Every stored instrument version, sorted by id and version; `latest` marks the highest
    /// version of each id that is not retired (the one a new screening starts with), and
    /// `retired` the versions that start no new screenings.
    pub fn instruments(&self) -> Result<Vec<InstrumentSummary>> {
        self.require(
            &[Role::Handlaggare, Role::Arbetsledare, Role::Administrator],
            "reading instruments",
        )?;
        let versions = all_versions(self.conn())?;
        let mut latest: BTreeMap<&str, &semver::Version> = BTreeMap::new();
        for v in versions.iter().filter(|v| !v.retired) {
            let e = latest.entry(v.id.as_str()).or_insert(&v.definition.version);
            if v.definition.version > **e {
                *e = &v.definition.version;
            }
        }
        Ok(versions
            .iter()
            .map(|v| InstrumentSummary {
                id: v.id.clone(),
                version: v.version.clone(),
                sha256: v.sha256.clone(),
                kind: v.definition.kind,
                title: v.definition.title.clone(),
                description: v.definition.description.clone(),
                latest: !v.retired && latest.get(v.id.as_str()) == Some(&&v.definition.version),
                retired: v.retired,
            })
            .collect())
    }
}
