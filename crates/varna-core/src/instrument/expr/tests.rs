//! The condition language phase by phase, from the cases in `cases/`: one file of cases per
//! phase (`lex.txt`, `parse.txt`, `check.txt`, `eval.txt`), one case a line (`#` lines are
//! headings, copied into the result). Each case is run and printed, and the whole print must
//! equal the snapshot beside it (`cases/<phase>.snap`). An error is printed under the
//! condition with a `^` at its column (1-based, in characters).
//!
//! To (re)write the snapshots after a deliberate change:
//! `UPDATE_EXPECT=1 cargo test -p varna-core --lib instrument::expr`, then read the diff.
//!
//! The checker and the evaluator run against the items of `cases/items.toml`.

use std::fmt::Write as _;

use expect_test::expect_file;

use super::check::check_condition;
use super::lex::{lex, Tok};
use super::parse::{parse, Node, NodeKind};
use super::{compile, eval, Env, ExprError};
use crate::instrument::answer::{AnswerKey, AnswerValue, Answers};
use crate::instrument::calendar::{self, CalendarAnswer};
use crate::instrument::model::{Instrument, Item, ItemKind};

/// Runs every case of `cases` through `run` and prints `> case` followed by its result.
fn run_cases(cases: &str, run: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    for line in cases.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with('#') {
            let _ = writeln!(out, "{line}");
            continue;
        }
        let _ = writeln!(out, "> {line}");
        for result_line in run(line).lines() {
            let _ = writeln!(out, "  {result_line}");
        }
    }
    out
}

/// Errors in `condition`, each a `^` under its column (the case line is printed after `> `,
/// the result indented by two, so the caret lines up with the condition's text).
fn errors(condition: &str, errors: &[ExprError]) -> String {
    let mut out = String::new();
    for e in errors {
        let mut at = e.pos.min(condition.len());
        while !condition.is_char_boundary(at) {
            at -= 1;
        }
        let col = condition[..at].chars().count() + 1;
        let _ = writeln!(out, "{}^ col {col}: {}", " ".repeat(col - 1), e.message);
    }
    out
}

// ---------------------------------------------------------------- lexing

fn token(tok: &Tok) -> String {
    match tok {
        Tok::Ident(s) => format!("ident {s}"),
        Tok::Str(s) => format!("str '{s}'"),
        Tok::Num(n) => format!("num {n}"),
        Tok::Sym(s) => format!("sym {s}"),
    }
}

#[test]
fn lexing_cases_give_the_tokens_or_the_error_in_the_snapshot() {
    let out = run_cases(include_str!("cases/lex.txt"), |src| match lex(src) {
        Ok(tokens) => tokens
            .iter()
            .map(|t| format!("[{} {}]", src[..t.pos].chars().count() + 1, token(&t.tok)))
            .collect::<Vec<_>>()
            .join(" "),
        Err(e) => errors(src, &[e]),
    });
    expect_file!["cases/lex.snap"].assert_eq(&out);
}

// ---------------------------------------------------------------- parsing

/// The tree in prefix form: `(and a b)`, `(== vem 'partner')`, `(in vem ['a', 'b'])`.
fn tree(node: &Node) -> String {
    match &node.kind {
        NodeKind::Bool(b) => b.to_string(),
        NodeKind::Num(n) => n.to_string(),
        NodeKind::Str(s) => format!("'{s}'"),
        NodeKind::Ref(k) => k.to_string(),
        NodeKind::Call(f, k) => format!("{}({k})", f.word()),
        NodeKind::CountWithin(k, n) => format!("count_within({k}, {n})"),
        NodeKind::Escalation(k) => format!("escalation({k})"),
        NodeKind::Not(a) => format!("(not {})", tree(a)),
        NodeKind::And(a, b) => format!("(and {} {})", tree(a), tree(b)),
        NodeKind::Or(a, b) => format!("(or {} {})", tree(a), tree(b)),
        NodeKind::Cmp(op, a, b) => format!("({} {} {})", op.sym(), tree(a), tree(b)),
        NodeKind::InList(a, list) => {
            let list: Vec<String> = list.iter().map(|s| format!("'{s}'")).collect();
            format!("(in {} [{}])", tree(a), list.join(", "))
        }
        NodeKind::In(a, b) => format!("(in {} {})", tree(a), tree(b)),
    }
}

