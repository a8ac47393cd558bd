//! The loader and validator: TOML text in, a checked [`Instrument`] or every error out.
//!
//! The file is parsed with toml's span-keeping `DeTable`, then each key is read on its own,
//! so that one wrong value does not hide the errors after it. Cross references (conditions,
//! scores, outcomes) are checked once all items are known.
//!
//! One file a phase, in the order they run: `parse` (the TOML with its spans, and the error
//! list), `header` (id, version, kind, texts, perspectives, time frames, indicators), `items`
//! (sections and items, the keys each type allows) with `kinds` (each type's own keys:
//! choices, the calendar, scales, numbers, texts, list fields), `conditions` (`show_if`
//! compiled, own items and cycles), `scores` with `bands`, and `outcomes`. Messages that
//! name a place are only built when there is an error: loading must stay fast.

mod bands;
mod conditions;
mod header;
mod items;
mod kinds;
mod outcomes;
mod parse;
mod scores;

use toml::de::DeTable;

use super::diagnostic::Diagnostic;
use super::model::Instrument;
use items::Axes;
use parse::{Ctx, Tab};

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

fn is_option_id(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

const IDENT_RULE: &str = "use lowercase letters a–z, digits and `_`, starting with a letter";
const OPTION_RULE: &str = "use lowercase letters a–z, digits and `_`";

/// The whole file, phase by phase; `None` when a part the instrument cannot be without
/// (version, kind) is unusable (its error is reported).
fn instrument(ctx: &mut Ctx, top: &Tab) -> Option<Instrument> {
    let h = header::header(ctx, top);
    let axes = Axes {
        perspectives: &h.perspectives,
        timeframes: &h.timeframes,
    };
    let (mut sections, pending) = items::sections(ctx, top, &axes);
    // Conditions, now that every item is known.
    conditions::attach(ctx, &mut sections, &pending);
    header::check_judgement_has_no_scores(ctx, top, h.kind);
    let scores = scores::scores(ctx, top, &sections);
    let outcomes = outcomes::outcomes(ctx, top, &sections, &scores);
    let indicators = header::indicators(ctx, top);
    Some(Instrument {
        id: h.id.into_inner(),
        version: h.version?.into_inner(),
        kind: h.kind?,
        title: h.title,
        description: h.description,
        source: h.source,
        licence: h.licence,
        perspectives: h.perspectives,
        timeframes: h.timeframes,
        sections,
        scores,
        outcomes,
        indicators,
    })
}
