//! The key file (`varna.keys`): one slot per account and one for the recovery key, each
//! wrapping the same random 256-bit database key.
//!
//! A passphrase slot derives its wrapping key with Argon2id (parameters stored in the
//! slot); the recovery slot uses HKDF-SHA256, because the recovery key already has 256 bits
//! of entropy and needs no stretching. The database key is sealed with ChaCha20-Poly1305
//! under a random nonce, with the store id and slot id as associated data, so a slot cannot
//! be moved to another store or another account unnoticed.
//!
//! The file holds no names: a passphrase slot is found by a salted SHA-256 tag of the
//! username. Its layout is one header line with a SHA-256 checksum of the body, then the
//! JSON body, so a truncated or damaged file is told apart from a wrong passphrase.

use std::fs;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305};
use ring::digest;
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::fsutil;
use crate::error::{Error, Result};

/// The key file's name inside the data folder.
pub(crate) const KEY_FILE: &str = "varna.keys";
/// The backup copy, rewritten after every change of the key file.
pub(crate) const KEY_FILE_BACKUP: &str = "varna.keys.bak";
/// The slot id of the recovery key.
pub(crate) const RECOVERY_SLOT: &str = "recovery";

const HEADER_PREFIX: &str = "varna-keys v1 sha256=";
const FORMAT_VERSION: u32 = 1;

/// Argon2id cost parameters, stored per slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Iterations.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// OWASP's minimum recommendation for Argon2id (m = 19 MiB, t = 2, p = 1). New slots use
    /// this; stronger parameters in an existing slot are honoured.
    pub const OWASP_MINIMUM: KdfParams = KdfParams {
        m_kib: 19_456,
        t: 2,
        p: 1,
    };

    /// Refuses parameters weaker than OWASP's minimum, and absurd ones that would make an
    /// unlock take minutes or exhaust memory (a damaged or tampered key file).
    fn check(&self) -> Result<()> {
        let strong_enough = self.m_kib >= Self::OWASP_MINIMUM.m_kib && self.t >= 2 && self.p >= 1;
        let sane = self.m_kib <= 4 * 1024 * 1024 && self.t <= 64 && self.p <= 64;
        if strong_enough && sane {
            Ok(())
        } else {
            Err(Error::Corrupt(
                "the key file has key-derivation parameters outside the allowed range".into(),
            ))
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "alg", rename_all = "kebab-case")]
enum Kdf {
    Argon2id {
        #[serde(flatten)]
        params: KdfParams,
        salt: String,
    },
    HkdfSha256 {
        salt: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Slot {
    /// The account id, or [`RECOVERY_SLOT`].
    pub(crate) id: String,
    /// Salted SHA-256 of the normalised username (passphrase slots only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_tag: Option<String>,
    kdf: Kdf,
    aead: String,
    nonce: String,
    wrapped: String,
}

/// The MAC SQLCipher puts on every page of the database (and of its backups). The key file
/// says which one its database uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum PageMac {
    /// SQLCipher 4's default. Stores set up before the key file named its page MAC use it.
    #[default]
    HmacSha512,
    /// What new stores use: a MAC as strong for this purpose (256-bit tags, 256-bit keys)
    /// and about twice as fast on processors with SHA extensions, which every autosave
    /// feels (docs/BENCHMARKS.md).
    HmacSha256,
}

impl PageMac {
    /// The `PRAGMA [schema.]cipher_hmac_algorithm` statement that selects it.
    pub(crate) fn pragma(self, schema: &str) -> String {
        let name = match self {
            PageMac::HmacSha512 => "HMAC_SHA512",
            PageMac::HmacSha256 => "HMAC_SHA256",
        };
        format!("PRAGMA {schema}.cipher_hmac_algorithm = {name};")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct KeyFile {
    format: String,
    version: u32,
    /// Absent in key files written before it existed: those stores use the old default.
    #[serde(default)]
    pub(crate) page_mac: PageMac,
    /// Random id of this store, bound into every slot.
    pub(crate) store_id: String,
    /// Salt for the username tags.
    user_tag_salt: String,
    slots: Vec<Slot>,
}

/// Where a key file was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadFrom {
    Primary,
    Backup,
}

pub(crate) type DbKey = Zeroizing<[u8; 32]>;

pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| Error::Internal("the system random source failed".into()))?;
    Ok(out)
}

