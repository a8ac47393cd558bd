//! The lists read page by page (`varna_core::page`): the start page's drafts and completed
//! screenings, the review queue and the access log. For random data, page sizes and
//! filters, the pages are disjoint and, read one after another, give the whole list in its
//! order, also when screenings are started, completed and logged between two page reads
//! (a cursor never skips or repeats a row); another unit's screenings never appear.

mod screening_support;

use std::collections::HashSet;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use screening_support::*;
use varna_core::audit::AuditFilter;
use varna_core::page::{Page, PageRequest, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use varna_core::review::{Decision, QueueList};
use varna_core::screening::MyList;
use varna_core::store::Store;
use varna_core::ErrorCode;

const FREDA: &str = "freda-kortfragor-stil";

fn completed(store: &mut Store, unit: &str) -> String {
    let doc = start(store, FREDA, unit);
    answer_freda(store, &doc.id, false);
    store.complete_screening(&doc.id).unwrap();
    doc.id
}

fn ids<T>(page: &Page<T>, id: impl Fn(&T) -> String) -> Vec<String> {
    page.items.iter().map(id).collect()
}

/// Reads a whole list page by page with pages of `size`, calling `between` after every
/// page but the last; returns the rows in the order read.
fn read_all<T>(
    size: u32,
    mut read: impl FnMut(&PageRequest) -> Page<T>,
    id: impl Fn(&T) -> String,
    mut between: impl FnMut(usize),
) -> Vec<String> {
    let mut req = PageRequest::first(size);
    let mut out = Vec::new();
    for n in 0.. {
        let page = read(&req);
        assert!(page.items.len() <= size as usize);
        out.extend(ids(&page, &id));
        match page.next {
            Some(next) => {
                assert_eq!(
                    page.items.len(),
                    size as usize,
                    "a page before the last is full"
                );
                between(n);
                req = req.after(&next);
            }
            None => break,
        }
    }
    out
}

/// `read` holds every row of `reference` once, in its order, and no row twice; rows not in
/// the reference (added while reading) may appear.
fn assert_same_list(what: &str, reference: &[String], read: &[String]) {
    let mut seen = HashSet::new();
    for id in read {
        assert!(seen.insert(id), "{what}: {id} read twice");
    }
    let known: HashSet<&String> = reference.iter().collect();
    let kept: Vec<&String> = read.iter().filter(|id| known.contains(id)).collect();
    assert_eq!(
        kept,
        reference.iter().collect::<Vec<_>>(),
        "{what}: the pages skip or reorder rows"
    );
}

struct People {
    hanna: Store,
    hilda: Store,
    hugo: Store,
    arne: Store,
    admin: Store,
}

#[derive(Debug, Clone)]
struct Case {
    drafts: usize,
    mine_completed: usize,
    hilda_completed: usize,
    returned: usize,
    approved: usize,
    size: u32,
    insert_every: usize,
    event: Option<&'static str>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        0..4usize,
        0..4usize,
        0..4usize,
        0..3usize,
        0..2usize,
        1..6u32,
        1..4usize,
        prop_oneof![
            Just(None),
            Just(Some("screening_create")),
            Just(Some("screening_complete"))
        ],
    )
        .prop_map(
            |(drafts, mine_completed, hilda_completed, returned, approved, size, every, event)| {
                Case {
                    drafts,
                    mine_completed,
                    hilda_completed,
                    returned,
                    approved,
                    size,
                    insert_every: every,
                    event,
                }
            },
        )
}

