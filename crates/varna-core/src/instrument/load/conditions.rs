//! `show_if` conditions, compiled once every item is known: a section's condition may not
//! read its own items, and no condition may depend on itself through others.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use toml::Spanned;

use super::parse::{Ctx, Span};
use crate::instrument::expr::{self, Condition};
use crate::instrument::model::{Item, Section};

/// What a `show_if` belongs to: a section, or an item (section, item) by index.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target {
    Section(usize),
    Item(usize, usize),
}

/// A condition still to be compiled, with where it is.
pub(super) struct Pending {
    pub(super) target: Target,
    pub(super) source: Spanned<String>,
}

/// Compiles the pending conditions, sets them on their sections and items, and reports
/// cycles among them.
pub(super) fn attach(ctx: &mut Ctx, sections: &mut [Section], pending: &[Pending]) {
    let compiled = compile_conditions(ctx, sections, pending);
    for (target, cond) in compiled {
        match target {
            Target::Section(s) => sections[s].show_if = Some(cond),
            Target::Item(s, i) => sections[s].items[i].show_if = Some(cond),
        }
    }
    check_cycles(ctx, sections, pending);
}

/// Reports the errors of a condition compiled from the string at `span`, each at its place
/// in the file, after `label` (`show_if`, `when`).
pub(super) fn report(ctx: &mut Ctx, span: &Span, label: &str, errors: Vec<expr::ExprError>) {
    for e in errors {
        let at = ctx.inside_string(span, e.pos);
        ctx.err(at, format!("{label}: {}", e.message));
    }
}

/// The items of every section by id (the first of a duplicated id).
pub(super) fn lookup_in(sections: &[Section]) -> HashMap<&str, &Item> {
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
                    if let Some(own) = own_item(&sections[s], &cond) {
                        ctx.err(
                            p.source.span().start,
                            format!(
                                "show_if of section `{}` refers to its own item `{own}`; a section can only depend on items before it",
                                sections[s].id
                            ),
                        );
                        continue;
                    }
                }
                out.push((p.target, cond));
            }
            Err(errors) => report(ctx, &p.source.span(), "show_if", errors),
        }
    }
    out
}

/// The first (by id) of the section's own items that its condition reads.
fn own_item<'c>(section: &Section, cond: &'c Condition) -> Option<&'c str> {
    cond.items()
        .into_iter()
        .find(|i| section.items.iter().any(|it| it.id == *i))
}

/// For each item, the items its visibility reads (its own and its section's `show_if`).
fn visibility_deps(sections: &[Section]) -> BTreeMap<&str, BTreeSet<&str>> {
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
    deps
}

/// Where a cycle through `item` is reported: its own `show_if`, else its section's.
fn show_if_place(sections: &[Section], pending: &[Pending], item: &str) -> usize {
    let own = pending
        .iter()
        .find(|p| matches!(p.target, Target::Item(s, i) if sections[s].items[i].id == item));
    let section = || {
        pending.iter().find(|p| {
            matches!(p.target, Target::Section(s) if sections[s].items.iter().any(|it| it.id == item))
        })
    };
    own.or_else(section).map_or(0, |p| p.source.span().start)
}

/// Reports conditions that depend on themselves, through other items' and sections'
/// conditions (an item's visibility depends on its own and its section's `show_if`), each
/// cycle once.
fn check_cycles(ctx: &mut Ctx, sections: &[Section], pending: &[Pending]) {
    let deps = visibility_deps(sections);
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
                ctx.err(
                    show_if_place(sections, pending, cycle[0]),
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
