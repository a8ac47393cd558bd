//! Small-cell suppression: no suppressed value can be derived from what a file publishes.
//!
//! The attacker model: the reader knows the rule (`varna_core::export::suppress_group`), the
//! threshold, every published cell of a breakdown table and the table's exact total. A
//! suppressed cell is *disclosed* if every table that is consistent with all of that gives it
//! the same value.

use std::collections::{BTreeSet, HashMap};

use proptest::prelude::*;
use varna_core::export::{suppress_group, Cell};

/// Every table of `n` cells with values in `0..=max`.
fn all_tables(n: usize, max: u64) -> Vec<Vec<u64>> {
    let mut tables = vec![vec![]];
    for _ in 0..n {
        tables = tables
            .into_iter()
            .flat_map(|t| {
                (0..=max).map(move |v| {
                    let mut t = t.clone();
                    t.push(v);
                    t
                })
            })
            .collect();
    }
    tables
}

/// Returns the tables (with total at most `max`) in which some suppressed cell is disclosed.
fn disclosed(n: usize, max: u64, threshold: u64) -> Vec<(Vec<u64>, Vec<Cell>)> {
    let tables = all_tables(n, max);
    // What the attacker sees -> the tables that look like that.
    let mut classes: HashMap<(u64, Vec<Cell>), Vec<&Vec<u64>>> = HashMap::new();
    for t in &tables {
        let seen = (t.iter().sum::<u64>(), suppress_group(t, threshold));
        classes.entry(seen).or_default().push(t);
    }
    let mut bad = vec![];
    for ((total, cells), members) in &classes {
        // Alternatives with a larger cell than `max` exist only when total > max; those
        // classes are truncated here, so only judge complete classes.
        if *total > max {
            continue;
        }
        for (i, c) in cells.iter().enumerate() {
            if c.is_suppressed() {
                let values: BTreeSet<u64> = members.iter().map(|t| t[i]).collect();
                if values.len() < 2 {
                    bad.push((members[0].clone(), cells.clone()));
                }
            }
        }
    }
    bad
}

#[test]
fn no_suppressed_cell_is_disclosed_in_any_small_table() {
    for threshold in 2..=5 {
        for (n, max) in [(2, 24), (3, 16), (4, 10), (5, 7)] {
            let bad = disclosed(n, max, threshold);
            assert!(
                bad.is_empty(),
                "threshold {threshold}, {n} cells: disclosed in {:?}",
                &bad[..bad.len().min(5)]
            );
        }
    }
}

/// All ways to write `sum` as `parts` non-negative values.
fn compositions(sum: u64, parts: usize) -> Vec<Vec<u64>> {
    if parts == 1 {
        return vec![vec![sum]];
    }
    (0..=sum)
        .flat_map(|first| {
            compositions(sum - first, parts - 1)
                .into_iter()
                .map(move |mut rest| {
                    rest.insert(0, first);
                    rest
                })
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Larger tables: the published shape is always one that protects itself, and where the
    /// search is small enough, no hidden cell is pinned by the rule, the cells and the total.
    #[test]
    fn published_tables_never_pin_a_suppressed_cell(
        cells in prop::collection::vec(prop_oneof![0u64..=6, 0u64..=60], 2..=8),
        threshold in 2u64..=10,
    ) {
        let published = suppress_group(&cells, threshold);
        let hidden: Vec<usize> = (0..cells.len()).filter(|&i| published[i].is_suppressed()).collect();
        let hidden_sum: u64 = hidden.iter().map(|&i| cells[i]).sum();

        prop_assert!(hidden.is_empty() || hidden.len() >= 2);
        for (i, c) in published.iter().enumerate() {
            if let Cell::Exact(v) = c {
                prop_assert_eq!(*v, cells[i]);
                prop_assert!(!(1..=threshold).contains(v), "published small cell");
                if !hidden.is_empty() {
                    // No published cell bounds the hidden ones: each is larger than all of
                    // them together.
                    prop_assert!(*v > hidden_sum);
                }
            }
        }

        if !hidden.is_empty() && hidden.len() <= 4 && hidden_sum <= 24 {
            let mut seen: Vec<std::collections::BTreeSet<u64>> = vec![Default::default(); hidden.len()];
            for alt in compositions(hidden_sum, hidden.len()) {
                let mut table = cells.clone();
                for (k, &i) in hidden.iter().enumerate() {
                    table[i] = alt[k];
                }
                if suppress_group(&table, threshold) == published {
                    for (k, v) in alt.iter().enumerate() {
                        seen[k].insert(*v);
                    }
                }
            }
            for (k, values) in seen.iter().enumerate() {
                prop_assert!(values.len() >= 2, "cell {} pinned in {:?}", hidden[k], cells);
            }
        }
    }
}

#[test]
fn a_threshold_of_one_could_not_be_honoured_so_it_is_refused() {
    // With threshold 1, the table (1, 1) is the only one of total 2 with anything to
    // suppress, so a reader of "both suppressed, total 2" would know both values.
    assert!(varna_core::export::SuppressionThreshold::new(1).is_err());
    assert!(varna_core::export::SuppressionThreshold::new(2).is_ok());
    assert_eq!(varna_core::export::SuppressionThreshold::default().get(), 3);
}
