//! Benchmark 10: a backup of the ten-year store (issue 20, measure 5, the backup part) and
//! the main thread during an unlock and a backup (measure 7).
//!
//! 10a. `Store::backup_to_with_progress` of a copy of benchmark 7's ten-year store (cached,
//! seeded once) against a baseline in the same run: copying the data folder's files (the
//! database and the key files) with `std::fs::copy` into the same target folder, then `fsync`
//! of each copy and of the folder (what `cp` followed by `sync` does). Alternating, a few
//! rounds each; goal: median ≤ 3×. Every backup's progress reports are checked (never
//! backwards, ending at the total).
//! 10 (detail). A restore of that backup into an empty folder (`Store::restore_from`), no goal.
//! 10b/10c. The longest main-thread stall of the release app during an unlock and during a
//! backup of the same store, goal < 50 ms, measured by the end-to-end benchmark
//! `tests/e2e/main_thread_stall.rs` (which `make bench` runs first) and read here from its
//! JSON file.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use varna_core::progress::{Progress, ProgressStep};
use varna_core::store::Store;

use crate::harness::{fmt_dur, median, Report, Row};
use crate::{die, ok, ADMIN, PASS};

/// Rounds of each (after one warm-up round of each).
const ROUNDS: usize = 5;

/// The data folder's files: everything but the bench's own marker.
fn store_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| die(&format!("{}: {e}", dir.display())))
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n != "seeded"))
        .collect();
    files.sort();
    files
}

fn dir_bytes(files: &[PathBuf]) -> u64 {
    files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum()
}

/// The baseline: `cp` of the files into `to`, then `fsync` of every copy and of the folder.
fn copy_and_sync(files: &[PathBuf], to: &Path) {
    let run = || -> std::io::Result<()> {
        std::fs::create_dir_all(to)?;
        for f in files {
            let dst = to.join(f.file_name().expect("a file name"));
            std::fs::copy(f, &dst)?;
            std::fs::File::open(&dst)?.sync_all()?;
        }
        std::fs::File::open(to)?.sync_all()
    };
    run().unwrap_or_else(|e| die(&format!("the baseline copy: {e}")));
}

/// Checks the promises of the progress reports of one backup or restore.
fn check_progress(what: &str, seen: &[Progress]) {
    let Some(last) = seen.last() else {
        die(&format!("{what}: no progress reported"));
    };
    let total = seen[0].total;
    let mut prev = 0;
    for p in seen {
        if p.total != total || p.done < prev || p.done > total {
            die(&format!("{what}: progress {p:?} after {prev} of {total}"));
        }
        prev = p.done;
    }
    if last.done != total || last.step != ProgressStep::Done {
        die(&format!("{what}: the last progress is {last:?}"));
    }
}

