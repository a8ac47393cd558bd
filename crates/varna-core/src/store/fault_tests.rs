//! Crash and full-disk tests. They live inside the crate because the child processes open
//! the store with the already unwrapped key handed over on a pipe (no Argon2 per start) and
//! write "answers" through the crate-internal [`Store::with_tx`], the same way the screening
//! module will. Each child is this test binary re-executed with one test selected and an
//! environment variable saying what to do; without the variable the entry tests do nothing.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zeroize::Zeroizing;

use super::keyfile::KeyFile;
use super::{FirstRun, Store};
use crate::error::Result;

const PASS: &str = "admin passphrase 1";
const CHILD_DIR: &str = "VARNA_FAULT_CHILD_DIR";
const CHILD_MODE: &str = "VARNA_FAULT_CHILD_MODE";

fn answer_text(seq: i64) -> String {
    // Varying sizes so that some commits span several pages.
    let len = 50 + (seq * 7919 % 3000) as usize;
    format!("answer {seq}: {}", "x".repeat(len))
}

fn setup(dir: &Path) -> (String, String) {
    let (mut store, _) = Store::create_first_run(
        dir,
        FirstRun {
            admin_username: "admin",
            admin_display_name: "Admin",
            passphrase: PASS,
            unit_code: "IFO",
            unit_name: "IFO",
        },
    )
    .unwrap();
    store
        .with_tx(|tx| {
            tx.execute_batch(
                "CREATE TABLE IF NOT EXISTS test_answers (
                     seq      INTEGER PRIMARY KEY,
                     question TEXT NOT NULL,
                     answer   TEXT NOT NULL
                 )",
            )
            .map_err(|e| super::db_error("creating the test table", e))
        })
        .unwrap();
    let key = hex::encode(store.db_key.as_ref());
    let id = store.actor().id.clone();
    store.lock();
    (key, id)
}

/// Opens the store in a child from the key on stdin.
fn child_open(dir: &Path) -> Store {
    let mut line = Zeroizing::new(String::new());
    std::io::stdin().read_line(&mut line).unwrap();
    let mut parts = line.trim().split(' ');
    let key_hex = parts.next().unwrap();
    let account = parts.next().unwrap().to_string();
    let mut key = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(key_hex, key.as_mut()).unwrap();
    let (kf, _) = KeyFile::read(dir).unwrap();
    Store::open(dir, key, &kf, &account).unwrap()
}

fn write_answer(store: &mut Store, seq: i64) -> Result<()> {
    store.with_tx(|tx| {
        tx.execute(
            "INSERT INTO test_answers (seq, question, answer) VALUES (?1, 'q', ?2)",
            (seq, answer_text(seq)),
        )
        .map_err(|e| super::db_error("saving an answer", e))
        .map(|_| ())
    })
}

fn next_seq(store: &Store) -> i64 {
    store
        .conn()
        .query_row(
            "SELECT coalesce(max(seq), 0) + 1 FROM test_answers",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// Child: writes answers in a loop, printing `ACK n` after each durable commit.
#[test]
fn crash_child_entry() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    if std::env::var(CHILD_MODE).as_deref() != Ok("crash") {
        return;
    }
    let dir = Path::new(&dir);
    let mut store = child_open(dir);
    let mut out = std::io::stdout().lock();
    for seq in next_seq(&store).. {
        write_answer(&mut store, seq).unwrap();
        writeln!(out, "ACK {seq}").unwrap();
        out.flush().unwrap();
    }
}

fn spawn_child(dir: &Path, mode: &str, key: &str, account: &str) -> std::process::Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            if mode == "crash" {
                "store::fault_tests::crash_child_entry"
            } else {
                "store::fault_tests::full_disk_child_entry"
            },
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir)
        .env(CHILD_MODE, mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{key} {account}").unwrap();
    drop(stdin);
    child
}

fn verify(dir: &Path, key: &str, account: &str, acked: &[i64]) -> i64 {
    let mut k = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(key, k.as_mut()).unwrap();
    let (kf, _) = KeyFile::read(dir).unwrap();
    let store = Store::open(dir, k, &kf, account).unwrap();
    let check: String = store
        .conn()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    for &seq in acked {
        let answer: String = store
            .conn()
            .query_row(
                "SELECT answer FROM test_answers WHERE seq = ?1",
                [seq],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| panic!("acknowledged answer {seq} is missing: {e}"));
        assert_eq!(answer, answer_text(seq), "answer {seq} changed");
    }
    let n = next_seq(&store);
    store.lock();
    n
}

