//! `varna screening pdf`: the PDF/A document of one completed screening, for scripted
//! archiving. Reads the passphrase of `--as` (terminal without echo, or one line of stdin).
//! The file is created new (never over an existing file) by the core, which logs the save
//! (`document_save`) in the same transaction; only the author, an arbetsledare of the unit
//! or an administratör may. The file is not encrypted.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use varna_core::document::lang_of;
use varna_core::Error;

#[derive(Debug, Subcommand)]
pub enum ScreeningCmd {
    /// Save the PDF/A document of a completed screening to a new file (not encrypted).
    Pdf(PdfArgs),
}

#[derive(Debug, Args)]
pub struct PdfArgs {
    /// The data folder.
    #[arg(long, value_name = "DIR")]
    data_dir: PathBuf,
    /// The account: the author, an arbetsledare of the unit or an administratör.
    #[arg(long = "as", value_name = "USER")]
    actor: String,
    /// The screening's id.
    #[arg(long)]
    id: String,
    /// The file to create; never overwritten.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The document's language: sv (default) or en.
    #[arg(long, default_value = "sv")]
    lang: String,
}

pub fn run(cmd: ScreeningCmd) -> Result<ExitCode, Error> {
    match cmd {
        ScreeningCmd::Pdf(a) => {
            let mut store = crate::unlock::unlock_as(&a.data_dir, &a.actor)?;
            let saved = store.document_save_pdf(&a.id, lang_of(&a.lang), &a.out);
            store.lock();
            let saved = saved?;
            println!(
                "Wrote {} ({} bytes, content SHA-256 {}). The file is not encrypted.",
                a.out.display(),
                saved.bytes,
                saved.sha256
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
