//! Where Värna's data folder is, and keeping it private.
//!
//! The data folder is Värna's own. It is never the folder that Tauri and WebKit use for the
//! webview's storage (named after the app identifier, `se.varna.app`, and created `0755` by
//! them), so nothing but Värna decides who may read it:
//!
//! | platform | default data folder |
//! | --- | --- |
//! | Linux and other unix | `$XDG_DATA_HOME/varna` (an absolute `XDG_DATA_HOME` only), else `~/.local/share/varna` |
//! | macOS | `~/Library/Application Support/Varna` |
//! | Windows | `%LOCALAPPDATA%\Varna\data` (local, never the roaming `%APPDATA%`) |
//!
//! The app lets `VARNA_DATA_DIR` override this; the CLI takes `--data-dir`.
//!
//! [`secure_data_dir`] runs at every start: it creates the folder if needed, refuses a folder
//! that is a symbolic link, and forces the folder to `0700` and every regular file directly in
//! it to `0600`, whatever an older version, a copy or an unzip left behind.
//!
//! [`migrate_legacy`] moves a store from the folder earlier versions used (the webview's
//! `se.varna.app`) into the new one, once.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The folder earlier versions kept the store in: the webview's own folder.
const LEGACY_FOLDER: &str = "se.varna.app";

/// The platform's default data folder for Värna (see the module documentation).
pub fn default_data_dir() -> Result<PathBuf> {
    data_dir_for(&|name| std::env::var_os(name))
}

/// The folder with the organisation's own instrument files (beside the shipped ones):
/// `VARNA_INSTRUMENTS_DIR` when set and not empty, else `<data dir>/instruments`.
pub fn instruments_dir(data_dir: &Path) -> PathBuf {
    std::env::var_os("VARNA_INSTRUMENTS_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| data_dir.join("instruments"))
}

/// The data folder of earlier versions (`~/.local/share/se.varna.app`, `%APPDATA%\se.varna.app`),
/// if it can be named.
pub fn legacy_data_dir() -> Option<PathBuf> {
    legacy_dir_for(&|name| std::env::var_os(name))
}

type Env<'a> = &'a dyn Fn(&str) -> Option<OsString>;

fn var(env: Env<'_>, name: &str) -> Option<PathBuf> {
    env(name).filter(|v| !v.is_empty()).map(PathBuf::from)
}

fn no_folder() -> Error {
    Error::InvalidInput(
        "cannot find the user's application data folder; set VARNA_DATA_DIR".to_string(),
    )
}

#[cfg(windows)]
fn data_dir_for(env: Env<'_>) -> Result<PathBuf> {
    var(env, "LOCALAPPDATA")
        .map(|base| base.join("Varna").join("data"))
        .ok_or_else(no_folder)
}

#[cfg(target_os = "macos")]
fn data_dir_for(env: Env<'_>) -> Result<PathBuf> {
    var(env, "HOME")
        .map(|home| home.join("Library/Application Support/Varna"))
        .ok_or_else(no_folder)
}

#[cfg(not(any(windows, target_os = "macos")))]
fn data_dir_for(env: Env<'_>) -> Result<PathBuf> {
    xdg_data_home(env)
        .map(|base| base.join("varna"))
        .ok_or_else(no_folder)
}

/// `$XDG_DATA_HOME` when it is an absolute path (the XDG specification says to ignore a
/// relative one), else `$HOME/.local/share`.
#[cfg(not(any(windows, target_os = "macos")))]
fn xdg_data_home(env: Env<'_>) -> Option<PathBuf> {
    var(env, "XDG_DATA_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| var(env, "HOME").map(|h| h.join(".local/share")))
}

#[cfg(windows)]
fn legacy_dir_for(env: Env<'_>) -> Option<PathBuf> {
    var(env, "APPDATA").map(|base| base.join(LEGACY_FOLDER))
}

#[cfg(not(windows))]
fn legacy_dir_for(env: Env<'_>) -> Option<PathBuf> {
    // Earlier versions took XDG_DATA_HOME as it was, relative or not.
    var(env, "XDG_DATA_HOME")
        .or_else(|| var(env, "HOME").map(|h| h.join(".local/share")))
        .map(|base| base.join(LEGACY_FOLDER))
}

fn io_err(context: &str, path: &Path, e: io::Error) -> Error {
    // The store's mapping: a read-only or inaccessible folder and a full disk get the same
    // clear words everywhere.
    crate::fsutil::io_error(&format!("{context} {}", path.display()), e)
}

/// Creates the data folder if it is missing and makes it private: the folder `0700`, every
/// regular file directly in it `0600` (unix). Runs at every start, so a folder made by an
/// older version, restored from a copy or loosened by hand is tightened too.
///
/// Refuses a data folder that is a symbolic link, or that is not a folder: the store must
/// not end up somewhere other than the place named. Subfolders (`instruments/`) and symbolic
/// links inside the folder are left as they are; no link is followed.
///
/// On Windows a folder that Värna creates gets an owner-only ACL, the equivalent of `0700`:
/// inheritance from the parent removed, full control for the current user and SYSTEM only
/// (`icacls`, see [`owner_only_acl`]); files created in it inherit that. A folder that exists
/// already keeps its ACL (the default folder under `%LOCALAPPDATA%` inherits the user
/// profile's: the user, SYSTEM and Administrators, which no other user can read); an IT
/// department that points `VARNA_DATA_DIR` elsewhere sets the ACL itself (`docs/DEPLOY.md`).
pub fn secure_data_dir(path: &Path) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(Error::io(
                format!("using the data folder {}", path.display()),
                io::Error::other(
                    "it is a symbolic link; Värna refuses to follow it. \
                     Point VARNA_DATA_DIR at the real folder instead",
                ),
            ));
        }
        Ok(meta) if !meta.is_dir() => {
            return Err(Error::io(
                format!("using the data folder {}", path.display()),
                io::Error::other("it exists but is not a folder"),
            ));
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => create_private_dir(path)?,
        Err(e) => return Err(io_err("reading the data folder", path, e)),
    }
    restrict(path)
}

