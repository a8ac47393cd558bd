//! How the webview paints (Linux).
//!
//! WebKitGTK composites the page with OpenGL by default. Without a GPU (virtual desktops,
//! many municipal thin clients, and the machines `make bench` runs on) that GL is emulated on
//! the CPU (Mesa's llvmpipe), and every frame whose layout changed costs 100–300 ms: an answer
//! that adds the "Rensa" button to its row froze the interview for that long (benchmark 9,
//! docs/BENCHMARKS.md). Värna's screens are forms, text and one 2-D chart, which WebKit paints
//! directly without compositing, in one frame. So the shell turns compositing off
//! (`HardwareAccelerationPolicy::Never`) unless `VARNA_GPU_COMPOSITING=1` asks to keep
//! WebKit's default, for a machine where that is measured to be better.

/// The environment variable that keeps WebKit's own (GPU) compositing policy.
pub const KEEP_GPU_COMPOSITING: &str = "VARNA_GPU_COMPOSITING";

/// Whether the webviews composite without GL: `false` only when `VARNA_GPU_COMPOSITING=1`.
pub fn paint_without_gl(env: Option<&std::ffi::OsStr>) -> bool {
    env.is_none_or(|v| v != "1")
}

/// Applies the paint policy to every webview of the app.
pub fn configure<R: tauri::Runtime>(app: &tauri::App<R>) -> tauri::Result<()> {
    use tauri::Manager;
    if !paint_without_gl(std::env::var_os(KEEP_GPU_COMPOSITING).as_deref()) {
        return Ok(());
    }
    for window in app.webview_windows().into_values() {
        window.with_webview(|webview| {
            #[cfg(target_os = "linux")]
            {
                use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
                if let Some(settings) = WebViewExt::settings(&webview.inner()) {
                    settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
                }
            }
            #[cfg(not(target_os = "linux"))]
            let _ = webview;
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn compositing_is_off_unless_asked_for() {
        assert!(paint_without_gl(None));
        assert!(paint_without_gl(Some(OsStr::new("0"))));
        assert!(paint_without_gl(Some(OsStr::new(""))));
        assert!(!paint_without_gl(Some(OsStr::new("1"))));
    }
}
