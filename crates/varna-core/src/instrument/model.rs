//! The validated instrument definition.
//!
//! These types have two jobs. Serialised with serde they are the JSON the UI receives to
//! render an interview, and their serde shape is exactly the TOML file format, so the JSON
//! Schema in `instruments/schema.json` is generated from them (see [`super::json_schema`]).
//! They are only ever built by the loader, which has checked every reference in them.

use schemars::JsonSchema;
use serde::Serialize;

use super::answer::AnswerKey;
use super::expr::Condition;

/// A text in Swedish (required) and English (optional).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// Swedish text. Required and never empty.
    pub sv: String,
    /// English text. When missing, the Swedish text is shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

/// A language the instruments are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Sv,
    En,
}

impl Text {
    /// The text in `lang`, falling back to Swedish when there is no translation.
    pub fn get(&self, lang: Lang) -> &str {
        match (lang, &self.en) {
            (Lang::En, Some(en)) => en,
            _ => &self.sv,
        }
    }
}

/// What sort of instrument this is; decides how the UI frames the interview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A few direct questions to every client, with a positive/negative outcome.
    Screening,
    /// A list of markers that are counted (e.g. a danger checklist).
    Checklist,
    /// Structured professional judgement: rated factors and summary judgements, no score.
    Judgement,
    /// A mapping with lists of entries (e.g. Signs of Safety).
    Mapping,
}

impl Kind {
    /// The name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Screening => "screening",
            Kind::Checklist => "checklist",
            Kind::Judgement => "judgement",
            Kind::Mapping => "mapping",
        }
    }
}

/// One instrument version: the whole file.
#[derive(Debug, Clone, Serialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    /// Lowercase letters, digits and `-`; the folder name in `instruments/`.
    pub id: String,
    /// Semantic version; the file name (`<version>.toml`). An edited file needs a new version.
    #[schemars(with = "String")]
    #[specta(type = String)]
    pub version: semver::Version,
    pub kind: Kind,
    pub title: Text,
    pub description: Text,
    /// Where the wording comes from.
    pub source: Text,
    /// Under which terms the wording may be used.
    pub licence: Text,
    /// Points of view an item can be asked from (e.g. worker, parent, child, network).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub perspectives: Vec<Label>,
    /// Time frames an item can be asked for (e.g. now, earlier).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub timeframes: Vec<Label>,
    pub sections: Vec<Section>,
    /// Computed scores (counts and weighted sums) with their bands.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub scores: Vec<Score>,
    /// The categorical results that statistics may count. Nothing else is ever counted.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub outcomes: Vec<Outcome>,
    /// National follow-up indicators that every completion of this instrument counts
    /// (`docs/EXPORT.md`, "Follow-up indicators"); ids from the closed list shipped with Värna.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    #[schemars(with = "Vec<IndicatorIdSchema>")]
    pub indicators: Vec<crate::indicator::Indicator>,
}

/// The closed list of follow-up indicator ids, for the JSON Schema.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum IndicatorIdSchema {
    AskedAboutViolence,
    StandardisedRiskAssessment,
    SafetyPlan,
    ReassessmentAfterIncident,
    ChildrenPresent,
}

impl Instrument {
    /// Every item of every section, in file order (list fields not included).
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections.iter().flat_map(|s| s.items.iter())
    }

    /// The item with this id.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items().find(|i| i.id == id)
    }

    /// The section that holds the item with this id.
    pub fn section_of(&self, item_id: &str) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| s.items.iter().any(|i| i.id == item_id))
    }

    /// The score with this id.
    pub fn score(&self, id: &str) -> Option<&Score> {
        self.scores.iter().find(|s| s.id == id)
    }

    /// The outcome dimension with this id.
    pub fn outcome(&self, id: &str) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.id == id)
    }

    /// Every key an answer to this instrument can have, in interview order.
    pub fn answer_keys(&self) -> Vec<AnswerKey> {
        self.items().flat_map(|i| i.answer_keys()).collect()
    }
}

/// A declared id with a label (perspectives, time frames, categories).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Label {
    pub id: String,
    pub label: Text,
}

/// A group of items shown together.
#[derive(Debug, Clone, Serialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<Text>,
    /// The section and all its items are shown only when this condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub show_if: Option<Condition>,
    pub items: Vec<Item>,
}

