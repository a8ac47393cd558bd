//! Benchmark 4: cold start to an interactive unlock screen, and peak memory, against a bare
//! Tauri window. Not implemented yet: it needs an exit-on-ready hook in the app and a bare-window crate.

use std::path::Path;

use crate::harness::{Report, Row};

pub fn bench_startup(_app: Option<&Path>, _bare: Option<&Path>, report: &mut Report) {
    report.push(Row::not_run(
        "4. App cold start and peak memory vs a bare Tauri window",
        "not implemented yet (needs the exit-on-ready hook and a bare-window build)",
    ));
}
