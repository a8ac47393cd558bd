//! `[[scores.bands]]`: from lowest to highest, without gaps or overlaps, covering every
//! value the score can take (only the last band may be open-ended).

use toml::Spanned;

use super::parse::{check_unique, Ctx, Span, Tab};
use super::{is_option_id, OPTION_RULE};
use crate::instrument::model::Band;

/// The bands of the score `t`; `range` is what the score can take, when known.
pub(super) fn bands(ctx: &mut Ctx, t: &Tab, range: Option<(i64, i64)>) -> Vec<Band> {
    let out = read_bands(ctx, t);
    check_sequence(ctx, &out);
    if let Some(range) = range {
        check_coverage(ctx, &out, range);
    }
    out.into_iter().map(|(b, _)| b).collect()
}

/// Each band with its place; a band without `min` is left out (its error is reported).
fn read_bands(ctx: &mut Ctx, t: &Tab) -> Vec<(Band, Span)> {
    let mut out: Vec<(Band, Span)> = Vec::new();
    let tabs = t.tables(ctx, "bands", "band");
    let n = tabs.len();
    for (idx, bt) in tabs.into_iter().enumerate() {
        bt.allow(ctx, &["id", "label", "min", "max"]);
        let id = bt.id(ctx, is_option_id, OPTION_RULE);
        let bt = bt.with_name(id.get_ref());
        check_unique(ctx, &id, "band", out.iter().map(|(b, _)| b.id.as_str()));
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
    out
}

/// Each band starts right after the one before it.
fn check_sequence(ctx: &mut Ctx, bands: &[(Band, Span)]) {
    for w in bands.windows(2) {
        let prev = &w[0].0;
        let (cur, span) = (&w[1].0, &w[1].1);
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
}

/// The first band starts at or below the lowest score, the last reaches the highest.
fn check_coverage(ctx: &mut Ctx, bands: &[(Band, Span)], (lo, hi): (i64, i64)) {
    let (Some((first, fspan)), Some((last, lspan))) = (bands.first(), bands.last()) else {
        return;
    };
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
