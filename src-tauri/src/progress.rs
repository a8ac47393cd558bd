//! Progress of a backup or a restore for the page: the commands emit `varna://progress`
//! ([`PROGRESS_EVENT`]) with a [`TaskProgress`] whenever the whole percent or the step
//! changes, so the page can show "Säkerhetskopierar … 45 %" while the command runs (issue 20,
//! measure 7). The core reports the progress ([`varna_core::progress`]); this only forwards
//! it, at most about a hundred times per task.

use serde::Serialize;
use tauri::{AppHandle, Emitter};
use varna_core::progress::{Progress, ProgressStep};

/// The event the page follows while a backup or a restore runs.
pub const PROGRESS_EVENT: &str = "varna://progress";

/// Which long task the progress belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    Backup,
    Restore,
}

/// The payload of `varna://progress`.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TaskProgress {
    pub task: Task,
    pub step: ProgressStep,
    /// Whole percent done, 0–100; never goes back within a task.
    pub percent: u8,
}

/// A progress callback for the core that emits [`PROGRESS_EVENT`] on each new percent or step.
pub fn emitter(app: &AppHandle, task: Task) -> impl FnMut(Progress) + '_ {
    let mut last: Option<(ProgressStep, u8)> = None;
    move |p: Progress| {
        let now = (p.step, p.percent());
        if last == Some(now) {
            return;
        }
        last = Some(now);
        let _ = app.emit(
            PROGRESS_EVENT,
            TaskProgress {
                task,
                step: p.step,
                percent: now.1,
            },
        );
    }
}
