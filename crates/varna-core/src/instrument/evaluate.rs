//! Evaluating answers against a definition: visibility, missing required answers, scores,
//! bands, professional overrides and outcome dimensions.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;

use super::answer::{AnswerKey, AnswerValue, Answers};
use super::expr::Env;
use super::model::{Instrument, Item, ItemKind, ScoreMethod};

/// What the answers so far amount to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
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
    /// Per section, in file order: the answer keys of its shown items, and how many of them
    /// are given (the one rule for progress; `given` as [`AnswerValue::is_given`]).
    pub progress: Vec<SectionProgress>,
    /// Hidden items that still hold a given answer (kept, but not counted).
    pub hidden_answered: Vec<String>,
}

/// How far a section is: given answers among the answer keys of its shown items.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
pub struct SectionProgress {
    pub section: String,
    pub answered: u32,
    pub total: u32,
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ScoreResult {
    pub id: String,
    pub value: i64,
    /// How many of the score's items are answered (declined and hidden ones are not).
    pub answered: usize,
    /// How many items the score has.
    pub total: usize,
    /// How many of the score's shown items are answered "vill ej svara" (counted as missing).
    #[serde(skip_serializing_if = "is_zero", default)]
    pub declined: usize,
    /// How many of the score's shown items are answered "vet ej" (counted as missing).
    #[serde(skip_serializing_if = "is_zero", default)]
    pub dont_know: usize,
    /// The band of `value`.
    pub computed_band: Option<String>,
    /// The band that applies: the override's when there is one, else the computed band.
    pub band: Option<String>,
    /// The professional judgement that replaced the computed band.
    #[serde(rename = "override")]
    pub override_: Option<AppliedOverride>,
    /// The person's own rating beside the band, once it is answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_view: Option<OwnViewResult>,
}

/// The person's own rating set beside a score's band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct OwnViewResult {
    /// The person's rating.
    pub rating: i64,
    /// The applied band's point on the rating's scale.
    pub point: Option<i64>,
    /// The rating and the point differ by more than the declared margin: a comment is due.
    pub differs: bool,
    /// The comment given; `None` while it is missing (then listed in `missing_required` when
    /// `differs`).
    pub comment: Option<String>,
}

/// A professional judgement that differs from the computed band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct AppliedOverride {
    /// The computed band that was overridden.
    pub from: Option<String>,
    /// The band the professional chose.
    pub to: String,
    /// The reason given; `None` while it is still missing (then listed in `missing_required`).
    pub reason: Option<String>,
}

/// The value of one outcome dimension: one of its declared categories, or none yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct OutcomeValue {
    pub dimension: String,
    pub category: Option<String>,
}

/// Evaluates `answers` against `def`. Answers to hidden items are ignored (not applicable),
/// answers to unknown keys are ignored.
pub fn evaluate(def: &Instrument, answers: &Answers) -> Evaluation {
    let mut evaluation = Evaluation::default();
    evaluate_into(def, &Plan::new(def), answers, &mut evaluation);
    evaluation
}

/// What evaluating needs to know of a definition apart from the answers: built once per
/// definition and reused by every evaluation of its answers.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// (section index, index in the section) of every item, in file order.
    items: Vec<(usize, usize)>,
    /// Item ids with their position in `items`, sorted by id.
    by_id: Vec<(String, usize)>,
    /// The items whose answers can change more than their own completeness: those named by
    /// a condition (of a section, an item or an outcome rule), a score, an override or an
    /// outcome.
    influential: BTreeSet<String>,
}

impl Plan {
    /// The position of an item in file order.
    fn position(&self, item: &str) -> Option<usize> {
        self.by_id
            .binary_search_by(|(id, _)| id.as_str().cmp(item))
            .ok()
            .map(|at| self.by_id[at].1)
    }

    pub(crate) fn new(def: &Instrument) -> Plan {
        let items: Vec<(usize, usize)> = def
            .sections
            .iter()
            .enumerate()
            .flat_map(|(si, s)| (0..s.items.len()).map(move |ii| (si, ii)))
            .collect();
        let mut by_id: Vec<(String, usize)> = items
            .iter()
            .enumerate()
            .map(|(n, &(si, ii))| (def.sections[si].items[ii].id.clone(), n))
            .collect();
        by_id.sort_unstable();
        Plan {
            items,
            by_id,
            influential: influential_items(def),
        }
    }
}

