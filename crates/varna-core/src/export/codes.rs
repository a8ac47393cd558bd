//! The only values an export row may carry: months, short codes, versions, measures.
//!
//! Every type here validates a strict pattern on construction and on deserialisation, so free
//! text (a name, a case reference, an answer) cannot reach an export file even through a bug
//! upstream. Error messages name the field, never the rejected value.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

macro_rules! string_serde {
    ($t:ty, $what:literal) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse()
                    .map_err(|_| serde::de::Error::custom(concat!("not a valid ", $what)))
            }
        }
    };
}

/// A calendar month, `YYYY-MM`: the finest time an export may show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: u16,
    month: u8,
}

impl YearMonth {
    /// A month; the year must be 2000–9999 and the month 1–12.
    pub fn new(year: u16, month: u8) -> Result<Self> {
        if !(2000..=9999).contains(&year) || !(1..=12).contains(&month) {
            return Err(Error::InvalidInput(
                "a month must be YYYY-MM with a year from 2000 and a month 01-12".into(),
            ));
        }
        Ok(YearMonth { year, month })
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }
}

impl FromStr for YearMonth {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::InvalidInput("a month must be written YYYY-MM".into());
        let b = s.as_bytes();
        if b.len() != 7
            || b[4] != b'-'
            || !s[..4]
                .bytes()
                .chain(s[5..].bytes())
                .all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        YearMonth::new(
            s[..4].parse().map_err(|_| bad())?,
            s[5..].parse().map_err(|_| bad())?,
        )
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

string_serde!(YearMonth, "month (YYYY-MM)");

/// An inclusive range of months.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type,
)]
#[serde(deny_unknown_fields, try_from = "PeriodRepr")]
pub struct Period {
    from: YearMonth,
    to: YearMonth,
}

#[derive(Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
struct PeriodRepr {
    from: YearMonth,
    to: YearMonth,
}

impl TryFrom<PeriodRepr> for Period {
    type Error = Error;
    fn try_from(r: PeriodRepr) -> Result<Self> {
        Period::new(r.from, r.to)
    }
}

impl Period {
    /// The months `from..=to`; `from` must not be after `to`.
    pub fn new(from: YearMonth, to: YearMonth) -> Result<Self> {
        if from > to {
            return Err(Error::InvalidInput(format!(
                "the period starts ({from}) after it ends ({to})"
            )));
        }
        Ok(Period { from, to })
    }

    /// The first month.
    pub fn from(self) -> YearMonth {
        self.from
    }

    /// The last month.
    pub fn to(self) -> YearMonth {
        self.to
    }

    /// Whether `month` lies in the period.
    pub fn contains(self, month: YearMonth) -> bool {
        self.from <= month && month <= self.to
    }

    /// Whether the two periods share a month.
    pub fn overlaps(self, other: Period) -> bool {
        self.from <= other.to && other.from <= self.to
    }

    /// Whether `other` lies wholly inside this period.
    pub fn covers(self, other: Period) -> bool {
        self.from <= other.from && other.to <= self.to
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.from, self.to)
    }
}

/// A unit's code (enhet), `^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$`.
///
/// The first character may not be `-`, so that no CSV cell can start like a spreadsheet formula.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitCode(String);

