//! Who may do what with a screening. Roles and unit memberships are read afresh for every
//! operation, so a change by an administratör applies at once.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::Status;
use crate::access::Role;
use crate::audit::{self, Event, Obj};
use crate::db::Store;
use crate::error::DbContext;
use crate::error::{Error, Result};
use crate::export::PersonRole;

pub(super) use crate::access::Actor;

/// A screening's row, without answers.
pub(super) struct Row {
    pub(super) id: String,
    pub(super) instrument_id: String,
    pub(super) instrument_version: String,
    pub(super) unit_id: String,
    pub(super) author_id: String,
    pub(super) person_role: PersonRole,
    pub(super) conducted_on: chrono::NaiveDate,
    pub(super) case_ref: Option<String>,
    pub(super) status: Status,
    pub(super) position: Option<String>,
    pub(super) created_at: String,
    pub(super) completed_at: Option<String>,
    /// The earlier screening this one is a follow-up (re-assessment) of.
    pub(super) follows_id: Option<String>,
}

pub(super) const ROW_COLUMNS: &str = "id, instrument_id, instrument_version, unit_id, author_id, \
     person_role, conducted_on, case_ref, status, position, created_at, completed_at, follows_id";

pub(super) fn row_from_sql(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let bad = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            what.to_owned().into(),
        )
    };
    let role: String = r.get(5)?;
    let conducted_on: String = r.get(6)?;
    let status: String = r.get(8)?;
    Ok(Row {
        id: r.get(0)?,
        instrument_id: r.get(1)?,
        instrument_version: r.get(2)?,
        unit_id: r.get(3)?,
        author_id: r.get(4)?,
        person_role: PersonRole::from_code(&role).ok_or_else(|| bad(5, "person role"))?,
        conducted_on: chrono::NaiveDate::parse_from_str(&conducted_on, "%Y-%m-%d")
            .map_err(|_| bad(6, "date"))?,
        case_ref: r.get(7)?,
        status: Status::parse(&status).ok_or_else(|| bad(8, "status"))?,
        position: r.get(9)?,
        created_at: r.get(10)?,
        completed_at: r.get(11)?,
        follows_id: r.get(12)?,
    })
}

pub(super) fn load_row(conn: &Connection, id: &str) -> Result<Row> {
    conn.prepare_cached(&format!(
        "SELECT {ROW_COLUMNS} FROM screenings WHERE id = ?1"
    ))
    .and_then(|mut s| s.query_row([id], row_from_sql).optional())
    .db("reading a screening")?
    .ok_or_else(|| Error::NotFound("screening".into()))
}

/// What an autosave needs of a screening's row (read by [`load_for_edit`]).
pub(super) struct EditRow {
    pub(super) id: String,
    pub(super) instrument_id: String,
    pub(super) instrument_version: String,
    pub(super) author_id: String,
    pub(super) status: Status,
    pub(super) updated_at: String,
    /// The day of the samtal, `YYYY-MM-DD` (a calendar counts back from it).
    pub(super) conducted_on: String,
}

/// What an autosave needs before it writes, in one statement: the screening's row, the
/// role of account `actor_id` if it exists and is active, and the SHA-256 of the
/// screening's pinned instrument version.
pub(super) fn load_for_edit(
    conn: &Connection,
    id: &str,
    actor_id: &str,
) -> Result<(EditRow, Role, Option<String>)> {
    let found = conn
        .prepare_cached(
            "SELECT s.instrument_id, s.instrument_version, s.author_id, s.status, s.updated_at,
                 (SELECT role FROM accounts WHERE id = ?2 AND active = 1),
                 (SELECT sha256 FROM instrument_versions
                  WHERE instrument_id = s.instrument_id AND version = s.instrument_version),
                 s.conducted_on
             FROM screenings s WHERE s.id = ?1",
        )
        .and_then(|mut s| {
            s.query_row((id, actor_id), |r| {
                let status: String = r.get(3)?;
                let status = Status::parse(&status).ok_or_else(|| {
                    rusqlite::Error::FromSqlConversionFailure(
                        3,
                        rusqlite::types::Type::Text,
                        "status".into(),
                    )
                })?;
                Ok((
                    EditRow {
                        id: id.to_owned(),
                        instrument_id: r.get(0)?,
                        instrument_version: r.get(1)?,
                        author_id: r.get(2)?,
                        status,
                        updated_at: r.get(4)?,
                        conducted_on: r.get(7)?,
                    },
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })
            .optional()
        })
        .db("reading a screening")?;
    let Some((row, role, sha256)) = found else {
        // Whether the account is still active decides the error before the screening does.
        actor_in(conn, actor_id)?;
        return Err(Error::NotFound("screening".into()));
    };
    let Some(role) = role else {
        return Err(Error::Forbidden("the account is no longer active".into()));
    };
    Ok((row, Role::parse(&role)?, sha256))
}

/// The signed-in account as it is now (role and units read afresh).
pub(super) fn actor(store: &Store) -> Result<Actor> {
    actor_in(store.conn(), &store.actor().id)
}

/// The account `id` as it is now, read through `conn` (e.g. inside a transaction).
pub(super) fn actor_in(conn: &Connection, id: &str) -> Result<Actor> {
    Actor::load(conn, id)
}

/// Reading: the author, or an arbetsledare of the screening's unit.
pub(super) fn check_read(actor: &Actor, row: &Row) -> Result<()> {
    if actor.id == row.author_id
        || (actor.role == Role::Arbetsledare && actor.in_unit(&row.unit_id))
    {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the author or an arbetsledare of its unit may open this screening".into(),
        ))
    }
}

