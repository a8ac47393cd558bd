//! The access log (loggkontroll): who did what, when, to which object — never any answer,
//! note or other content.
//!
//! Rows live in the encrypted database in `audit_log` (migration 4), append-only (triggers
//! refuse `UPDATE` and `DELETE`), and are chained:
//!
//! ```text
//! hash_n = SHA-256(hash_{n-1} ‖ canonical(row_n))      hash_0 = 32 zero bytes
//! canonical(row) = "varna-audit-v1" then, for seq, at, actor, event, object kind,
//!                  object id, detail: ";" <byte length> ":" <bytes>
//! ```
//!
//! The chain head (last seq and hash) is kept in `audit_head` with an HMAC-SHA256 under a
//! key derived from the database key (HKDF-SHA256, salt = store id, info
//! `varna-audit-head-v1`). [`record`] appends inside the caller's transaction; the head is
//! sealed by `Store::with_tx` (and [`Store::audit_now`]) just before the commit, so a row
//! and the head always commit together. Removing rows at the end (truncation) leaves a head
//! that names a later row; forging the head needs the database key.
//!
//! [`Store::verify_audit`] recomputes everything and names the first broken row (the full
//! check: `varna audit verify`, loggkontroll's "Kontrollera loggen nu"). Unlock checks
//! incrementally, so that it does not grow with the years of history: from the *checkpoint*
//! of the verified prefix, kept in `meta` (`audit_checkpoint`) inside the encrypted database:
//!
//! ```text
//! checkpoint = seq ‖ hash_seq ‖ first recorded break (0: none) ‖
//!              HMAC-SHA256(K_cp, "varna-audit-checkpoint-v1|" store id "|" seq "|" hash "|" break)
//! K_cp = HKDF-SHA256(db key, salt = store id, info "varna-audit-checkpoint-v1")
//! ```
//!
//! Unlock verifies the checkpoint's MAC, that row `seq` still carries `hash_seq`, the chain
//! from there to the end and the signed head, then moves the checkpoint to the verified end in
//! the transaction that logs the unlock (never over a broken chain). A checkpoint that is
//! missing (a store from before checkpoints) means a full check; one that is damaged or does
//! not verify is refused: the full check runs and the refusal is reported and logged like a
//! break. A log that ends before the checkpoint (truncated, also with an older head put back)
//! is a break. Setup and restore always check the whole log. What the incremental check
//! cannot see: a row *inside* the verified prefix changed by someone with the database key
//! (the full check finds it), and the database rolled back together with its checkpoint (the
//! anchors outside the database find that: `store::anchor`). The result is kept for the shell
//! ([`Store::audit_at_unlock`]) and a broken chain is itself logged (`audit_broken`), so the
//! finding stays in the log even after later rows re-seal the head; the checkpoint carries the
//! first such recorded finding, so unlock reports it without scanning the log.
//!
//! Failed unlocks happen while the database is locked (no key, nothing can be written to it).
//! The non-secret counter in `varna.unlock-state` is read at the next successful unlock and
//! logged as one `unlock_failed` row, "N failed attempts since last unlock", without an actor.

mod chain;
mod events;
mod list;
mod verify;

pub use events::{Event, Obj};
pub use list::{AuditEntry, AuditFilter};
pub use verify::{AuditReport, BrokenRow};

pub(crate) use chain::{record, reseal_head, seal, write_checkpoint, Checkpoint};
pub(crate) use verify::{check_at_unlock, full_check, with_break};
