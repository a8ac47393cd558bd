//! Statistics for the unit head: the on-screen view, writing the signed export (JSON + CSV)
//! into a folder, importing and merging other laptops' files, and the suppression threshold.
//! Each command is one call into the core's `Store`; this module only picks file names.
//!
//! Files are chosen in the system file dialog (tauri-plugin-dialog, open only) and their paths
//! passed here; the core reads them bounded. Written files go to the folder the user chose,
//! else the Documents folder (else the home folder). A count file from another installation
//! is merged only when its sender is trusted (`sender_trust`, after comparing fingerprints).

use std::path::{Path, PathBuf};

use serde::Serialize;
use tauri::{Manager, State};
use varna_core::export::{SignedExport, YearMonth};
use varna_core::stats::{
    IncomingFile, IndicatorYearView, InstallationIdentity, MergeSummary, StatisticsView,
    TrustedSender,
};
use varna_core::Error;

use crate::error::CommandResult;
use crate::state::AppState;

/// The files an export or a merge wrote.
#[derive(Debug, Serialize, specta::Type)]
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
#[specta::specta]
pub async fn statistics_get(
    state: State<'_, AppState>,
    from: String,
    to: String,
) -> CommandResult<StatisticsView> {
    let (from, to) = (month(&from)?, month(&to)?);
    Ok(state.with_store(|s| s.statistics(from, to))?)
}

/// The follow-up indicators of one year per unit, with the unit's own denominators.
#[tauri::command]
#[specta::specta]
pub async fn indicator_year_get(
    state: State<'_, AppState>,
    year: u16,
) -> CommandResult<IndicatorYearView> {
    Ok(state.with_store(|s| s.indicator_year(year))?)
}

/// Sets (or with `null` clears) a unit's denominator of an indicator for a year; returns the
/// year view again.
#[tauri::command]
#[specta::specta]
pub async fn indicator_denominator_set(
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
#[specta::specta]
pub async fn export_write(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    from: String,
    to: String,
    folder: Option<String>,
) -> CommandResult<WrittenFiles> {
    let (from, to) = (month(&from)?, month(&to)?);
    let dir = target_folder(&app, folder)?;
    let (file, summary) = state.with_store(|s| {
        let file = s.export(from, to)?;
        let summary = s.merge_summary(&file)?;
        Ok((file, summary))
    })?;
    Ok(write_pair(
        &dir,
        &format!("varna-export-{from}-{to}"),
        &file,
        summary,
    )?)
}

fn clean_paths(paths: &[String]) -> Vec<PathBuf> {
    paths
        .iter()
        .map(|p| p.trim().trim_matches('"'))
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .collect()
}

/// Checks the chosen count files without merging: valid or not, and whether each sender is
/// this computer, trusted, unknown, re-keyed or withdrawn (with the key's fingerprint).
#[tauri::command]
#[specta::specta]
pub async fn export_inspect(
    state: State<'_, AppState>,
    paths: Vec<String>,
) -> CommandResult<Vec<IncomingFile>> {
    let paths = clean_paths(&paths);
    Ok(state.with_store(|s| s.inspect_export_files(&paths))?)
}

/// Trusts the key `public_key` for count files from `installation_id` (after the user
/// compared its fingerprint with the sender).
#[tauri::command]
#[specta::specta]
pub async fn sender_trust(
    state: State<'_, AppState>,
    installation_id: String,
    public_key: String,
    label: String,
) -> CommandResult<TrustedSender> {
    let id = installation(&installation_id)?;
    Ok(state.with_store(|s| s.trust_sender(id, &public_key, &label))?)
}

#[tauri::command]
#[specta::specta]
pub async fn sender_untrust(
    state: State<'_, AppState>,
    installation_id: String,
) -> CommandResult<()> {
    let id = installation(&installation_id)?;
    Ok(state.with_store(|s| s.untrust_sender(id))?)
}

#[tauri::command]
#[specta::specta]
pub async fn senders_list(state: State<'_, AppState>) -> CommandResult<Vec<TrustedSender>> {
    Ok(state.with_store(|s| s.trusted_senders())?)
}

/// This installation's id and key fingerprint, which a receiving unit head compares.
#[tauri::command]
#[specta::specta]
pub async fn installation_identity_get(
    state: State<'_, AppState>,
) -> CommandResult<InstallationIdentity> {
    Ok(state.with_store(|s| s.installation_identity())?)
}

fn installation(id: &str) -> Result<uuid::Uuid, Error> {
    uuid::Uuid::parse_str(id.trim())
        .map_err(|_| Error::InvalidInput(format!("{id:?} is not an installation id")))
}

#[tauri::command]
#[specta::specta]
pub async fn export_import(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    paths: Vec<String>,
    folder: Option<String>,
) -> CommandResult<WrittenFiles> {
    let paths = clean_paths(&paths);
    // The core checks the role (and the lock) before it reads any of the paths.
    let (merged, summary) = state.with_store(|s| {
        let merged = s.merge_export_files(&paths)?;
        let summary = s.merge_summary(&merged)?;
        Ok((merged, summary))
    })?;
    let dir = target_folder(&app, folder)?;
    let p = merged.period();
    Ok(write_pair(
        &dir,
        &format!("varna-sammanslagen-{}-{}", p.from(), p.to()),
        &merged,
        summary,
    )?)
}

#[tauri::command]
#[specta::specta]
pub async fn settings_threshold_set(state: State<'_, AppState>, value: u64) -> CommandResult<u64> {
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
fn write_pair(
    dir: &Path,
    stem: &str,
    file: &SignedExport,
    summary: MergeSummary,
) -> Result<WrittenFiles, Error> {
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
        summary,
    })
}
