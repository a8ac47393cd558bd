//! An autosave reuses what the previous autosave on the same connection left behind (the
//! account's check, the draft's row, its instrument, its answers and their evaluation) only
//! while the database is exactly as that autosave committed it. These tests change the
//! database in between, through this connection and through others, and hold every
//! autosave's answer to a fresh read.

mod screening_support;

use std::cell::RefCell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use screening_support::*;
use varna_core::instrument::{self, AnswerValue, Instrument, Item, ItemKind};
use varna_core::ErrorCode;

/// A value for `item` picked by `r`; `None` (the answer cleared) now and then. Values the
/// item does not take are replaced by `None` by the caller's check.
fn value_for(item: &Item, r: u64) -> Option<AnswerValue> {
    if r.is_multiple_of(9) {
        return None;
    }
    if item.allow_decline && r % 11 == 1 {
        return Some(AnswerValue::Declined);
    }
    if item.allow_unknown && r % 11 == 2 {
        return Some(AnswerValue::DontKnow);
    }
    let pick = |n: usize| (r / 13) as usize % n.max(1);
    Some(match &item.kind {
        ItemKind::YesNo => AnswerValue::YesNo(r.is_multiple_of(2)),
        ItemKind::SingleChoice { options } => {
            AnswerValue::Choice(options[pick(options.len())].id.clone())
        }
        ItemKind::Frequency { levels } | ItemKind::Rating { levels } => {
            AnswerValue::Choice(levels[pick(levels.len())].id.clone())
        }
        ItemKind::MultiChoice { options, .. } => AnswerValue::Choices(
            options
                .iter()
                .enumerate()
                .filter(|(i, _)| (r >> (i % 60)) & 1 == 1)
                .map(|(_, o)| o.id.clone())
                .collect(),
        ),
        ItemKind::Scale { min, max, .. } => {
            AnswerValue::Integer(min + (r as i64).rem_euclid(max - min + 1))
        }
        ItemKind::Number { min, integer, .. } => {
            let base = min.unwrap_or(0.0);
            if *integer {
                AnswerValue::Integer(base as i64 + (r % 50) as i64)
            } else {
                // Fractions that do not print exactly, so the values must read back as written.
                AnswerValue::Number(base + (r % 1000) as f64 / 7.0)
            }
        }
        ItemKind::Date => AnswerValue::Date(format!("2026-0{}-1{}", 1 + r % 9, r % 10)),
        ItemKind::ShortText { .. } | ItemKind::LongText { .. } => {
            AnswerValue::Text(if r.is_multiple_of(4) {
                "  ".into()
            } else {
                format!("svar {r}")
            })
        }
        ItemKind::List { fields, .. } => AnswerValue::Entries(
            (0..r % 3)
                .map(|e| {
                    fields
                        .iter()
                        .enumerate()
                        .filter_map(|(i, f)| {
                            let v = value_for(f, r.rotate_left(7 * (e as u32 + i as u32 + 1)))?;
                            Some((f.id.clone(), v))
                        })
                        .collect()
                })
                .collect(),
        ),
        ItemKind::Calendar { levels, .. } => {
            // The screenings are held today: the calendar counts back from today.
            let today = chrono::Local::now().date_naive();
            AnswerValue::Calendar(varna_core::instrument::calendar::CalendarAnswer {
                as_of: today.format("%Y-%m-%d").to_string(),
                incidents: (0..r % 4)
                    .map(|n| varna_core::instrument::calendar::Incident {
                        date: (today - chrono::Months::new(((r >> n) % 6) as u32))
                            .format("%Y-%m")
                            .to_string(),
                        severity: levels[pick(levels.len() + n as usize) % levels.len()]
                            .id
                            .clone(),
                        description: None,
                    })
                    .collect(),
            })
        }
    })
}

/// One autosave of the generated sequence: the item (by index), a random word, and which
/// connection saves it.
#[derive(Debug, Clone)]
struct Op {
    item: usize,
    r: u64,
    by_other: bool,
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        (any::<usize>(), any::<u64>(), prop::bool::weighted(0.15))
            .prop_map(|(item, r, by_other)| Op { item, r, by_other }),
        1..30,
    )
}

fn save_op(
    store: &mut varna_core::store::Store,
    def: &Instrument,
    id: &str,
    op: &Op,
) -> varna_core::screening::Saved {
    let items: Vec<&Item> = def.items().collect();
    let item = items[op.item % items.len()];
    let keys = item.answer_keys();
    let key = &keys[(op.r % keys.len() as u64) as usize];
    let value = value_for(item, op.r).filter(|v| instrument::validate_answer(def, key, v).is_ok());
    store
        .save_answer(id, &key.to_string(), value)
        .unwrap_or_else(|e| panic!("{key}: {e}"))
}

