//! The aggregate-only export: count rows, small-cell suppression, signed files, verify and merge.
//!
//! This is the only way data leaves an installation, so the module is deliberately narrow:
//!
//! - It accepts nothing but [`CountRow`]s whose every field is a validated code (months,
//!   short codes, versions) and whose instruments, outcome dimensions and categories come from closed,
//!   declared sets ([`DeclaredInstrument`]) or the fixed [`PersonRole`] set.
//! - The four totals per month × unit × instrument (started, completed, reviewed, discarded)
//!   stay exact; the breakdowns (outcome dimensions, roles, first assessment or
//!   re-assessment) are small-cell suppressed
//!   ([`suppress_group`]).
//! - The file is signed with the installation's Ed25519 key ([`InstallationKey`]); [`verify`]
//!   checks the signature over every byte and a strict schema; [`merge`] adds several
//!   laptops' files into one unit total.
//!
//! It knows nothing about the store: the tally and the key come in as plain values.
//! The file format and the reasoning behind suppression and merge are in `docs/EXPORT.md`.

mod codes;
mod csv_view;
mod file;
mod key;
mod merge;
mod suppress;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use uuid::Uuid;

pub use codes::{
    Assessment, Code, InstrumentVersion, Measure, Period, PersonRole, UnitCode, YearMonth,
};
pub use csv_view::{HEADER as CSV_HEADER, SUPPRESSED_MARKER};
pub use file::{verify, FORMAT, OLDEST_SCHEMA_VERSION, SCHEMA_VERSION};
pub use key::{InstallationKey, PublicKey};
pub use merge::merge;
pub use suppress::{suppress_group, suppress_table, Cell};

use crate::error::{Error, Result};

/// The small-cell threshold: breakdown cells from 1 up to this value are suppressed.
///
/// It must be 2–100. A threshold of 1 is refused: with it, a table of two cells holding 1 and 1
/// cannot be protected by any secondary suppression (see `docs/EXPORT.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SuppressionThreshold(u64);

impl SuppressionThreshold {
    /// The smallest allowed threshold.
    pub const MIN: u64 = 2;
    /// The largest allowed threshold.
    pub const MAX: u64 = 100;

    /// A threshold; refuses values outside 2–100.
    pub fn new(value: u64) -> Result<Self> {
        if !(Self::MIN..=Self::MAX).contains(&value) {
            return Err(Error::InvalidInput(format!(
                "the suppression threshold must be between {} and {}",
                Self::MIN,
                Self::MAX
            )));
        }
        Ok(SuppressionThreshold(value))
    }

    /// The value.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl Default for SuppressionThreshold {
    /// 3, the default of the municipal action plans.
    fn default() -> Self {
        SuppressionThreshold(3)
    }
}

/// One count from the tally: the input of [`build_export`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRow {
    pub month: YearMonth,
    pub unit_code: UnitCode,
    pub instrument_id: Code,
    pub instrument_version: InstrumentVersion,
    pub measure: Measure,
    /// `None` for the totals; for a breakdown, a category of the dimension or a role code.
    pub category: Option<Code>,
    pub count: u64,
}

/// An instrument version that may appear in an export, with its declared outcome dimensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredInstrument {
    pub id: Code,
    pub version: InstrumentVersion,
    pub outcome_dimensions: Vec<OutcomeDimension>,
}

/// One declared outcome dimension (e.g. `screening`: `positive`, `negative`) and its closed,
/// ordered set of categories (at least two).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeDimension {
    pub code: Code,
    pub categories: Vec<Code>,
}

/// What to export: the period, the threshold, the declared instruments and the tally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    pub period: Period,
    pub threshold: SuppressionThreshold,
    /// The months of the period whose counts may still grow (the current month): marked in
    /// the file so that no one mistakes them for final.
    pub preliminary: Vec<YearMonth>,
    pub instruments: Vec<DeclaredInstrument>,
    pub rows: Vec<CountRow>,
}

/// One row of an export file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub month: YearMonth,
    pub unit: UnitCode,
    pub instrument_id: Code,
    pub instrument_version: InstrumentVersion,
    pub measure: Measure,
    pub category: Option<Code>,
    pub count: Cell,
}

/// One installation's contribution to a file: who counted, for which months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Source {
    pub installation_id: Uuid,
    pub period: Period,
}

