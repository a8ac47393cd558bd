//! Statistics for the unit head and the aggregate-only export: the on-screen view, the signed
//! export file, merging several laptops' files, the installation's identity and the
//! suppression threshold.
//!
//! - Only an arbetsledare (enhetschef) or an administratör may see statistics, export or
//!   merge; a handläggare may not. An arbetsledare sees and exports only their own units.
//! - The on-screen view is built by the very same code as the export file
//!   ([`export::build_export`]), so it shows exactly the cells a file would publish:
//!   suppressed cells and totals are `None`, never a small number, and a sum over months or
//!   rows is shown only when every number in it is published.
//! - The installation id and its Ed25519 key are generated at first need and kept only in the
//!   encrypted database (`meta` table).

mod indicators;
mod senders;

pub use indicators::{IndicatorYearCell, IndicatorYearView, MAX_DENOMINATOR};
pub use senders::{FileProblem, IncomingFile, SenderStatus, TrustedSender, MAX_SENDER_LABEL};

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::OptionalExtension;
use serde::Serialize;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::access::Role;
use crate::db::now_text;
use crate::db::Store;
use crate::error::DbContext;
use crate::error::{Error, Result};
use crate::export::{
    self, Cell, CountRow, ExportRequest, InstallationKey, Measure, Period, SignedExport,
    SuppressionThreshold, YearMonth,
};
use crate::instrument::Text;

const STATS_ROLES: &[Role] = &[Role::Arbetsledare, Role::Administrator];
const META_INSTALLATION_ID: &str = "installation_id";
const META_INSTALLATION_KEY: &str = "installation_key_pkcs8";
const SETTING_THRESHOLD: &str = "suppression_threshold";

/// The installation's public identity, as carried in every export file it signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct InstallationIdentity {
    pub installation_id: Uuid,
    /// 64 lower-case hex digits.
    pub public_key: String,
    /// The key's short fingerprint, which a receiving unit head compares before trusting it.
    pub fingerprint: String,
}

/// One published cell in the view: a count, or `None` when suppressed (shown as "..").
pub type ViewCell = Option<u64>;

/// One breakdown cell of a view row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct BreakdownCell {
    /// `outcome:<dimension>` or `role`.
    pub measure: String,
    pub category: String,
    pub count: ViewCell,
}

/// One row of the statistics table: month × unit × instrument version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StatisticsRow {
    pub month: String,
    pub unit: String,
    pub unit_name: String,
    pub instrument: String,
    pub version: String,
    pub instrument_title: Option<Text>,
    /// The totals; `None` when suppressed (schema version 2 hides totals from 1 up to the
    /// threshold), `Some(0)` when nothing was counted.
    pub started: ViewCell,
    pub completed: ViewCell,
    pub reviewed: ViewCell,
    pub discarded: ViewCell,
    /// Outcome and role tables, in export order; suppressed cells are `None`.
    pub breakdowns: Vec<BreakdownCell>,
}

/// The totals of one month across the rows shown (for the chart). A sum is shown only when
/// every number in it is published: a sum over a suppressed number would be a new margin
/// from which the hidden number could be recovered, so it is `None` (shown as "–").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct MonthTotals {
    pub month: String,
    pub started: ViewCell,
    pub completed: ViewCell,
    pub reviewed: ViewCell,
    pub discarded: ViewCell,
}

/// The sum of published cells, or `None` if any of them is suppressed.
fn sum_published(cells: impl IntoIterator<Item = ViewCell>) -> ViewCell {
    cells
        .into_iter()
        .try_fold(0u64, |acc, c| c.map(|v| acc.saturating_add(v)))
}

/// What the statistics screen shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StatisticsView {
    pub from: String,
    pub to: String,
    pub threshold: u64,
    /// Every month of the period, in order (also months without counts).
    pub months: Vec<MonthTotals>,
    pub rows: Vec<StatisticsRow>,
    /// Whether any cell was suppressed (for the legend).
    pub any_suppressed: bool,
    /// The month of the period whose counts may still grow (the current month), if any: the
    /// screen marks it preliminary, as the export file does.
    pub preliminary: Option<String>,
    /// The unit codes the viewer may see.
    pub units: Vec<String>,
}

