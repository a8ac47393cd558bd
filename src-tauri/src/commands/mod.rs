//! Commands the webview may call, one module per group. Each command is listed in
//! `build.rs` (the app manifest) and granted in `capabilities/main.json`; anything not
//! granted is refused by Tauri's ACL. Every command except `quit` is `async`: Tauri 2 runs a
//! plain `fn` command on the main thread, where waiting for the store (or a slow operation)
//! would freeze the window.

pub mod accounts;
pub mod admin;
pub mod document;
pub mod files;
pub mod instruments;
pub mod review;
pub mod screening;
pub mod session;
pub mod stats;

#[cfg(test)]
mod tests {
    /// Tauri 2 runs a plain `fn` command on the main thread: every command but `quit` must be
    /// `async`, so nothing that waits for the store can freeze the window.
    #[test]
    fn no_command_but_quit_runs_on_the_main_thread() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands");
        let (mut plain, mut asynchronous) = (Vec::new(), 0);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let mut lines = text.lines();
            while let Some(line) = lines.next() {
                if line.trim() != "#[tauri::command]" {
                    continue;
                }
                let decl = lines
                    .by_ref()
                    .find(|l| !l.trim_start().starts_with("#["))
                    .unwrap_or_default();
                if decl.contains("async fn ") {
                    asynchronous += 1;
                } else if !decl.contains("fn quit(") {
                    plain.push(format!("{}: {decl}", path.display()));
                }
            }
        }
        assert!(plain.is_empty(), "plain fn commands: {plain:#?}");
        assert!(asynchronous > 40, "only {asynchronous} commands found");
    }
}
