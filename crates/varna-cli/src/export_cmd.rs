//! `varna export …`: write this installation's signed export of aggregate counts, merge
//! several laptops' files into a unit total, check signed files and show them as CSV.
//!
//! Writing and merging need the installation's signing key, which is kept in the encrypted
//! store: they unlock it as `--as USER` (passphrase prompted on a terminal, else one line on
//! standard input) and need the role arbetsledare or administratör.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use varna_core::export::{self, SignedExport, YearMonth};
use varna_core::{Error, ErrorCode};

/// `varna export --data-dir DIR --as USER --from YYYY-MM --to YYYY-MM --out FILE [--csv FILE]`,
/// or one of the subcommands.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ExportCmd {
    #[command(subcommand)]
    sub: Option<ExportSub>,
    #[command(flatten)]
    write: Option<WriteArgs>,
}

/// Write this installation's signed export of the months FROM..=TO. Reads the passphrase of
/// --as.
#[derive(Debug, Args)]
pub struct WriteArgs {
    /// The data folder.
    #[arg(long, value_name = "DIR", required = true)]
    data_dir: PathBuf,
    /// Username of an arbetsledare or administratör.
    #[arg(long = "as", value_name = "USER", required = true)]
    actor: String,
    /// First month, YYYY-MM.
    #[arg(long, value_name = "YYYY-MM", required = true)]
    from: String,
    /// Last month, YYYY-MM (inclusive).
    #[arg(long, value_name = "YYYY-MM", required = true)]
    to: String,
    /// Where to write the signed JSON file.
    #[arg(long, value_name = "FILE", required = true)]
    out: PathBuf,
    /// Also write the rows as CSV (UTF-8 with BOM) here.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ExportSub {
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
    /// Verify several laptops' export files and merge them into one unit total, signed by this
    /// installation. Refuses altered files and the same installation twice for the same months.
    /// Reads the passphrase of --as. Exit status 1 when a file does not verify or is refused.
    Merge {
        /// The export files (.json), at least one.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Where to write the merged file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The data folder (for this installation's signing key).
        #[arg(long, value_name = "DIR")]
        data_dir: PathBuf,
        /// Username of an arbetsledare or administratör.
        #[arg(long = "as", value_name = "USER")]
        actor: String,
        /// Also write the merged rows as CSV here.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
    },
}

pub fn run(cmd: ExportCmd) -> Result<ExitCode, Error> {
    let sub = match (cmd.sub, cmd.write) {
        (Some(sub), _) => sub,
        (None, Some(w)) => return write_export(w),
        (None, None) => return Err(Error::InvalidInput(
            "give --data-dir, --as, --from, --to and --out, or a subcommand (verify, csv, merge)"
                .into(),
        )),
    };
    match sub {
        ExportSub::Verify { file } => {
            let export = match read_verified(&file)? {
                Ok(export) => export,
                Err(code) => return Ok(code),
            };
            println!("OK: {} is a valid signed Värna export", file.display());
            println!("installation: {}", export.installation_id());
            println!("public key:   {}", export.public_key());
            println!("period:       {}", export.period());
            println!("threshold:    {}", export.threshold().get());
            println!("schema:       {}", export.schema_version());
            for month in export.preliminary() {
                println!(
                    "preliminary:  {month} (the month was not over; its counts may still grow)"
                );
            }
            for source in export.sources() {
                println!("source:       {} {}", source.installation_id, source.period);
            }
            println!("rows:         {}", export.rows().len());
            Ok(ExitCode::SUCCESS)
        }
        ExportSub::Csv { file, out } => {
            let export = match read_verified(&file)? {
                Ok(export) => export,
                Err(code) => return Ok(code),
            };
            write_file(&out, &export.to_csv()?)?;
            println!("wrote {} rows to {}", export.rows().len(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        ExportSub::Merge {
            files,
            out,
            data_dir,
            actor,
            csv,
        } => {
            let mut inputs = Vec::with_capacity(files.len());
            for f in &files {
                // Check each file first, so a bad one is named and nothing is unlocked for it.
                let bytes = match read_verified(f)? {
                    Ok(_) => std::fs::read(f)
                        .map_err(|e| Error::io(format!("reading {}", f.display()), e))?,
                    Err(code) => return Ok(code),
                };
                inputs.push(bytes);
            }
            let mut store = crate::store_cmd::unlock_as(&data_dir, &actor)?;
            let merged = store.merge_exports(&inputs);
            store.lock();
            let merged = match merged {
                Ok(m) => m,
                Err(e) if matches!(e.code(), ErrorCode::Conflict | ErrorCode::InvalidInput) => {
                    eprintln!("NOT MERGED: {e}");
                    return Ok(ExitCode::from(1));
                }
                Err(e) => return Err(e),
            };
            write_file(&out, merged.to_json_bytes())?;
            println!(
                "merged {} files into {} ({} rows, period {})",
                files.len(),
                out.display(),
                merged.rows().len(),
                merged.period()
            );
            for source in merged.sources() {
                println!("source: {} {}", source.installation_id, source.period);
            }
            if let Some(csv) = csv {
                write_file(&csv, &merged.to_csv()?)?;
                println!("wrote {}", csv.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn write_export(w: WriteArgs) -> Result<ExitCode, Error> {
    let from: YearMonth = w.from.parse()?;
    let to: YearMonth = w.to.parse()?;
    let mut store = crate::store_cmd::unlock_as(&w.data_dir, &w.actor)?;
    let file = store.export(from, to);
    store.lock();
    let file = file?;
    write_file(&w.out, file.to_json_bytes())?;
    println!(
        "wrote {} rows ({}) to {}",
        file.rows().len(),
        file.period(),
        w.out.display()
    );
    println!("installation: {}", file.installation_id());
    if let Some(csv) = w.csv {
        write_file(&csv, &file.to_csv()?)?;
        println!("wrote {}", csv.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes).map_err(|e| Error::io(format!("writing {}", path.display()), e))
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
