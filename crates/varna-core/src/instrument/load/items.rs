//! `[[sections]]` and their `[[sections.items]]`: ids unique across the file, the keys each
//! item type allows, the perspectives and time frames an item is asked per, and the
//! `show_if` texts, kept with their place to be compiled once every item is known.

use std::collections::HashMap;

use toml::Spanned;

use super::conditions::{Pending, Target};
use super::kinds::item_kind;
use super::parse::{Ctx, Span, Tab};
use super::IDENT_RULE;
use crate::instrument::answer::is_ident;
use crate::instrument::diagnostic::line_col;
use crate::instrument::model::{Item, ItemKind, Label, Section};

/// Words of the condition language that an item id may not be (conditions could not name it).
const RESERVED_WORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "true",
    "false",
    "answered",
    "declined",
    "dont_know",
    "count",
    "count_within",
    "escalation",
];

/// The keys every item may have.
const COMMON_KEYS: &[&str] = &[
    "id",
    "type",
    "text",
    "help",
    "required",
    "allow_decline",
    "allow_unknown",
    "show_if",
    "perspectives",
    "timeframes",
];

/// The keys of one item type, besides [`COMMON_KEYS`].
fn kind_keys(ty: &str) -> &'static [&'static str] {
    match ty {
        "single_choice" => &["options"],
        "multi_choice" => &["options", "min_selected", "max_selected"],
        "frequency" | "rating" => &["levels"],
        "scale" => &["min", "max", "anchors"],
        "number" => &["min", "max", "integer", "unit"],
        "short_text" | "long_text" => &["max_length"],
        "list" => &["fields", "min_entries", "max_entries", "entry_label"],
        "calendar" => &["levels", "months", "escalation_months"],
        _ => &[],
    }
}

/// The perspectives and time frames the file declares, which items may be asked per.
pub(super) struct Axes<'h> {
    pub(super) perspectives: &'h [Label],
    pub(super) timeframes: &'h [Label],
}

/// Where each section and item id was first used, for duplicates.
#[derive(Default)]
struct FirstUse {
    sections: HashMap<String, Span>,
    items: HashMap<String, Span>,
}

impl FirstUse {
    /// Records `id` in `seen`, or reports it as a duplicate of its first use.
    fn note(ctx: &mut Ctx, seen: &mut HashMap<String, Span>, what: &str, id: &str, at: Span) {
        if id.is_empty() {
            return;
        }
        if let Some(first) = seen.get(id) {
            let (l, _) = line_col(ctx.src, first.start);
            ctx.err(
                at.start,
                format!("duplicate {what} id `{id}` (first used on line {l})"),
            );
        } else {
            seen.insert(id.to_owned(), at);
        }
    }
}

/// Every section with its items, and the `show_if` conditions still to compile.
pub(super) fn sections(ctx: &mut Ctx, top: &Tab, axes: &Axes) -> (Vec<Section>, Vec<Pending>) {
    if top.get("sections").is_none() {
        ctx.err(
            top.span.start,
            "missing `sections`: an instrument needs at least one section",
        );
    }
    let section_tabs = top.tables(ctx, "sections", "section");
    if top.get("sections").is_some() && section_tabs.is_empty() {
        ctx.err(
            top.get("sections").map_or(0, |v| v.span().start),
            "`sections` is empty: an instrument needs at least one section",
        );
    }
    let mut sections = Vec::new();
    let mut pending = Vec::new();
    let mut first_use = FirstUse::default();
    for st in section_tabs {
        let index = sections.len();
        let s = section(ctx, st, axes, &mut first_use, &mut pending, index);
        sections.push(s);
    }
    (sections, pending)
}

