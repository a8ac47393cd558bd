//! The passphrase policy: long enough, and not guessable.
//!
//! Every slot's passphrase protects every client's data against someone with a copy of the
//! data folder or a backup, so a weak one is refused when it is chosen (first run, a new
//! account, a change, a reset, recovery). Strength is estimated with `zxcvbn` (Dropbox's
//! estimator: dictionaries, keyboard patterns, dates, repeats, l33t), given a short list of
//! common Swedish words and the username as extra dictionary words, because zxcvbn's own
//! dictionaries are English. A passphrase needs a score of at least [`MIN_SCORE`] (about
//! 10^10 guesses or more) and [`MIN_PASSPHRASE_CHARS`] characters. The messages are Swedish
//! (the working language; the CLI prints them as they are, the app shows them beside its
//! own translated text for the code) and never repeat the passphrase.

use crate::error::{Error, Result};

/// Shortest passphrase accepted, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 10;
/// Lowest zxcvbn score accepted (3: "safely unguessable", more than 10^8 guesses; 4: more
/// than 10^10). Three keeps the bar where a four-word Swedish passphrase passes.
const MIN_SCORE: u8 = 3;

/// Common Swedish words and words of this field that are likely parts of a guessable
/// passphrase; zxcvbn treats them as dictionary words.
const SWEDISH_COMMON: &[&str] = &[
    "lösenord",
    "losenord",
    "lösenfras",
    "hemligt",
    "hemlig",
    "sommar",
    "vinter",
    "hösten",
    "hosten",
    "våren",
    "varen",
    "sverige",
    "svenska",
    "stockholm",
    "göteborg",
    "goteborg",
    "malmö",
    "malmo",
    "uppsala",
    "kommun",
    "kommunen",
    "socialtjänst",
    "socialtjanst",
    "socialsekreterare",
    "handläggare",
    "handlaggare",
    "arbetsledare",
    "administratör",
    "administrator",
    "enheten",
    "enhet",
    "värna",
    "varna",
    "freda",
    "patriark",
    "välkommen",
    "valkommen",
    "hejsan",
    "hejhej",
    "kärlek",
    "karlek",
    "älskar",
    "alskar",
    "jultomten",
    "midsommar",
    "fotboll",
    "hockey",
    "kaffe",
    "fika",
    "hallå",
    "hallo",
    "måndag",
    "tisdag",
    "onsdag",
    "torsdag",
    "fredag",
    "lördag",
    "söndag",
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
    "qwerty",
    "asdfgh",
    "123456",
    "hemma",
    "jobbet",
    "arbete",
    "familj",
];

/// Checks a new passphrase against the policy. The message never repeats the passphrase.
pub(crate) fn check_new_passphrase(passphrase: &str, username: &str) -> Result<()> {
    let chars = passphrase.chars().count();
    if chars < MIN_PASSPHRASE_CHARS {
        return Err(Error::InvalidInput(format!(
            "Lösenfrasen är för kort: minst {MIN_PASSPHRASE_CHARS} tecken. \
             (The passphrase needs at least {MIN_PASSPHRASE_CHARS} characters.)"
        )));
    }
    if passphrase.len() > 1024 {
        return Err(Error::InvalidInput(
            "Lösenfrasen är för lång. (The passphrase is too long.)".into(),
        ));
    }
    if passphrase.trim().to_lowercase() == username {
        return Err(Error::InvalidInput(
            "Lösenfrasen får inte vara användarnamnet. (The passphrase must not be the \
             username.)"
                .into(),
        ));
    }
    if score(passphrase, username) < MIN_SCORE {
        return Err(Error::WeakPassphrase(
            "Lösenfrasen är för lätt att gissa. Välj fyra eller fler ovanliga ord och undvik \
             namn, datum, tangentbordsmönster och vanliga ord."
                .into(),
        ));
    }
    Ok(())
}

/// zxcvbn's score (0–4) with the Swedish words and the username as dictionary words.
fn score(passphrase: &str, username: &str) -> u8 {
    let mut inputs: Vec<&str> = SWEDISH_COMMON.to_vec();
    if !username.is_empty() {
        inputs.push(username);
    }
    zxcvbn::zxcvbn(passphrase, &inputs).score().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passphrases_are_refused_with_a_swedish_message() {
        for weak in [
            "lösenord123",
            "sommar2026!",
            "qwertyuiop",
            "anna.andersson",
            "1234567890",
            "varnavarna1",
            "stockholm2026",
        ] {
            let err = check_new_passphrase(weak, "anna.andersson").unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.contains("Lösenfrasen"),
                "{weak:?} should be refused in Swedish: {msg}"
            );
            assert!(
                matches!(
                    err.code(),
                    crate::ErrorCode::WeakPassphrase | crate::ErrorCode::InvalidInput
                ),
                "{weak:?}: {err:?}"
            );
            assert!(!msg.contains(weak), "the message repeats the passphrase");
        }
    }

    #[test]
    fn a_passphrase_of_several_unusual_words_is_accepted() {
        for strong in [
            "korrekt häst batteri häftapparat",
            "samtal i lugn och ro 2026",
            "granskning i handledning 7",
            "blå gurka dansar i regnet",
        ] {
            assert!(
                check_new_passphrase(strong, "anna").is_ok(),
                "{strong:?} should be accepted"
            );
        }
    }

    #[test]
    fn the_username_counts_as_a_dictionary_word() {
        assert!(check_new_passphrase("ingrid.svensson", "ingrid.svensson").is_err());
        assert!(check_new_passphrase("ingrid.svensson1", "ingrid.svensson").is_err());
    }
}
