//! Small-cell suppression for one breakdown table.
//!
//! A breakdown table (a *group*) is one month × unit × instrument × breakdown measure; its
//! cells are the categories of that breakdown, in their declared order. We assume the worst
//! case: that whoever reads the file knows the group's total exactly (for an outcome dimension
//! it is usually the published number of completed screenings). The rule, applied by
//! [`suppress_group`], is:
//!
//! 1. A table with no cell in `1..=threshold` is published as it is, zeros included.
//! 2. Otherwise the *hidden* cells are the smallest cells of the table (in value order): every
//!    cell up to the threshold (the small cells and the zeros), at least two cells, and then as
//!    many of the next smallest as needed until **every published cell is larger than all
//!    hidden cells together**. If no such split exists, the whole table is hidden.
//!
//! Why this protects: a reader knows the sum of the hidden cells (the total minus the published
//! cells). Because every published cell exceeds that sum, the published cells put no upper bound
//! on any hidden cell, and the hidden cells (two or more, zeros among them hidden too) can be
//! rearranged in many ways that the rule maps to the very same output. Hiding the zeros matters:
//! a published 0 next to suppressed cells would tell the reader the hidden cells are at least 1,
//! and two hidden cells summing to 2 would then both be 1.
//!
//! `tests/export_suppression.rs` checks exhaustively, for small tables and every threshold from
//! 2 to 5, and by property test for larger ones, that a reader who knows this rule, the
//! threshold, the published cells and the exact total can never pin a hidden cell to one value.

/// One published cell: an exact count or a suppressed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cell {
    /// The exact count.
    Exact(u64),
    /// Hidden by small-cell suppression (primary or secondary; the file does not say which).
    Suppressed,
}

impl Cell {
    /// The exact value, or `None` if suppressed.
    pub fn exact(self) -> Option<u64> {
        match self {
            Cell::Exact(n) => Some(n),
            Cell::Suppressed => None,
        }
    }

    /// Whether the cell is hidden.
    pub fn is_suppressed(self) -> bool {
        matches!(self, Cell::Suppressed)
    }
}

/// Applies the suppression rule of this module to one group's cells (in declared category
/// order) and returns the published cells in the same order.
///
/// `threshold` must be at least 2 (see [`super::SuppressionThreshold`]).
pub fn suppress_group(cells: &[u64], threshold: u64) -> Vec<Cell> {
    if !cells.iter().any(|v| (1..=threshold).contains(v)) {
        return cells.iter().map(|&v| Cell::Exact(v)).collect();
    }
    let mut order: Vec<usize> = (0..cells.len()).collect();
    order.sort_by_key(|&i| (cells[i], i));
    let must_hide = cells.iter().filter(|&&v| v <= threshold).count().max(2);
    let mut hidden_len = cells.len();
    let mut sum: u64 = order[..must_hide.min(cells.len())]
        .iter()
        .map(|&i| cells[i])
        .sum();
    for len in must_hide..cells.len() {
        if cells[order[len]] > sum {
            hidden_len = len;
            break;
        }
        sum = sum.saturating_add(cells[order[len]]);
    }
    let mut published: Vec<Cell> = cells.iter().map(|&v| Cell::Exact(v)).collect();
    for &i in &order[..hidden_len] {
        published[i] = Cell::Suppressed;
    }
    published
}

/// The rule of schema version 2 for one breakdown table whose total (the block's `completed`)
/// is published: [`suppress_group`], and then
///
/// - **group disclosure**: if all the table's people, or all but fewer than `threshold` of
///   them, are in one category (`sum − largest < threshold`), every cell is hidden and only
///   the total is published;
/// - **enough uncertainty**: while the hidden cells together hold fewer than `threshold`, or
///   a published cell is not larger than the hidden cells together, the smallest published
///   cell is hidden too (the whole table, if it comes to that).
///
/// So a reader who knows the total learns of each hidden cell only that it lies between 0 and
/// the hidden sum, which is at least `threshold` (see `docs/EXPORT.md`).
pub fn suppress_table(cells: &[u64], threshold: u64) -> Vec<Cell> {
    let total: u64 = cells.iter().sum();
    let largest = cells.iter().copied().max().unwrap_or(0);
    if total - largest < threshold {
        return vec![Cell::Suppressed; cells.len()];
    }
    let mut out = suppress_group(cells, threshold);
    let mut order: Vec<usize> = (0..cells.len()).collect();
    order.sort_by_key(|&i| (cells[i], i));
    loop {
        let hidden: u64 = (0..cells.len())
            .filter(|&i| out[i].is_suppressed())
            .map(|i| cells[i])
            .sum();
        let any_hidden = out.iter().any(|c| c.is_suppressed());
        let smallest_published = order.iter().copied().find(|&i| !out[i].is_suppressed());
        match smallest_published {
            Some(i) if any_hidden && (hidden < threshold || cells[i] <= hidden) => {
                out[i] = Cell::Suppressed;
            }
            _ => break,
        }
    }
    out
}

