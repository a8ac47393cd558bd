//! The installation's Ed25519 signing key for export files.
//!
//! The key pair is generated once per installation; the store keeps its PKCS#8 bytes inside
//! the encrypted database and hands them to [`InstallationKey::from_pkcs8`] while unlocked.
//! This module never writes the key anywhere.

use std::fmt;

use ring::rand::SystemRandom;
use ring::signature::{self, Ed25519KeyPair, KeyPair};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// An installation's Ed25519 key pair.
pub struct InstallationKey {
    pkcs8: Zeroizing<Vec<u8>>,
    pair: Ed25519KeyPair,
}

impl InstallationKey {
    /// Generates a new key pair from the operating system's random source.
    pub fn generate() -> Result<Self> {
        let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| Error::Internal("could not generate an Ed25519 key pair".into()))?;
        Self::from_pkcs8(Zeroizing::new(doc.as_ref().to_vec()))
    }

    /// Loads a key pair from its PKCS#8 (v2) bytes, as produced by [`Self::pkcs8`].
    pub fn from_pkcs8(pkcs8: Zeroizing<Vec<u8>>) -> Result<Self> {
        let pair = Ed25519KeyPair::from_pkcs8(&pkcs8)
            .map_err(|_| Error::Corrupt("the installation's signing key is damaged".into()))?;
        Ok(InstallationKey { pkcs8, pair })
    }

    /// The PKCS#8 bytes, for the store to keep (encrypted).
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public half, which every export file carries.
    pub fn public_key(&self) -> PublicKey {
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(self.pair.public_key().as_ref());
        PublicKey(bytes)
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        let mut sig = [0u8; 64];
        sig.copy_from_slice(self.pair.sign(message).as_ref());
        sig
    }
}

impl fmt::Debug for InstallationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstallationKey")
            .field("public_key", &self.public_key())
            .finish_non_exhaustive()
    }
}

/// An Ed25519 public key (32 bytes), written as 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key as 64 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 lower-case hex digits.
    pub fn from_hex(s: &str) -> Result<Self> {
        let bytes = strict_hex::<32>(s).ok_or_else(|| {
            Error::InvalidInput("a public key must be 64 lower-case hex digits".into())
        })?;
        Ok(PublicKey(bytes))
    }

    /// A short, readable fingerprint of the key to compare by phone or in person before
    /// trusting it: the first 80 bits of SHA-256 over the key, as five groups of four
    /// upper-case hex digits ("3F9A 12C4 8B0E 77D1 A2C9"). Finding a second key with the same
    /// fingerprint takes about 2^80 work.
    pub fn fingerprint(&self) -> String {
        let digest = ring::digest::digest(&ring::digest::SHA256, &self.0);
        let hex = hex::encode_upper(&digest.as_ref()[..10]);
        hex.as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub(crate) fn verify(&self, message: &[u8], sig: &[u8; 64]) -> bool {
        signature::UnparsedPublicKey::new(&signature::ED25519, &self.0)
            .verify(message, sig)
            .is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// Decodes exactly `N` bytes from lower-case hex (upper case is refused so that every value
/// has one spelling).
pub(crate) fn strict_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N || !s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_survives_the_round_trip_through_its_pkcs8_bytes() {
        let key = InstallationKey::generate().unwrap();
        let again = InstallationKey::from_pkcs8(Zeroizing::new(key.pkcs8().to_vec())).unwrap();
        assert_eq!(key.public_key(), again.public_key());
        let sig = again.sign(b"month counts");
        assert!(key.public_key().verify(b"month counts", &sig));
        assert!(!key.public_key().verify(b"month count5", &sig));
    }

    #[test]
    fn damaged_key_bytes_are_refused() {
        let err = InstallationKey::from_pkcs8(Zeroizing::new(vec![1, 2, 3])).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Corrupt);
    }

    #[test]
    fn debug_output_shows_only_the_public_half() {
        let key = InstallationKey::generate().unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains(&key.public_key().to_hex()));
        assert!(!shown.contains(&hex::encode(key.pkcs8())));
    }

    #[test]
    fn fingerprints_are_short_stable_and_differ_between_keys() {
        let a = InstallationKey::generate().unwrap().public_key();
        let b = InstallationKey::generate().unwrap().public_key();
        let fa = a.fingerprint();
        assert_eq!(fa.len(), 24, "{fa}");
        assert_eq!(fa.split(' ').count(), 5);
        assert!(fa
            .chars()
            .all(|c| c == ' ' || c.is_ascii_hexdigit() && !c.is_ascii_lowercase()));
        assert_eq!(fa, a.fingerprint());
        assert_ne!(fa, b.fingerprint());
        // A known vector: SHA-256 of 32 zero bytes starts 66687aadf862bd776c8f.
        assert_eq!(PublicKey([0; 32]).fingerprint(), "6668 7AAD F862 BD77 6C8F");
    }

    #[test]
    fn public_keys_have_one_spelling() {
        let key = InstallationKey::generate().unwrap().public_key();
        assert_eq!(PublicKey::from_hex(&key.to_hex()).unwrap(), key);
        assert!(PublicKey::from_hex(&key.to_hex().to_uppercase()).is_err());
        assert!(PublicKey::from_hex("abcd").is_err());
    }
}
