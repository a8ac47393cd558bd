//! What the access log records: the [`Event`] codes and the object ([`Obj`]) an event
//! concerns. Plain data, no database.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What happened. Stored as its snake_case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// First-time setup of the data folder.
    Setup,
    Unlock,
    /// Failed unlock attempts since the last successful one (logged at the next unlock).
    UnlockFailed,
    Lock,
    ScreeningCreate,
    ScreeningOpen,
    ScreeningComplete,
    ScreeningDiscard,
    AddendumAdd,
    /// A review decision (approve, return, comment) by an arbetsledare.
    ReviewDecision,
    /// A statistics export was written.
    Export,
    Backup,
    Restore,
    AccountAdd,
    AccountRole,
    AccountUnits,
    AccountDeactivate,
    PassphraseReset,
    PassphraseChange,
    RecoveryKeyRotate,
    UnitAdd,
    UnitRename,
    SettingsChange,
    InstrumentAdd,
    RetentionSettings,
    /// A retention run (gallring), with how many screenings it removed.
    RetentionRun,
    /// One screening removed by retention (metadata only).
    RetentionDelete,
    /// The check at unlock found the log broken.
    AuditBroken,
    /// The database key was replaced (after a revocation or a new recovery key).
    Rekey,
    /// The check at unlock found the database or data folder behind its anchor.
    RollbackDetected,
    /// A review (its comments and history, with or without the screening) was shown.
    ReviewView,
    /// A retention run was held back because the clock looks wrong (the reason is the detail).
    RetentionHeld,
    /// An administratör confirmed a held retention run, or a run despite a clock warning.
    RetentionConfirm,
    /// A deactivated account was made active again (with a new passphrase).
    AccountReactivate,
    /// A unit was closed: it takes no new screenings; its counts stay.
    UnitClose,
    /// A unit's denominator of a follow-up indicator for a year was set or cleared.
    DenominatorSet,
    /// An instrument version was retired: no new screenings with it.
    InstrumentRetire,
    /// A retired instrument version was made available for new screenings again.
    InstrumentReactivate,
    /// Another installation's signing key was trusted for count files (or replaced).
    SenderTrust,
    /// Trust in another installation's signing key was withdrawn.
    SenderUntrust,
    /// The PDF/A document of a completed screening was saved to a file the user chose.
    DocumentSave,
    /// The document of a completed screening was opened for the system print dialog.
    DocumentPrint,
    /// The journal text of a completed screening was copied to the clipboard.
    JournalCopy,
    /// A draft was moved to a newer version of its instrument (detail: from → to, how many
    /// answers carried and dropped).
    ScreeningUpgrade,
    /// A deactivated account was removed from the administration list (kept for the log).
    AccountRemove,
}

impl Event {
    pub const ALL: &'static [Event] = &[
        Event::Setup,
        Event::Unlock,
        Event::UnlockFailed,
        Event::Lock,
        Event::ScreeningCreate,
        Event::ScreeningOpen,
        Event::ScreeningComplete,
        Event::ScreeningDiscard,
        Event::AddendumAdd,
        Event::ReviewDecision,
        Event::Export,
        Event::Backup,
        Event::Restore,
        Event::AccountAdd,
        Event::AccountRole,
        Event::AccountUnits,
        Event::AccountDeactivate,
        Event::PassphraseReset,
        Event::PassphraseChange,
        Event::RecoveryKeyRotate,
        Event::UnitAdd,
        Event::UnitRename,
        Event::SettingsChange,
        Event::InstrumentAdd,
        Event::RetentionSettings,
        Event::RetentionRun,
        Event::RetentionDelete,
        Event::AuditBroken,
        Event::Rekey,
        Event::RollbackDetected,
        Event::ReviewView,
        Event::RetentionHeld,
        Event::RetentionConfirm,
        Event::AccountReactivate,
        Event::UnitClose,
        Event::DenominatorSet,
        Event::InstrumentRetire,
        Event::InstrumentReactivate,
        Event::SenderTrust,
        Event::SenderUntrust,
        Event::DocumentSave,
        Event::DocumentPrint,
        Event::JournalCopy,
        Event::ScreeningUpgrade,
        Event::AccountRemove,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::Setup => "setup",
            Event::Unlock => "unlock",
            Event::UnlockFailed => "unlock_failed",
            Event::Lock => "lock",
            Event::ScreeningCreate => "screening_create",
            Event::ScreeningOpen => "screening_open",
            Event::ScreeningComplete => "screening_complete",
            Event::ScreeningDiscard => "screening_discard",
            Event::AddendumAdd => "addendum_add",
            Event::ReviewDecision => "review_decision",
            Event::Export => "export",
            Event::Backup => "backup",
            Event::Restore => "restore",
            Event::AccountAdd => "account_add",
            Event::AccountRole => "account_role",
            Event::AccountUnits => "account_units",
            Event::AccountDeactivate => "account_deactivate",
            Event::PassphraseReset => "passphrase_reset",
            Event::PassphraseChange => "passphrase_change",
            Event::RecoveryKeyRotate => "recovery_key_rotate",
            Event::UnitAdd => "unit_add",
            Event::UnitRename => "unit_rename",
            Event::SettingsChange => "settings_change",
            Event::InstrumentAdd => "instrument_add",
            Event::RetentionSettings => "retention_settings",
            Event::RetentionRun => "retention_run",
            Event::RetentionDelete => "retention_delete",
            Event::AuditBroken => "audit_broken",
            Event::Rekey => "rekey",
            Event::RollbackDetected => "rollback_detected",
            Event::ReviewView => "review_view",
            Event::RetentionHeld => "retention_held",
            Event::RetentionConfirm => "retention_confirm",
            Event::AccountReactivate => "account_reactivate",
            Event::UnitClose => "unit_close",
            Event::DenominatorSet => "denominator_set",
            Event::InstrumentRetire => "instrument_retire",
            Event::InstrumentReactivate => "instrument_reactivate",
            Event::SenderTrust => "sender_trust",
            Event::SenderUntrust => "sender_untrust",
            Event::DocumentSave => "document_save",
            Event::DocumentPrint => "document_print",
            Event::JournalCopy => "journal_copy",
            Event::ScreeningUpgrade => "screening_upgrade",
            Event::AccountRemove => "account_remove",
        }
    }

    pub fn parse(s: &str) -> Result<Event> {
        Event::ALL
            .iter()
            .copied()
            .find(|e| e.as_str() == s.trim())
            .ok_or_else(|| Error::InvalidInput(format!("unknown audit event {s:?}")))
    }
}

/// The object an event concerns, with metadata (never content).
#[derive(Debug, Clone, Default)]
pub struct Obj {
    pub(super) kind: &'static str,
    pub(super) id: String,
    pub(super) detail: String,
}

impl Obj {
    /// No object (unlock, lock, settings…).
    pub fn none() -> Obj {
        Obj::default()
    }
    pub fn screening(id: &str) -> Obj {
        Obj::of("screening", id)
    }
    pub fn account(id: &str) -> Obj {
        Obj::of("account", id)
    }
    pub fn unit(id: &str) -> Obj {
        Obj::of("unit", id)
    }
    pub fn instrument(id_at_version: &str) -> Obj {
        Obj::of("instrument", id_at_version)
    }
    pub fn of(kind: &'static str, id: &str) -> Obj {
        Obj {
            kind,
            id: id.to_owned(),
            detail: String::new(),
        }
    }
    /// Adds metadata (a code, a count, a role). Never put free text of a screening here.
    pub fn detail(mut self, detail: impl Into<String>) -> Obj {
        self.detail = detail.into();
        self
    }
}