/// An evaluation with what [`reevaluate`] needs to bring it up to date after one change.
/// The evaluation is shared with whoever it was last handed to; once they let go of it, the
/// next autosave updates it in place, reusing its buffers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Evaluated {
    pub(crate) evaluation: Arc<Evaluation>,
    /// How many of `missing_required` are keys of shown items, in file order; the rest are
    /// the missing reasons of overrides.
    by_item: usize,
}

/// [`evaluate`] with the definition's `plan`, keeping what [`reevaluate`] needs.
pub(crate) fn evaluate_full(def: &Instrument, plan: &Plan, answers: &Answers) -> Evaluated {
    let mut evaluation = Evaluation::default();
    let by_item = evaluate_into(def, plan, answers, &mut evaluation);
    Evaluated {
        evaluation: Arc::new(evaluation),
        by_item,
    }
}

/// Overwrites `dst` with `src`, keeping its buffer.
fn set_str(dst: &mut String, src: &str) {
    dst.clear();
    dst.push_str(src);
}

/// Overwrites `dst` with `src`, keeping its buffer when both are set.
fn set_opt(dst: &mut Option<String>, src: Option<&str>) {
    match (dst.as_mut(), src) {
        (Some(d), Some(s)) => set_str(d, s),
        (_, s) => *dst = s.map(str::to_owned),
    }
}

/// Overwrites `dst` with the key of `item` asked once, keeping its buffer.
fn set_item_key(dst: &mut AnswerKey, item: &str) {
    set_str(&mut dst.item, item);
    dst.perspective = None;
    dst.timeframe = None;
}

/// Refills a list in place: the `n`th element handed out overwrites the list's `n`th
/// element when it has one, so its buffers are reused.
struct Refill<'a, T> {
    list: &'a mut Vec<T>,
    len: usize,
}

impl<'a, T> Refill<'a, T> {
    fn new(list: &'a mut Vec<T>) -> Self {
        Refill { list, len: 0 }
    }

    /// The next element, to be overwritten.
    fn next(&mut self) -> &mut T
    where
        T: Default,
    {
        if self.len == self.list.len() {
            self.list.push(T::default());
        }
        self.len += 1;
        &mut self.list[self.len - 1]
    }

    /// Appends a copy of `src` (made with `clone_from` over the old element when there is one).
    fn put(&mut self, src: &T)
    where
        T: Clone,
    {
        match self.list.get_mut(self.len) {
            Some(slot) => slot.clone_from(src),
            None => self.list.push(src.clone()),
        }
        self.len += 1;
    }

    fn filled(&self) -> &[T] {
        &self.list[..self.len]
    }

    fn finish(self) {
        self.list.truncate(self.len);
    }
}

impl Refill<'_, String> {
    fn push(&mut self, s: &str) {
        match self.list.get_mut(self.len) {
            Some(slot) => set_str(slot, s),
            None => self.list.push(s.to_owned()),
        }
        self.len += 1;
    }
}

