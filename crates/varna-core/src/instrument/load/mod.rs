//! The loader and validator: TOML text in, a checked [`Instrument`] or every error out.
//!
//! The file is parsed with toml's span-keeping `DeTable`, then each key is read on its own,
//! so that one wrong value does not hide the errors after it. Cross references (conditions,
//! scores, outcomes) are checked once all items are known.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::path::Path;

use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

use super::answer::{is_ident, AnswerKey};
use super::diagnostic::Diagnostic;
use super::expr::{self, Condition};
use super::model::*;

type Span = Range<usize>;
type Val<'i> = Spanned<DeValue<'i>>;

/// Parses and validates one instrument file. `path` is used in messages and checked against
/// the id and version (`<id>/<version>.toml`).
pub(crate) fn parse(path: &str, src: &str) -> Result<Instrument, Vec<Diagnostic>> {
    parse_with(path, src, true)
}

/// As [`parse`], without checking `path` against the id and version: for a file that is
/// about to be copied to `<id>/<version>.toml` (the instrument library).
pub(crate) fn parse_unplaced(path: &str, src: &str) -> Result<Instrument, Vec<Diagnostic>> {
    parse_with(path, src, false)
}

fn parse_with(path: &str, src: &str, placed: bool) -> Result<Instrument, Vec<Diagnostic>> {
    let mut ctx = Ctx {
        path,
        src,
        placed,
        diags: Vec::new(),
    };
    let (root, syntax) = DeTable::parse_recoverable(src);
    if !syntax.is_empty() {
        for e in syntax {
            let at = e.span().map_or(0, |s| s.start);
            ctx.err(at, format!("TOML syntax: {}", e.message()));
        }
        return Err(ctx.finish());
    }
    let span = root.span();
    let table = root.into_inner();
    let top = Tab {
        t: &table,
        span,
        what: "the instrument".into(),
    };
    let inst = instrument(&mut ctx, &top);
    match inst {
        Some(i) if ctx.diags.is_empty() => Ok(i),
        _ => Err(ctx.finish()),
    }
}

struct Ctx<'s> {
    path: &'s str,
    src: &'s str,
    /// Whether `path` must be `<id>/<version>.toml`.
    placed: bool,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn err(&mut self, at: usize, message: impl Into<String>) {
        self.diags
            .push(Diagnostic::at(self.path, self.src, at, message));
    }

    fn finish(mut self) -> Vec<Diagnostic> {
        if self.diags.is_empty() {
            self.diags.push(Diagnostic::file(
                self.path,
                "the instrument could not be read",
            ));
        }
        self.diags.sort();
        self.diags.dedup();
        self.diags
    }

    /// The byte offset in the file of position `pos` inside the string value at `span`.
    fn inside_string(&self, span: &Span, pos: usize) -> usize {
        let raw = self.src.get(span.start..).unwrap_or("");
        let quote = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
            3
        } else {
            1
        };
        (span.start + quote + pos).min(span.end.saturating_sub(1).max(span.start))
    }
}

/// A table with its span and a description for messages.
struct Tab<'a, 'i> {
    t: &'a DeTable<'i>,
    span: Span,
    what: String,
}

impl<'a, 'i> Tab<'a, 'i> {
    fn get(&self, key: &str) -> Option<&'a Val<'i>> {
        self.t.get(key)
    }

