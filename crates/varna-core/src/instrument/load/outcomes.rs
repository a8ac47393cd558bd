//! `[[outcomes]]`: the dimensions statistics may count. Each takes its categories from
//! exactly one source: an item's answer (`from_item`), a score's band (`from_score`), or
//! conditions tried in order (`rules`, with `otherwise`).

use std::collections::{BTreeSet, HashMap};

use toml::Spanned;

use super::conditions::{lookup_in, report};
use super::parse::{check_unique, Ctx, Tab};
use super::{is_option_id, IDENT_RULE, OPTION_RULE};
use crate::instrument::answer::{is_ident, AnswerKey};
use crate::instrument::expr;
use crate::instrument::model::{Item, ItemKind, Label, Outcome, Rule, Score, Section, Text};

const OUTCOME_KEYS: &[&str] = &[
    "id",
    "label",
    "categories",
    "from_item",
    "from_score",
    "rules",
    "otherwise",
];

/// The items of the file by id.
type ItemMap<'s> = HashMap<&'s str, &'s Item>;

pub(super) fn outcomes(
    ctx: &mut Ctx,
    top: &Tab,
    sections: &[Section],
    scores: &[Score],
) -> Vec<Outcome> {
    let map = lookup_in(sections);
    let mut out: Vec<Outcome> = Vec::new();
    for t in top.tables(ctx, "outcomes", "outcome") {
        let outcome = outcome(ctx, t, &map, scores, &out);
        out.push(outcome);
    }
    out
}

/// One outcome; `earlier` are the outcomes before it (for duplicate ids).
fn outcome(ctx: &mut Ctx, t: Tab, map: &ItemMap, scores: &[Score], earlier: &[Outcome]) -> Outcome {
    t.allow(ctx, OUTCOME_KEYS);
    let id = t.id(ctx, is_ident, IDENT_RULE);
    let t = t.with_name(id.get_ref());
    check_unique(ctx, &id, "outcome", earlier.iter().map(|o| o.id.as_str()));
    let label = t.text(ctx, "label");
    let declared = t.get("categories").is_some();
    let mut categories = categories(ctx, &t);
    let from_item = t.opt::<String>(ctx, "from_item");
    let from_score = t.opt::<String>(ctx, "from_score");
    let has_rules = t.get("rules").is_some();
    let sources = [from_item.is_some(), from_score.is_some(), has_rules]
        .iter()
        .filter(|b| **b)
        .count();
    if sources != 1 {
        ctx.err(
            t.span.start,
            format!(
                "{} needs exactly one of `from_item`, `from_score` or `rules`",
                t.what
            ),
        );
    }
    let (produced, item_key) = source_categories(
        ctx,
        &t,
        map,
        scores,
        from_item.as_ref(),
        from_score.as_ref(),
    );
    if let Some((cats, at)) = produced {
        if declared {
            check_same_categories(ctx, &t, &categories, &cats, at);
        } else {
            categories = cats;
        }
    }
    let rules = if has_rules {
        rules(ctx, &t, map, &categories)
    } else {
        Vec::new()
    };
    let otherwise = t.opt::<String>(ctx, "otherwise");
    if let Some(o) = &otherwise {
        if !has_rules {
            ctx.err(o.span().start, "`otherwise` only goes with `rules`");
        } else if !categories.iter().any(|c| &c.id == o.get_ref()) {
            ctx.err(
                o.span().start,
                format!("`{}` is not a declared category of {}", o.get_ref(), t.what),
            );
        }
    }
    Outcome {
        id: id.into_inner(),
        label,
        categories,
        from_item: item_key,
        from_score: from_score.map(Spanned::into_inner),
        rules,
        otherwise: otherwise.map(Spanned::into_inner),
    }
}

/// The categories the source can produce with where the source is, and the answer
/// reference of `from_item`.
fn source_categories(
    ctx: &mut Ctx,
    t: &Tab,
    map: &ItemMap,
    scores: &[Score],
    from_item: Option<&Spanned<String>>,
    from_score: Option<&Spanned<String>>,
) -> (Option<(Vec<Label>, usize)>, Option<AnswerKey>) {
    let mut produced: Option<(Vec<Label>, usize)> = None;
    let mut item_key = None;
    if let Some(fi) = from_item {
        if let Some((key, cats)) = from_item_categories(ctx, t, map, fi) {
            produced = cats.map(|c| (c, fi.span().start));
            item_key = Some(key);
        }
    }
    if let Some(fs) = from_score {
        if let Some(cats) = from_score_categories(ctx, scores, fs) {
            produced = Some((cats, fs.span().start));
        }
    }
    (produced, item_key)
}

/// `[[outcomes.categories]]` as declared (none when not declared).
fn categories(ctx: &mut Ctx, t: &Tab) -> Vec<Label> {
    let mut categories: Vec<Label> = Vec::new();
    for ct in t.tables(ctx, "categories", "category") {
        ct.allow(ctx, &["id", "label"]);
        let cid = ct.id(ctx, is_option_id, OPTION_RULE);
        let ct = ct.with_name(cid.get_ref());
        if categories.iter().any(|c| &c.id == cid.get_ref()) {
            ctx.err(
                cid.span().start,
                format!("duplicate category `{}`", cid.get_ref()),
            );
        }
        let l = ct.text(ctx, "label");
        categories.push(Label {
            id: cid.into_inner(),
            label: l,
        });
    }
    categories
}