/// Evaluates into `out`, overwriting everything in it and reusing its buffers. Returns how
/// many of the missing keys are keys of shown items (see [`Evaluated`]).
fn evaluate_into(def: &Instrument, plan: &Plan, answers: &Answers, out: &mut Evaluation) -> usize {
    let ev = Evaluator::new(def, plan, answers);
    let Evaluation {
        visible_sections,
        visible_items,
        hidden_items,
        missing_required,
        scores,
        outcomes,
        complete,
        progress,
        hidden_answered,
    } = out;
    let mut scratch = AnswerKey::item(String::new());
    let mut sections_done = Refill::new(progress);
    let mut hidden_given = Refill::new(hidden_answered);

    let mut sections = Refill::new(visible_sections);
    let mut shown = Refill::new(visible_items);
    let mut hidden = Refill::new(hidden_items);
    let mut missing = Refill::new(missing_required);
    let mut ordinal = 0;
    for (si, s) in def.sections.iter().enumerate() {
        if ev.section_visible(si) {
            sections.push(&s.id);
        }
        let done = sections_done.next();
        set_str(&mut done.section, &s.id);
        (done.answered, done.total) = (0, 0);
        for item in &s.items {
            let visible = ev.visible_at(ordinal);
            ordinal += 1;
            let (given, total) = given_keys(item, answers, &mut scratch);
            if !visible {
                hidden.push(&item.id);
                if given > 0 {
                    hidden_given.push(&item.id);
                }
                continue;
            }
            (done.answered, done.total) = (done.answered + given, done.total + total);
            shown.push(&item.id);
            missing_keys(item, answers, &mut scratch, |key| {
                missing.put(key);
            });
        }
    }
    sections_done.finish();
    hidden_given.finish();
    sections.finish();
    shown.finish();
    hidden.finish();
    let by_item = missing.len;

    let mut results = Refill::new(scores);
    for score in &def.scores {
        let mut value: i64 = 0;
        let mut answered = 0;
        let (mut declined, mut dont_know) = (0, 0);
        for key in &score.items {
            let Some(item) = ev.position(&key.item).map(|n| ev.item_at(n).1) else {
                continue;
            };
            let Some(v) = ev.answer(key) else { continue };
            let term = match (score.method, v) {
                (_, AnswerValue::Declined) => {
                    declined += 1;
                    None
                }
                (_, AnswerValue::DontKnow) => {
                    dont_know += 1;
                    None
                }
                (ScoreMethod::Count, AnswerValue::YesNo(b)) => Some(i64::from(*b)),
                (_, AnswerValue::Calendar(c)) => Some(i64::from(calendar_escalation(item, c) > 0)),
                (ScoreMethod::Count, _) => None,
                (ScoreMethod::Sum, v) => numeric(item, v),
            };
            if let Some(t) = term {
                answered += 1;
                value = value.saturating_add(t.saturating_mul(score.weight(key)));
            }
        }
        let computed_band = score.band_for(value).map(|b| b.id.as_str());
        let mut band = computed_band;
        let mut override_ = None;
        if let Some(o) = &score.override_ {
            set_item_key(&mut scratch, &o.item);
            if let Some(AnswerValue::Choice(chosen)) = ev.answer(&scratch) {
                if Some(chosen.as_str()) != computed_band
                    && score.bands.iter().any(|b| &b.id == chosen)
                {
                    set_item_key(&mut scratch, &o.reason_item);
                    let reason = match ev.answer(&scratch) {
                        Some(AnswerValue::Text(t)) if !t.trim().is_empty() => Some(t.clone()),
                        _ => None,
                    };
                    if reason.is_none() && !missing.filled().contains(&scratch) {
                        missing.put(&scratch);
                    }
                    override_ = Some(AppliedOverride {
                        from: computed_band.map(str::to_owned),
                        to: chosen.clone(),
                        reason,
                    });
                    band = Some(chosen.as_str());
                }
            }
        }
        let mut own_view = None;
        if let Some(ov) = &score.own_view {
            set_item_key(&mut scratch, &ov.item);
            if let Some(AnswerValue::Integer(rating)) = ev.answer(&scratch) {
                let rating = *rating;
                let point = band.and_then(|b| ov.points.get(b)).copied();
                let differs = point.is_some_and(|p| p.abs_diff(rating) > u64::from(ov.margin));
                set_item_key(&mut scratch, &ov.comment_item);
                let comment = match ev.answer(&scratch) {
                    Some(AnswerValue::Text(t)) if !t.trim().is_empty() => Some(t.clone()),
                    _ => None,
                };
                if differs && comment.is_none() && !missing.filled().contains(&scratch) {
                    missing.put(&scratch);
                }
                own_view = Some(OwnViewResult {
                    rating,
                    point,
                    differs,
                    comment,
                });
            }
        }
        let r = results.next();
        set_str(&mut r.id, &score.id);
        r.value = value;
        r.answered = answered;
        r.total = score.items.len();
        r.declined = declined;
        r.dont_know = dont_know;
        set_opt(&mut r.computed_band, computed_band);
        set_opt(&mut r.band, band);
        r.override_ = override_;
        r.own_view = own_view;
    }
    results.finish();
    *complete = missing.len == 0;
    missing.finish();

    let mut values = Refill::new(outcomes);
    for o in &def.outcomes {
        let category: Option<&str> = if let Some(key) = &o.from_item {
            match ev.answer(key) {
                Some(AnswerValue::YesNo(true)) => Some("yes"),
                Some(AnswerValue::YesNo(false)) => Some("no"),
                Some(AnswerValue::Choice(c)) => Some(c),
                _ => None,
            }
        } else if let Some(sid) = &o.from_score {
            scores
                .iter()
                .find(|s| &s.id == sid)
                .and_then(|s| s.band.as_deref())
        } else {
            o.rules
                .iter()
                .find(|r| r.when.eval(&ev))
                .map(|r| r.category.as_str())
                .or(o.otherwise.as_deref())
        };
        // Only declared categories ever leave the evaluation.
        let category = category.filter(|c| o.categories.iter().any(|d| d.id == *c));
        let v = values.next();
        set_str(&mut v.dimension, &o.id);
        set_opt(&mut v.category, category);
    }
    values.finish();
    by_item
}

