//! The review operations on the store. Each write is one `with_tx` transaction that re-reads
//! the review's state inside it, so a decision is taken on the state it checked.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension};

use super::rules::{self, Actor};
use super::{
    Decision, QueueItem, QueueList, ReviewComment, ReviewDoc, ReviewEvent, ReviewEventKind,
    ReviewQueue, ReviewState, ReviewStatus,
};
use crate::access::Role;
use crate::db::now_text;
use crate::db::Store;
use crate::error::DbContext;
use crate::error::{Error, Result, RowsExt};
use crate::page::{Page, PageRequest};
use crate::screening::ScreeningDoc;

/// The review queue's candidates of one list (parameters: the arbetsledare, the status):
/// id and sort key of the completed screenings of the arbetsledare's units by someone else,
/// found on the covering index `screenings_for_review`, each with its review row by key.
const QUEUE_CANDIDATES: &str =
    "SELECT s.id AS id, COALESCE(r.submitted_at, s.completed_at) AS sort_at,
        s.completed_at AS done
     FROM account_units au
     JOIN screenings s INDEXED BY screenings_for_review
       ON s.unit_id = au.unit_id AND s.status = 'completed'
     LEFT JOIN reviews r ON r.screening_id = s.id
     WHERE au.account_id = ?1 AND s.author_id <> ?1
       AND COALESCE(r.status, 'awaiting_review') = ?2";

/// The number of rows in one list of the queue.
pub(crate) fn queue_count_sql() -> String {
    format!("SELECT count(*) FROM ({QUEUE_CANDIDATES})")
}

/// One page of one list of the queue (parameters: arbetsledare, status, the cursor's three
/// parts, the row limit). The page is chosen among the candidates alone (index entries and
/// review rows, sorted with the limit, in a subquery that SQLite does not flatten into the
/// join); only its rows are then read in full.
pub(crate) fn queue_page_sql() -> String {
    format!(
        "WITH q AS (
             SELECT id, sort_at, done FROM ({QUEUE_CANDIDATES})
             WHERE (sort_at, done, id) > (?3, ?4, ?5)
             ORDER BY sort_at, done, id LIMIT ?6
         )
         SELECT s.id, s.instrument_id, s.instrument_version, u.code, a.display_name,
                s.conducted_on, s.completed_at, q.sort_at,
                COALESCE(r.status, 'awaiting_review'), COALESCE(r.round, 1)
         FROM q
         JOIN screenings s ON s.id = q.id
         JOIN units u ON u.id = s.unit_id
         JOIN accounts a ON a.id = s.author_id
         LEFT JOIN reviews r ON r.screening_id = s.id
         ORDER BY q.sort_at, q.done, q.id"
    )
}

/// A review's row; a completed screening without one is awaiting its first review.
struct Row {
    status: ReviewStatus,
    round: u32,
    submitted_at: String,
    /// The highest `screening_addenda` rowid of the screening at the last return.
    addenda_mark: Option<i64>,
}

fn load_row(conn: &Connection, doc: &ScreeningDoc) -> Result<Row> {
    let found: Option<(String, u32, String, Option<i64>)> = conn
        .query_row(
            "SELECT status, round, submitted_at, addenda_mark FROM reviews
             WHERE screening_id = ?1",
            [&doc.id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .db("reading the review")?;
    match found {
        Some((status, round, submitted_at, addenda_mark)) => Ok(Row {
            status: ReviewStatus::parse(&status)
                .ok_or_else(|| Error::Corrupt("a stored review status is damaged".into()))?,
            round,
            submitted_at,
            addenda_mark,
        }),
        None => Ok(Row {
            status: ReviewStatus::AwaitingReview,
            round: 1,
            submitted_at: doc.completed_at.clone().unwrap_or_default(),
            addenda_mark: None,
        }),
    }
}

/// Creates the review row of a completed screening if it has none yet.
fn ensure_row(tx: &Connection, doc: &ScreeningDoc, now: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO reviews (screening_id, status, round, submitted_at, addenda_mark, updated_at)
         VALUES (?1, 'awaiting_review', 1, ?2, NULL, ?3)
         ON CONFLICT (screening_id) DO NOTHING",
        (&doc.id, doc.completed_at.as_deref().unwrap_or(now), now),
    )
    .db("starting the review")?;
    Ok(())
}

fn add_event(
    tx: &Connection,
    screening_id: &str,
    actor_id: &str,
    at: &str,
    kind: ReviewEventKind,
    reason: Option<&str>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO review_events (id, screening_id, actor_id, at, kind, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        (
            uuid::Uuid::new_v4().to_string(),
            screening_id,
            actor_id,
            at,
            kind.as_str(),
            reason,
        ),
    )
    .db("recording the review history")?;
    Ok(())
}

/// Whether the author added an addendum after the last return.
fn answered_since_return(conn: &Connection, doc: &ScreeningDoc, row: &Row) -> Result<bool> {
    if row.status != ReviewStatus::Returned {
        return Ok(false);
    }
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM screening_addenda
             WHERE screening_id = ?1 AND author_id = ?2 AND rowid > ?3)",
        (&doc.id, &doc.author_id, row.addenda_mark.unwrap_or(0)),
        |r| r.get(0),
    )
    .db("reading addenda")
}

