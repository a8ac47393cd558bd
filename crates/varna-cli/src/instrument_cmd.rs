//! `varna instrument …`: check and list instrument files.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use varna_core::instrument::{self, FileFailure, LoadReport};

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
    }
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
