//! `varna export …`: write this installation's signed export of aggregate counts, merge
//! several laptops' files into a unit total, check signed files and show them as CSV, and
//! keep the list of trusted senders (`trust`, `untrust`, `trusted`).
//!
//! Writing, merging and the trust list need the encrypted store: they unlock it as
//! `--as USER` (passphrase prompted on a terminal, else one line on standard input) and need
//! the role arbetsledare or administratör. Merging accepts only files signed by this
//! installation or a trusted sender; `trust` needs the fingerprint the sender read out
//! (`--fingerprint`), so a script cannot trust a key nobody compared.

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
    /// Trust the installation that signed FILE as a sender of count files, after comparing
    /// its key's fingerprint with the sender (`varna export verify` shows it). Replaces a
    /// key trusted before for the same installation. Exit status 1 when the fingerprint does
    /// not match the file.
    Trust {
        /// A count file (.json) from the sender.
        file: PathBuf,
        /// The fingerprint the sender read out, e.g. "3F9A 12C4 8B0E 77D1 A2C9" (spaces and
        /// dashes are ignored, case too).
        #[arg(long, value_name = "FINGERPRINT")]
        fingerprint: String,
        /// A local name for the sender (e.g. the unit and laptop); never exported.
        #[arg(long, value_name = "NAME")]
        name: String,
        /// The data folder.
        #[arg(long, value_name = "DIR")]
        data_dir: PathBuf,
        /// Username of an arbetsledare or administratör.
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// Withdraw the trust in an installation: its files are refused from now on.
    Untrust {
        /// The installation id (as `varna export trusted` lists it).
        installation: String,
        /// The data folder.
        #[arg(long, value_name = "DIR")]
        data_dir: PathBuf,
        /// Username of an arbetsledare or administratör.
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// List the trusted senders (and withdrawn ones), with fingerprints.
    Trusted {
        /// The data folder.
        #[arg(long, value_name = "DIR")]
        data_dir: PathBuf,
        /// Username of an arbetsledare or administratör.
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
}

pub fn run(cmd: ExportCmd) -> Result<ExitCode, Error> {
    let sub = match (cmd.sub, cmd.write) {
        (Some(sub), _) => sub,
        (None, Some(w)) => return write_export(w),
        (None, None) => return Err(Error::InvalidInput(
            "give --data-dir, --as, --from, --to and --out, or a subcommand (verify, csv, merge, trust, untrust, trusted)"
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
            println!("fingerprint:  {}", export.public_key().fingerprint());
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
            let mut store = crate::unlock::unlock_as(&data_dir, &actor)?;
            let merged = store.merge_exports(&inputs);
            store.lock();
            let merged = match merged {
                Ok(m) => m,
                Err(e)
                    if matches!(
                        e.code(),
                        ErrorCode::Conflict | ErrorCode::InvalidInput | ErrorCode::UntrustedSender
                    ) =>
                {
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
        ExportSub::Trust {
            file,
            fingerprint,
            name,
            data_dir,
            actor,
        } => {
            let export = match read_verified(&file)? {
                Ok(export) => export,
                Err(code) => return Ok(code),
            };
            let key = export.public_key();
            println!("installation: {}", export.installation_id());
            println!("fingerprint:  {}", key.fingerprint());
            if normalise_fingerprint(&fingerprint) != normalise_fingerprint(&key.fingerprint()) {
                eprintln!(
                    "NOT TRUSTED: the file's fingerprint is not {fingerprint:?}; \
                     ask the sender again, or the file is not theirs"
                );
                return Ok(ExitCode::from(1));
            }
            let mut store = crate::unlock::unlock_as(&data_dir, &actor)?;
            let trusted = store.trust_sender(export.installation_id(), &key.to_hex(), &name);
            store.lock();
            let trusted = trusted?;
            println!(
                "trusted {} ({}) as a sender of count files",
                trusted.installation_id, trusted.label
            );
            Ok(ExitCode::SUCCESS)
        }
        ExportSub::Untrust {
            installation,
            data_dir,
            actor,
        } => {
            let id = uuid::Uuid::parse_str(installation.trim()).map_err(|_| {
                Error::InvalidInput(format!("{installation:?} is not an installation id"))
            })?;
            let mut store = crate::unlock::unlock_as(&data_dir, &actor)?;
            let done = store.untrust_sender(id);
            store.lock();
            done?;
            println!("withdrew the trust in installation {id}");
            Ok(ExitCode::SUCCESS)
        }
        ExportSub::Trusted { data_dir, actor } => {
            let store = crate::unlock::unlock_as(&data_dir, &actor)?;
            let list = store.trusted_senders();
            store.lock();
            let list = list?;
            if list.is_empty() {
                println!("no trusted senders");
            }
            for s in list {
                let state = match &s.revoked_at {
                    Some(at) => format!(
                        "withdrawn {at} by {}",
                        s.revoked_by.as_deref().unwrap_or("?")
                    ),
                    None => "trusted".to_string(),
                };
                println!(
                    "{}  {}  {}  ({}; since {} by {})",
                    s.installation_id, s.fingerprint, s.label, state, s.trusted_at, s.trusted_by
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A fingerprint as typed: only its hex digits, upper case.
fn normalise_fingerprint(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_hexdigit())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn write_export(w: WriteArgs) -> Result<ExitCode, Error> {
    let from: YearMonth = w.from.parse()?;
    let to: YearMonth = w.to.parse()?;
    let mut store = crate::unlock::unlock_as(&w.data_dir, &w.actor)?;
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
    println!("fingerprint:  {}", file.public_key().fingerprint());
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