fn load_comments(conn: &Connection, id: &str) -> Result<Vec<ReviewComment>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT c.id, a.display_name, c.created_at, c.answer_key, c.text
             FROM review_comments c JOIN accounts a ON a.id = c.author_id
             WHERE c.screening_id = ?1 ORDER BY c.created_at, c.rowid",
        )
        .db("reading comments")?;
    let rows = stmt.rows([id], "reading comments", |r| {
        Ok(ReviewComment {
            id: r.get(0)?,
            author_name: r.get(1)?,
            created_at: r.get(2)?,
            answer_key: r.get(3)?,
            text: r.get(4)?,
        })
    })?;
    Ok(rows)
}

fn load_history(conn: &Connection, doc: &ScreeningDoc) -> Result<Vec<ReviewEvent>> {
    let mut out = vec![ReviewEvent {
        kind: ReviewEventKind::Completed,
        actor_name: doc.author_name.clone(),
        at: doc.completed_at.clone().unwrap_or_default(),
        reason: None,
    }];
    let mut stmt = conn
        .prepare_cached(
            "SELECT e.kind, a.display_name, e.at, e.reason
             FROM review_events e JOIN accounts a ON a.id = e.actor_id
             WHERE e.screening_id = ?1 ORDER BY e.at, e.rowid",
        )
        .db("reading the review history")?;
    let rows = stmt.rows([&doc.id], "reading the review history", |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    for (kind, actor_name, at, reason) in rows {
        out.push(ReviewEvent {
            kind: ReviewEventKind::parse(&kind)
                .ok_or_else(|| Error::Corrupt("a stored review event is damaged".into()))?,
            actor_name,
            at,
            reason,
        });
    }
    Ok(out)
}

/// The review of the screening, as far as a document needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewInfo {
    pub status: ReviewStatus,
    /// Who made the last decision (approve or return) and when (RFC 3339).
    pub by: Option<String>,
    pub at: Option<String>,
    /// The reason of a return (or the note of an approval).
    pub reason: Option<String>,
}

impl Store {
    /// The review of a completed screening as a document states it: the status and the last
    /// decision (approval or return) with who, when and the reason. No access check and no
    /// log row: the caller (the document module) has done both for the screening.
    pub(crate) fn review_info(&self, doc: &ScreeningDoc) -> Result<ReviewInfo> {
        let conn = self.conn();
        let row = load_row(conn, doc)?;
        let last = load_history(conn, doc)?.into_iter().rev().find(|e| {
            matches!(
                e.kind,
                ReviewEventKind::Approved | ReviewEventKind::Returned
            )
        });
        let decided = matches!(row.status, ReviewStatus::Approved | ReviewStatus::Returned);
        let last = last.filter(|_| decided);
        Ok(ReviewInfo {
            status: row.status,
            by: last.as_ref().map(|e| e.actor_name.clone()),
            at: last.as_ref().map(|e| e.at.clone()),
            reason: last.and_then(|e| e.reason),
        })
    }