    fn keys(&self) -> impl Iterator<Item = (&'a str, Span)> + 'a {
        self.t.iter().map(|(k, _)| (k.get_ref().as_ref(), k.span()))
    }

    fn allow(&self, ctx: &mut Ctx, allowed: &[&str]) {
        for (k, span) in self.keys() {
            if !allowed.contains(&k) {
                ctx.err(
                    span.start,
                    format!(
                        "unknown key `{k}` in {}; expected one of: {}",
                        self.what,
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    fn req<T: DeserializeOwned>(&self, ctx: &mut Ctx, key: &str) -> Option<Spanned<T>> {
        if self.get(key).is_none() {
            ctx.err(self.span.start, format!("missing `{key}` in {}", self.what));
        }
        self.opt(ctx, key)
    }

    fn opt<T: DeserializeOwned>(&self, ctx: &mut Ctx, key: &str) -> Option<Spanned<T>> {
        let v = self.get(key)?;
        de(ctx, v, || format!("`{key}` in {}", self.what)).map(|t| Spanned::new(v.span(), t))
    }

    /// A required Swedish/English text.
    fn text(&self, ctx: &mut Ctx, key: &str) -> Text {
        if self.get(key).is_none() {
            ctx.err(
                self.span.start,
                format!("missing `{key}` (with Swedish text `sv`) in {}", self.what),
            );
        }
        self.opt_text(ctx, key).unwrap_or_else(|| Text {
            sv: String::new(),
            en: None,
        })
    }

    fn opt_text(&self, ctx: &mut Ctx, key: &str) -> Option<Text> {
        let v = self.get(key)?;
        // Built only for a message: this runs for every text of every file.
        let what = || format!("`{key}` of {}", self.what);
        let DeValue::Table(t) = v.get_ref() else {
            ctx.err(
                v.span().start,
                format!(
                    "{} must be a table like {{ sv = \"…\", en = \"…\" }}",
                    what()
                ),
            );
            return None;
        };
        for (k, _) in t.iter() {
            let name: &str = k.get_ref().as_ref();
            if name != "sv" && name != "en" {
                ctx.err(
                    k.span().start,
                    format!(
                        "unknown language `{name}` in {}; write `sv` (required) and `en`",
                        what()
                    ),
                );
            }
        }
        let lang = |ctx: &mut Ctx, lang: &str| -> Option<Spanned<String>> {
            let v = t.get(lang)?;
            de(ctx, v, || format!("`{lang}` in {}", what())).map(|s| Spanned::new(v.span(), s))
        };
        let sv = lang(ctx, "sv");
        let en = lang(ctx, "en");
        let sv = match sv {
            None => {
                if t.get("sv").is_none() {
                    ctx.err(
                        v.span().start,
                        format!("missing Swedish text (`sv`) in {}", what()),
                    );
                }
                String::new()
            }
            Some(s) if s.get_ref().trim().is_empty() => {
                ctx.err(
                    s.span().start,
                    format!("the Swedish text (`sv`) of {} is empty", what()),
                );
                String::new()
            }
            Some(s) => s.into_inner(),
        };
        let en = en.map(Spanned::into_inner).filter(|s| !s.trim().is_empty());
        Some(Text { sv, en })
    }

    /// An id that must satisfy `valid`.
    fn id(&self, ctx: &mut Ctx, valid: fn(&str) -> bool, rule: &str) -> Spanned<String> {
        match self.req::<String>(ctx, "id") {
            Some(id) => {
                if !valid(id.get_ref()) {
                    ctx.err(
                        id.span().start,
                        format!("`{}` is not a valid id: {rule}", id.get_ref()),
                    );
                }
                id
            }
            None => Spanned::new(self.span.clone(), String::new()),
        }
    }

    /// The elements of an array of tables.
    fn tables(&self, ctx: &mut Ctx, key: &str, what: &str) -> Vec<Tab<'a, 'i>> {
        let Some(v) = self.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(arr) = v.get_ref() else {
            ctx.err(
                v.span().start,
                format!("`{key}` in {} must be a list of tables", self.what),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (n, el) in arr.iter().enumerate() {
            match el.get_ref() {
                DeValue::Table(t) => out.push(Tab {
                    t,
                    span: el.span(),
                    what: format!("{what} {}", n + 1),
                }),
                _ => ctx.err(
                    el.span().start,
                    format!("each entry of `{key}` in {} must be a table", self.what),
                ),
            }
        }
        out
    }

    fn with_name(mut self, name: &str) -> Self {
        if !name.is_empty() {
            let kind = self.what.split(' ').next().unwrap_or("").to_owned();
            self.what = format!("{kind} `{name}`");
        }
        self
    }
}

/// Deserialises `v`; `what` (only built when there is an error) names it in the message.
fn de<T: DeserializeOwned>(ctx: &mut Ctx, v: &Val, what: impl FnOnce() -> String) -> Option<T> {
    match T::deserialize(ValueDeserializer::from(v.clone())) {
        Ok(t) => Some(t),
        Err(e) => {
            let at = e.span().unwrap_or_else(|| v.span()).start;
            ctx.err(at, format!("{}: {}", what(), e.message()));
            None
        }
    }
}

fn is_instrument_id(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some('a'..='z')) && c.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-'))
}

fn is_option_id(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

/// The longest incident calendar, in months.
pub(crate) const MAX_CALENDAR_MONTHS: u32 = 36;

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

const IDENT_RULE: &str = "use lowercase letters a–z, digits and `_`, starting with a letter";
const OPTION_RULE: &str = "use lowercase letters a–z, digits and `_`";

fn instrument(ctx: &mut Ctx, top: &Tab) -> Option<Instrument> {
    top.allow(
        ctx,
        &[
            "id",
            "version",
            "kind",
            "title",
            "description",
            "source",
            "licence",
            "perspectives",
            "timeframes",
            "sections",
            "scores",
            "outcomes",
            "indicators",
        ],
    );
    let id = top.id(
        ctx,
        is_instrument_id,
        "use lowercase letters a–z, digits and `-`, starting with a letter",
    );
    let version =
        top.req::<String>(ctx, "version")
            .and_then(|v| match semver::Version::parse(v.get_ref()) {
                Ok(ver) => Some(Spanned::new(v.span(), ver)),
                Err(e) => {
                    ctx.err(
                        v.span().start,
                        format!(
                            "`{}` is not a semantic version like 1.0.0: {e}",
                            v.get_ref()
                        ),
                    );
                    None
                }
            });
    check_path(ctx, &id, version.as_ref());
    let kind = top.req::<String>(ctx, "kind").and_then(|k| {
        let kind = match k.get_ref().as_str() {
            "screening" => Kind::Screening,
            "checklist" => Kind::Checklist,
            "judgement" => Kind::Judgement,
            "mapping" => Kind::Mapping,
            other => {
                ctx.err(
                    k.span().start,
                    format!(
                        "unknown kind `{other}`; expected one of: screening, checklist, judgement, mapping"
                    ),
                );
                return None;
            }
        };
        Some(kind)
    });
    let title = top.text(ctx, "title");
    let description = top.text(ctx, "description");
    let source = top.text(ctx, "source");
    let licence = top.text(ctx, "licence");
    let perspectives = labels(ctx, top, "perspectives", "perspective");
    let timeframes = labels(ctx, top, "timeframes", "time frame");

    if top.get("sections").is_none() {
        ctx.err(
            top.span.start,
            "missing `sections`: an instrument needs at least one section",
        );
    }
    let mut sections = Vec::new();
    let mut pending = Vec::new();
    let mut item_ids: HashMap<String, Span> = HashMap::new();
    let mut section_ids: HashMap<String, Span> = HashMap::new();
    let section_tabs = top.tables(ctx, "sections", "section");
    if top.get("sections").is_some() && section_tabs.is_empty() {
        ctx.err(
            top.get("sections").map_or(0, |v| v.span().start),
            "`sections` is empty: an instrument needs at least one section",
        );
    }
    for st in section_tabs {
        let s = section(
            ctx,
            st,
            &perspectives,
            &timeframes,
            &mut item_ids,
            &mut section_ids,
            &mut pending,
            sections.len(),
        );
        sections.push(s);
    }

    // Conditions, now that every item is known.
    let compiled = compile_conditions(ctx, &sections, &pending);
    for (target, cond) in compiled {
        match target {
            Target::Section(s) => sections[s].show_if = Some(cond),
            Target::Item(s, i) => sections[s].items[i].show_if = Some(cond),
        }
    }
    check_cycles(ctx, &sections, &pending);

    if kind == Some(Kind::Judgement) {
        if let Some((_, span)) = top.keys().find(|(k, _)| *k == "scores") {
            ctx.err(
                span.start,
                "a `judgement` instrument cannot have `[[scores]]`: structured professional \
                 judgements are items the worker answers, never computed scores",
            );
        }
    }
    let scores = scores(ctx, top, &sections);
    let outcomes = outcomes(ctx, top, &sections, &scores);
    let indicators = indicators(ctx, top);

    Some(Instrument {
        id: id.into_inner(),
        version: version?.into_inner(),
        kind: kind?,
        title,
        description,
        source,
        licence,
        perspectives,
        timeframes,
        sections,
        scores,
        outcomes,
        indicators,
    })
}

/// `indicators = ["asked_about_violence", …]`: ids from the closed list, each once.
fn indicators(ctx: &mut Ctx, top: &Tab) -> Vec<crate::indicator::Indicator> {
    use crate::indicator::Indicator;
    let Some(v) = top.get("indicators") else {
        return Vec::new();
    };
    let DeValue::Array(arr) = v.get_ref() else {
        ctx.err(
            v.span().start,
            "`indicators` must be a list of indicator ids, e.g. [\"asked_about_violence\"]",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for el in arr.iter() {
        let DeValue::String(s) = el.get_ref() else {
            ctx.err(el.span().start, "an indicator must be a string id");
            continue;
        };
        let s: &str = s;
        match Indicator::from_id(s) {
            Some(i) if !i.taggable() => ctx.err(
                el.span().start,
                format!("indicator `{s}` is counted by the review, not by an instrument"),
            ),
            Some(i) if out.contains(&i) => {
                ctx.err(el.span().start, format!("indicator `{s}` is listed twice"))
            }
            Some(i) => out.push(i),
            None => ctx.err(
                el.span().start,
                format!(
                    "unknown follow-up indicator `{s}`; expected one of: {}",
                    Indicator::ALL
                        .iter()
                        .filter(|i| i.taggable())
                        .map(|i| i.id())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        }
    }
    out
}

fn check_path(ctx: &mut Ctx, id: &Spanned<String>, version: Option<&Spanned<semver::Version>>) {
    let p = Path::new(ctx.path);
    if !ctx.placed || p.extension().and_then(|e| e.to_str()) != Some("toml") {
        return;
    }
    if let (Some(stem), Some(v)) = (p.file_stem().and_then(|s| s.to_str()), version) {
        if stem != v.get_ref().to_string() {
            ctx.err(
                v.span().start,
                format!(
                    "version `{}` does not match the file name `{stem}.toml`; name the file `{}.toml`",
                    v.get_ref(),
                    v.get_ref()
                ),
            );
        }
    }
    let dir = p
        .parent()
        .and_then(|d| d.file_name())
        .and_then(|d| d.to_str());
    if let Some(dir) = dir {
        if !id.get_ref().is_empty() && dir != id.get_ref() {
            ctx.err(
                id.span().start,
                format!(
                    "id `{}` does not match the folder `{dir}`; keep the file in `{}/`",
                    id.get_ref(),
                    id.get_ref()
                ),
            );
        }
    }
}

fn labels(ctx: &mut Ctx, top: &Tab, key: &str, what: &str) -> Vec<Label> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for t in top.tables(ctx, key, what) {
        t.allow(ctx, &["id", "label"]);
        let id = t.id(ctx, is_ident, IDENT_RULE);
        let t = t.with_name(id.get_ref());
        if !id.get_ref().is_empty() && !seen.insert(id.get_ref().clone()) {
            ctx.err(
                id.span().start,
                format!("duplicate {what} id `{}`", id.get_ref()),
            );
        }
        let label = t.text(ctx, "label");
        out.push(Label {
            id: id.into_inner(),
            label,
        });
    }
    out
}

#[derive(Debug, Clone, Copy)]
enum Target {
    Section(usize),
    Item(usize, usize),
}

/// A condition still to be compiled, with where it is.
struct Pending {
    target: Target,
    source: Spanned<String>,
}

#[allow(clippy::too_many_arguments)]
fn section(
    ctx: &mut Ctx,
    st: Tab,
    perspectives: &[Label],
    timeframes: &[Label],
    item_ids: &mut HashMap<String, Span>,
    section_ids: &mut HashMap<String, Span>,
    pending: &mut Vec<Pending>,
    index: usize,
) -> Section {
    let id = st.id(ctx, is_ident, IDENT_RULE);
    let st = st.with_name(id.get_ref());
    st.allow(ctx, &["id", "title", "help", "show_if", "items"]);
    if !id.get_ref().is_empty() {
        if let Some(first) = section_ids.get(id.get_ref()) {
            let (l, _) = super::diagnostic::line_col(ctx.src, first.start);
            ctx.err(
                id.span().start,
                format!(
                    "duplicate section id `{}` (first used on line {l})",
                    id.get_ref()
                ),
            );
        } else {
            section_ids.insert(id.get_ref().clone(), id.span());
        }
    }
    let title = st.text(ctx, "title");
    let help = st.opt_text(ctx, "help");
    if let Some(s) = st.opt::<String>(ctx, "show_if") {
        pending.push(Pending {
            target: Target::Section(index),
            source: s,
        });
    }
    if st.get("items").is_none() {
        ctx.err(st.span.start, format!("missing `items` in {}", st.what));
    }
    let tabs = st.tables(ctx, "items", "item");
    if st.get("items").is_some() && tabs.is_empty() {
        ctx.err(
            st.get("items").map_or(0, |v| v.span().start),
            format!("`items` in {} is empty", st.what),
        );
    }
    let mut items = Vec::new();
    for t in tabs {
        let parsed = item(ctx, t, perspectives, timeframes, false);
        let id = parsed.id_span;
        if !parsed.item.id.is_empty() {
            if let Some(first) = item_ids.get(&parsed.item.id) {
                let (l, _) = super::diagnostic::line_col(ctx.src, first.start);
                ctx.err(
                    id.start,
                    format!(
                        "duplicate item id `{}` (first used on line {l})",
                        parsed.item.id
                    ),
                );
            } else {
                item_ids.insert(parsed.item.id.clone(), id);
            }
        }
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

struct ParsedItem {
    item: Item,
    id_span: Span,
    show_if: Option<Spanned<String>>,
}

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

fn item(
    ctx: &mut Ctx,
    t: Tab,
    perspectives: &[Label],
    timeframes: &[Label],
    in_list: bool,
) -> ParsedItem {
    let id = t.id(ctx, is_ident, IDENT_RULE);
    let id_span = id.span();
    if !in_list && RESERVED_WORDS.contains(&id.get_ref().as_str()) {
        ctx.err(
            id_span.start,
            format!(
                "`{}` cannot be an item id: it is a word of the condition language ({})",
                id.get_ref(),
                RESERVED_WORDS.join(", ")
            ),
        );
    }
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
    // Keys: the common ones, plus those of the item's type.
    for (k, span) in t.keys() {
        if COMMON_KEYS.contains(&k) {
            if in_list && k == "perspectives" && known_type && ty_name != "scale" {
                // A field is asked per perspective only as a scale (e.g. a 0–10 scaling of
                // each danger statement by the worker, the parent, the child, the network).
                ctx.err(
                    span.start,
                    format!(
                        "`perspectives` on a field of a list entry is only allowed on a `scale` field ({} is `{ty_name}`)",
                        t.what
                    ),
                );
            } else if in_list
                && ["show_if", "timeframes", "allow_decline", "allow_unknown"].contains(&k)
            {
                ctx.err(
                    span.start,
                    format!(
                        "`{k}` is not allowed on a field of a list entry ({})",
                        t.what
                    ),
                );
            }
            continue;
        }
        if !known_type {
            continue;
        }
        if kind_keys(ty_name).contains(&k) {
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
    let text = t.text(ctx, "text");
    let help = t.opt_text(ctx, "help");
    let required = t
        .opt::<bool>(ctx, "required")
        .is_some_and(|b| b.into_inner());
    let allow_decline = t
        .opt::<bool>(ctx, "allow_decline")
        .is_some_and(|b| b.into_inner());
    let allow_unknown = t
        .opt::<bool>(ctx, "allow_unknown")
        .is_some_and(|b| b.into_inner());
    let show_if = if in_list {
        None
    } else {
        t.opt::<String>(ctx, "show_if")
    };
    let item_perspectives = axis(ctx, &t, "perspectives", "perspective", perspectives);
    let item_timeframes = axis(ctx, &t, "timeframes", "time frame", timeframes);
    if ty_name == "list" && in_list {
        if let Some(ty) = &ty {
            ctx.err(
                ty.span().start,
                format!("a list entry cannot contain another list ({})", t.what),
            );
        }
    }
    let kind = if known_type {
        item_kind(ctx, &t, ty_name, perspectives, timeframes)
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
            perspectives: item_perspectives,
            timeframes: item_timeframes,
            kind,
        },
        id_span,
        show_if,
    }
}

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

fn item_kind(
    ctx: &mut Ctx,
    t: &Tab,
    ty: &str,
    perspectives: &[Label],
    timeframes: &[Label],
) -> ItemKind {
    match ty {
        "yes_no" => ItemKind::YesNo,
        "date" => ItemKind::Date,
        "single_choice" => ItemKind::SingleChoice {
            options: choices(ctx, t, "options", 2),
        },
        "multi_choice" => {
            let options = choices(ctx, t, "options", 1);
            let min_selected = t.opt::<u32>(ctx, "min_selected");
            let max_selected = t.opt::<u32>(ctx, "max_selected");
            if let (Some(a), Some(b)) = (&min_selected, &max_selected) {
                if a.get_ref() > b.get_ref() {
                    ctx.err(
                        a.span().start,
                        "`min_selected` is greater than `max_selected`",
                    );
                }
            }
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
        "calendar" => {
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
        "frequency" => ItemKind::Frequency {
            levels: choices(ctx, t, "levels", 2),
        },
        "rating" => ItemKind::Rating {
            levels: choices(ctx, t, "levels", 2),
        },
        "scale" => {
            let min = t.req::<i64>(ctx, "min");
            let max = t.req::<i64>(ctx, "max");
            let (lo, hi) = match (&min, &max) {
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
                    (*a.get_ref(), *b.get_ref())
                }
                _ => (0, 0),
            };
            let mut anchors: Vec<Anchor> = Vec::new();
            for at in t.tables(ctx, "anchors", "anchor") {
                at.allow(ctx, &["value", "label"]);
                let value = at.req::<i64>(ctx, "value");
                let label = at.text(ctx, "label");
                if let Some(v) = value {
                    if min.is_some() && max.is_some() && (*v.get_ref() < lo || *v.get_ref() > hi) {
                        ctx.err(
                            v.span().start,
                            format!("anchor {} is outside the scale {lo}–{hi}", v.get_ref()),
                        );
                    } else if anchors.iter().any(|a| a.value == *v.get_ref()) {
                        ctx.err(
                            v.span().start,
                            format!("anchor {} is given twice", v.get_ref()),
                        );
                    }
                    anchors.push(Anchor {
                        value: v.into_inner(),
                        label,
                    });
                }
            }
            ItemKind::Scale {
                min: lo,
                max: hi,
                anchors,
            }
        }
        "number" => {
            let min = t.opt::<f64>(ctx, "min");
            let max = t.opt::<f64>(ctx, "max");
            if let (Some(a), Some(b)) = (&min, &max) {
                if a.get_ref() > b.get_ref() {
                    ctx.err(
                        a.span().start,
                        format!(
                            "bad bounds: `min` ({}) is greater than `max` ({})",
                            a.get_ref(),
                            b.get_ref()
                        ),
                    );
                }
            }
            ItemKind::Number {
                min: min.map(Spanned::into_inner),
                max: max.map(Spanned::into_inner),
                integer: t
                    .opt::<bool>(ctx, "integer")
                    .is_some_and(|b| b.into_inner()),
                unit: t.opt_text(ctx, "unit"),
            }
        }
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
        "list" => {
            if t.get("fields").is_none() {
                ctx.err(t.span.start, format!("missing `fields` in {}", t.what));
            }
            let tabs = t.tables(ctx, "fields", "field");
            if t.get("fields").is_some() && tabs.is_empty() {
                ctx.err(
                    t.get("fields").map_or(0, |v| v.span().start),
                    format!("`fields` in {} is empty", t.what),
                );
            }
            let mut fields: Vec<Item> = Vec::new();
            for ft in tabs {
                let parsed = item(ctx, ft, perspectives, timeframes, true);
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
            if let (Some(a), Some(b)) = (&min_entries, &max_entries) {
                if a.get_ref() > b.get_ref() {
                    ctx.err(
                        a.span().start,
                        "`min_entries` is greater than `max_entries`",
                    );
                }
            }
            ItemKind::List {
                fields,
                min_entries: min_entries.map(Spanned::into_inner),
                max_entries: max_entries.map(Spanned::into_inner),
                entry_label: t.opt_text(ctx, "entry_label"),
            }
        }
        _ => ItemKind::YesNo,
    }
}

fn choices(ctx: &mut Ctx, t: &Tab, key: &str, at_least: usize) -> Vec<Choice> {
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
        let label = ct.text(ctx, "label");
        let code = ct.opt::<String>(ctx, "code").map(Spanned::into_inner);
        let value = ct.opt::<i64>(ctx, "value").map(Spanned::into_inner);
        let help = ct.opt_text(ctx, "help");
        out.push(Choice {
            id: id.into_inner(),
            label,
            code,
            value,
            help,
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

fn lookup_in(sections: &[Section]) -> HashMap<&str, &Item> {
    let mut m = HashMap::new();
    for s in sections {
        for i in &s.items {
            m.entry(i.id.as_str()).or_insert(i);
        }
    }
    m
}

fn compile_conditions(
    ctx: &mut Ctx,
    sections: &[Section],
    pending: &[Pending],
) -> Vec<(Target, Condition)> {
    let map = lookup_in(sections);
    let lookup = |id: &str| map.get(id).copied();
    let mut out = Vec::new();
    for p in pending {
        match expr::compile(p.source.get_ref(), &lookup) {
            Ok(cond) => {
                if let Target::Section(s) = p.target {
                    let own: Vec<&str> = cond
                        .items()
                        .into_iter()
                        .filter(|i| sections[s].items.iter().any(|it| it.id == *i))
                        .collect();
                    if !own.is_empty() {
                        ctx.err(
                            p.source.span().start,
                            format!(
                                "show_if of section `{}` refers to its own item `{}`; a section can only depend on items before it",
                                sections[s].id, own[0]
                            ),
                        );
                        continue;
                    }
                }
                out.push((p.target, cond));
            }
            Err(errors) => {
                for e in errors {
                    let at = ctx.inside_string(&p.source.span(), e.pos);
                    ctx.err(at, format!("show_if: {}", e.message));
                }
            }
        }
    }
    out
}

/// Reports conditions that depend on themselves, through other items' and sections'
/// conditions (an item's visibility depends on its own and its section's `show_if`).
fn check_cycles(ctx: &mut Ctx, sections: &[Section], pending: &[Pending]) {
    // deps: item -> items its visibility reads.
    let mut deps: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for s in sections {
        let sec_deps: Vec<&str> = s.show_if.as_ref().map(|c| c.items()).unwrap_or_default();
        for i in &s.items {
            let e = deps.entry(i.id.as_str()).or_default();
            e.extend(sec_deps.iter().copied());
            if let Some(c) = &i.show_if {
                e.extend(c.items());
            }
        }
    }
    let span_of = |item: &str| -> usize {
        for p in pending {
            if let Target::Item(s, i) = p.target {
                if sections[s].items[i].id == item {
                    return p.source.span().start;
                }
            }
        }
        for p in pending {
            if let Target::Section(s) = p.target {
                if sections[s].items.iter().any(|it| it.id == item) {
                    return p.source.span().start;
                }
            }
        }
        0
    };
    let mut reported: BTreeSet<Vec<&str>> = BTreeSet::new();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for start in deps.keys().copied().collect::<Vec<_>>() {
        let mut path: Vec<&str> = Vec::new();
        visit(start, &deps, &mut path, &mut done, &mut |cycle: Vec<
            &str,
        >| {
            let mut key = cycle.clone();
            key.sort_unstable();
            key.dedup();
            if reported.insert(key) {
                let first = cycle[0];
                ctx.err(
                    span_of(first),
                    format!("show_if forms a cycle: {}", cycle.join(" → ")),
                );
            }
        });
    }
}

fn visit<'a>(
    node: &'a str,
    deps: &BTreeMap<&'a str, BTreeSet<&'a str>>,
    path: &mut Vec<&'a str>,
    done: &mut BTreeSet<&'a str>,
    report: &mut dyn FnMut(Vec<&'a str>),
) {
    if done.contains(node) {
        return;
    }
    if let Some(pos) = path.iter().position(|n| *n == node) {
        let mut cycle: Vec<&str> = path[pos..].to_vec();
        cycle.push(node);
        report(cycle);
        return;
    }
    path.push(node);
    if let Some(ds) = deps.get(node) {
        for d in ds {
            visit(d, deps, path, done, report);
        }
    }
    path.pop();
    done.insert(node);
}

fn scores(ctx: &mut Ctx, top: &Tab, sections: &[Section]) -> Vec<Score> {
    let map = lookup_in(sections);
    let lookup = |id: &str| map.get(id).copied();
    let mut out: Vec<Score> = Vec::new();
    for t in top.tables(ctx, "scores", "score") {
        t.allow(
            ctx,
            &[
                "id", "label", "method", "items", "weights", "bands", "override", "own_view",
            ],
        );
        let id = t.id(ctx, is_ident, IDENT_RULE);
        let t = t.with_name(id.get_ref());
        if !id.get_ref().is_empty() && out.iter().any(|s| &s.id == id.get_ref()) {
            ctx.err(
                id.span().start,
                format!("duplicate score id `{}`", id.get_ref()),
            );
        }
        let label = t.text(ctx, "label");
        let method = t
            .req::<String>(ctx, "method")
            .and_then(|m| match m.get_ref().as_str() {
                "count" => Some(ScoreMethod::Count),
                "sum" => Some(ScoreMethod::Sum),
                other => {
                    ctx.err(
                        m.span().start,
                        format!("unknown score method `{other}`; expected `count` or `sum`"),
                    );
                    None
                }
            });
        let mut items: Vec<AnswerKey> = Vec::new();
        let mut range: Option<(i64, i64)> = Some((0, 0));
        let weights: BTreeMap<String, i64> = t
            .opt::<BTreeMap<String, i64>>(ctx, "weights")
            .map(|w| {
                if method == Some(ScoreMethod::Count) {
                    ctx.err(w.span().start, "`weights` only apply to `method = \"sum\"`");
                }
                w.into_inner()
            })
            .unwrap_or_default();
        let refs = t.req::<Vec<Spanned<String>>>(ctx, "items");
        if let Some(r) = &refs {
            if r.get_ref().is_empty() {
                ctx.err(r.span().start, format!("`items` of {} is empty", t.what));
            }
        }
        for r in refs.map(Spanned::into_inner).unwrap_or_default() {
            let key: AnswerKey = match r.get_ref().parse() {
                Ok(k) => k,
                Err(m) => {
                    ctx.err(r.span().start, m);
                    range = None;
                    continue;
                }
            };
            let item = match expr::check_reference(&key, &lookup) {
                Ok(i) => i,
                Err(m) => {
                    ctx.err(r.span().start, format!("{}: {m}", t.what));
                    range = None;
                    continue;
                }
            };
            if items.contains(&key) {
                ctx.err(
                    r.span().start,
                    format!("`{key}` is listed twice in {}", t.what),
                );
            }
            let term = match method {
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
            };
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
        if let Some(w) = t.get("weights") {
            for k in weights.keys() {
                if !items.iter().any(|i| &i.to_string() == k) {
                    ctx.err(
                        w.span().start,
                        format!("weight for `{k}`, which is not in `items` of {}", t.what),
                    );
                }
            }
        }
        let bands = bands(ctx, &t, range);
        let override_ = t.get("override").and_then(|v| {
            let DeValue::Table(ot) = v.get_ref() else {
                ctx.err(v.span().start, "`override` must be a table");
                return None;
            };
            let ot = Tab {
                t: ot,
                span: v.span(),
                what: format!("the override of {}", t.what),
            };
            ot.allow(ctx, &["item", "reason_item"]);
            let item = ot.req::<String>(ctx, "item");
            let reason = ot.req::<String>(ctx, "reason_item");
            if bands.is_empty() {
                ctx.err(v.span().start, format!("{} has an override but no bands", t.what));
            }
            if let Some(i) = &item {
                match map.get(i.get_ref().as_str()) {
                    None => ctx.err(i.span().start, format!("unknown item `{}`", i.get_ref())),
                    Some(it) => match &it.kind {
                        ItemKind::SingleChoice { options } if it.perspectives.is_empty() && it.timeframes.is_empty() => {
                            for b in &bands {
                                if !options.iter().any(|o| o.id == b.id) {
                                    ctx.err(
                                        i.span().start,
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
                                        i.span().start,
                                        format!(
                                            "option `{}` of override item `{}` is not a band of {}; the options must be band ids",
                                            o.id,
                                            it.id,
                                            t.what
                                        ),
                                    );
                                }
                            }
                        }
                        _ => ctx.err(
                            i.span().start,
                            format!(
                                "override item `{}` must be a single_choice item (asked once) whose options are the band ids",
                                it.id
                            ),
                        ),
                    },
                }
            }
            if let Some(r) = &reason {
                match map.get(r.get_ref().as_str()) {
                    None => ctx.err(r.span().start, format!("unknown item `{}`", r.get_ref())),
                    Some(it)
                        if matches!(it.kind, ItemKind::ShortText { .. } | ItemKind::LongText { .. })
                            && it.perspectives.is_empty()
                            && it.timeframes.is_empty() => {}
                    Some(it) => ctx.err(
                        r.span().start,
                        format!(
                            "reason item `{}` must be a short_text or long_text item (asked once)",
                            it.id
                        ),
                    ),
                }
            }
            Some(Override {
                item: item?.into_inner(),
                reason_item: reason?.into_inner(),
            })
        });
        let own_view = own_view(ctx, &t, &map, &bands);
        out.push(Score {
            id: id.into_inner(),
            label,
            method: method.unwrap_or(ScoreMethod::Count),
            items,
            weights,
            bands,
            override_,
            own_view,
        });
    }
    out
}

/// `own_view = { item, comment_item, margin, points }` of a score: the person's own rating
/// (a scale item) set beside the band, with a comment required when they differ too much.
fn own_view(ctx: &mut Ctx, t: &Tab, map: &HashMap<&str, &Item>, bands: &[Band]) -> Option<OwnView> {
    let v = t.get("own_view")?;
    let DeValue::Table(ot) = v.get_ref() else {
        ctx.err(v.span().start, "`own_view` must be a table");
        return None;
    };
    let ot = Tab {
        t: ot,
        span: v.span(),
        what: format!("the own view of {}", t.what),
    };
    ot.allow(ctx, &["item", "comment_item", "margin", "points"]);
    let item = ot.req::<String>(ctx, "item");
    let comment = ot.req::<String>(ctx, "comment_item");
    let margin = ot.req::<u32>(ctx, "margin");
    let points = ot.req::<BTreeMap<String, Spanned<i64>>>(ctx, "points");
    if bands.is_empty() {
        ctx.err(
            v.span().start,
            format!("{} has an own view but no bands", t.what),
        );
    }
    let mut scale = None;
    if let Some(i) = &item {
        match map.get(i.get_ref().as_str()) {
            None => ctx.err(i.span().start, format!("unknown item `{}`", i.get_ref())),
            Some(it) => match &it.kind {
                ItemKind::Scale { min, max, .. }
                    if it.perspectives.is_empty() && it.timeframes.is_empty() =>
                {
                    scale = Some((*min, *max));
                }
                _ => ctx.err(
                    i.span().start,
                    format!(
                        "own view item `{}` must be a scale item (asked once)",
                        it.id
                    ),
                ),
            },
        }
    }
    if let Some(c) = &comment {
        match map.get(c.get_ref().as_str()) {
            None => ctx.err(c.span().start, format!("unknown item `{}`", c.get_ref())),
            Some(it)
                if matches!(
                    it.kind,
                    ItemKind::ShortText { .. } | ItemKind::LongText { .. }
                ) && it.perspectives.is_empty()
                    && it.timeframes.is_empty() => {}
            Some(it) => ctx.err(
                c.span().start,
                format!(
                    "comment item `{}` must be a short_text or long_text item (asked once)",
                    it.id
                ),
            ),
        }
    }
    if let Some(p) = &points {
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

/// The range one unweighted term can add (an unanswered item adds 0), or why it cannot
/// be summed.
fn summable(item: &Item) -> Result<Option<(i64, i64)>, String> {
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

fn bands(ctx: &mut Ctx, t: &Tab, range: Option<(i64, i64)>) -> Vec<Band> {
    let mut out: Vec<(Band, Span)> = Vec::new();
    let tabs = t.tables(ctx, "bands", "band");
    let n = tabs.len();
    for (idx, bt) in tabs.into_iter().enumerate() {
        bt.allow(ctx, &["id", "label", "min", "max"]);
        let id = bt.id(ctx, is_option_id, OPTION_RULE);
        let bt = bt.with_name(id.get_ref());
        if !id.get_ref().is_empty() && out.iter().any(|(b, _)| &b.id == id.get_ref()) {
            ctx.err(
                id.span().start,
                format!("duplicate band id `{}`", id.get_ref()),
            );
        }
        let label = bt.text(ctx, "label");
        let min = bt.req::<i64>(ctx, "min");
        let max = bt.opt::<i64>(ctx, "max");
        if max.is_none() && idx + 1 < n {
            ctx.err(
                bt.span.start,
                format!(
                    "{} has no `max`; only the last band may be open-ended",
                    bt.what
                ),
            );
        }
        if let (Some(a), Some(b)) = (&min, &max) {
            if b.get_ref() < a.get_ref() {
                ctx.err(
                    b.span().start,
                    format!(
                        "{}: `max` ({}) is below `min` ({})",
                        bt.what,
                        b.get_ref(),
                        a.get_ref()
                    ),
                );
            }
        }
        if let Some(min) = min {
            out.push((
                Band {
                    id: id.into_inner(),
                    label,
                    min: min.into_inner(),
                    max: max.map(Spanned::into_inner),
                },
                bt.span.clone(),
            ));
        }
    }
    for w in out.windows(2) {
        let (prev, cur) = (&w[0].0, &w[1]);
        let (cur, span) = (&cur.0, &cur.1);
        if cur.min <= prev.min {
            ctx.err(
                span.start,
                format!(
                    "bands must be listed from lowest to highest: band `{}` starts at {}, band `{}` before it at {}",
                    cur.id, cur.min, prev.id, prev.min
                ),
            );
            continue;
        }
        let Some(pmax) = prev.max else { continue };
        if cur.min <= pmax {
            ctx.err(
                span.start,
                format!(
                    "overlapping bands: band `{}` starts at {} but band `{}` goes up to {}",
                    cur.id, cur.min, prev.id, pmax
                ),
            );
        } else if cur.min > pmax + 1 {
            ctx.err(
                span.start,
                format!(
                    "gap between bands: band `{}` ends at {} and band `{}` starts at {}, so a score of {} has no band",
                    prev.id,
                    pmax,
                    cur.id,
                    cur.min,
                    pmax + 1
                ),
            );
        }
    }
    if let (Some((lo, hi)), Some((first, fspan)), Some((last, lspan))) =
        (range, out.first(), out.last())
    {
        if first.min > lo {
            ctx.err(
                fspan.start,
                format!(
                    "band `{}` starts at {}, but the score can be as low as {}: give the lowest scores a band",
                    first.id, first.min, lo
                ),
            );
        }
        if let Some(max) = last.max {
            if max < hi {
                ctx.err(
                    lspan.start,
                    format!(
                        "band `{}` ends at {}, but the score can reach {}: leave out `max` or raise it",
                        last.id, max, hi
                    ),
                );
            }
        }
    }
    out.into_iter().map(|(b, _)| b).collect()
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

fn outcomes(ctx: &mut Ctx, top: &Tab, sections: &[Section], scores: &[Score]) -> Vec<Outcome> {
    let map = lookup_in(sections);
    let lookup = |id: &str| map.get(id).copied();
    let mut out: Vec<Outcome> = Vec::new();
    for t in top.tables(ctx, "outcomes", "outcome") {
        t.allow(
            ctx,
            &[
                "id",
                "label",
                "categories",
                "from_item",
                "from_score",
                "rules",
                "otherwise",
            ],
        );
        let id = t.id(ctx, is_ident, IDENT_RULE);
        let t = t.with_name(id.get_ref());
        if !id.get_ref().is_empty() && out.iter().any(|o| &o.id == id.get_ref()) {
            ctx.err(
                id.span().start,
                format!("duplicate outcome id `{}`", id.get_ref()),
            );
        }
        let label = t.text(ctx, "label");
        let mut categories: Vec<Label> = Vec::new();
        let declared = t.get("categories").is_some();
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
        // The categories the source can produce.
        let mut produced: Option<(Vec<Label>, usize)> = None;
        let mut item_key = None;
        if let Some(fi) = &from_item {
            match fi.get_ref().parse::<AnswerKey>() {
                Err(m) => ctx.err(fi.span().start, m),
                Ok(key) => match expr::check_reference(&key, &lookup) {
                    Err(m) => ctx.err(fi.span().start, format!("{}: {m}", t.what)),
                    Ok(item) => {
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
                        produced = cats.map(|c| (c, fi.span().start));
                        item_key = Some(key);
                    }
                },
            }
        }
        if let Some(fs) = &from_score {
            match scores.iter().find(|s| &s.id == fs.get_ref()) {
                None => ctx.err(fs.span().start, format!("unknown score `{}`", fs.get_ref())),
                Some(s) if s.bands.is_empty() => ctx.err(
                    fs.span().start,
                    format!("score `{}` has no bands to take categories from", s.id),
                ),
                Some(s) => {
                    produced = Some((
                        s.bands
                            .iter()
                            .map(|b| Label {
                                id: b.id.clone(),
                                label: b.label.clone(),
                            })
                            .collect(),
                        fs.span().start,
                    ))
                }
            }
        }
        if let Some((cats, at)) = produced {
            if declared {
                let want: BTreeSet<&str> = cats.iter().map(|c| c.id.as_str()).collect();
                let have: BTreeSet<&str> = categories.iter().map(|c| c.id.as_str()).collect();
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
            } else {
                categories = cats;
            }
        }
        let mut rules = Vec::new();
        if has_rules {
            if categories.is_empty() {
                ctx.err(
                    t.span.start,
                    format!("{} uses `rules` and must declare its `categories`", t.what),
                );
            }
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
                        for e in errors {
                            let at = ctx.inside_string(&w.span(), e.pos);
                            ctx.err(at, format!("when: {}", e.message));
                        }
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
        }
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
        out.push(Outcome {
            id: id.into_inner(),
            label,
            categories,
            from_item: item_key,
            from_score: from_score.map(Spanned::into_inner),
            rules,
            otherwise: otherwise.map(Spanned::into_inner),
        });
    }
    out
}