/// One question, rating or list.
#[derive(Debug, Clone, Serialize, JsonSchema, specta::Type)]
pub struct Item {
    /// Lowercase letters, digits and `_`, starting with a letter; unique in the instrument.
    pub id: String,
    /// The question or label, as shown to the worker.
    pub text: Text,
    /// Guidance for the worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<Text>,
    /// Must be answered (when shown) before the interview can be completed.
    #[serde(default)]
    pub required: bool,
    /// The client may decline to answer ("vill ej svara"); recorded as its own answer.
    #[serde(default)]
    pub allow_decline: bool,
    /// "Vet ej" (don't know) is a valid answer, distinct from declining; like a declined
    /// answer it counts as answered for completion and as missing for scores and conditions.
    #[serde(default)]
    pub allow_unknown: bool,
    /// The item is shown only when this condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub show_if: Option<Condition>,
    /// Perspective ids this item is asked for; one answer per perspective.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub perspectives: Vec<String>,
    /// Time frame ids this item is asked for; one answer per time frame.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub timeframes: Vec<String>,
    #[serde(flatten)]
    pub kind: ItemKind,
}

impl Item {
    /// Every key an answer to this item can have (one per perspective × time frame).
    pub fn answer_keys(&self) -> Vec<AnswerKey> {
        let ps: Vec<Option<&String>> = if self.perspectives.is_empty() {
            vec![None]
        } else {
            self.perspectives.iter().map(Some).collect()
        };
        let ts: Vec<Option<&String>> = if self.timeframes.is_empty() {
            vec![None]
        } else {
            self.timeframes.iter().map(Some).collect()
        };
        let mut keys = Vec::new();
        for p in &ps {
            for t in &ts {
                keys.push(AnswerKey {
                    item: self.id.clone(),
                    perspective: p.cloned(),
                    timeframe: t.cloned(),
                });
            }
        }
        keys
    }

    /// The keys of this field in one entry of a list: its id, or `id@perspective` for each
    /// perspective when the field (a `scale`) is asked per perspective.
    pub fn entry_keys(&self) -> Vec<String> {
        if self.perspectives.is_empty() {
            vec![self.id.clone()]
        } else {
            self.perspectives
                .iter()
                .map(|p| format!("{}@{p}", self.id))
                .collect()
        }
    }

    /// The choices of a single/multiple choice, frequency or rating item.
    pub fn choices(&self) -> &[Choice] {
        match &self.kind {
            ItemKind::SingleChoice { options } | ItemKind::MultiChoice { options, .. } => options,
            ItemKind::Frequency { levels }
            | ItemKind::Rating { levels }
            | ItemKind::Calendar { levels, .. } => levels,
            _ => &[],
        }
    }

    /// The type name used in files (`yes_no`, `rating`, …).
    pub fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }
}

/// The type of an item and what belongs to that type.
#[derive(Debug, Clone, Serialize, JsonSchema, specta::Type)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemKind {
    /// Yes or no (with `allow_decline`: or "vill ej svara").
    YesNo,
    /// Exactly one of the options.
    SingleChoice { options: Vec<Choice> },
    /// Any number of the options.
    MultiChoice {
        options: Vec<Choice>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_selected: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_selected: Option<u32>,
    },
    /// How often, on ordered levels (never … very often).
    Frequency { levels: Vec<Choice> },
    /// A rating on declared, ordered levels (e.g. N / ? / J).
    Rating { levels: Vec<Choice> },
    /// A whole number from `min` to `max` with labelled anchors (e.g. 0–10).
    Scale {
        min: i64,
        max: i64,
        #[serde(skip_serializing_if = "Vec::is_empty", default)]
        anchors: Vec<Anchor>,
    },
    /// A calendar date (YYYY-MM-DD).
    Date,
    /// A number, optionally bounded, optionally whole.
    Number {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
        #[serde(default)]
        integer: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<Text>,
    },
    /// One line of text.
    ShortText {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_length: Option<u32>,
    },
    /// Free text over several lines.
    LongText {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_length: Option<u32>,
    },
    /// A list of entries, each with the declared fields (e.g. next steps: what, who, when).
    List {
        /// The fields of one entry. Any item type except `list`; no `show_if`,
        /// `timeframes`, `allow_decline` or `allow_unknown`; `perspectives` only on a `scale`
        /// field (its values are then keyed `field@perspective` in the entry).
        fields: Vec<Item>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_entries: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_entries: Option<u32>,
        /// What one entry is called (e.g. "Nästa steg").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        entry_label: Option<Text>,
    },
    /// An incident calendar: incidents with a date (or only a month), a severity on the
    /// declared `levels` (least to most severe) and an optional description, shown as a
    /// month grid of the last `months` months before the samtal.
    Calendar {
        /// The severity scale, least severe first (e.g. 1 slap/push … 5 weapon/strangulation).
        levels: Vec<Choice>,
        /// How many months the grid shows, counting the month of the samtal (default 12).
        #[serde(default = "default_calendar_months")]
        months: u32,
        /// The length in months of the two periods `escalation()` compares: the most recent
        /// `escalation_months` months against the same number of months before them.
        escalation_months: u32,
    },
}

fn default_calendar_months() -> u32 {
    12
}

