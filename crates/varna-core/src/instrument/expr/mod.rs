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

use std::fmt;

use super::answer::{is_ident, parse_date, AnswerKey, AnswerValue};
use super::model::{Item, ItemKind};

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
        truthy(&self.root.eval(env))
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
    let tokens = lex(source).map_err(|e| vec![e])?;
    let mut p = Parser {
        tokens,
        at: 0,
        end: source.len(),
    };
    let root = p.condition().map_err(|e| vec![e])?;
    if let Some(t) = p.tokens.get(p.at) {
        return Err(vec![ExprError {
            pos: t.pos,
            message: format!(
                "unexpected {} after the end of the condition",
                t.tok.describe()
            ),
        }]);
    }
    let mut errors = Vec::new();
    let ty = check(&root, lookup, &mut errors);
    if errors.is_empty() {
        match ty {
            Some(Ty::Bool) | None => {}
            Some(t) => errors.push(ExprError {
                pos: root.pos,
                message: format!(
                    "the condition must be true or false, but this is {}",
                    t.describe()
                ),
            }),
        }
    }
    if errors.is_empty() {
        Ok(Condition {
            source: source.to_owned(),
            root,
        })
    } else {
        Err(errors)
    }
}

// ---------------------------------------------------------------- lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    Sym(&'static str),
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Str(s) => format!("string '{s}'"),
            Tok::Num(n) => format!("number {n}"),
            Tok::Sym(s) => format!("`{s}`"),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: usize,
}

