//! The key file (`varna.keys`): one slot per account and one for the recovery key, each
//! giving access to the same random 256-bit database key.
//!
//! **Slots (format v2).** Every slot has its own X25519 key pair. The database key is sealed
//! to the slot's public key with HPKE (RFC 9180: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
//! ChaCha20-Poly1305, base mode; the `hpke` crate), so the database key can be *re-keyed*
//! and re-sealed to every remaining slot without anyone's passphrase: that is what makes
//! revoking a departed colleague possible (see `Store::rekey`). The slot's private key is
//! protected by its secret:
//! - a passphrase slot derives a wrapping key with Argon2id (parameters stored in the slot,
//!   [`KdfParams::CURRENT`] for new slots) and seals the private key with ChaCha20-Poly1305
//!   (ring) under a random nonce, with the store id and slot id as associated data;
//! - the recovery slot derives its key pair from the recovery key with HKDF-SHA256 (the
//!   recovery key already has 256 bits of entropy and needs no stretching).
//!
//! The HPKE `info` binds the store id and slot id, so a slot cannot be moved to another
//! store or another account unnoticed. Format v1 slots (the database key sealed directly
//! under the passphrase-derived key) are still read; each is replaced by a v2 slot with the
//! current parameters at its account's next successful unlock.
//!
//! **Beside the slots** the file keeps, covered by its checksum: the key epoch (how many
//! times the database was re-keyed), the failed-unlock record per account ([`Throttle`]),
//! and the anchor of the access log's head ([`Anchor`], MAC'd with a key derived from the
//! database key), so a database rolled back behind the key file is noticed.
//!
//! The file holds no names: a passphrase slot is found by a salted SHA-256 tag of the
//! username. Its layout is one header line with a SHA-256 checksum of the body, then the
//! JSON body, so a truncated or damaged file is told apart from a wrong passphrase.

use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305};
use ring::digest;
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::fsutil;
pub(crate) use crate::db::{DbKey, PageMac};
use crate::error::{Error, Result};

/// The key file's name inside the data folder.
pub(crate) const KEY_FILE: &str = "varna.keys";
/// The backup copy, rewritten after every change of the key file.
pub(crate) const KEY_FILE_BACKUP: &str = "varna.keys.bak";
/// The slot id of the recovery key.
pub(crate) const RECOVERY_SLOT: &str = "recovery";

const HEADER_PREFIX: &str = "varna-keys v1 sha256=";
/// The format written now. Version 1 files (no key pairs, no throttle, no anchor) are read.
const FORMAT_VERSION: u32 = 2;
const OLDEST_FORMAT_VERSION: u32 = 1;
/// At most this many failed-unlock records are kept (one per username tried).
const MAX_THROTTLE_RECORDS: usize = 256;

type Kem = hpke::kem::X25519HkdfSha256;
type HpkeKdf = hpke::kdf::HkdfSha256;
type HpkeAead = hpke::aead::ChaCha20Poly1305;

/// Argon2id cost parameters, stored per slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Iterations.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// OWASP's minimum recommendation for Argon2id (m = 19 MiB, t = 2, p = 1). The weakest
    /// parameters a slot may have; slots this weak (made before [`KdfParams::CURRENT`]) are
    /// upgraded at their next successful unlock.
    pub const OWASP_MINIMUM: KdfParams = KdfParams {
        m_kib: 19_456,
        t: 2,
        p: 1,
    };

    /// What new slots use: m = 64 MiB, t = 3, p = 1 (RFC 9106's second recommended option
    /// with one lane, since the derivation runs on one thread). Measured on the project's
    /// 2-core machine in a release build: about 0.2 s per derivation (docs/SECURITY.md).
    pub const CURRENT: KdfParams = KdfParams {
        m_kib: 65_536,
        t: 3,
        p: 1,
    };

    /// Whether a slot with these parameters should be re-derived with [`KdfParams::CURRENT`].
    pub fn weaker_than_current(&self) -> bool {
        self.m_kib < Self::CURRENT.m_kib || self.t < Self::CURRENT.t
    }

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

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
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

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub(crate) struct Slot {
    /// The account id, or [`RECOVERY_SLOT`].
    pub(crate) id: String,
    /// Salted SHA-256 of the normalised username (passphrase slots only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_tag: Option<String>,
    kdf: Kdf,
    aead: String,
    /// v1: nonce of the wrapped database key. v2 passphrase slot: nonce of the wrapped
    /// private key. v2 recovery slot: empty.
    nonce: String,
    /// v1: the wrapped database key. v2 passphrase slot: the wrapped X25519 private key.
    /// v2 recovery slot: empty.
    wrapped: String,
    /// v2: the slot's X25519 public key (hex). Absent in v1 slots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    public: Option<String>,
    /// v2: the database key sealed to `public` with HPKE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed: Option<SealedKey>,
}

