//! Reading the access log (loggkontroll) with filters.

use serde::{Deserialize, Serialize};

use super::Event;
use crate::access::Role;
use crate::db::Store;
use crate::error::DbContext;
use crate::error::{Error, Result, RowsExt};
use crate::page::{Page, PageRequest};

/// One row of the access log as shown in loggkontroll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub seq: i64,
    /// RFC 3339 UTC, whole seconds.
    pub at: String,
    /// `None` for events without a signed-in person (failed unlocks, a broken log).
    pub actor_id: Option<String>,
    pub actor_username: Option<String>,
    pub actor_name: Option<String>,
    /// The event's code (see [`Event::as_str`]).
    pub event: String,
    /// `screening`, `account`, `unit`, `instrument`… or empty.
    pub object_kind: String,
    pub object_id: String,
    /// Metadata: a role, a unit code, a count. Never content.
    pub detail: String,
}

/// Filters for [`Store::audit_list`]; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditFilter {
    /// A username or an account id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// An object id, e.g. a screening id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// First day, `YYYY-MM-DD` (UTC), inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (UTC), inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// At most this many rows, newest first (default 500, at most 10 000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

fn day(s: &str, what: &str) -> Result<String> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .map_err(|_| Error::InvalidInput(format!("{what} must be a date YYYY-MM-DD")))
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The day after `day` (`YYYY-MM-DD`), so a last day is the bound `at < next day`.
fn next_day(day: &str) -> Result<String> {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.succ_opt())
        .map(|d| d.format("%Y-%m-%d").to_string())
        .ok_or_else(|| Error::InvalidInput("the last day is out of range".into()))
}

impl Store {
    /// The access log, newest first, filtered, at most `filter.limit` rows (default 500,
    /// at most 10 000). Administratör and arbetsledare. The screens read it page by page
    /// with [`Store::audit_page`].
    pub fn audit_list(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let limit = filter.limit.unwrap_or(500).clamp(1, 10_000);
        self.audit_rows(filter, i64::MAX, limit)
    }

    /// One page of the access log, newest first, filtered as [`Store::audit_list`]
    /// (`filter.limit` is not used: the page's size is). The cursor is the `seq` of the
    /// page's last row; the next page is the rows below it, read backwards on the log's
    /// primary key (or the index of the person or the object filtered on), so a page costs
    /// the same at the start of the log and after years of it. No total: counting the rows
    /// would read the whole log; `next` says that more exist.
    pub fn audit_page(&self, filter: &AuditFilter, page: &PageRequest) -> Result<Page<AuditEntry>> {
        let below = match &page.after {
            Some(c) => crate::page::parts(c, 1)?[0]
                .parse::<i64>()
                .map_err(|_| Error::InvalidInput("a page cursor is not valid".into()))?,
            None => i64::MAX,
        };
        let size = page.size();
        let rows = self.audit_rows(filter, below, size + 1)?;
        Ok(Page::from_rows(rows, size, None, |e| e.seq.to_string()))
    }

    fn audit_rows(&self, filter: &AuditFilter, below: i64, limit: u32) -> Result<Vec<AuditEntry>> {
        self.require(
            &[Role::Administrator, Role::Arbetsledare],
            "reading the access log",
        )?;
        let (sql, params) = audit_query(filter, below, limit)?;
        let mut stmt = self
            .conn()
            .prepare_cached(&sql)
            .db("reading the access log")?;
        let rows = stmt.rows(
            rusqlite::params_from_iter(params.iter()),
            "reading the access log",
            |r| {
                Ok(AuditEntry {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    actor_id: r.get(2)?,
                    actor_username: r.get(3)?,
                    actor_name: r.get(4)?,
                    event: r.get(5)?,
                    object_kind: r.get(6)?,
                    object_id: r.get(7)?,
                    detail: r.get(8)?,
                })
            },
        )?;
        Ok(rows)
    }
}

