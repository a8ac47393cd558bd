//! Accounts, roles and units (enheter), with the role checks that guard them.
//!
//! Only an administratör manages accounts and units. Every account has exactly one role and
//! belongs to one or more units; an arbetsledare reviews within their own units.

use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;

use super::keyfile::KdfParams;
use super::{check_new_passphrase, now_text, DbContext, Store};
pub use crate::access::{Account, PassphraseNotice, Role};
use crate::audit::{self, Event, Obj};
use crate::error::{Error, Result, RowsExt};

/// An account with what the administration list shows besides it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountOverview {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_ids: Vec<String>,
    pub active: bool,
    pub created_at: String,
    pub must_change_passphrase: Option<PassphraseNotice>,
    /// See [`Account::removed_at`].
    pub removed_at: Option<String>,
    /// The time of the account's last sign-in (its newest `unlock` row in the access log).
    pub last_sign_in: Option<String>,
}

/// A unit (enhet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Unit {
    pub id: String,
    /// Short code, unique regardless of case, e.g. `IFO-VUX`.
    pub code: String,
    pub name: String,
    pub active: bool,
    /// When the unit was closed (`None` while it is open).
    pub closed_at: Option<String>,
}

/// What an administrator fills in to add an account.
#[derive(Clone)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    /// Ids of existing units; at least one.
    pub unit_ids: Vec<String>,
    pub passphrase: &'a str,
}

/// `Debug` never shows the passphrase.
impl std::fmt::Debug for NewAccount<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccount")
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("unit_ids", &self.unit_ids)
            .field("passphrase", &"[redacted]")
            .finish()
    }
}

pub(crate) fn normalize_username(s: &str) -> Result<String> {
    let u = s.trim().to_lowercase();
    let ok = (2..=64).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(u)
    } else {
        Err(Error::InvalidInput(
            "a username has 2–64 characters: letters a–z, digits, '.', '_' or '-'".into(),
        ))
    }
}

fn check_text(s: &str, what: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(Error::InvalidInput(format!(
            "{what} must have 1–{max} characters and no control characters"
        )));
    }
    Ok(t.to_string())
}

pub(crate) fn check_display_name(s: &str) -> Result<String> {
    check_text(s, "a display name", 100)
}

pub(crate) fn check_unit_name(s: &str) -> Result<String> {
    check_text(s, "a unit name", 100)
}

pub(crate) fn check_unit_code(s: &str) -> Result<String> {
    let c = s.trim();
    let ok = (1..=16).contains(&c.len())
        && c.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_'));
    if ok {
        Ok(c.to_string())
    } else {
        Err(Error::InvalidInput(
            "a unit code has 1–16 characters: letters A–Z, digits, '-' or '_'".into(),
        ))
    }
}

const ACCOUNT_COLUMNS: &str =
    "id, username, display_name, role, active, created_at, must_change_passphrase, removed_at";

