//! Trusted senders of count files.
//!
//! A count file is signed with its installation's Ed25519 key, and the signature proves only
//! that *some* key signed it: without a list of keys this installation trusts, anybody could
//! write a file that claims a unit's laptop and add invented counts to the unit total. So:
//!
//! - The first file from another installation is refused until the unit head (arbetsledare)
//!   or an administratör trusts its key, after comparing the key's short fingerprint
//!   ([`PublicKey::fingerprint`]) with the sender by phone or in person.
//! - Trust is per installation id *and* key. A later file that claims a trusted installation
//!   but is signed with another key (a re-keyed or forged file) is refused, as is a file from
//!   an unknown key or a key whose trust was withdrawn. Trusting the new key is an explicit,
//!   logged act that replaces the old one.
//! - This installation's own key is always accepted (it is what signed the file); a file that
//!   claims this installation's id with another key is refused.
//! - The list is kept in the encrypted database; the local name ("label") given to a sender
//!   never leaves it (export files carry only installation ids and periods).
//!
//! Trusting and withdrawing write the access log in the same transaction.

use rusqlite::OptionalExtension;
use serde::Serialize;
use uuid::Uuid;

use super::{MergeSource, MergeSummary, STATS_ROLES};
use crate::audit::{self, Event, Obj};
use crate::db::Store;
use crate::error::DbContext;
use crate::error::{Error, ErrorCode, Result, RowsExt};
use crate::export::{self, PublicKey, SignedExport};

/// The longest local name of a trusted sender, in characters.
pub const MAX_SENDER_LABEL: usize = 100;

/// How this installation stands to the key that signed a count file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SenderStatus {
    /// Signed by this installation's own key.
    Own,
    /// Signed by the key trusted for that installation.
    Trusted,
    /// Nobody here has trusted this installation.
    Unknown,
    /// The installation is known, but the file is signed with a different key than the one
    /// trusted for it (a reinstalled laptop, or a forged file).
    KeyChanged,
    /// The key was trusted once, but the trust was withdrawn.
    Withdrawn,
}

impl SenderStatus {
    /// Whether files with this status may be merged.
    pub fn accepted(self) -> bool {
        matches!(self, SenderStatus::Own | SenderStatus::Trusted)
    }
}

/// One trusted (or formerly trusted) installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TrustedSender {
    pub installation_id: Uuid,
    /// 64 lower-case hex digits.
    pub public_key: String,
    pub fingerprint: String,
    /// The local name given when it was trusted (never exported).
    pub label: String,
    pub trusted_at: String,
    /// Display name of who trusted it.
    pub trusted_by: String,
    /// Set when the trust was withdrawn.
    pub revoked_at: Option<String>,
    pub revoked_by: Option<String>,
}

/// A count file the user chose to import, checked but not yet merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IncomingFile {
    /// The file's name (not its folder), for the list.
    pub name: String,
    /// Why the file cannot be used at all (damaged, altered, not an export), if so.
    pub problem: Option<FileProblem>,
    pub installation_id: Option<Uuid>,
    pub public_key: Option<String>,
    pub fingerprint: Option<String>,
    pub status: Option<SenderStatus>,
    /// The local name of the trusted sender (for `own`: none; the UI says "this computer").
    pub label: Option<String>,
    /// For `key_changed` and `withdrawn`: the fingerprint that was trusted.
    pub trusted_fingerprint: Option<String>,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    /// The installations whose counts the file holds (more than one for a merged file).
    pub sources: Vec<MergeSource>,
    pub rows: usize,
}

/// Why a chosen file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct FileProblem {
    pub code: ErrorCode,
    pub message: String,
}

