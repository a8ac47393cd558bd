//! Embeds the git commit for `varna --version` (see `build-support/git_commit.rs`).

include!("../../build-support/git_commit.rs");

fn main() {
    embed_git_commit();
}
