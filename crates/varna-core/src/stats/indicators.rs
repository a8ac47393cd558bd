//! The year view of the national follow-up indicators, and the unit's own denominators.
//!
//! - The count of an indicator for a unit and year is the sum of the published monthly
//!   `indicator:<id>` counts of that unit (all instruments and versions) in the export file
//!   of the year; if any of them is hidden, the sum is hidden too (`None`, shown as "–"), as
//!   for every other sum on the statistics screen (`docs/EXPORT.md`, "Which numbers a file
//!   publishes").
//! - The denominator (e.g. the number of cases about violence the unit opened that year) is
//!   entered by the unit head, stored in the encrypted database, logged, and never exported.
//!   The share is count / denominator; it is hidden whenever the count is hidden.

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

use super::{sum_published, ViewCell, STATS_ROLES};
use crate::db::Store;
use crate::error::DbContext;
use crate::error::{Error, Result, RowsExt};
use crate::export::{self, InstallationKey, Measure, Period, YearMonth};
use crate::indicator::Indicator;
use crate::instrument::Text;

/// An indicator with its names, for the UI and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct IndicatorInfo {
    pub id: &'static str,
    pub name: Text,
}

impl Indicator {
    /// Swedish and English names.
    pub fn name(self) -> Text {
        let (sv, en) = match self {
            Indicator::AskedAboutViolence => ("Frågat om våld", "Asked about violence"),
            Indicator::StandardisedRiskAssessment => (
                "Standardiserad riskbedömning gjord",
                "Standardised risk assessment made",
            ),
            Indicator::SafetyPlan => ("Säkerhetsplan upprättad", "Safety plan drawn up"),
            Indicator::ReassessmentAfterIncident => (
                "Ny bedömning efter ny händelse",
                "New assessment after a new incident",
            ),
            Indicator::ChildrenPresent => ("Barn finns i hushållet", "Children in the household"),
            Indicator::ReviewedBySupervisor => {
                ("Granskad av arbetsledare", "Reviewed by the supervisor")
            }
        };
        Text {
            sv: sv.to_owned(),
            en: Some(en.to_owned()),
        }
    }

    /// The closed list with names.
    pub fn catalogue() -> Vec<IndicatorInfo> {
        Indicator::ALL
            .iter()
            .map(|i| IndicatorInfo {
                id: i.id(),
                name: i.name(),
            })
            .collect()
    }
}

/// The largest denominator accepted (a unit's cases in one year).
pub const MAX_DENOMINATOR: u64 = 1_000_000;

/// One unit × indicator of the year view.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IndicatorYearCell {
    pub unit: String,
    pub unit_name: String,
    pub indicator: &'static str,
    /// The year's count, `None` when any month's count is hidden.
    pub count: ViewCell,
    /// The unit's own denominator for the year, if entered.
    pub denominator: Option<u64>,
    /// count / denominator in percent, one decimal; `None` when either is missing or hidden.
    pub share_percent: Option<f64>,
}

/// What the year view shows.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IndicatorYearView {
    pub year: u16,
    pub threshold: u64,
    /// The current month, when the year includes it: the year's counts may still grow.
    pub preliminary: Option<String>,
    /// The closed list of indicators, with names.
    pub indicators: Vec<IndicatorInfo>,
    /// Unit × indicator, units sorted by code, indicators in list order.
    pub cells: Vec<IndicatorYearCell>,
    /// Whether any count is hidden (for the legend).
    pub any_suppressed: bool,
}

fn check_year(year: u16) -> Result<()> {
    if (2000..=2999).contains(&year) {
        Ok(())
    } else {
        Err(Error::InvalidInput(
            "the year must be between 2000 and 2999".into(),
        ))
    }
}

/// The share in percent, one decimal.
fn share(count: ViewCell, denominator: Option<u64>) -> Option<f64> {
    match (count, denominator) {
        (Some(c), Some(d)) if d > 0 => Some((c as f64 * 1000.0 / d as f64).round() / 10.0),
        _ => None,
    }
}