impl Store {
    /// Every installation ever trusted here, the current ones first, each group by name.
    /// Arbetsledare and administratör.
    pub fn trusted_senders(&self) -> Result<Vec<TrustedSender>> {
        self.require(STATS_ROLES, "reading the trusted senders")?;
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT t.installation_id, t.public_key, t.label, t.trusted_at,
                        COALESCE(a.display_name, t.trusted_by), t.revoked_at,
                        COALESCE(r.display_name, t.revoked_by)
                 FROM trusted_senders t
                 LEFT JOIN accounts a ON a.id = t.trusted_by
                 LEFT JOIN accounts r ON r.id = t.revoked_by
                 ORDER BY t.revoked_at IS NOT NULL, t.label COLLATE NOCASE, t.installation_id",
            )
            .db("reading the trusted senders")?;
        let rows = stmt.rows([], "reading the trusted senders", |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?;
        rows.into_iter()
            .map(|(id, key, label, at, by, revoked_at, revoked_by)| {
                let key = PublicKey::from_hex(&key)
                    .map_err(|_| Error::Corrupt("a trusted sender's key is damaged".into()))?;
                Ok(TrustedSender {
                    installation_id: Uuid::parse_str(&id)
                        .map_err(|_| Error::Corrupt("a trusted sender's id is damaged".into()))?,
                    public_key: key.to_hex(),
                    fingerprint: key.fingerprint(),
                    label,
                    trusted_at: at,
                    trusted_by: by,
                    revoked_at,
                    revoked_by,
                })
            })
            .collect()
    }

    /// Trusts `public_key` for count files from `installation_id` under the local name
    /// `label`, replacing any key trusted for it before (logged with both fingerprints).
    /// Refuses this installation's own id, a key already trusted for the installation, and
    /// an empty or over-long name. Arbetsledare and administratör.
    pub fn trust_sender(
        &mut self,
        installation_id: Uuid,
        public_key: &str,
        label: &str,
    ) -> Result<TrustedSender> {
        self.require(STATS_ROLES, "trusting a sender of count files")?;
        let key = PublicKey::from_hex(public_key.trim())?;
        let label = clean_label(label)?;
        if let Some((own_id, _)) = self.own_identity()? {
            if own_id == installation_id {
                return Err(Error::Conflict(
                    "that is this computer's own installation; its files are always accepted"
                        .into(),
                ));
            }
        }
        let previous = self.sender_row(installation_id)?;
        if let Some(p) = &previous {
            if p.public_key == key.to_hex() && p.revoked_at.is_none() {
                return Err(Error::Conflict(format!(
                    "installation {installation_id} is already trusted with this key"
                )));
            }
        }
        let detail = match &previous {
            Some(p) if p.public_key != key.to_hex() => {
                format!("key {} (replaces {})", key.fingerprint(), p.fingerprint)
            }
            _ => format!("key {}", key.fingerprint()),
        };
        let me = self.actor().id.clone();
        let now = super::now_text();
        let id_text = installation_id.to_string();
        self.with_tx(|tx| {
            tx.execute(
                "INSERT INTO trusted_senders
                     (installation_id, public_key, label, trusted_at, trusted_by)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (installation_id) DO UPDATE SET
                     public_key = excluded.public_key, label = excluded.label,
                     trusted_at = excluded.trusted_at, trusted_by = excluded.trusted_by,
                     revoked_at = NULL, revoked_by = NULL",
                (&id_text, key.to_hex(), &label, &now, &me),
            )
            .db("saving a trusted sender")?;
            audit::record(
                tx,
                Some(&me),
                Event::SenderTrust,
                Obj::of("installation", &id_text).detail(detail),
            )
        })?;
        self.sender_row(installation_id)?
            .ok_or_else(|| Error::Internal("the trusted sender was not saved".into()))
    }

