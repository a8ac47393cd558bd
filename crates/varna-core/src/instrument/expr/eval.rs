//! The evaluator: a checked syntax tree and the interview's answers into a value. An
//! unanswered, declined, unknown or hidden item is [`Val::Missing`]: every comparison with
//! it is false, and a condition is true only when its value is `true`.

use super::parse::{CmpOp, Func, Node, NodeKind};
use super::Env;
use crate::instrument::answer::{parse_date, AnswerValue};
use crate::instrument::calendar;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val<'a> {
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

/// Whether a value makes a condition hold: only `true` does.
pub(super) fn truthy(v: &Val) -> bool {
    matches!(v, Val::Bool(true))
}

impl Node {
    pub(super) fn eval<'a>(&'a self, env: &'a dyn Env) -> Val<'a> {
        match &self.kind {
            NodeKind::Bool(b) => Val::Bool(*b),
            NodeKind::Num(n) => Val::Num(*n),
            NodeKind::Str(s) => Val::Str(s),
            NodeKind::CountWithin(k, n) => Val::Num(match env.answer(k) {
                Some(AnswerValue::Calendar(c)) => calendar::count_within(c, *n) as f64,
                _ => 0.0,
            }),
            NodeKind::Escalation(k) => Val::Num(match env.answer(k) {
                Some(AnswerValue::Calendar(c)) => f64::from(env.escalation(&k.item, c)),
                _ => 0.0,
            }),
            NodeKind::Ref(k) => reference(&k.item, env.answer(k)),
            NodeKind::Call(f, k) => call(*f, env.answer(k)),
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

/// The value of a bare reference to `item` answered `answer`.
fn reference<'a>(item: &'a str, answer: Option<&'a AnswerValue>) -> Val<'a> {
    match answer {
        None | Some(AnswerValue::Declined | AnswerValue::DontKnow) => Val::Missing,
        Some(AnswerValue::YesNo(b)) => Val::Bool(*b),
        Some(AnswerValue::Choice(c)) => Val::Choice(item, c),
        Some(AnswerValue::Choices(cs)) => Val::Set(cs),
        Some(AnswerValue::Integer(i)) => Val::Num(*i as f64),
        Some(AnswerValue::Number(n)) => Val::Num(*n),
        Some(AnswerValue::Date(d)) => parse_date(d).map_or(Val::Missing, Val::Date),
        Some(AnswerValue::Text(t)) if t.trim().is_empty() => Val::Missing,
        Some(AnswerValue::Text(_)) => Val::Text,
        Some(AnswerValue::Entries(e)) => Val::List(e.len()),
        Some(AnswerValue::Calendar(c)) => Val::List(c.incidents.len()),
    }
}

fn call<'a>(f: Func, a: Option<&AnswerValue>) -> Val<'a> {
    match f {
        Func::Answered => Val::Bool(a.is_some_and(|v| !v.is_non_answer() && v.is_given())),
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

/// The order of two options of a choice item, by their place in its list.
fn choice_order(env: &dyn Env, item: &str, x: &str, y: &str) -> Option<std::cmp::Ordering> {
    if x == y {
        return Some(std::cmp::Ordering::Equal);
    }
    Some(env.option_index(item, x)?.cmp(&env.option_index(item, y)?))
}