/// The database key sealed to a slot's public key (HPKE single-shot).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
struct SealedKey {
    /// The encapsulated key (hex).
    enc: String,
    /// The ciphertext with its tag (hex).
    ct: String,
}

impl Slot {
    /// The slot's Argon2id parameters (passphrase slots).
    #[cfg(test)]
    pub(crate) fn kdf_params(&self) -> Option<KdfParams> {
        match &self.kdf {
            Kdf::Argon2id { params, .. } => Some(*params),
            Kdf::HkdfSha256 { .. } => None,
        }
    }

    /// Whether this slot is of the old format that cannot be re-sealed without its secret.
    pub(crate) fn is_legacy(&self) -> bool {
        self.public.is_none()
    }

    /// Whether this passphrase slot should be replaced at its next unlock (old format or
    /// key-derivation parameters below [`KdfParams::CURRENT`]).
    pub(crate) fn needs_upgrade(&self) -> bool {
        match &self.kdf {
            Kdf::Argon2id { params, .. } => self.is_legacy() || params.weaker_than_current(),
            Kdf::HkdfSha256 { .. } => self.is_legacy(),
        }
    }
}

/// Failed unlock attempts of one username (or of the recovery key), kept in the key file
/// so that deleting or garbling one small file does not reset them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub(crate) struct Throttle {
    pub(crate) failures: u32,
    /// Unix seconds of the last failure.
    pub(crate) last_failure: i64,
    /// How many of `failures` are already in the access log.
    #[serde(default)]
    pub(crate) logged: u32,
}

/// The access log's head as last seen by Värna, MAC'd with a key derived from the database
/// key, so that a database (or a data folder) rolled back behind it is noticed at unlock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub(crate) struct Anchor {
    pub(crate) seq: i64,
    pub(crate) hash: String,
    pub(crate) mac: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
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
    /// How many times the database key was replaced (re-key after a revocation).
    #[serde(default)]
    pub(crate) key_epoch: u64,
    /// Failed unlock attempts per username tag (or [`RECOVERY_SLOT`]).
    #[serde(default)]
    pub(crate) throttle: std::collections::BTreeMap<String, Throttle>,
    /// The access log's head when Värna last wrote this file with the key open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) anchor: Option<Anchor>,
}

