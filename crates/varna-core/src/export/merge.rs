//! Merging several installations' export files into one unit total.
//!
//! Each laptop's file already holds suppressed breakdowns (raw small counts never leave a
//! laptop), so a merged breakdown cell is exact only if it is exact in every input: then it is
//! their sum; if any input suppressed it, it stays suppressed. Totals are always exact and are
//! summed. Everything in the merged file is computable from its inputs, so it reveals nothing
//! they do not; and since each input table has no suppressed cell or at least two, so has the
//! union, while a sum of published cells (each 0 or above the threshold) is again 0 or above
//! it. See `docs/EXPORT.md`.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::{
    file, Cell, Code, ExportRow, InstallationKey, InstrumentVersion, Measure, Period, SignedExport,
    Source, UnitCode, YearMonth,
};
use crate::error::{Error, Result};

type RowKey = (YearMonth, UnitCode, Code, InstrumentVersion, Measure);
/// A table's cells in first-seen order; `None` once any input suppressed the cell.
type MergedCells = Vec<(Option<Code>, Option<u64>)>;

/// Merges verified export files into one file signed by `key` as `installation_id`.
///
/// Refuses ([`Error::InvalidInput`]) no files or files with different suppression thresholds,
/// and ([`Error::Conflict`]) the same installation twice for overlapping months (directly or
/// inside an earlier merged file) or one installation id with two different keys.
pub fn merge(
    files: &[SignedExport],
    key: &InstallationKey,
    installation_id: Uuid,
) -> Result<SignedExport> {
    let first = files
        .first()
        .ok_or_else(|| Error::InvalidInput("there are no export files to merge".into()))?;
    if let Some(old) = files
        .iter()
        .find(|f| f.schema_version() != super::SCHEMA_VERSION)
    {
        return Err(Error::InvalidInput(format!(
            "a file has schema version {} (counts filed under the month of the samtal); export it again with this version of Värna",
            old.schema_version()
        )));
    }
    let threshold = first.threshold();
    if let Some(other) = files.iter().find(|f| f.threshold() != threshold) {
        return Err(Error::InvalidInput(format!(
            "the files were suppressed with different thresholds ({} and {}); export them again with the same one",
            threshold.get(),
            other.threshold().get()
        )));
    }
    for (i, a) in files.iter().enumerate() {
        if let Some(b) = files[i + 1..].iter().find(|b| {
            b.installation_id() == a.installation_id() && b.public_key() != a.public_key()
        }) {
            return Err(Error::Conflict(format!(
                "installation {} signed two files with different keys",
                b.installation_id()
            )));
        }
    }
    let sources: Vec<Source> = files
        .iter()
        .flat_map(|f| f.sources().iter().copied())
        .collect();
    for (i, a) in sources.iter().enumerate() {
        if let Some(b) = sources[i + 1..]
            .iter()
            .find(|b| b.installation_id == a.installation_id && b.period.overlaps(a.period))
        {
            return Err(Error::Conflict(format!(
                "installation {} is counted twice, for {} and for {}",
                a.installation_id, a.period, b.period
            )));
        }
    }
    let period = Period::new(
        files
            .iter()
            .map(|f| f.period().from())
            .min()
            .expect("non-empty"),
        files
            .iter()
            .map(|f| f.period().to())
            .max()
            .expect("non-empty"),
    )?;

    let mut tables: BTreeMap<RowKey, MergedCells> = BTreeMap::new();
    for f in files {
        for row in f.rows() {
            let key = (
                row.month,
                row.unit.clone(),
                row.instrument_id.clone(),
                row.instrument_version.clone(),
                row.measure.clone(),
            );
            let cells = tables.entry(key).or_default();
            let cell = match cells.iter_mut().find(|(c, _)| *c == row.category) {
                Some((_, cell)) => cell,
                None => {
                    cells.push((row.category.clone(), Some(0)));
                    &mut cells.last_mut().expect("just pushed").1
                }
            };
            *cell = match (*cell, row.count) {
                (Some(sum), Cell::Exact(n)) => Some(
                    sum.checked_add(n)
                        .ok_or_else(|| Error::InvalidInput("a merged count is too large".into()))?,
                ),
                _ => None,
            };
        }
    }
    // A breakdown is published only next to a published `completed` (schema version 2): when
    // an input hid its block's `completed`, the merged block hides its breakdowns too.
    let completed_published: std::collections::BTreeSet<(
        YearMonth,
        UnitCode,
        Code,
        InstrumentVersion,
    )> = tables
        .iter()
        .filter(|((.., m), cells)| {
            *m == Measure::Completed
                && cells
                    .iter()
                    .any(|(_, v)| v.is_some_and(|v| v > threshold.get()))
        })
        .map(|((month, unit, id, version, _), _)| {
            (*month, unit.clone(), id.clone(), version.clone())
        })
        .collect();
    for ((month, unit, id, version, measure), cells) in tables.iter_mut() {
        if measure.is_breakdown()
            && !completed_published.contains(&(*month, unit.clone(), id.clone(), version.clone()))
        {
            for (_, v) in cells.iter_mut() {
                *v = None;
            }
        }
    }
    let rows = tables
        .into_iter()
        .flat_map(|((month, unit, id, version, measure), cells)| {
            cells.into_iter().map(move |(category, value)| ExportRow {
                month,
                unit: unit.clone(),
                instrument_id: id.clone(),
                instrument_version: version.clone(),
                measure: measure.clone(),
                category,
                count: value.map_or(Cell::Suppressed, Cell::Exact),
            })
        })
        .collect();
    let preliminary: Vec<YearMonth> = files
        .iter()
        .flat_map(|f| f.preliminary().iter().copied())
        .collect();
    file::sign(
        key,
        installation_id,
        period,
        threshold,
        preliminary,
        sources,
        rows,
    )
}