fn create_private_dir(path: &Path) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .map_err(|e| io_err("creating the folder above the data folder", parent, e))?;
    }
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    match builder.create(path) {
        Ok(()) => {
            #[cfg(windows)]
            owner_only_acl(path);
            Ok(())
        }
        // Created meanwhile (a second instance starting): checked by `restrict` below.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io_err("creating the data folder", path, e)),
    }
}

#[cfg(unix)]
fn restrict(path: &Path) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    // Open the folder itself without following a link (a link swapped in after the check
    // above fails here with ELOOP) and change its mode through the open handle.
    let dir = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| io_err("opening the data folder", path, e))?;
    let current = dir
        .metadata()
        .map_err(|e| io_err("reading the data folder", path, e))?
        .permissions()
        .mode();
    // Only when it differs: a read-only folder that is already private stays usable.
    if current & 0o7777 != 0o700 {
        dir.set_permissions(fs::Permissions::from_mode(0o700))
            .map_err(|e| io_err("making the data folder private (0700)", path, e))?;
    }
    for entry in fs::read_dir(path).map_err(|e| io_err("listing the data folder", path, e))? {
        let entry = entry.map_err(|e| io_err("listing the data folder", path, e))?;
        // `file_type` does not follow links: only regular files are changed.
        let is_file = entry
            .file_type()
            .map_err(|e| io_err("reading", &entry.path(), e))?
            .is_file();
        if !is_file {
            continue;
        }
        let file = entry.path();
        let mode = entry
            .metadata()
            .map_err(|e| io_err("reading", &file, e))?
            .permissions()
            .mode();
        if mode & 0o7777 != 0o600 {
            fs::set_permissions(&file, fs::Permissions::from_mode(0o600))
                .map_err(|e| io_err("making a data file private (0600):", &file, e))?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_path: &Path) -> Result<()> {
    Ok(())
}

/// Windows: gives a folder Värna just created an owner-only ACL with the system's `icacls`
/// (no extra crate): inherited entries removed (`/inheritance:r`), full control, inherited by
/// subfolders and files (`(OI)(CI)F`), for the current user and for SYSTEM (`*S-1-5-18`,
/// which backup agents run as). A failure leaves the ACL inherited from the parent, which
/// under the user's profile is already private to the user, so it is reported, not fatal.
#[cfg(windows)]
fn owner_only_acl(path: &Path) {
    let user = match (std::env::var("USERDOMAIN"), std::env::var("USERNAME")) {
        (Ok(domain), Ok(name)) if !domain.is_empty() && !name.is_empty() => {
            format!("{domain}\\{name}")
        }
        (_, Ok(name)) if !name.is_empty() => name,
        _ => {
            eprintln!(
                "varna: cannot name the current user; the data folder keeps its inherited ACL"
            );
            return;
        }
    };
    let status = std::process::Command::new("icacls")
        .arg(path)
        .args(["/inheritance:r", "/grant:r"])
        .arg(format!("{user}:(OI)(CI)F"))
        .arg("*S-1-5-18:(OI)(CI)F")
        .stdout(std::process::Stdio::null())
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        eprintln!(
            "varna: icacls could not make {} private ({status:?}); it keeps its inherited ACL",
            path.display()
        );
    }
}

