fn main() {
    // Declaring the app's own commands in an app manifest makes Tauri's ACL check them:
    // a command is callable from the webview only if a capability grants `allow-<command>`.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(&["app_info"])),
    )
    .expect("failed to run tauri-build");
}