#[test]
fn parsing_cases_give_the_tree_or_the_error_in_the_snapshot() {
    let out = run_cases(include_str!("cases/parse.txt"), |src| {
        match lex(src).and_then(|tokens| parse(tokens, src.len())) {
            Ok(root) => tree(&root),
            Err(e) => errors(src, &[e]),
        }
    });
    expect_file!["cases/parse.snap"].assert_eq(&out);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let src = format!("{}hot{}", "(".repeat(200), ")".repeat(200));
    let e = lex(&src)
        .and_then(|t| parse(t, src.len()))
        .expect_err("200 levels are refused");
    assert_eq!(e.message, "the condition is nested too deeply");
    let src = format!("{}hot", "not ".repeat(200));
    let e = lex(&src)
        .and_then(|t| parse(t, src.len()))
        .expect_err("200 nots are refused");
    assert_eq!(e.message, "the condition is nested too deeply");
}

// ---------------------------------------------------------------- checking

fn items() -> Instrument {
    crate::instrument::load::parse_unplaced("items.toml", include_str!("cases/items.toml"))
        .unwrap_or_else(|d| panic!("cases/items.toml does not load: {d:?}"))
}

#[test]
fn checking_cases_pass_or_give_the_errors_in_the_snapshot() {
    let def = items();
    let lookup = |id: &str| def.item(id);
    let out = run_cases(include_str!("cases/check.txt"), |src| {
        let parsed = lex(src).and_then(|tokens| parse(tokens, src.len()));
        match parsed {
            Err(e) => format!("not parsed:\n{}", errors(src, &[e])),
            Ok(root) => match check_condition(&root, &lookup) {
                found if found.is_empty() => "ok".to_owned(),
                found => errors(src, &found),
            },
        }
    });
    expect_file!["cases/check.snap"].assert_eq(&out);
}

// ---------------------------------------------------------------- evaluation

/// Every item shown; the answers as given.
struct TestEnv<'a> {
    def: &'a Instrument,
    answers: Answers,
}

impl TestEnv<'_> {
    fn item(&self, id: &str) -> Option<&Item> {
        self.def.item(id)
    }
}

impl Env for TestEnv<'_> {
    fn answer(&self, key: &AnswerKey) -> Option<&AnswerValue> {
        self.answers.get(key)
    }

    fn option_index(&self, item: &str, option: &str) -> Option<usize> {
        self.item(item)?
            .choices()
            .iter()
            .position(|c| c.id == option)
    }

    fn escalation(&self, item: &str, answer: &CalendarAnswer) -> u8 {
        match self.item(item).map(|i| &i.kind) {
            Some(ItemKind::Calendar {
                levels,
                escalation_months,
                ..
            }) => calendar::escalation(levels, answer, *escalation_months),
            _ => 0,
        }
    }
}

/// A case is `condition | answers`, the answers a JSON object by answer key as the store
/// keeps them. The result is the condition's value: `true`, `false`, or `missing` (an
/// unanswered, declined or unknown answer read bare), which makes the condition false.
#[test]
fn evaluation_cases_give_the_value_in_the_snapshot() {
    let def = items();
    let lookup = |id: &str| def.item(id);
    let out = run_cases(include_str!("cases/eval.txt"), |line| {
        let (src, answers) = line
            .split_once(" | ")
            .unwrap_or_else(|| panic!("want `condition | answers`: {line}"));
        let answers: Answers = serde_json::from_str(answers)
            .unwrap_or_else(|e| panic!("bad answers JSON in `{line}`: {e}"));
        for (k, v) in &answers {
            crate::instrument::validate_answer(&def, k, v)
                .unwrap_or_else(|e| panic!("`{line}`: the answer {k} is invalid: {e}"));
        }
        let cond = match compile(src, &lookup) {
            Ok(c) => c,
            Err(found) => return format!("not compiled:\n{}", errors(src, &found)),
        };
        let env = TestEnv { def: &def, answers };
        let value = match cond.root.eval(&env) {
            eval::Val::Bool(b) => b.to_string(),
            eval::Val::Missing => "missing".to_owned(),
            other => format!("{other:?}"),
        };
        // The public answer is the same as the value's truth.
        let holds = cond.eval(&env);
        assert_eq!(
            holds,
            value == "true",
            "`{line}`: eval and its value disagree"
        );
        format!("= {value}")
    });
    expect_file!["cases/eval.snap"].assert_eq(&out);
}

#[test]
fn the_items_a_condition_reads_are_sorted_and_once_each() {
    let def = items();
    let lookup = |id: &str| def.item(id);
    let cond = compile(
        "vem == 'partner' and (hot or answered(vem)) and count(flera) > 0",
        &lookup,
    )
    .expect("compiles");
    assert_eq!(cond.items(), vec!["flera", "hot", "vem"]);
}
