//! The shell's state: where the data lives (and, once unlocked, the open store).

use std::path::PathBuf;

/// Shared state of the running app.
pub struct AppState {
    pub data_dir: PathBuf,
}

impl AppState {
    pub fn new(data_dir: PathBuf) -> Self {
        Self { data_dir }
    }
}

/// The data folder: `VARNA_DATA_DIR` when set (tests, portable use), otherwise the
/// platform's per-user application data folder (on Linux `$XDG_DATA_HOME/se.varna.app`,
/// usually `~/.local/share/se.varna.app`).
pub fn resolve_data_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("VARNA_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .or_else(|| std::env::var_os("APPDATA").map(PathBuf::from))
        .ok_or_else(|| "cannot find a data folder; set VARNA_DATA_DIR".to_string())?;
    Ok(base.join("se.varna.app"))
}
