//! The keys of each item type: options and levels, multiple choice limits, the incident
//! calendar, scales with anchors, numbers, texts, and lists with their fields.

use toml::de::DeValue;
use toml::Spanned;

use super::items::{item, non_empty_tables, Axes};
use super::parse::{Ctx, Tab};
use super::{is_option_id, OPTION_RULE};
use crate::instrument::model::{Anchor, Choice, Item, ItemKind};

/// The longest incident calendar, in months.
const MAX_CALENDAR_MONTHS: u32 = 36;

/// The kind of an item of the known type `ty`, with the keys that type has.
pub(super) fn item_kind(ctx: &mut Ctx, t: &Tab, ty: &str, axes: &Axes) -> ItemKind {
    match ty {
        "yes_no" => ItemKind::YesNo,
        "date" => ItemKind::Date,
        "single_choice" => ItemKind::SingleChoice {
            options: choices(ctx, t, "options", 2),
        },
        "multi_choice" => multi_choice(ctx, t),
        "calendar" => calendar(ctx, t),
        "frequency" => ItemKind::Frequency {
            levels: choices(ctx, t, "levels", 2),
        },
        "rating" => ItemKind::Rating {
            levels: choices(ctx, t, "levels", 2),
        },
        "scale" => scale(ctx, t),
        "number" => number(ctx, t),
        "short_text" | "long_text" => {
            let max_length = t.opt::<u32>(ctx, "max_length");
            if let Some(m) = &max_length {
                if *m.get_ref() == 0 {
                    ctx.err(m.span().start, "`max_length` must be at least 1");
                }
            }
            let max_length = max_length.map(Spanned::into_inner);
            if ty == "short_text" {
                ItemKind::ShortText { max_length }
            } else {
                ItemKind::LongText { max_length }
            }
        }
        "list" => list(ctx, t, axes),
        _ => ItemKind::YesNo,
    }
}

/// Reports `min` greater than `max` (two optional limits), at `min`.
fn check_order<T: PartialOrd>(
    ctx: &mut Ctx,
    min: &Option<Spanned<T>>,
    max: &Option<Spanned<T>>,
    message: impl FnOnce(&T, &T) -> String,
) {
    if let (Some(a), Some(b)) = (min, max) {
        if a.get_ref() > b.get_ref() {
            ctx.err(a.span().start, message(a.get_ref(), b.get_ref()));
        }
    }
}

fn multi_choice(ctx: &mut Ctx, t: &Tab) -> ItemKind {
    let options = choices(ctx, t, "options", 1);
    let min_selected = t.opt::<u32>(ctx, "min_selected");
    let max_selected = t.opt::<u32>(ctx, "max_selected");
    check_order(ctx, &min_selected, &max_selected, |_, _| {
        "`min_selected` is greater than `max_selected`".into()
    });
    if let Some(b) = &max_selected {
        if *b.get_ref() as usize > options.len() || *b.get_ref() == 0 {
            ctx.err(
                b.span().start,
                format!(
                    "`max_selected` must be between 1 and the number of options ({})",
                    options.len()
                ),
            );
        }
    }
    ItemKind::MultiChoice {
        options,
        min_selected: min_selected.map(Spanned::into_inner),
        max_selected: max_selected.map(Spanned::into_inner),
    }
}

/// The incident calendar: severity levels, how many months it shows (12 unless given), and
/// the period escalation compares, which must fit twice on it.
fn calendar(ctx: &mut Ctx, t: &Tab) -> ItemKind {
    let levels = choices(ctx, t, "levels", 2);
    let months = t.opt::<u32>(ctx, "months");
    let n = months.as_ref().map_or(12, |m| *m.get_ref());
    if let Some(m) = &months {
        if !(1..=MAX_CALENDAR_MONTHS).contains(&n) {
            ctx.err(
                m.span().start,
                format!("`months` must be between 1 and {MAX_CALENDAR_MONTHS}"),
            );
        }
    }
    let esc = t.req::<u32>(ctx, "escalation_months");
    if let Some(e) = &esc {
        let e_n = *e.get_ref();
        if e_n == 0 || e_n.saturating_mul(2) > n {
            ctx.err(
                e.span().start,
                format!(
                    "`escalation_months` must be at least 1 and at most half of `months` ({n}), \
                     so that both periods it compares are on the calendar"
                ),
            );
        }
    }
    ItemKind::Calendar {
        levels,
        months: n,
        escalation_months: esc.map_or(1, Spanned::into_inner),
    }
}

/// A scale from `min` to `max` (at most 1001 steps), with labelled anchors inside it.
fn scale(ctx: &mut Ctx, t: &Tab) -> ItemKind {
    let min = t.req::<i64>(ctx, "min");
    let max = t.req::<i64>(ctx, "max");
    let bounds = match (&min, &max) {
        (Some(a), Some(b)) => {
            if a.get_ref() >= b.get_ref() {
                ctx.err(
                    a.span().start,
                    format!(
                        "bad scale bounds: `min` ({}) must be less than `max` ({})",
                        a.get_ref(),
                        b.get_ref()
                    ),
                );
            } else if b.get_ref() - a.get_ref() > 1000 {
                ctx.err(
                    a.span().start,
                    "bad scale bounds: a scale has at most 1001 steps",
                );
            }
            Some((*a.get_ref(), *b.get_ref()))
        }
        _ => None,
    };
    let anchors = anchors(ctx, t, bounds);
    let (lo, hi) = bounds.unwrap_or((0, 0));
    ItemKind::Scale {
        min: lo,
        max: hi,
        anchors,
    }
}

