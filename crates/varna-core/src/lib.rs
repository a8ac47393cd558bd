//! Värna's domain core.
//!
//! Everything that matters about Värna lives here: instrument definitions and their
//! validation, the encrypted store, key handling, screenings and statistics. The crate
//! has no dependency on Tauri or any UI toolkit (see `docs/ARCHITECTURE.md`), so the
//! desktop shell (`src-tauri`) and the CLI (`crates/varna-cli`) stay thin adapters.

mod access;
pub mod audit;
mod contract;
mod db;
pub mod error;
mod fsutil;

pub use error::{Error, ErrorCode};

/// The version of the core, shown by `varna --version` and in the app's about line.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The version of the SQLCipher linked into the core (`PRAGMA cipher_version`, e.g.
/// `4.6.1 community`), shown by `varna --version` and the app's About view; `None` when the
/// SQLite linked is not SQLCipher (the store then refuses to open anything).
pub fn sqlcipher_version() -> Option<&'static str> {
    static VERSION: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    VERSION.get_or_init(db::sqlcipher_version).as_deref()
}

pub mod datadir;
pub mod document;
pub mod export;
pub mod files;
pub mod idle;
pub mod indicator;
pub mod instrument;
pub mod page;
pub mod progress;
pub mod retention;
pub mod review;
pub mod screening;
pub mod stats;
pub mod store;

#[cfg(test)]
mod tests {
    #[test]
    fn sqlcipher_version_names_sqlcipher_4() {
        let v = super::sqlcipher_version().expect("SQLCipher is linked");
        assert!(v.starts_with("4."), "unexpected SQLCipher version {v:?}");
        assert_eq!(super::sqlcipher_version(), Some(v), "computed once");
    }
}
