//! Reading the access log (loggkontroll) with filters.

use serde::{Deserialize, Serialize};

use super::Event;
use crate::access::Role;
use crate::db::Store;
use crate::error::DbContext;
use crate::error::{Error, Result};

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

impl Store {
    /// The access log, newest first, filtered. Administratör and arbetsledare.
    pub fn audit_list(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        self.require(
            &[Role::Administrator, Role::Arbetsledare],
            "reading the access log",
        )?;
        let mut sql = String::from(
            "SELECT l.seq, l.at, l.actor_id, a.username, a.display_name, l.event,
                    l.object_kind, l.object_id, l.detail
             FROM audit_log l LEFT JOIN accounts a ON a.id = l.actor_id WHERE 1 = 1",
        );
        let mut params: Vec<String> = Vec::new();
        if let Some(p) = non_empty(&filter.person) {
            params.push(p.to_lowercase());
            params.push(p.to_owned());
            sql.push_str(&format!(
                " AND (a.username = ?{} OR l.actor_id = ?{})",
                params.len() - 1,
                params.len()
            ));
        }
        if let Some(o) = non_empty(&filter.object_id) {
            params.push(o.to_owned());
            sql.push_str(&format!(" AND l.object_id = ?{}", params.len()));
        }
        if let Some(e) = non_empty(&filter.event) {
            params.push(Event::parse(e)?.as_str().to_owned());
            sql.push_str(&format!(" AND l.event = ?{}", params.len()));
        }
        if let Some(f) = non_empty(&filter.from) {
            params.push(day(f, "the first day")?);
            sql.push_str(&format!(" AND substr(l.at, 1, 10) >= ?{}", params.len()));
        }
        if let Some(t) = non_empty(&filter.to) {
            params.push(day(t, "the last day")?);
            sql.push_str(&format!(" AND substr(l.at, 1, 10) <= ?{}", params.len()));
        }
        let limit = filter.limit.unwrap_or(500).clamp(1, 10_000);
        sql.push_str(&format!(" ORDER BY l.seq DESC LIMIT {limit}"));
        let mut stmt = self.conn().prepare(&sql).db("reading the access log")?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params.iter()), |r| {
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
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .db("reading the access log")?;
        Ok(rows)
    }
}