/// Calls `f` with each key of the shown `item` that is still missing: every incomplete key
/// of a required item, and the incomplete entries of an optional list that has any.
/// `scratch` is overwritten.
fn missing_keys(
    item: &Item,
    answers: &Answers,
    scratch: &mut AnswerKey,
    mut f: impl FnMut(&AnswerKey),
) {
    let optional_list = matches!(item.kind, ItemKind::List { .. });
    if !item.required && !optional_list {
        return;
    }
    let mut check = |key: &AnswerKey| {
        let v = answers.get(key);
        let missing = if item.required {
            !is_complete(item, v)
        } else {
            // An optional list still needs complete entries when it has any.
            matches!(v, Some(AnswerValue::Entries(e)) if !e.is_empty()) && !is_complete(item, v)
        };
        if missing {
            f(key);
        }
    };
    if item.perspectives.is_empty() && item.timeframes.is_empty() {
        set_item_key(scratch, &item.id);
        check(scratch);
    } else {
        for k in item.answer_keys() {
            check(&k);
        }
    }
}

/// The items whose answers can change more than their own completeness: those named by a
/// condition (of a section, an item or an outcome rule), a score, an override or an outcome.
fn influential_items(def: &Instrument) -> BTreeSet<String> {
    fn add_condition(c: &super::expr::Condition, out: &mut BTreeSet<String>) {
        out.extend(c.items().into_iter().map(str::to_owned));
    }
    let mut out = BTreeSet::new();
    for s in &def.sections {
        if let Some(c) = &s.show_if {
            add_condition(c, &mut out);
        }
        for i in &s.items {
            if let Some(c) = &i.show_if {
                add_condition(c, &mut out);
            }
        }
    }
    for score in &def.scores {
        out.extend(score.items.iter().map(|k| k.item.clone()));
        if let Some(o) = &score.override_ {
            out.insert(o.item.clone());
            out.insert(o.reason_item.clone());
        }
        if let Some(o) = &score.own_view {
            out.insert(o.item.clone());
            out.insert(o.comment_item.clone());
        }
    }
    for o in &def.outcomes {
        if let Some(k) = &o.from_item {
            out.insert(k.item.clone());
        }
        for r in &o.rules {
            add_condition(&r.when, &mut out);
        }
    }
    out
}

/// Brings `ev` (the evaluation of the answers before one change) up to date after the answer
/// to an item was set or cleared; `answers` are the answers after it. When the item is not
/// influential (see [`Plan`]), only its own missing keys can have changed, and only those
/// are worked out again; otherwise everything is. The result is always what
/// [`evaluate_full`] gives (a property test holds it to that).
pub(crate) fn reevaluate(
    def: &Instrument,
    plan: &Plan,
    answers: &Answers,
    ev: &mut Evaluated,
    changed_item: &str,
) {
    let item = def.item(changed_item);
    let out = Arc::make_mut(&mut ev.evaluation);
    let Some(item) = item.filter(|_| !plan.influential.contains(changed_item)) else {
        ev.by_item = evaluate_into(def, plan, answers, out);
        return;
    };
    let mut scratch = AnswerKey::item(String::new());
    let mut fresh = Vec::new();
    if out.visible_items.iter().any(|i| i == changed_item) {
        missing_keys(item, answers, &mut scratch, |k| fresh.push(k.clone()));
    }
    // The keys of shown items are in file order: the changed item's old keys come out and
    // its fresh ones go in at the same place.
    let at = plan.position(changed_item);
    let keys = &mut out.missing_required;
    let start = keys[..ev.by_item]
        .iter()
        .position(|k| plan.position(&k.item) >= at)
        .unwrap_or(ev.by_item);
    let end = start
        + keys[start..ev.by_item]
            .iter()
            .take_while(|k| k.item == changed_item)
            .count();
    ev.by_item = ev.by_item - (end - start) + fresh.len();
    keys.splice(start..end, fresh);
    out.complete = keys.is_empty();
    // Visibility did not change (the item is not influential): only the changed item's
    // section progress, or its place among the hidden answered items, can have.
    if let Some(si) = def
        .sections
        .iter()
        .position(|s| s.items.iter().any(|i| i.id == changed_item))
    {
        let section = &def.sections[si];
        let (mut answered, mut total) = (0, 0);
        let mut hidden_given = false;
        for i in &section.items {
            let (given, keys) = given_keys(i, answers, &mut scratch);
            if out.visible_items.iter().any(|v| v == &i.id) {
                (answered, total) = (answered + given, total + keys);
            } else if i.id == changed_item {
                hidden_given = given > 0;
            }
        }
        if let Some(p) = out.progress.get_mut(si) {
            (p.answered, p.total) = (answered, total);
        }
        let listed = out.hidden_answered.iter().position(|i| i == changed_item);
        match (listed, hidden_given) {
            (Some(at), false) => {
                out.hidden_answered.remove(at);
            }
            (None, true) => {
                let order = |id: &str| plan.position(id);
                let at = out
                    .hidden_answered
                    .iter()
                    .position(|i| order(i) > order(changed_item))
                    .unwrap_or(out.hidden_answered.len());
                out.hidden_answered.insert(at, changed_item.to_owned());
            }
            _ => {}
        }
    }
}