/// `anchors` of a scale: each value once, inside the bounds when both are given.
fn anchors(ctx: &mut Ctx, t: &Tab, bounds: Option<(i64, i64)>) -> Vec<Anchor> {
    let mut anchors: Vec<Anchor> = Vec::new();
    for at in t.tables(ctx, "anchors", "anchor") {
        at.allow(ctx, &["value", "label"]);
        let value = at.req::<i64>(ctx, "value");
        let label = at.text(ctx, "label");
        let Some(v) = value else { continue };
        let value = *v.get_ref();
        match bounds {
            Some((lo, hi)) if value < lo || value > hi => ctx.err(
                v.span().start,
                format!("anchor {value} is outside the scale {lo}–{hi}"),
            ),
            _ if anchors.iter().any(|a| a.value == value) => {
                ctx.err(v.span().start, format!("anchor {value} is given twice"))
            }
            _ => {}
        }
        anchors.push(Anchor { value, label });
    }
    anchors
}

fn number(ctx: &mut Ctx, t: &Tab) -> ItemKind {
    let min = t.opt::<f64>(ctx, "min");
    let max = t.opt::<f64>(ctx, "max");
    check_order(ctx, &min, &max, |a, b| {
        format!("bad bounds: `min` ({a}) is greater than `max` ({b})")
    });
    ItemKind::Number {
        min: min.map(Spanned::into_inner),
        max: max.map(Spanned::into_inner),
        integer: t
            .opt::<bool>(ctx, "integer")
            .is_some_and(|b| b.into_inner()),
        unit: t.opt_text(ctx, "unit"),
    }
}

/// A list: entries of fields (items that are not lists themselves), each field id once.
fn list(ctx: &mut Ctx, t: &Tab, axes: &Axes) -> ItemKind {
    let mut fields: Vec<Item> = Vec::new();
    for ft in non_empty_tables(ctx, t, "fields", "field") {
        let parsed = item(ctx, ft, axes, true);
        if !parsed.item.id.is_empty() && fields.iter().any(|f| f.id == parsed.item.id) {
            ctx.err(
                parsed.id_span.start,
                format!("duplicate field id `{}` in {}", parsed.item.id, t.what),
            );
        }
        fields.push(parsed.item);
    }
    let min_entries = t.opt::<u32>(ctx, "min_entries");
    let max_entries = t.opt::<u32>(ctx, "max_entries");
    if let Some(b) = &max_entries {
        if *b.get_ref() == 0 {
            ctx.err(b.span().start, "`max_entries` must be at least 1");
        }
    }
    check_order(ctx, &min_entries, &max_entries, |_, _| {
        "`min_entries` is greater than `max_entries`".into()
    });
    ItemKind::List {
        fields,
        min_entries: min_entries.map(Spanned::into_inner),
        max_entries: max_entries.map(Spanned::into_inner),
        entry_label: t.opt_text(ctx, "entry_label"),
    }
}

/// The options or levels under `key`: at least `at_least`, ids unique within the item.
pub(super) fn choices(ctx: &mut Ctx, t: &Tab, key: &str, at_least: usize) -> Vec<Choice> {
    let Some(v) = t.get(key) else {
        ctx.err(t.span.start, format!("missing `{key}` in {}", t.what));
        return Vec::new();
    };
    let tabs = t.tables(ctx, key, if key == "levels" { "level" } else { "option" });
    if tabs.is_empty() && matches!(v.get_ref(), DeValue::Array(_)) {
        ctx.err(
            v.span().start,
            format!("empty choice list: `{key}` of {} has no entries", t.what),
        );
        return Vec::new();
    }
    let mut out: Vec<Choice> = Vec::new();
    for ct in tabs {
        ct.allow(ctx, &["id", "label", "code", "value", "help"]);
        let id = ct.id(ctx, is_option_id, OPTION_RULE);
        let ct = ct.with_name(id.get_ref());
        if !id.get_ref().is_empty() && out.iter().any(|c| &c.id == id.get_ref()) {
            ctx.err(
                id.span().start,
                format!("duplicate choice id `{}` in {}", id.get_ref(), t.what),
            );
        }
        out.push(Choice {
            label: ct.text(ctx, "label"),
            code: ct.opt::<String>(ctx, "code").map(Spanned::into_inner),
            value: ct.opt::<i64>(ctx, "value").map(Spanned::into_inner),
            help: ct.opt_text(ctx, "help"),
            id: id.into_inner(),
        });
    }
    if !out.is_empty() && out.len() < at_least {
        ctx.err(
            v.span().start,
            format!("`{key}` of {} needs at least {at_least} choices", t.what),
        );
    }
    out
}
