//! Evaluating answers against a definition: visibility, missing required answers, scores,
//! bands, professional overrides and outcome dimensions.

use std::cell::RefCell;
use std::collections::HashMap;

use serde::Serialize;

use super::answer::{AnswerKey, AnswerValue, Answers};
use super::expr::Env;
use super::model::{Instrument, Item, ItemKind, ScoreMethod, Section};

/// What the answers so far amount to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Sections shown, in order.
    pub visible_sections: Vec<String>,
    /// Items shown, in order.
    pub visible_items: Vec<String>,
    /// Items hidden by `show_if` (theirs or their section's); their answers do not count.
    pub hidden_items: Vec<String>,
    /// Required answers still missing among shown items, plus the reason of an override.
    pub missing_required: Vec<AnswerKey>,
    pub scores: Vec<ScoreResult>,
    /// One value per declared outcome dimension, in declaration order.
    pub outcomes: Vec<OutcomeValue>,
    /// Nothing required is missing.
    pub complete: bool,
}

impl Evaluation {
    /// Whether the item is currently shown.
    pub fn is_visible(&self, item: &str) -> bool {
        self.visible_items.iter().any(|i| i == item)
    }

    /// The result of a score.
    pub fn score(&self, id: &str) -> Option<&ScoreResult> {
        self.scores.iter().find(|s| s.id == id)
    }

    /// The category of an outcome dimension, if it has one yet.
    pub fn outcome(&self, dimension: &str) -> Option<&str> {
        self.outcomes
            .iter()
            .find(|o| o.dimension == dimension)
            .and_then(|o| o.category.as_deref())
    }
}

/// A computed score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreResult {
    pub id: String,
    pub value: i64,
    /// How many of the score's items are answered (declined and hidden ones are not).
    pub answered: usize,
    /// How many items the score has.
    pub total: usize,
    /// The band of `value`.
    pub computed_band: Option<String>,
    /// The band that applies: the override's when there is one, else the computed band.
    pub band: Option<String>,
    /// The professional judgement that replaced the computed band.
    #[serde(rename = "override")]
    pub override_: Option<AppliedOverride>,
}

/// A professional judgement that differs from the computed band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedOverride {
    /// The computed band that was overridden.
    pub from: Option<String>,
    /// The band the professional chose.
    pub to: String,
    /// The reason given; `None` while it is still missing (then listed in `missing_required`).
    pub reason: Option<String>,
}

/// The value of one outcome dimension: one of its declared categories, or none yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeValue {
    pub dimension: String,
    pub category: Option<String>,
}

/// Evaluates `answers` against `def`. Answers to hidden items are ignored (not applicable),
/// answers to unknown keys are ignored.
pub fn evaluate(def: &Instrument, answers: &Answers) -> Evaluation {
    let ev = Evaluator {
        def,
        answers,
        sections: def
            .sections
            .iter()
            .flat_map(|s| s.items.iter().map(move |i| (i.id.as_str(), (s, i))))
            .collect(),
        memo: RefCell::new(HashMap::new()),
    };

    let mut visible_sections = Vec::new();
    let mut visible_items = Vec::new();
    let mut hidden_items = Vec::new();
    let mut missing_required = Vec::new();
    for s in &def.sections {
        if ev.section_visible(s) {
            visible_sections.push(s.id.clone());
        }
        for item in &s.items {
            if !ev.visible(&item.id) {
                hidden_items.push(item.id.clone());
                continue;
            }
            visible_items.push(item.id.clone());
            if item.required {
                for key in item.answer_keys() {
                    if !is_complete(item, answers.get(&key)) {
                        missing_required.push(key);
                    }
                }
            } else if let ItemKind::List { .. } = item.kind {
                // An optional list still needs complete entries when it has any.
                for key in item.answer_keys() {
                    if let Some(v @ AnswerValue::Entries(e)) = answers.get(&key) {
                        if !e.is_empty() && !is_complete(item, Some(v)) {
                            missing_required.push(key);
                        }
                    }
                }
            }
        }
    }

    let mut scores = Vec::new();
    for score in &def.scores {
        let mut value: i64 = 0;
        let mut answered = 0;
        for key in &score.items {
            let Some(item) = def.item(&key.item) else {
                continue;
            };
            let Some(v) = ev.answer(key) else { continue };
            let term = match (score.method, v) {
                (_, AnswerValue::Declined) => None,
                (ScoreMethod::Count, AnswerValue::YesNo(b)) => Some(i64::from(*b)),
                (ScoreMethod::Count, _) => None,
                (ScoreMethod::Sum, v) => numeric(item, v),
            };
            if let Some(t) = term {
                answered += 1;
                value = value.saturating_add(t.saturating_mul(score.weight(key)));
            }
        }
        let computed_band = score.band_for(value).map(|b| b.id.clone());
        let mut band = computed_band.clone();
        let mut override_ = None;
        if let Some(o) = &score.override_ {
            if let Some(AnswerValue::Choice(chosen)) = ev.answer(&AnswerKey::item(&o.item)) {
                if Some(chosen) != computed_band.as_ref()
                    && score.bands.iter().any(|b| &b.id == chosen)
                {
                    let reason = match ev.answer(&AnswerKey::item(&o.reason_item)) {
                        Some(AnswerValue::Text(t)) if !t.trim().is_empty() => Some(t.clone()),
                        _ => None,
                    };
                    if reason.is_none() {
                        let key = AnswerKey::item(&o.reason_item);
                        if !missing_required.contains(&key) {
                            missing_required.push(key);
                        }
                    }
                    override_ = Some(AppliedOverride {
                        from: computed_band.clone(),
                        to: chosen.clone(),
                        reason,
                    });
                    band = Some(chosen.clone());
                }
            }
        }
        scores.push(ScoreResult {
            id: score.id.clone(),
            value,
            answered,
            total: score.items.len(),
            computed_band,
            band,
            override_,
        });
    }

    let outcomes = def
        .outcomes
        .iter()
        .map(|o| {
            let category = if let Some(key) = &o.from_item {
                match ev.answer(key) {
                    Some(AnswerValue::YesNo(true)) => Some("yes".to_owned()),
                    Some(AnswerValue::YesNo(false)) => Some("no".to_owned()),
                    Some(AnswerValue::Choice(c)) => Some(c.clone()),
                    _ => None,
                }
            } else if let Some(sid) = &o.from_score {
                scores
                    .iter()
                    .find(|s| &s.id == sid)
                    .and_then(|s| s.band.clone())
            } else {
                o.rules
                    .iter()
                    .find(|r| r.when.eval(&ev))
                    .map(|r| r.category.clone())
                    .or_else(|| o.otherwise.clone())
            };
            // Only declared categories ever leave the evaluation.
            let category = category.filter(|c| o.categories.iter().any(|d| &d.id == c));
            OutcomeValue {
                dimension: o.id.clone(),
                category,
            }
        })
        .collect();

    let complete = missing_required.is_empty();
    Evaluation {
        visible_sections,
        visible_items,
        hidden_items,
        missing_required,
        scores,
        outcomes,
        complete,
    }
}