/// A journal-ready output (document, printout, journal text): the author, an arbetsledare
/// of the screening's unit or an administratör, and only of a completed screening.
pub(super) fn check_output(actor: &Actor, row: &Row) -> Result<()> {
    if !(actor.id == row.author_id
        || (actor.role == Role::Arbetsledare && actor.in_unit(&row.unit_id))
        || actor.role == Role::Administrator)
    {
        return Err(Error::Forbidden(
            "only the author, an arbetsledare of its unit or an administratör may print \
             or copy this screening"
                .into(),
        ));
    }
    if row.status != Status::Completed {
        return Err(Error::Conflict(
            "only a completed screening can be printed or copied to the journal".into(),
        ));
    }
    Ok(())
}

/// Changing a draft: only its author, only while it is a draft.
pub(super) fn check_edit(actor: &Actor, row: &Row) -> Result<()> {
    check_edit_as(&actor.id, actor.role, &row.author_id, row.status)
}

/// [`check_edit`] for an account known by id and role (units do not matter for editing).
pub(super) fn check_edit_as(
    actor_id: &str,
    role: Role,
    author_id: &str,
    status: Status,
) -> Result<()> {
    if actor_id != author_id {
        return Err(Error::Forbidden(
            "only the author may change a screening".into(),
        ));
    }
    if !matches!(role, Role::Handlaggare | Role::Arbetsledare) {
        return Err(Error::Forbidden(
            "conducting a screening needs the role handläggare or arbetsledare".into(),
        ));
    }
    if status != Status::Draft {
        return Err(Error::Conflict(
            "a completed screening cannot be changed; add an addendum".into(),
        ));
    }
    Ok(())
}

/// Adding an addendum: the author or an arbetsledare of the unit, only once completed.
pub(super) fn check_addendum(actor: &Actor, row: &Row) -> Result<()> {
    let reviewer = actor.role == Role::Arbetsledare && actor.in_unit(&row.unit_id);
    if actor.id != row.author_id && !reviewer {
        return Err(Error::Forbidden(
            "only the author or an arbetsledare of its unit may add an addendum".into(),
        ));
    }
    if row.status != Status::Completed {
        return Err(Error::Conflict(
            "an addendum is added to a completed screening; change the draft itself".into(),
        ));
    }
    Ok(())
}

/// Logs a read of a person's data (a screening's answers, notes, addenda, case reference, or
/// its review) by the signed-in account: one access-log row naming the actor, the event and
/// the object, in its own transaction, from a method that only reads (`&self`).
///
/// The transaction is taken with `Transaction::new_unchecked`, which rusqlite allows on a
/// shared `&Connection`. That is safe here: a `Store` is not `Sync` (the shell keeps it in a
/// `Mutex`), and every write transaction of the store (`Store::with_tx`) borrows the store
/// mutably for its whole duration, so no other transaction can be open on this connection
/// while a `&self` method runs. It is `IMMEDIATE` (takes the write lock before reading the
/// last row of the chain), so another process writing the same database at the same moment
/// waits for the busy timeout instead of forking the chain. The write changes the
/// connection's `total_changes`, which makes a cached autosave draft (`DraftCache`) stale,
/// as any other write does.
pub(crate) fn log_read(store: &Store, event: Event, object: Obj) -> Result<()> {
    let tx = rusqlite::Transaction::new_unchecked(store.conn(), TransactionBehavior::Immediate)
        .db("writing the access log")?;
    audit::record(&tx, Some(&store.actor().id), event, object)?;
    audit::seal(&tx, store.db_key_bytes(), store.store_id())?;
    tx.commit().db("writing the access log")
}