/// A new random database key.
pub(crate) fn new_db_key() -> Result<DbKey> {
    let mut key = Zeroizing::new([0u8; 32]);
    SystemRandom::new()
        .fill(key.as_mut())
        .map_err(|_| Error::Internal("the system random source failed".into()))?;
    Ok(key)
}

impl KeyFile {
    pub(crate) fn new(store_id: String) -> Result<Self> {
        Ok(Self {
            format: "varna-keys".into(),
            version: FORMAT_VERSION,
            page_mac: PageMac::HmacSha256,
            store_id,
            user_tag_salt: hex::encode(random_bytes::<16>()?),
            slots: Vec::new(),
        })
    }

    pub(crate) fn path(data_dir: &Path) -> PathBuf {
        data_dir.join(KEY_FILE)
    }

    pub(crate) fn backup_path(data_dir: &Path) -> PathBuf {
        data_dir.join(KEY_FILE_BACKUP)
    }

    /// Whether the folder has a key file (or its backup copy).
    pub(crate) fn exists(data_dir: &Path) -> bool {
        Self::path(data_dir).exists() || Self::backup_path(data_dir).exists()
    }

    /// Reads the key file, falling back to the backup copy when the primary is missing or
    /// damaged.
    pub(crate) fn read(data_dir: &Path) -> Result<(Self, ReadFrom)> {
        let primary = Self::read_one(&Self::path(data_dir));
        match primary {
            Ok(kf) => Ok((kf, ReadFrom::Primary)),
            Err(primary_err) => match Self::read_one(&Self::backup_path(data_dir)) {
                Ok(kf) => Ok((kf, ReadFrom::Backup)),
                Err(_) => Err(primary_err),
            },
        }
    }