impl UnitCode {
    /// Validates a unit code.
    pub fn new(s: &str) -> Result<Self> {
        s.parse()
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for UnitCode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let ok = (1..=16).contains(&s.len())
            && s.as_bytes()[0].is_ascii_alphanumeric()
            && s.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
        if !ok {
            return Err(Error::InvalidInput(
                "a unit code must be 1-16 characters of A-Z, a-z, 0-9, '_' or '-', starting with a letter or digit"
                    .into(),
            ));
        }
        Ok(UnitCode(s.to_owned()))
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

string_serde!(UnitCode, "unit code");

/// A short lower-case code, `^[a-z0-9][a-z0-9_.-]{0,31}$`: instrument ids, outcome dimensions
/// and categories.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code(String);

impl Code {
    /// Validates a code.
    pub fn new(s: &str) -> Result<Self> {
        s.parse()
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Code {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let b = s.as_bytes();
        let ok = (1..=32).contains(&b.len())
            && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
            && b.iter().all(|&c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'.' | b'-')
            });
        if !ok {
            return Err(Error::InvalidInput(
                "a code must be 1-32 characters of a-z, 0-9, '_', '.' or '-', starting with a letter or digit"
                    .into(),
            ));
        }
        Ok(Code(s.to_owned()))
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

string_serde!(Code, "code");

/// An instrument version, `MAJOR.MINOR.PATCH` with an optional `-pre.release` tag
/// (at most 32 characters of `0-9 A-Z a-z . -`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstrumentVersion(String);

impl InstrumentVersion {
    /// Validates a version.
    pub fn new(s: &str) -> Result<Self> {
        s.parse()
    }

    /// The version.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for InstrumentVersion {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let (core, pre) = match s.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (s, None),
        };
        let numbers: Vec<&str> = core.split('.').collect();
        let ok = s.len() <= 32
            && numbers.len() == 3
            && numbers
                .iter()
                .all(|n| (1..=5).contains(&n.len()) && n.bytes().all(|c| c.is_ascii_digit()))
            && match pre {
                None => true,
                Some(p) => {
                    !p.is_empty()
                        && p.bytes()
                            .all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'-')
                }
            };
        if !ok {
            return Err(Error::InvalidInput(
                "an instrument version must be MAJOR.MINOR.PATCH, optionally with -tag".into(),
            ));
        }
        Ok(InstrumentVersion(s.to_owned()))
    }
}

impl fmt::Display for InstrumentVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

string_serde!(InstrumentVersion, "instrument version");

/// The role of the person a screening is about: the fixed set of role categories.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "lowercase")]
pub enum PersonRole {
    /// Våldsutsatt: the person subjected to violence.
    Valdsutsatt,
    /// Våldsutövare: the person who uses violence.
    Valdsutovare,
    /// Barn: a child (who witnessed or was subjected to violence).
    Barn,
    /// Anhörig: a relative or other close person.
    Anhorig,
}

impl PersonRole {
    /// Every role, in the order an export lists them.
    pub const ALL: [PersonRole; 4] = [
        PersonRole::Valdsutsatt,
        PersonRole::Valdsutovare,
        PersonRole::Barn,
        PersonRole::Anhorig,
    ];

    /// The role's category code in an export.
    pub fn code(self) -> &'static str {
        match self {
            PersonRole::Valdsutsatt => "valdsutsatt",
            PersonRole::Valdsutovare => "valdsutovare",
            PersonRole::Barn => "barn",
            PersonRole::Anhorig => "anhorig",
        }
    }

    /// The role with this category code, if any.
    pub fn from_code(code: &str) -> Option<PersonRole> {
        PersonRole::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// Whether a completed screening is a first assessment or a re-assessment (a follow-up of an
/// earlier screening of the same person): the fixed categories of the `assessment` breakdown.
/// The follow-up link itself never leaves the store; only this category is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Assessment {
    /// Första bedömningen: not a follow-up.
    Forsta,
    /// Uppföljning: a re-assessment of an earlier screening.
    Uppfoljning,
}

impl Assessment {
    /// Both categories, in the order an export lists them.
    pub const ALL: [Assessment; 2] = [Assessment::Forsta, Assessment::Uppfoljning];

    /// The category of a completion: a follow-up or not.
    pub fn of(follow_up: bool) -> Assessment {
        if follow_up {
            Assessment::Uppfoljning
        } else {
            Assessment::Forsta
        }
    }

    /// The category code in an export.
    pub fn code(self) -> &'static str {
        match self {
            Assessment::Forsta => "forsta",
            Assessment::Uppfoljning => "uppfoljning",
        }
    }

    /// The category with this code, if any.
    pub fn from_code(code: &str) -> Option<Assessment> {
        Assessment::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// What a count row counts.
///
/// The four totals are exact and carry no category; the breakdowns are small-cell suppressed
/// and carry a category from a closed set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Measure {
    /// Screenings started in the month (`started`).
    Started,
    /// Screenings completed in the month (`completed`).
    Completed,
    /// Screenings reviewed (approved) in the month (`reviewed`).
    Reviewed,
    /// Screenings discarded in the month (`discarded`).
    Discarded,
    /// Breakdown by one declared outcome dimension of the instrument (`outcome:<dimension>`).
    Outcome(Code),
    /// Breakdown by the person's role (`role`), categories from [`PersonRole`].
    Role,
    /// Breakdown of completions into first assessments and re-assessments (`assessment`),
    /// categories from [`Assessment`].
    Assessment,
    /// Completions (or approved reviews) counted for a national follow-up indicator
    /// (`indicator:<id>`): a total, from the closed list in [`crate::indicator`].
    Indicator(crate::indicator::Indicator),
}

