//! The condition language of `show_if` and outcome rules.
//!
//! Small on purpose, so that a coordinator can read every condition in a file:
//!
//! ```text
//! condition := or
//! or        := and { "or" and }
//! and       := not { "and" not }
//! not       := "not" not | compare
//! compare   := operand [ ("==" | "!=" | "<" | "<=" | ">" | ">=") operand
//!                      | "in" "[" string { "," string } "]"
//!                      | "in" reference ]
//! operand   := "(" condition ")" | "true" | "false" | number | string
//!            | ("answered" | "declined" | "dont_know" | "count" | "escalation")
//!              "(" reference ")"
//!            | "count_within" "(" reference "," number ")"
//!            | reference
//! reference := item [ "@" perspective ] [ "#" timeframe ]
//! ```
//!
//! Conditions are parsed and type-checked when the file is loaded; see `docs/INSTRUMENTS.md`
//! for the rules. At evaluation an unanswered, declined ("vill ej svara"), unknown ("vet ej")
//! or hidden item is *missing*: every comparison with a missing value is false, and a bare
//! yes/no reference is true only when the answer is yes.
//!
//! One file a phase: `lex` (text → tokens), `parse` (tokens → tree), `check` (types, items,
//! options), `eval` (tree and answers → value). `tests` runs the cases of `cases/`, one file
//! of cases and one snapshot per phase.

mod check;
mod eval;
mod lex;
mod parse;
#[cfg(test)]
mod tests;

use std::fmt;

use super::answer::{AnswerKey, AnswerValue};
use super::model::Item;
pub(crate) use check::check_reference;
use parse::Node;

/// A parsed, type-checked condition. Serialised as its source text.
#[derive(Debug, Clone)]
pub struct Condition {
    source: String,
    root: Node,
}

impl Condition {
    /// The text as written in the file.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The items this condition reads.
    pub fn items(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.root.collect_items(&mut out);
        out.sort_unstable();
        out.dedup();
        out
    }

    pub(crate) fn eval(&self, env: &dyn Env) -> bool {
        eval::truthy(&self.root.eval(env))
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl serde::Serialize for Condition {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

/// An error in a condition, at a byte offset into its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExprError {
    pub pos: usize,
    pub message: String,
}

/// What the evaluator needs to know about the interview.
pub(crate) trait Env {
    /// The answer under `key` if the item is shown and answered, else `None`.
    fn answer(&self, key: &AnswerKey) -> Option<&AnswerValue>;
    /// The position of `option` among the item's choices (for ordered comparisons).
    fn option_index(&self, item: &str, option: &str) -> Option<usize>;
    /// The escalation measure of the calendar item `item` answered `answer`.
    fn escalation(&self, item: &str, answer: &super::calendar::CalendarAnswer) -> u8;
}

/// Parses and type-checks `source`; `lookup` finds an item by id.
pub(crate) fn compile<'a>(
    source: &str,
    lookup: &dyn Fn(&str) -> Option<&'a Item>,
) -> Result<Condition, Vec<ExprError>> {
    let tokens = lex::lex(source).map_err(|e| vec![e])?;
    let root = parse::parse(tokens, source.len()).map_err(|e| vec![e])?;
    let errors = check::check_condition(&root, lookup);
    if errors.is_empty() {
        Ok(Condition {
            source: source.to_owned(),
            root,
        })
    } else {
        Err(errors)
    }
}
