//! The instruments shipped with Värna, embedded at build time from `instruments/`.
//!
//! An organisation can add its own (e.g. licensed) instrument files in a folder; the app
//! loads both, and the store keeps every version it has seen.

use super::{load_str, FileFailure, LoadReport};

/// `(path relative to instruments/, file text)` of every shipped instrument file.
const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/shipped_instruments.rs"));

/// Loads the shipped instruments. They are checked by tests, so `failed` is empty in a
/// correct build; it is still reported rather than hidden.
pub fn shipped() -> LoadReport {
    let mut report = LoadReport::default();
    for (path, text) in FILES {
        let shown = format!("instruments/{path}");
        match load_str(&shown, text) {
            Ok(i) => report.loaded.push(i),
            Err(diagnostics) => report.failed.push(FileFailure {
                path: shown,
                diagnostics,
            }),
        }
    }
    report
}

/// Loads the shipped instruments and then those in `dir` (if it exists), as one report.
pub fn shipped_and_dir(dir: Option<&std::path::Path>) -> LoadReport {
    let mut report = shipped();
    if let Some(dir) = dir.filter(|d| d.is_dir()) {
        let extra = super::load_dir(dir);
        report.loaded.extend(extra.loaded);
        report.failed.extend(extra.failed);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_the_instruments_folder_is_embedded_and_valid() {
        let on_disk =
            super::super::load_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../instruments"));
        let embedded = shipped();
        assert!(embedded.failed.is_empty(), "{:?}", embedded.failed);
        assert_eq!(embedded.loaded.len(), on_disk.loaded.len());
        assert!(embedded.loaded.len() >= 4);
        let mut a: Vec<_> = embedded
            .loaded
            .iter()
            .map(|i| (i.id().to_owned(), i.sha256.clone()))
            .collect();
        let mut b: Vec<_> = on_disk
            .loaded
            .iter()
            .map(|i| (i.id().to_owned(), i.sha256.clone()))
            .collect();
        a.sort();
        b.sort();
        assert_eq!(
            a, b,
            "the embedded files are the files on disk, byte for byte"
        );
    }
}
