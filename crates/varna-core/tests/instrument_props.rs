//! Property tests: the condition language agrees with a reference evaluator, never panics
//! on any input, and scores count exactly and always land in exactly one band.

use proptest::prelude::*;
use varna_core::instrument::{self, evaluate, AnswerKey, AnswerValue, Answers};

/// A boolean condition over the yes/no items `a`, `b`, `c` and the scale `s` (0–10).
#[derive(Debug, Clone)]
enum Cond {
    Item(usize),
    Answered(usize),
    ScaleAtLeast(i64),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

const ITEMS: [&str; 3] = ["a", "b", "c"];

impl Cond {
    fn source(&self) -> String {
        match self {
            Cond::Item(i) => ITEMS[*i].to_string(),
            Cond::Answered(i) => format!("answered({})", ITEMS[*i]),
            Cond::ScaleAtLeast(n) => format!("s >= {n}"),
            Cond::Not(c) => format!("not ({})", c.source()),
            Cond::And(x, y) => format!("({}) and ({})", x.source(), y.source()),
            Cond::Or(x, y) => format!("({}) or ({})", x.source(), y.source()),
        }
    }

    /// The documented semantics: a missing answer makes a reference or comparison false.
    fn holds(&self, yn: &[Option<bool>; 3], scale: Option<i64>) -> bool {
        match self {
            Cond::Item(i) => yn[*i] == Some(true),
            Cond::Answered(i) => yn[*i].is_some(),
            Cond::ScaleAtLeast(n) => scale.is_some_and(|s| s >= *n),
            Cond::Not(c) => !c.holds(yn, scale),
            Cond::And(x, y) => x.holds(yn, scale) && y.holds(yn, scale),
            Cond::Or(x, y) => x.holds(yn, scale) || y.holds(yn, scale),
        }
    }
}

fn cond() -> impl Strategy<Value = Cond> {
    let leaf = prop_oneof![
        (0..3usize).prop_map(Cond::Item),
        (0..3usize).prop_map(Cond::Answered),
        (0..=11i64).prop_map(Cond::ScaleAtLeast),
    ];
    leaf.prop_recursive(5, 32, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
            (inner.clone(), inner.clone()).prop_map(|(x, y)| Cond::And(Box::new(x), Box::new(y))),
            (inner.clone(), inner).prop_map(|(x, y)| Cond::Or(Box::new(x), Box::new(y))),
        ]
    })
}

fn instrument_with(show_if: &str) -> String {
    format!(
        r#"id = "prop"
version = "1.0.0"
kind = "screening"
title = {{ sv = "P" }}
description = {{ sv = "P" }}
source = {{ sv = "P" }}
licence = {{ sv = "P" }}

[[sections]]
id = "s1"
title = {{ sv = "S" }}

[[sections.items]]
id = "a"
type = "yes_no"
text = {{ sv = "A" }}

[[sections.items]]
id = "b"
type = "yes_no"
text = {{ sv = "B" }}

[[sections.items]]
id = "c"
type = "yes_no"
text = {{ sv = "C" }}

[[sections.items]]
id = "s"
type = "scale"
min = 0
max = 10
text = {{ sv = "S" }}

[[sections.items]]
id = "target"
type = "yes_no"
text = {{ sv = "T" }}
show_if = {show_if:?}
"#
    )
}

proptest! {
    #[test]
    fn show_if_agrees_with_the_reference_semantics(
        c in cond(),
        yn in proptest::array::uniform3(proptest::option::of(any::<bool>())),
        scale in proptest::option::of(0..=10i64),
    ) {
        let src = instrument_with(&c.source());
        let def = instrument::load_str("prop/1.0.0.toml", &src)
            .unwrap_or_else(|d| panic!("{}: {d:?}", c.source()))
            .definition;
        let mut answers = Answers::new();
        for (i, v) in yn.iter().enumerate() {
            if let Some(v) = v {
                answers.insert(AnswerKey::item(ITEMS[i]), AnswerValue::YesNo(*v));
            }
        }
        if let Some(s) = scale {
            answers.insert(AnswerKey::item("s"), AnswerValue::Integer(s));
        }
        let ev = evaluate(&def, &answers);
        prop_assert_eq!(ev.is_visible("target"), c.holds(&yn, scale), "{}", c.source());
    }

    #[test]
    fn the_loader_never_panics_on_any_condition_text(s in "\\PC{0,40}") {
        let _ = instrument::load_str("prop/1.0.0.toml", &instrument_with(&s));
    }

    #[test]
    fn the_loader_never_panics_on_condition_like_text(
        s in "[abcs() ]{0,6}(and|or|not|==|!=|<=|>=|in|\\[|\\]|'a'|@x|#y|1|-|,){0,6}[abcs() ]{0,6}"
    ) {
        let _ = instrument::load_str("prop/1.0.0.toml", &instrument_with(&s));
    }

    #[test]
    fn the_loader_never_panics_on_arbitrary_files(s in "\\PC{0,200}") {
        let _ = instrument::load_str("prop/1.0.0.toml", &s);
    }

    #[test]
    fn a_count_is_the_number_of_yes_and_lands_in_exactly_one_band(
        answers in proptest::collection::vec(proptest::option::of(any::<bool>()), 12),
        cut1 in 1..6i64,
        width in 1..6i64,
    ) {
        let cut2 = cut1 + width;
        let mut src = String::from(
            "id = \"count\"\nversion = \"1.0.0\"\nkind = \"checklist\"\ntitle = { sv = \"C\" }\n\
             description = { sv = \"C\" }\nsource = { sv = \"C\" }\nlicence = { sv = \"C\" }\n\
             [[sections]]\nid = \"s\"\ntitle = { sv = \"S\" }\n",
        );
        for i in 0..12 {
            src.push_str(&format!(
                "[[sections.items]]\nid = \"m{i}\"\ntype = \"yes_no\"\nallow_decline = true\ntext = {{ sv = \"M\" }}\n"
            ));
        }
        src.push_str("[[scores]]\nid = \"n\"\nlabel = { sv = \"N\" }\nmethod = \"count\"\nitems = [");
        src.push_str(&(0..12).map(|i| format!("\"m{i}\"")).collect::<Vec<_>>().join(", "));
        src.push_str(&format!(
            "]\nbands = [\n{{ id = \"lag\", label = {{ sv = \"L\" }}, min = 0, max = {} }},\n\
             {{ id = \"medel\", label = {{ sv = \"M\" }}, min = {cut1}, max = {} }},\n\
             {{ id = \"hog\", label = {{ sv = \"H\" }}, min = {cut2} }},\n]\n",
            cut1 - 1,
            cut2 - 1
        ));
        let def = instrument::load_str("count/1.0.0.toml", &src)
            .unwrap_or_else(|d| panic!("{d:?}"))
            .definition;
        let mut a = Answers::new();
        for (i, v) in answers.iter().enumerate() {
            let value = match v {
                Some(b) => AnswerValue::YesNo(*b),
                None => AnswerValue::Declined,
            };
            a.insert(AnswerKey::item(format!("m{i}")), value);
        }
        let ev = evaluate(&def, &a);
        let s = ev.score("n").unwrap();
        let yes = answers.iter().filter(|v| **v == Some(true)).count() as i64;
        prop_assert_eq!(s.value, yes);
        prop_assert_eq!(s.answered, answers.iter().filter(|v| v.is_some()).count());
        let want = if yes < cut1 { "lag" } else if yes < cut2 { "medel" } else { "hog" };
        prop_assert_eq!(s.band.as_deref(), Some(want));
        prop_assert_eq!(ev.outcome("n"), None);
    }
}