fn section(
    ctx: &mut Ctx,
    st: Tab,
    axes: &Axes,
    first_use: &mut FirstUse,
    pending: &mut Vec<Pending>,
    index: usize,
) -> Section {
    let id = st.id(ctx, is_ident, IDENT_RULE);
    let st = st.with_name(id.get_ref());
    st.allow(ctx, &["id", "title", "help", "show_if", "items"]);
    FirstUse::note(
        ctx,
        &mut first_use.sections,
        "section",
        id.get_ref(),
        id.span(),
    );
    let title = st.text(ctx, "title");
    let help = st.opt_text(ctx, "help");
    if let Some(s) = st.opt::<String>(ctx, "show_if") {
        pending.push(Pending {
            target: Target::Section(index),
            source: s,
        });
    }
    let mut items = Vec::new();
    for t in non_empty_tables(ctx, &st, "items", "item") {
        let parsed = item(ctx, t, axes, false);
        FirstUse::note(
            ctx,
            &mut first_use.items,
            "item",
            &parsed.item.id,
            parsed.id_span,
        );
        if let Some(s) = parsed.show_if {
            pending.push(Pending {
                target: Target::Item(index, items.len()),
                source: s,
            });
        }
        items.push(parsed.item);
    }
    Section {
        id: id.into_inner(),
        title,
        help,
        show_if: None,
        items,
    }
}

/// The array of tables `key` of `t`, which must be there and not be empty.
pub(super) fn non_empty_tables<'a, 'i>(
    ctx: &mut Ctx,
    t: &Tab<'a, 'i>,
    key: &str,
    what: &str,
) -> Vec<Tab<'a, 'i>> {
    if t.get(key).is_none() {
        ctx.err(t.span.start, format!("missing `{key}` in {}", t.what));
    }
    let tabs = t.tables(ctx, key, what);
    if t.get(key).is_some() && tabs.is_empty() {
        ctx.err(
            t.get(key).map_or(0, |v| v.span().start),
            format!("`{key}` in {} is empty", t.what),
        );
    }
    tabs
}

/// An item (or, `in_list`, a field of a list entry) and what is still to check about it.
pub(super) struct ParsedItem {
    pub(super) item: Item,
    pub(super) id_span: Span,
    pub(super) show_if: Option<Spanned<String>>,
}

pub(super) fn item(ctx: &mut Ctx, t: Tab, axes: &Axes, in_list: bool) -> ParsedItem {
    let id = item_id(ctx, &t, in_list);
    let id_span = id.span();
    let t = t.with_name(id.get_ref());
    let ty = t.req::<String>(ctx, "type");
    let ty_name = ty.as_ref().map(|t| t.get_ref().as_str()).unwrap_or("");
    let known_type = ItemKind::TYPE_NAMES.contains(&ty_name);
    if let Some(ty) = &ty {
        if !known_type {
            ctx.err(
                ty.span().start,
                format!(
                    "unknown item type `{}`; expected one of: {}",
                    ty.get_ref(),
                    ItemKind::TYPE_NAMES.join(", ")
                ),
            );
        }
    }
    check_item_keys(ctx, &t, ty_name, known_type, in_list);
    let text = t.text(ctx, "text");
    let help = t.opt_text(ctx, "help");
    let flag = |ctx: &mut Ctx, key: &str| t.opt::<bool>(ctx, key).is_some_and(|b| b.into_inner());
    let required = flag(ctx, "required");
    let allow_decline = flag(ctx, "allow_decline");
    let allow_unknown = flag(ctx, "allow_unknown");
    let show_if = if in_list {
        None
    } else {
        t.opt::<String>(ctx, "show_if")
    };
    let perspectives = axis(ctx, &t, "perspectives", "perspective", axes.perspectives);
    let timeframes = axis(ctx, &t, "timeframes", "time frame", axes.timeframes);
    if ty_name == "list" && in_list {
        if let Some(ty) = &ty {
            ctx.err(
                ty.span().start,
                format!("a list entry cannot contain another list ({})", t.what),
            );
        }
    }
    let kind = if known_type {
        item_kind(ctx, &t, ty_name, axes)
    } else {
        ItemKind::YesNo
    };
    ParsedItem {
        item: Item {
            id: id.into_inner(),
            text,
            help,
            required,
            allow_decline,
            allow_unknown,
            show_if: None,
            perspectives,
            timeframes,
            kind,
        },
        id_span,
        show_if,
    }
}