fn lex(src: &str) -> Result<Vec<Token>, ExprError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let two = src.get(i..i + 2);
        let sym2 = ["==", "!=", "<=", ">="]
            .into_iter()
            .find(|s| two == Some(*s));
        if let Some(s) = sym2 {
            out.push(Token {
                tok: Tok::Sym(s),
                pos: start,
            });
            i += 2;
            continue;
        }
        let sym1 = ["<", ">", "(", ")", "[", "]", ",", "@", "#", "-"]
            .into_iter()
            .find(|s| s.as_bytes()[0] == c);
        if let Some(s) = sym1 {
            out.push(Token {
                tok: Tok::Sym(s),
                pos: start,
            });
            i += 1;
            continue;
        }
        match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Ident(src[start..i].to_owned()),
                    pos: start,
                });
            }
            b'0'..=b'9' => {
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
                    i += 1;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                }
                let n: f64 = src[start..i].parse().map_err(|_| ExprError {
                    pos: start,
                    message: "bad number".into(),
                })?;
                out.push(Token {
                    tok: Tok::Num(n),
                    pos: start,
                });
            }
            b'\'' | b'"' => {
                let close = src[i + 1..].find(c as char).ok_or_else(|| ExprError {
                    pos: start,
                    message: "the string is never closed".into(),
                })?;
                out.push(Token {
                    tok: Tok::Str(src[i + 1..i + 1 + close].to_owned()),
                    pos: start,
                });
                i += close + 2;
            }
            b'=' => {
                return Err(ExprError {
                    pos: start,
                    message: "use `==` to compare".into(),
                })
            }
            b'&' | b'|' | b'!' => {
                return Err(ExprError {
                    pos: start,
                    message: "write `and`, `or`, `not` (and `!=` for not equal)".into(),
                })
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err(ExprError {
                    pos: start,
                    message: format!("unexpected character `{ch}`"),
                });
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- parser

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    fn from_sym(s: &str) -> Option<CmpOp> {
        Some(match s {
            "==" => CmpOp::Eq,
            "!=" => CmpOp::Ne,
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            _ => return None,
        })
    }
    fn ordering(self) -> bool {
        !matches!(self, CmpOp::Eq | CmpOp::Ne)
    }
    fn holds(self, o: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => o == Equal,
            CmpOp::Ne => o != Equal,
            CmpOp::Lt => o == Less,
            CmpOp::Le => o != Greater,
            CmpOp::Gt => o == Greater,
            CmpOp::Ge => o != Less,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    Answered,
    Declined,
    DontKnow,
    Count,
}

#[derive(Debug, Clone)]
struct Node {
    kind: NodeKind,
    pos: usize,
}

#[derive(Debug, Clone)]
enum NodeKind {
    Bool(bool),
    Num(f64),
    Str(String),
    Ref(AnswerKey),
    Call(Func, AnswerKey),
    /// `count_within(calendar, months)`.
    CountWithin(AnswerKey, u32),
    /// `escalation(calendar)`, over the periods the item declares.
    Escalation(AnswerKey),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Cmp(CmpOp, Box<Node>, Box<Node>),
    InList(Box<Node>, Vec<String>),
    In(Box<Node>, Box<Node>),
}

impl Node {
    fn collect_items<'a>(&'a self, out: &mut Vec<&'a str>) {
        match &self.kind {
            NodeKind::Ref(k)
            | NodeKind::Call(_, k)
            | NodeKind::CountWithin(k, _)
            | NodeKind::Escalation(k) => out.push(&k.item),
            NodeKind::Not(a) | NodeKind::InList(a, _) => a.collect_items(out),
            NodeKind::And(a, b)
            | NodeKind::Or(a, b)
            | NodeKind::Cmp(_, a, b)
            | NodeKind::In(a, b) => {
                a.collect_items(out);
                b.collect_items(out);
            }
            NodeKind::Bool(_) | NodeKind::Num(_) | NodeKind::Str(_) => {}
        }
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    end: usize,
}

const MAX_DEPTH: usize = 64;

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at).map(|t| &t.tok)
    }
    fn pos(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |t| t.pos)
    }
    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s == w)
    }
    fn is_sym(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(s)) if *s == w)
    }
    fn error<T>(&self, message: impl Into<String>) -> Result<T, ExprError> {
        Err(ExprError {
            pos: self.pos(),
            message: message.into(),
        })
    }
    fn found(&self) -> String {
        self.peek()
            .map_or_else(|| "the end of the condition".to_owned(), Tok::describe)
    }
    fn expect_sym(&mut self, s: &str) -> Result<(), ExprError> {
        if self.is_sym(s) {
            self.at += 1;
            Ok(())
        } else {
            self.error(format!("expected `{s}`, found {}", self.found()))
        }
    }

    fn condition(&mut self) -> Result<Node, ExprError> {
        self.or(0)
    }

    fn or(&mut self, depth: usize) -> Result<Node, ExprError> {
        if depth > MAX_DEPTH {
            return self.error("the condition is nested too deeply");
        }
        let mut left = self.and(depth)?;
        while self.is_word("or") {
            let pos = self.pos();
            self.at += 1;
            let right = self.and(depth)?;
            left = Node {
                kind: NodeKind::Or(Box::new(left), Box::new(right)),
                pos,
            };
        }
        Ok(left)
    }

    fn and(&mut self, depth: usize) -> Result<Node, ExprError> {
        let mut left = self.not(depth)?;
        while self.is_word("and") {
            let pos = self.pos();
            self.at += 1;
            let right = self.not(depth)?;
            left = Node {
                kind: NodeKind::And(Box::new(left), Box::new(right)),
                pos,
            };
        }
        Ok(left)
    }

    fn not(&mut self, depth: usize) -> Result<Node, ExprError> {
        if depth > MAX_DEPTH {
            return self.error("the condition is nested too deeply");
        }
        if self.is_word("not") {
            let pos = self.pos();
            self.at += 1;
            let inner = self.not(depth + 1)?;
            return Ok(Node {
                kind: NodeKind::Not(Box::new(inner)),
                pos,
            });
        }
        self.compare(depth)
    }

    fn compare(&mut self, depth: usize) -> Result<Node, ExprError> {
        let left = self.operand(depth)?;
        let pos = self.pos();
        if let Some(Tok::Sym(s)) = self.peek() {
            if let Some(op) = CmpOp::from_sym(s) {
                self.at += 1;
                let right = self.operand(depth)?;
                return Ok(Node {
                    kind: NodeKind::Cmp(op, Box::new(left), Box::new(right)),
                    pos,
                });
            }
        }
        if self.is_word("in") {
            self.at += 1;
            if self.is_sym("[") {
                self.at += 1;
                let mut list = Vec::new();
                loop {
                    match self.peek() {
                        Some(Tok::Str(s)) => {
                            list.push(s.clone());
                            self.at += 1;
                        }
                        _ => {
                            return self.error(format!(
                                "expected a string in the list, found {}",
                                self.found()
                            ))
                        }
                    }
                    if self.is_sym(",") {
                        self.at += 1;
                    } else {
                        break;
                    }
                }
                self.expect_sym("]")?;
                return Ok(Node {
                    kind: NodeKind::InList(Box::new(left), list),
                    pos,
                });
            }
            let right = self.operand(depth)?;
            return Ok(Node {
                kind: NodeKind::In(Box::new(left), Box::new(right)),
                pos,
            });
        }
        Ok(left)
    }

    fn operand(&mut self, depth: usize) -> Result<Node, ExprError> {
        let pos = self.pos();
        let node = |kind| Ok(Node { kind, pos });
        match self.peek().cloned() {
            Some(Tok::Sym("(")) => {
                self.at += 1;
                let inner = self.or(depth + 1)?;
                self.expect_sym(")")?;
                Ok(inner)
            }
            Some(Tok::Sym("-")) => {
                self.at += 1;
                match self.peek() {
                    Some(Tok::Num(n)) => {
                        let n = -n;
                        self.at += 1;
                        node(NodeKind::Num(n))
                    }
                    _ => self.error("expected a number after `-`"),
                }
            }
            Some(Tok::Num(n)) => {
                self.at += 1;
                node(NodeKind::Num(n))
            }
            Some(Tok::Str(s)) => {
                self.at += 1;
                node(NodeKind::Str(s))
            }
            Some(Tok::Ident(w)) => match w.as_str() {
                "true" | "false" => {
                    self.at += 1;
                    node(NodeKind::Bool(w == "true"))
                }
                "and" | "or" | "not" | "in" => {
                    self.error(format!("expected an item or a value, found `{w}`"))
                }
                "answered" | "declined" | "dont_know" | "count"
                    if matches!(
                        self.tokens.get(self.at + 1),
                        Some(Token {
                            tok: Tok::Sym("("),
                            ..
                        })
                    ) =>
                {
                    let f = match w.as_str() {
                        "answered" => Func::Answered,
                        "declined" => Func::Declined,
                        "dont_know" => Func::DontKnow,
                        _ => Func::Count,
                    };
                    self.at += 2;
                    let r = self.reference()?;
                    self.expect_sym(")")?;
                    node(NodeKind::Call(f, r))
                }
                "count_within" | "escalation"
                    if matches!(
                        self.tokens.get(self.at + 1),
                        Some(Token {
                            tok: Tok::Sym("("),
                            ..
                        })
                    ) =>
                {
                    self.at += 2;
                    let r = self.reference()?;
                    if w == "escalation" {
                        self.expect_sym(")")?;
                        return node(NodeKind::Escalation(r));
                    }
                    self.expect_sym(",")?;
                    let n = match self.peek() {
                        Some(Tok::Num(n)) if n.fract() == 0.0 && *n >= 1.0 && *n <= 1000.0 => {
                            *n as u32
                        }
                        _ => {
                            return self.error(format!(
                                "expected a whole number of months (1 or more), found {}",
                                self.found()
                            ))
                        }
                    };
                    self.at += 1;
                    self.expect_sym(")")?;
                    node(NodeKind::CountWithin(r, n))
                }
                _ => {
                    let r = self.reference()?;
                    node(NodeKind::Ref(r))
                }
            },
            _ => self.error(format!(
                "expected an item or a value, found {}",
                self.found()
            )),
        }
    }

    fn ident(&mut self, what: &str) -> Result<String, ExprError> {
        match self.peek() {
            Some(Tok::Ident(s)) if is_ident(s) => {
                let s = s.clone();
                self.at += 1;
                Ok(s)
            }
            Some(Tok::Ident(s)) => {
                let s = s.clone();
                self.error(format!(
                    "`{s}` is not a valid {what} id (lowercase letters, digits and `_`)"
                ))
            }
            _ => self.error(format!("expected {what} id, found {}", self.found())),
        }
    }

    fn reference(&mut self) -> Result<AnswerKey, ExprError> {
        let mut key = AnswerKey::item(self.ident("an item")?);
        if self.is_sym("@") {
            self.at += 1;
            key.perspective = Some(self.ident("a perspective")?);
        }
        if self.is_sym("#") {
            self.at += 1;
            key.timeframe = Some(self.ident("a time frame")?);
        }
        Ok(key)
    }
}

