//! Errors in an instrument file, with where they are.

use std::fmt;

use serde::Serialize;

/// One error in an instrument file. Displays as `path:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, specta::Type)]
pub struct Diagnostic {
    /// The file, as given to the loader.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic at byte `offset` of `src`.
    pub fn at(path: &str, src: &str, offset: usize, message: impl Into<String>) -> Self {
        let (line, col) = line_col(src, offset);
        Diagnostic {
            path: path.to_owned(),
            line,
            col,
            message: message.into(),
        }
    }

    /// A diagnostic about the file as a whole (reported at 1:1).
    pub fn file(path: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.to_owned(),
            line: 1,
            col: 1,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.col, self.message
        )
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = src[line_start..offset].chars().count() + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_from_one() {
        let src = "a = 1\nåäö = 2\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        // `=` after three two-byte letters and a space.
        assert_eq!(line_col(src, 6 + 7), (2, 5));
        assert_eq!(line_col(src, 1000), (3, 1));
    }

    #[test]
    fn displays_as_path_line_col_message() {
        let d = Diagnostic::at("x/1.0.0.toml", "a\nbc", 3, "oops");
        assert_eq!(d.to_string(), "x/1.0.0.toml:2:2: oops");
    }
}
