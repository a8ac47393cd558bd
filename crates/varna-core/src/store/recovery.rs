//! The recovery key (återställningsnyckel): 256 random bits shown once at first run.
//!
//! It is written as 16 groups of 6 digits, like a BitLocker recovery key: each group is a
//! 16-bit value multiplied by 11, so a mistyped digit is caught in the group where it
//! happened before any key derivation is attempted.

use std::fmt;

use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

const GROUPS: usize = 16;
const DIGITS_PER_GROUP: usize = 6;

/// A 256-bit recovery key. Its bytes are wiped when it is dropped; `Debug` never shows them.
#[derive(Clone)]
pub struct RecoveryKey {
    bytes: Zeroizing<[u8; 32]>,
}

impl RecoveryKey {
    /// A fresh key from the operating system's secure random source.
    pub(crate) fn generate() -> Result<Self> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(bytes.as_mut())
            .map_err(|_| Error::Internal("the system random source failed".into()))?;
        Ok(Self { bytes })
    }

    /// Parses the grouped form. Spaces, dashes and line breaks between digits are ignored.
    pub fn parse(text: &str) -> Result<Self> {
        let digits: Zeroizing<Vec<u8>> = Zeroizing::new(
            text.bytes()
                .filter(|b| !matches!(b, b' ' | b'-' | b'\t' | b'\r' | b'\n'))
                .collect(),
        );
        if digits.iter().any(|b| !b.is_ascii_digit()) {
            return Err(Error::InvalidInput(
                "a recovery key contains only digits".into(),
            ));
        }
        if digits.len() != GROUPS * DIGITS_PER_GROUP {
            return Err(Error::InvalidInput(format!(
                "a recovery key has {} digits in {GROUPS} groups of {DIGITS_PER_GROUP}",
                GROUPS * DIGITS_PER_GROUP
            )));
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        for (i, group) in digits.chunks(DIGITS_PER_GROUP).enumerate() {
            let value = group
                .iter()
                .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
            if value % 11 != 0 || value / 11 > u32::from(u16::MAX) {
                return Err(Error::InvalidInput(format!(
                    "group {} of the recovery key has a typo",
                    i + 1
                )));
            }
            let v = (value / 11) as u16;
            bytes[2 * i..2 * i + 2].copy_from_slice(&v.to_be_bytes());
        }
        Ok(Self { bytes })
    }

    /// The key as shown to the user: `123456-234567-…`, 16 groups of 6 digits.
    pub fn to_grouped_string(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(GROUPS * (DIGITS_PER_GROUP + 1)));
        for (i, pair) in self.bytes.chunks(2).enumerate() {
            if i > 0 {
                out.push('-');
            }
            let v = u32::from(u16::from_be_bytes([pair[0], pair[1]])) * 11;
            out.push_str(&format!("{v:06}"));
        }
        out
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }
}

impl fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_form_round_trips() {
        let key = RecoveryKey::generate().unwrap();
        let text = key.to_grouped_string();
        assert_eq!(text.len(), 16 * 6 + 15);
        let back = RecoveryKey::parse(&text).unwrap();
        assert_eq!(back.bytes(), key.bytes());
        let spaced = text.replace('-', " ");
        assert_eq!(RecoveryKey::parse(&spaced).unwrap().bytes(), key.bytes());
    }

    #[test]
    fn a_typo_is_caught_in_its_group() {
        let key = RecoveryKey::generate().unwrap();
        let mut text = key.to_grouped_string().to_string();
        // Change one digit of group 3 (offset 14 + 2).
        let pos = 2 * 7 + 2;
        let d = text.as_bytes()[pos];
        let new = if d == b'9' { '0' } else { (d + 1) as char };
        text.replace_range(pos..pos + 1, &new.to_string());
        let err = RecoveryKey::parse(&text).unwrap_err();
        assert!(err.to_string().contains("group 3"), "{err}");
    }

    #[test]
    fn wrong_length_and_letters_are_refused() {
        assert!(RecoveryKey::parse("123").is_err());
        assert!(RecoveryKey::parse(&"a".repeat(96)).is_err());
    }
}
