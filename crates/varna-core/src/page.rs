//! Pages of long lists (the start page's screenings, the review queue, the access log).
//!
//! Every list is read with keyset pagination: a page ends with a cursor, the sort key of its
//! last row, and the next page starts strictly after that key in the list's order (never
//! `OFFSET`, which reads and throws away every earlier row). A row inserted between two page
//! reads therefore never shifts a later page: it lands before the cursor (newest-first lists)
//! or after it, and no row is skipped or repeated. The cursor is opaque to the UI: it hands
//! back the `next` of the previous page unchanged.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Rows in a page when the request names no size.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// The most rows a page carries, whatever the request asks for.
pub const MAX_PAGE_SIZE: u32 = 200;

/// Which page of a list to read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct PageRequest {
    /// The `next` of the previous page; `None` for the first page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Rows wanted (default [`DEFAULT_PAGE_SIZE`], at most [`MAX_PAGE_SIZE`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl PageRequest {
    /// The first page of `limit` rows.
    pub fn first(limit: u32) -> Self {
        Self {
            after: None,
            limit: Some(limit),
        }
    }

    /// The page after `page`, of the same size as asked for here.
    pub fn after(&self, next: &str) -> Self {
        Self {
            after: Some(next.to_owned()),
            limit: self.limit,
        }
    }

    /// The number of rows this request asks for, within the bounds.
    pub fn size(&self) -> u32 {
        self.limit
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE)
    }
}

/// One page of a list, in the list's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The cursor of the next page; `None` when this page is the last.
    pub next: Option<String>,
    /// Rows in the whole list when counting them is cheap (an index); `None` otherwise
    /// (the access log), where `next` alone says that more exist.
    pub total: Option<u32>,
}

impl<T> Page<T> {
    /// A page from `rows` read with `LIMIT size + 1`: the extra row only says that more
    /// exist; `key` gives a row's cursor.
    pub(crate) fn from_rows(
        mut rows: Vec<T>,
        size: u32,
        total: Option<u32>,
        key: impl Fn(&T) -> String,
    ) -> Self {
        let more = rows.len() > size as usize;
        rows.truncate(size as usize);
        let next = if more { rows.last().map(key) } else { None };
        Self {
            items: rows,
            next,
            total,
        }
    }

    /// The page with its items mapped (the cursor and total unchanged).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
            total: self.total,
        }
    }
}

/// The separator of a cursor's parts (no timestamp or id contains it).
const SEP: char = '|';

/// A cursor made of sort-key parts.
pub(crate) fn cursor(parts: &[&str]) -> String {
    parts.join(&SEP.to_string())
}

/// The `n` parts of a cursor made by [`cursor`]; a cursor of another shape is refused.
pub(crate) fn parts(cursor: &str, n: usize) -> Result<Vec<String>> {
    let parts: Vec<String> = cursor.split(SEP).map(str::to_owned).collect();
    if parts.len() != n || parts.iter().any(|p| p.is_empty() || p.len() > 100) {
        return Err(Error::InvalidInput("a page cursor is not valid".into()));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_bounded() {
        assert_eq!(PageRequest::default().size(), DEFAULT_PAGE_SIZE);
        assert_eq!(PageRequest::first(0).size(), 1);
        assert_eq!(PageRequest::first(100_000).size(), MAX_PAGE_SIZE);
    }

    #[test]
    fn a_cursor_round_trips_and_a_bad_one_is_refused() {
        let c = cursor(&["2025-01-01T00:00:00Z", "abc"]);
        assert_eq!(parts(&c, 2).unwrap(), ["2025-01-01T00:00:00Z", "abc"]);
        assert!(parts(&c, 3).is_err());
        assert!(parts("", 1).is_err());
    }

    #[test]
    fn the_extra_row_only_says_more_exist() {
        let p = Page::from_rows(vec![1, 2, 3], 2, Some(3), |n| n.to_string());
        assert_eq!(p.items, [1, 2]);
        assert_eq!(p.next.as_deref(), Some("2"));
        let p = Page::from_rows(vec![1, 2], 2, None, |n| n.to_string());
        assert_eq!(p.next, None);
    }
}
