//! Small-cell suppression for one breakdown table.
//!
//! A breakdown table (a *group*) is one month × unit × instrument × breakdown measure; its
//! cells are the categories of that breakdown, in their declared order. We assume the worst
//! case: that whoever reads the file knows the group's total exactly (for an outcome dimension
//! it is usually the published number of completed screenings). The rule, applied by
//! [`suppress_group`], is:
//!
//! 1. **Primary**: every cell with a value in `1..=threshold` is suppressed.
//! 2. **Secondary**: while the suppressed cells do not protect each other — fewer than two
//!    non-zero suppressed cells, or all of them equal to 1 (then their sum, known by
//!    subtraction from the total, pins every one) — the smallest non-zero published cell is
//!    suppressed too (ties: the first in declared order).
//! 3. **Whole group**: if no non-zero cell is left to add and the group is still unprotected,
//!    every cell of the group is suppressed.
//! 4. **Zeros**: in a group with any suppressed cell, the zero cells are suppressed as well, so
//!    that a reader cannot use "a suppressed cell is at least 1" to narrow the hidden values.
//!    A group without suppressed cells publishes its zeros.
//!
//! `tests/export_suppression.rs` checks exhaustively, for small groups and every threshold up
//! to 5, that an attacker who knows this rule, the threshold, the published cells and the exact
//! total can never pin down a suppressed cell to a single value.

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
        assert_eq!(suppress_group(&[2, 9, 5], 3), vec![S, E(9), S]);
    }

    #[test]
    fn two_ones_are_not_enough_because_their_sum_pins_them() {
        assert_eq!(suppress_group(&[1, 1, 8, 9], 3), vec![S, S, S, E(9)]);
    }

    #[test]
    fn zeros_are_hidden_in_a_group_with_suppression() {
        assert_eq!(suppress_group(&[0, 2, 3, 10], 3), vec![S, S, S, E(10)]);
    }

    #[test]
    fn a_group_with_one_non_zero_cell_is_hidden_whole() {
        assert_eq!(suppress_group(&[0, 2, 0], 3), vec![S, S, S]);
    }

    #[test]
    fn ties_take_the_first_cell_in_declared_order() {
        assert_eq!(suppress_group(&[1, 6, 6], 3), vec![S, S, E(6)]);
    }
}