fn yes_no_categories() -> Vec<Label> {
    vec![
        Label {
            id: "yes".into(),
            label: Text {
                sv: "Ja".into(),
                en: Some("Yes".into()),
            },
        },
        Label {
            id: "no".into(),
            label: Text {
                sv: "Nej".into(),
                en: Some("No".into()),
            },
        },
    ]
}

/// `from_item`: the answer reference, and the categories its item's answers are (`None`
/// with an error for an item that has no categories); `None` for a bad reference.
fn from_item_categories(
    ctx: &mut Ctx,
    t: &Tab,
    map: &ItemMap,
    fi: &Spanned<String>,
) -> Option<(AnswerKey, Option<Vec<Label>>)> {
    let key = match fi.get_ref().parse::<AnswerKey>() {
        Ok(key) => key,
        Err(m) => {
            ctx.err(fi.span().start, m);
            return None;
        }
    };
    let lookup = |id: &str| map.get(id).copied();
    let item = match expr::check_reference(&key, &lookup) {
        Ok(item) => item,
        Err(m) => {
            ctx.err(fi.span().start, format!("{}: {m}", t.what));
            return None;
        }
    };
    let cats = match &item.kind {
        ItemKind::YesNo => Some(yes_no_categories()),
        ItemKind::SingleChoice { options }
        | ItemKind::Frequency { levels: options }
        | ItemKind::Rating { levels: options } => Some(
            options
                .iter()
                .map(|o| Label {
                    id: o.id.clone(),
                    label: o.label.clone(),
                })
                .collect(),
        ),
        _ => {
            ctx.err(
                fi.span().start,
                format!(
                    "an outcome can only come from a yes_no, single_choice, frequency or rating item; `{}` is {}",
                    item.id,
                    item.type_name()
                ),
            );
            None
        }
    };
    Some((key, cats))
}

/// `from_score`: the bands of the score, or `None` with the error.
fn from_score_categories(
    ctx: &mut Ctx,
    scores: &[Score],
    fs: &Spanned<String>,
) -> Option<Vec<Label>> {
    match scores.iter().find(|s| &s.id == fs.get_ref()) {
        None => {
            ctx.err(fs.span().start, format!("unknown score `{}`", fs.get_ref()));
            None
        }
        Some(s) if s.bands.is_empty() => {
            ctx.err(
                fs.span().start,
                format!("score `{}` has no bands to take categories from", s.id),
            );
            None
        }
        Some(s) => Some(
            s.bands
                .iter()
                .map(|b| Label {
                    id: b.id.clone(),
                    label: b.label.clone(),
                })
                .collect(),
        ),
    }
}

/// Declared categories must be exactly those the source produces.
fn check_same_categories(ctx: &mut Ctx, t: &Tab, declared: &[Label], source: &[Label], at: usize) {
    let want: BTreeSet<&str> = source.iter().map(|c| c.id.as_str()).collect();
    let have: BTreeSet<&str> = declared.iter().map(|c| c.id.as_str()).collect();
    if want != have {
        ctx.err(
            at,
            format!(
                "the categories of {} ({}) must be exactly those of its source ({})",
                t.what,
                have.into_iter().collect::<Vec<_>>().join(", "),
                want.into_iter().collect::<Vec<_>>().join(", ")
            ),
        );
    }
}

/// `[[outcomes.rules]]`: a condition (`when`) and a declared category each.
fn rules(ctx: &mut Ctx, t: &Tab, map: &ItemMap, categories: &[Label]) -> Vec<Rule> {
    if categories.is_empty() {
        ctx.err(
            t.span.start,
            format!("{} uses `rules` and must declare its `categories`", t.what),
        );
    }
    let lookup = |id: &str| map.get(id).copied();
    let mut rules = Vec::new();
    for rt in t.tables(ctx, "rules", "rule") {
        rt.allow(ctx, &["when", "category"]);
        let when = rt.req::<String>(ctx, "when");
        let cat = rt.req::<String>(ctx, "category");
        if let Some(c) = &cat {
            if !categories.is_empty() && !categories.iter().any(|x| &x.id == c.get_ref()) {
                ctx.err(
                    c.span().start,
                    format!("`{}` is not a declared category of {}", c.get_ref(), t.what),
                );
            }
        }
        let cond = when.and_then(|w| match expr::compile(w.get_ref(), &lookup) {
            Ok(c) => Some(c),
            Err(errors) => {
                report(ctx, &w.span(), "when", errors);
                None
            }
        });
        if let (Some(when), Some(category)) = (cond, cat) {
            rules.push(Rule {
                when,
                category: category.into_inner(),
            });
        }
    }
    rules
}