fn account_from_row(conn: &Connection, row: &Row<'_>) -> rusqlite::Result<Account> {
    let id: String = row.get(0)?;
    let role: String = row.get(3)?;
    let role = Role::parse(&role).map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, "role".into())
    })?;
    let mut stmt = conn.prepare_cached(
        "SELECT unit_id FROM account_units WHERE account_id = ?1 ORDER BY unit_id",
    )?;
    let unit_ids = stmt
        .query_map([&id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(Account {
        id,
        username: row.get(1)?,
        display_name: row.get(2)?,
        role,
        unit_ids,
        active: row.get(4)?,
        created_at: row.get(5)?,
        must_change_passphrase: row
            .get::<_, Option<String>>(6)?
            .as_deref()
            .and_then(PassphraseNotice::parse),
        removed_at: row.get(7)?,
    })
}

pub(crate) fn load_account(conn: &Connection, id: &str) -> Result<Option<Account>> {
    conn.query_row(
        &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1"),
        [id],
        |r| account_from_row(conn, r),
    )
    .optional()
    .db("reading an account")
}

pub(crate) fn load_account_by_username(
    conn: &Connection,
    username: &str,
) -> Result<Option<Account>> {
    conn.query_row(
        &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = ?1"),
        [username],
        |r| account_from_row(conn, r),
    )
    .optional()
    .db("reading an account")
}

fn unit_from_row(row: &Row<'_>) -> rusqlite::Result<Unit> {
    Ok(Unit {
        id: row.get(0)?,
        code: row.get(1)?,
        name: row.get(2)?,
        active: row.get(3)?,
        closed_at: row.get(4)?,
    })
}

impl Store {
    /// Adds an account with its own key slot. Administrators only. The passphrase is the
    /// account's own (for scripted roll-outs); in the app an administratör sets a one-time
    /// passphrase instead ([`Store::add_account_one_time`]).
    pub fn add_account(&mut self, new: NewAccount<'_>) -> Result<Account> {
        self.insert_account(new, None)
    }

    /// Adds an account whose passphrase, set by the administratör, must be changed at its
    /// first sign-in. Administrators only.
    pub fn add_account_one_time(&mut self, new: NewAccount<'_>) -> Result<Account> {
        self.insert_account(new, Some(PassphraseNotice::NewAccount))
    }

    fn insert_account(
        &mut self,
        new: NewAccount<'_>,
        must_change: Option<PassphraseNotice>,
    ) -> Result<Account> {
        self.require(&[Role::Administrator], "adding an account")?;
        let username = normalize_username(new.username)?;
        let display_name = check_display_name(new.display_name)?;
        check_new_passphrase(new.passphrase, &username)?;
        if new.unit_ids.is_empty() {
            return Err(Error::InvalidInput(
                "an account belongs to at least one unit".into(),
            ));
        }
        // A username is never reused, not even after its account was deactivated: the
        // access log names people by their account, and a name means one person.
        if load_account_by_username(&self.conn, &username)?.is_some() {
            return Err(Error::Conflict(
                "that username is already taken (also by a deactivated account); choose another"
                    .into(),
            ));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_text();
        let data_dir = self.data_dir.clone();
        let store_id = self.store_id.clone();
        let db_key = self.db_key.clone();
        let me = self.actor.id.clone();
        self.with_tx(|tx| {
            tx.execute(
                "INSERT INTO accounts (id, username, display_name, role, active, created_at,
                                       must_change_passphrase)
                 VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6)",
                (
                    &id,
                    &username,
                    &display_name,
                    new.role.as_str(),
                    &now,
                    must_change.map(PassphraseNotice::as_str),
                ),
            )
            .db("adding the account")?;
            audit::record(
                tx,
                Some(&me),
                Event::AccountAdd,
                Obj::account(&id).detail(new.role.as_str()),
            )?;
            for unit_id in &new.unit_ids {
                insert_membership(tx, &id, unit_id, false)?;
            }
            // The key slot is written before the commit: if writing it fails, the account
            // is rolled back; if the commit fails, the slot is orphaned and removed by the
            // re-key at the next unlock (it belongs to no active account).
            let _gate = super::throttle::Gate::acquire(&data_dir)?;
            let (mut kf, _) = super::keyfile::KeyFile::read(&data_dir)?;
            if kf.store_id != store_id {
                return Err(Error::Corrupt(
                    "the key file does not belong to the open database".into(),
                ));
            }
            kf.set_passphrase_slot(&id, &username, new.passphrase, KdfParams::CURRENT, &db_key)?;
            kf.write(&data_dir)
        })?;
        load_account(&self.conn, &id)?.ok_or_else(|| Error::Internal("account vanished".into()))
    }

    /// All accounts, active or not. Administrators only.
    pub fn list_accounts(&self) -> Result<Vec<Account>> {
        self.require(&[Role::Administrator], "listing accounts")?;
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY username"
            ))
            .db("listing accounts")?;
        let rows = stmt.rows([], "listing accounts", |r| account_from_row(&self.conn, r))?;
        Ok(rows)
    }

    /// Looks up an account by username. Administrators only.
    pub fn account_by_username(&self, username: &str) -> Result<Account> {
        self.require(&[Role::Administrator], "looking up an account")?;
        let username = normalize_username(username)?;
        load_account_by_username(&self.conn, &username)?
            .ok_or_else(|| Error::NotFound("account".into()))
    }

    /// Changes an account's role. The last active administrator cannot be demoted.
    pub fn set_role(&mut self, account_id: &str, role: Role) -> Result<Account> {
        self.require(&[Role::Administrator], "changing a role")?;
        let account = self.existing_account(account_id)?;
        if account.role == Role::Administrator && role != Role::Administrator {
            self.ensure_another_admin(account_id)?;
        }
        let me = self.actor.id.clone();
        self.with_tx(|tx| {
            audit::record(
                tx,
                Some(&me),
                Event::AccountRole,
                Obj::account(account_id).detail(role.as_str()),
            )?;
            tx.execute(
                "UPDATE accounts SET role = ?2 WHERE id = ?1",
                (account_id, role.as_str()),
            )
            .db("changing the role")
            .map(|_| ())
        })?;
        self.refresh_actor()?;
        self.existing_account(account_id)
    }

    /// Replaces the units an account belongs to (at least one).
    pub fn set_account_units(&mut self, account_id: &str, unit_ids: &[String]) -> Result<Account> {
        self.require(&[Role::Administrator], "changing an account's units")?;
        self.existing_account(account_id)?;
        if unit_ids.is_empty() {
            return Err(Error::InvalidInput(
                "an account belongs to at least one unit".into(),
            ));
        }
        let current = self.existing_account(account_id)?.unit_ids;
        let me = self.actor.id.clone();
        self.with_tx(|tx| {
            audit::record(
                tx,
                Some(&me),
                Event::AccountUnits,
                Obj::account(account_id).detail(unit_ids.join(",")),
            )?;
            tx.execute(
                "DELETE FROM account_units WHERE account_id = ?1",
                [account_id],
            )
            .db("changing units")?;
            for unit_id in unit_ids {
                // A closed unit takes no new members; one it already has may stay.
                insert_membership(tx, account_id, unit_id, current.contains(unit_id))?;
            }
            Ok(())
        })?;
        self.refresh_actor()?;
        self.existing_account(account_id)
    }

    /// Deactivates an account and revokes its access: its key slot is removed and the
    /// database is re-keyed (see `rekey`), so its passphrase, an old copy of the key file
    /// and the old raw database key no longer open the database. An administrator cannot
    /// deactivate themselves or the last administrator.
    pub fn deactivate_account(&mut self, account_id: &str) -> Result<super::Rekeyed> {
        self.require(&[Role::Administrator], "deactivating an account")?;
        let account = self.existing_account(account_id)?;
        if account.id == self.actor.id {
            return Err(Error::Conflict(
                "you cannot deactivate your own account".into(),
            ));
        }
        if account.role == Role::Administrator {
            self.ensure_another_admin(account_id)?;
        }
        let me = self.actor.id.clone();
        // First the account (a crash after this is finished by the next unlock, which
        // re-keys because the key file still has a slot of an inactive account)…
        self.with_tx(|tx| {
            audit::record(
                tx,
                Some(&me),
                Event::AccountDeactivate,
                Obj::account(account_id),
            )?;
            tx.execute("UPDATE accounts SET active = 0 WHERE id = ?1", [account_id])
                .db("deactivating the account")
                .map(|_| ())
        })?;
        // …then the key: the slot goes and every other slot gets the new key.
        let gate = super::throttle::Gate::acquire(&self.data_dir)?;
        self.rekey(&gate, "account_deactivate", None)
    }

    /// Removes a deactivated account from the administration list: when the person has left
    /// for good, so that the list shows the people who work here. Nothing is deleted: the
    /// access log names the account on every row it wrote, screenings name their author, and
    /// a username is never reused for another person, so the row stays (marked
    /// `removed_at`) and can no longer be reactivated. Only a deactivated account (its access
    /// already revoked by re-keying) can be removed, and not your own. Administrators only.
    pub fn remove_account(&mut self, account_id: &str) -> Result<Account> {
        self.require(&[Role::Administrator], "removing an account")?;
        let account = self.existing_account(account_id)?;
        if account.id == self.actor.id {
            return Err(Error::Conflict("you cannot remove your own account".into()));
        }
        if account.active {
            return Err(Error::Conflict(
                "deactivate the account before you remove it".into(),
            ));
        }
        if account.removed_at.is_some() {
            return Err(Error::Conflict("the account is already removed".into()));
        }
        let me = self.actor.id.clone();
        let now = now_text();
        self.with_tx(|tx| {
            tx.execute(
                "UPDATE accounts SET removed_at = ?2 WHERE id = ?1 AND active = 0",
                (account_id, &now),
            )
            .db("removing the account")?;
            audit::record(
                tx,
                Some(&me),
                Event::AccountRemove,
                Obj::account(account_id),
            )
        })?;
        self.existing_account(account_id)
    }

    /// Sets a new passphrase for another account (it forgot it). Administrators only.
    pub fn reset_passphrase(&mut self, account_id: &str, new_passphrase: &str) -> Result<()> {
        self.require(&[Role::Administrator], "resetting a passphrase")?;
        let account = self.existing_account(account_id)?;
        if !account.active {
            return Err(Error::Conflict("the account is deactivated".into()));
        }
        check_new_passphrase(new_passphrase, &account.username)?;
        let key = self.db_key.clone();
        self.update_key_file(|kf| {
            kf.set_passphrase_slot(
                &account.id,
                &account.username,
                new_passphrase,
                KdfParams::CURRENT,
                &key,
            )
        })?;
        // The person is told at the next sign-in that the passphrase was reset, and must
        // choose their own; the flag and the log row commit together.
        self.set_must_change(
            &account.id,
            Some(PassphraseNotice::Reset),
            Event::PassphraseReset,
        )
    }

    /// Changes the signed-in account's own passphrase. Only its slot is re-wrapped.
    pub fn change_passphrase(&mut self, old_passphrase: &str, new_passphrase: &str) -> Result<()> {
        let me = self.actor.clone();
        check_new_passphrase(new_passphrase, &me.username)?;
        let (kf, _) = super::keyfile::KeyFile::read(&self.data_dir)?;
        let slot = kf.slot(&me.id).ok_or(Error::WrongPassphrase)?;
        let old_key = kf.open_with_passphrase(slot, old_passphrase)?;
        if *old_key != *self.db_key {
            return Err(Error::WrongPassphrase);
        }
        let key = self.db_key.clone();
        self.update_key_file(|kf| {
            kf.set_passphrase_slot(
                &me.id,
                &me.username,
                new_passphrase,
                KdfParams::CURRENT,
                &key,
            )
        })?;
        self.set_must_change(&me.id, None, Event::PassphraseChange)?;
        self.refresh_actor()
    }

    /// Sets or clears an account's must-change flag and logs `event` in one transaction.
    pub(crate) fn set_must_change(
        &mut self,
        account_id: &str,
        notice: Option<PassphraseNotice>,
        event: Event,
    ) -> Result<()> {
        let me = self.actor.id.clone();
        self.with_tx(|tx| {
            audit::record(tx, Some(&me), event, Obj::account(account_id))?;
            tx.execute(
                "UPDATE accounts SET must_change_passphrase = ?2 WHERE id = ?1",
                (account_id, notice.map(PassphraseNotice::as_str)),
            )
            .db("saving the passphrase notice")
            .map(|_| ())
        })
    }

    /// Makes a deactivated account active again. Its key slot was removed when it was
    /// deactivated, so the administratör sets a new passphrase, which the person must
    /// change at the next sign-in. Administrators only.
    pub fn reactivate_account(
        &mut self,
        account_id: &str,
        new_passphrase: &str,
    ) -> Result<Account> {
        self.require(&[Role::Administrator], "reactivating an account")?;
        let account = self.existing_account(account_id)?;
        if account.active {
            return Err(Error::Conflict("the account is already active".into()));
        }
        if account.removed_at.is_some() {
            return Err(Error::Conflict(
                "a removed account cannot be reactivated; add a new account".into(),
            ));
        }
        check_new_passphrase(new_passphrase, &account.username)?;
        let data_dir = self.data_dir.clone();
        let store_id = self.store_id.clone();
        let db_key = self.db_key.clone();
        let me = self.actor.id.clone();
        self.with_tx(|tx| {
            tx.execute(
                "UPDATE accounts SET active = 1, must_change_passphrase = ?2 WHERE id = ?1",
                (account_id, PassphraseNotice::Reactivated.as_str()),
            )
            .db("reactivating the account")?;
            audit::record(
                tx,
                Some(&me),
                Event::AccountReactivate,
                Obj::account(account_id),
            )?;
            // As in `add_account`: the slot is written before the commit; if the commit
            // fails, the slot belongs to an inactive account and the next unlock's re-key
            // removes it.
            let _gate = super::throttle::Gate::acquire(&data_dir)?;
            let (mut kf, _) = super::keyfile::KeyFile::read(&data_dir)?;
            if kf.store_id != store_id {
                return Err(Error::Corrupt(
                    "the key file does not belong to the open database".into(),
                ));
            }
            kf.set_passphrase_slot(
                &account.id,
                &account.username,
                new_passphrase,
                KdfParams::CURRENT,
                &db_key,
            )?;
            kf.write(&data_dir)
        })?;
        self.existing_account(account_id)
    }

    /// Every account with its last sign-in (its newest `unlock` row in the access log, or
    /// `setup` for the first administratör). Administrators only.
    pub fn account_overview(&self) -> Result<Vec<AccountOverview>> {
        let accounts = self.list_accounts()?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT at FROM audit_log
                 WHERE actor_id = ?1 AND event IN ('unlock', 'setup')
                 ORDER BY seq DESC LIMIT 1",
            )
            .db("reading sign-ins")?;
        accounts
            .into_iter()
            .map(|a| {
                let last_sign_in: Option<String> = stmt
                    .query_row([&a.id], |r| r.get(0))
                    .optional()
                    .db("reading sign-ins")?;
                Ok(AccountOverview {
                    id: a.id,
                    username: a.username,
                    display_name: a.display_name,
                    role: a.role,
                    unit_ids: a.unit_ids,
                    active: a.active,
                    created_at: a.created_at,
                    must_change_passphrase: a.must_change_passphrase,
                    removed_at: a.removed_at,
                    last_sign_in,
                })
            })
            .collect()
    }

    /// Makes a new recovery key and re-keys the database, so neither the old recovery key
    /// nor the old database key opens it any more. Administrators only.
    pub fn rotate_recovery_key(&mut self) -> Result<super::RecoveryKey> {
        self.require(&[Role::Administrator], "making a new recovery key")?;
        let recovery = super::RecoveryKey::generate()?;
        self.audit_now(Event::RecoveryKeyRotate, Obj::none())?;
        let gate = super::throttle::Gate::acquire(&self.data_dir)?;
        self.rekey(&gate, "recovery_key_rotate", Some(&recovery))?;
        Ok(recovery)
    }

    /// Adds a unit. Administrators only.
    pub fn add_unit(&mut self, code: &str, name: &str) -> Result<Unit> {
        self.require(&[Role::Administrator], "adding a unit")?;
        let code = check_unit_code(code)?;
        let name = check_unit_name(name)?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_text();
        let me = self.actor.id.clone();
        self.with_tx(|tx| {
            let taken: bool = tx
                .query_row(
                    "SELECT count(*) > 0 FROM units WHERE code = ?1",
                    [&code],
                    |r| r.get(0),
                )
                .db("adding the unit")?;
            if taken {
                return Err(Error::Conflict(
                    "a unit with that code already exists".into(),
                ));
            }
            tx.execute(
                "INSERT INTO units (id, code, name, active, created_at) VALUES (?1, ?2, ?3, 1, ?4)",
                (&id, &code, &name, &now),
            )
            .db("adding the unit")?;
            audit::record(
                tx,
                Some(&me),
                Event::UnitAdd,
                Obj::unit(&id).detail(code.clone()),
            )?;
            Ok(())
        })?;
        self.unit(&id)
    }

    /// Renames a unit. Administrators only.
    pub fn rename_unit(&mut self, unit_id: &str, name: &str) -> Result<Unit> {
        self.require(&[Role::Administrator], "renaming a unit")?;
        let name = check_unit_name(name)?;
        let me = self.actor.id.clone();
        let changed = self.with_tx(|tx| {
            let n = tx
                .execute("UPDATE units SET name = ?2 WHERE id = ?1", (unit_id, &name))
                .db("renaming the unit")?;
            if n > 0 {
                audit::record(tx, Some(&me), Event::UnitRename, Obj::unit(unit_id))?;
            }
            Ok(n)
        })?;
        if changed == 0 {
            return Err(Error::NotFound("unit".into()));
        }
        self.unit(unit_id)
    }

    /// Closes a unit: it takes no new screenings and no new members (enforced where
    /// screenings start and accounts join); its screenings and counts stay. Administrators
    /// only.
    pub fn close_unit(&mut self, unit_id: &str) -> Result<Unit> {
        self.require(&[Role::Administrator], "closing a unit")?;
        let unit = self.unit(unit_id)?;
        if !unit.active {
            return Err(Error::Conflict("the unit is already closed".into()));
        }
        let now = now_text();
        let me = self.actor.id.clone();
        self.with_tx(|tx| {
            tx.execute(
                "UPDATE units SET active = 0, closed_at = ?2 WHERE id = ?1",
                (unit_id, &now),
            )
            .db("closing the unit")?;
            audit::record(
                tx,
                Some(&me),
                Event::UnitClose,
                Obj::unit(unit_id).detail(unit.code.clone()),
            )
        })?;
        self.unit(unit_id)
    }

    /// All units, for every signed-in account (screenings are filed under a unit).
    pub fn list_units(&self) -> Result<Vec<Unit>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, code, name, active, closed_at FROM units ORDER BY code")
            .db("listing units")?;
        let units = stmt.rows([], "listing units", unit_from_row)?;
        Ok(units)
    }

    /// One unit by id.
    pub fn unit(&self, unit_id: &str) -> Result<Unit> {
        self.conn
            .query_row(
                "SELECT id, code, name, active, closed_at FROM units WHERE id = ?1",
                [unit_id],
                unit_from_row,
            )
            .optional()
            .db("reading a unit")?
            .ok_or_else(|| Error::NotFound("unit".into()))
    }

    /// One unit by its code (any case).
    pub fn unit_by_code(&self, code: &str) -> Result<Unit> {
        self.conn
            .query_row(
                "SELECT id, code, name, active, closed_at FROM units WHERE code = ?1",
                [code.trim()],
                unit_from_row,
            )
            .optional()
            .db("reading a unit")?
            .ok_or_else(|| Error::NotFound(format!("no unit with code {}", code.trim())))
    }

    fn existing_account(&self, account_id: &str) -> Result<Account> {
        load_account(&self.conn, account_id)?.ok_or_else(|| Error::NotFound("account".into()))
    }

    fn ensure_another_admin(&self, account_id: &str) -> Result<()> {
        let others: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM accounts
                 WHERE role = 'administrator' AND active = 1 AND id <> ?1",
                [account_id],
                |r| r.get(0),
            )
            .db("counting administrators")?;
        if others == 0 {
            return Err(Error::Conflict(
                "there must always be at least one active administratör".into(),
            ));
        }
        Ok(())
    }

    fn refresh_actor(&mut self) -> Result<()> {
        if let Some(a) = load_account(&self.conn, &self.actor.id)? {
            self.actor = a;
        }
        Ok(())
    }
}

fn insert_membership(
    tx: &rusqlite::Transaction<'_>,
    account_id: &str,
    unit_id: &str,
    allow_closed: bool,
) -> Result<()> {
    let active: Option<bool> = tx
        .query_row("SELECT active FROM units WHERE id = ?1", [unit_id], |r| {
            r.get(0)
        })
        .optional()
        .db("checking a unit")?;
    match active {
        None => return Err(Error::NotFound("unit".into())),
        Some(false) if !allow_closed => {
            return Err(Error::Conflict(
                "the unit is closed and takes no new members".into(),
            ))
        }
        Some(_) => {}
    }
    tx.execute(
        "INSERT OR IGNORE INTO account_units (account_id, unit_id) VALUES (?1, ?2)",
        (account_id, unit_id),
    )
    .db("adding the account to a unit")?;
    Ok(())
}