/// Every evaluation an autosave returns is the evaluation of the answers in the database,
/// for every shipped instrument, however the autosaves of two connections interleave.
#[test]
fn every_autosave_returns_the_evaluation_of_the_stored_answers() {
    let (w, _admin) = world();
    let hanna = RefCell::new(w.unlock("hanna"));
    // The same account in a second session (the app and the command line, say).
    let again = RefCell::new(w.unlock("hanna"));
    let instruments = [
        "freda-kortfragor-stil",
        "farlighet-stil",
        "patriark-stil",
        "signs-of-safety-stil",
    ];
    let mut runner = TestRunner::new(Config {
        cases: 24,
        ..Config::default()
    });
    runner
        .run(&(0..instruments.len(), ops()), |(which, ops)| {
            let mut hanna = hanna.borrow_mut();
            let mut again = again.borrow_mut();
            let doc = start(&mut hanna, instruments[which], &w.ifo);
            let def = doc.definition.clone();
            // Now and then an answer is kept while the next autosave runs: what it says must
            // not change under its holder.
            let mut kept: Option<(varna_core::screening::Saved, instrument::Evaluation)> = None;
            for op in &ops {
                let saved = if op.by_other {
                    save_op(&mut again, &def, &doc.id, op)
                } else {
                    save_op(&mut hanna, &def, &doc.id, op)
                };
                let fresh = hanna.screening(&doc.id).unwrap();
                prop_assert_eq!(&*saved.evaluation, &fresh.evaluation, "after {:?}", op);
                prop_assert_eq!(
                    &*saved.evaluation,
                    &instrument::evaluate(&def, &answers_of(&fresh))
                );
                if let Some((held, copy)) = kept.take() {
                    prop_assert_eq!(&*held.evaluation, &copy);
                }
                if op.r % 3 == 0 {
                    let copy = (*saved.evaluation).clone();
                    kept = Some((saved, copy));
                }
            }
            hanna.discard_screening(&doc.id).unwrap();
            Ok(())
        })
        .unwrap();
}

fn answers_of(doc: &varna_core::screening::ScreeningDoc) -> instrument::Answers {
    doc.answers
        .iter()
        .map(|(k, v)| (k.parse().unwrap(), v.clone()))
        .collect()
}

/// What the last autosave knew is not trusted after the database changed: another session
/// answering, the account being deactivated, the draft being discarded elsewhere or here.
#[test]
fn an_autosave_after_a_change_elsewhere_sees_the_change() {
    let (w, mut admin) = world();
    let mut hanna = w.unlock("hanna");
    let mut again = w.unlock("hanna");
    let doc = start(&mut hanna, "freda-kortfragor-stil", &w.ifo);

    // Another session answers in between: the next evaluation counts its answer too.
    save(&mut hanna, &doc.id, "hot", yes(true));
    save(&mut again, &doc.id, "fysiskt_vald", yes(true));
    let saved = hanna.save_answer(&doc.id, "kontroll", yes(true)).unwrap();
    let fresh = hanna.screening(&doc.id).unwrap();
    assert_eq!(*saved.evaluation, fresh.evaluation);
    assert_eq!(fresh.answers.len(), 3);

    // Discarded in the other session: the next autosave here is refused and writes nothing.
    let doomed = start(&mut hanna, "freda-kortfragor-stil", &w.ifo);
    save(&mut hanna, &doomed.id, "hot", yes(true));
    again.discard_screening(&doomed.id).unwrap();
    let refused = code(hanna.save_answer(&doomed.id, "hot", yes(false)));
    assert!(
        matches!(refused, ErrorCode::NotFound | ErrorCode::Conflict),
        "an autosave into a discarded draft: {refused:?}"
    );

    // Completed in this session: the draft's state is not reused for the next autosave.
    save(&mut hanna, &doc.id, "kontroll", yes(false));
    answer_freda(&mut hanna, &doc.id, false);
    hanna.complete_screening(&doc.id).unwrap();
    assert_eq!(
        code(hanna.save_answer(&doc.id, "hot", yes(false))),
        ErrorCode::Conflict
    );

    // Deactivated by an administratör right after an autosave: the next one is refused.
    let other = start(&mut hanna, "freda-kortfragor-stil", &w.ifo);
    save(&mut hanna, &other.id, "hot", yes(true));
    let hanna_id = hanna.actor().id.clone();
    admin.deactivate_account(&hanna_id).unwrap();
    assert_eq!(
        code(hanna.save_answer(&other.id, "hot", yes(false))),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(hanna.save_note(&other.id, "hot", "KANARIE")),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(hanna.set_position(&other.id, "hot")),
        ErrorCode::Forbidden
    );
}