/// A signed export file: built here, merged here, or read back by [`verify`]. Holding one means
/// its signature and its invariants have been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedExport {
    schema_version: u32,
    installation_id: Uuid,
    public_key: PublicKey,
    period: Period,
    threshold: SuppressionThreshold,
    preliminary: Vec<YearMonth>,
    sources: Vec<Source>,
    rows: Vec<ExportRow>,
    bytes: Vec<u8>,
}

impl SignedExport {
    /// The file's schema version ([`SCHEMA_VERSION`] for a file this build wrote).
    pub fn schema_version(&self) -> u32 {
        self.schema_version
    }

    /// The months whose counts were still growing when the file was made (sorted).
    pub fn preliminary(&self) -> &[YearMonth] {
        &self.preliminary
    }

    /// The installation that signed the file (for a merged file, the merging one).
    pub fn installation_id(&self) -> Uuid {
        self.installation_id
    }

    /// The signer's public key, as carried in the file.
    pub fn public_key(&self) -> PublicKey {
        self.public_key
    }

    /// The months the file covers.
    pub fn period(&self) -> Period {
        self.period
    }

    /// The small-cell threshold the breakdowns were suppressed with.
    pub fn threshold(&self) -> SuppressionThreshold {
        self.threshold
    }

    /// The installations whose counts the file holds, with their periods.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The rows, in file order.
    pub fn rows(&self) -> &[ExportRow] {
        &self.rows
    }

    /// The exact bytes of the signed JSON file.
    pub fn to_json_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The rows as CSV (UTF-8 with BOM): a human view, not signed and not read back by merge.
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        csv_view::write(&self.rows)
    }
}

/// The key of one table: month × unit × instrument version × measure.
type TableKey = (YearMonth, UnitCode, Code, InstrumentVersion, Measure);

