//! `varna`: the headless command line over `varna-core`.
//!
//! Every subcommand parses its arguments, calls one core function and prints the result.
//! No domain logic lives here; if a command needs more than that, the logic belongs in the core.

use std::process::ExitCode;

use clap::{ArgAction, Parser, Subcommand};

// Command groups, one module each.
mod audit_cmd;
mod demo_cmd;
mod export_cmd;
mod instrument_cmd;
mod progress;
mod screening_cmd;
mod store_cmd;
mod unlock;

#[derive(Debug, Parser)]
#[command(
    name = "varna",
    about = "Värna: structured screening for violence in close relationships (headless tools)",
    disable_version_flag = true
)]
struct Cli {
    /// Print the version, the git commit and the SQLCipher version.
    #[arg(short = 'V', long = "version", action = ArgAction::SetTrue)]
    version: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the version, the git commit and the SQLCipher version (as --version).
    Version,
    // Further command groups are added below, one line each.
    /// Set up, accounts, backup and restore of the encrypted store.
    #[command(flatten)]
    Store(store_cmd::StoreCmd),
    /// Write, merge and check signed export files of aggregate counts.
    Export(export_cmd::ExportCmd),
    /// Check, list and describe instrument files.
    #[command(subcommand)]
    Instrument(instrument_cmd::InstrumentCmd),
    /// Access log (loggkontroll): verify the chain, list rows.
    #[command(subcommand)]
    Audit(audit_cmd::AuditCmd),
    /// Retention (gallring): preview, run, set the periods.
    #[command(subcommand)]
    Retention(audit_cmd::RetentionCmd),
    /// Demo data: synthetic screenings for demonstrations and benchmarks.
    #[command(subcommand)]
    Demo(demo_cmd::DemoCmd),
    /// Journal-ready output of a completed screening (PDF/A document).
    #[command(subcommand)]
    Screening(screening_cmd::ScreeningCmd),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.version {
        print!("{}", version_text());
        return ExitCode::SUCCESS;
    }
    let result: Result<ExitCode, varna_core::Error> = match cli.command {
        None | Some(Command::Version) => {
            print!("{}", version_text());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Store(cmd)) => store_cmd::run(cmd),
        Some(Command::Export(cmd)) => export_cmd::run(cmd),
        Some(Command::Instrument(cmd)) => instrument_cmd::run(cmd),
        Some(Command::Audit(cmd)) => audit_cmd::run_audit(cmd),
        Some(Command::Retention(cmd)) => audit_cmd::run_retention(cmd),
        Some(Command::Demo(cmd)) => demo_cmd::run(cmd),
        Some(Command::Screening(cmd)) => screening_cmd::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("varna: {e}");
            ExitCode::from(2)
        }
    }
}

/// Three lines: the version, the git commit the binary was built from (`unknown` when built
/// outside a git checkout) and the SQLCipher version linked in.
fn version_text() -> String {
    format!(
        "varna {}\ncommit {}\nSQLCipher {}\n",
        varna_core::VERSION,
        env!("VARNA_GIT_COMMIT"),
        varna_core::sqlcipher_version().unwrap_or("not linked"),
    )
}