    fn read_one(path: &Path) -> Result<Self> {
        let bytes = match fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotFound(
                    "no Värna key file in this folder; run first-time setup".into(),
                ))
            }
            Err(e) => return Err(fsutil::io_error("reading the key file", e)),
        };
        Self::from_bytes(&bytes)
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let damaged = || Error::Corrupt("the key file is damaged or not a Värna key file".into());
        let newline = bytes.iter().position(|b| *b == b'\n').ok_or_else(damaged)?;
        let header = std::str::from_utf8(&bytes[..newline]).map_err(|_| damaged())?;
        let body = &bytes[newline + 1..];
        let expected = header.strip_prefix(HEADER_PREFIX).ok_or_else(damaged)?;
        let actual = hex::encode(digest::digest(&digest::SHA256, body));
        if expected != actual {
            return Err(damaged());
        }
        let kf: KeyFile = serde_json::from_slice(body).map_err(|_| damaged())?;
        if kf.format != "varna-keys" || kf.version != FORMAT_VERSION {
            return Err(damaged());
        }
        Ok(kf)
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let body = serde_json::to_vec_pretty(self).expect("a key file always serialises");
        let mut out = format!(
            "{HEADER_PREFIX}{}\n",
            hex::encode(digest::digest(&digest::SHA256, &body))
        )
        .into_bytes();
        out.extend_from_slice(&body);
        out
    }

    /// Writes the key file atomically, then its backup copy.
    pub(crate) fn write(&self, data_dir: &Path) -> Result<()> {
        let bytes = self.to_bytes();
        fsutil::atomic_write(&Self::path(data_dir), &bytes, "key file")?;
        fsutil::atomic_write(&Self::backup_path(data_dir), &bytes, "key file backup")
    }

    fn user_tag(&self, username: &str) -> String {
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(b"varna-user-tag-v1\0");
        ctx.update(self.user_tag_salt.as_bytes());
        ctx.update(b"\0");
        ctx.update(username.as_bytes());
        hex::encode(ctx.finish())
    }

    /// The passphrase slot for a (normalised) username.
    pub(crate) fn slot_for_user(&self, username: &str) -> Option<&Slot> {
        let tag = self.user_tag(username);
        self.slots
            .iter()
            .find(|s| s.user_tag.as_deref() == Some(tag.as_str()))
    }

    pub(crate) fn slot(&self, id: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.id == id)
    }

    pub(crate) fn remove_slot(&mut self, id: &str) {
        self.slots.retain(|s| s.id != id);
    }

    #[cfg(test)]
    pub(crate) fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// Adds or replaces the passphrase slot `id` for `username`.
    pub(crate) fn set_passphrase_slot(
        &mut self,
        id: &str,
        username: &str,
        passphrase: &str,
        params: KdfParams,
        db_key: &DbKey,
    ) -> Result<()> {
        let salt = random_bytes::<16>()?;
        let kdf = Kdf::Argon2id {
            params,
            salt: hex::encode(salt),
        };
        let wrapping = derive_argon2(passphrase.as_bytes(), &salt, params)?;
        let mut slot = self.seal(id, kdf, &wrapping, db_key)?;
        slot.user_tag = Some(self.user_tag(username));
        self.remove_slot(id);
        self.slots.push(slot);
        Ok(())
    }

    /// Adds or replaces the recovery slot.
    pub(crate) fn set_recovery_slot(&mut self, recovery: &[u8; 32], db_key: &DbKey) -> Result<()> {
        let salt = random_bytes::<16>()?;
        let wrapping = derive_hkdf(recovery, &salt);
        let slot = self.seal(
            RECOVERY_SLOT,
            Kdf::HkdfSha256 {
                salt: hex::encode(salt),
            },
            &wrapping,
            db_key,
        )?;
        self.remove_slot(RECOVERY_SLOT);
        self.slots.push(slot);
        Ok(())
    }

    fn aad(&self, slot_id: &str) -> Vec<u8> {
        format!("varna-keyslot-v1|{}|{}", self.store_id, slot_id).into_bytes()
    }

    fn seal(&self, id: &str, kdf: Kdf, wrapping: &DbKey, db_key: &DbKey) -> Result<Slot> {
        let nonce = random_bytes::<{ aead::NONCE_LEN }>()?;
        let key = LessSafeKey::new(
            UnboundKey::new(&CHACHA20_POLY1305, wrapping.as_ref())
                .map_err(|_| Error::Internal("could not set up the key wrap".into()))?,
        );
        let mut in_out = Zeroizing::new(db_key.to_vec());
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(self.aad(id)),
            &mut *in_out,
        )
        .map_err(|_| Error::Internal("could not wrap the database key".into()))?;
        Ok(Slot {
            id: id.to_string(),
            user_tag: None,
            kdf,
            aead: "chacha20-poly1305".into(),
            nonce: hex::encode(nonce),
            wrapped: hex::encode(&*in_out),
        })
    }

    /// Derives the wrapping key for `slot` from a passphrase and unwraps the database key.
    /// A wrong passphrase gives [`Error::WrongPassphrase`].
    pub(crate) fn open_with_passphrase(&self, slot: &Slot, passphrase: &str) -> Result<DbKey> {
        let wrapping = match &slot.kdf {
            Kdf::Argon2id { params, salt } => {
                params.check()?;
                let salt = decode_hex(salt)?;
                derive_argon2(passphrase.as_bytes(), &salt, *params)?
            }
            Kdf::HkdfSha256 { .. } => return Err(Error::WrongPassphrase),
        };
        self.unseal(slot, &wrapping)
    }

    /// Unwraps the database key with the recovery key.
    pub(crate) fn open_with_recovery(&self, recovery: &[u8; 32]) -> Result<DbKey> {
        let slot = self.slot(RECOVERY_SLOT).ok_or(Error::WrongPassphrase)?;
        let wrapping = match &slot.kdf {
            Kdf::HkdfSha256 { salt } => derive_hkdf(recovery, &decode_hex(salt)?),
            Kdf::Argon2id { .. } => return Err(Error::WrongPassphrase),
        };
        self.unseal(slot, &wrapping)
    }

    fn unseal(&self, slot: &Slot, wrapping: &DbKey) -> Result<DbKey> {
        if slot.aead != "chacha20-poly1305" {
            return Err(Error::Corrupt("the key file uses an unknown cipher".into()));
        }
        let nonce: [u8; aead::NONCE_LEN] = decode_hex(&slot.nonce)?
            .try_into()
            .map_err(|_| Error::Corrupt("the key file is damaged".into()))?;
        let key = LessSafeKey::new(
            UnboundKey::new(&CHACHA20_POLY1305, wrapping.as_ref())
                .map_err(|_| Error::Internal("could not set up the key wrap".into()))?,
        );
        let mut in_out = Zeroizing::new(decode_hex(&slot.wrapped)?);
        let plain = key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(self.aad(&slot.id)),
                &mut in_out,
            )
            .map_err(|_| Error::WrongPassphrase)?;
        let mut out = Zeroizing::new([0u8; 32]);
        if plain.len() != 32 {
            return Err(Error::Corrupt("the key file is damaged".into()));
        }
        out.copy_from_slice(plain);
        Ok(out)
    }
}

