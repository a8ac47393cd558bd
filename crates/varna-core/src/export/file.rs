//! The signed JSON file: writing, signing and strict verification.
//!
//! The file is pretty-printed JSON whose last member is `"signature"`. The signature covers
//! every byte of the file before the signature's hex digits (prefixed with a domain tag), so a
//! change to any byte — a count, a space, a line ending — is detected, and verification does not
//! depend on re-serialising the file the same way. See `docs/EXPORT.md`.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use super::codes::{Code, InstrumentVersion, Measure, Period, UnitCode, YearMonth};
use super::key::{strict_hex, InstallationKey, PublicKey};
use super::{check_contents, Cell, ExportRow, SignedExport, Source, SuppressionThreshold};
use crate::error::{Error, Result};

/// The value of the file's `format` member.
pub const FORMAT: &str = "varna-export";
/// The schema version this build writes. It also reads version 1 (before stable months and
/// suppressed totals), to verify files already handed out.
pub const SCHEMA_VERSION: u32 = 2;
/// The oldest schema version this build still verifies.
pub const OLDEST_SCHEMA_VERSION: u32 = 1;
/// What is signed: this tag, then the file's bytes up to the signature's first hex digit.
const DOMAIN_TAG: &[u8] = b"varna-export signature v1\n";
/// What follows the signature's hex digits at the end of every file.
const TAIL: &[u8] = b"\"\n}\n";
/// What precedes them.
const SIGNATURE_KEY: &[u8] = b"\"signature\": \"";
/// Refuse anything larger; a year of counts for a large unit is well under a megabyte.
const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;

#[derive(Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
struct FileRepr {
    format: String,
    schema_version: u32,
    #[serde(with = "strict_uuid")]
    installation_id: Uuid,
    public_key: String,
    period: Period,
    suppression_threshold: u64,
    /// Since version 2 (always written, possibly empty): the months whose counts were still
    /// growing when the file was made. Absent in version 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    preliminary: Option<Vec<YearMonth>>,
    sources: Vec<SourceRepr>,
    rows: Vec<RowRepr>,
    signature: String,
}

#[derive(Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
struct SourceRepr {
    #[serde(with = "strict_uuid")]
    installation_id: Uuid,
    period: Period,
}

#[derive(Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
struct RowRepr {
    month: YearMonth,
    unit: UnitCode,
    instrument: Code,
    version: InstrumentVersion,
    measure: Measure,
    /// Required (`null` for totals), never left out.
    #[serde(deserialize_with = "required_option")]
    category: Option<Code>,
    count: Cell,
}

/// Only the members needed to tell "not ours" and "a newer version" apart from "damaged".
#[derive(Deserialize, specta::Type)]
struct Probe {
    format: String,
    schema_version: u32,
}

fn required_option<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> std::result::Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d)
}

mod strict_uuid {
    use super::*;

    pub fn serialize<S: Serializer>(id: &Uuid, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(&id.hyphenated())
    }

    /// Accepts only the lower-case hyphenated form, so every id has one spelling.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Uuid, D::Error> {
        let s = String::deserialize(d)?;
        match Uuid::try_parse(&s) {
            Ok(id) if id.hyphenated().to_string() == s => Ok(id),
            _ => Err(de::Error::custom("not a lower-case hyphenated UUID")),
        }
    }
}

impl Serialize for Cell {
    /// An exact count is a JSON number; a suppressed one is the string `"suppressed"`.
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Cell::Exact(n) => s.serialize_u64(*n),
            Cell::Suppressed => s.serialize_str("suppressed"),
        }
    }
}

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct CellVisitor;
        impl Visitor<'_> for CellVisitor {
            type Value = Cell;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a non-negative integer or \"suppressed\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Cell, E> {
                Ok(Cell::Exact(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Cell, E> {
                if v == "suppressed" {
                    Ok(Cell::Suppressed)
                } else {
                    Err(E::custom("a count must be a number or \"suppressed\""))
                }
            }
        }
        d.deserialize_any(CellVisitor)
    }
}

/// Checks the contents, writes the file and signs it.
pub(crate) fn sign(
    key: &InstallationKey,
    installation_id: Uuid,
    period: Period,
    threshold: SuppressionThreshold,
    mut preliminary: Vec<YearMonth>,
    mut sources: Vec<Source>,
    rows: Vec<ExportRow>,
) -> Result<SignedExport> {
    sources.sort();
    preliminary.sort();
    preliminary.dedup();
    check_contents(
        SCHEMA_VERSION,
        period,
        threshold,
        &preliminary,
        &sources,
        &rows,
    )
    .map_err(|reason| Error::InvalidInput(format!("cannot write the export: {reason}")))?;
    let repr = FileRepr {
        format: FORMAT.into(),
        schema_version: SCHEMA_VERSION,
        installation_id,
        public_key: key.public_key().to_hex(),
        period,
        suppression_threshold: threshold.get(),
        preliminary: Some(preliminary.clone()),
        sources: sources
            .iter()
            .map(|s| SourceRepr {
                installation_id: s.installation_id,
                period: s.period,
            })
            .collect(),
        rows: rows
            .iter()
            .map(|r| RowRepr {
                month: r.month,
                unit: r.unit.clone(),
                instrument: r.instrument_id.clone(),
                version: r.instrument_version.clone(),
                measure: r.measure.clone(),
                category: r.category.clone(),
                count: r.count,
            })
            .collect(),
        signature: "0".repeat(128),
    };
    let mut bytes = serde_json::to_vec_pretty(&repr)
        .map_err(|e| Error::Internal(format!("writing the export file: {e}")))?;
    bytes.push(b'\n');
    let start = signature_start(&bytes)
        .ok_or_else(|| Error::Internal("the signature is not at the end of the file".into()))?;
    let signature = key.sign(&signed_message(&bytes[..start]));
    bytes[start..start + 128].copy_from_slice(hex::encode(signature).as_bytes());
    Ok(SignedExport {
        schema_version: SCHEMA_VERSION,
        installation_id,
        public_key: key.public_key(),
        period,
        threshold,
        preliminary,
        sources,
        rows,
        bytes,
    })
}

