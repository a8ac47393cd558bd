//! Statistics for the unit head: the on-screen view, writing the signed export (JSON + CSV)
//! into a folder, importing and merging other laptops' files, and the suppression threshold.
//! Each command is one call into the core's `Store`; this module only picks file names.
//!
//! There is no file dialog (no fs or dialog plugin): the folder is the user's Documents folder
//! (else the home folder) unless the user typed one, and imported files are paths the user
//! typed or pasted.

use std::path::{Path, PathBuf};

use serde::Serialize;
use tauri::{Manager, State};
use varna_core::export::{SignedExport, YearMonth};
use varna_core::stats::{IndicatorYearView, MergeSummary, StatisticsView};
use varna_core::Error;

use crate::error::CommandResult;
use crate::state::AppState;

/// The files an export or a merge wrote.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WrittenFiles {
    pub json_path: String,
    pub csv_path: String,
    pub rows: usize,
    pub installation_id: String,
    pub summary: MergeSummary,
}

fn month(s: &str) -> Result<YearMonth, Error> {
    s.trim().parse()
}

#[tauri::command]
pub fn statistics_get(
    state: State<'_, AppState>,
    from: String,
    to: String,
) -> CommandResult<StatisticsView> {
    let (from, to) = (month(&from)?, month(&to)?);
    Ok(state.with_store(|s| s.statistics(from, to))?)
}

/// The follow-up indicators of one year per unit, with the unit's own denominators.
#[tauri::command]
pub fn indicator_year_get(
    state: State<'_, AppState>,
    year: u16,
) -> CommandResult<IndicatorYearView> {
    Ok(state.with_store(|s| s.indicator_year(year))?)
}

/// Sets (or with `null` clears) a unit's denominator of an indicator for a year; returns the
/// year view again.
#[tauri::command]
pub fn indicator_denominator_set(
    state: State<'_, AppState>,
    unit: String,
    year: u16,
    indicator: String,
    value: Option<u64>,
) -> CommandResult<IndicatorYearView> {
    Ok(state.with_store(|s| {
        s.set_indicator_denominator(&unit, year, &indicator, value)?;
        s.indicator_year(year)
    })?)
}

#[tauri::command]
pub async fn export_write(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    from: String,
    to: String,
    folder: Option<String>,
) -> CommandResult<WrittenFiles> {
    let (from, to) = (month(&from)?, month(&to)?);
    let dir = target_folder(&app, folder)?;
    let file = state.with_store(|s| s.export(from, to))?;
    Ok(write_pair(
        &dir,
        &format!("varna-export-{from}-{to}"),
        &file,
    )?)
}

#[tauri::command]
pub async fn export_import(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    paths: Vec<String>,
    folder: Option<String>,
) -> CommandResult<WrittenFiles> {
    let paths: Vec<PathBuf> = paths
        .iter()
        .map(|p| p.trim().trim_matches('"'))
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .collect();
    // The core checks the role (and the lock) before it reads any of the paths.
    let merged = state.with_store(|s| s.merge_export_files(&paths))?;
    let dir = target_folder(&app, folder)?;
    let p = merged.period();
    Ok(write_pair(
        &dir,
        &format!("varna-sammanslagen-{}-{}", p.from(), p.to()),
        &merged,
    )?)
}

#[tauri::command]
pub fn settings_threshold_set(state: State<'_, AppState>, value: u64) -> CommandResult<u64> {
    Ok(state
        .with_store(|s| s.set_suppression_threshold(value))?
        .get())
}

/// The folder the user typed, else Documents, else home.
pub(crate) fn target_folder(
    app: &tauri::AppHandle,
    typed: Option<String>,
) -> Result<PathBuf, Error> {
    if let Some(t) = typed
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
    {
        let dir = PathBuf::from(t);
        if !dir.is_dir() {
            return Err(Error::InvalidInput(format!(
                "the folder {} does not exist",
                dir.display()
            )));
        }
        return Ok(dir);
    }
    let paths = app.path();
    if let Ok(docs) = paths.document_dir() {
        if docs.is_dir() {
            return Ok(docs);
        }
    }
    paths
        .home_dir()
        .ok()
        .filter(|h| h.is_dir())
        .ok_or_else(|| Error::InvalidInput("no Documents or home folder; type a folder".into()))
}

/// Writes `<stem>.json` and `<stem>.csv`, each created new (adding `-2`, `-3`… rather
/// than overwriting or writing through an existing file or link).
fn write_pair(dir: &Path, stem: &str, file: &SignedExport) -> Result<WrittenFiles, Error> {
    let csv_text = file.to_csv()?;
    let mut n = 1;
    let (json, csv) = loop {
        let name = if n == 1 {
            stem.to_string()
        } else {
            format!("{stem}-{n}")
        };
        let (j, c) = (
            dir.join(format!("{name}.json")),
            dir.join(format!("{name}.csv")),
        );
        n += 1;
        match varna_core::files::write_new(&j, file.to_json_bytes()) {
            Err(Error::Conflict(_)) if n < 1000 => continue,
            other => other?,
        }
        match varna_core::files::write_new(&c, &csv_text) {
            Err(Error::Conflict(_)) if n < 1000 => {
                let _ = std::fs::remove_file(&j);
                continue;
            }
            other => other?,
        }
        break (j, c);
    };
    Ok(WrittenFiles {
        json_path: json.display().to_string(),
        csv_path: csv.display().to_string(),
        rows: file.rows().len(),
        installation_id: file.installation_id().to_string(),
        summary: MergeSummary::of(file),
    })
}
