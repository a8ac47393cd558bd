//! `varna instrument …`: check and list instrument files; add a file to a store's library
//! and retire or reactivate a version (administratör, for scripted roll-outs).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use varna_core::instrument::{self, FileFailure, LoadReport};
use varna_core::store::Store;

/// The store and the administratör who acts.
#[derive(Debug, Args)]
pub struct Admin {
    /// The data folder.
    #[arg(long, value_name = "DIR")]
    data_dir: PathBuf,
    /// The administratör (passphrase: terminal without echo, or one line of stdin).
    #[arg(long = "as", value_name = "USER")]
    actor: String,
}

/// Unlocks as the administratör and brings the store's instruments up to date with the
/// shipped ones and the organisation's folder, as the app does at sign-in.
fn unlock_synced(a: &Admin) -> Result<(Store, PathBuf), varna_core::Error> {
    let mut store = crate::unlock::unlock_as(&a.data_dir, &a.actor)?;
    let folder = varna_core::datadir::instruments_dir(&a.data_dir);
    store.sync_instruments(&instrument::shipped::shipped_and_dir(Some(&folder)))?;
    Ok((store, folder))
}

#[derive(Debug, Subcommand)]
pub enum InstrumentCmd {
    /// Check instrument files or folders; exit 1 and print every error when any is invalid.
    Check {
        /// Files or folders (searched recursively for *.toml).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// List the instruments in a folder: id, version, kind, title and SHA-256.
    List {
        /// The folder to list.
        #[arg(default_value = "instruments")]
        dir: PathBuf,
    },
    /// Print the JSON Schema of the instrument format.
    Schema,
    /// Add an instrument file to a store's library: checked, copied new into the
    /// organisation's instruments folder (`<data dir>/instruments/<id>/<version>.toml` or
    /// `VARNA_INSTRUMENTS_DIR`) and stored. Administratör only; an existing version is refused.
    Add {
        #[command(flatten)]
        who: Admin,
        /// The instrument file (any name).
        file: PathBuf,
    },
    /// Retire a version: no new screenings with it (existing ones still open). Administratör.
    Retire {
        #[command(flatten)]
        who: Admin,
        #[arg(long)]
        id: String,
        #[arg(long)]
        version: String,
        /// Make a retired version available for new screenings again.
        #[arg(long)]
        reactivate: bool,
    },
}

pub fn run(cmd: InstrumentCmd) -> Result<ExitCode, varna_core::Error> {
    match cmd {
        InstrumentCmd::Check { paths } => {
            let mut report = LoadReport::default();
            for p in &paths {
                if p.is_dir() {
                    let r = instrument::load_dir(p);
                    report.loaded.extend(r.loaded);
                    report.failed.extend(r.failed);
                } else {
                    match instrument::load_file(p) {
                        Ok(i) => report.loaded.push(i),
                        Err(diagnostics) => report.failed.push(FileFailure {
                            path: p.display().to_string(),
                            diagnostics,
                        }),
                    }
                }
            }
            for i in &report.loaded {
                println!("ok      {}", i.path);
            }
            print_failures(&report.failed);
            println!(
                "{} valid, {} invalid",
                report.loaded.len(),
                report.failed.len()
            );
            Ok(exit(&report))
        }
        InstrumentCmd::List { dir } => {
            let report = instrument::load_dir(&dir);
            for i in &report.loaded {
                let d = &i.definition;
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    d.id,
                    d.version,
                    d.kind.as_str(),
                    d.title.sv,
                    i.sha256
                );
            }
            print_failures(&report.failed);
            Ok(exit(&report))
        }
        InstrumentCmd::Schema => {
            print!("{}", instrument::json_schema());
            Ok(ExitCode::SUCCESS)
        }
        InstrumentCmd::Add { who, file } => add(&who, &file),
        InstrumentCmd::Retire {
            who,
            id,
            version,
            reactivate,
        } => {
            let (mut store, _) = unlock_synced(&who)?;
            store.set_instrument_retired(&id, &version, !reactivate)?;
            if reactivate {
                println!("reactivated {id} {version}");
            } else {
                println!("retired {id} {version}: no new screenings with it");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn add(who: &Admin, file: &Path) -> Result<ExitCode, varna_core::Error> {
    let (mut store, folder) = unlock_synced(who)?;
    let check = store.check_instrument_file(file, &folder)?;
    if !check.problems.is_empty() {
        eprintln!("not added: {}", check.path);
        for p in &check.problems {
            eprintln!("{p}");
        }
        return Ok(ExitCode::from(1));
    }
    let added = store.add_instrument_file(file, &folder)?;
    println!(
        "added {} {} ({})\t{}",
        added.id, added.version, added.sha256, added.path
    );
    Ok(ExitCode::SUCCESS)
}

fn print_failures(failed: &[FileFailure]) {
    for f in failed {
        eprintln!("invalid {} ({} errors)", f.path, f.diagnostics.len());
        for d in &f.diagnostics {
            eprintln!("{d}");
        }
    }
}

fn exit(report: &LoadReport) -> ExitCode {
    if report.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