// ---------------------------------------------------------------- type check

#[derive(Debug, Clone, PartialEq)]
enum Ty {
    Bool,
    Num,
    Str(String),
    Choice { item: String, ordered: bool },
    Set { item: String },
    Date,
    Text,
    List,
    Calendar,
}

impl Ty {
    fn describe(&self) -> String {
        match self {
            Ty::Bool => "true/false".into(),
            Ty::Num => "a number".into(),
            Ty::Str(s) => format!("the string '{s}'"),
            Ty::Choice { item, .. } => format!("the choice item `{item}`"),
            Ty::Set { item } => format!("the multiple choice item `{item}`"),
            Ty::Date => "a date".into(),
            Ty::Text => "a text".into(),
            Ty::List => "a list".into(),
            Ty::Calendar => "an incident calendar".into(),
        }
    }
}

/// Checks that a reference names a known item with the right perspective and time frame.
pub(crate) fn check_reference<'a>(
    key: &AnswerKey,
    lookup: &dyn Fn(&str) -> Option<&'a Item>,
) -> Result<&'a Item, String> {
    let item = lookup(&key.item).ok_or_else(|| format!("unknown item `{}`", key.item))?;
    for (what, declared, given) in [
        ("perspective", &item.perspectives, &key.perspective),
        ("time frame", &item.timeframes, &key.timeframe),
    ] {
        let sep = if what == "perspective" { '@' } else { '#' };
        match given {
            None if !declared.is_empty() => {
                return Err(format!(
                    "item `{}` is asked per {what}; write `{}{sep}{}`",
                    key.item, key.item, declared[0]
                ))
            }
            Some(g) if declared.is_empty() => {
                return Err(format!("item `{}` has no {what} (`{g}`)", key.item))
            }
            Some(g) if !declared.contains(g) => {
                return Err(format!(
                    "`{g}` is not a {what} of item `{}`; expected one of: {}",
                    key.item,
                    declared.join(", ")
                ))
            }
            _ => {}
        }
    }
    Ok(item)
}

