//! `[[scores]]`: the items counted or summed (with weights), the range the score can take,
//! its bands (`bands`), and the judgement that may override the band (`override`) or the
//! person's own view set beside it (`own_view`).

use std::collections::{BTreeMap, HashMap};

use toml::Spanned;

use super::bands::bands;
use super::conditions::lookup_in;
use super::parse::{check_unique, Ctx, Tab};
use super::IDENT_RULE;
use crate::instrument::answer::{is_ident, AnswerKey};
use crate::instrument::expr;
use crate::instrument::model::{
    Band, Choice, Item, ItemKind, Override, OwnView, Score, ScoreMethod, Section,
};

/// The items of the file by id.
type ItemMap<'s> = HashMap<&'s str, &'s Item>;

/// The lowest and highest value a score (or one term of it) can take.
type Range = (i64, i64);

const SCORE_KEYS: &[&str] = &[
    "id", "label", "method", "items", "weights", "bands", "override", "own_view",
];

pub(super) fn scores(ctx: &mut Ctx, top: &Tab, sections: &[Section]) -> Vec<Score> {
    let map = lookup_in(sections);
    let mut out: Vec<Score> = Vec::new();
    for t in top.tables(ctx, "scores", "score") {
        let score = score(ctx, t, &map, &out);
        out.push(score);
    }
    out
}

/// One score; `earlier` are the scores before it (for duplicate ids).
fn score(ctx: &mut Ctx, t: Tab, map: &ItemMap, earlier: &[Score]) -> Score {
    t.allow(ctx, SCORE_KEYS);
    let id = t.id(ctx, is_ident, IDENT_RULE);
    let t = t.with_name(id.get_ref());
    check_unique(ctx, &id, "score", earlier.iter().map(|s| s.id.as_str()));
    let label = t.text(ctx, "label");
    let method = method(ctx, &t);
    let weights = weights(ctx, &t, method);
    let (items, range) = terms(ctx, &t, map, method, &weights);
    check_weights_used(ctx, &t, &weights, &items);
    let bands = bands(ctx, &t, range);
    let override_ = override_(ctx, &t, map, &bands);
    let own_view = own_view(ctx, &t, map, &bands);
    Score {
        id: id.into_inner(),
        label,
        method: method.unwrap_or(ScoreMethod::Count),
        items,
        weights,
        bands,
        override_,
        own_view,
    }
}

fn method(ctx: &mut Ctx, t: &Tab) -> Option<ScoreMethod> {
    let m = t.req::<String>(ctx, "method")?;
    match m.get_ref().as_str() {
        "count" => Some(ScoreMethod::Count),
        "sum" => Some(ScoreMethod::Sum),
        other => {
            ctx.err(
                m.span().start,
                format!("unknown score method `{other}`; expected `count` or `sum`"),
            );
            None
        }
    }
}

fn weights(ctx: &mut Ctx, t: &Tab, method: Option<ScoreMethod>) -> BTreeMap<String, i64> {
    t.opt::<BTreeMap<String, i64>>(ctx, "weights")
        .map(|w| {
            if method == Some(ScoreMethod::Count) {
                ctx.err(w.span().start, "`weights` only apply to `method = \"sum\"`");
            }
            w.into_inner()
        })
        .unwrap_or_default()
}

/// The weighted terms under `items`, and the range of their sum (`None` when a term's range
/// is unknown, so that the bands cannot be checked against it).
fn terms(
    ctx: &mut Ctx,
    t: &Tab,
    map: &ItemMap,
    method: Option<ScoreMethod>,
    weights: &BTreeMap<String, i64>,
) -> (Vec<AnswerKey>, Option<Range>) {
    let mut items: Vec<AnswerKey> = Vec::new();
    let mut range: Option<Range> = Some((0, 0));
    let refs = t.req::<Vec<Spanned<String>>>(ctx, "items");
    if let Some(r) = &refs {
        if r.get_ref().is_empty() {
            ctx.err(r.span().start, format!("`items` of {} is empty", t.what));
        }
    }
    for r in refs.map(Spanned::into_inner).unwrap_or_default() {
        let Some((key, item)) = term_item(ctx, t, map, &r) else {
            range = None;
            continue;
        };
        if items.contains(&key) {
            ctx.err(
                r.span().start,
                format!("`{key}` is listed twice in {}", t.what),
            );
        }
        let term = term_range(ctx, &r, &key, item, method);
        let w = weights.get(&key.to_string()).copied().unwrap_or(1);
        range = match (range, term) {
            (Some((lo, hi)), Some((a, b))) => {
                let (x, y) = (a.saturating_mul(w), b.saturating_mul(w));
                Some((lo.saturating_add(x.min(y)), hi.saturating_add(x.max(y))))
            }
            _ => None,
        };
        items.push(key);
    }
    (items, range)
}