/// How many of an item's answer keys hold a given answer, and how many keys it has.
fn given_keys(item: &Item, answers: &Answers, scratch: &mut AnswerKey) -> (u32, u32) {
    let is_given = |k: &AnswerKey| u32::from(answers.get(k).is_some_and(AnswerValue::is_given));
    if item.perspectives.is_empty() && item.timeframes.is_empty() {
        set_item_key(scratch, &item.id);
        (is_given(scratch), 1)
    } else {
        let keys = item.answer_keys();
        (keys.iter().map(is_given).sum(), keys.len() as u32)
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
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
                    fields.iter().filter(|f| f.required).all(|f| {
                        if f.perspectives.is_empty() {
                            is_complete(f, e.get(&f.id))
                        } else {
                            // Asked per perspective: required from every perspective.
                            f.entry_keys().iter().all(|k| is_complete(f, e.get(k)))
                        }
                    })
                })
        }
        _ => true,
    }
}

/// Visibility of sections and items, worked out once per evaluation.
struct Evaluator<'a> {
    def: &'a Instrument,
    plan: &'a Plan,
    answers: &'a Answers,
    /// Memoised visibility of each item (by position) and each section; unset until asked.
    item_memo: Vec<Cell<Option<bool>>>,
    section_memo: Vec<Cell<Option<bool>>>,
}

impl<'a> Evaluator<'a> {
    fn new(def: &'a Instrument, plan: &'a Plan, answers: &'a Answers) -> Self {
        Evaluator {
            def,
            plan,
            answers,
            item_memo: vec![Cell::new(None); plan.items.len()],
            section_memo: vec![Cell::new(None); def.sections.len()],
        }
    }

    /// The item at position `n`, with the index of its section.
    fn item_at(&self, n: usize) -> (usize, &'a Item) {
        let (si, ii) = self.plan.items[n];
        (si, &self.def.sections[si].items[ii])
    }

    fn position(&self, item: &str) -> Option<usize> {
        let by_id = &self.plan.by_id;
        by_id
            .binary_search_by(|(id, _)| id.as_str().cmp(item))
            .ok()
            .map(|at| by_id[at].1)
    }

    fn section_visible(&self, si: usize) -> bool {
        if let Some(v) = self.section_memo[si].get() {
            return v;
        }
        let v = match &self.def.sections[si].show_if {
            Some(c) => c.eval(self),
            None => true,
        };
        self.section_memo[si].set(Some(v));
        v
    }

    /// Whether the item at position `n` is shown. Conditions are acyclic (checked at
    /// load), so this ends.
    fn visible_at(&self, n: usize) -> bool {
        if let Some(v) = self.item_memo[n].get() {
            return v;
        }
        let (si, it) = self.item_at(n);
        let v = self.section_visible(si)
            && match &it.show_if {
                Some(c) => c.eval(self),
                None => true,
            };
        self.item_memo[n].set(Some(v));
        v
    }

    /// Whether an item is shown; unknown items are not.
    fn visible(&self, item: &str) -> bool {
        self.position(item).is_some_and(|n| self.visible_at(n))
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
        self.item_at(self.position(item)?)
            .1
            .choices()
            .iter()
            .position(|c| c.id == option)
    }

    fn escalation(&self, item: &str, answer: &super::calendar::CalendarAnswer) -> u8 {
        self.position(item)
            .map_or(0, |n| calendar_escalation(self.item_at(n).1, answer))
    }
}

/// The escalation measure of a calendar answer to `item` (0 for any other item).
fn calendar_escalation(item: &Item, answer: &super::calendar::CalendarAnswer) -> u8 {
    match &item.kind {
        ItemKind::Calendar {
            levels,
            escalation_months,
            ..
        } => super::calendar::escalation(levels, answer, *escalation_months),
        _ => 0,
    }
}
