//! Who is acting: the one access layer of the core.
//!
//! Every operation that reads or changes a person's data, or the installation's settings,
//! loads the signed-in account afresh as an [`Actor`] (inside its transaction where it has
//! one), so a deactivation, a changed role or changed units take effect at the next operation
//! and never later. The `require_*` checks are the only place a role or a unit is compared;
//! the rules that also depend on the object (a screening's author and state, a review's
//! round) live with the object (`screening::access`, `review::rules`) and use these.

use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::store::{DbContext, Role};

/// The signed-in account as it is in the database now: active (an inactive account never
/// loads), with its role and units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Actor {
    pub(crate) id: String,
    pub(crate) role: Role,
    pub(crate) unit_ids: Vec<String>,
}

impl Actor {
    /// The account `id` as it is now, read through `conn`; `forbidden` when it is no longer
    /// active (or no longer exists).
    pub(crate) fn load(conn: &Connection, id: &str) -> Result<Actor> {
        let found: Option<(String, bool)> = conn
            .prepare_cached("SELECT role, active FROM accounts WHERE id = ?1")
            .and_then(|mut s| s.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .db("reading the account")?;
        let Some((role, true)) = found else {
            return Err(Error::Forbidden("the account is no longer active".into()));
        };
        let role = Role::parse(&role)?;
        let unit_ids = conn
            .prepare_cached("SELECT unit_id FROM account_units WHERE account_id = ?1")
            .and_then(|mut stmt| {
                stmt.query_map([id], |r| r.get(0))
                    .and_then(|rows| rows.collect::<rusqlite::Result<Vec<String>>>())
            })
            .db("reading the account")?;
        Ok(Actor {
            id: id.to_owned(),
            role,
            unit_ids,
        })
    }

    /// Whether the account works in `unit_id`.
    pub(crate) fn in_unit(&self, unit_id: &str) -> bool {
        self.unit_ids.iter().any(|u| u == unit_id)
    }

    /// `what` needs one of the `allowed` roles.
    pub(crate) fn require_role(&self, allowed: &[Role], what: &str) -> Result<()> {
        if allowed.contains(&self.role) {
            return Ok(());
        }
        Err(Error::Forbidden(format!(
            "{what} needs the role {}",
            allowed
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join(" or ")
        )))
    }

    /// `what` is only possible in the account's own units.
    pub(crate) fn require_unit(&self, unit_id: &str, what: &str) -> Result<()> {
        if self.in_unit(unit_id) {
            return Ok(());
        }
        Err(Error::Forbidden(format!(
            "{what} is only possible for screenings of your own units"
        )))
    }
}