impl Measure {
    /// Whether this is a breakdown (categorised, suppressed) rather than an exact total.
    pub fn is_breakdown(&self) -> bool {
        matches!(
            self,
            Measure::Outcome(_) | Measure::Role | Measure::Assessment
        )
    }
}

impl FromStr for Measure {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "started" => Measure::Started,
            "completed" => Measure::Completed,
            "reviewed" => Measure::Reviewed,
            "discarded" => Measure::Discarded,
            "role" => Measure::Role,
            "assessment" => Measure::Assessment,
            _ => match (s.strip_prefix("outcome:"), s.strip_prefix("indicator:")) {
                (Some(dim), _) => Measure::Outcome(dim.parse()?),
                (_, Some(id)) => Measure::Indicator(id.parse()?),
                _ => {
                    return Err(Error::InvalidInput(
                        "a measure must be started, completed, reviewed, discarded, role, assessment, outcome:<dimension> or indicator:<id>"
                            .into(),
                    ))
                }
            },
        })
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Measure::Started => f.write_str("started"),
            Measure::Completed => f.write_str("completed"),
            Measure::Reviewed => f.write_str("reviewed"),
            Measure::Discarded => f.write_str("discarded"),
            Measure::Outcome(d) => write!(f, "outcome:{d}"),
            Measure::Role => f.write_str("role"),
            Measure::Assessment => f.write_str("assessment"),
            Measure::Indicator(i) => write!(f, "indicator:{i}"),
        }
    }
}

string_serde!(Measure, "measure");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_only_in_the_strict_form() {
        assert_eq!(
            "2025-03".parse::<YearMonth>().unwrap().to_string(),
            "2025-03"
        );
        for bad in [
            "2025-3",
            "2025-13",
            "1999-01",
            "2025-03-01",
            "2025/03",
            " 2025-03",
            "２０２５-03",
        ] {
            assert!(bad.parse::<YearMonth>().is_err(), "{bad}");
        }
    }

    #[test]
    fn codes_refuse_free_text() {
        assert!(Code::new("freda-kort").is_ok());
        assert!(Code::new("screening.positive_1").is_ok());
        for bad in [
            "",
            "Anna",
            "anna svensson",
            "_x",
            "ärende",
            &"a".repeat(33),
            "a\n",
        ] {
            assert!(Code::new(bad).is_err(), "{bad:?}");
        }
        assert!(UnitCode::new("IFO-Vux_2").is_ok());
        for bad in ["", "Enhet 1", "a.b", &"A".repeat(17), "Öst", "-A1"] {
            assert!(UnitCode::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn versions_are_numeric_with_an_optional_tag() {
        for good in ["1.0.0", "12.3.45", "1.0.0-beta.2"] {
            assert!(InstrumentVersion::new(good).is_ok(), "{good}");
        }
        for bad in [
            "1.0",
            "v1.0.0",
            "1.0.0-",
            "1.0.0 beta",
            "1.0.0+build",
            "1.x.0",
        ] {
            assert!(InstrumentVersion::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn measures_round_trip_through_their_text_form() {
        for m in [
            "started",
            "completed",
            "reviewed",
            "discarded",
            "role",
            "assessment",
            "outcome:band",
        ] {
            assert_eq!(m.parse::<Measure>().unwrap().to_string(), m);
        }
        assert!("outcome:Band".parse::<Measure>().is_err());
        assert!("total".parse::<Measure>().is_err());
    }

    #[test]
    fn periods_know_overlap_and_containment() {
        let p = |a: &str, b: &str| Period::new(a.parse().unwrap(), b.parse().unwrap()).unwrap();
        assert!(p("2025-01", "2025-03").overlaps(p("2025-03", "2025-05")));
        assert!(!p("2025-01", "2025-03").overlaps(p("2025-04", "2025-05")));
        assert!(p("2025-01", "2025-12").covers(p("2025-03", "2025-05")));
        assert!(Period::new("2025-02".parse().unwrap(), "2025-01".parse().unwrap()).is_err());
    }
}
