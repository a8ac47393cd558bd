//! The lexer: a condition's text into tokens, each with its byte offset.

use super::ExprError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    Sym(&'static str),
}

impl Tok {
    /// The token as a message names it.
    pub(super) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Str(s) => format!("string '{s}'"),
            Tok::Num(n) => format!("number {n}"),
            Tok::Sym(s) => format!("`{s}`"),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) tok: Tok,
    /// Byte offset of the token's first character.
    pub(super) pos: usize,
}

/// The symbols of two characters, tried before those of one.
const SYMBOLS_2: [&str; 4] = ["==", "!=", "<=", ">="];
const SYMBOLS_1: [&str; 10] = ["<", ">", "(", ")", "[", "]", ",", "@", "#", "-"];

/// Splits `src` into tokens; the first character that starts no token is an error.
pub(super) fn lex(src: &str) -> Result<Vec<Token>, ExprError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let (tok, len) = token_at(src, i)?;
        out.push(Token { tok, pos: i });
        i += len;
    }
    Ok(out)
}

/// The token that starts at byte `i` (not white space) and its length in bytes.
fn token_at(src: &str, i: usize) -> Result<(Tok, usize), ExprError> {
    if let Some(s) = symbol_at(src, i) {
        return Ok((Tok::Sym(s), s.len()));
    }
    let bytes = src.as_bytes();
    match bytes[i] {
        b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
            let len = bytes[i..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count();
            Ok((Tok::Ident(src[i..i + len].to_owned()), len))
        }
        b'0'..=b'9' => number_at(src, i),
        b'\'' | b'"' => string_at(src, i),
        _ => Err(ExprError {
            pos: i,
            message: stray(src, i),
        }),
    }
}

fn symbol_at(src: &str, i: usize) -> Option<&'static str> {
    let two = src.get(i..i + 2);
    SYMBOLS_2.into_iter().find(|s| two == Some(*s)).or_else(|| {
        SYMBOLS_1
            .into_iter()
            .find(|s| s.as_bytes()[0] == src.as_bytes()[i])
    })
}

/// Digits, optionally followed by `.` and more digits.
fn number_at(src: &str, start: usize) -> Result<(Tok, usize), ExprError> {
    let bytes = src.as_bytes();
    let digits_from = |i: usize| i + bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut i = digits_from(start);
    if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
        i = digits_from(i + 1);
    }
    let n: f64 = src[start..i].parse().map_err(|_| ExprError {
        pos: start,
        message: "bad number".into(),
    })?;
    Ok((Tok::Num(n), i - start))
}

/// A string in `'…'` or `"…"`, closed by the same quote; there are no escapes.
fn string_at(src: &str, start: usize) -> Result<(Tok, usize), ExprError> {
    let quote = src.as_bytes()[start] as char;
    let close = src[start + 1..].find(quote).ok_or_else(|| ExprError {
        pos: start,
        message: "the string is never closed".into(),
    })?;
    let text = src[start + 1..start + 1 + close].to_owned();
    Ok((Tok::Str(text), close + 2))
}

/// The message for a character that starts no token.
fn stray(src: &str, i: usize) -> String {
    match src.as_bytes()[i] {
        b'=' => "use `==` to compare".into(),
        b'&' | b'|' | b'!' => "write `and`, `or`, `not` (and `!=` for not equal)".into(),
        _ => {
            let ch = src[i..].chars().next().unwrap_or('?');
            format!("unexpected character `{ch}`")
        }
    }
}
