//! The parser: tokens into the syntax tree ([`Node`]), by recursive descent over the grammar
//! in the module comment of `expr`.

use super::lex::{Tok, Token};
use super::ExprError;
use crate::instrument::answer::{is_ident, AnswerKey};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CmpOp {
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

    /// The operator as written.
    #[cfg(test)]
    pub(super) fn sym(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// Whether the operator compares order (`<`, `<=`, `>`, `>=`), not just equality.
    pub(super) fn ordering(self) -> bool {
        !matches!(self, CmpOp::Eq | CmpOp::Ne)
    }

    pub(super) fn holds(self, o: std::cmp::Ordering) -> bool {
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

/// The functions of one reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Func {
    Answered,
    Declined,
    DontKnow,
    Count,
}

impl Func {
    fn from_word(w: &str) -> Option<Func> {
        Some(match w {
            "answered" => Func::Answered,
            "declined" => Func::Declined,
            "dont_know" => Func::DontKnow,
            "count" => Func::Count,
            _ => return None,
        })
    }

    /// The function as written.
    #[cfg(test)]
    pub(super) fn word(self) -> &'static str {
        match self {
            Func::Answered => "answered",
            Func::Declined => "declined",
            Func::DontKnow => "dont_know",
            Func::Count => "count",
        }
    }
}

/// A node of the syntax tree, at the byte offset messages about it point to.
#[derive(Debug, Clone)]
pub(super) struct Node {
    pub(super) kind: NodeKind,
    pub(super) pos: usize,
}

#[derive(Debug, Clone)]
pub(super) enum NodeKind {
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
    /// The items the tree reads, in order of appearance, with repeats.
    pub(super) fn collect_items<'a>(&'a self, out: &mut Vec<&'a str>) {
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

/// Parses the tokens of a whole condition (`end`: the length of its text, where an error
/// at the end points). Tokens left over after a complete condition are an error.
pub(super) fn parse(tokens: Vec<Token>, end: usize) -> Result<Node, ExprError> {
    let mut p = Parser { tokens, at: 0, end };
    let root = p.or(0)?;
    if let Some(t) = p.tokens.get(p.at) {
        return Err(ExprError {
            pos: t.pos,
            message: format!(
                "unexpected {} after the end of the condition",
                t.tok.describe()
            ),
        });
    }
    Ok(root)
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
    /// Whether the token after the current one is `(`: a word then is a function.
    fn call_follows(&self) -> bool {
        matches!(
            self.tokens.get(self.at + 1),
            Some(Token {
                tok: Tok::Sym("("),
                ..
            })
        )
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

    fn or(&mut self, depth: usize) -> Result<Node, ExprError> {
        if depth > MAX_DEPTH {
            return self.error("the condition is nested too deeply");
        }
        self.chain(depth, "or", Self::and, NodeKind::Or)
    }

    fn and(&mut self, depth: usize) -> Result<Node, ExprError> {
        self.chain(depth, "and", Self::not, NodeKind::And)
    }

    /// `operand { word operand }`, grouped to the left.
    fn chain(
        &mut self,
        depth: usize,
        word: &str,
        operand: fn(&mut Self, usize) -> Result<Node, ExprError>,
        join: fn(Box<Node>, Box<Node>) -> NodeKind,
    ) -> Result<Node, ExprError> {
        let mut left = operand(self, depth)?;
        while self.is_word(word) {
            let pos = self.pos();
            self.at += 1;
            let right = operand(self, depth)?;
            left = Node {
                kind: join(Box::new(left), Box::new(right)),
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
            let kind = if self.is_sym("[") {
                self.at += 1;
                NodeKind::InList(Box::new(left), self.string_list()?)
            } else {
                NodeKind::In(Box::new(left), Box::new(self.operand(depth)?))
            };
            return Ok(Node { kind, pos });
        }
        Ok(left)
    }

    /// `string { "," string } "]"`, after the `[`.
    fn string_list(&mut self) -> Result<Vec<String>, ExprError> {
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
        Ok(list)
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
            Some(Tok::Ident(w)) => self.word(&w).map(|kind| Node { kind, pos }),
            _ => self.error(format!(
                "expected an item or a value, found {}",
                self.found()
            )),
        }
    }

    /// An operand that starts with the word `w`: a constant, a function or a reference.
    fn word(&mut self, w: &str) -> Result<NodeKind, ExprError> {
        match w {
            "true" | "false" => {
                self.at += 1;
                Ok(NodeKind::Bool(w == "true"))
            }
            "and" | "or" | "not" | "in" => {
                self.error(format!("expected an item or a value, found `{w}`"))
            }
            "answered" | "declined" | "dont_know" | "count" if self.call_follows() => {
                let f = Func::from_word(w).unwrap_or(Func::Count);
                self.at += 2;
                let r = self.reference()?;
                self.expect_sym(")")?;
                Ok(NodeKind::Call(f, r))
            }
            "escalation" if self.call_follows() => {
                self.at += 2;
                let r = self.reference()?;
                self.expect_sym(")")?;
                Ok(NodeKind::Escalation(r))
            }
            "count_within" if self.call_follows() => {
                self.at += 2;
                let r = self.reference()?;
                self.expect_sym(",")?;
                let months = self.months()?;
                self.expect_sym(")")?;
                Ok(NodeKind::CountWithin(r, months))
            }
            _ => Ok(NodeKind::Ref(self.reference()?)),
        }
    }

    /// The number of months of `count_within`: a whole number from 1 to 1000.
    fn months(&mut self) -> Result<u32, ExprError> {
        let n = match self.peek() {
            Some(Tok::Num(n)) if n.fract() == 0.0 && *n >= 1.0 && *n <= 1000.0 => *n as u32,
            _ => {
                return self.error(format!(
                    "expected a whole number of months (1 or more), found {}",
                    self.found()
                ))
            }
        };
        self.at += 1;
        Ok(n)
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
                // `what` carries its article ("an item"); the message names the kind alone.
                let kind = what.split_once(' ').map_or(what, |(_, kind)| kind);
                self.error(format!(
                    "`{s}` is not a valid {kind} id (lowercase letters, digits and `_`)"
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