/// The answer reference `r` of a score and the item it names, or `None` with the error.
fn term_item<'s>(
    ctx: &mut Ctx,
    t: &Tab,
    map: &ItemMap<'s>,
    r: &Spanned<String>,
) -> Option<(AnswerKey, &'s Item)> {
    let key: AnswerKey = match r.get_ref().parse() {
        Ok(k) => k,
        Err(m) => {
            ctx.err(r.span().start, m);
            return None;
        }
    };
    let lookup = |id: &str| map.get(id).copied();
    match expr::check_reference(&key, &lookup) {
        Ok(item) => Some((key, item)),
        Err(m) => {
            ctx.err(r.span().start, format!("{}: {m}", t.what));
            None
        }
    }
}

/// The range one unweighted term adds, or `None` (with the error) when the method cannot
/// take the item.
fn term_range(
    ctx: &mut Ctx,
    r: &Spanned<String>,
    key: &AnswerKey,
    item: &Item,
    method: Option<ScoreMethod>,
) -> Option<Range> {
    match method {
        Some(ScoreMethod::Count) => match item.kind {
            ItemKind::YesNo | ItemKind::Calendar { .. } => Some((0, 1)),
            _ => {
                ctx.err(
                    r.span().start,
                    format!(
                        "a count counts yes answers, but `{}` is a {} item (use `method = \"sum\"` with choice values)",
                        key.item,
                        item.type_name()
                    ),
                );
                None
            }
        },
        Some(ScoreMethod::Sum) => match summable(item) {
            Ok(r) => r,
            Err(m) => {
                ctx.err(
                    r.span().start,
                    format!("`{}` cannot be summed: {m}", key.item),
                );
                None
            }
        },
        None => None,
    }
}

/// Every weight is for one of the score's items.
fn check_weights_used(
    ctx: &mut Ctx,
    t: &Tab,
    weights: &BTreeMap<String, i64>,
    items: &[AnswerKey],
) {
    let Some(w) = t.get("weights") else { return };
    for k in weights.keys() {
        if !items.iter().any(|i| &i.to_string() == k) {
            ctx.err(
                w.span().start,
                format!("weight for `{k}`, which is not in `items` of {}", t.what),
            );
        }
    }
}

/// The range one unweighted term can add (an unanswered item adds 0), or why it cannot
/// be summed.
fn summable(item: &Item) -> Result<Option<Range>, String> {
    let with_zero = |lo: i64, hi: i64| Some((lo.min(0), hi.max(0)));
    match &item.kind {
        ItemKind::YesNo | ItemKind::Calendar { .. } => Ok(Some((0, 1))),
        ItemKind::Scale { min, max, .. } => Ok(with_zero(*min, *max)),
        ItemKind::Number {
            integer: true,
            min,
            max,
            ..
        } => Ok(match (min, max) {
            (Some(a), Some(b)) => with_zero(*a as i64, *b as i64),
            _ => None,
        }),
        ItemKind::Number { .. } => {
            Err("only whole numbers (`integer = true`) can be summed".into())
        }
        ItemKind::SingleChoice { options }
        | ItemKind::Frequency { levels: options }
        | ItemKind::Rating { levels: options } => {
            let values = choice_values(options)?;
            Ok(with_zero(
                values.iter().copied().min().unwrap_or(0),
                values.iter().copied().max().unwrap_or(0),
            ))
        }
        ItemKind::MultiChoice { options, .. } => {
            let values = choice_values(options)?;
            Ok(Some((
                values.iter().filter(|v| **v < 0).sum(),
                values.iter().filter(|v| **v > 0).sum(),
            )))
        }
        _ => Err(format!("a {} item has no number", item.type_name())),
    }
}

fn choice_values(options: &[Choice]) -> Result<Vec<i64>, String> {
    options
        .iter()
        .map(|o| {
            o.value
                .ok_or_else(|| format!("choice `{}` has no `value`", o.id))
        })
        .collect()
}

/// The item `name` names, or `None` with an error at it.
fn known_item<'s>(ctx: &mut Ctx, map: &ItemMap<'s>, name: &Spanned<String>) -> Option<&'s Item> {
    let item = map.get(name.get_ref().as_str()).copied();
    if item.is_none() {
        ctx.err(
            name.span().start,
            format!("unknown item `{}`", name.get_ref()),
        );
    }
    item
}

/// Whether `item` is asked once: no perspectives, no time frames.
fn asked_once(item: &Item) -> bool {
    item.perspectives.is_empty() && item.timeframes.is_empty()
}

/// `name` must be a text item asked once (`what`: "reason item", "comment item").
fn check_text_item(ctx: &mut Ctx, map: &ItemMap, name: &Spanned<String>, what: &str) {
    let Some(it) = known_item(ctx, map, name) else {
        return;
    };
    let text = matches!(
        it.kind,
        ItemKind::ShortText { .. } | ItemKind::LongText { .. }
    );
    if !(text && asked_once(it)) {
        ctx.err(
            name.span().start,
            format!(
                "{what} `{}` must be a short_text or long_text item (asked once)",
                it.id
            ),
        );
    }
}