/// Where a key file was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadFrom {
    Primary,
    Backup,
}

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
            key_epoch: 0,
            throttle: Default::default(),
            anchor: None,
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
        // A key file is a few KiB; 4 MiB leaves room for many accounts and refuses a
        // planted huge file, a FIFO or a link without reading it.
        let bytes = match fsutil::read_bounded(path, 4 * 1024 * 1024) {
            Ok(Some(b)) => b,
            Ok(None) => {
                return Err(Error::NotFound(
                    "no Värna key file in this folder; run first-time setup".into(),
                ))
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                return Err(Error::Corrupt(
                    "the key file is damaged or not a Värna key file".into(),
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
        let mut kf: KeyFile = serde_json::from_slice(body).map_err(|_| damaged())?;
        if kf.format != "varna-keys"
            || !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&kf.version)
        {
            return Err(damaged());
        }
        // Whatever is written back is the current format.
        kf.version = FORMAT_VERSION;
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

    /// The tag under which a (normalised) username's slot and failed attempts are found.
    pub(crate) fn user_tag(&self, username: &str) -> String {
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

    /// The ids of all slots (account ids and [`RECOVERY_SLOT`]).
    pub(crate) fn slot_ids(&self) -> Vec<String> {
        self.slots.iter().map(|s| s.id.clone()).collect()
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
        params.check()?;
        let salt = random_bytes::<16>()?;
        let kdf = Kdf::Argon2id {
            params,
            salt: hex::encode(salt),
        };
        let wrapping = derive_argon2(passphrase.as_bytes(), &salt, params)?;
        let (private, public) = new_key_pair()?;
        let (nonce, wrapped) = self.wrap(id, &wrapping, private.as_ref())?;
        let mut slot = Slot {
            id: id.to_string(),
            user_tag: Some(self.user_tag(username)),
            kdf,
            aead: "chacha20-poly1305".into(),
            nonce,
            wrapped,
            public: Some(public),
            sealed: None,
        };
        self.seal_to(&mut slot, db_key)?;
        self.remove_slot(id);
        self.slots.push(slot);
        Ok(())
    }

    /// Adds or replaces the recovery slot.
    pub(crate) fn set_recovery_slot(&mut self, recovery: &[u8; 32], db_key: &DbKey) -> Result<()> {
        let salt = random_bytes::<16>()?;
        let (_, public) = recovery_key_pair(recovery, &salt);
        let mut slot = Slot {
            id: RECOVERY_SLOT.to_string(),
            user_tag: None,
            kdf: Kdf::HkdfSha256 {
                salt: hex::encode(salt),
            },
            aead: "chacha20-poly1305".into(),
            nonce: String::new(),
            wrapped: String::new(),
            public: Some(hex::encode(hpke::Serializable::to_bytes(&public))),
            sealed: None,
        };
        self.seal_to(&mut slot, db_key)?;
        self.remove_slot(RECOVERY_SLOT);
        self.slots.push(slot);
        Ok(())
    }

    /// Seals a new database key to every slot that has a public key (no secrets needed)
    /// and removes the old-format slots, which cannot be re-sealed. Returns the ids of the
    /// removed slots: those accounts need a new passphrase from an administratör.
    pub(crate) fn reseal_all(&mut self, db_key: &DbKey) -> Result<Vec<String>> {
        let legacy: Vec<String> = self
            .slots
            .iter()
            .filter(|s| s.is_legacy())
            .map(|s| s.id.clone())
            .collect();
        self.slots.retain(|s| !s.is_legacy());
        let mut slots = std::mem::take(&mut self.slots);
        let sealed = slots.iter_mut().try_for_each(|s| self.seal_to(s, db_key));
        self.slots = slots;
        sealed?;
        Ok(legacy)
    }

    fn aad(&self, version: u32, slot_id: &str) -> Vec<u8> {
        format!("varna-keyslot-v{version}|{}|{}", self.store_id, slot_id).into_bytes()
    }

    fn hpke_info(&self, slot_id: &str) -> Vec<u8> {
        format!("varna-dbkey-v2|{}|{}", self.store_id, slot_id).into_bytes()
    }

    /// Wraps a slot's private key under its passphrase-derived key. Returns (nonce, wrapped).
    fn wrap(&self, id: &str, wrapping: &DbKey, secret: &[u8]) -> Result<(String, String)> {
        let nonce = random_bytes::<{ aead::NONCE_LEN }>()?;
        let key = LessSafeKey::new(
            UnboundKey::new(&CHACHA20_POLY1305, wrapping.as_ref())
                .map_err(|_| Error::Internal("could not set up the key wrap".into()))?,
        );
        let mut in_out = Zeroizing::new(secret.to_vec());
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(self.aad(2, id)),
            &mut *in_out,
        )
        .map_err(|_| Error::Internal("could not wrap the slot key".into()))?;
        Ok((hex::encode(nonce), hex::encode(&*in_out)))
    }

    /// Seals `db_key` to the slot's public key.
    fn seal_to(&self, slot: &mut Slot, db_key: &DbKey) -> Result<()> {
        use hpke::Deserializable;
        let public = slot
            .public
            .as_deref()
            .ok_or_else(|| Error::Internal("an old-format slot cannot be re-sealed".into()))?;
        let public = <Kem as hpke::Kem>::PublicKey::from_bytes(&decode_hex(public)?)
            .map_err(|_| Error::Corrupt("the key file is damaged".into()))?;
        let (enc, ct) = hpke::single_shot_seal::<HpkeAead, HpkeKdf, Kem, _>(
            &hpke::OpModeS::Base,
            &public,
            &self.hpke_info(&slot.id),
            db_key.as_ref(),
            b"",
            &mut RingRng,
        )
        .map_err(|_| Error::Internal("could not seal the database key".into()))?;
        slot.sealed = Some(SealedKey {
            enc: hex::encode(hpke::Serializable::to_bytes(&enc)),
            ct: hex::encode(ct),
        });
        Ok(())
    }

    /// Opens the database key sealed to a v2 slot with the slot's private key.
    fn open_sealed(&self, slot: &Slot, private: &<Kem as hpke::Kem>::PrivateKey) -> Result<DbKey> {
        use hpke::Deserializable;
        let damaged = || Error::Corrupt("the key file is damaged".into());
        let sealed = slot.sealed.as_ref().ok_or_else(damaged)?;
        let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&decode_hex(&sealed.enc)?)
            .map_err(|_| damaged())?;
        let plain = Zeroizing::new(
            hpke::single_shot_open::<HpkeAead, HpkeKdf, Kem>(
                &hpke::OpModeR::Base,
                private,
                &enc,
                &self.hpke_info(&slot.id),
                &decode_hex(&sealed.ct)?,
                b"",
            )
            // The private key came out of an authenticated wrap (or from the recovery key,
            // which a wrong key gives a different pair for): a failure here is a wrong key.
            .map_err(|_| Error::WrongPassphrase)?,
        );
        if plain.len() != 32 {
            return Err(damaged());
        }
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&plain);
        Ok(out)
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
        if slot.is_legacy() {
            return self.unwrap_legacy(slot, &wrapping);
        }
        let private = self.unwrap(slot, 2, &wrapping)?;
        let private = private_key(&private)?;
        self.open_sealed(slot, &private)
    }

    /// Unwraps the database key with the recovery key.
    pub(crate) fn open_with_recovery(&self, recovery: &[u8; 32]) -> Result<DbKey> {
        let slot = self.slot(RECOVERY_SLOT).ok_or(Error::WrongPassphrase)?;
        let Kdf::HkdfSha256 { salt } = &slot.kdf else {
            return Err(Error::WrongPassphrase);
        };
        let salt = decode_hex(salt)?;
        if slot.is_legacy() {
            return self.unwrap_legacy(slot, &derive_hkdf(recovery, &salt));
        }
        let (private, _) = recovery_key_pair(recovery, &salt);
        self.open_sealed(slot, &private)
    }

    /// A v1 slot: the database key sealed directly under the wrapping key.
    fn unwrap_legacy(&self, slot: &Slot, wrapping: &DbKey) -> Result<DbKey> {
        let plain = self.unwrap(slot, 1, wrapping)?;
        if plain.len() != 32 {
            return Err(Error::Corrupt("the key file is damaged".into()));
        }
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&plain);
        Ok(out)
    }

    /// Opens the slot's `wrapped` field (AEAD with the slot's associated data).
    fn unwrap(&self, slot: &Slot, version: u32, wrapping: &DbKey) -> Result<Zeroizing<Vec<u8>>> {
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
                Aad::from(self.aad(version, &slot.id)),
                &mut in_out,
            )
            .map_err(|_| Error::WrongPassphrase)?;
        Ok(Zeroizing::new(plain.to_vec()))
    }

    /// Tests: a format v1 passphrase slot (the database key sealed directly under the
    /// Argon2id-derived key), as stores set up before key pairs have.
    #[cfg(test)]
    pub(crate) fn set_legacy_passphrase_slot(
        &mut self,
        id: &str,
        username: &str,
        passphrase: &str,
        params: KdfParams,
        db_key: &DbKey,
    ) -> Result<()> {
        let salt = random_bytes::<16>()?;
        let wrapping = derive_argon2(passphrase.as_bytes(), &salt, params)?;
        let nonce = random_bytes::<{ aead::NONCE_LEN }>()?;
        let key = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, wrapping.as_ref()).unwrap());
        let mut in_out = db_key.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(self.aad(1, id)),
            &mut in_out,
        )
        .unwrap();
        let slot = Slot {
            id: id.to_string(),
            user_tag: Some(self.user_tag(username)),
            kdf: Kdf::Argon2id {
                params,
                salt: hex::encode(salt),
            },
            aead: "chacha20-poly1305".into(),
            nonce: hex::encode(nonce),
            wrapped: hex::encode(in_out),
            public: None,
            sealed: None,
        };
        self.remove_slot(id);
        self.slots.push(slot);
        Ok(())
    }

    /// The failed-attempt record of a bucket (a username tag or [`RECOVERY_SLOT`]).
    pub(crate) fn throttle_of(&self, bucket: &str) -> Throttle {
        self.throttle.get(bucket).copied().unwrap_or_default()
    }

    /// Replaces a bucket's record, keeping at most [`MAX_THROTTLE_RECORDS`] (the records
    /// with the oldest last failure go first).
    pub(crate) fn set_throttle(&mut self, bucket: &str, record: Throttle) {
        if record.failures == 0 {
            self.throttle.remove(bucket);
            return;
        }
        self.throttle.insert(bucket.to_string(), record);
        while self.throttle.len() > MAX_THROTTLE_RECORDS {
            let oldest = self
                .throttle
                .iter()
                .filter(|(k, _)| k.as_str() != bucket)
                .min_by_key(|(_, t)| t.last_failure)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => {
                    self.throttle.remove(&k);
                }
                None => break,
            }
        }
    }

    /// The anchor MAC of a log head under the given database key.
    pub(crate) fn anchor_for(&self, db_key: &[u8], seq: i64, hash: &str) -> Anchor {
        Anchor {
            seq,
            hash: hash.to_owned(),
            mac: hex::encode(anchor_mac(db_key, &self.store_id, seq, hash).as_ref()),
        }
    }

    /// Whether `anchor` was made with this database key for this store.
    pub(crate) fn anchor_verifies(&self, db_key: &[u8], anchor: &Anchor) -> bool {
        hex::decode(&anchor.mac).ok().is_some_and(|tag| {
            ring::hmac::verify(
                &anchor_key(db_key, &self.store_id),
                &anchor_message(anchor.seq, &anchor.hash),
                &tag,
            )
            .is_ok()
        })
    }
}