/// Spends the same effort as a real unlock, so an unknown username cannot be told from a
/// wrong passphrase by timing.
pub(crate) fn dummy_derivation(passphrase: &str) {
    let _ = derive_argon2(passphrase.as_bytes(), &[0u8; 16], KdfParams::OWASP_MINIMUM);
}

fn derive_argon2(secret: &[u8], salt: &[u8], params: KdfParams) -> Result<DbKey> {
    let p = Params::new(params.m_kib, params.t, params.p, Some(32))
        .map_err(|_| Error::Corrupt("the key file has invalid key-derivation parameters".into()))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, p)
        .hash_password_into(secret, salt, out.as_mut())
        .map_err(|_| Error::Internal("key derivation failed".into()))?;
    Ok(out)
}

struct Len32;
impl hkdf::KeyType for Len32 {
    fn len(&self) -> usize {
        32
    }
}

fn derive_hkdf(secret: &[u8; 32], salt: &[u8]) -> DbKey {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(secret);
    let mut out = Zeroizing::new([0u8; 32]);
    prk.expand(&[b"varna-recovery-wrap-v1"], Len32)
        .and_then(|okm| okm.fill(out.as_mut()))
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    out
}

fn decode_hex(s: &str) -> Result<Vec<u8>> {
    hex::decode(s).map_err(|_| Error::Corrupt("the key file is damaged".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_file_with_alice() -> (KeyFile, DbKey) {
        let db_key = new_db_key().unwrap();
        let mut kf = KeyFile::new("store-1".into()).unwrap();
        kf.set_passphrase_slot(
            "acct-1",
            "alice",
            "alice passphrase",
            KdfParams::OWASP_MINIMUM,
            &db_key,
        )
        .unwrap();
        (kf, db_key)
    }

    #[test]
    fn a_passphrase_slot_unwraps_the_key_only_with_its_passphrase() {
        let (kf, db_key) = key_file_with_alice();
        let slot = kf.slot_for_user("alice").unwrap();
        assert_eq!(
            *kf.open_with_passphrase(slot, "alice passphrase").unwrap(),
            *db_key
        );
        let err = kf.open_with_passphrase(slot, "wrong").unwrap_err();
        assert!(matches!(err, Error::WrongPassphrase));
        assert!(kf.slot_for_user("bob").is_none());
    }

    #[test]
    fn a_slot_moved_to_another_id_does_not_open() {
        let (mut kf, _) = key_file_with_alice();
        kf.slots[0].id = "acct-2".into();
        let slot = kf.slots[0].clone();
        assert!(matches!(
            kf.open_with_passphrase(&slot, "alice passphrase"),
            Err(Error::WrongPassphrase)
        ));
    }

    #[test]
    fn the_file_round_trips_and_a_flipped_byte_is_reported_as_damage() {
        let (kf, _) = key_file_with_alice();
        let bytes = kf.to_bytes();
        let back = KeyFile::from_bytes(&bytes).unwrap();
        assert_eq!(back.slot_count(), 1);
        let mut broken = bytes.clone();
        let last = broken.len() - 5;
        broken[last] ^= 0x01;
        assert!(matches!(
            KeyFile::from_bytes(&broken),
            Err(Error::Corrupt(_))
        ));
        assert!(matches!(
            KeyFile::from_bytes(&bytes[..bytes.len() / 2]),
            Err(Error::Corrupt(_))
        ));
    }

    #[test]
    fn weak_parameters_are_refused() {
        let weak = KdfParams {
            m_kib: 1024,
            t: 1,
            p: 1,
        };
        assert!(weak.check().is_err());
        assert!(KdfParams::OWASP_MINIMUM.check().is_ok());
    }

    #[test]
    fn the_recovery_slot_opens_with_the_recovery_key() {
        let (mut kf, db_key) = key_file_with_alice();
        let recovery = [7u8; 32];
        kf.set_recovery_slot(&recovery, &db_key).unwrap();
        assert_eq!(*kf.open_with_recovery(&recovery).unwrap(), *db_key);
        assert!(matches!(
            kf.open_with_recovery(&[8u8; 32]),
            Err(Error::WrongPassphrase)
        ));
    }
}
