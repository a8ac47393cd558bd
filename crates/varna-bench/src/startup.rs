//! 4. Cold start to an interactive unlock screen, and peak memory, against a bare Tauri window.

use std::path::Path;

use crate::harness::{Report, Row};

pub fn bench_startup(app: Option<&Path>, bare: Option<&Path>, report: &mut Report) {
    let (Some(_app), Some(_bare)) = (app, bare) else {
        report.push(Row::not_run(
            "4. App cold start and peak memory",
            "needs --app and --bare (make bench builds both)",
        ));
        return;
    };
    report.push(Row::not_run(
        "4. App cold start and peak memory",
        "not implemented yet",
    ));
}
