//! A passphrase or recovery key as it arrives from the webview.

use secrecy::{ExposeSecret, SecretString};

/// Zeroized on drop and never printed (`Debug` shows nothing); a plain `string` in the
/// generated TypeScript.
#[derive(serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(SecretString);

impl Secret {
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl specta::Type for Secret {
    fn inline(types: &mut specta::TypeCollection, generics: specta::Generics) -> specta::DataType {
        <String as specta::Type>::inline(types, generics)
    }
}
