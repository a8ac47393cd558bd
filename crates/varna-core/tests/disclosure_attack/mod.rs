//! The attacker of the disclosure-control tests, shared by `disclosure_control.rs` and the
//! CLI's test on the demo data (included there by path): given published files, the tightest
//! bounds on every hidden number that all the published numbers allow, by linear programming
//! (`good_lp` with the pure-Rust `microlp` solver).

#![allow(dead_code)]

use std::collections::BTreeMap;

use good_lp::constraint::{eq, leq};
use good_lp::{
    microlp, variable, Expression, ProblemVariables, ResolutionError, Solution, SolverModel,
    Variable,
};
use varna_core::export::{Cell, SignedExport, YearMonth};

/// What the attacker knows about how the numbers of one block (month × unit × instrument
/// version) hang together, beyond the file: every completion has exactly one role and is
/// either a first assessment or a re-assessment, so the role cells and the `assessment` cells
/// each add up to `completed`; an outcome dimension's cells add up to at most `completed`,
/// and exactly to it for the dimensions in `complete_dimensions` (an instrument whose every
/// completion reaches a category of that dimension).
pub struct Knowledge {
    pub complete_dimensions: Vec<&'static str>,
}

/// One number of a file: month, unit, instrument, version, measure, category.
pub type Key = (YearMonth, String, String, String, String, Option<String>);

fn key_of(r: &varna_core::export::ExportRow) -> Key {
    (
        r.month,
        r.unit.to_string(),
        r.instrument_id.to_string(),
        r.instrument_version.to_string(),
        r.measure.to_string(),
        r.category.as_ref().map(|c| c.to_string()),
    )
}

/// The tightest interval of every hidden number, given every published number of `files` and
/// the relations of [`Knowledge`]. A number is one unknown across files for a final month (a
/// preliminary month is an unknown of its own file); `None` as the upper bound means unbounded.
/// Panics if two files publish different values for the same final number (that alone would
/// be a leak by differencing).
///
/// Every relation lies inside one block (month × unit × instrument version), so the linear
/// program splits exactly into one per block: a hidden number's bounds depend only on the
/// numbers it is related to.
pub fn attack(files: &[&SignedExport], knows: &Knowledge) -> BTreeMap<Key, (f64, Option<f64>)> {
    type Scoped = (Option<usize>, Key);
    let mut all: BTreeMap<Scoped, Cell> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        for r in f.rows() {
            let k = key_of(r);
            let scope = f.preliminary().contains(&r.month).then_some(i);
            if let Some(old) = all.insert((scope, k.clone()), r.count) {
                assert_eq!(old, r.count, "two files differ on the final number {k:?}");
            }
        }
    }
    type Block = (Option<usize>, YearMonth, String, String, String);
    let mut blocks: BTreeMap<Block, Vec<(&Scoped, Cell)>> = BTreeMap::new();
    for (k, cell) in &all {
        let b = (k.0, k.1 .0, k.1 .1.clone(), k.1 .2.clone(), k.1 .3.clone());
        blocks.entry(b).or_default().push((k, *cell));
    }
    let mut out = BTreeMap::new();
    for numbers in blocks.values() {
        if numbers.iter().all(|(_, c)| !c.is_suppressed()) {
            continue;
        }
        let mut vars = ProblemVariables::new();
        let mut var: BTreeMap<&Scoped, Variable> = BTreeMap::new();
        for (k, c) in numbers {
            if c.is_suppressed() {
                var.insert(*k, vars.add(variable().min(0)));
            }
        }
        let value = |k: &Scoped, c: Cell| -> Expression {
            match c {
                Cell::Exact(n) => Expression::from(n as f64),
                Cell::Suppressed => Expression::from(var[k]),
            }
        };
        let total = numbers
            .iter()
            .find(|(k, _)| k.1 .4 == "completed")
            .map_or_else(Expression::default, |(k, c)| value(k, *c));
        let mut tables: BTreeMap<&str, Expression> = BTreeMap::new();
        for (k, c) in numbers {
            if k.1 .5.is_some() {
                *tables.entry(k.1 .4.as_str()).or_default() += value(k, *c);
            }
        }
        let mut related: std::collections::HashSet<Variable> = Default::default();
        let mut constraints = Vec::new();
        for (measure, sum) in tables {
            // Every completion is one role and either a first assessment or a re-assessment.
            let exact = measure == "role"
                || measure == "assessment"
                || measure
                    .strip_prefix("outcome:")
                    .is_some_and(|d| knows.complete_dimensions.contains(&d));
            for (k, c) in numbers {
                if c.is_suppressed() && (k.1 .4 == measure || k.1 .4 == "completed") {
                    related.insert(var[k]);
                }
            }
            constraints.push(if exact {
                eq(sum, total.clone())
            } else {
                leq(sum, total.clone())
            });
        }
        for (k, c) in numbers {
            if !c.is_suppressed() {
                continue;
            }
            let x = var[k];
            if !related.contains(&x) {
                out.insert(k.1.clone(), (0.0, None));
                continue;
            }
            let solve = |maximise: bool| {
                let problem = if maximise {
                    vars.clone().maximise(x)
                } else {
                    vars.clone().minimise(x)
                };
                let mut model = problem.using(microlp);
                for c in &constraints {
                    model = model.with(c.clone());
                }
                match model.solve() {
                    Ok(s) => Some(s.value(x)),
                    Err(ResolutionError::Unbounded) => None,
                    Err(e) => panic!("the published numbers are inconsistent: {e}"),
                }
            };
            let lo = solve(false).expect("bounded below by zero");
            out.insert(k.1.clone(), (lo, solve(true)));
        }
    }
    out
}

/// Asserts that every hidden number's interval is at least `threshold` wide.
pub fn assert_protected(bounds: &BTreeMap<Key, (f64, Option<f64>)>, threshold: u64) {
    for (k, (lo, hi)) in bounds {
        if let Some(hi) = hi {
            assert!(
                hi - lo >= threshold as f64 - 1e-6,
                "hidden {k:?} is pinned to [{lo}, {hi}], narrower than {threshold}"
            );
        }
    }
}
