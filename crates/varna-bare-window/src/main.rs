//! Benchmark 4's baseline: the least a Tauri 2 window can be. Its page focuses a field and
//! calls one command, which prints `varna-ready bare <ms since start>` on stdout, the same
//! signal Värna's shell prints when its unlock screen is ready (`VARNA_REPORT_READY=1`).
//! Built with the same Tauri version and features as the app, in the same benchmark run, and
//! painting the way the app paints (no GL compositing on Linux, `src-tauri/src/render.rs`),
//! so that the comparison measures what Värna adds and not a different paint path.

use std::io::Write;
use std::sync::OnceLock;
use std::time::Instant;

static STARTED: OnceLock<Instant> = OnceLock::new();

#[tauri::command]
fn ready(screen: String) {
    let ms = STARTED.get().map_or(0, |s| s.elapsed().as_millis());
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "varna-ready {screen} {ms}");
    let _ = out.flush();
}

fn main() {
    STARTED.get_or_init(Instant::now);
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ready])
        .setup(|app| {
            use tauri::Manager;
            if std::env::var_os("VARNA_GPU_COMPOSITING").is_none_or(|v| v != "1") {
                for window in app.webview_windows().into_values() {
                    window.with_webview(|webview| {
                        #[cfg(target_os = "linux")]
                        {
                            use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
                            if let Some(s) = WebViewExt::settings(&webview.inner()) {
                                s.set_hardware_acceleration_policy(
                                    HardwareAccelerationPolicy::Never,
                                );
                            }
                        }
                        #[cfg(not(target_os = "linux"))]
                        let _ = webview;
                    })?;
                }
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("varna-bare-window: could not start: {e}");
            std::process::exit(1);
        });
}