/// The item's id, which a condition must be able to name (a field's is never named).
fn item_id(ctx: &mut Ctx, t: &Tab, in_list: bool) -> Spanned<String> {
    let id = t.id(ctx, is_ident, IDENT_RULE);
    if !in_list && RESERVED_WORDS.contains(&id.get_ref().as_str()) {
        ctx.err(
            id.span().start,
            format!(
                "`{}` cannot be an item id: it is a word of the condition language ({})",
                id.get_ref(),
                RESERVED_WORDS.join(", ")
            ),
        );
    }
    id
}

/// Keys: the common ones (some not on a field of a list entry), plus those of the item's
/// type; a key of another type is named as such.
fn check_item_keys(ctx: &mut Ctx, t: &Tab, ty_name: &str, known_type: bool, in_list: bool) {
    for (k, span) in t.keys() {
        if COMMON_KEYS.contains(&k) {
            if in_list {
                check_field_key(ctx, t, k, &span, ty_name, known_type);
            }
            continue;
        }
        if !known_type || kind_keys(ty_name).contains(&k) {
            continue;
        }
        let belongs_elsewhere = ItemKind::TYPE_NAMES
            .iter()
            .any(|other| kind_keys(other).contains(&k));
        if belongs_elsewhere {
            ctx.err(
                span.start,
                format!(
                    "`{k}` does not belong to an item of type `{ty_name}` ({})",
                    t.what
                ),
            );
        } else {
            let mut allowed: Vec<&str> = COMMON_KEYS.to_vec();
            allowed.extend(kind_keys(ty_name));
            ctx.err(
                span.start,
                format!(
                    "unknown key `{k}` in {}; expected one of: {}",
                    t.what,
                    allowed.join(", ")
                ),
            );
        }
    }
}

/// A common key on a field of a list entry: no condition, time frame or non-answer, and
/// perspectives only on a scale.
fn check_field_key(ctx: &mut Ctx, t: &Tab, k: &str, span: &Span, ty_name: &str, known: bool) {
    if k == "perspectives" && known && ty_name != "scale" {
        // A field is asked per perspective only as a scale (e.g. a 0–10 scaling of
        // each danger statement by the worker, the parent, the child, the network).
        ctx.err(
            span.start,
            format!(
                "`perspectives` on a field of a list entry is only allowed on a `scale` field ({} is `{ty_name}`)",
                t.what
            ),
        );
    } else if ["show_if", "timeframes", "allow_decline", "allow_unknown"].contains(&k) {
        ctx.err(
            span.start,
            format!(
                "`{k}` is not allowed on a field of a list entry ({})",
                t.what
            ),
        );
    }
}

/// The perspectives or time frames an item is asked per: declared ones, each once.
fn axis(ctx: &mut Ctx, t: &Tab, key: &str, what: &str, declared: &[Label]) -> Vec<String> {
    let Some(list) = t.opt::<Vec<Spanned<String>>>(ctx, key) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    let list = list.into_inner();
    for p in list {
        if !declared.iter().any(|d| &d.id == p.get_ref()) {
            let mut known: Vec<&str> = declared.iter().map(|d| d.id.as_str()).collect();
            known.dedup();
            ctx.err(
                p.span().start,
                if known.is_empty() {
                    format!(
                        "unknown {what} `{}`: declare it first in `[[{key}]]` at the top of the file",
                        p.get_ref()
                    )
                } else {
                    format!(
                        "unknown {what} `{}`; declared: {}",
                        p.get_ref(),
                        known.join(", ")
                    )
                },
            );
        } else if out.contains(p.get_ref()) {
            ctx.err(
                p.span().start,
                format!("{what} `{}` is listed twice", p.get_ref()),
            );
        } else {
            out.push(p.into_inner());
        }
    }
    out
}