/// Kills a writing child with SIGKILL at random moments, 200 times; every acknowledged
/// write must survive and the database must stay consistent.
#[test]
fn kill_9_during_writes_loses_no_acknowledged_answer() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let (key, account) = setup(dir.path());
    let acked = Arc::new(Mutex::new(Vec::<i64>::new()));
    let mut rng = u64::from_le_bytes(super::keyfile::random_bytes::<8>().unwrap()) | 1;
    for round in 0..200 {
        let mut child = spawn_child(dir.path(), "crash", &key, &account);
        let stdout = child.stdout.take().unwrap();
        let sink = Arc::clone(&acked);
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(n) = line.strip_prefix("ACK ") {
                    sink.lock().unwrap().push(n.parse().unwrap());
                }
            }
        });
        // xorshift: kill anywhere from before the store is open to well into the writes.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_micros(rng % 60_000));
        child.kill().unwrap();
        let status = child.wait().unwrap();
        reader.join().unwrap();
        if status.signal() != Some(9) {
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            panic!("round {round}: the writer failed on its own ({status}): {err}");
        }
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 100,
        "too few writes were acknowledged to prove anything: {}",
        acked.len()
    );
    let next = verify(dir.path(), &key, &account, &acked);
    assert!(next > *acked.iter().max().unwrap());
}

/// Child: fills the disk (RLIMIT_FSIZE) with answers, then tries a key-file change with an
/// even smaller limit. Prints what happened.
#[test]
fn full_disk_child_entry() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    if std::env::var(CHILD_MODE).as_deref() != Ok("full") {
        return;
    }
    let dir = Path::new(&dir);
    let mut store = child_open(dir);
    let set_limit = |bytes: u64| unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let lim = libc::rlimit {
            rlim_cur: bytes as libc::rlim_t,
            rlim_max: libc::RLIM_INFINITY,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &lim), 0);
    };
    let db_len = std::fs::metadata(dir.join(super::DB_FILE)).unwrap().len();
    set_limit(db_len.max(32 * 1024) + 160 * 1024);
    let mut out = std::io::stdout().lock();
    let mut seq = next_seq(&store);
    let err = loop {
        match write_answer(&mut store, seq) {
            Ok(()) => {
                writeln!(out, "ACK {seq}").unwrap();
                seq += 1;
            }
            Err(e) => break e,
        }
        assert!(seq < 100_000, "the file-size limit never applied");
    };
    writeln!(out, "DB-ERROR {:?} {err}", err.code()).unwrap();
    set_limit(1000);
    // A key-file change (the passphrase's slot is re-wrapped) under the smaller limit.
    let err = store
        .change_passphrase(PASS, "blå gurka dansar i regnet")
        .unwrap_err();
    writeln!(out, "KEYS-ERROR {:?} {err}", err.code()).unwrap();
    out.flush().unwrap();
}

#[test]
fn a_full_disk_gives_a_clear_error_and_keeps_earlier_data() {
    let dir = tempfile::tempdir().unwrap();
    let (key, account) = setup(dir.path());
    let keys_before = std::fs::read(KeyFile::path(dir.path())).unwrap();
    let child = spawn_child(dir.path(), "full", &key, &account);
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let acked: Vec<i64> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("ACK "))
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(acked.len() > 5, "{stdout}");
    let db_err = stdout.lines().find(|l| l.starts_with("DB-ERROR")).unwrap();
    assert!(db_err.starts_with("DB-ERROR Io "), "{db_err}");
    let keys_err = stdout
        .lines()
        .find(|l| l.starts_with("KEYS-ERROR"))
        .unwrap();
    assert!(keys_err.starts_with("KEYS-ERROR Io "), "{keys_err}");
    assert!(keys_err.contains("disk is full"), "{keys_err}");

    // Everything acknowledged is there; the key file is unchanged and still unlocks; with
    // room again, writing goes on.
    // (Compared before `verify`, whose unlock records a new log anchor in the key file.)
    assert_eq!(
        std::fs::read(KeyFile::path(dir.path())).unwrap(),
        keys_before
    );
    verify(dir.path(), &key, &account, &acked);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let mut store = Store::unlock(dir.path(), "admin", PASS).unwrap();
    let seq = next_seq(&store);
    write_answer(&mut store, seq).unwrap();
}
