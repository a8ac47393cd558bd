//! "Edit means a new version": the memory of which content each `(id, version)` had.
//!
//! The registry is a plain value the store fills from the hashes it has persisted; it
//! refuses an instrument whose `(id, version)` it knows with a different SHA-256.

use std::collections::BTreeMap;

use super::{Diagnostic, FileFailure, LoadReport, LoadedInstrument};
use crate::Error;

/// Known `(id, version) → SHA-256` pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstrumentRegistry {
    seen: BTreeMap<(String, semver::Version), String>,
}

/// What the registry made of an instrument it was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Never seen before; now remembered.
    New,
    /// Seen before with exactly this content.
    Known,
}

impl InstrumentRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry that remembers these `(id, version, sha256)` triples (e.g. from the store).
    pub fn with_seen(seen: impl IntoIterator<Item = (String, semver::Version, String)>) -> Self {
        InstrumentRegistry {
            seen: seen
                .into_iter()
                .map(|(id, v, h)| ((id, v), h.to_ascii_lowercase()))
                .collect(),
        }
    }

    /// The hash remembered for `(id, version)`.
    pub fn hash_of(&self, id: &str, version: &semver::Version) -> Option<&str> {
        self.seen
            .get(&(id.to_owned(), version.clone()))
            .map(String::as_str)
    }

    /// Every remembered `(id, version, sha256)`, sorted.
    pub fn seen(&self) -> impl Iterator<Item = (&str, &semver::Version, &str)> {
        self.seen
            .iter()
            .map(|((id, v), h)| (id.as_str(), v, h.as_str()))
    }

    /// Checks, without remembering, whether this content may be used for `(id, version)`.
    pub fn check(
        &self,
        id: &str,
        version: &semver::Version,
        sha256: &str,
    ) -> crate::error::Result<Admission> {
        match self.hash_of(id, version) {
            None => Ok(Admission::New),
            Some(h) if h.eq_ignore_ascii_case(sha256) => Ok(Admission::Known),
            Some(h) => Err(Error::InvalidInstrument(format!(
                "instrument {id} {version} was seen before with different content \
                 (SHA-256 {h}, now {sha256}); an edited instrument needs a new version number"
            ))),
        }
    }

    /// Checks and remembers a loaded instrument.
    pub fn admit(&mut self, inst: &LoadedInstrument) -> crate::error::Result<Admission> {
        let id = &inst.definition.id;
        let version = &inst.definition.version;
        let a = self.check(id, version, &inst.sha256)?;
        if a == Admission::New {
            self.seen
                .insert((id.clone(), version.clone()), inst.sha256.clone());
        }
        Ok(a)
    }

    /// Admits every loaded instrument of a report; the refused ones move to `failed`.
    pub fn admit_report(&mut self, report: LoadReport) -> LoadReport {
        let mut out = LoadReport {
            loaded: Vec::new(),
            failed: report.failed,
        };
        for inst in report.loaded {
            match self.admit(&inst) {
                Ok(_) => out.loaded.push(inst),
                Err(e) => out.failed.push(FileFailure {
                    diagnostics: vec![Diagnostic::file(&inst.path, e.to_string())],
                    path: inst.path,
                }),
            }
        }
        out.failed.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }
}
