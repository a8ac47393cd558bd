//! Instrument definitions: the versioned data files in `instruments/`, their validation and scoring.
//!
//! An instrument is data written by a coordinator in a text editor (`docs/INSTRUMENTS.md`
//! describes the format). This module
//!
//! - loads a file ([`load_file`], [`load_str`], [`load_dir`]) into a checked [`Instrument`]
//!   or reports *all* its errors as [`Diagnostic`]s (`path:line:col: message`);
//! - remembers which content each `(id, version)` had ([`InstrumentRegistry`]), since an
//!   edited instrument must get a new version;
//! - checks single answers before they are stored ([`validate_answer`]);
//! - evaluates answers ([`evaluate`]): visibility, missing answers, scores, bands, overrides
//!   and the outcome dimensions that statistics may count;
//! - generates the JSON Schema of the format ([`json_schema`]).
//!
//! Architecture invariant: nothing here computes a structured-professional-judgement risk.
//! Summary judgements are items the professional answers.

mod answer;
pub mod calendar;
mod diagnostic;
mod evaluate;
mod expr;
mod load;
mod model;
mod registry;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub mod shipped;
pub use answer::{validate_answer, AnswerKey, AnswerValue, Answers};
pub use diagnostic::Diagnostic;
pub use evaluate::{
    evaluate, AppliedOverride, Evaluation, OutcomeValue, OwnViewResult, ScoreResult,
    SectionProgress,
};
pub(crate) use evaluate::{evaluate_full, reevaluate, Evaluated, Plan};
pub use expr::Condition;
pub use model::{
    Anchor, Band, Choice, Instrument, Item, ItemKind, Kind, Label, Lang, Outcome, Override,
    OwnView, Rule, Score, ScoreMethod, Section, Text,
};
pub use registry::{Admission, InstrumentRegistry};

/// A checked instrument with the exact text it came from.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct LoadedInstrument {
    /// The path the file was loaded from (as given; used in messages).
    pub path: String,
    /// The checked definition.
    pub definition: Instrument,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// The file's text, byte for byte; the store keeps it so that a screening is always shown
    /// with its own version.
    pub source: String,
}

impl LoadedInstrument {
    pub fn id(&self) -> &str {
        &self.definition.id
    }

    pub fn version(&self) -> &semver::Version {
        &self.definition.version
    }
}

/// A file that could not be loaded, with all its errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct FileFailure {
    pub path: String,
    pub diagnostics: Vec<Diagnostic>,
}

/// The result of loading a folder: the good files and the bad ones, each sorted by path.
#[derive(Debug, Clone, Default, Serialize, specta::Type)]
pub struct LoadReport {
    pub loaded: Vec<LoadedInstrument>,
    pub failed: Vec<FileFailure>,
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes))
}

/// Loads and checks the instrument in `text`. `path` is used in messages, and its last two
/// parts must be `<id>/<version>.toml` when it ends in `.toml`.
pub fn load_str(path: &str, text: &str) -> Result<LoadedInstrument, Vec<Diagnostic>> {
    let definition = load::parse(path, text)?;
    Ok(LoadedInstrument {
        path: path.to_owned(),
        definition,
        sha256: sha256_hex(text.as_bytes()),
        source: text.to_owned(),
    })
}

/// Loads and checks the instrument in `text` like [`load_str`], except that `path` need not
/// be `<id>/<version>.toml`: for a file the administratör picked anywhere, which the library
/// copies to its place (`path` is only used in messages).
pub fn load_str_unplaced(path: &str, text: &str) -> Result<LoadedInstrument, Vec<Diagnostic>> {
    let definition = load::parse_unplaced(path, text)?;
    Ok(LoadedInstrument {
        path: path.to_owned(),
        definition,
        sha256: sha256_hex(text.as_bytes()),
        source: text.to_owned(),
    })
}

/// Loads and checks one instrument file.
pub fn load_file(path: impl AsRef<Path>) -> Result<LoadedInstrument, Vec<Diagnostic>> {
    let path = path.as_ref();
    let shown = path.display().to_string();
    // Bounded, regular files only: a FIFO, a link or a huge file is refused, not read.
    let bytes =
        crate::files::read_regular(path, crate::files::MAX_INSTRUMENT_BYTES).map_err(|e| {
            vec![Diagnostic::file(
                &shown,
                format!("cannot read the file: {e}"),
            )]
        })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let valid = std::str::from_utf8(&e.as_bytes()[..at]).unwrap_or("");
        vec![Diagnostic::at(
            &shown,
            valid,
            at,
            "the file is not UTF-8 text; save it as UTF-8",
        )]
    })?;
    load_str(&shown, &text)
}

/// Loads every `*.toml` file under `dir` (recursively, hidden entries skipped). A bad file
/// never stops the others: it is listed in `failed` with its errors.
pub fn load_dir(dir: impl AsRef<Path>) -> LoadReport {
    let dir = dir.as_ref();
    let mut files = Vec::new();
    let mut report = LoadReport::default();
    if let Err(e) = collect_toml(dir, &mut files) {
        let shown = dir.display().to_string();
        report.failed.push(FileFailure {
            diagnostics: vec![Diagnostic::file(
                &shown,
                format!("cannot read the folder: {e}"),
            )],
            path: shown,
        });
        return report;
    }
    files.sort();
    for f in files {
        match load_file(&f) {
            Ok(i) => report.loaded.push(i),
            Err(diagnostics) => report.failed.push(FileFailure {
                path: f.display().to_string(),
                diagnostics,
            }),
        }
    }
    report
}

fn collect_toml(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.file_type()?.is_dir() {
            collect_toml(&path, out)?;
        } else if path.extension().and_then(|e| e.to_str()) == Some("toml") {
            out.push(path);
        }
    }
    Ok(())
}

/// The JSON Schema of the instrument file format, as committed in `instruments/schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<Instrument>();
    let mut s = serde_json::to_string_pretty(&schema).expect("a schema always serialises");
    s.push('\n');
    s
}
