//! Embeds the git commit for the About view (`build-support/git_commit.rs`) and builds the
//! app's command manifest from `commands.json`, which `src/contract.rs` generates from the one
//! list of commands (a test fails when it is stale).

include!("../build-support/git_commit.rs");

fn main() {
    embed_git_commit();
    println!("cargo:rerun-if-changed=commands.json");
    let list = std::fs::read_to_string("commands.json").expect("src-tauri/commands.json");
    let names: Vec<String> = serde_json::from_str(&list).expect("commands.json: a list of names");
    let commands: Vec<&'static str> = names
        .into_iter()
        .map(|name| &*Box::leak(name.into_boxed_str()))
        .collect();
    assert!(!commands.is_empty(), "commands.json lists no command");
    // Declaring the app's own commands in an app manifest makes Tauri's ACL check them:
    // a command is callable from the webview only if a capability grants `allow-<command>`.
    let commands: &'static [&'static str] = Box::leak(commands.into_boxed_slice());
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("failed to run tauri-build");
}