fn anchor_key(db_key: &[u8], store_id: &str) -> ring::hmac::Key {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, store_id.as_bytes()).extract(db_key);
    let okm = prk
        .expand(&[b"varna-anchor-v1"], ring::hmac::HMAC_SHA256)
        .expect("HKDF output of one hash length");
    ring::hmac::Key::from(okm)
}

fn anchor_message(seq: i64, hash: &str) -> Vec<u8> {
    format!("varna-anchor-v1|{seq}|{hash}").into_bytes()
}

fn anchor_mac(db_key: &[u8], store_id: &str, seq: i64, hash: &str) -> ring::hmac::Tag {
    ring::hmac::sign(&anchor_key(db_key, store_id), &anchor_message(seq, hash))
}

/// ring's system random source, as the `rand_core` generator the `hpke` crate asks for.
struct RingRng;

impl rand_core::RngCore for RingRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        // The operating system's generator does not fail once the process runs; if it
        // ever does, continuing with predictable keys would be worse than stopping.
        SystemRandom::new()
            .fill(dst)
            .expect("the system random source failed");
    }
}

impl rand_core::CryptoRng for RingRng {}

/// A fresh X25519 key pair: (private key bytes, public key hex).
fn new_key_pair() -> Result<(Zeroizing<Vec<u8>>, String)> {
    let ikm = Zeroizing::new(random_bytes::<32>()?);
    let (private, public) = <Kem as hpke::Kem>::derive_keypair(ikm.as_ref());
    Ok((
        Zeroizing::new(hpke::Serializable::to_bytes(&private).to_vec()),
        hex::encode(hpke::Serializable::to_bytes(&public)),
    ))
}