/// What an import/merge produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MergeSummary {
    pub period_from: String,
    pub period_to: String,
    pub sources: Vec<MergeSource>,
    pub rows: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MergeSource {
    pub installation_id: Uuid,
    pub from: String,
    pub to: String,
    /// The local name of the trusted sender, when the summary was made by
    /// [`Store::merge_summary`] and the installation is trusted here.
    pub label: Option<String>,
    /// Whether the source is this installation.
    pub own: bool,
}

impl MergeSummary {
    /// A summary of a (merged) export file.
    pub fn of(file: &SignedExport) -> MergeSummary {
        MergeSummary {
            period_from: file.period().from().to_string(),
            period_to: file.period().to().to_string(),
            sources: file
                .sources()
                .iter()
                .map(|s| MergeSource {
                    installation_id: s.installation_id,
                    from: s.period.from().to_string(),
                    to: s.period.to().to_string(),
                    label: None,
                    own: false,
                })
                .collect(),
            rows: file.rows().len(),
        }
    }
}

impl Store {
    /// The small-cell threshold used for the view and the export (default 3). Any signed-in
    /// account may read it.
    pub fn suppression_threshold(&self) -> Result<SuppressionThreshold> {
        let stored: Option<String> = self
            .conn()
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [SETTING_THRESHOLD],
                |r| r.get(0),
            )
            .optional()
            .db("reading settings")?;
        Ok(stored
            .and_then(|v| v.parse::<u64>().ok())
            .and_then(|v| SuppressionThreshold::new(v).ok())
            .unwrap_or_default())
    }

    /// Sets the small-cell threshold (2–100). Administrators only.
    pub fn set_suppression_threshold(&mut self, value: u64) -> Result<SuppressionThreshold> {
        self.require(&[Role::Administrator], "changing the suppression threshold")?;
        let threshold = SuppressionThreshold::new(value)?;
        let actor = self.actor().id.clone();
        self.with_tx(|tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [SETTING_THRESHOLD, &threshold.get().to_string()],
            )
            .db("saving settings")?;
            crate::audit::record(
                tx,
                Some(&actor),
                crate::audit::Event::SettingsChange,
                crate::audit::Obj::none()
                    .detail(format!("suppression_threshold={}", threshold.get())),
            )
        })?;
        Ok(threshold)
    }

    /// The installation's id and public key, generating them at first need. Arbetsledare and
    /// administratör.
    pub fn installation_identity(&mut self) -> Result<InstallationIdentity> {
        self.require(STATS_ROLES, "reading the installation identity")?;
        let (id, key) = self.installation_key()?;
        Ok(InstallationIdentity {
            installation_id: id,
            public_key: key.public_key().to_hex(),
            fingerprint: key.public_key().fingerprint(),
        })
    }

    /// The statistics of the months `from..=to` for the screen, suppressed exactly like the
    /// export. Arbetsledare (own units) and administratör (all units).
    pub fn statistics(&self, from: YearMonth, to: YearMonth) -> Result<StatisticsView> {
        self.require(STATS_ROLES, "viewing statistics")?;
        let period = Period::new(from, to)?;
        let request = self.export_request(period)?;
        // The same builder as the file, with a throwaway key: the view can never show a cell
        // that the file would not publish.
        let file = export::build_export(&request, &InstallationKey::generate()?, Uuid::nil())?;
        let units = self.visible_units()?;
        let titles: BTreeMap<(String, String), Text> = self
            .instruments()?
            .into_iter()
            .map(|i| ((i.id, i.version), i.title))
            .collect();

        let mut rows: BTreeMap<(YearMonth, String, String, String), StatisticsRow> =
            BTreeMap::new();
        let mut any_suppressed = false;
        for r in file.rows() {
            let key = (
                r.month,
                r.unit.to_string(),
                r.instrument_id.to_string(),
                r.instrument_version.to_string(),
            );
            let row = rows.entry(key.clone()).or_insert_with(|| StatisticsRow {
                month: key.0.to_string(),
                unit: key.1.clone(),
                unit_name: units.get(&key.1).cloned().unwrap_or_default(),
                instrument: key.2.clone(),
                version: key.3.clone(),
                instrument_title: titles.get(&(key.2.clone(), key.3.clone())).cloned(),
                started: Some(0),
                completed: Some(0),
                reviewed: Some(0),
                discarded: Some(0),
                breakdowns: Vec::new(),
            });
            let exact = r.count.exact();
            any_suppressed |= r.count == Cell::Suppressed;
            match (&r.measure, &r.category) {
                (Measure::Started, None) => row.started = exact,
                (Measure::Completed, None) => row.completed = exact,
                (Measure::Reviewed, None) => row.reviewed = exact,
                (Measure::Discarded, None) => row.discarded = exact,
                (m, Some(c)) => {
                    row.breakdowns.push(BreakdownCell {
                        measure: m.to_string(),
                        category: c.to_string(),
                        count: exact,
                    });
                }
                (_, None) => {}
            }
        }

        let mut months = Vec::new();
        let mut m = from;
        loop {
            let month = m.to_string();
            let of = |f: fn(&StatisticsRow) -> ViewCell| {
                sum_published(rows.values().filter(|r| r.month == month).map(f))
            };
            months.push(MonthTotals {
                started: of(|r| r.started),
                completed: of(|r| r.completed),
                reviewed: of(|r| r.reviewed),
                discarded: of(|r| r.discarded),
                month,
            });
            if m >= to {
                break;
            }
            m = next_month(m)?;
        }

        Ok(StatisticsView {
            from: from.to_string(),
            to: to.to_string(),
            threshold: request.threshold.get(),
            months,
            rows: rows.into_values().collect(),
            any_suppressed,
            preliminary: request.preliminary.first().map(|m| m.to_string()),
            units: units.into_keys().collect(),
        })
    }

    /// The signed export file of the months `from..=to`: built from the tally and the declared
    /// instruments, suppressed with the installation's threshold and signed with its key.
    /// Arbetsledare (own units) and administratör (all units).
    pub fn export(&mut self, from: YearMonth, to: YearMonth) -> Result<SignedExport> {
        self.require(STATS_ROLES, "exporting statistics")?;
        let request = self.export_request(Period::new(from, to)?)?;
        let (id, key) = self.installation_key()?;
        export::build_export(&request, &key, id).and_then(|f| {
            self.audit_now(
                crate::audit::Event::Export,
                crate::audit::Obj::none().detail(format!("{from}..{to}")),
            )
            .map(|_| f)
        })
    }

    /// Reads count files the user chose and merges them ([`Store::merge_exports`]). The
    /// role is checked before any path is touched; every file is read bounded, regular
    /// files only ([`crate::files::read_regular`]).
    pub fn merge_export_files(&mut self, paths: &[std::path::PathBuf]) -> Result<SignedExport> {
        self.require(STATS_ROLES, "merging statistics")?;
        let files = paths
            .iter()
            .map(|p| crate::files::read_regular(p, crate::files::MAX_EXPORT_BYTES))
            .collect::<Result<Vec<_>>>()?;
        self.merge_exports(&files)
    }

    /// Verifies each file and merges them into one unit total signed by this installation.
    /// Refuses a file that does not verify (naming which), a file not signed by this
    /// installation or a trusted sender ([`Store::trust_sender`]; [`Error::UntrustedSender`]),
    /// and the same installation twice for overlapping months (also the same file twice).
    /// Arbetsledare and administratör.
    pub fn merge_exports(&mut self, files: &[Vec<u8>]) -> Result<SignedExport> {
        self.require(STATS_ROLES, "merging statistics")?;
        if files.is_empty() {
            return Err(Error::InvalidInput(
                "there are no export files to merge".into(),
            ));
        }
        let mut verified = Vec::with_capacity(files.len());
        for (i, bytes) in files.iter().enumerate() {
            let file = export::verify(bytes).map_err(|e| match e {
                Error::Corrupt(m) => Error::Corrupt(format!("file {}: {m}", i + 1)),
                Error::InvalidInput(m) => Error::InvalidInput(format!("file {}: {m}", i + 1)),
                other => other,
            })?;
            verified.push(file);
        }
        self.require_trusted(&verified)?;
        let (id, key) = self.installation_key()?;
        export::merge(&verified, &key, id).and_then(|f| {
            self.audit_now(
                crate::audit::Event::Export,
                crate::audit::Obj::none().detail(format!(
                    "merge of {} files from {}",
                    verified.len(),
                    f.sources()
                        .iter()
                        .map(|s| s.installation_id.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            )
            .map(|_| f)
        })
    }

    /// The tally rows the actor may see, with the declared instruments and the threshold.
    fn export_request(&self, period: Period) -> Result<ExportRequest> {
        let visible: BTreeSet<String> = self
            .visible_units()?
            .into_keys()
            .map(|c| c.to_lowercase())
            .collect();
        let rows: Vec<CountRow> = self
            .tally_rows_unsuppressed(period.from(), period.to())?
            .into_iter()
            .filter(|r| visible.contains(&r.unit_code.as_str().to_lowercase()))
            .collect();
        let now = crate::screening::current_month();
        Ok(ExportRequest {
            period,
            threshold: self.suppression_threshold()?,
            preliminary: if period.contains(now) {
                vec![now]
            } else {
                Vec::new()
            },
            instruments: self.declared_instruments()?,
            rows,
        })
    }

    /// Code → name of the units the actor may see: all for an administratör, their own for an
    /// arbetsledare. The role and units are read afresh.
    fn visible_units(&self) -> Result<BTreeMap<String, String>> {
        let conn = self.conn();
        let role: String = conn
            .query_row(
                "SELECT role FROM accounts WHERE id = ?1",
                [&self.actor().id],
                |r| r.get(0),
            )
            .db("reading the account")?;
        let sql = if Role::parse(&role)? == Role::Administrator {
            "SELECT code, name FROM units WHERE ?1 IS NOT NULL"
        } else {
            "SELECT u.code, u.name FROM units u JOIN account_units au ON au.unit_id = u.id
             WHERE au.account_id = ?1"
        };
        let mut stmt = conn.prepare(sql).db("reading units")?;
        let units = stmt
            .query_map([&self.actor().id], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<BTreeMap<String, String>>>())
            .db("reading units")?;
        Ok(units)
    }

    /// The installation id and key, generated and stored (encrypted) at first need.
    fn installation_key(&mut self) -> Result<(Uuid, InstallationKey)> {
        if let Some(found) = self.load_installation_key()? {
            return Ok(found);
        }
        let key = InstallationKey::generate()?;
        let id = Uuid::new_v4();
        let hex_key = Zeroizing::new(hex::encode(key.pkcs8()));
        self.with_tx(|tx| {
            // Another writer may have created it meanwhile; never replace an existing identity.
            tx.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2), (?3, ?4)",
                [
                    META_INSTALLATION_ID,
                    &id.to_string(),
                    META_INSTALLATION_KEY,
                    hex_key.as_str(),
                ],
            )
            .db("saving the installation key")
            .map(|_| ())
        })?;
        self.load_installation_key()?
            .ok_or_else(|| Error::Internal("the installation key was not saved".into()))
    }

    fn load_installation_key(&self) -> Result<Option<(Uuid, InstallationKey)>> {
        let read = |k: &str| -> Result<Option<String>> {
            self.conn()
                .query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
                .optional()
                .db("reading the installation key")
        };
        let (Some(id), Some(key)) = (read(META_INSTALLATION_ID)?, read(META_INSTALLATION_KEY)?)
        else {
            return Ok(None);
        };
        let key = Zeroizing::new(key);
        let id = Uuid::parse_str(&id)
            .map_err(|_| Error::Corrupt("the installation id is damaged".into()))?;
        let bytes = Zeroizing::new(
            hex::decode(key.as_str())
                .map_err(|_| Error::Corrupt("the installation's signing key is damaged".into()))?,
        );
        Ok(Some((id, InstallationKey::from_pkcs8(bytes)?)))
    }
}

fn next_month(m: YearMonth) -> Result<YearMonth> {
    if m.month() == 12 {
        YearMonth::new(m.year() + 1, 1)
    } else {
        YearMonth::new(m.year(), m.month() + 1)
    }
}