/// `override = { item, reason_item }`: a single choice whose options are exactly the band
/// ids, and a text item for the reason.
fn override_(ctx: &mut Ctx, t: &Tab, map: &ItemMap, bands: &[Band]) -> Option<Override> {
    let ot = t.table(ctx, "override", || format!("the override of {}", t.what))?;
    ot.allow(ctx, &["item", "reason_item"]);
    let item = ot.req::<String>(ctx, "item");
    let reason = ot.req::<String>(ctx, "reason_item");
    if bands.is_empty() {
        ctx.err(
            ot.span.start,
            format!("{} has an override but no bands", t.what),
        );
    }
    if let Some(i) = &item {
        check_override_item(ctx, t, map, i, bands);
    }
    if let Some(r) = &reason {
        check_text_item(ctx, map, r, "reason item");
    }
    Some(Override {
        item: item?.into_inner(),
        reason_item: reason?.into_inner(),
    })
}

fn check_override_item(
    ctx: &mut Ctx,
    t: &Tab,
    map: &ItemMap,
    name: &Spanned<String>,
    bands: &[Band],
) {
    let Some(it) = known_item(ctx, map, name) else {
        return;
    };
    let at = name.span().start;
    let options = match &it.kind {
        ItemKind::SingleChoice { options } if asked_once(it) => options,
        _ => {
            ctx.err(
                at,
                format!(
                    "override item `{}` must be a single_choice item (asked once) whose options are the band ids",
                    it.id
                ),
            );
            return;
        }
    };
    for b in bands {
        if !options.iter().any(|o| o.id == b.id) {
            ctx.err(
                at,
                format!(
                    "override item `{}` has no option for band `{}` of {}; the options must be exactly the band ids",
                    it.id, b.id, t.what
                ),
            );
        }
    }
    for o in options {
        if !bands.is_empty() && !bands.iter().any(|b| b.id == o.id) {
            ctx.err(
                at,
                format!(
                    "option `{}` of override item `{}` is not a band of {}; the options must be band ids",
                    o.id, it.id, t.what
                ),
            );
        }
    }
}

/// `own_view = { item, comment_item, margin, points }` of a score: the person's own rating
/// (a scale item) set beside the band, with a comment required when they differ too much.
fn own_view(ctx: &mut Ctx, t: &Tab, map: &ItemMap, bands: &[Band]) -> Option<OwnView> {
    let ot = t.table(ctx, "own_view", || format!("the own view of {}", t.what))?;
    ot.allow(ctx, &["item", "comment_item", "margin", "points"]);
    let item = ot.req::<String>(ctx, "item");
    let comment = ot.req::<String>(ctx, "comment_item");
    let margin = ot.req::<u32>(ctx, "margin");
    let points = ot.req::<BTreeMap<String, Spanned<i64>>>(ctx, "points");
    if bands.is_empty() {
        ctx.err(
            ot.span.start,
            format!("{} has an own view but no bands", t.what),
        );
    }
    let scale = item.as_ref().and_then(|i| own_view_scale(ctx, map, i));
    if let Some(c) = &comment {
        check_text_item(ctx, map, c, "comment item");
    }
    if let Some(p) = &points {
        check_points(ctx, t, p, bands, scale);
    }
    Some(OwnView {
        item: item?.into_inner(),
        comment_item: comment?.into_inner(),
        margin: margin?.into_inner(),
        points: points?
            .into_inner()
            .into_iter()
            .map(|(k, v)| (k, v.into_inner()))
            .collect(),
    })
}

/// The bounds of the own view's scale item, or `None` (with the error) for another item.
fn own_view_scale(ctx: &mut Ctx, map: &ItemMap, name: &Spanned<String>) -> Option<Range> {
    let it = known_item(ctx, map, name)?;
    match &it.kind {
        ItemKind::Scale { min, max, .. } if asked_once(it) => Some((*min, *max)),
        _ => {
            ctx.err(
                name.span().start,
                format!(
                    "own view item `{}` must be a scale item (asked once)",
                    it.id
                ),
            );
            None
        }
    }
}

/// `points`: one point on the scale for every band, and no other key.
fn check_points(
    ctx: &mut Ctx,
    t: &Tab,
    p: &Spanned<BTreeMap<String, Spanned<i64>>>,
    bands: &[Band],
    scale: Option<Range>,
) {
    for b in bands {
        if !p.get_ref().contains_key(&b.id) {
            ctx.err(
                p.span().start,
                format!("`points` of the own view has no point for band `{}`", b.id),
            );
        }
    }
    for (k, pt) in p.get_ref() {
        if !bands.is_empty() && !bands.iter().any(|b| &b.id == k) {
            ctx.err(
                pt.span().start,
                format!("`{k}` in `points` is not a band of {}", t.what),
            );
        }
        if let Some((lo, hi)) = scale {
            if *pt.get_ref() < lo || *pt.get_ref() > hi {
                ctx.err(
                    pt.span().start,
                    format!("point {} is outside the scale {lo}–{hi}", pt.get_ref()),
                );
            }
        }
    }
}
