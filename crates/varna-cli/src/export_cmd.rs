//! `varna export …`: check signed export files and show them as CSV.
//!
//! Only the commands that need no store live here so far. Writing an export
//! (`varna export --data-dir DIR --from … --to …`) and merging (`varna export merge`) need the
//! installation's signing key, which is kept in the encrypted store; they come with it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use varna_core::export::{self, SignedExport};
use varna_core::{Error, ErrorCode};

#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// Check a signed export file (signature over every byte, strict schema, suppression).
    /// Exit status 0: valid; 1: altered, damaged or not an export; 2: could not be read.
    Verify {
        /// The export file (.json).
        file: PathBuf,
    },
    /// Check a signed export file and write its rows as CSV (UTF-8 with BOM, for spreadsheets).
    Csv {
        /// The export file (.json).
        file: PathBuf,
        /// Where to write the CSV file.
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(cmd: ExportCmd) -> Result<ExitCode, Error> {
    match cmd {
        ExportCmd::Verify { file } => {
            let export = match read_verified(&file)? {
                Ok(export) => export,
                Err(code) => return Ok(code),
            };
            println!("OK: {} is a valid signed Värna export", file.display());
            println!("installation: {}", export.installation_id());
            println!("public key:   {}", export.public_key());
            println!("period:       {}", export.period());
            println!("threshold:    {}", export.threshold().get());
            for source in export.sources() {
                println!("source:       {} {}", source.installation_id, source.period);
            }
            println!("rows:         {}", export.rows().len());
            Ok(ExitCode::SUCCESS)
        }
        ExportCmd::Csv { file, out } => {
            let export = match read_verified(&file)? {
                Ok(export) => export,
                Err(code) => return Ok(code),
            };
            std::fs::write(&out, export.to_csv()?)
                .map_err(|e| Error::io(format!("writing {}", out.display()), e))?;
            println!("wrote {} rows to {}", export.rows().len(), out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Reads and verifies a file. A file that fails verification is reported here and gives exit
/// status 1; a file that cannot be read is an error (exit status 2).
fn read_verified(file: &Path) -> Result<Result<SignedExport, ExitCode>, Error> {
    let bytes =
        std::fs::read(file).map_err(|e| Error::io(format!("reading {}", file.display()), e))?;
    match export::verify(&bytes) {
        Ok(export) => Ok(Ok(export)),
        Err(e) if matches!(e.code(), ErrorCode::Corrupt | ErrorCode::InvalidInput) => {
            eprintln!("NOT OK: {}: {e}", file.display());
            Ok(Err(ExitCode::from(1)))
        }
        Err(e) => Err(e),
    }
}