fn private_key(bytes: &[u8]) -> Result<<Kem as hpke::Kem>::PrivateKey> {
    use hpke::Deserializable;
    <Kem as hpke::Kem>::PrivateKey::from_bytes(bytes)
        .map_err(|_| Error::Corrupt("the key file is damaged".into()))
}

/// The recovery slot's key pair, derived from the recovery key and the slot's salt.
fn recovery_key_pair(
    recovery: &[u8; 32],
    salt: &[u8],
) -> (
    <Kem as hpke::Kem>::PrivateKey,
    <Kem as hpke::Kem>::PublicKey,
) {
    let ikm = derive_hkdf_info(recovery, salt, b"varna-recovery-kem-v2");
    <Kem as hpke::Kem>::derive_keypair(ikm.as_ref())
}

/// Spends the same effort as a real unlock, so an unknown username cannot be told from a
/// wrong passphrase by timing.
pub(crate) fn dummy_derivation(passphrase: &str) {
    let _ = derive_argon2(passphrase.as_bytes(), &[0u8; 16], KdfParams::CURRENT);
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
    derive_hkdf_info(secret, salt, b"varna-recovery-wrap-v1")
}

fn derive_hkdf_info(secret: &[u8; 32], salt: &[u8], info: &[u8]) -> DbKey {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(secret);
    let mut out = Zeroizing::new([0u8; 32]);
    prk.expand(&[info], Len32)
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
    fn an_old_format_slot_still_opens_and_a_reseal_drops_it_but_keeps_the_others() {
        let (mut kf, db_key) = key_file_with_alice();
        kf.set_legacy_passphrase_slot(
            "acct-2",
            "bob",
            "bob passphrase",
            KdfParams::OWASP_MINIMUM,
            &db_key,
        )
        .unwrap();
        let recovery = [9u8; 32];
        kf.set_recovery_slot(&recovery, &db_key).unwrap();
        let bob = kf.slot_for_user("bob").unwrap().clone();
        assert!(bob.is_legacy() && bob.needs_upgrade());
        assert_eq!(
            *kf.open_with_passphrase(&bob, "bob passphrase").unwrap(),
            *db_key
        );

        // A new key sealed to every slot with a public key, without any secret.
        let new_key = new_db_key().unwrap();
        let dropped = kf.reseal_all(&new_key).unwrap();
        assert_eq!(dropped, vec!["acct-2".to_string()]);
        assert!(kf.slot_for_user("bob").is_none());
        let alice = kf.slot_for_user("alice").unwrap().clone();
        assert_eq!(
            *kf.open_with_passphrase(&alice, "alice passphrase").unwrap(),
            *new_key
        );
        assert_eq!(*kf.open_with_recovery(&recovery).unwrap(), *new_key);
        assert_ne!(*new_key, *db_key);
    }

    #[test]
    fn an_edited_anchor_does_not_verify() {
        let (kf, db_key) = key_file_with_alice();
        let a = kf.anchor_for(db_key.as_ref(), 7, "abcd");
        assert!(kf.anchor_verifies(db_key.as_ref(), &a));
        let mut lowered = a.clone();
        lowered.seq = 3;
        assert!(!kf.anchor_verifies(db_key.as_ref(), &lowered));
        let other = new_db_key().unwrap();
        assert!(!kf.anchor_verifies(other.as_ref(), &a));
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
