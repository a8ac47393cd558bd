//! Värna's domain core.
//!
//! Everything that matters about Värna lives here: instrument definitions and their
//! validation, the encrypted store, key handling, screenings and statistics. The crate
//! has no dependency on Tauri or any UI toolkit (see `docs/ARCHITECTURE.md`), so the
//! desktop shell (`src-tauri`) and the CLI (`crates/varna-cli`) stay thin adapters.

pub mod audit;
pub mod error;

pub use error::{Error, ErrorCode};

/// The version of the core, shown by `varna --version` and in the app's about line.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub mod datadir;
pub mod export;
pub mod files;
pub mod idle;
pub mod indicator;
pub mod instrument;
pub mod retention;
pub mod review;
pub mod screening;
pub mod stats;
pub mod store;
