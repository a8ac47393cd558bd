//! Who is acting: the one access layer of the core.
//!
//! Every operation that reads or changes a person's data, or the installation's settings,
//! loads the signed-in account afresh as an [`Actor`] (inside its transaction where it has
//! one), so a deactivation, a changed role or changed units take effect at the next operation
//! and never later. The `require_*` checks are the only place a role or a unit is compared;
//! the rules that also depend on the object (a screening's author and state, a review's
//! round) live with the object (`screening::access`, `review::rules`) and use these.
//! The roles ([`Role`]) and the account as shown ([`Account`]) are defined here too (the
//! public paths stay `varna_core::store::{Role, Account, PassphraseNotice}`).

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{DbContext, Error, Result};

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

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Handläggare: conducts screenings.
    Handlaggare,
    /// Arbetsledare: reviews screenings in their own units.
    Arbetsledare,
    /// Administratör: accounts, units, instruments, retention, backups.
    Administrator,
}

impl Role {
    /// The stable identifier stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Handlaggare => "handlaggare",
            Role::Arbetsledare => "arbetsledare",
            Role::Administrator => "administrator",
        }
    }

    /// The Swedish name shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Role::Handlaggare => "handläggare",
            Role::Arbetsledare => "arbetsledare",
            Role::Administrator => "administratör",
        }
    }

    /// Parses the identifier or the Swedish name (with or without diacritics).
    pub fn parse(s: &str) -> Result<Role> {
        match s.trim().to_lowercase().as_str() {
            "handlaggare" | "handläggare" => Ok(Role::Handlaggare),
            "arbetsledare" => Ok(Role::Arbetsledare),
            "administrator" | "administratör" | "admin" => Ok(Role::Administrator),
            _ => Err(Error::InvalidInput(
                "role must be handläggare, arbetsledare or administratör".into(),
            )),
        }
    }
}

/// Why an account must choose a new passphrase at its next sign-in: its passphrase was
/// set by an administratör (a one-time passphrase), not chosen by the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum PassphraseNotice {
    /// A new account with a one-time passphrase.
    NewAccount,
    /// An administratör reset the passphrase (it was forgotten).
    Reset,
    /// The account was reactivated with a passphrase set by an administratör.
    Reactivated,
}

impl PassphraseNotice {
    /// The stable identifier stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            PassphraseNotice::NewAccount => "new_account",
            PassphraseNotice::Reset => "reset",
            PassphraseNotice::Reactivated => "reactivated",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<PassphraseNotice> {
        match s {
            "new_account" => Some(PassphraseNotice::NewAccount),
            "reset" => Some(PassphraseNotice::Reset),
            "reactivated" => Some(PassphraseNotice::Reactivated),
            _ => None,
        }
    }
}

/// An account, as shown to administrators and as the signed-in actor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Ids of the units the account belongs to.
    pub unit_ids: Vec<String>,
    pub active: bool,
    pub created_at: String,
    /// Set while the account's passphrase was chosen by an administratör: the person must
    /// choose their own at the next sign-in (the app forces it).
    pub must_change_passphrase: Option<PassphraseNotice>,
    /// When an administratör removed the (deactivated) account from the administration
    /// list. A removed account cannot be reactivated; its row stays for the access log.
    pub removed_at: Option<String>,
}
