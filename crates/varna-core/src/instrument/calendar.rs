//! The incident calendar: what an answer holds, and the measures the condition language
//! reads from it (`count`, `count_within`, `escalation`; see `docs/INSTRUMENTS.md`).
//!
//! Every measure counts whole calendar months back from the calendar's `as_of` date (the
//! day of the samtal), so an incident known only by its month is counted exactly like one
//! with a day, and the result depends on the answer alone, never on today's date.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::answer::parse_date;
use super::model::Choice;

/// The most incidents one calendar holds.
pub const MAX_INCIDENTS: usize = 200;
/// The longest description of an incident, in characters.
pub const MAX_DESCRIPTION: usize = 1000;

/// The answer to a `calendar` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CalendarAnswer {
    /// The day the calendar counts back from (the day of the samtal), `YYYY-MM-DD`.
    /// Stored answers written before the one casing say `as_of`.
    #[serde(alias = "as_of")]
    pub as_of: String,
    /// The incidents, in any order. An empty list is an answer: no incidents.
    pub incidents: Vec<Incident>,
}

/// One incident on the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    /// `YYYY-MM-DD`, or `YYYY-MM` when only the month is known.
    pub date: String,
    /// The id of a severity level of the item.
    pub severity: String,
    /// What happened, in a few words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The month of a `YYYY-MM-DD` or `YYYY-MM` date as a running month number.
pub(crate) fn month_number(date: &str) -> Option<i64> {
    let full = if date.len() == 7 {
        format!("{date}-01")
    } else {
        date.to_owned()
    };
    let d = parse_date(&full)?;
    use chrono::Datelike;
    Some(i64::from(d.year()) * 12 + i64::from(d.month0()))
}

/// How many whole months before the `as_of` month an incident lies (0: the same month).
/// `None` for an unreadable date.
fn months_ago(as_of: i64, incident: &Incident) -> Option<i64> {
    Some(as_of - month_number(&incident.date)?)
}

/// Checks an answer against the item's severity levels and number of months.
pub(crate) fn check(levels: &[Choice], months: u32, answer: &CalendarAnswer) -> Result<(), String> {
    let as_of_day = parse_date(&answer.as_of)
        .ok_or_else(|| format!("`{}` is not a date written YYYY-MM-DD", answer.as_of))?;
    let as_of = month_number(&answer.as_of).unwrap_or_default();
    if answer.incidents.len() > MAX_INCIDENTS {
        return Err(format!("at most {MAX_INCIDENTS} incidents are allowed"));
    }
    for (n, inc) in answer.incidents.iter().enumerate() {
        let at = || format!("incident {}", n + 1);
        let ago = months_ago(as_of, inc).ok_or_else(|| {
            format!(
                "{}: `{}` is not a date written YYYY-MM-DD or YYYY-MM",
                at(),
                inc.date
            )
        })?;
        let after_day =
            inc.date.len() == 10 && parse_date(&inc.date).is_some_and(|d| d > as_of_day);
        if ago < 0 || after_day {
            return Err(format!("{}: {} is after {}", at(), inc.date, answer.as_of));
        }
        if ago >= i64::from(months) {
            return Err(format!(
                "{}: {} is more than {months} months before {}",
                at(),
                inc.date,
                answer.as_of
            ));
        }
        if !levels.iter().any(|l| l.id == inc.severity) {
            let ids: Vec<&str> = levels.iter().map(|l| l.id.as_str()).collect();
            return Err(format!(
                "{}: `{}` is not one of: {}",
                at(),
                inc.severity,
                ids.join(", ")
            ));
        }
        if let Some(d) = &inc.description {
            if d.chars().count() > MAX_DESCRIPTION {
                return Err(format!(
                    "{}: the description is longer than {MAX_DESCRIPTION} characters",
                    at()
                ));
            }
        }
    }
    Ok(())
}

/// The incidents in the `n` months up to and including the month of `as_of`.
pub fn count_within(answer: &CalendarAnswer, n: u32) -> usize {
    count_between(answer, 0, i64::from(n))
}

/// Incidents from `from` (inclusive) to `to` (exclusive) months before `as_of`.
fn count_between(answer: &CalendarAnswer, from: i64, to: i64) -> usize {
    let Some(as_of) = month_number(&answer.as_of) else {
        return 0;
    };
    answer
        .incidents
        .iter()
        .filter(|i| months_ago(as_of, i).is_some_and(|a| a >= from && a < to))
        .count()
}

/// The highest severity (1 = the first level) among incidents `from`..`to` months before
/// `as_of`; 0 when there are none.
fn max_severity_between(levels: &[Choice], answer: &CalendarAnswer, from: i64, to: i64) -> usize {
    let Some(as_of) = month_number(&answer.as_of) else {
        return 0;
    };
    answer
        .incidents
        .iter()
        .filter(|i| months_ago(as_of, i).is_some_and(|a| a >= from && a < to))
        .filter_map(|i| levels.iter().position(|l| l.id == i.severity))
        .map(|p| p + 1)
        .max()
        .unwrap_or(0)
}

/// The escalation measure, 0–2: one for **more** incidents in the most recent `period`
/// months (the month of `as_of` and the `period − 1` before it) than in the `period`
/// months before those, and one for a **higher** highest severity in the recent period
/// than in the earlier one (no incidents: severity 0).
pub fn escalation(levels: &[Choice], answer: &CalendarAnswer, period: u32) -> u8 {
    let p = i64::from(period);
    let more = count_between(answer, 0, p) > count_between(answer, p, 2 * p);
    let severer =
        max_severity_between(levels, answer, 0, p) > max_severity_between(levels, answer, p, 2 * p);
    u8::from(more) + u8::from(severer)
}