/// Builds, suppresses and signs an export of `request.rows`.
///
/// Refuses (with [`Error::InvalidInput`]) a row outside the period, an undeclared instrument,
/// dimension or category, a total with a category, a breakdown without one, and the same count
/// twice.
pub fn build_export(
    request: &ExportRequest,
    key: &InstallationKey,
    installation_id: Uuid,
) -> Result<SignedExport> {
    let declared = declarations(&request.instruments)?;
    let mut totals: BTreeMap<TableKey, u64> = BTreeMap::new();
    let mut breakdowns: BTreeMap<TableKey, BTreeMap<Code, u64>> = BTreeMap::new();
    for (i, row) in request.rows.iter().enumerate() {
        let at = |msg: String| Error::InvalidInput(format!("count row {}: {msg}", i + 1));
        if !request.period.contains(row.month) {
            return Err(at(format!(
                "month {} is outside the period {}",
                row.month, request.period
            )));
        }
        let Some(dimensions) = declared.get(&(&row.instrument_id, &row.instrument_version)) else {
            return Err(at(format!(
                "instrument {} {} is not declared",
                row.instrument_id, row.instrument_version
            )));
        };
        let table = (
            row.month,
            row.unit_code.clone(),
            row.instrument_id.clone(),
            row.instrument_version.clone(),
            row.measure.clone(),
        );
        let duplicate = || at(format!("the same count appears twice ({})", row.measure));
        match (&row.measure, &row.category) {
            (m, None) if !m.is_breakdown() => {
                if totals.insert(table, row.count).is_some() {
                    return Err(duplicate());
                }
            }
            (m, Some(_)) if !m.is_breakdown() => {
                return Err(at(format!("the total {m} cannot have a category")));
            }
            (m, None) => return Err(at(format!("the breakdown {m} needs a category"))),
            (m, Some(category)) => {
                let allowed = match m {
                    Measure::Role => PersonRole::from_code(category.as_str()).is_some(),
                    Measure::Assessment => Assessment::from_code(category.as_str()).is_some(),
                    Measure::Outcome(dim) => match dimensions.get(dim) {
                        Some(categories) => categories.contains(category),
                        None => {
                            return Err(at(format!(
                                "outcome dimension {dim} is not declared by {} {}",
                                row.instrument_id, row.instrument_version
                            )))
                        }
                    },
                    _ => unreachable!("totals are handled above"),
                };
                if !allowed {
                    return Err(at(format!("category {category} is not declared for {m}")));
                }
                let cells = breakdowns.entry(table).or_default();
                if cells.insert(category.clone(), row.count).is_some() {
                    return Err(duplicate());
                }
            }
        }
    }

    let threshold = request.threshold.get();
    let mut rows = Vec::new();
    let mut tables: BTreeMap<TableKey, Vec<ExportRow>> = BTreeMap::new();
    // A block's breakdowns are published only next to a published `completed` (which is
    // above the threshold): otherwise every breakdown cell of the block is hidden.
    let completed_of = |table: &TableKey| {
        totals
            .get(&(
                table.0,
                table.1.clone(),
                table.2.clone(),
                table.3.clone(),
                Measure::Completed,
            ))
            .copied()
            .unwrap_or(0)
    };
    for (table, &count) in &totals {
        let cell = if (1..=threshold).contains(&count) {
            Cell::Suppressed
        } else {
            Cell::Exact(count)
        };
        tables
            .entry(table.clone())
            .or_default()
            .push(export_row(table, None, cell));
    }
    for (table, counts) in breakdowns {
        let categories: Vec<Code> = match &table.4 {
            Measure::Role => PersonRole::ALL
                .iter()
                .map(|r| Code::new(r.code()).expect("role codes are valid codes"))
                .collect(),
            Measure::Assessment => Assessment::ALL
                .iter()
                .map(|a| Code::new(a.code()).expect("assessment codes are valid codes"))
                .collect(),
            Measure::Outcome(dim) => declared[&(&table.2, &table.3)][dim].clone(),
            _ => unreachable!("only breakdowns are collected here"),
        };
        let values: Vec<u64> = categories
            .iter()
            .map(|c| counts.get(c).copied().unwrap_or(0))
            .collect();
        let completed = completed_of(&table);
        let mut published = if completed > threshold {
            suppress_table(&values, threshold)
        } else {
            vec![Cell::Suppressed; values.len()]
        };
        // The reader bounds the hidden cells by `completed` minus the published ones; for a
        // table whose cells add up to more than `completed` (which a consistent tally never
        // has), that can be less than the hidden cells' own sum: then hide the whole table.
        let shown: u64 = published.iter().filter_map(|c| c.exact()).sum();
        if published.iter().any(|c| c.is_suppressed())
            && completed.saturating_sub(shown) < threshold
        {
            published = vec![Cell::Suppressed; values.len()];
        }
        let group = categories
            .into_iter()
            .zip(published)
            .map(|(c, cell)| export_row(&table, Some(c), cell))
            .collect();
        tables.insert(table, group);
    }
    for group in tables.into_values() {
        rows.extend(group);
    }

    let sources = vec![Source {
        installation_id,
        period: request.period,
    }];
    file::sign(
        key,
        installation_id,
        request.period,
        request.threshold,
        request.preliminary.clone(),
        sources,
        rows,
    )
}

fn export_row(table: &TableKey, category: Option<Code>, count: Cell) -> ExportRow {
    ExportRow {
        month: table.0,
        unit: table.1.clone(),
        instrument_id: table.2.clone(),
        instrument_version: table.3.clone(),
        measure: table.4.clone(),
        category,
        count,
    }
}

type Declarations<'a> = BTreeMap<(&'a Code, &'a InstrumentVersion), BTreeMap<Code, Vec<Code>>>;

/// Indexes the declared instruments, refusing duplicates and dimensions with fewer than two
/// categories (a one-category breakdown would equal its total and could not be protected).
fn declarations(instruments: &[DeclaredInstrument]) -> Result<Declarations<'_>> {
    let mut out = Declarations::new();
    for inst in instruments {
        let name = format!("{} {}", inst.id, inst.version);
        let mut dims = BTreeMap::new();
        for dim in &inst.outcome_dimensions {
            let distinct: BTreeSet<&Code> = dim.categories.iter().collect();
            if distinct.len() != dim.categories.len() {
                return Err(Error::InvalidInput(format!(
                    "instrument {name}: outcome dimension {} lists a category twice",
                    dim.code
                )));
            }
            if dim.categories.len() < 2 {
                return Err(Error::InvalidInput(format!(
                    "instrument {name}: outcome dimension {} needs at least two categories",
                    dim.code
                )));
            }
            if dims
                .insert(dim.code.clone(), dim.categories.clone())
                .is_some()
            {
                return Err(Error::InvalidInput(format!(
                    "instrument {name}: outcome dimension {} is declared twice",
                    dim.code
                )));
            }
        }
        if out.insert((&inst.id, &inst.version), dims).is_some() {
            return Err(Error::InvalidInput(format!(
                "instrument {name} is declared twice"
            )));
        }
    }
    Ok(out)
}

