//! `varna audit verify|list` (loggkontroll) and `varna retention preview|run` (gallring).
//!
//! Each reads the passphrase of `--as` (terminal without echo, or one line of stdin).
//! `audit verify` exits 0 when the log is intact and 1 when it is broken, printing the
//! first broken row; other failures exit 2 like every `varna` command.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use varna_core::audit::AuditFilter;
use varna_core::retention::{RetentionProgress, RetentionSettings};
use varna_core::store::Store;
use varna_core::Error;

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check the whole access log (hash chain and signed head). Exit 0 intact, 1 broken.
    Verify(Who),
    /// List access log rows, newest first.
    List(ListArgs),
}

#[derive(Debug, Subcommand)]
pub enum RetentionCmd {
    /// Show what retention would remove now (metadata only).
    Preview(Who),
    /// Remove what is due now. Administrators only. Refuses while the clock looks wrong or
    /// a run is held, unless --confirm-clock.
    Run(RunArgs),
    /// Set the periods (0 = off). Administrators only.
    Set(SetArgs),
}

#[derive(Debug, Args)]
pub struct Who {
    /// The data folder.
    #[arg(long, value_name = "DIR")]
    data_dir: PathBuf,
    /// The account (administratör or arbetsledare).
    #[arg(long = "as", value_name = "USER")]
    actor: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    who: Who,
    /// Username or account id.
    #[arg(long)]
    person: Option<String>,
    /// Screening (or other object) id.
    #[arg(long)]
    screening: Option<String>,
    /// Event code, e.g. screening_open.
    #[arg(long)]
    event: Option<String>,
    /// First day, YYYY-MM-DD (UTC).
    #[arg(long)]
    from: Option<String>,
    /// Last day, YYYY-MM-DD (UTC).
    #[arg(long)]
    to: Option<String>,
    /// At most this many rows (default 500).
    #[arg(long)]
    limit: Option<u32>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    who: Who,
    /// Run even though the computer's clock looks wrong or a run is held (after checking
    /// the clock); the confirmation is logged.
    #[arg(long)]
    confirm_clock: bool,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    #[command(flatten)]
    who: Who,
    /// Months after completion (or approval) before a completed screening is removed.
    #[arg(long)]
    completed_months: u32,
    /// Days without change before a draft is removed.
    #[arg(long)]
    draft_days: u32,
}

macro_rules! print_json {
    ($v:expr) => {{
        let text = serde_json::to_string_pretty($v).map_err(|e| Error::Internal(e.to_string()))?;
        println!("{text}");
    }};
}

pub fn run_audit(cmd: AuditCmd) -> Result<ExitCode, Error> {
    match cmd {
        AuditCmd::Verify(w) => {
            let store = crate::unlock::unlock_as(&w.data_dir, &w.actor)?;
            let report = store.verify_audit();
            store.lock();
            let report = report?;
            if w.json {
                print_json!(&report);
            } else if let Some(b) = &report.first_broken {
                println!(
                    "BROKEN at row {}: {} ({} rows)",
                    b.seq, b.reason, report.rows
                );
            } else {
                println!("ok: {} rows, chain and signed head intact", report.rows);
            }
            Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        AuditCmd::List(a) => {
            let store = crate::unlock::unlock_as(&a.who.data_dir, &a.who.actor)?;
            let rows = store.audit_list(&AuditFilter {
                person: a.person,
                object_id: a.screening,
                event: a.event,
                from: a.from,
                to: a.to,
                limit: a.limit,
            });
            store.lock();
            let rows = rows?;
            if a.who.json {
                print_json!(&rows);
            } else {
                for r in rows {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        r.seq,
                        r.at,
                        r.actor_username.as_deref().unwrap_or("-"),
                        r.event,
                        r.object_kind,
                        r.object_id,
                        r.detail
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn run_retention(cmd: RetentionCmd) -> Result<ExitCode, Error> {
    match cmd {
        RetentionCmd::Preview(w) => {
            let store = crate::unlock::unlock_as(&w.data_dir, &w.actor)?;
            let items = store.retention_preview();
            store.lock();
            let items = items?;
            if w.json {
                print_json!(&items);
            } else {
                for i in &items {
                    println!(
                        "{}\t{}\t{}@{}\t{}\t{}",
                        i.screening_id,
                        i.status,
                        i.instrument_id,
                        i.instrument_version,
                        i.unit_code,
                        i.since
                    );
                }
                println!("{} screenings due for removal.", items.len());
            }
        }
        RetentionCmd::Run(RunArgs {
            who: w,
            confirm_clock,
        }) => {
            let mut store = crate::unlock::unlock_as(&w.data_dir, &w.actor)?;
            let mut bar = RetentionBar::default();
            let report = store.retention_run_with(confirm_clock, |p| bar.show(p));
            bar.done();
            store.lock();
            let report = report?;
            if w.json {
                print_json!(&report);
            } else {
                println!(
                    "Removed {} completed screenings and {} drafts.",
                    report.completed_removed, report.drafts_removed
                );
            }
        }
        RetentionCmd::Set(a) => {
            let mut store = crate::unlock::unlock_as(&a.who.data_dir, &a.who.actor)?;
            let s = store.set_retention_settings(RetentionSettings {
                completed_months: a.completed_months,
                draft_days: a.draft_days,
            });
            store.lock();
            let s = s?;
            println!(
                "Retention: completed screenings after {} months, drafts after {} days (0 = off).",
                s.completed_months, s.draft_days
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Gallring's progress bar on standard error (`indicatif`), drawn only when standard error
/// is a terminal: scripts and tests see the same clean output as before.
#[derive(Default)]
struct RetentionBar(Option<indicatif::ProgressBar>);

impl RetentionBar {
    fn show(&mut self, p: RetentionProgress) {
        let bar = self.0.get_or_insert_with(|| {
            let bar = if std::io::stderr().is_terminal() {
                indicatif::ProgressBar::new(u64::from(p.total))
            } else {
                indicatif::ProgressBar::hidden()
            };
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "Retention {wide_bar} {pos}/{len} screenings removed ({elapsed})",
            ) {
                bar.set_style(style);
            }
            bar
        });
        bar.set_position(u64::from(p.done));
    }

    fn done(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}

/// After an unlock: the rest of the run at unlock (the core removes one batch in the unlock
/// itself), batch by batch with the progress bar, so a CLI unlock removes everything due as
/// before. On an error the store is locked and the rest stays due for the next unlock.
pub(crate) fn finish_retention_at_unlock(store: &mut Store) -> Result<(), Error> {
    let Some(mut run) = store.take_retention_at_unlock() else {
        return Ok(());
    };
    let mut bar = RetentionBar::default();
    bar.show(run.progress());
    while !run.is_finished() {
        let p = store.retention_step(&mut run)?;
        bar.show(p);
    }
    bar.done();
    Ok(())
}