/// The query of [`Store::audit_list`] and [`Store::audit_page`]: rows below `below` (a
/// `seq`), filtered, newest first, at most `limit`; with its parameters.
pub(crate) fn audit_query(
    filter: &AuditFilter,
    below: i64,
    limit: u32,
) -> Result<(String, Vec<rusqlite::types::Value>)> {
    let mut sql = String::from(
        "SELECT l.seq, l.at, l.actor_id, a.username, a.display_name, l.event,
                    l.object_kind, l.object_id, l.detail
             FROM audit_log l LEFT JOIN accounts a ON a.id = l.actor_id WHERE l.seq < ?1",
    );
    let mut params: Vec<rusqlite::types::Value> = vec![below.into()];
    fn push(params: &mut Vec<rusqlite::types::Value>, v: String) -> usize {
        params.push(v.into());
        params.len()
    }
    if let Some(p) = non_empty(&filter.person) {
        let lower = push(&mut params, p.to_lowercase());
        let id = push(&mut params, p.to_owned());
        // One account: the username's, else the text as an account id. One equality, so the
        // log is read on its index by actor.
        sql.push_str(&format!(
            " AND l.actor_id = COALESCE((SELECT id FROM accounts WHERE username = ?{lower}), ?{id})"
        ));
    }
    if let Some(o) = non_empty(&filter.object_id) {
        let n = push(&mut params, o.to_owned());
        sql.push_str(&format!(" AND l.object_id = ?{n}"));
    }
    if let Some(e) = non_empty(&filter.event) {
        let n = push(&mut params, Event::parse(e)?.as_str().to_owned());
        sql.push_str(&format!(" AND l.event = ?{n}"));
    }
    // `at` is RFC 3339 UTC (`YYYY-MM-DDTHH:MM:SSZ`): from the first day's start and
    // before the start of the day after the last, as strings.
    if let Some(f) = non_empty(&filter.from) {
        let n = push(&mut params, day(f, "the first day")?);
        sql.push_str(&format!(" AND l.at >= ?{n}"));
    }
    if let Some(t) = non_empty(&filter.to) {
        let n = push(&mut params, next_day(&day(t, "the last day")?)?);
        sql.push_str(&format!(" AND l.at < ?{n}"));
    }
    params.push(i64::from(limit).into());
    sql.push_str(&format!(" ORDER BY l.seq DESC LIMIT ?{}", params.len()));
    Ok((sql, params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    /// The plan of `sql`: the detail lines of `EXPLAIN QUERY PLAN`.
    fn plan(conn: &Connection, sql: &str, params: &[rusqlite::types::Value]) -> Vec<String> {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| {
            r.get::<_, String>(3)
        })
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap()
    }

    /// No line of the plan reads a whole table of screenings or of the access log.
    fn assert_no_full_scan(what: &str, plan: &[String]) {
        for line in plan {
            let scans = [
                "SCAN screenings",
                "SCAN s",
                "SCAN l",
                "SCAN audit_log",
                "SCAN r",
            ]
            .iter()
            .any(|t| line == t || line.starts_with(&format!("{t} ")));
            assert!(!scans, "{what} scans a table: {plan:?}");
        }
    }

    /// The queries of the lists read page by page (`crate::page`) use an index for every
    /// large table, on a store at the latest version (a new one: the plans do not depend on statistics, none are gathered).
    #[test]
    fn the_page_queries_use_indexes() {
        use crate::audit::AuditFilter;
        use crate::screening::MyList;
        use rusqlite::types::Value;
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::create_first_run(
            dir.path(),
            crate::store::FirstRun {
                admin_username: "admin",
                admin_display_name: "Ada Admin",
                passphrase: "a long test passphrase",
                unit_code: "IFO",
                unit_name: "Individ- och familjeomsorg",
            },
        )
        .unwrap();
        let conn = store.conn();
        let t = |s: &str| Value::Text(s.to_owned());
        let n = |i: i64| Value::Integer(i);
        for list in [MyList::Drafts, MyList::Completed] {
            let (sql, status) = crate::screening::my_page_sql(list);
            let p = plan(conn, &sql, &[t("a"), t("~"), t("~"), t("~"), n(51)]);
            assert_no_full_scan(&format!("{list:?}"), &p);
            assert!(
                p.iter().any(|l| l.contains("USING INDEX screenings_")
                    || l.contains("USING COVERING INDEX screenings_")),
                "{p:?}"
            );
            if list == MyList::Completed {
                // Read in page order: no sort of the worker's completed screenings.
                assert!(p.iter().all(|l| !l.contains("TEMP B-TREE")), "{p:?}");
            }
            let p = plan(conn, crate::screening::MY_COUNT_SQL, &[t("a"), t(status)]);
            assert_no_full_scan("count", &p);
        }
        let queue = [t("a"), t("awaiting_review"), t(""), t(""), t(""), n(51)];
        let p = plan(conn, &crate::review::queue_page_sql(), &queue);
        assert_no_full_scan("review queue", &p);
        assert!(
            p.iter().any(|l| l.contains("screenings_for_review")),
            "{p:?}"
        );
        let p = plan(conn, &crate::review::queue_count_sql(), &queue[..2]);
        assert_no_full_scan("review queue count", &p);
        let filters = [
            AuditFilter::default(),
            AuditFilter {
                person: Some("hanna".into()),
                ..AuditFilter::default()
            },
            AuditFilter {
                object_id: Some("s1".into()),
                ..AuditFilter::default()
            },
            AuditFilter {
                event: Some("screening_open".into()),
                ..AuditFilter::default()
            },
            AuditFilter {
                from: Some("2025-01-01".into()),
                to: Some("2025-01-31".into()),
                ..AuditFilter::default()
            },
            AuditFilter {
                person: Some("hanna".into()),
                event: Some("screening_open".into()),
                ..AuditFilter::default()
            },
        ];
        for f in filters {
            let (sql, params) = audit_query(&f, 1_000, 51).unwrap();
            let p = plan(conn, &sql, &params);
            if f.person.is_some() && f.event.is_some() {
                // Both keys on one index: the page is a range, no row tested one by one.
                assert!(
                    p.iter().any(|l| l.contains("audit_log_by_actor_event")
                        && l.contains("actor_id=? AND event=?")),
                    "access log {f:?}: {p:?}"
                );
            }
            assert_no_full_scan(&format!("access log {f:?}"), &p);
            assert!(
                p.iter().any(|l| l.starts_with("SEARCH l ")),
                "access log {f:?}: {p:?}"
            );
        }
    }
}
