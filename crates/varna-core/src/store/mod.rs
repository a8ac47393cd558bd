//! The encrypted store: the SQLCipher database, key slots, accounts, units and backups.
