//! The type checker: every reference names a known item (with its perspective and time
//! frame), every option is one of the item's, every operator gets operands it can compare,
//! and the whole condition is true or false. All errors are collected, not just the first.

use super::parse::{CmpOp, Func, Node, NodeKind};
use super::ExprError;
use crate::instrument::answer::{parse_date, AnswerKey};
use crate::instrument::model::{Item, ItemKind};

/// Finds an item by id.
pub(super) type Lookup<'l, 'a> = &'l dyn Fn(&str) -> Option<&'a Item>;

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

/// Checks a whole condition: its parts, and that it is true or false.
pub(super) fn check_condition(root: &Node, lookup: Lookup) -> Vec<ExprError> {
    let mut checker = Checker {
        lookup,
        errors: Vec::new(),
    };
    let ty = checker.check(root);
    if checker.errors.is_empty() {
        match ty {
            Some(Ty::Bool) | None => {}
            Some(t) => checker.err(
                root.pos,
                format!(
                    "the condition must be true or false, but this is {}",
                    t.describe()
                ),
            ),
        }
    }
    checker.errors
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

/// The type a bare reference to `item` has.
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

struct Checker<'l, 'a> {
    lookup: Lookup<'l, 'a>,
    errors: Vec<ExprError>,
}

impl<'a> Checker<'_, 'a> {
    fn err(&mut self, pos: usize, message: String) {
        self.errors.push(ExprError { pos, message });
    }

    /// The type of `node`, or `None` when it has an error that makes its type unknown.
    fn check(&mut self, node: &Node) -> Option<Ty> {
        let pos = node.pos;
        match &node.kind {
            NodeKind::Bool(_) => Some(Ty::Bool),
            NodeKind::Num(_) => Some(Ty::Num),
            NodeKind::Str(s) => Some(Ty::Str(s.clone())),
            NodeKind::Ref(k) => self.reference(k, pos).map(ref_type),
            NodeKind::Call(f, k) => self.call(*f, k, pos),
            NodeKind::CountWithin(k, n) => self.count_within(k, *n, pos),
            NodeKind::Escalation(k) => self.escalation(k, pos),
            NodeKind::Not(a) => {
                let t = self.check(a)?;
                self.expect_bool(&t, a.pos, "not")
            }
            NodeKind::And(a, b) => self.logic(a, b, "and"),
            NodeKind::Or(a, b) => self.logic(a, b, "or"),
            NodeKind::Cmp(op, a, b) => self.compare(*op, a, b, pos),
            NodeKind::InList(a, list) => self.in_list(a, list, pos),
            NodeKind::In(a, b) => self.in_set(a, b, pos),
        }
    }

    /// The item a reference names, or `None` with the error at `pos`.
    fn reference(&mut self, k: &AnswerKey, pos: usize) -> Option<&'a Item> {
        match check_reference(k, self.lookup) {
            Ok(item) => Some(item),
            Err(m) => {
                self.err(pos, m);
                None
            }
        }
    }

    fn call(&mut self, f: Func, k: &AnswerKey, pos: usize) -> Option<Ty> {
        let item = self.reference(k, pos)?;
        match f {
            Func::Answered => Some(Ty::Bool),
            Func::Declined => {
                if !item.allow_decline {
                    self.err(
                        pos,
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
                    self.err(
                        pos,
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
                    self.err(
                        pos,
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

    fn count_within(&mut self, k: &AnswerKey, n: u32, pos: usize) -> Option<Ty> {
        let item = self.reference(k, pos)?;
        match &item.kind {
            ItemKind::Calendar { months, .. } => {
                if n > *months {
                    self.err(
                        pos,
                        format!(
                            "count_within(): the calendar `{}` shows {months} months, not {n}",
                            k.item
                        ),
                    );
                }
                Some(Ty::Num)
            }
            _ => {
                self.err(
                    pos,
                    format!(
                        "count_within() takes a calendar item, not {}",
                        ref_type(item).describe()
                    ),
                );
                None
            }
        }
    }

    fn escalation(&mut self, k: &AnswerKey, pos: usize) -> Option<Ty> {
        let item = self.reference(k, pos)?;
        match &item.kind {
            ItemKind::Calendar { .. } => Some(Ty::Num),
            _ => {
                self.err(
                    pos,
                    format!(
                        "escalation() takes a calendar item, not {}",
                        ref_type(item).describe()
                    ),
                );
                None
            }
        }
    }

    /// `a and b`, `a or b`: both sides checked, each must be true/false.
    fn logic(&mut self, a: &Node, b: &Node, word: &str) -> Option<Ty> {
        let ta = self.check(a);
        let tb = self.check(b);
        if let Some(t) = ta {
            self.expect_bool(&t, a.pos, word);
        }
        if let Some(t) = tb {
            self.expect_bool(&t, b.pos, word);
        }
        Some(Ty::Bool)
    }

    fn compare(&mut self, op: CmpOp, a: &Node, b: &Node, pos: usize) -> Option<Ty> {
        let ta = self.check(a);
        let tb = self.check(b);
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
                self.option(item, s, lit_pos);
                if op.ordering() && !ordered {
                    self.err(
                        pos,
                        format!("the options of `{item}` have no order; use `==`, `!=` or `in`"),
                    );
                }
                true
            }
            (Ty::Date, Ty::Str(s)) | (Ty::Str(s), Ty::Date) => {
                if parse_date(s).is_none() {
                    self.err(pos, format!("'{s}' is not a date written YYYY-MM-DD"));
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
            self.err(
                pos,
                format!(
                    "cannot compare {} with {}{hint}",
                    ta.describe(),
                    tb.describe()
                ),
            );
        }
        Some(Ty::Bool)
    }

    /// `choice in ['a', 'b']`.
    fn in_list(&mut self, a: &Node, list: &[String], pos: usize) -> Option<Ty> {
        match self.check(a)? {
            Ty::Choice { item, .. } => {
                for s in list {
                    self.option(&item, s, pos);
                }
            }
            t => self.err(
                pos,
                format!(
                    "`in [...]` needs a choice item on the left, not {}",
                    t.describe()
                ),
            ),
        }
        Some(Ty::Bool)
    }

    /// `'option' in multi_choice`.
    fn in_set(&mut self, a: &Node, b: &Node, pos: usize) -> Option<Ty> {
        let ta = self.check(a);
        let tb = self.check(b);
        match (ta?, tb?) {
            (Ty::Str(s), Ty::Set { item }) => self.option(&item, &s, a.pos),
            (ta, tb) => self.err(
                pos,
                format!(
                    "`in` takes a string and a multiple choice item ('option' in item), not {} and {}",
                    ta.describe(),
                    tb.describe()
                ),
            ),
        }
        Some(Ty::Bool)
    }

    /// Checks that `option` is a choice of the item `item_id`.
    fn option(&mut self, item_id: &str, option: &str, pos: usize) {
        let Some(item) = (self.lookup)(item_id) else {
            return;
        };
        if item.choices().iter().any(|c| c.id == option) {
            return;
        }
        let ids: Vec<&str> = item.choices().iter().map(|c| c.id.as_str()).collect();
        let message = if ids.is_empty() {
            format!("'{option}' is not a choice of item `{item_id}`, which has no choices")
        } else {
            format!(
                "'{option}' is not a choice of item `{item_id}`; expected one of: {}",
                ids.join(", ")
            )
        };
        self.err(pos, message);
    }

    fn expect_bool(&mut self, t: &Ty, pos: usize, word: &str) -> Option<Ty> {
        if *t != Ty::Bool {
            self.err(
                pos,
                format!("`{word}` needs true/false, but this is {}", t.describe()),
            );
        }
        Some(Ty::Bool)
    }
}