fn ref_type(item: &Item) -> Ty {
    let id = item.id.clone();
    match &item.kind {
        ItemKind::YesNo => Ty::Bool,
        ItemKind::SingleChoice { .. } => Ty::Choice {
            item: id,
            ordered: false,
        },
        ItemKind::Frequency { .. } | ItemKind::Rating { .. } => Ty::Choice {
            item: id,
            ordered: true,
        },
        ItemKind::MultiChoice { .. } => Ty::Set { item: id },
        ItemKind::Scale { .. } | ItemKind::Number { .. } => Ty::Num,
        ItemKind::Date => Ty::Date,
        ItemKind::ShortText { .. } | ItemKind::LongText { .. } => Ty::Text,
        ItemKind::List { .. } => Ty::List,
        ItemKind::Calendar { .. } => Ty::Calendar,
    }
}

fn check_option<'a>(
    item_id: &str,
    option: &str,
    pos: usize,
    lookup: &dyn Fn(&str) -> Option<&'a Item>,
    errors: &mut Vec<ExprError>,
) {
    if let Some(item) = lookup(item_id) {
        if !item.choices().iter().any(|c| c.id == option) {
            let ids: Vec<&str> = item.choices().iter().map(|c| c.id.as_str()).collect();
            let message = if ids.is_empty() {
                format!("'{option}' is not a choice of item `{item_id}`, which has no choices")
            } else {
                format!(
                    "'{option}' is not a choice of item `{item_id}`; expected one of: {}",
                    ids.join(", ")
                )
            };
            errors.push(ExprError { pos, message });
        }
    }
}

