//! Reading the TOML with its spans: the file's tables as [`Tab`]s, each key read on its own
//! and every error recorded in [`Ctx`] at its place, so that one wrong value does not hide
//! the errors after it.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

use super::super::diagnostic::Diagnostic;
use super::super::model::Text;

pub(super) type Span = Range<usize>;
pub(super) type Val<'i> = Spanned<DeValue<'i>>;

pub(super) struct Ctx<'s> {
    pub(super) path: &'s str,
    pub(super) src: &'s str,
    /// Whether `path` must be `<id>/<version>.toml`.
    pub(super) placed: bool,
    pub(super) diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    pub(super) fn err(&mut self, at: usize, message: impl Into<String>) {
        self.diags
            .push(Diagnostic::at(self.path, self.src, at, message));
    }

    pub(super) fn finish(mut self) -> Vec<Diagnostic> {
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
    pub(super) fn inside_string(&self, span: &Span, pos: usize) -> usize {
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
pub(super) struct Tab<'a, 'i> {
    pub(super) t: &'a DeTable<'i>,
    pub(super) span: Span,
    pub(super) what: String,
}

impl<'a, 'i> Tab<'a, 'i> {
    pub(super) fn get(&self, key: &str) -> Option<&'a Val<'i>> {
        self.t.get(key)
    }

    pub(super) fn keys(&self) -> impl Iterator<Item = (&'a str, Span)> + 'a {
        self.t.iter().map(|(k, _)| (k.get_ref().as_ref(), k.span()))
    }

    pub(super) fn allow(&self, ctx: &mut Ctx, allowed: &[&str]) {
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

    pub(super) fn req<T: DeserializeOwned>(&self, ctx: &mut Ctx, key: &str) -> Option<Spanned<T>> {
        if self.get(key).is_none() {
            ctx.err(self.span.start, format!("missing `{key}` in {}", self.what));
        }
        self.opt(ctx, key)
    }

    pub(super) fn opt<T: DeserializeOwned>(&self, ctx: &mut Ctx, key: &str) -> Option<Spanned<T>> {
        let v = self.get(key)?;
        de(ctx, v, || format!("`{key}` in {}", self.what)).map(|t| Spanned::new(v.span(), t))
    }

    /// A required Swedish/English text.
    pub(super) fn text(&self, ctx: &mut Ctx, key: &str) -> Text {
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

    pub(super) fn opt_text(&self, ctx: &mut Ctx, key: &str) -> Option<Text> {
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
    pub(super) fn id(&self, ctx: &mut Ctx, valid: fn(&str) -> bool, rule: &str) -> Spanned<String> {
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
    pub(super) fn tables(&self, ctx: &mut Ctx, key: &str, what: &str) -> Vec<Tab<'a, 'i>> {
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

    /// The table under `key`, if there is one (anything else there is an error), described
    /// by `what` in messages.
    pub(super) fn table(
        &self,
        ctx: &mut Ctx,
        key: &str,
        what: impl FnOnce() -> String,
    ) -> Option<Tab<'a, 'i>> {
        let v = self.get(key)?;
        let DeValue::Table(t) = v.get_ref() else {
            ctx.err(v.span().start, format!("`{key}` must be a table"));
            return None;
        };
        Some(Tab {
            t,
            span: v.span(),
            what: what(),
        })
    }

    pub(super) fn with_name(mut self, name: &str) -> Self {
        if !name.is_empty() {
            let kind = self.what.split(' ').next().unwrap_or("").to_owned();
            self.what = format!("{kind} `{name}`");
        }
        self
    }
}

/// Reports `id` when an earlier one of its kind has it (an empty id is missing, and that
/// is reported already).
pub(super) fn check_unique<'e>(
    ctx: &mut Ctx,
    id: &Spanned<String>,
    what: &str,
    mut earlier: impl Iterator<Item = &'e str>,
) {
    if !id.get_ref().is_empty() && earlier.any(|e| e == id.get_ref()) {
        ctx.err(
            id.span().start,
            format!("duplicate {what} id `{}`", id.get_ref()),
        );
    }
}

/// Deserialises `v`; `what` (only built when there is an error) names it in the message.
pub(super) fn de<T: DeserializeOwned>(
    ctx: &mut Ctx,
    v: &Val,
    what: impl FnOnce() -> String,
) -> Option<T> {
    match T::deserialize(ValueDeserializer::from(v.clone())) {
        Ok(t) => Some(t),
        Err(e) => {
            let at = e.span().unwrap_or_else(|| v.span()).start;
            ctx.err(at, format!("{}: {}", what(), e.message()));
            None
        }
    }
}
