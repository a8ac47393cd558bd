//! Answers: how one is addressed ([`AnswerKey`]), what it holds ([`AnswerValue`]) and the
//! check the store runs before writing one ([`validate_answer`]).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::model::{Instrument, Item, ItemKind};
use crate::Error;

/// The address of one answer: an item, and the perspective and time frame it was asked for
/// when the item declares them.
///
/// Written (and serialised) as `item`, `item@perspective`, `item#timeframe` or
/// `item@perspective#timeframe`, so it can be a JSON object key and a database column.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct AnswerKey {
    pub item: String,
    pub perspective: Option<String>,
    pub timeframe: Option<String>,
}

impl Clone for AnswerKey {
    fn clone(&self) -> Self {
        AnswerKey {
            item: self.item.clone(),
            perspective: self.perspective.clone(),
            timeframe: self.timeframe.clone(),
        }
    }

    /// Reuses the buffers of `self` (the evaluation rewrites its lists of keys in place).
    fn clone_from(&mut self, src: &Self) {
        self.item.clone_from(&src.item);
        self.perspective.clone_from(&src.perspective);
        self.timeframe.clone_from(&src.timeframe);
    }
}

impl AnswerKey {
    /// The key of an item asked once (no perspective, no time frame).
    pub fn item(item: impl Into<String>) -> Self {
        AnswerKey {
            item: item.into(),
            perspective: None,
            timeframe: None,
        }
    }

    /// This key with a perspective.
    pub fn with_perspective(mut self, p: impl Into<String>) -> Self {
        self.perspective = Some(p.into());
        self
    }

    /// This key with a time frame.
    pub fn with_timeframe(mut self, t: impl Into<String>) -> Self {
        self.timeframe = Some(t.into());
        self
    }
}

impl fmt::Display for AnswerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.item)?;
        if let Some(p) = &self.perspective {
            write!(f, "@{p}")?;
        }
        if let Some(t) = &self.timeframe {
            write!(f, "#{t}")?;
        }
        Ok(())
    }
}

pub(crate) fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

impl FromStr for AnswerKey {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (rest, timeframe) = match s.split_once('#') {
            Some((a, t)) => (a, Some(t)),
            None => (s, None),
        };
        let (item, perspective) = match rest.split_once('@') {
            Some((i, p)) => (i, Some(p)),
            None => (rest, None),
        };
        for part in [Some(item), perspective, timeframe].into_iter().flatten() {
            if !is_ident(part) {
                return Err(format!(
                    "`{s}` is not an answer reference; write `item`, `item@perspective`, \
                     `item#timeframe` or `item@perspective#timeframe` with lowercase ids"
                ));
            }
        }
        Ok(AnswerKey {
            item: item.to_owned(),
            perspective: perspective.map(str::to_owned),
            timeframe: timeframe.map(str::to_owned),
        })
    }
}

impl From<AnswerKey> for String {
    fn from(k: AnswerKey) -> String {
        k.to_string()
    }
}

impl TryFrom<String> for AnswerKey {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl JsonSchema for AnswerKey {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AnswerKey".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(g)
    }
}

/// The value of one answer. JSON: `{"type": "yes_no", "value": true}`, `{"type": "declined"}`,
/// `{"type": "dont_know"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum AnswerValue {
    /// The client did not want to answer ("vill ej svara"); only where `allow_decline`.
    Declined,
    /// The client does not know ("vet ej"); only where `allow_unknown`.
    DontKnow,
    /// A `yes_no` item.
    YesNo(bool),
    /// A `single_choice`, `frequency` or `rating` item: the option or level id.
    Choice(String),
    /// A `multi_choice` item: the selected option ids (may be empty: none apply).
    Choices(Vec<String>),
    /// A `scale` item, or a `number` item.
    Integer(i64),
    /// A `number` item.
    Number(f64),
    /// A `date` item, `YYYY-MM-DD`.
    Date(String),
    /// A `short_text` or `long_text` item.
    Text(String),
    /// A `list` item: one map from field id to value per entry.
    Entries(Vec<BTreeMap<String, AnswerValue>>),
    /// A `calendar` item: the incidents and the day the calendar counts back from.
    Calendar(super::calendar::CalendarAnswer),
}

