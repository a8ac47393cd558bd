//! The instrument's own keys: id, version (both checked against the file's place), kind,
//! the texts about it, the perspectives and time frames its items may be asked per, and the
//! follow-up indicators it is tagged with.

use std::path::Path;

use toml::de::DeValue;
use toml::Spanned;

use super::parse::{check_unique, Ctx, Tab};
use super::IDENT_RULE;
use crate::indicator::Indicator;
use crate::instrument::answer::is_ident;
use crate::instrument::model::{Kind, Label, Text};

/// The keys of the top-level table.
const TOP_KEYS: &[&str] = &[
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
];

/// What the top-level table says about the instrument itself.
pub(super) struct Header {
    pub(super) id: Spanned<String>,
    pub(super) version: Option<Spanned<semver::Version>>,
    pub(super) kind: Option<Kind>,
    pub(super) title: Text,
    pub(super) description: Text,
    pub(super) source: Text,
    pub(super) licence: Text,
    pub(super) perspectives: Vec<Label>,
    pub(super) timeframes: Vec<Label>,
}

/// Reads the header and reports unknown top-level keys.
pub(super) fn header(ctx: &mut Ctx, top: &Tab) -> Header {
    top.allow(ctx, TOP_KEYS);
    let id = top.id(
        ctx,
        is_instrument_id,
        "use lowercase letters a–z, digits and `-`, starting with a letter",
    );
    let version = version(ctx, top);
    check_path(ctx, &id, version.as_ref());
    Header {
        id,
        version,
        kind: kind(ctx, top),
        title: top.text(ctx, "title"),
        description: top.text(ctx, "description"),
        source: top.text(ctx, "source"),
        licence: top.text(ctx, "licence"),
        perspectives: labels(ctx, top, "perspectives", "perspective"),
        timeframes: labels(ctx, top, "timeframes", "time frame"),
    }
}

fn is_instrument_id(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some('a'..='z')) && c.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-'))
}

fn version(ctx: &mut Ctx, top: &Tab) -> Option<Spanned<semver::Version>> {
    let v = top.req::<String>(ctx, "version")?;
    match semver::Version::parse(v.get_ref()) {
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
    }
}

fn kind(ctx: &mut Ctx, top: &Tab) -> Option<Kind> {
    let k = top.req::<String>(ctx, "kind")?;
    match k.get_ref().as_str() {
        "screening" => Some(Kind::Screening),
        "checklist" => Some(Kind::Checklist),
        "judgement" => Some(Kind::Judgement),
        "mapping" => Some(Kind::Mapping),
        other => {
            ctx.err(
                k.span().start,
                format!(
                    "unknown kind `{other}`; expected one of: screening, checklist, judgement, mapping"
                ),
            );
            None
        }
    }
}

/// A `judgement` instrument has no computed scores.
pub(super) fn check_judgement_has_no_scores(ctx: &mut Ctx, top: &Tab, kind: Option<Kind>) {
    if kind != Some(Kind::Judgement) {
        return;
    }
    if let Some((_, span)) = top.keys().find(|(k, _)| *k == "scores") {
        ctx.err(
            span.start,
            "a `judgement` instrument cannot have `[[scores]]`: structured professional \
             judgements are items the worker answers, never computed scores",
        );
    }
}

/// `indicators = ["asked_about_violence", …]`: ids from the closed list, each once.
pub(super) fn indicators(ctx: &mut Ctx, top: &Tab) -> Vec<Indicator> {
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

/// A placed file is `<id>/<version>.toml`: the folder is the id, the name the version.
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

/// `[[perspectives]]` or `[[timeframes]]`: ids with labels, each id once.
fn labels(ctx: &mut Ctx, top: &Tab, key: &str, what: &str) -> Vec<Label> {
    let mut out: Vec<Label> = Vec::new();
    for t in top.tables(ctx, key, what) {
        t.allow(ctx, &["id", "label"]);
        let id = t.id(ctx, is_ident, IDENT_RULE);
        let t = t.with_name(id.get_ref());
        check_unique(ctx, &id, what, out.iter().map(|l| l.id.as_str()));
        let label = t.text(ctx, "label");
        out.push(Label {
            id: id.into_inner(),
            label,
        });
    }
    out
}