/// Moves a store left in `legacy` (the folder of earlier versions) into `data_dir`, once:
/// only when `data_dir` holds no store yet and `legacy` holds one. Moves every `varna.*`
/// file, the key file last, and the `instruments` folder; the webview's own files stay.
/// A move interrupted half-way is finished at the next start (the key file, which makes
/// the new folder a store, moves last). Returns how many entries were moved.
///
/// Both folders are normally on the same file system, so each move is a rename; otherwise
/// the error says which file could not be moved.
pub fn migrate_legacy(legacy: &Path, data_dir: &Path) -> Result<usize> {
    const KEYS: &str = "varna.keys";
    if data_dir.join(KEYS).exists() || !legacy.is_dir() {
        return Ok(0);
    }
    let mut names: Vec<OsString> = fs::read_dir(legacy)
        .map_err(|e| io_err("listing the old data folder", legacy, e))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .filter(|n| n.to_str().is_some_and(|n| n.starts_with("varna.")))
        .collect();
    if !names
        .iter()
        .any(|n| n == KEYS || n == "varna.restore-pending")
    {
        return Ok(0);
    }
    // The key file last: until it is in place the new folder is no store, and the next
    // start resumes the move.
    names.sort_by_key(|n| (n == KEYS, n.clone()));
    if legacy.join("instruments").is_dir() && !data_dir.join("instruments").exists() {
        names.insert(0, OsString::from("instruments"));
    }
    for name in &names {
        let from = legacy.join(name);
        fs::rename(&from, data_dir.join(name)).map_err(|e| {
            io_err(
                &format!(
                    "moving the store from the old data folder to {}: could not move",
                    data_dir.display()
                ),
                &from,
                e,
            )
        })?;
    }
    #[cfg(unix)]
    {
        // The renames must survive a crash before anything is written in the new place.
        for dir in [data_dir, legacy] {
            if let Ok(f) = fs::File::open(dir) {
                let _ = f.sync_all();
            }
        }
    }
    Ok(names.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn the_default_folder_is_varnas_own_not_the_webviews() {
        let env = env_of(&[("HOME", "/home/anna")]);
        let dir = data_dir_for(&env).unwrap();
        assert_eq!(dir, PathBuf::from("/home/anna/.local/share/varna"));
        assert_ne!(dir.file_name().unwrap(), LEGACY_FOLDER);

        let env = env_of(&[("HOME", "/home/anna"), ("XDG_DATA_HOME", "/data/anna")]);
        assert_eq!(
            data_dir_for(&env).unwrap(),
            PathBuf::from("/data/anna/varna")
        );

        // A relative XDG_DATA_HOME is ignored, as the XDG specification says.
        let env = env_of(&[("HOME", "/home/anna"), ("XDG_DATA_HOME", "rel")]);
        assert_eq!(
            data_dir_for(&env).unwrap(),
            PathBuf::from("/home/anna/.local/share/varna")
        );

        assert!(data_dir_for(&env_of(&[])).is_err());
        assert_eq!(
            legacy_dir_for(&env_of(&[("HOME", "/home/anna")])),
            Some(PathBuf::from("/home/anna/.local/share/se.varna.app"))
        );
    }

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[cfg(unix)]
    fn set_mode(p: &Path, m: u32) {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn an_open_folder_and_its_files_become_private() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("varna");
        fs::create_dir(&dir).unwrap();
        set_mode(&dir, 0o755);
        let file = dir.join("varna.keys");
        fs::write(&file, b"x").unwrap();
        set_mode(&file, 0o644);
        let sub = dir.join("instruments");
        fs::create_dir(&sub).unwrap();
        set_mode(&sub, 0o755);

        secure_data_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&sub), 0o755, "subfolders are left alone");
        assert_eq!(fs::read(&file).unwrap(), b"x", "contents untouched");

        // Every start: loosened again, tightened again.
        set_mode(&dir, 0o777);
        set_mode(&file, 0o666);
        secure_data_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&file), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn a_missing_folder_is_created_private() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b/varna");
        secure_data_dir(&dir).unwrap();
        assert!(dir.is_dir());
        assert_eq!(mode(&dir), 0o700);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_data_folder_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("elsewhere");
        fs::create_dir(&real).unwrap();
        set_mode(&real, 0o755);
        let link = tmp.path().join("varna");
        std::os::unix::fs::symlink(&real, &link).unwrap();

        let err = secure_data_dir(&link).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Io);
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(mode(&real), 0o755, "the link's target is not touched");
    }

    #[cfg(unix)]
    #[test]
    fn links_inside_the_folder_are_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside.txt");
        fs::write(&outside, b"x").unwrap();
        set_mode(&outside, 0o644);
        let dir = tmp.path().join("varna");
        fs::create_dir(&dir).unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("varna.unlock-state")).unwrap();

        secure_data_dir(&dir).unwrap();
        assert_eq!(mode(&outside), 0o644);
    }

    #[test]
    fn a_file_in_place_of_the_folder_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("varna");
        fs::write(&file, b"").unwrap();
        let err = secure_data_dir(&file).unwrap_err();
        assert!(err.to_string().contains("not a folder"), "{err}");
    }

    #[test]
    fn a_legacy_store_moves_once_and_the_webviews_files_stay() {
        let tmp = tempfile::tempdir().unwrap();
        let legacy = tmp.path().join("se.varna.app");
        fs::create_dir_all(legacy.join("instruments")).unwrap();
        fs::create_dir_all(legacy.join("WebKitCache")).unwrap();
        for name in ["varna.db", "varna.db-wal", "varna.keys", "varna.keys.bak"] {
            fs::write(legacy.join(name), name).unwrap();
        }
        fs::write(legacy.join("instruments/mine.toml"), "x").unwrap();
        let new = tmp.path().join("varna");
        secure_data_dir(&new).unwrap();

        assert_eq!(migrate_legacy(&legacy, &new).unwrap(), 5);
        for name in ["varna.db", "varna.db-wal", "varna.keys", "varna.keys.bak"] {
            assert_eq!(fs::read_to_string(new.join(name)).unwrap(), name);
            assert!(!legacy.join(name).exists());
        }
        assert!(new.join("instruments/mine.toml").is_file());
        assert!(
            legacy.join("WebKitCache").is_dir(),
            "the webview's files stay"
        );
        assert!(!new.join("WebKitCache").exists());

        // Once: a store in the new folder is never replaced.
        fs::write(legacy.join("varna.keys"), "stale").unwrap();
        assert_eq!(migrate_legacy(&legacy, &new).unwrap(), 0);
        assert_eq!(
            fs::read_to_string(new.join("varna.keys")).unwrap(),
            "varna.keys"
        );
    }

    #[test]
    fn nothing_moves_without_a_legacy_store() {
        let tmp = tempfile::tempdir().unwrap();
        let legacy = tmp.path().join("se.varna.app");
        fs::create_dir_all(&legacy).unwrap();
        fs::write(legacy.join("varna.unlock-state"), "{}").unwrap();
        let new = tmp.path().join("varna");
        secure_data_dir(&new).unwrap();
        assert_eq!(migrate_legacy(&legacy, &new).unwrap(), 0);
        assert!(legacy.join("varna.unlock-state").exists());
        assert_eq!(migrate_legacy(&tmp.path().join("none"), &new).unwrap(), 0);
    }
}
