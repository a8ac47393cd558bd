// Shared by the build scripts of the app (`src-tauri/build.rs`) and the CLI
// (`crates/varna-cli/build.rs`), which `include!` it: embeds the git commit the binary is
// built from as the compile-time environment variable `VARNA_GIT_COMMIT`, shown by
// `varna --version` and the app's About view.
//
// `VARNA_GIT_COMMIT` set in the build environment wins (a build from a source archive, or a
// packaging machine that knows the commit); otherwise `git rev-parse --short=12 HEAD` in
// the source tree; without git or outside a checkout: `unknown`. The build script runs
// again when HEAD moves (a commit, a checkout), so the embedded commit stays current.

/// Prints the `cargo:` lines that embed the commit as `VARNA_GIT_COMMIT`.
fn embed_git_commit() {
    println!("cargo:rerun-if-env-changed=VARNA_GIT_COMMIT");
    let commit = std::env::var("VARNA_GIT_COMMIT")
        .ok()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .or_else(git_head)
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=VARNA_GIT_COMMIT={commit}");
}

/// The short commit of HEAD, with `rerun-if-changed` on the files that name it.
fn git_head() -> Option<String> {
    let commit = git(&["rev-parse", "--short=12", "HEAD"])?;
    if commit.is_empty() || !commit.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    // HEAD itself (a checkout), the branch it points to (a commit), packed refs (a gc).
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    let here = std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--git-path", &name]) {
            // `--git-path` may answer relative to `here`.
            let path = here.join(path);
            // A path that does not exist would make Cargo run this script at every build.
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    Some(commit)
}

fn git(args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(std::env::var_os("CARGO_MANIFEST_DIR")?)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
}