/// Checks the structural invariants every published group must satisfy, whoever wrote it
/// (this module or a merge): no published value in `1..=threshold`, and either no suppressed
/// cell or at least two. Returns a short English reason on failure.
pub(crate) fn check_published_group(cells: &[Cell], threshold: u64) -> Result<(), &'static str> {
    if cells
        .iter()
        .any(|c| matches!(c, Cell::Exact(v) if (1..=threshold).contains(v)))
    {
        return Err("a published breakdown cell is at or below the suppression threshold");
    }
    if cells.iter().filter(|c| c.is_suppressed()).count() == 1 {
        return Err("a breakdown table has exactly one suppressed cell");
    }
    Ok(())
}

/// The further invariants of schema version 2 for one breakdown table, given the published
/// `completed` of its block (0 if hidden or absent): with no published total above the
/// threshold every cell is hidden; a fully published table has at least `threshold` people
/// outside its largest category (group disclosure); and a table with hidden cells leaves at
/// least `threshold` of the total unaccounted for by its published cells.
pub(crate) fn check_published_table(
    cells: &[Cell],
    completed: u64,
    threshold: u64,
) -> Result<(), &'static str> {
    let published: Vec<u64> = cells.iter().filter_map(|c| c.exact()).collect();
    let any_hidden = published.len() < cells.len();
    if completed <= threshold {
        if !published.is_empty() {
            return Err("a breakdown is published without a published total above the threshold");
        }
        return Ok(());
    }
    let sum: u64 = published.iter().sum();
    if any_hidden {
        if completed.saturating_sub(sum) < threshold {
            return Err("the hidden cells of a breakdown hold fewer than the threshold");
        }
    } else {
        let largest = published.iter().copied().max().unwrap_or(0);
        if sum - largest < threshold {
            return Err("a published breakdown has fewer than the threshold outside one category");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Cell::{Exact as E, Suppressed as S};

    #[test]
    fn a_group_without_small_cells_is_published_as_it_is() {
        assert_eq!(suppress_group(&[0, 7, 12], 3), vec![E(0), E(7), E(12)]);
    }

    #[test]
    fn a_lone_small_cell_takes_the_next_smallest_with_it() {
        assert_eq!(suppress_group(&[2, 19, 5], 3), vec![S, E(19), S]);
    }

    #[test]
    fn hidden_cells_grow_until_every_published_cell_exceeds_their_sum() {
        // 2 + 5 = 7 is not below 6, so 6 is hidden too; 13 is not below 13 either.
        assert_eq!(
            suppress_group(&[2, 5, 6, 13, 40], 3),
            vec![S, S, S, S, E(40)]
        );
        assert_eq!(suppress_group(&[1, 1, 8, 9], 3), vec![S, S, E(8), E(9)]);
    }

    #[test]
    fn zeros_are_hidden_in_a_group_with_suppression() {
        assert_eq!(suppress_group(&[0, 2, 0, 10], 3), vec![S, S, S, E(10)]);
        assert_eq!(
            suppress_group(&[0, 12, 0, 10], 3),
            vec![E(0), E(12), E(0), E(10)]
        );
    }

    #[test]
    fn a_two_cell_table_with_a_small_cell_is_hidden_whole() {
        assert_eq!(suppress_group(&[40, 2], 3), vec![S, S]);
    }

    #[test]
    fn equal_values_are_hidden_or_published_together() {
        assert_eq!(suppress_group(&[1, 6, 6, 30], 3), vec![S, S, S, E(30)]);
    }
}
