//! Passphrases and unlocking, shared by every command group.
//!
//! Passphrases never come from arguments (they would end up in shell history and the
//! process list). With a terminal they are prompted for without echo; otherwise they are
//! read from standard input, one per line, and the end of input before a line is an error.
//! Every command that opens a store as `--as` unlocks through [`unlock_as`] (or
//! [`Secrets::unlock`] when it reads more secrets), so the unlock delay is checked before
//! asking and the errors are the same everywhere.

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use varna_core::store::Store;
use varna_core::Error;
use zeroize::Zeroizing;

/// Unlocks `data_dir` as `username`, reading the passphrase (every command that opens a
/// store as `--as` comes here).
pub(crate) fn unlock_as(data_dir: &Path, username: &str) -> Result<Store, Error> {
    Secrets::new().unlock(data_dir, username)
}

/// Reads passphrases: prompted without echo on a terminal, else line by line from stdin.
pub(crate) struct Secrets {
    tty: bool,
}

impl Secrets {
    pub(crate) fn new() -> Self {
        Secrets {
            tty: std::io::stdin().is_terminal(),
        }
    }

    /// One secret: without echo on a terminal, else one line of standard input (its end
    /// before a line is an error, never an empty passphrase).
    pub(crate) fn secret(&mut self, prompt: &str) -> Result<Zeroizing<String>, Error> {
        if self.tty {
            let s = rpassword::prompt_password(format!("{prompt}: "))
                .map_err(|e| Error::io("reading a passphrase", e))?;
            return Ok(Zeroizing::new(s));
        }
        let mut line = Zeroizing::new(String::new());
        let n = std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Error::io("reading a passphrase from standard input", e))?;
        if n == 0 {
            return Err(Error::InvalidInput(format!(
                "expected a line on standard input: {prompt}"
            )));
        }
        let trimmed = Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_string());
        Ok(trimmed)
    }

    /// A new passphrase; on a terminal it is asked for twice.
    pub(crate) fn new_passphrase(&mut self, prompt: &str) -> Result<Zeroizing<String>, Error> {
        let first = self.secret(prompt)?;
        if self.tty {
            let again = self.secret("Repeat it")?;
            if *again != *first {
                return Err(Error::InvalidInput("the two passphrases differ".into()));
            }
        }
        Ok(first)
    }

    /// Unlocks `data_dir` as `username` with the passphrase read for "Passphrase for …".
    pub(crate) fn unlock(&mut self, data_dir: &Path, username: &str) -> Result<Store, Error> {
        let prompt = format!("Passphrase for {username}");
        Ok(self.unlock_keeping(data_dir, username, &prompt)?.0)
    }

    /// The one unlock sequence of the CLI: refuses while the unlock delay runs (before
    /// asking), reads the passphrase with `prompt` and unlocks; the passphrase is handed back
    /// for a command that needs it again (changing it).
    pub(crate) fn unlock_keeping(
        &mut self,
        data_dir: &Path,
        username: &str,
        prompt: &str,
    ) -> Result<(Store, Zeroizing<String>), Error> {
        let delay = Store::unlock_delay(data_dir, username);
        if delay.wait_seconds > 0 {
            return Err(Error::RateLimited {
                wait_seconds: delay.wait_seconds,
            });
        }
        let pass = self.secret(prompt)?;
        let mut store = Store::unlock(data_dir, username, &pass)?;
        if let Err(e) = crate::audit_cmd::finish_retention_at_unlock(&mut store) {
            store.lock();
            return Err(e);
        }
        Ok((store, pass))
    }
}