impl ItemKind {
    /// All type names, as written in files.
    pub const TYPE_NAMES: &'static [&'static str] = &[
        "yes_no",
        "single_choice",
        "multi_choice",
        "frequency",
        "rating",
        "scale",
        "date",
        "number",
        "short_text",
        "long_text",
        "list",
        "calendar",
    ];

    /// The type name used in files.
    pub fn type_name(&self) -> &'static str {
        match self {
            ItemKind::YesNo => "yes_no",
            ItemKind::SingleChoice { .. } => "single_choice",
            ItemKind::MultiChoice { .. } => "multi_choice",
            ItemKind::Frequency { .. } => "frequency",
            ItemKind::Rating { .. } => "rating",
            ItemKind::Scale { .. } => "scale",
            ItemKind::Date => "date",
            ItemKind::Number { .. } => "number",
            ItemKind::ShortText { .. } => "short_text",
            ItemKind::LongText { .. } => "long_text",
            ItemKind::List { .. } => "list",
            ItemKind::Calendar { .. } => "calendar",
        }
    }
}

/// One option of a choice item or one level of a frequency/rating item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Lowercase letters, digits and `_`; what is stored and compared in conditions.
    pub id: String,
    pub label: Text,
    /// A short code shown on the rating button (e.g. `N`, `?`, `J`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The number this choice adds to a `sum` score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<Text>,
}

/// A labelled point on a scale (e.g. 0 = "inte alls säkert").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    pub value: i64,
    pub label: Text,
}

/// How a score is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ScoreMethod {
    /// The number of listed yes/no items answered yes.
    Count,
    /// The sum of weight × value of the listed items (yes = 1, no = 0, a choice's `value`,
    /// a scale's or whole number's number).
    Sum,
}

/// A computed score with optional bands and professional override.
#[derive(Debug, Clone, Serialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Score {
    pub id: String,
    pub label: Text,
    pub method: ScoreMethod,
    /// The items counted or summed, as answer references (`item`, `item@perspective`,
    /// `item#timeframe`, `item@perspective#timeframe`).
    #[schemars(with = "Vec<String>")]
    pub items: Vec<AnswerKey>,
    /// Weights for `sum` by item reference; 1 when not given.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty", default)]
    pub weights: std::collections::BTreeMap<String, i64>,
    /// Bands from lowest to highest; together they cover every possible score exactly once.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub bands: Vec<Band>,
    /// A professional judgement that may replace the computed band, with a reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "override")]
    pub override_: Option<Override>,
    /// The person's own rating set beside the band, with a comment required when they
    /// differ by more than a margin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_view: Option<OwnView>,
}

/// The person's own view of the risk (a scale item, e.g. 0–10) beside a score's band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct OwnView {
    /// A `scale` item asked once: the person's own rating.
    pub item: String,
    /// A text item that becomes required when the rating and the band's point differ by
    /// more than `margin`.
    pub comment_item: String,
    /// How far the rating may be from the band's point without a comment.
    pub margin: u32,
    /// Each band's point on the rating's scale (every band exactly once).
    pub points: std::collections::BTreeMap<String, i64>,
}

impl Score {
    /// The weight of an item reference in this score.
    pub fn weight(&self, key: &AnswerKey) -> i64 {
        self.weights.get(&key.to_string()).copied().unwrap_or(1)
    }

    /// The band a value falls in.
    pub fn band_for(&self, value: i64) -> Option<&Band> {
        self.bands
            .iter()
            .find(|b| value >= b.min && !matches!(b.max, Some(max) if value > max))
    }
}

/// A range of scores with a label (e.g. 10–13 "medel").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub id: String,
    pub label: Text,
    /// Lowest score in the band (inclusive).
    pub min: i64,
    /// Highest score in the band (inclusive); only the last band may leave it out ("14+").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

/// A professional judgement that may override a score's band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// A `single_choice` item whose option ids are band ids of the score.
    pub item: String,
    /// A text item that must be filled in when the judgement differs from the computed band.
    pub reason_item: String,
}

/// An outcome dimension: a categorical result that statistics may count.
#[derive(Debug, Clone, Serialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub id: String,
    pub label: Text,
    /// The closed set of categories. May be left out with `from_item` and `from_score`
    /// (then taken from the item's options or the score's bands).
    #[serde(default)]
    pub categories: Vec<Label>,
    /// The category is the answer to this item (yes_no: `yes`/`no`; choice: the option id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub from_item: Option<AnswerKey>,
    /// The category is this score's band, after any professional override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_score: Option<String>,
    /// The category of the first rule whose condition holds.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub rules: Vec<Rule>,
    /// The category when no rule holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otherwise: Option<String>,
}

/// `when` the condition holds, the outcome is `category`.
#[derive(Debug, Clone, Serialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    #[schemars(with = "String")]
    pub when: Condition,
    pub category: String,
}
