//! Versioned schema migrations, tracked in SQLite's `user_version`.
//!
//! Each [`Migration`] runs in its own transaction together with the bump of `user_version`,
//! so a crash leaves the database at the previous or the next version, never between.
//! Later core modules (screenings, review, audit…) add their tables by appending entries to
//! [`MIGRATIONS`] with the next version number; never edit or reorder an entry that has
//! shipped. Every entry carries a few sample rows that the tests insert at that version to
//! prove that all later migrations keep the data.

use rusqlite::Connection;

use super::{db_error, DbContext};
use crate::error::{Error, Result};

/// One step of the schema.
pub(crate) struct Migration {
    /// `user_version` after this step; entries are numbered 1, 2, 3… without gaps.
    pub(crate) version: u32,
    /// What the step does, for logs.
    pub(crate) name: &'static str,
    /// The SQL to run.
    pub(crate) sql: &'static str,
    /// Sample rows for the migration tests, valid at this version.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) sample_data: &'static str,
}

/// The whole schema history. Append only.
pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "store: meta, units, accounts, settings",
    sql: "
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) STRICT;
        CREATE TABLE units (
            id         TEXT PRIMARY KEY,
            code       TEXT NOT NULL UNIQUE COLLATE NOCASE,
            name       TEXT NOT NULL,
            active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            created_at TEXT NOT NULL
        ) STRICT;
        CREATE TABLE accounts (
            id           TEXT PRIMARY KEY,
            username     TEXT NOT NULL UNIQUE,
            display_name TEXT NOT NULL,
            role         TEXT NOT NULL
                         CHECK (role IN ('handlaggare', 'arbetsledare', 'administrator')),
            active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            created_at   TEXT NOT NULL
        ) STRICT;
        CREATE TABLE account_units (
            account_id TEXT NOT NULL REFERENCES accounts(id),
            unit_id    TEXT NOT NULL REFERENCES units(id),
            PRIMARY KEY (account_id, unit_id)
        ) STRICT;
        CREATE TABLE settings (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) STRICT;
    ",
    sample_data: "
        INSERT INTO meta VALUES ('store_id', 'sample-store');
        INSERT INTO units VALUES ('u1', 'IFO', 'Individ- och familjeomsorg', 1, '2025-01-01T00:00:00Z');
        INSERT INTO accounts VALUES ('a1', 'admin', 'Admin', 'administrator', 1, '2025-01-01T00:00:00Z');
        INSERT INTO account_units VALUES ('a1', 'u1');
        INSERT INTO settings VALUES ('auto_lock_minutes', '10');
    ",
}, Migration {
    version: 2,
    name: "screening: instrument versions, screenings, answers, notes, addenda, tally",
    sql: "
        CREATE TABLE instrument_versions (
            instrument_id TEXT NOT NULL,
            version       TEXT NOT NULL,
            sha256        TEXT NOT NULL,
            source        TEXT NOT NULL,
            added_at      TEXT NOT NULL,
            PRIMARY KEY (instrument_id, version)
        ) STRICT;
        CREATE TABLE screenings (
            id                 TEXT PRIMARY KEY,
            instrument_id      TEXT NOT NULL,
            instrument_version TEXT NOT NULL,
            unit_id            TEXT NOT NULL REFERENCES units(id),
            author_id          TEXT NOT NULL REFERENCES accounts(id),
            person_role        TEXT NOT NULL
                               CHECK (person_role IN ('valdsutsatt', 'valdsutovare', 'barn', 'anhorig')),
            conducted_on       TEXT NOT NULL,
            case_ref           TEXT,
            status             TEXT NOT NULL CHECK (status IN ('draft', 'completed')),
            position           TEXT,
            created_at         TEXT NOT NULL,
            updated_at         TEXT NOT NULL,
            completed_at       TEXT,
            FOREIGN KEY (instrument_id, instrument_version)
                REFERENCES instrument_versions(instrument_id, version)
        ) STRICT;
        CREATE INDEX screenings_by_author ON screenings(author_id, status);
        CREATE INDEX screenings_by_unit ON screenings(unit_id, status);
        CREATE TABLE screening_answers (
            screening_id TEXT NOT NULL REFERENCES screenings(id),
            answer_key   TEXT NOT NULL,
            value        TEXT NOT NULL,
            saved_at     TEXT NOT NULL,
            PRIMARY KEY (screening_id, answer_key)
        ) STRICT;
        CREATE TABLE screening_notes (
            screening_id TEXT NOT NULL REFERENCES screenings(id),
            note_key     TEXT NOT NULL,
            text         TEXT NOT NULL,
            saved_at     TEXT NOT NULL,
            PRIMARY KEY (screening_id, note_key)
        ) STRICT;
        CREATE TABLE screening_addenda (
            id           TEXT PRIMARY KEY,
            screening_id TEXT NOT NULL REFERENCES screenings(id),
            author_id    TEXT NOT NULL REFERENCES accounts(id),
            created_at   TEXT NOT NULL,
            text         TEXT NOT NULL
        ) STRICT;
        CREATE INDEX screening_addenda_by_screening ON screening_addenda(screening_id, created_at);
        CREATE TABLE tally (
            month              TEXT NOT NULL,
            unit_id            TEXT NOT NULL REFERENCES units(id),
            instrument_id      TEXT NOT NULL,
            instrument_version TEXT NOT NULL,
            measure            TEXT NOT NULL,
            category           TEXT NOT NULL DEFAULT '',
            count              INTEGER NOT NULL CHECK (count >= 0),
            PRIMARY KEY (month, unit_id, instrument_id, instrument_version, measure, category)
        ) STRICT;
    ",
    sample_data: "
        INSERT INTO instrument_versions VALUES
            ('sample-inst', '1.0.0', 'abc', 'id = \"sample-inst\"', '2025-01-01T00:00:00Z');
        INSERT INTO screenings VALUES ('s1', 'sample-inst', '1.0.0', 'u1', 'a1', 'barn',
            '2025-01-02', NULL, 'draft', NULL, '2025-01-02T00:00:00Z', '2025-01-02T00:00:00Z', NULL);
        INSERT INTO screening_answers VALUES ('s1', 'q', '{\"type\":\"yes_no\",\"value\":true}',
            '2025-01-02T00:00:00Z');
        INSERT INTO screening_notes VALUES ('s1', 'q', 'note', '2025-01-02T00:00:00Z');
        INSERT INTO tally VALUES ('2025-01', 'u1', 'sample-inst', '1.0.0', 'started', '', 1);
    ",
}, Migration {
    version: 3,
    name: "review: reviews, review comments, review history",
    sql: "
        CREATE TABLE reviews (
            screening_id TEXT PRIMARY KEY REFERENCES screenings(id),
            status       TEXT NOT NULL
                         CHECK (status IN ('awaiting_review', 'returned', 'approved')),
            round        INTEGER NOT NULL CHECK (round >= 1),
            submitted_at TEXT NOT NULL,
            addenda_mark INTEGER,
            updated_at   TEXT NOT NULL
        ) STRICT;
        CREATE INDEX reviews_by_status ON reviews(status);
        CREATE TABLE review_comments (
            id           TEXT PRIMARY KEY,
            screening_id TEXT NOT NULL REFERENCES screenings(id),
            author_id    TEXT NOT NULL REFERENCES accounts(id),
            created_at   TEXT NOT NULL,
            answer_key   TEXT,
            text         TEXT NOT NULL
        ) STRICT;
        CREATE INDEX review_comments_by_screening ON review_comments(screening_id, created_at);
        CREATE TABLE review_events (
            id           TEXT PRIMARY KEY,
            screening_id TEXT NOT NULL REFERENCES screenings(id),
            actor_id     TEXT NOT NULL REFERENCES accounts(id),
            at           TEXT NOT NULL,
            kind         TEXT NOT NULL
                         CHECK (kind IN ('commented', 'returned', 'resubmitted', 'approved')),
            reason       TEXT
        ) STRICT;
        CREATE INDEX review_events_by_screening ON review_events(screening_id, at);
        CREATE TRIGGER review_comments_insert_only BEFORE UPDATE ON review_comments
        BEGIN SELECT RAISE(ABORT, 'review comments are never changed'); END;
        CREATE TRIGGER review_events_insert_only BEFORE UPDATE ON review_events
        BEGIN SELECT RAISE(ABORT, 'the review history is never changed'); END;
        CREATE TRIGGER reviews_approved_is_final BEFORE UPDATE ON reviews
        WHEN OLD.status = 'approved'
        BEGIN SELECT RAISE(ABORT, 'an approved review is final'); END;
    ",
    sample_data: "
        INSERT INTO reviews VALUES ('s1', 'returned', 1, '2025-01-03T00:00:00Z', 0,
            '2025-01-03T00:00:00Z');
        INSERT INTO review_comments VALUES ('c1', 's1', 'a1', '2025-01-03T00:00:00Z', 'q', 'comment');
        INSERT INTO review_events VALUES ('e1', 's1', 'a1', '2025-01-03T00:00:00Z', 'returned',
            'reason');
    ",
}, Migration {
    version: 4,
    name: "audit: access log (append-only, hash-chained) and its signed head",
    sql: "
        CREATE TABLE audit_log (
            seq         INTEGER PRIMARY KEY,
            at          TEXT NOT NULL,
            actor_id    TEXT,
            event       TEXT NOT NULL,
            object_kind TEXT NOT NULL DEFAULT '',
            object_id   TEXT NOT NULL DEFAULT '',
            detail      TEXT NOT NULL DEFAULT '',
            hash        TEXT NOT NULL
        ) STRICT;
        CREATE INDEX audit_log_by_actor ON audit_log(actor_id, seq);
        CREATE INDEX audit_log_by_object ON audit_log(object_id, seq);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
        CREATE TABLE audit_head (
            id   INTEGER PRIMARY KEY CHECK (id = 1),
            seq  INTEGER NOT NULL,
            hash TEXT NOT NULL,
            mac  TEXT NOT NULL
        ) STRICT;
    ",
    sample_data: "
        INSERT INTO audit_log VALUES (1, '2025-01-04T00:00:00Z', 'a1', 'unlock', '', '',
            'passphrase', '00');
        INSERT INTO audit_head VALUES (1, 1, '00', '00');
    ",
}, Migration {
    version: 5,
    name: "accounts: a passphrase that must be changed at the next sign-in, and why",
    sql: "
        ALTER TABLE accounts ADD COLUMN must_change_passphrase TEXT
            CHECK (must_change_passphrase IN ('new_account', 'reset', 'reactivated'));
        ALTER TABLE units ADD COLUMN closed_at TEXT;
    ",
    sample_data: "
        UPDATE accounts SET must_change_passphrase = 'reset' WHERE username = 'admin';
    ",
}, Migration {
    version: 6,
    name: "screening: refile the tally under the month of each event (docs/EXPORT.md, Stable months)",
    sql: "INSERT INTO meta (key, value) VALUES ('tally_refile_pending', '1') ON CONFLICT (key) DO NOTHING;",
    sample_data: "",
}, Migration {
    version: 7,
    name: "stats: the unit's own denominators of the follow-up indicators, per year (kept local)",
    sql: "
        CREATE TABLE indicator_denominators (
            unit_id    TEXT NOT NULL REFERENCES units(id),
            year       INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2999),
            indicator  TEXT NOT NULL,
            value      INTEGER NOT NULL CHECK (value BETWEEN 1 AND 1000000),
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL,
            PRIMARY KEY (unit_id, year, indicator)
        ) STRICT;
    ",
    sample_data: "",
}, Migration {
    version: 8,
    name: "instrument library: retired instrument versions (no new screenings)",
    sql: "
        ALTER TABLE instrument_versions ADD COLUMN retired_at TEXT;
        ALTER TABLE instrument_versions ADD COLUMN retired_by TEXT REFERENCES accounts(id);
    ",
    sample_data: "
        UPDATE instrument_versions SET retired_at = '2025-01-05T00:00:00Z', retired_by = 'a1';
    ",
}, Migration {
    version: 9,
    name: "stats: trusted senders of count files (installation id, its key, a local name)",
    sql: "
        CREATE TABLE trusted_senders (
            installation_id TEXT PRIMARY KEY,
            public_key      TEXT NOT NULL CHECK (length(public_key) = 64),
            label           TEXT NOT NULL,
            trusted_at      TEXT NOT NULL,
            trusted_by      TEXT NOT NULL REFERENCES accounts(id),
            revoked_at      TEXT,
            revoked_by      TEXT REFERENCES accounts(id)
        ) STRICT;
    ",
    sample_data: "
        INSERT INTO trusted_senders (installation_id, public_key, label, trusted_at, trusted_by)
        VALUES ('8d6f1c2e-0d7b-4c0e-9a55-0f3b9c1d2e4f',
                'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
                'Bärbar dator, Enhet Norr', '2025-01-06T00:00:00Z', 'a1');
    ",
}, Migration {
    version: 10,
    name: "screening: a re-assessment is a follow-up of an earlier screening (kept local, never exported)",
    // No foreign key: retention may remove the earlier screening; the follow-up then shows
    // no previous answers.
    sql: "ALTER TABLE screenings ADD COLUMN follows_id TEXT;",
    sample_data: "",
}, Migration {
    version: 11,
    name: "indexes for the newest stored time (gallring's clock check at every unlock), so unlock does not read the whole access log and every screening",
    sql: "
        CREATE INDEX audit_log_by_at ON audit_log(at);
        CREATE INDEX screenings_by_updated ON screenings(updated_at);
        CREATE INDEX screenings_by_completed ON screenings(completed_at);
    ",
    sample_data: "",
}, Migration {
    version: 12,
    name: "accounts: a deactivated account can be removed from the administration list (kept for the access log; its username stays taken)",
    sql: "ALTER TABLE accounts ADD COLUMN removed_at TEXT;",
    sample_data: "",
}, Migration {
    version: 13,
    name: "indexes for the lists read page by page (a worker's completed screenings, the review queue's candidates, the access log by event)",
    // A worker's completed screenings in page order, and each unit's completed screenings
    // with what the review queue filters on, so neither list reads the screenings table
    // beyond the rows of its page. Drafts keep `screenings_by_author` (their order key,
    // `updated_at`, changes with every autosave; an index on it would cost every touch a
    // page write, and a worker's drafts are few).
    sql: "
        CREATE INDEX screenings_mine_completed
            ON screenings(author_id, status, completed_at, created_at, id);
        CREATE INDEX screenings_for_review
            ON screenings(unit_id, status, completed_at, author_id, id);
        CREATE INDEX audit_log_by_event ON audit_log(event, seq);
    ",
    sample_data: "",
}, Migration {
    version: 14,
    name: "an index for the access log filtered by person and event together",
    // With both filters SQLite could use only one of `audit_log_by_actor` and
    // `audit_log_by_event` and test the other filter row by row: 216 ms for a page on a
    // log of 550,000 rows (benchmark 8). With both keys before `seq`, the page is a range.
    sql: "CREATE INDEX audit_log_by_actor_event ON audit_log(actor_id, event, seq);",
    sample_data: "",
}, Migration {
    version: 15,
    name: "two indexes fewer on screenings (each was the start of a longer one from migration 13)",
    // `screenings_by_author (author_id, status)` begins `screenings_mine_completed` and
    // `screenings_by_unit (unit_id, status)` begins `screenings_for_review`: every lookup they
    // served, the longer index serves (the query-plan test checks the lists). Each index
    // costs every insert and every removal a page write: gallring's batches (benchmark 11)
    // and each new screening.
    sql: "
        DROP INDEX IF EXISTS screenings_by_author;
        DROP INDEX IF EXISTS screenings_by_unit;
    ",
    sample_data: "",
}];