/// Where the signature's hex digits start, if the file ends the way [`sign`] writes it.
fn signature_start(bytes: &[u8]) -> Option<usize> {
    let start = bytes.len().checked_sub(TAIL.len() + 128)?;
    let ok = bytes.ends_with(TAIL)
        && bytes[..start].ends_with(SIGNATURE_KEY)
        && bytes[start..start + 128]
            .iter()
            .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
    ok.then_some(start)
}

fn signed_message(prefix: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(DOMAIN_TAG.len() + prefix.len());
    message.extend_from_slice(DOMAIN_TAG);
    message.extend_from_slice(prefix);
    message
}

/// Reads an export file and checks it: that it is one, its schema version, the strict schema
/// (no member beyond those listed in `docs/EXPORT.md`), the signature over every byte, and the
/// suppression invariants.
///
/// A damaged or altered file gives [`Error::Corrupt`]; a file of a newer schema version gives
/// [`Error::InvalidInput`]. Messages give positions, never the file's content.
pub fn verify(bytes: &[u8]) -> Result<SignedExport> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Error::InvalidInput(
            "the file is too large to be a Värna export".into(),
        ));
    }
    let not_ours = || Error::Corrupt("this is not a Värna export file".into());
    let probe: Probe = serde_json::from_slice(bytes).map_err(|_| not_ours())?;
    if probe.format != FORMAT {
        return Err(not_ours());
    }
    if !(OLDEST_SCHEMA_VERSION..=SCHEMA_VERSION).contains(&probe.schema_version) {
        return Err(Error::InvalidInput(format!(
            "the export file has schema version {}; this version of Värna reads versions {} to {}",
            probe.schema_version, OLDEST_SCHEMA_VERSION, SCHEMA_VERSION
        )));
    }
    let repr: FileRepr = serde_json::from_slice(bytes).map_err(|e| {
        Error::Corrupt(format!(
            "the export file does not match the schema (line {}, column {}): it has been altered or damaged",
            e.line(),
            e.column()
        ))
    })?;
    let altered =
        |what: &str| Error::Corrupt(format!("{what}: the file has been altered or damaged"));
    let start = signature_start(bytes)
        .ok_or_else(|| altered("the signature is not where Värna writes it"))?;
    if bytes[start..start + 128] != *repr.signature.as_bytes() {
        return Err(altered("the file has two signatures"));
    }
    let signature: [u8; 64] =
        strict_hex(&repr.signature).ok_or_else(|| altered("the signature is malformed"))?;
    let public_key = PublicKey::from_hex(&repr.public_key)
        .map_err(|_| altered("the public key is malformed"))?;
    if !public_key.verify(&signed_message(&bytes[..start]), &signature) {
        return Err(altered("the signature does not match"));
    }

    let threshold = SuppressionThreshold::new(repr.suppression_threshold)
        .map_err(|_| Error::Corrupt("the file's suppression threshold is out of range".into()))?;
    let sources: Vec<Source> = repr
        .sources
        .into_iter()
        .map(|s| Source {
            installation_id: s.installation_id,
            period: s.period,
        })
        .collect();
    let rows: Vec<ExportRow> = repr
        .rows
        .into_iter()
        .map(|r| ExportRow {
            month: r.month,
            unit: r.unit,
            instrument_id: r.instrument,
            instrument_version: r.version,
            measure: r.measure,
            category: r.category,
            count: r.count,
        })
        .collect();
    let mut sorted = sources.clone();
    sorted.sort();
    if sorted != sources {
        return Err(Error::Corrupt(
            "the file's sources are not in order: it was not written by Värna".into(),
        ));
    }
    let preliminary = match (repr.schema_version, repr.preliminary) {
        (1, None) => Vec::new(),
        (v, Some(months)) if v >= 2 => months,
        _ => {
            return Err(Error::Corrupt(
                "the file's preliminary months do not match its schema version".into(),
            ))
        }
    };
    let mut sorted_months = preliminary.clone();
    sorted_months.sort();
    sorted_months.dedup();
    if sorted_months != preliminary {
        return Err(Error::Corrupt(
            "the file's preliminary months are not in order: it was not written by Värna".into(),
        ));
    }
    check_contents(
        repr.schema_version,
        repr.period,
        threshold,
        &preliminary,
        &sources,
        &rows,
    )
    .map_err(|reason| {
        Error::Corrupt(format!("the signed file breaks the export rules: {reason}"))
    })?;
    Ok(SignedExport {
        schema_version: repr.schema_version,
        installation_id: repr.installation_id,
        public_key,
        period: repr.period,
        threshold,
        preliminary,
        sources,
        rows,
        bytes: bytes.to_vec(),
    })
}