fn check<'a>(
    node: &Node,
    lookup: &dyn Fn(&str) -> Option<&'a Item>,
    errors: &mut Vec<ExprError>,
) -> Option<Ty> {
    fn err(errors: &mut Vec<ExprError>, pos: usize, message: String) {
        errors.push(ExprError { pos, message });
    }
    match &node.kind {
        NodeKind::Bool(_) => Some(Ty::Bool),
        NodeKind::Num(_) => Some(Ty::Num),
        NodeKind::Str(s) => Some(Ty::Str(s.clone())),
        NodeKind::Ref(k) => match check_reference(k, lookup) {
            Ok(item) => Some(ref_type(item)),
            Err(m) => {
                err(errors, node.pos, m);
                None
            }
        },
        NodeKind::Call(f, k) => {
            let item = match check_reference(k, lookup) {
                Ok(item) => item,
                Err(m) => {
                    err(errors, node.pos, m);
                    return None;
                }
            };
            match f {
                Func::Answered => Some(Ty::Bool),
                Func::Declined => {
                    if !item.allow_decline {
                        err(
                            errors,
                            node.pos,
                            format!(
                                "item `{}` does not allow declining (`allow_decline`)",
                                k.item
                            ),
                        );
                    }
                    Some(Ty::Bool)
                }
                Func::DontKnow => {
                    if !item.allow_unknown {
                        err(
                            errors,
                            node.pos,
                            format!(
                                "item `{}` does not allow \"vet ej\" (`allow_unknown`)",
                                k.item
                            ),
                        );
                    }
                    Some(Ty::Bool)
                }
                Func::Count => match ref_type(item) {
                    Ty::Set { .. } | Ty::List | Ty::Calendar => Some(Ty::Num),
                    t => {
                        err(
                            errors,
                            node.pos,
                            format!(
                                "count() takes a multiple choice, list or calendar item, not {}",
                                t.describe()
                            ),
                        );
                        None
                    }
                },
            }
        }
        NodeKind::CountWithin(k, n) => {
            let item = match check_reference(k, lookup) {
                Ok(item) => item,
                Err(m) => {
                    err(errors, node.pos, m);
                    return None;
                }
            };
            match &item.kind {
                ItemKind::Calendar { months, .. } => {
                    if n > months {
                        err(
                            errors,
                            node.pos,
                            format!(
                                "count_within(): the calendar `{}` shows {months} months, not {n}",
                                k.item
                            ),
                        );
                    }
                    Some(Ty::Num)
                }
                _ => {
                    err(
                        errors,
                        node.pos,
                        format!(
                            "count_within() takes a calendar item, not {}",
                            ref_type(item).describe()
                        ),
                    );
                    None
                }
            }
        }
        NodeKind::Escalation(k) => {
            let item = match check_reference(k, lookup) {
                Ok(item) => item,
                Err(m) => {
                    err(errors, node.pos, m);
                    return None;
                }
            };
            match &item.kind {
                ItemKind::Calendar { .. } => Some(Ty::Num),
                _ => {
                    err(
                        errors,
                        node.pos,
                        format!(
                            "escalation() takes a calendar item, not {}",
                            ref_type(item).describe()
                        ),
                    );
                    None
                }
            }
        }
        NodeKind::Not(a) => {
            let t = check(a, lookup, errors)?;
            expect_bool(&t, a.pos, "not", errors)
        }
        NodeKind::And(a, b) | NodeKind::Or(a, b) => {
            let word = if matches!(node.kind, NodeKind::And(..)) {
                "and"
            } else {
                "or"
            };
            let ta = check(a, lookup, errors);
            let tb = check(b, lookup, errors);
            if let Some(t) = ta {
                expect_bool(&t, a.pos, word, errors);
            }
            if let Some(t) = tb {
                expect_bool(&t, b.pos, word, errors);
            }
            Some(Ty::Bool)
        }
        NodeKind::Cmp(op, a, b) => {
            let ta = check(a, lookup, errors);
            let tb = check(b, lookup, errors);
            let (ta, tb) = (ta?, tb?);
            let ok = match (&ta, &tb) {
                (Ty::Num, Ty::Num) => true,
                (Ty::Bool, Ty::Bool) => !op.ordering(),
                (Ty::Choice { item, ordered }, Ty::Str(s))
                | (Ty::Str(s), Ty::Choice { item, ordered }) => {
                    let lit_pos = if matches!(ta, Ty::Str(_)) {
                        a.pos
                    } else {
                        b.pos
                    };
                    check_option(item, s, lit_pos, lookup, errors);
                    if op.ordering() && !ordered {
                        errors.push(ExprError {
                            pos: node.pos,
                            message: format!(
                                "the options of `{item}` have no order; use `==`, `!=` or `in`"
                            ),
                        });
                    }
                    true
                }
                (Ty::Date, Ty::Str(s)) | (Ty::Str(s), Ty::Date) => {
                    if parse_date(s).is_none() {
                        errors.push(ExprError {
                            pos: node.pos,
                            message: format!("'{s}' is not a date written YYYY-MM-DD"),
                        });
                    }
                    true
                }
                _ => false,
            };
            if !ok {
                let hint = if matches!(ta, Ty::Text) || matches!(tb, Ty::Text) {
                    "; a text can only be tested with answered()"
                } else {
                    ""
                };
                errors.push(ExprError {
                    pos: node.pos,
                    message: format!(
                        "cannot compare {} with {}{hint}",
                        ta.describe(),
                        tb.describe()
                    ),
                });
            }
            Some(Ty::Bool)
        }
        NodeKind::InList(a, list) => {
            match check(a, lookup, errors)? {
                Ty::Choice { item, .. } => {
                    for s in list {
                        check_option(&item, s, node.pos, lookup, errors);
                    }
                }
                t => err(
                    errors,
                    node.pos,
                    format!(
                        "`in [...]` needs a choice item on the left, not {}",
                        t.describe()
                    ),
                ),
            }
            Some(Ty::Bool)
        }
        NodeKind::In(a, b) => {
            let ta = check(a, lookup, errors);
            let tb = check(b, lookup, errors);
            match (ta?, tb?) {
                (Ty::Str(s), Ty::Set { item }) => check_option(&item, &s, a.pos, lookup, errors),
                (ta, tb) => errors.push(ExprError {
                    pos: node.pos,
                    message: format!(
                        "`in` takes a string and a multiple choice item ('option' in item), not {} and {}",
                        ta.describe(),
                        tb.describe()
                    ),
                }),
            }
            Some(Ty::Bool)
        }
    }
}

