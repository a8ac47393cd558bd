//! Setup and scripting commands for the encrypted store: `init`,
//! `user add|passwd|list|deactivate|reactivate|role|units`, `unit add|rename|close|list`,
//! `recovery-key rotate`, `backup`, `restore`.
//!
//! Passphrases never come from arguments (they would end up in shell history and the
//! process list). With a terminal they are prompted for without echo; otherwise they are
//! read from standard input, one per line, in the order each command documents.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use varna_core::store::{FirstRun, NewAccount, RecoveryKey, RestoreCredential, Role, Store};
use varna_core::Error;

use crate::unlock::Secrets;

#[derive(Debug, Subcommand)]
pub enum StoreCmd {
    /// Set up a new data folder: the first administratör and the first unit. Prints the
    /// recovery key once. Reads the new passphrase (stdin: one line).
    Init(InitArgs),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCmd),
    /// Manage units (enheter).
    #[command(subcommand)]
    Unit(UnitCmd),
    /// Write an encrypted backup (database and key slots in one file). Administrators only.
    /// Reads the passphrase of --as (stdin: one line).
    Backup(BackupArgs),
    /// Replace the data folder's contents with a backup, after checking it completely.
    /// Reads the passphrase --as had when the backup was made (stdin: one line).
    Restore(RestoreArgs),
}

#[derive(Debug, Args)]
pub struct DataDir {
    /// The data folder.
    #[arg(long, value_name = "DIR")]
    data_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    dir: DataDir,
    /// Username of the first administratör.
    #[arg(long, value_name = "USERNAME")]
    admin: String,
    /// The administratör's display name (default: the username).
    #[arg(long, value_name = "NAME")]
    admin_name: Option<String>,
    /// The first unit, as CODE:NAME (e.g. "IFO:Individ- och familjeomsorg").
    #[arg(long, value_name = "CODE:NAME")]
    unit: String,
}

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Add an account. Reads the passphrase of --as, then the new account's passphrase.
    Add(UserAddArgs),
    /// Set a new passphrase. Alone: reads the old passphrase, then the new one. With --as
    /// ADMIN: reads the administratör's passphrase, then the new one. With --recovery: reads
    /// the recovery key, then the new passphrase.
    Passwd(UserPasswdArgs),
    /// List accounts. Administrators only; reads the passphrase of --as.
    List(UserListArgs),
    /// Deactivate an account and revoke its access: its key slot is removed and the
    /// database is re-keyed, so its passphrase, old copies of the key file and the old
    /// database key no longer open anything. Backups made before stay readable with the
    /// credentials valid then. Administrators only; reads the passphrase of --as.
    Deactivate(UserDeactivateArgs),
    /// Reactivate a deactivated account with a new passphrase, which the person must change
    /// at the next sign-in in the app. Reads the passphrase of --as, then the new one.
    Reactivate(UserTargetArgs),
    /// Remove a deactivated account from the account list when the person has left for
    /// good. Its row stays for the access log and its username stays taken; it cannot be
    /// reactivated. Administrators only; reads the passphrase of --as.
    Remove(UserTargetArgs),
    /// Change an account's role. Reads the passphrase of --as.
    Role(UserRoleArgs),
    /// Replace the units an account belongs to. Reads the passphrase of --as.
    Units(UserUnitsArgs),
}

#[derive(Debug, Args)]
pub struct UserTargetArgs {
    #[command(flatten)]
    dir: DataDir,
    /// The administratör doing this.
    #[arg(long = "as", value_name = "ADMIN")]
    actor: String,
    /// The account.
    #[arg(long)]
    username: String,
}

#[derive(Debug, Args)]
pub struct UserRoleArgs {
    #[command(flatten)]
    target: UserTargetArgs,
    /// handlaggare, arbetsledare or administrator.
    #[arg(long)]
    role: String,
}

