//! Feeds arbitrary bytes to the instrument loader. It must never panic: a bad file is
//! reported with diagnostics, and every diagnostic points inside the file.
//!
//! Run: `cargo +nightly fuzz run instrument_loader -- -max_total_time=60` from the repository
//! root (seeds: `instruments/*/*.toml` and the malformed corpus make good starting points).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match varna_core::instrument::load_str("fuzz/1.0.0.toml", text) {
        Ok(loaded) => {
            // A loaded definition must evaluate without answers.
            let _ = varna_core::instrument::evaluate(&loaded.definition, &Default::default());
        }
        Err(diags) => {
            assert!(!diags.is_empty());
            let lines = text.lines().count().max(1) + 1;
            for d in diags {
                assert!(d.line >= 1 && d.line <= lines && d.col >= 1, "{d}");
            }
        }
    }
});