    /// Withdraws the trust in `installation_id`'s key: its files are refused from now on
    /// (the row stays, marked withdrawn, so the list shows who trusted it and when).
    /// Arbetsledare and administratör.
    pub fn untrust_sender(&mut self, installation_id: Uuid) -> Result<()> {
        self.require(STATS_ROLES, "withdrawing trust in a sender")?;
        let current = self
            .sender_row(installation_id)?
            .filter(|s| s.revoked_at.is_none())
            .ok_or_else(|| Error::NotFound(format!("a trusted installation {installation_id}")))?;
        let me = self.actor().id.clone();
        let now = super::now_text();
        let id_text = installation_id.to_string();
        self.with_tx(|tx| {
            tx.execute(
                "UPDATE trusted_senders SET revoked_at = ?2, revoked_by = ?3
                 WHERE installation_id = ?1",
                (&id_text, &now, &me),
            )
            .db("withdrawing trust")?;
            audit::record(
                tx,
                Some(&me),
                Event::SenderUntrust,
                Obj::of("installation", &id_text).detail(format!("key {}", current.fingerprint)),
            )
        })
    }

    /// Checks the count files the user chose, without merging: for each, whether it is a
    /// valid signed export and how this installation stands to its key. Reads each path
    /// bounded, regular files only. Arbetsledare and administratör.
    pub fn inspect_export_files(
        &mut self,
        paths: &[std::path::PathBuf],
    ) -> Result<Vec<IncomingFile>> {
        self.require(STATS_ROLES, "importing count files")?;
        if paths.is_empty() {
            return Err(Error::InvalidInput("choose at least one count file".into()));
        }
        let mut out = Vec::with_capacity(paths.len());
        for path in paths {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string());
            let checked = crate::files::read_regular(path, crate::files::MAX_EXPORT_BYTES)
                .and_then(|bytes| export::verify(&bytes));
            out.push(match checked {
                Ok(file) => self.describe(name, &file)?,
                Err(e) => IncomingFile {
                    name,
                    problem: Some(FileProblem {
                        code: e.code(),
                        message: e.to_string(),
                    }),
                    installation_id: None,
                    public_key: None,
                    fingerprint: None,
                    status: None,
                    label: None,
                    trusted_fingerprint: None,
                    period_from: None,
                    period_to: None,
                    sources: Vec::new(),
                    rows: 0,
                },
            });
        }
        Ok(out)
    }

    /// How this installation stands to the signer of `file`, with the trusted row if any.
    pub(crate) fn sender_status(
        &self,
        file: &SignedExport,
    ) -> Result<(SenderStatus, Option<TrustedSender>)> {
        let key = file.public_key();
        if let Some((own_id, own_key)) = self.own_identity()? {
            if own_id == file.installation_id() {
                return Ok((
                    if own_key == key {
                        SenderStatus::Own
                    } else {
                        SenderStatus::KeyChanged
                    },
                    None,
                ));
            }
        }
        let row = self.sender_row(file.installation_id())?;
        let status = match &row {
            None => SenderStatus::Unknown,
            Some(r) if r.public_key != key.to_hex() => SenderStatus::KeyChanged,
            Some(r) if r.revoked_at.is_some() => SenderStatus::Withdrawn,
            Some(_) => SenderStatus::Trusted,
        };
        Ok((status, row))
    }

    /// Refuses (naming the file) any file not signed by this installation or a trusted key.
    pub(crate) fn require_trusted(&self, files: &[SignedExport]) -> Result<()> {
        for (i, file) in files.iter().enumerate() {
            let (status, row) = self.sender_status(file)?;
            let fp = file.public_key().fingerprint();
            let id = file.installation_id();
            let why = match status {
                SenderStatus::Own | SenderStatus::Trusted => continue,
                SenderStatus::Unknown => format!(
                    "file {}: installation {id} (key {fp}) is not a trusted sender; \
                     compare the fingerprint with the sender and trust it first",
                    i + 1
                ),
                SenderStatus::Withdrawn => format!(
                    "file {}: the trust in installation {id} (key {fp}) was withdrawn",
                    i + 1
                ),
                SenderStatus::KeyChanged => format!(
                    "file {}: installation {id} is trusted with key {}, but this file is signed \
                     with key {fp}; it may be forged or the sender was reinstalled; confirm with \
                     the sender before trusting the new key",
                    i + 1,
                    row.map(|r| r.fingerprint)
                        .unwrap_or_else(|| "of this computer".into()),
                ),
            };
            return Err(Error::UntrustedSender(why));
        }
        Ok(())
    }

    /// The summary of a merged or written file with the local names of its sources.
    pub fn merge_summary(&self, file: &SignedExport) -> Result<MergeSummary> {
        let mut summary = MergeSummary::of(file);
        let own = self.own_identity()?.map(|(id, _)| id);
        for s in &mut summary.sources {
            if Some(s.installation_id) == own {
                s.own = true;
            } else if let Some(row) = self.sender_row(s.installation_id)? {
                s.label = Some(row.label);
            }
        }
        Ok(summary)
    }

    fn describe(&self, name: String, file: &SignedExport) -> Result<IncomingFile> {
        let (status, row) = self.sender_status(file)?;
        let summary = self.merge_summary(file)?;
        Ok(IncomingFile {
            name,
            problem: None,
            installation_id: Some(file.installation_id()),
            public_key: Some(file.public_key().to_hex()),
            fingerprint: Some(file.public_key().fingerprint()),
            status: Some(status),
            label: row.as_ref().map(|r| r.label.clone()),
            trusted_fingerprint: row
                .filter(|_| matches!(status, SenderStatus::KeyChanged | SenderStatus::Withdrawn))
                .map(|r| r.fingerprint),
            period_from: Some(summary.period_from),
            period_to: Some(summary.period_to),
            sources: summary.sources,
            rows: summary.rows,
        })
    }

    fn sender_row(&self, installation_id: Uuid) -> Result<Option<TrustedSender>> {
        let row = self
            .conn()
            .query_row(
                "SELECT t.public_key, t.label, t.trusted_at,
                        COALESCE(a.display_name, t.trusted_by), t.revoked_at,
                        COALESCE(r.display_name, t.revoked_by)
                 FROM trusted_senders t
                 LEFT JOIN accounts a ON a.id = t.trusted_by
                 LEFT JOIN accounts r ON r.id = t.revoked_by
                 WHERE t.installation_id = ?1",
                [installation_id.to_string()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                    ))
                },
            )
            .optional()
            .db("reading a trusted sender")?;
        row.map(|(key, label, at, by, revoked_at, revoked_by)| {
            let key = PublicKey::from_hex(&key)
                .map_err(|_| Error::Corrupt("a trusted sender's key is damaged".into()))?;
            Ok(TrustedSender {
                installation_id,
                public_key: key.to_hex(),
                fingerprint: key.fingerprint(),
                label,
                trusted_at: at,
                trusted_by: by,
                revoked_at,
                revoked_by,
            })
        })
        .transpose()
    }

    /// This installation's id and public key, if it has made its key yet.
    fn own_identity(&self) -> Result<Option<(Uuid, PublicKey)>> {
        Ok(self
            .load_installation_key()?
            .map(|(id, key)| (id, key.public_key())))
    }
}

/// A sender's local name: trimmed, 1 to [`MAX_SENDER_LABEL`] characters, no control characters.
fn clean_label(label: &str) -> Result<String> {
    let label = label.trim();
    if label.is_empty() {
        return Err(Error::InvalidInput(
            "give the sender a name (e.g. the laptop's unit and user)".into(),
        ));
    }
    if label.chars().count() > MAX_SENDER_LABEL {
        return Err(Error::InvalidInput(format!(
            "a sender's name may have at most {MAX_SENDER_LABEL} characters"
        )));
    }
    if label.chars().any(char::is_control) {
        return Err(Error::InvalidInput(
            "a sender's name may not contain control characters".into(),
        ));
    }
    Ok(label.to_string())
}