fn expect_bool(t: &Ty, pos: usize, word: &str, errors: &mut Vec<ExprError>) -> Option<Ty> {
    if *t != Ty::Bool {
        errors.push(ExprError {
            pos,
            message: format!("`{word}` needs true/false, but this is {}", t.describe()),
        });
    }
    Some(Ty::Bool)
}

// ---------------------------------------------------------------- evaluation

#[derive(Debug, Clone, PartialEq)]
enum Val<'a> {
    Missing,
    Bool(bool),
    Num(f64),
    Str(&'a str),
    Choice(&'a str, &'a str),
    Set(&'a [String]),
    Date(chrono::NaiveDate),
    Text,
    List(usize),
}

fn truthy(v: &Val) -> bool {
    matches!(v, Val::Bool(true))
}

impl Node {
    fn eval<'a>(&'a self, env: &'a dyn Env) -> Val<'a> {
        match &self.kind {
            NodeKind::Bool(b) => Val::Bool(*b),
            NodeKind::Num(n) => Val::Num(*n),
            NodeKind::Str(s) => Val::Str(s),
            NodeKind::CountWithin(k, n) => Val::Num(match env.answer(k) {
                Some(AnswerValue::Calendar(c)) => super::calendar::count_within(c, *n) as f64,
                _ => 0.0,
            }),
            NodeKind::Escalation(k) => Val::Num(match env.answer(k) {
                Some(AnswerValue::Calendar(c)) => f64::from(env.escalation(&k.item, c)),
                _ => 0.0,
            }),
            NodeKind::Ref(k) => match env.answer(k) {
                None | Some(AnswerValue::Declined | AnswerValue::DontKnow) => Val::Missing,
                Some(AnswerValue::YesNo(b)) => Val::Bool(*b),
                Some(AnswerValue::Choice(c)) => Val::Choice(&k.item, c),
                Some(AnswerValue::Choices(cs)) => Val::Set(cs),
                Some(AnswerValue::Integer(i)) => Val::Num(*i as f64),
                Some(AnswerValue::Number(n)) => Val::Num(*n),
                Some(AnswerValue::Date(d)) => parse_date(d).map_or(Val::Missing, Val::Date),
                Some(AnswerValue::Text(t)) if t.trim().is_empty() => Val::Missing,
                Some(AnswerValue::Text(_)) => Val::Text,
                Some(AnswerValue::Entries(e)) => Val::List(e.len()),
                Some(AnswerValue::Calendar(c)) => Val::List(c.incidents.len()),
            },
            NodeKind::Call(f, k) => {
                let a = env.answer(k);
                match f {
                    Func::Answered => {
                        Val::Bool(a.is_some_and(|v| !v.is_non_answer() && v.is_given()))
                    }
                    Func::Declined => Val::Bool(matches!(a, Some(AnswerValue::Declined))),
                    Func::DontKnow => Val::Bool(matches!(a, Some(AnswerValue::DontKnow))),
                    Func::Count => Val::Num(match a {
                        Some(AnswerValue::Choices(c)) => c.len() as f64,
                        Some(AnswerValue::Entries(e)) => e.len() as f64,
                        Some(AnswerValue::Calendar(c)) => c.incidents.len() as f64,
                        _ => 0.0,
                    }),
                }
            }
            NodeKind::Not(a) => Val::Bool(!truthy(&a.eval(env))),
            NodeKind::And(a, b) => Val::Bool(truthy(&a.eval(env)) && truthy(&b.eval(env))),
            NodeKind::Or(a, b) => Val::Bool(truthy(&a.eval(env)) || truthy(&b.eval(env))),
            NodeKind::Cmp(op, a, b) => Val::Bool(compare(*op, &a.eval(env), &b.eval(env), env)),
            NodeKind::InList(a, list) => Val::Bool(match a.eval(env) {
                Val::Choice(_, c) => list.iter().any(|s| s == c),
                _ => false,
            }),
            NodeKind::In(a, b) => Val::Bool(match (a.eval(env), b.eval(env)) {
                (Val::Str(s), Val::Set(set)) => set.iter().any(|x| x == s),
                _ => false,
            }),
        }
    }
}

fn compare(op: CmpOp, a: &Val, b: &Val, env: &dyn Env) -> bool {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (a, b) {
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(y),
        (Val::Choice(item, c), Val::Str(s)) => choice_order(env, item, c, s),
        (Val::Str(s), Val::Choice(item, c)) => choice_order(env, item, s, c),
        (Val::Date(d), Val::Str(s)) => parse_date(s).map(|e| d.cmp(&e)),
        (Val::Str(s), Val::Date(d)) => parse_date(s).map(|e| e.cmp(d)),
        _ => None,
    };
    ord.is_some_and(|o| op.holds(o))
}

fn choice_order(env: &dyn Env, item: &str, x: &str, y: &str) -> Option<std::cmp::Ordering> {
    if x == y {
        return Some(std::cmp::Ordering::Equal);
    }
    Some(env.option_index(item, x)?.cmp(&env.option_index(item, y)?))
}