fn run_case(w: &World, p: &mut People, c: &Case) {
    // New data for this case, on top of the earlier cases' (the property holds for any
    // store): the worker's drafts and completed screenings, a colleague's (the queue) and
    // another unit's (never shown).
    for _ in 0..c.drafts {
        start(&mut p.hanna, FREDA, &w.ifo);
    }
    for _ in 0..c.mine_completed {
        completed(&mut p.hanna, &w.ifo);
    }
    for _ in 0..c.hilda_completed {
        completed(&mut p.hilda, &w.ifo);
    }
    let other_unit = completed(&mut p.hugo, &w.vux);
    let awaiting = p
        .arne
        .review_queue_page(QueueList::Awaiting, &PageRequest::first(MAX_PAGE_SIZE))
        .unwrap();
    for (n, item) in awaiting
        .items
        .iter()
        .enumerate()
        .take(c.returned + c.approved)
    {
        let (decision, reason) = if n < c.returned {
            (Decision::Return, Some("Komplettera"))
        } else {
            (Decision::Approve, None)
        };
        p.arne
            .review_decide(&item.screening_id, decision, reason)
            .unwrap();
    }

    // The start page's lists, newest first; new screenings started and completed between
    // page reads.
    for list in [MyList::Drafts, MyList::Completed] {
        let reference = p
            .hanna
            .my_screenings_page(list, &PageRequest::first(MAX_PAGE_SIZE))
            .unwrap();
        assert!(reference.next.is_none());
        assert_eq!(reference.total, Some(reference.items.len() as u32));
        let reference = ids(&reference, |s| s.id.clone());
        let hanna = std::cell::RefCell::new(&mut p.hanna);
        let read = read_all(
            c.size,
            |req| hanna.borrow().my_screenings_page(list, req).unwrap(),
            |s| s.id.clone(),
            |n| {
                if n < 3 && n % c.insert_every == 0 {
                    let mut h = hanna.borrow_mut();
                    start(&mut h, FREDA, &w.ifo);
                    completed(&mut h, &w.ifo);
                }
            },
        );
        assert_same_list(&format!("{list:?}"), &reference, &read);
        assert!(!read.contains(&other_unit));
    }

    // The review queue, oldest first; colleagues complete screenings while it is read.
    for list in [QueueList::Awaiting, QueueList::Returned] {
        let reference = p
            .arne
            .review_queue_page(list, &PageRequest::first(MAX_PAGE_SIZE))
            .unwrap();
        assert!(reference.next.is_none());
        assert_eq!(reference.total, Some(reference.items.len() as u32));
        for item in &reference.items {
            assert_eq!(
                item.unit_code, "IFO",
                "another unit's screening in the queue"
            );
        }
        let reference = ids(&reference, |q| q.screening_id.clone());
        let hilda = std::cell::RefCell::new(&mut p.hilda);
        let read = read_all(
            c.size,
            |req| p.arne.review_queue_page(list, req).unwrap(),
            |q| q.screening_id.clone(),
            |n| {
                if n < 3 && n % c.insert_every == 0 {
                    completed(&mut hilda.borrow_mut(), &w.ifo);
                }
            },
        );
        assert_same_list(&format!("{list:?}"), &reference, &read);
        assert!(!read.contains(&other_unit));
    }

    // The access log, newest first, by person and event; rows logged between page reads.
    for person in [None, Some("hanna")] {
        let filter = AuditFilter {
            person: person.map(str::to_owned),
            event: c.event.map(str::to_owned),
            ..AuditFilter::default()
        };
        let reference = p
            .admin
            .audit_list(&AuditFilter {
                limit: Some(10_000),
                ..filter.clone()
            })
            .unwrap();
        let reference: Vec<String> = reference.iter().map(|e| e.seq.to_string()).collect();
        let hanna = std::cell::RefCell::new(&mut p.hanna);
        let entries = std::cell::RefCell::new(Vec::new());
        let read = read_all(
            c.size,
            |req| {
                let page = p.admin.audit_page(&filter, req).unwrap();
                assert_eq!(page.total, None);
                entries.borrow_mut().extend(page.items.iter().cloned());
                page
            },
            |e| e.seq.to_string(),
            |n| {
                if n < 3 && n % c.insert_every == 0 {
                    completed(&mut hanna.borrow_mut(), &w.ifo);
                }
            },
        );
        assert_same_list(&format!("access log {filter:?}"), &reference, &read);
        for e in entries.borrow().iter() {
            if let Some(ev) = c.event {
                assert_eq!(e.event, ev);
            }
            if person.is_some() {
                assert_eq!(e.actor_username.as_deref(), Some("hanna"));
            }
        }
    }
}