    fn review_actor(&self) -> Result<Actor> {
        Actor::load(self.conn(), &self.actor().id)
    }

    /// A completed screening the signed-in account may read (author or arbetsledare of its
    /// unit), with the actor.
    fn reviewed_screening(&self, id: &str) -> Result<(Actor, ScreeningDoc)> {
        let actor = self.review_actor()?;
        // Not logged here: each operation logs itself (a view or a decision).
        let doc = self.screening_doc(id)?;
        rules::check_completed(&doc)?;
        Ok((actor, doc))
    }

    fn state_of(&self, actor: &Actor, doc: &ScreeningDoc) -> Result<ReviewState> {
        let conn = self.conn();
        let row = load_row(conn, doc)?;
        let answered = answered_since_return(conn, doc, &row)?;
        let reviewer = rules::check_reviewer(actor, doc, "reviewing").is_ok();
        Ok(ReviewState {
            screening_id: doc.id.clone(),
            status: row.status,
            round: row.round,
            submitted_at: row.submitted_at.clone(),
            comments: load_comments(conn, &doc.id)?,
            history: load_history(conn, doc)?,
            can_comment: reviewer && row.status != ReviewStatus::Approved,
            can_decide: reviewer && row.status == ReviewStatus::AwaitingReview,
            can_resubmit: actor.id == doc.author_id && row.status == ReviewStatus::Returned,
            answered_since_return: answered,
        })
    }

    /// The review of a completed screening: readable by its author and by an arbetsledare of
    /// its unit (like the screening itself). Its comments are a person's data: every call
    /// writes one `review_view` row (detail `review_state`) to the access log.
    pub fn review_state(&self, screening_id: &str) -> Result<ReviewState> {
        let (actor, doc) = self.reviewed_screening(screening_id)?;
        let state = self.state_of(&actor, &doc)?;
        crate::screening::log_read(
            self,
            crate::audit::Event::ReviewView,
            crate::audit::Obj::screening(&doc.id).detail("review_state"),
        )?;
        Ok(state)
    }

    /// A completed screening with its review, for the read-only review view. Every call
    /// writes one `review_view` row (detail `screening_and_review`) to the access log.
    pub fn review_get(&self, screening_id: &str) -> Result<ReviewDoc> {
        let (actor, doc) = self.reviewed_screening(screening_id)?;
        let review = self.state_of(&actor, &doc)?;
        crate::screening::log_read(
            self,
            crate::audit::Event::ReviewView,
            crate::audit::Obj::screening(&doc.id).detail("screening_and_review"),
        )?;
        Ok(ReviewDoc {
            screening: doc,
            review,
        })
    }

    /// The first page (default size) of each list of the arbetsledare's queue: completed
    /// screenings of their units written by someone else, awaiting review (oldest
    /// submission first) and returned (oldest first). Not logged (a list, not a person's
    /// data).
    pub fn review_queue(&self) -> Result<ReviewQueue> {
        let first = PageRequest::default();
        let awaiting = self.review_queue_page(QueueList::Awaiting, &first)?;
        let returned = self.review_queue_page(QueueList::Returned, &first)?;
        Ok(ReviewQueue {
            awaiting_total: awaiting.total.unwrap_or_default(),
            returned_total: returned.total.unwrap_or_default(),
            awaiting_next: awaiting.next,
            returned_next: returned.next,
            awaiting: awaiting.items,
            returned: returned.items,
        })
    }

