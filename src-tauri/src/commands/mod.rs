//! Commands the webview may call, one module per group. Each command is listed in
//! `build.rs` (the app manifest) and granted in `capabilities/main.json`; anything not
//! granted is refused by Tauri's ACL.

pub mod accounts;
pub mod admin;
pub mod instruments;
pub mod review;
pub mod screening;
pub mod session;
pub mod stats;