#[test]
fn pages_are_disjoint_and_together_the_whole_list_in_order() {
    let (w, admin) = world();
    let people = std::cell::RefCell::new(People {
        hanna: w.unlock("hanna"),
        hilda: w.unlock("hilda"),
        hugo: w.unlock("hugo"),
        arne: w.unlock("arne"),
        admin,
    });
    let mut runner = TestRunner::new(Config {
        cases: 6,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&case(), |c| {
            run_case(&w, &mut people.borrow_mut(), &c);
            Ok(())
        })
        .unwrap();
}

#[test]
fn first_pages_are_bounded_and_a_bad_cursor_is_refused() {
    let (w, admin) = world();
    let mut hanna = w.unlock("hanna");
    for _ in 0..3 {
        start(&mut hanna, FREDA, &w.ifo);
    }
    let mine = hanna.my_screenings().unwrap();
    assert_eq!(mine.drafts.len(), 3);
    assert_eq!(mine.drafts_total, 3);
    assert_eq!(mine.drafts_next, None);
    assert_eq!(mine.completed_total, 0);

    let page = hanna
        .my_screenings_page(MyList::Drafts, &PageRequest::first(2))
        .unwrap();
    assert_eq!(page.items.len(), 2);
    let next = page.next.clone().unwrap();
    let rest = hanna
        .my_screenings_page(MyList::Drafts, &PageRequest::first(2).after(&next))
        .unwrap();
    assert_eq!(
        (rest.items.len(), rest.next, rest.total),
        (1, None, Some(3))
    );

    for bad in ["", "x", "a|b", "a|b|c|d"] {
        let req = PageRequest::first(2).after(bad);
        assert_eq!(
            code(hanna.my_screenings_page(MyList::Drafts, &req)),
            ErrorCode::InvalidInput,
            "{bad:?}"
        );
    }
    assert_eq!(
        code(admin.audit_page(&AuditFilter::default(), &PageRequest::first(2).after("x"))),
        ErrorCode::InvalidInput
    );
    // The access log's first page is the newest rows, as many as asked for.
    let all = admin.audit_list(&AuditFilter::default()).unwrap();
    assert!(all.len() > 3);
    let page = admin
        .audit_page(&AuditFilter::default(), &PageRequest::first(3))
        .unwrap();
    assert_eq!(page.items, all[..3]);
    assert_eq!(page.next, Some(all[2].seq.to_string()));
    let page = admin
        .audit_page(&AuditFilter::default(), &PageRequest::default())
        .unwrap();
    assert_eq!(page.items.len(), all.len().min(DEFAULT_PAGE_SIZE as usize));
}

#[test]
fn lists_are_not_logged_and_keep_their_role_rules() {
    let (w, admin) = world();
    let mut hanna = w.unlock("hanna");
    let id = completed(&mut hanna, &w.ifo);
    let arne = w.unlock("arne");
    let before = admin.audit_list(&AuditFilter::default()).unwrap().len();
    hanna.my_screenings().unwrap();
    hanna
        .my_screenings_page(MyList::Completed, &PageRequest::default())
        .unwrap();
    let q = arne.review_queue().unwrap();
    assert_eq!(q.awaiting.len(), 1);
    assert_eq!(
        (q.awaiting[0].screening_id.clone(), q.awaiting_total),
        (id, 1)
    );
    arne.review_queue_page(QueueList::Returned, &PageRequest::default())
        .unwrap();
    assert_eq!(
        admin.audit_list(&AuditFilter::default()).unwrap().len(),
        before
    );

    assert_eq!(
        code(hanna.review_queue_page(QueueList::Awaiting, &PageRequest::default())),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(admin.review_queue_page(QueueList::Awaiting, &PageRequest::default())),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(hanna.audit_page(&AuditFilter::default(), &PageRequest::default())),
        ErrorCode::Forbidden
    );
    // Another unit's arbetsledare sees nothing of it.
    let alva = w.unlock("alva");
    let q = alva
        .review_queue_page(QueueList::Awaiting, &PageRequest::default())
        .unwrap();
    assert_eq!((q.items.len(), q.total), (0, Some(0)));
}