impl Store {
    /// The follow-up indicators of `year` per unit the viewer may see, suppressed exactly like
    /// the export. Arbetsledare (own units) and administratör (all units).
    pub fn indicator_year(&self, year: u16) -> Result<IndicatorYearView> {
        self.require(STATS_ROLES, "viewing statistics")?;
        check_year(year)?;
        let period = Period::new(YearMonth::new(year, 1)?, YearMonth::new(year, 12)?)?;
        let request = self.export_request(period)?;
        // The same builder as the file: the view never shows a count the file would hide.
        let file = export::build_export(&request, &InstallationKey::generate()?, Uuid::nil())?;
        let units = self.visible_units()?;

        let mut monthly: BTreeMap<(String, Indicator), Vec<ViewCell>> = BTreeMap::new();
        for r in file.rows() {
            if let (Measure::Indicator(i), None) = (&r.measure, &r.category) {
                monthly
                    .entry((r.unit.as_str().to_lowercase(), *i))
                    .or_default()
                    .push(r.count.exact());
            }
        }
        let denominators = self.denominators(year)?;

        let mut cells = Vec::new();
        let mut any_suppressed = false;
        for (code, name) in &units {
            for &i in Indicator::ALL {
                let count = monthly
                    .get(&(code.to_lowercase(), i))
                    .map_or(Some(0), |cells| sum_published(cells.iter().copied()));
                any_suppressed |= count.is_none();
                let denominator = denominators.get(&(code.to_lowercase(), i)).copied();
                cells.push(IndicatorYearCell {
                    unit: code.clone(),
                    unit_name: name.clone(),
                    indicator: i.id(),
                    count,
                    denominator,
                    share_percent: share(count, denominator),
                });
            }
        }
        Ok(IndicatorYearView {
            year,
            threshold: request.threshold.get(),
            preliminary: request.preliminary.first().map(|m| m.to_string()),
            indicators: Indicator::catalogue(),
            cells,
            any_suppressed,
        })
    }

    /// Sets (or with `None` clears) a unit's denominator of an indicator for a year. The
    /// unit head: an arbetsledare for their own units, an administratör for any. Logged as
    /// `denominator_set` with the unit, year, indicator and value (codes and numbers only).
    pub fn set_indicator_denominator(
        &mut self,
        unit: &str,
        year: u16,
        indicator: &str,
        value: Option<u64>,
    ) -> Result<()> {
        self.require(STATS_ROLES, "setting a denominator")?;
        check_year(year)?;
        let indicator: Indicator = indicator.parse()?;
        if let Some(v) = value {
            if !(1..=MAX_DENOMINATOR).contains(&v) {
                return Err(Error::InvalidInput(format!(
                    "the denominator must be a whole number from 1 to {MAX_DENOMINATOR}"
                )));
            }
        }
        let visible = self.visible_units()?;
        let Some(code) = visible
            .keys()
            .find(|c| c.eq_ignore_ascii_case(unit))
            .cloned()
        else {
            return Err(Error::Forbidden(
                "a denominator can only be set for one of your own units".into(),
            ));
        };
        let unit_id: String = self
            .conn()
            .query_row("SELECT id FROM units WHERE code = ?1", [&code], |r| {
                r.get(0)
            })
            .db("reading the unit")?;
        let actor = self.actor().id.clone();
        let now = crate::db::now_text();
        self.with_tx(|tx| {
            match value {
                Some(v) => tx.execute(
                    "INSERT INTO indicator_denominators
                         (unit_id, year, indicator, value, updated_at, updated_by)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (unit_id, year, indicator) DO UPDATE SET
                         value = excluded.value, updated_at = excluded.updated_at,
                         updated_by = excluded.updated_by",
                    rusqlite::params![unit_id, year, indicator.id(), v as i64, now, actor],
                ),
                None => tx.execute(
                    "DELETE FROM indicator_denominators
                     WHERE unit_id = ?1 AND year = ?2 AND indicator = ?3",
                    rusqlite::params![unit_id, year, indicator.id()],
                ),
            }
            .db("saving the denominator")?;
            crate::audit::record(
                tx,
                Some(&actor),
                crate::audit::Event::DenominatorSet,
                crate::audit::Obj::unit(&unit_id).detail(format!(
                    "{year} {}={}",
                    indicator.id(),
                    value.map_or_else(|| "cleared".to_owned(), |v| v.to_string())
                )),
            )
        })
    }

    /// The denominators of `year`: (lower-case unit code, indicator) → value.
    fn denominators(&self, year: u16) -> Result<BTreeMap<(String, Indicator), u64>> {
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT u.code, d.indicator, d.value FROM indicator_denominators d
                 JOIN units u ON u.id = d.unit_id WHERE d.year = ?1",
            )
            .db("reading denominators")?;
        let rows = stmt.rows([year], "reading denominators", |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(code, id, v)| {
                Some((
                    (code.to_lowercase(), Indicator::from_id(&id)?),
                    u64::try_from(v).ok()?,
                ))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_is_hidden_with_its_count_and_rounded_to_one_decimal() {
        assert_eq!(share(Some(12), Some(40)), Some(30.0));
        assert_eq!(share(Some(1), Some(3)), Some(33.3));
        assert_eq!(share(None, Some(40)), None);
        assert_eq!(share(Some(12), None), None);
        assert!(check_year(1999).is_err() && check_year(2026).is_ok());
    }
}