#[derive(Debug, Args)]
pub struct UserUnitsArgs {
    #[command(flatten)]
    target: UserTargetArgs,
    /// Unit code; repeat for several units.
    #[arg(long = "unit", value_name = "CODE", required = true)]
    units: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum UnitCmd {
    /// Add a unit. Reads the passphrase of --as.
    Add(UnitAddArgs),
    /// Rename a unit. Reads the passphrase of --as.
    Rename(UnitRenameArgs),
    /// Close a unit: it takes no new screenings or members; its counts stay. Reads the
    /// passphrase of --as.
    Close(UnitCodeArgs),
    /// List units with their members. Reads the passphrase of --as.
    List(UnitListArgs),
}

#[derive(Debug, Args)]
pub struct UnitCodeArgs {
    #[command(flatten)]
    dir: DataDir,
    /// The administratör doing this.
    #[arg(long = "as", value_name = "ADMIN")]
    actor: String,
    /// The unit's code.
    #[arg(long)]
    code: String,
}

#[derive(Debug, Args)]
pub struct UnitAddArgs {
    #[command(flatten)]
    unit: UnitCodeArgs,
    /// The unit's name.
    #[arg(long)]
    name: String,
}

#[derive(Debug, Args)]
pub struct UnitRenameArgs {
    #[command(flatten)]
    unit: UnitCodeArgs,
    /// The new name.
    #[arg(long)]
    name: String,
}

#[derive(Debug, Args)]
pub struct UnitListArgs {
    #[command(flatten)]
    dir: DataDir,
    #[arg(long = "as", value_name = "ADMIN")]
    actor: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct UserDeactivateArgs {
    #[command(flatten)]
    dir: DataDir,
    /// The administratör doing this.
    #[arg(long = "as", value_name = "ADMIN")]
    actor: String,
    /// The account to deactivate.
    #[arg(long)]
    username: String,
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    dir: DataDir,
    /// The administratör doing this.
    #[arg(long = "as", value_name = "ADMIN")]
    actor: String,
    #[arg(long)]
    username: String,
    /// Display name (default: the username).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// handlaggare, arbetsledare or administrator.
    #[arg(long)]
    role: String,
    /// Unit code; repeat for several units.
    #[arg(long = "unit", value_name = "CODE", required = true)]
    units: Vec<String>,
    /// The passphrase is a one-time passphrase: the person must change it at the first
    /// sign-in in the app.
    #[arg(long)]
    one_time: bool,
}

#[derive(Debug, Args)]
pub struct UserPasswdArgs {
    #[command(flatten)]
    dir: DataDir,
    /// The account whose passphrase changes.
    username: String,
    /// An administratör resetting someone else's passphrase.
    #[arg(long = "as", value_name = "ADMIN", conflicts_with = "recovery")]
    actor: Option<String>,
    /// Use the recovery key instead of a passphrase.
    #[arg(long)]
    recovery: bool,
}

#[derive(Debug, Args)]
pub struct UserListArgs {
    #[command(flatten)]
    dir: DataDir,
    #[arg(long = "as", value_name = "ADMIN")]
    actor: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    dir: DataDir,
    #[arg(long = "as", value_name = "ADMIN")]
    actor: String,
    /// Where to write the backup.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    dir: DataDir,
    #[arg(long = "as", value_name = "ADMIN")]
    actor: String,
    /// The backup file.
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    /// Use the recovery key valid when the backup was made instead of ADMIN's passphrase of
    /// then: reads the recovery key, then ADMIN's new passphrase.
    #[arg(long)]
    recovery: bool,
}

pub fn run(cmd: StoreCmd) -> Result<ExitCode, Error> {
    let mut secrets = Secrets::new();
    match cmd {
        StoreCmd::Init(a) => {
            let (code, name) = a.unit.split_once(':').ok_or_else(|| {
                Error::InvalidInput(
                    "--unit takes CODE:NAME, e.g. IFO:Individ- och familjeomsorg".into(),
                )
            })?;
            init_folder(
                &a.dir.data_dir,
                &FirstRun {
                    admin_username: &a.admin,
                    admin_display_name: a.admin_name.as_deref().unwrap_or(&a.admin),
                    passphrase: "",
                    unit_code: code,
                    unit_name: name,
                },
            )?
            .lock();
        }
        StoreCmd::User(UserCmd::Add(a)) => {
            let mut store = secrets.unlock(&a.dir.data_dir, &a.actor)?;
            let role = Role::parse(&a.role)?;
            let unit_ids = a
                .units
                .iter()
                .map(|c| store.unit_by_code(c).map(|u| u.id))
                .collect::<Result<Vec<_>, _>>()?;
            let pass = secrets.new_passphrase(&format!("New passphrase for {}", a.username))?;
            let new = NewAccount {
                username: &a.username,
                display_name: a.name.as_deref().unwrap_or(&a.username),
                role,
                unit_ids,
                passphrase: &pass,
            };
            let account = if a.one_time {
                store.add_account_one_time(new)
            } else {
                store.add_account(new)
            };
            store.lock();
            let account = account?;
            println!("Added {} ({}).", account.username, account.role.label());
        }
        StoreCmd::User(UserCmd::Passwd(a)) => {
            if a.recovery {
                let key = secrets.secret("Recovery key")?;
                let key = RecoveryKey::parse(&key)?;
                let pass = secrets.new_passphrase(&format!("New passphrase for {}", a.username))?;
                Store::unlock_with_recovery(&a.dir.data_dir, &key, &a.username, &pass)?.lock();
            } else if let Some(admin) = a.actor {
                let mut store = secrets.unlock(&a.dir.data_dir, &admin)?;
                let id = store.account_by_username(&a.username)?.id;
                let pass = secrets.new_passphrase(&format!("New passphrase for {}", a.username))?;
                store.reset_passphrase(&id, &pass)?;
                store.lock();
            } else {
                let (mut store, old) = secrets.unlock_keeping(
                    &a.dir.data_dir,
                    &a.username,
                    &format!("Current passphrase for {}", a.username),
                )?;
                let pass = secrets.new_passphrase("New passphrase")?;
                store.change_passphrase(&old, &pass)?;
                store.lock();
            }
            println!(
                "Passphrase changed for {}.",
                a.username.trim().to_lowercase()
            );
        }
        StoreCmd::User(UserCmd::List(a)) => {
            let store = secrets.unlock(&a.dir.data_dir, &a.actor)?;
            let accounts = store.list_accounts()?;
            let units = store.list_units()?;
            store.lock();
            if a.json {
                let json = serde_json::to_string_pretty(&accounts)
                    .map_err(|e| Error::Internal(e.to_string()))?;
                println!("{json}");
            } else {
                for acc in accounts {
                    let codes: Vec<&str> = acc
                        .unit_ids
                        .iter()
                        .filter_map(|id| units.iter().find(|u| &u.id == id))
                        .map(|u| u.code.as_str())
                        .collect();
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        acc.username,
                        acc.role.label(),
                        codes.join(","),
                        if acc.active {
                            "aktiv"
                        } else if acc.removed_at.is_some() {
                            "borttagen"
                        } else {
                            "inaktiv"
                        },
                        acc.display_name
                    );
                }
            }
        }
        StoreCmd::User(UserCmd::Deactivate(a)) => {
            let mut store = secrets.unlock(&a.dir.data_dir, &a.actor)?;
            let result = store
                .account_by_username(&a.username)
                .and_then(|acc| store.deactivate_account(&acc.id));
            store.lock();
            let rekeyed = result?;
            println!(
                "Deactivated {}. The database was re-keyed (key epoch {}); backups made \
                 before this still open with the credentials valid when they were made.",
                a.username.trim().to_lowercase(),
                rekeyed.key_epoch
            );
            if !rekeyed.need_new_passphrase.is_empty() {
                println!(
                    "These accounts had an old-format key slot and need a new passphrase \
                     (varna user passwd --as ADMIN): {}",
                    rekeyed.need_new_passphrase.join(", ")
                );
            }
        }
        StoreCmd::User(UserCmd::Reactivate(a)) => {
            let mut store = secrets.unlock(&a.dir.data_dir, &a.actor)?;
            let result = store.account_by_username(&a.username).and_then(|acc| {
                let pass =
                    secrets.new_passphrase(&format!("New passphrase for {}", acc.username))?;
                store.reactivate_account(&acc.id, &pass)
            });
            store.lock();
            let account = result?;
            println!(
                "Reactivated {}. The passphrase must be changed at the next sign-in.",
                account.username
            );
        }
        StoreCmd::User(UserCmd::Remove(a)) => {
            let mut store = secrets.unlock(&a.dir.data_dir, &a.actor)?;
            let result = store
                .account_by_username(&a.username)
                .and_then(|acc| store.remove_account(&acc.id));
            store.lock();
            let account = result?;
            println!(
                "Removed {} from the account list. The access log keeps its rows; the \
                 username stays taken.",
                account.username
            );
        }
        StoreCmd::User(UserCmd::Role(a)) => {
            let t = &a.target;
            let role = Role::parse(&a.role)?;
            let mut store = secrets.unlock(&t.dir.data_dir, &t.actor)?;
            let result = store
                .account_by_username(&t.username)
                .and_then(|acc| store.set_role(&acc.id, role));
            store.lock();
            let account = result?;
            println!("{} is now {}.", account.username, account.role.label());
        }
        StoreCmd::User(UserCmd::Units(a)) => {
            let t = &a.target;
            let mut store = secrets.unlock(&t.dir.data_dir, &t.actor)?;
            let result = (|| {
                let acc = store.account_by_username(&t.username)?;
                let unit_ids = a
                    .units
                    .iter()
                    .map(|c| store.unit_by_code(c).map(|u| u.id))
                    .collect::<Result<Vec<_>, _>>()?;
                store.set_account_units(&acc.id, &unit_ids)
            })();
            store.lock();
            let account = result?;
            println!(
                "{} now belongs to {} unit(s).",
                account.username,
                account.unit_ids.len()
            );
        }
        StoreCmd::Unit(UnitCmd::Add(a)) => {
            let u = &a.unit;
            let mut store = secrets.unlock(&u.dir.data_dir, &u.actor)?;
            let result = store.add_unit(&u.code, &a.name);
            store.lock();
            let unit = result?;
            println!("Added unit {} ({}).", unit.code, unit.name);
        }
        StoreCmd::Unit(UnitCmd::Rename(a)) => {
            let u = &a.unit;
            let mut store = secrets.unlock(&u.dir.data_dir, &u.actor)?;
            let result = store
                .unit_by_code(&u.code)
                .and_then(|unit| store.rename_unit(&unit.id, &a.name));
            store.lock();
            let unit = result?;
            println!("Renamed unit {} to {}.", unit.code, unit.name);
        }
        StoreCmd::Unit(UnitCmd::Close(a)) => {
            let mut store = secrets.unlock(&a.dir.data_dir, &a.actor)?;
            let result = store
                .unit_by_code(&a.code)
                .and_then(|unit| store.close_unit(&unit.id));
            store.lock();
            let unit = result?;
            println!(
                "Closed unit {}: it takes no new screenings; its counts stay.",
                unit.code
            );
        }
        StoreCmd::Unit(UnitCmd::List(a)) => {
            let store = secrets.unlock(&a.dir.data_dir, &a.actor)?;
            let result = store.list_units().and_then(|units| {
                let accounts = store.list_accounts()?;
                Ok((units, accounts))
            });
            store.lock();
            let (units, accounts) = result?;
            if a.json {
                let json = serde_json::to_string_pretty(&units)
                    .map_err(|e| Error::Internal(e.to_string()))?;
                println!("{json}");
            } else {
                for unit in units {
                    let members: Vec<&str> = accounts
                        .iter()
                        .filter(|acc| acc.active && acc.unit_ids.contains(&unit.id))
                        .map(|acc| acc.username.as_str())
                        .collect();
                    println!(
                        "{}\t{}\t{}\t{}",
                        unit.code,
                        if unit.active { "öppen" } else { "stängd" },
                        members.join(","),
                        unit.name
                    );
                }
            }
        }
        StoreCmd::Backup(a) => {
            let store = secrets.unlock(&a.dir.data_dir, &a.actor)?;
            let bar = crate::progress::bar(1, "backup");
            let info = store.backup_to_with_progress(&a.out, crate::progress::follow(&bar));
            bar.finish_and_clear();
            store.lock();
            let info = info?;
            println!(
                "Backup written to {} ({} bytes of encrypted database, schema {}).",
                a.out.display(),
                info.db_bytes,
                info.schema_version
            );
        }
        StoreCmd::Restore(a) => {
            // The secrets are read first, so that the bar never draws over a prompt.
            let (key, pass) = if a.recovery {
                let key = secrets.secret("Recovery key valid when the backup was made")?;
                let key = RecoveryKey::parse(&key)?;
                let pass = secrets.secret(&format!("New passphrase for {}", a.actor))?;
                (Some(key), pass)
            } else {
                let pass = secrets.secret(&format!(
                    "Passphrase of {} when the backup was made",
                    a.actor
                ))?;
                (None, pass)
            };
            let credential = match &key {
                Some(key) => RestoreCredential::Recovery {
                    key,
                    username: &a.actor,
                    new_passphrase: &pass,
                },
                None => RestoreCredential::Passphrase {
                    username: &a.actor,
                    passphrase: &pass,
                },
            };
            let bar = crate::progress::bar(1, "restore");
            let restored = Store::restore_with_origin_progress(
                &a.dir.data_dir,
                &a.from,
                credential,
                crate::progress::follow(&bar),
            );
            bar.finish_and_clear();
            restored?.0.lock();
            println!(
                "Restored {} into {}.",
                a.from.display(),
                a.dir.data_dir.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Sets up `data_dir` as `first` says, with a new passphrase read like every store command
/// (`first.passphrase` is ignored), prints the recovery key once and returns the unlocked store.
pub(crate) fn init_folder(
    data_dir: &std::path::Path,
    first: &FirstRun<'_>,
) -> Result<Store, Error> {
    let pass = Secrets::new().new_passphrase(&format!(
        "New passphrase for the administratör {}",
        first.admin_username
    ))?;
    let (store, recovery) = Store::create_first_run(
        data_dir,
        FirstRun {
            passphrase: &pass,
            ..*first
        },
    )?;
    println!("Set up {}.", data_dir.display());
    println!("Recovery key (återställningsnyckel). Write it down and keep it safe;");
    println!("it is shown only this once and can unlock the data and set a new passphrase:");
    println!();
    println!("{}", recovery.to_grouped_string().as_str());
    Ok(store)
}