/// Checks the invariants every export file must satisfy, whoever wrote it. Returns a short
/// English reason (naming no row content) when one does not hold.
pub(crate) fn check_contents(
    version_of_file: u32,
    period: Period,
    threshold: SuppressionThreshold,
    preliminary: &[YearMonth],
    sources: &[Source],
    rows: &[ExportRow],
) -> std::result::Result<(), String> {
    if preliminary.iter().any(|m| !period.contains(*m)) {
        return Err("a preliminary month lies outside the file's period".into());
    }
    if sources.is_empty() {
        return Err("the file names no source installation".into());
    }
    for (i, a) in sources.iter().enumerate() {
        if !period.covers(a.period) {
            return Err("a source's period lies outside the file's period".into());
        }
        if sources[i + 1..]
            .iter()
            .any(|b| b.installation_id == a.installation_id && b.period.overlaps(a.period))
        {
            return Err(format!(
                "installation {} is a source twice for overlapping periods",
                a.installation_id
            ));
        }
    }
    let mut seen = HashSet::new();
    let mut groups: BTreeMap<TableKey, Vec<Cell>> = BTreeMap::new();
    let mut completed: BTreeMap<(YearMonth, UnitCode, Code, InstrumentVersion), Cell> =
        BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        let n = i + 1;
        if !sources.iter().any(|s| s.period.contains(row.month)) {
            return Err(format!("row {n} is for a month no source covers"));
        }
        if !seen.insert((
            row.month,
            &row.unit,
            &row.instrument_id,
            &row.instrument_version,
            &row.measure,
            &row.category,
        )) {
            return Err(format!("row {n} repeats an earlier row's key"));
        }
        match (&row.measure, &row.category) {
            (m, None) if !m.is_breakdown() => {
                match (version_of_file, row.count) {
                    (1, Cell::Suppressed) => {
                        return Err(format!("row {n} is a suppressed total"));
                    }
                    (_, Cell::Exact(v))
                        if version_of_file >= 2 && (1..=threshold.get()).contains(&v) =>
                    {
                        return Err(format!(
                            "row {n} is a published total at or below the suppression threshold"
                        ));
                    }
                    _ => {}
                }
                if row.measure == Measure::Completed {
                    completed.insert(
                        (
                            row.month,
                            row.unit.clone(),
                            row.instrument_id.clone(),
                            row.instrument_version.clone(),
                        ),
                        row.count,
                    );
                }
            }
            (m, None) => return Err(format!("row {n}: the breakdown {m} has no category")),
            (m, Some(_)) if !m.is_breakdown() => {
                return Err(format!("row {n}: the total {m} has a category"))
            }
            (Measure::Role, Some(c)) if PersonRole::from_code(c.as_str()).is_none() => {
                return Err(format!("row {n}: {c} is not a role"))
            }
            (Measure::Assessment, Some(c)) if Assessment::from_code(c.as_str()).is_none() => {
                return Err(format!("row {n}: {c} is not an assessment category"))
            }
            (_, Some(_)) => {
                let table = (
                    row.month,
                    row.unit.clone(),
                    row.instrument_id.clone(),
                    row.instrument_version.clone(),
                    row.measure.clone(),
                );
                groups.entry(table).or_default().push(row.count);
            }
        }
    }
    for ((month, unit, id, version, measure), cells) in &groups {
        if cells.len() < 2 {
            return Err(format!(
                "the {measure} table of {id} {version} for {unit} {month} has fewer than two categories"
            ));
        }
        let at =
            |reason: &str| format!("{reason} ({measure} of {id} {version} for {unit} {month})");
        suppress::check_published_group(cells, threshold.get()).map_err(at)?;
        if version_of_file >= 2 {
            let block = (*month, unit.clone(), id.clone(), version.clone());
            let total = match completed.get(&block) {
                Some(Cell::Exact(c)) => *c,
                _ => 0,
            };
            suppress::check_published_table(cells, total, threshold.get()).map_err(at)?;
        }
    }
    Ok(())
}
