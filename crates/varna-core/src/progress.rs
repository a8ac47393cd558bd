//! Progress of long operations (backup, restore), for the CLI's progress bars and the app's
//! progress display (issue 20, measure 7).
//!
//! An operation reports [`Progress`] values through a callback: `done` never decreases,
//! never passes `total`, `total` stays the same for the whole operation, and the last call
//! has `done == total` (only when the operation succeeds). `step` tells what is being done,
//! so a display can name it; some steps (SQLite's `integrity_check`) cannot report how far
//! they are, and the value stands still while they run.

use serde::Serialize;

/// What a long operation is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ProgressStep {
    /// Backup, when the database file cannot be held still: copying its pages into an
    /// encrypted copy.
    Copy,
    /// Backup: writing the backup file (checksum, then `fsync`).
    Write,
    /// Restore: reading the backup file into the data folder and checking its checksum.
    Read,
    /// Backup: verifying the MAC of every page of the database file
    /// (`cipher_integrity_check`). Restore: opening the copy and checking it
    /// (`integrity_check`).
    Check,
    /// Restore: putting the copy in place and signing in.
    Open,
    /// The operation is finished.
    Done,
}

/// How far a long operation has come: `done` of `total` units (the unit is the operation's
/// own, e.g. bytes; only the fraction matters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub step: ProgressStep,
    pub done: u64,
    pub total: u64,
}

impl Progress {
    /// Whole percent done (0–100).
    pub fn percent(&self) -> u8 {
        if self.total == 0 {
            return 100;
        }
        ((self.done.min(self.total) as u128 * 100) / self.total as u128) as u8
    }
}

/// Keeps the promises of [`Progress`] for a callback: clamps `done` into `last..=total`.
pub(crate) struct Reporter<'a> {
    f: &'a mut dyn FnMut(Progress),
    total: u64,
    last: u64,
}

impl<'a> Reporter<'a> {
    pub(crate) fn new(f: &'a mut dyn FnMut(Progress), total: u64) -> Reporter<'a> {
        Reporter {
            f,
            total: total.max(1),
            last: 0,
        }
    }

    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// Reports `done` (clamped so that it never goes back and never passes the total).
    pub(crate) fn report(&mut self, step: ProgressStep, done: u64) {
        let done = done.clamp(self.last, self.total);
        self.last = done;
        (self.f)(Progress {
            step,
            done,
            total: self.total,
        });
    }

    /// The last call: all done.
    pub(crate) fn finish(&mut self) {
        self.report(ProgressStep::Done, self.total);
    }
}

/// `part` of `whole`, scaled to `units` (for mapping bytes of one step onto its share).
pub(crate) fn scale(part: u64, whole: u64, units: u64) -> u64 {
    if whole == 0 {
        return units;
    }
    ((part.min(whole) as u128 * units as u128) / whole as u128) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reporter_never_goes_back_or_past_the_total() {
        let mut seen = Vec::new();
        let mut f = |p: Progress| seen.push(p);
        let mut r = Reporter::new(&mut f, 10);
        r.report(ProgressStep::Copy, 4);
        r.report(ProgressStep::Copy, 2);
        r.report(ProgressStep::Write, 30);
        r.finish();
        let done: Vec<u64> = seen.iter().map(|p| p.done).collect();
        assert_eq!(done, [4, 4, 10, 10]);
        assert!(seen.iter().all(|p| p.total == 10));
        assert_eq!(seen.last().unwrap().step, ProgressStep::Done);
        assert_eq!(seen[0].percent(), 40);
    }

    #[test]
    fn scaling_maps_a_part_onto_its_share() {
        assert_eq!(scale(50, 100, 1000), 500);
        assert_eq!(scale(150, 100, 1000), 1000);
        assert_eq!(scale(0, 0, 7), 7);
    }
}