pub fn bench_backup(work: &Path, history: u64, stall: &Path, report: &mut Report) {
    let (cached, seeded) = crate::history_store(work, history);
    // A copy of the cached store: each backup logs a row, which must not change the cache.
    let tmp = tempfile::Builder::new()
        .prefix("tmp-backup-")
        .tempdir_in(work)
        .unwrap_or_else(|e| die(&format!("temp dir: {e}")));
    let dir = tmp.path().join("store");
    copy_and_sync(&store_files(&cached), &dir);
    // The copy (and its restores) share the cached store's id: with this computer's anchor
    // folder, their unlocks would move the outside anchor past the cached original, and the
    // next run's benchmark 7 would (rightly) find it rolled back. An anchor folder of their
    // own, as on a new computer (as benchmark 11 does); put back at the end.
    let anchors_before = std::env::var_os("VARNA_ANCHOR_DIR");
    std::env::set_var("VARNA_ANCHOR_DIR", tmp.path().join("anchors"));
    let files = store_files(&dir);
    let store_bytes = dir_bytes(&files);
    let admin = ok(Store::unlock(&dir, ADMIN, PASS), "unlock");
    let out_dir = tmp.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap_or_else(|e| die(&format!("{e}")));

    let (mut backup_t, mut copy_t) = (Vec::new(), Vec::new());
    let mut reports = 0usize;
    // How the time of a backup splits between its steps (the last backup's).
    let mut split = String::new();
    let mut kept: Option<PathBuf> = None;
    let mut backup_bytes = 0;
    for i in 0..=ROUNDS {
        for step in 0..2 {
            if (i + step).is_multiple_of(2) {
                let out = out_dir.join(format!("b{i}.varnabackup"));
                let mut seen = Vec::new();
                let t = Instant::now();
                ok(
                    admin.backup_to_with_progress(&out, |p| seen.push((t.elapsed(), p))),
                    "backup",
                );
                let e = t.elapsed();
                let progress: Vec<Progress> = seen.iter().map(|(_, p)| *p).collect();
                check_progress("backup", &progress);
                reports = seen.len();
                let at = |step| {
                    seen.iter()
                        .find(|(_, p)| p.step == step)
                        .map_or(e, |(d, _)| *d)
                };
                let write = at(ProgressStep::Write);
                let paged = progress.iter().any(|p| p.step == ProgressStep::Copy);
                split = format!(
                    "{}: {} before the file is written, {} writing it (with the page check on \
                     a second thread), `fsync`, the log row",
                    if paged {
                        "copied page by page (the file could not be held still)"
                    } else {
                        "the database file itself (note, checkpoint, read transaction)"
                    },
                    fmt_dur(write),
                    fmt_dur(e.saturating_sub(write))
                );
                backup_bytes = std::fs::metadata(&out).map_or(0, |m| m.len());
                if i > 0 {
                    backup_t.push(e);
                }
                match &kept {
                    None => kept = Some(out),
                    Some(_) => std::fs::remove_file(&out).unwrap_or_else(|e| die(&format!("{e}"))),
                }
            } else {
                let to = out_dir.join(format!("cp{i}"));
                let t = Instant::now();
                copy_and_sync(&files, &to);
                let e = t.elapsed();
                std::fs::remove_dir_all(&to).unwrap_or_else(|e| die(&format!("{e}")));
                if i > 0 {
                    copy_t.push(e);
                }
            }
        }
    }
    admin.lock();
    let copy_median = median(&mut copy_t);
    report.push(Row::ratio(
        &format!(
            "10a. Backup of the ten-year store ({history} screenings, {:.0} MiB): `backup_to_with_progress`",
            store_bytes as f64 / (1024.0 * 1024.0)
        ),
        median(&mut backup_t),
        "`cp` of the data folder's files to the same file system, then `fsync` of each and of the folder",
        copy_median,
        3.0,
        format!(
            "{ROUNDS} each after one warm-up, alternating; backup file {:.0} MiB; the last backup: \
             {split}; {reports} progress reports each, checked (never back, ending at the total). \
             Store seeded once in {} ({}), cached",
            backup_bytes as f64 / (1024.0 * 1024.0),
            seeded.seeding,
            seeded.size
        ),
    ));

    // A restore of that backup into an empty folder: what the lock screen's restore does.
    let file = kept.unwrap_or_else(|| die("no backup kept"));
    let mut restore_t = Vec::new();
    let mut restore_reports = 0;
    for i in 0..3 {
        let target = tmp.path().join(format!("restored{i}"));
        let mut seen = Vec::new();
        let t = Instant::now();
        let (store, _) = ok(
            Store::restore_with_origin_progress(
                &target,
                &file,
                varna_core::store::RestoreCredential::Passphrase {
                    username: ADMIN,
                    passphrase: PASS,
                },
                |p| seen.push(p),
            ),
            "restore",
        );
        restore_t.push(t.elapsed());
        store.lock();
        check_progress("restore", &seen);
        restore_reports = seen.len();
        let _ = std::fs::remove_dir_all(&target);
    }
    report.push(Row::info(
        "10 (detail). Restore of that backup into an empty folder (`restore_with_origin_progress`: checksum, `integrity_check`, key derivation, sign-in)",
        median(&mut restore_t),
        "the baseline copy of row 10a",
        copy_median,
        format!("3 runs; {restore_reports} progress reports each, checked"),
    ));
    match anchors_before {
        Some(v) => std::env::set_var("VARNA_ANCHOR_DIR", v),
        None => std::env::remove_var("VARNA_ANCHOR_DIR"),
    }
    stall_rows(stall, report);
}

/// Rows 10b and 10c from the end-to-end benchmark's file: `{app, unlock: {max_ms, samples},
/// backup: {max_ms, samples}, store}`.
fn stall_rows(file: &Path, report: &mut Report) {
    let names = [
        "10b. Longest main-thread stall of the release app during an unlock of the ten-year store",
        "10c. Longest main-thread stall of the release app during a backup of the ten-year store (from the UI)",
    ];
    let parsed = std::fs::read(file)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).map_err(|e| e.to_string()));
    let v = match parsed {
        Ok(v) => v,
        Err(e) => {
            let why = format!(
                "{}: {e} (make bench writes it with the end-to-end benchmark \
                 main_thread_stall_benchmark on the release app)",
                file.display()
            );
            for name in names {
                report.push(Row::not_run(name, &why));
            }
            return;
        }
    };
    let app = v["app"].as_str().unwrap_or("the app");
    let idle = &v["idle"];
    let idle_note = match idle["max_ms"].as_f64() {
        Some(m) => format!(
            "; for comparison, 2 s with nothing to do in the same run: longest {m:.1} ms, p99 {:.1} ms",
            idle["p99_ms"].as_f64().unwrap_or(0.0)
        ),
        None => String::new(),
    };
    for (name, key) in names.into_iter().zip(["unlock", "backup"]) {
        let w = &v[key];
        let (Some(max), Some(n)) = (w["max_ms"].as_f64(), w["samples"].as_u64()) else {
            report.push(Row::not_run(
                name,
                &format!("no {key} samples in {}", file.display()),
            ));
            continue;
        };
        report.push(Row::absolute(
            name,
            Duration::from_secs_f64(max / 1000.0),
            Duration::from_millis(50),
            format!(
                "{n} pings of the main thread (`run_on_main_thread` every 5 ms, the wait until it ran) \
                 over the {} of {app}; p99 {:.1} ms; the page's longest frame gap {:.0} ms{idle_note}",
                fmt_dur(Duration::from_secs_f64(w["window_ms"].as_f64().unwrap_or(0.0) / 1000.0)),
                w["p99_ms"].as_f64().unwrap_or(0.0),
                w["frame_gap_ms"].as_f64().unwrap_or(0.0),
            ),
        ));
    }
}
