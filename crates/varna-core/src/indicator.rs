//! National follow-up indicators: a closed list shipped with Värna.
//!
//! An instrument tags its completion with indicators (`indicators = [...]` in the file, or the
//! table [`shipped_tags`] for the instruments shipped before the field existed); every
//! completion adds one to `indicator:<id>` in the tally, under the month of completion, and
//! every approved review adds one to `indicator:reviewed_by_supervisor`. The export carries
//! the indicator ids, never their names. Where each name comes from: `docs/EXPORT.md`,
//! "Follow-up indicators". Their names are the statistics' (`stats::indicators`); which
//! indicators a completion counts is the screening's (`screening::completion_tags`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One follow-up indicator. The list is closed: an instrument file naming another id is
/// refused at load, and the export refuses any other `indicator:` measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Indicator {
    /// The client was asked about violence (a screening was completed).
    AskedAboutViolence,
    /// A standardised, structured risk assessment was made.
    StandardisedRiskAssessment,
    /// A safety plan was drawn up.
    SafetyPlan,
    /// A new assessment after a new incident.
    ReassessmentAfterIncident,
    /// Children are present in the household.
    ChildrenPresent,
    /// The screening was reviewed and approved by the arbetsledare.
    ReviewedBySupervisor,
}

impl Indicator {
    /// Every indicator, in the order the statistics screen lists them.
    pub const ALL: &'static [Indicator] = &[
        Indicator::AskedAboutViolence,
        Indicator::StandardisedRiskAssessment,
        Indicator::SafetyPlan,
        Indicator::ReassessmentAfterIncident,
        Indicator::ChildrenPresent,
        Indicator::ReviewedBySupervisor,
    ];

    /// The id used in instrument files, the tally and the export.
    pub fn id(self) -> &'static str {
        match self {
            Indicator::AskedAboutViolence => "asked_about_violence",
            Indicator::StandardisedRiskAssessment => "standardised_risk_assessment",
            Indicator::SafetyPlan => "safety_plan",
            Indicator::ReassessmentAfterIncident => "reassessment_after_incident",
            Indicator::ChildrenPresent => "children_present",
            Indicator::ReviewedBySupervisor => "reviewed_by_supervisor",
        }
    }

    /// The indicator with this id.
    pub fn from_id(id: &str) -> Option<Indicator> {
        Indicator::ALL.iter().copied().find(|i| i.id() == id)
    }

    /// The tally and export measure, `indicator:<id>`.
    pub fn measure(self) -> String {
        format!("indicator:{}", self.id())
    }

    /// Whether an instrument may tag its completion with this indicator.
    /// `reviewed_by_supervisor` is counted by the review, never by a completion.
    pub fn taggable(self) -> bool {
        self != Indicator::ReviewedBySupervisor
    }
}

impl FromStr for Indicator {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Indicator::from_id(s).ok_or_else(|| {
            Error::InvalidInput(format!(
                "unknown follow-up indicator; expected one of: {}",
                Indicator::ALL
                    .iter()
                    .map(|i| i.id())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }
}

impl fmt::Display for Indicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Indicator {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Indicator {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The indicators of the instruments shipped with Värna whose files were written before the
/// `indicators` field existed. Their files are not edited (an edited `(id, version)` is
/// refused by the registry of every store that has seen it); the tags live here instead, per
/// exact `(id, version)`, and are never changed for a version once released, so a month's
/// counts never depend on the Värna release that computes them.
const SHIPPED: &[(&str, &str, &[Indicator])] = &[
    (
        "freda-kortfragor-stil",
        "1.0.0",
        &[Indicator::AskedAboutViolence],
    ),
    (
        "farlighet-stil",
        "1.0.0",
        &[Indicator::StandardisedRiskAssessment],
    ),
    (
        "patriark-stil",
        "1.0.0",
        &[Indicator::StandardisedRiskAssessment],
    ),
    ("signs-of-safety-stil", "1.0.0", &[Indicator::SafetyPlan]),
];

/// The shipped tags of an instrument version (empty for any other).
pub fn shipped_tags(id: &str, version: &str) -> &'static [Indicator] {
    SHIPPED
        .iter()
        .find(|(i, v, _)| *i == id && *v == version)
        .map_or(&[], |(_, _, tags)| tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_unknown_ids_are_refused() {
        for i in Indicator::ALL {
            assert_eq!(i.id().parse::<Indicator>().unwrap(), *i);
            assert!(!i.name().sv.is_empty());
            // Every id is a valid export code.
            crate::export::Code::new(i.id()).unwrap();
        }
        assert!("frågat".parse::<Indicator>().is_err());
        assert!("Asked_about_violence".parse::<Indicator>().is_err());
    }

    #[test]
    fn shipped_tags_are_for_exact_versions() {
        assert_eq!(
            shipped_tags("freda-kortfragor-stil", "1.0.0"),
            &[Indicator::AskedAboutViolence]
        );
        assert!(shipped_tags("freda-kortfragor-stil", "1.0.1").is_empty());
        assert!(shipped_tags("okand", "1.0.0").is_empty());
    }

    #[test]
    fn every_shipped_instrument_version_is_tagged() {
        let report = crate::instrument::shipped::shipped();
        for inst in &report.loaded {
            let def = &inst.definition;
            assert!(
                !crate::screening::completion_tags(def).is_empty(),
                "{} {} has no indicator",
                def.id,
                def.version
            );
        }
    }
}