/// The number an answer adds to a sum (before its weight).
fn numeric(item: &Item, v: &AnswerValue) -> Option<i64> {
    match v {
        AnswerValue::YesNo(b) => Some(i64::from(*b)),
        AnswerValue::Integer(i) => Some(*i),
        AnswerValue::Number(f) if f.fract() == 0.0 && f.is_finite() => Some(*f as i64),
        AnswerValue::Choice(c) => item.choices().iter().find(|o| &o.id == c)?.value,
        AnswerValue::Choices(cs) => Some(
            cs.iter()
                .filter_map(|c| item.choices().iter().find(|o| &o.id == c)?.value)
                .sum(),
        ),
        _ => None,
    }
}

/// Whether an answer fully answers a required item.
fn is_complete(item: &Item, v: Option<&AnswerValue>) -> bool {
    let Some(v) = v else { return false };
    if !v.is_given() {
        return false;
    }
    match (&item.kind, v) {
        (
            ItemKind::List {
                fields,
                min_entries,
                ..
            },
            AnswerValue::Entries(entries),
        ) => {
            let min = min_entries.unwrap_or(u32::from(item.required)) as usize;
            entries.len() >= min
                && entries.iter().all(|e| {
                    fields
                        .iter()
                        .filter(|f| f.required)
                        .all(|f| is_complete(f, e.get(&f.id)))
                })
        }
        _ => true,
    }
}

struct Evaluator<'a> {
    def: &'a Instrument,
    answers: &'a Answers,
    sections: HashMap<&'a str, (&'a Section, &'a Item)>,
    memo: RefCell<HashMap<&'a str, bool>>,
}

impl<'a> Evaluator<'a> {
    fn section_visible(&self, s: &Section) -> bool {
        match &s.show_if {
            Some(c) => c.eval(self),
            None => true,
        }
    }

    /// Whether an item is shown. Conditions are acyclic (checked at load), so this ends.
    fn visible(&self, item: &str) -> bool {
        if let Some(v) = self.memo.borrow().get(item) {
            return *v;
        }
        let Some((section, it)) = self.sections.get(item) else {
            return false;
        };
        let v = self.section_visible(section)
            && match &it.show_if {
                Some(c) => c.eval(self),
                None => true,
            };
        self.memo.borrow_mut().insert(&it.id, v);
        v
    }
}

impl Env for Evaluator<'_> {
    fn answer(&self, key: &AnswerKey) -> Option<&AnswerValue> {
        if !self.visible(&key.item) {
            return None;
        }
        self.answers.get(key)
    }

    fn option_index(&self, item: &str, option: &str) -> Option<usize> {
        self.def
            .item(item)?
            .choices()
            .iter()
            .position(|c| c.id == option)
    }
}
