//! The CSV view of an export: for people and spreadsheets, not for machines.
//!
//! UTF-8 with a byte-order mark (so Excel does not guess another encoding), CRLF line ends,
//! header `month,unit,instrument,version,measure,category,count`; a suppressed count is `..`
//! (the marker Statistics Sweden uses for a value that is not shown). Every cell is a validated
//! code or a number, so no cell can start like a spreadsheet formula. The CSV is not signed:
//! the signed JSON file is the record, and merge reads only that.

use super::{Cell, ExportRow};
use crate::error::{Error, Result};

/// The CSV header.
pub const HEADER: [&str; 7] = [
    "month",
    "unit",
    "instrument",
    "version",
    "measure",
    "category",
    "count",
];
/// How a suppressed count is shown.
pub const SUPPRESSED_MARKER: &str = "..";

pub(crate) fn write(rows: &[ExportRow]) -> Result<Vec<u8>> {
    let fail = |e: csv::Error| Error::Internal(format!("writing the CSV view: {e}"));
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record(HEADER).map_err(fail)?;
    for row in rows {
        let count = match row.count {
            Cell::Exact(n) => n.to_string(),
            Cell::Suppressed => SUPPRESSED_MARKER.to_string(),
        };
        out.write_record([
            row.month.to_string().as_str(),
            row.unit.as_str(),
            row.instrument_id.as_str(),
            row.instrument_version.as_str(),
            row.measure.to_string().as_str(),
            row.category.as_ref().map_or("", |c| c.as_str()),
            count.as_str(),
        ])
        .map_err(fail)?;
    }
    out.into_inner()
        .map_err(|e| Error::Internal(format!("writing the CSV view: {}", e.error())))
}