/// The schema version this build writes.
pub(crate) fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Brings the database up to [`latest_version`]. Refuses a database from a newer Värna.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, latest_version())
}

pub(crate) fn schema_version(conn: &Connection) -> Result<u32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))
        .db("reading the schema version")
}

pub(crate) fn migrate_to(conn: &mut Connection, target: u32) -> Result<()> {
    let current = schema_version(conn)?;
    if current > latest_version() {
        return Err(Error::Conflict(format!(
            "the database has schema version {current}, newer than this Värna ({}); \
             update Värna before opening it",
            latest_version()
        )));
    }
    for m in MIGRATIONS
        .iter()
        .filter(|m| m.version > current && m.version <= target)
    {
        let tx = conn.transaction().db("starting a migration")?;
        tx.execute_batch(m.sql)
            .and_then(|_| tx.pragma_update(None, "user_version", m.version))
            .and_then(|_| tx.commit())
            .map_err(|e| {
                db_error(
                    &format!("migrating to version {} ({})", m.version, m.name),
                    e,
                )
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_numbered_without_gaps() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "migration {}", m.name);
        }
    }

    /// From every earlier version (0 = empty file) to the latest, with sample rows inserted at
    /// each version on the way; the data must survive and foreign keys must hold.
    #[test]
    fn every_earlier_version_migrates_to_the_latest_and_keeps_its_data() {
        for start in 0..=latest_version() {
            let mut conn = Connection::open_in_memory().unwrap();
            conn.pragma_update(None, "foreign_keys", true).unwrap();
            for m in MIGRATIONS.iter().filter(|m| m.version <= start) {
                migrate_to(&mut conn, m.version).unwrap();
                conn.execute_batch(m.sample_data).unwrap();
            }
            assert_eq!(schema_version(&conn).unwrap(), start);
            migrate(&mut conn).unwrap();
            assert_eq!(schema_version(&conn).unwrap(), latest_version());
            if start >= 1 {
                let n: i64 = conn
                    .query_row(
                        "SELECT count(*) FROM accounts WHERE username = 'admin'",
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(n, 1, "sample account lost migrating from {start}");
            }
            let violations: i64 = conn
                .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(violations, 0);
            let ok: String = conn
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap();
            assert_eq!(ok, "ok");
            // Migrating again is a no-op.
            migrate(&mut conn).unwrap();
        }
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", latest_version() + 1)
            .unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Conflict);
    }
}