    /// One page of a list of the review queue, in the queue's order
    /// `(COALESCE(submitted_at, completed_at), completed_at, id)`, read by keyset: rows
    /// strictly after the cursor. The candidates are found on the index
    /// `screenings_for_review` (migration 13: unit, status, completion, author, id) and each
    /// one's review row by its key; only the page's rows are read in full.
    pub fn review_queue_page(
        &self,
        list: QueueList,
        page: &PageRequest,
    ) -> Result<Page<QueueItem>> {
        self.require(&[Role::Arbetsledare], "the review queue")?;
        let actor = self.review_actor()?;
        let status = match list {
            QueueList::Awaiting => ReviewStatus::AwaitingReview,
            QueueList::Returned => ReviewStatus::Returned,
        };
        // The first page starts after a key below every stored one.
        let after = match &page.after {
            Some(c) => crate::page::parts(c, 3)?,
            None => vec![String::new(), String::new(), String::new()],
        };
        let size = page.size();
        let titles: BTreeMap<(String, String), crate::instrument::Text> = self
            .instruments()?
            .into_iter()
            .map(|i| ((i.id, i.version), i.title))
            .collect();
        let conn = self.conn();
        let total: u32 = conn
            .prepare_cached(&queue_count_sql())
            .and_then(|mut s| s.query_row((&actor.id, status.as_str()), |r| r.get(0)))
            .db("reading the review queue")?;
        let sql = queue_page_sql();
        type Raw = (
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            u32,
        );
        let rows = conn
            .prepare_cached(&sql)
            .and_then(|mut stmt| {
                stmt.query_map(
                    (
                        &actor.id,
                        status.as_str(),
                        &after[0],
                        &after[1],
                        &after[2],
                        size + 1,
                    ),
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                            r.get(8)?,
                            r.get(9)?,
                        ))
                    },
                )?
                .collect::<rusqlite::Result<Vec<Raw>>>()
            })
            .db("reading the review queue")?;
        let page = Page::from_rows(rows, size, Some(total), |r: &Raw| {
            crate::page::cursor(&[&r.7, &r.6, &r.0])
        });
        let mut items = Vec::with_capacity(page.items.len());
        for (id, iid, version, unit_code, author_name, on, completed, submitted, status, round) in
            page.items
        {
            let status = ReviewStatus::parse(&status)
                .ok_or_else(|| Error::Corrupt("a stored review status is damaged".into()))?;
            items.push(QueueItem {
                instrument_title: titles
                    .get(&(iid.clone(), version.clone()))
                    .cloned()
                    .unwrap_or_else(|| crate::instrument::Text {
                        sv: iid.clone(),
                        en: None,
                    }),
                screening_id: id,
                instrument_id: iid,
                instrument_version: version,
                unit_code,
                author_name,
                conducted_on: chrono::NaiveDate::parse_from_str(&on, "%Y-%m-%d")
                    .map_err(|_| Error::Corrupt("a stored date is damaged".into()))?,
                completed_at: completed,
                submitted_at: submitted,
                status,
                round,
            });
        }
        Ok(Page {
            items,
            next: page.next,
            total: page.total,
        })
    }

    /// Comments on a completed screening, overall (`answer_key` `None`) or on one item or
    /// answer key of its own instrument version. An arbetsledare of its unit who is not its
    /// author; not once approved.
    pub fn review_comment(
        &mut self,
        screening_id: &str,
        answer_key: Option<&str>,
        text: &str,
    ) -> Result<ReviewComment> {
        let (actor, doc) = self.reviewed_screening(screening_id)?;
        rules::check_reviewer(&actor, &doc, "commenting")?;
        let key = match answer_key.map(str::trim).filter(|k| !k.is_empty()) {
            Some(k) => Some(rules::comment_key(&doc.definition, k)?),
            None => None,
        };
        rules::check_text(text, "a comment")?;
        let comment_id = uuid::Uuid::new_v4().to_string();
        let now = now_text();
        self.with_tx(|tx| {
            let row = load_row(tx, &doc)?;
            rules::check_can_comment(row.status)?;
            ensure_row(tx, &doc, &now)?;
            tx.execute(
                "INSERT INTO review_comments (id, screening_id, author_id, created_at, answer_key,
                     text)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                (&comment_id, &doc.id, &actor.id, &now, &key, text),
            )
            .db("saving the comment")?;
            crate::audit::record(
                tx,
                Some(&actor.id),
                crate::audit::Event::ReviewDecision,
                crate::audit::Obj::screening(&doc.id).detail("commented"),
            )?;
            add_event(
                tx,
                &doc.id,
                &actor.id,
                &now,
                ReviewEventKind::Commented,
                None,
            )
        })?;
        let author_name: String = self
            .conn()
            .query_row(
                "SELECT display_name FROM accounts WHERE id = ?1",
                [&actor.id],
                |r| r.get(0),
            )
            .db("reading the account")?;
        Ok(ReviewComment {
            id: comment_id,
            author_name,
            created_at: now,
            answer_key: key,
            text: text.to_owned(),
        })
    }

    /// Approves (godkänd, final; counted as `reviewed`) or returns (återlämnad; `reason`
    /// required) a screening awaiting review. An arbetsledare of its unit who is not its
    /// author.
    pub fn review_decide(
        &mut self,
        screening_id: &str,
        decision: Decision,
        reason: Option<&str>,
    ) -> Result<ReviewState> {
        let (actor, doc) = self.reviewed_screening(screening_id)?;
        rules::check_reviewer(&actor, &doc, "deciding on a review")?;
        let reason = reason.filter(|r| !r.trim().is_empty());
        match (decision, reason) {
            (Decision::Return, None) => {
                return Err(Error::InvalidInput(
                    "returning a screening needs a reason".into(),
                ))
            }
            (_, Some(r)) => rules::check_text(r, "a reason")?,
            (Decision::Approve, None) => {}
        }
        let now = now_text();
        self.with_tx(|tx| {
            let row = load_row(tx, &doc)?;
            rules::check_can_decide(row.status)?;
            ensure_row(tx, &doc, &now)?;
            crate::audit::record(
                tx,
                Some(&actor.id),
                crate::audit::Event::ReviewDecision,
                crate::audit::Obj::screening(&doc.id).detail(if decision == Decision::Approve {
                    "approved"
                } else {
                    "returned"
                }),
            )?;
            match decision {
                Decision::Approve => {
                    tx.execute(
                        "UPDATE reviews SET status = 'approved', updated_at = ?2
                         WHERE screening_id = ?1",
                        (&doc.id, &now),
                    )
                    .db("approving")?;
                    add_event(
                        tx,
                        &doc.id,
                        &actor.id,
                        &now,
                        ReviewEventKind::Approved,
                        reason,
                    )?;
                    Store::count_reviewed(tx, &doc.id)
                }
                Decision::Return => {
                    let mark: i64 = tx
                        .query_row(
                            "SELECT COALESCE(MAX(rowid), 0) FROM screening_addenda
                             WHERE screening_id = ?1",
                            [&doc.id],
                            |r| r.get(0),
                        )
                        .db("reading addenda")?;
                    tx.execute(
                        "UPDATE reviews SET status = 'returned', addenda_mark = ?2,
                             updated_at = ?3
                         WHERE screening_id = ?1",
                        (&doc.id, mark, &now),
                    )
                    .db("returning")?;
                    add_event(
                        tx,
                        &doc.id,
                        &actor.id,
                        &now,
                        ReviewEventKind::Returned,
                        reason,
                    )
                }
            }
        })?;
        self.state_of(&actor, &doc)
    }

    /// Sends a returned screening back for review: only its author, only after an addendum
    /// by the author made since the return.
    pub fn review_resubmit(&mut self, screening_id: &str) -> Result<ReviewState> {
        let (actor, doc) = self.reviewed_screening(screening_id)?;
        if actor.id != doc.author_id {
            return Err(Error::Forbidden(
                "only the author may send a screening back for review".into(),
            ));
        }
        let now = now_text();
        self.with_tx(|tx| {
            let row = load_row(tx, &doc)?;
            let answered = answered_since_return(tx, &doc, &row)?;
            rules::check_can_resubmit(&actor, &doc, row.status, answered)?;
            crate::audit::record(
                tx,
                Some(&actor.id),
                crate::audit::Event::ReviewDecision,
                crate::audit::Obj::screening(&doc.id).detail("resubmitted"),
            )?;
            tx.execute(
                "UPDATE reviews SET status = 'awaiting_review', round = round + 1,
                     submitted_at = ?2, updated_at = ?2
                 WHERE screening_id = ?1",
                (&doc.id, &now),
            )
            .db("sending back for review")?;
            add_event(
                tx,
                &doc.id,
                &actor.id,
                &now,
                ReviewEventKind::Resubmitted,
                None,
            )
        })?;
        self.state_of(&actor, &doc)
    }
}
