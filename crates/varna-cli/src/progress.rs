//! Progress bars for the long commands (`demo seed`, `backup`, `restore`), drawn with
//! `indicatif` on standard error, and only when it is a terminal: scripts, pipes and the
//! tests see exactly the output they saw before.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use varna_core::progress::{Progress, ProgressStep};

/// A bar of `len` steps with `what` in front; hidden unless standard error is a terminal.
pub fn bar(len: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{msg:<22} [{bar:30}] {percent:>3} % ({elapsed}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_owned());
    bar
}

/// A callback for the core's backup and restore progress that moves `bar` (in the core's
/// units) and names the step.
pub fn follow(bar: &ProgressBar) -> impl FnMut(Progress) + '_ {
    let mut step = None;
    move |p: Progress| {
        if bar.length() != Some(p.total) {
            bar.set_length(p.total);
        }
        if step != Some(p.step) {
            step = Some(p.step);
            bar.set_message(step_name(p.step));
        }
        bar.set_position(p.done);
    }
}

fn step_name(step: ProgressStep) -> &'static str {
    match step {
        ProgressStep::Copy => "copying the database",
        ProgressStep::Write => "writing the backup",
        ProgressStep::Read => "reading the backup",
        ProgressStep::Check => "checking",
        ProgressStep::Open => "signing in",
        ProgressStep::Done => "done",
    }
}