impl AnswerValue {
    /// The name of the variant, as in JSON.
    pub fn type_name(&self) -> &'static str {
        match self {
            AnswerValue::Declined => "declined",
            AnswerValue::DontKnow => "dont_know",
            AnswerValue::YesNo(_) => "yes_no",
            AnswerValue::Choice(_) => "choice",
            AnswerValue::Choices(_) => "choices",
            AnswerValue::Integer(_) => "integer",
            AnswerValue::Number(_) => "number",
            AnswerValue::Date(_) => "date",
            AnswerValue::Text(_) => "text",
            AnswerValue::Entries(_) => "entries",
            AnswerValue::Calendar(_) => "calendar",
        }
    }

    /// Whether this value counts as an answer (declining and "vet ej" do; blank text does not).
    pub(crate) fn is_given(&self) -> bool {
        match self {
            AnswerValue::Text(t) => !t.trim().is_empty(),
            _ => true,
        }
    }

    /// Whether this is "vill ej svara" or "vet ej": an answer that scores and conditions
    /// read as missing.
    pub fn is_non_answer(&self) -> bool {
        matches!(self, AnswerValue::Declined | AnswerValue::DontKnow)
    }
}

/// All answers of one interview, by key.
pub type Answers = BTreeMap<AnswerKey, AnswerValue>;

/// Checks that `value` is a valid answer to the item addressed by `key` in `def`: the item
/// exists, the perspective and time frame are the item's own, and the value fits the type.
/// Nothing is said about whether the item is currently shown; hidden answers are kept.
pub fn validate_answer(
    def: &Instrument,
    key: &AnswerKey,
    value: &AnswerValue,
) -> crate::error::Result<()> {
    let item = def.item(&key.item).ok_or_else(|| {
        Error::InvalidInput(format!(
            "instrument {} {} has no item `{}`",
            def.id, def.version, key.item
        ))
    })?;
    check_axis(
        &key.item,
        "perspective",
        &item.perspectives,
        key.perspective.as_deref(),
    )?;
    check_axis(
        &key.item,
        "time frame",
        &item.timeframes,
        key.timeframe.as_deref(),
    )?;
    check_value(item, value).map_err(|m| Error::InvalidInput(format!("item `{}`: {m}", key.item)))
}

fn check_axis(
    item: &str,
    what: &str,
    declared: &[String],
    given: Option<&str>,
) -> crate::error::Result<()> {
    match given {
        None if declared.is_empty() => Ok(()),
        None => Err(Error::InvalidInput(format!(
            "item `{item}` is asked per {what}; give one of: {}",
            declared.join(", ")
        ))),
        Some(g) if declared.is_empty() => Err(Error::InvalidInput(format!(
            "item `{item}` is not asked per {what}, but `{g}` was given"
        ))),
        Some(g) if declared.iter().any(|d| d == g) => Ok(()),
        Some(g) => Err(Error::InvalidInput(format!(
            "`{g}` is not a {what} of item `{item}`; expected one of: {}",
            declared.join(", ")
        ))),
    }
}

fn expected(item: &Item, value: &AnswerValue) -> String {
    let want = match item.kind {
        ItemKind::YesNo => "yes_no",
        ItemKind::SingleChoice { .. } | ItemKind::Frequency { .. } | ItemKind::Rating { .. } => {
            "choice"
        }
        ItemKind::MultiChoice { .. } => "choices",
        ItemKind::Scale { .. } => "integer",
        ItemKind::Number { .. } => "number or integer",
        ItemKind::Date => "date",
        ItemKind::ShortText { .. } | ItemKind::LongText { .. } => "text",
        ItemKind::List { .. } => "entries",
        ItemKind::Calendar { .. } => "calendar",
    };
    format!(
        "a {} item takes a `{want}` value, not `{}`",
        item.type_name(),
        value.type_name()
    )
}

/// Checks a value against an item's type (also used for list fields).
pub(crate) fn check_value(item: &Item, value: &AnswerValue) -> Result<(), String> {
    if let AnswerValue::Declined = value {
        return if item.allow_decline {
            Ok(())
        } else {
            Err("this item does not allow declining to answer".into())
        };
    }
    if let AnswerValue::DontKnow = value {
        return if item.allow_unknown {
            Ok(())
        } else {
            Err("this item does not allow \"vet ej\" (don't know)".into())
        };
    }
    let known = |id: &str| item.choices().iter().any(|c| c.id == id);
    let ids = || {
        item.choices()
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (&item.kind, value) {
        (ItemKind::YesNo, AnswerValue::YesNo(_)) => Ok(()),
        (
            ItemKind::SingleChoice { .. } | ItemKind::Frequency { .. } | ItemKind::Rating { .. },
            AnswerValue::Choice(c),
        ) => {
            if known(c) {
                Ok(())
            } else {
                Err(format!("`{c}` is not one of: {}", ids()))
            }
        }
        (
            ItemKind::MultiChoice {
                min_selected,
                max_selected,
                ..
            },
            AnswerValue::Choices(cs),
        ) => {
            for (i, c) in cs.iter().enumerate() {
                if !known(c) {
                    return Err(format!("`{c}` is not one of: {}", ids()));
                }
                if cs[..i].contains(c) {
                    return Err(format!("`{c}` is selected twice"));
                }
            }
            let n = cs.len() as u32;
            if let Some(min) = min_selected {
                if n > 0 && n < *min {
                    return Err(format!("select at least {min} options"));
                }
            }
            if let Some(max) = max_selected {
                if n > *max {
                    return Err(format!("select at most {max} options"));
                }
            }
            Ok(())
        }
        (ItemKind::Scale { min, max, .. }, AnswerValue::Integer(v)) => {
            if v < min || v > max {
                Err(format!("{v} is outside the scale {min}–{max}"))
            } else {
                Ok(())
            }
        }
        (
            ItemKind::Number {
                min, max, integer, ..
            },
            AnswerValue::Integer(_) | AnswerValue::Number(_),
        ) => {
            let v = match value {
                AnswerValue::Integer(i) => *i as f64,
                AnswerValue::Number(f) => *f,
                _ => unreachable!("matched above"),
            };
            if !v.is_finite() {
                return Err("the number must be finite".into());
            }
            if *integer && v.fract() != 0.0 {
                return Err(format!("{v} is not a whole number"));
            }
            if let Some(min) = min {
                if v < *min {
                    return Err(format!("{v} is below the minimum {min}"));
                }
            }
            if let Some(max) = max {
                if v > *max {
                    return Err(format!("{v} is above the maximum {max}"));
                }
            }
            Ok(())
        }
        (ItemKind::Date, AnswerValue::Date(d)) => parse_date(d)
            .map(|_| ())
            .ok_or_else(|| format!("`{d}` is not a date written YYYY-MM-DD")),
        (
            ItemKind::ShortText { max_length } | ItemKind::LongText { max_length },
            AnswerValue::Text(t),
        ) => match max_length {
            Some(max) if t.chars().count() > *max as usize => {
                Err(format!("the text is longer than {max} characters"))
            }
            _ => Ok(()),
        },
        (
            ItemKind::List {
                fields,
                max_entries,
                ..
            },
            AnswerValue::Entries(entries),
        ) => {
            if let Some(max) = max_entries {
                if entries.len() > *max as usize {
                    return Err(format!("at most {max} entries are allowed"));
                }
            }
            for (n, entry) in entries.iter().enumerate() {
                for (entry_key, v) in entry {
                    // `field`, or `field@perspective` for a field asked per perspective.
                    let (field_id, perspective) = match entry_key.split_once('@') {
                        Some((f, p)) => (f, Some(p)),
                        None => (entry_key.as_str(), None),
                    };
                    let field = fields.iter().find(|f| f.id == field_id).ok_or_else(|| {
                        format!("entry {}: the list has no field `{field_id}`", n + 1)
                    })?;
                    match perspective {
                        None if !field.perspectives.is_empty() => {
                            return Err(format!(
                                "entry {}: field `{field_id}` is asked per perspective; write `{field_id}@<perspective>` with one of: {}",
                                n + 1,
                                field.perspectives.join(", ")
                            ));
                        }
                        Some(p) if !field.perspectives.iter().any(|d| d == p) => {
                            return Err(format!(
                                "entry {}: `{p}` is not a perspective of field `{field_id}`",
                                n + 1
                            ));
                        }
                        _ => {}
                    }
                    check_value(field, v)
                        .map_err(|m| format!("entry {}, field `{entry_key}`: {m}", n + 1))?;
                }
            }
            Ok(())
        }
        (ItemKind::Calendar { levels, months, .. }, AnswerValue::Calendar(c)) => {
            super::calendar::check(levels, *months, c)
        }
        _ => Err(expected(item, value)),
    }
}

pub(crate) fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}
