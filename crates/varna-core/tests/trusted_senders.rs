//! Trusted senders of count files: a file from another installation is merged only when its
//! key was trusted here; an unknown key, a withdrawn one, and a file that claims a trusted
//! installation but is signed with another key are refused. Trusting and withdrawing are
//! logged, limited to arbetsledare and administratör, and the local names never leave.

mod screening_support;

use std::path::PathBuf;

use chrono::Datelike;
use screening_support::*;
use uuid::Uuid;
use varna_core::audit::{AuditFilter, Event};
use varna_core::export::{self, ExportRequest, InstallationKey, Period, SuppressionThreshold};
use varna_core::stats::SenderStatus;
use varna_core::store::Store;
use varna_core::ErrorCode;

const LABEL: &str = "Enhet Norr, Karins dator KANARIE-avsandare-7c1";

fn this_month() -> export::YearMonth {
    let t = today();
    export::YearMonth::new(t.year() as u16, t.month() as u8).unwrap()
}

/// A world with `n` completed screenings this month, and arne's export of it.
fn installation(n: usize) -> (World, Vec<u8>) {
    let (w, admin) = world();
    admin.lock();
    let mut hanna = w.unlock("hanna");
    for _ in 0..n {
        let d = start(&mut hanna, "freda-kortfragor-stil", &w.ifo);
        answer_freda(&mut hanna, &d.id, true);
        hanna.complete_screening(&d.id).unwrap();
    }
    hanna.lock();
    let mut arne = w.unlock("arne");
    let file = arne
        .export(this_month(), this_month())
        .unwrap()
        .to_json_bytes()
        .to_vec();
    arne.lock();
    (w, file)
}

/// A file signed with a fresh key that claims to come from `installation_id`.
fn forged(installation_id: Uuid) -> Vec<u8> {
    let request = ExportRequest {
        period: Period::new(this_month(), this_month()).unwrap(),
        threshold: SuppressionThreshold::new(3).unwrap(),
        preliminary: vec![this_month()],
        instruments: Vec::new(),
        rows: Vec::new(),
    };
    export::build_export(
        &request,
        &InstallationKey::generate().unwrap(),
        installation_id,
    )
    .unwrap()
    .to_json_bytes()
    .to_vec()
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn events(store: &Store, event: Event) -> Vec<(String, String)> {
    store
        .audit_list(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .filter(|e| e.event == event.as_str())
        .map(|e| (e.object_id, e.detail))
        .collect()
}

#[test]
fn a_file_from_an_unknown_installation_is_refused_until_its_fingerprint_is_trusted() {
    let (w1, own_file) = installation(4);
    let (w2, file2) = installation(5);
    let mut arne2 = w2.unlock("arne");
    let sender = arne2.installation_identity().unwrap();
    arne2.lock();

    let mut arne = w1.unlock("arne");
    let err = arne
        .merge_exports(&[own_file.clone(), file2.clone()])
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::UntrustedSender, "{err}");
    assert!(err.to_string().contains("file 2"), "{err}");
    assert!(err.to_string().contains(&sender.fingerprint), "{err}");

    // Inspecting shows the sender's fingerprint, as the sender's own screen shows it.
    let picked = tempfile::tempdir().unwrap();
    let paths = [
        write(&picked, "egen.json", &own_file),
        write(&picked, "norr.json", &file2),
    ];
    let seen = arne.inspect_export_files(&paths).unwrap();
    assert_eq!(seen[0].status, Some(SenderStatus::Own));
    assert_eq!(seen[1].status, Some(SenderStatus::Unknown));
    assert_eq!(seen[1].name, "norr.json");
    assert_eq!(
        seen[1].fingerprint.as_deref(),
        Some(sender.fingerprint.as_str())
    );
    assert_eq!(seen[1].installation_id, Some(sender.installation_id));
    assert!(seen[1].rows > 0);

    let trusted = arne
        .trust_sender(
            sender.installation_id,
            seen[1].public_key.as_deref().unwrap(),
            LABEL,
        )
        .unwrap();
    assert_eq!(trusted.fingerprint, sender.fingerprint);
    assert_eq!(trusted.trusted_by, "Arne Arbetsledare");
    let seen = arne.inspect_export_files(&paths).unwrap();
    assert_eq!(seen[1].status, Some(SenderStatus::Trusted));
    assert_eq!(seen[1].label.as_deref(), Some(LABEL));

    let merged = arne.merge_exports(&[own_file, file2]).unwrap();
    let completed = merged
        .rows()
        .iter()
        .find(|r| r.measure == export::Measure::Completed)
        .unwrap();
    assert_eq!(completed.count, export::Cell::Exact(9));
    // The merged file names its sources (by installation id only; the local name stays here).
    let summary = arne.merge_summary(&merged).unwrap();
    assert_eq!(summary.sources.len(), 2);
    assert!(summary.sources.iter().any(|s| s.own && s.label.is_none()));
    assert!(summary
        .sources
        .iter()
        .any(|s| s.installation_id == sender.installation_id && s.label.as_deref() == Some(LABEL)));
    let text = String::from_utf8_lossy(merged.to_json_bytes());
    assert!(!text.contains("KANARIE"), "a local name left the computer");
    assert!(text.contains(&sender.installation_id.to_string()));

    let logged = events(&arne, Event::SenderTrust);
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].0, sender.installation_id.to_string());
    assert!(logged[0].1.contains(&sender.fingerprint));
    assert!(!logged[0].1.contains("KANARIE"));
}

#[test]
fn a_file_that_claims_a_trusted_installation_with_another_key_is_refused() {
    let (w1, own_file) = installation(0);
    let (w2, file2) = installation(3);
    let mut arne2 = w2.unlock("arne");
    let sender = arne2.installation_identity().unwrap();
    arne2.lock();
    let mut arne = w1.unlock("arne");
    let me = arne.installation_identity().unwrap();
    arne.trust_sender(sender.installation_id, &sender.public_key, "Norr")
        .unwrap();
    arne.merge_exports(std::slice::from_ref(&file2)).unwrap();

    // Re-keyed (or forged): same installation id, another key.
    let rekeyed = forged(sender.installation_id);
    let err = arne
        .merge_exports(std::slice::from_ref(&rekeyed))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::UntrustedSender);
    assert!(err.to_string().contains(&sender.fingerprint), "{err}");
    let picked = tempfile::tempdir().unwrap();
    let seen = arne
        .inspect_export_files(&[write(&picked, "ny.json", &rekeyed)])
        .unwrap();
    assert_eq!(seen[0].status, Some(SenderStatus::KeyChanged));
    assert_eq!(
        seen[0].trusted_fingerprint.as_deref(),
        Some(sender.fingerprint.as_str())
    );
    assert_ne!(seen[0].fingerprint, seen[0].trusted_fingerprint);

    // A file that claims this very installation, signed with another key: refused too.
    let impostor = forged(me.installation_id);
    assert_eq!(
        code(arne.merge_exports(std::slice::from_ref(&impostor))),
        ErrorCode::UntrustedSender
    );
    assert_eq!(
        arne.inspect_export_files(&[write(&picked, "jag.json", &impostor)])
            .unwrap()[0]
            .status,
        Some(SenderStatus::KeyChanged)
    );
    // And this installation cannot be trusted as a sender.
    assert_eq!(
        code(arne.trust_sender(me.installation_id, &me.public_key, "Jag")),
        ErrorCode::Conflict
    );
    assert!(!own_file.is_empty());

    // Trusting the new key is explicit, replaces the old one and is logged with both.
    let new_key = seen[0].public_key.clone().unwrap();
    arne.trust_sender(sender.installation_id, &new_key, "Norr (ominstallerad)")
        .unwrap();
    arne.merge_exports(&[rekeyed]).unwrap();
    assert_eq!(
        code(arne.merge_exports(&[file2])),
        ErrorCode::UntrustedSender,
        "the old key is no longer trusted"
    );
    let logged = events(&arne, Event::SenderTrust);
    assert_eq!(logged.len(), 2);
    assert!(logged
        .iter()
        .any(|(_, d)| d.contains("replaces") && d.contains(&sender.fingerprint)));
}

#[test]
fn withdrawn_trust_refuses_later_files_and_the_list_keeps_who_and_when() {
    let (w1, _) = installation(0);
    let (w2, file2) = installation(2);
    let mut arne2 = w2.unlock("arne");
    let sender = arne2.installation_identity().unwrap();
    arne2.lock();
    let mut admin = w1.unlock("admin");
    admin
        .trust_sender(sender.installation_id, &sender.public_key, "Norr")
        .unwrap();
    admin.untrust_sender(sender.installation_id).unwrap();
    let err = admin
        .merge_exports(std::slice::from_ref(&file2))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::UntrustedSender);
    assert!(err.to_string().contains("withdrawn"), "{err}");
    let list = admin.trusted_senders().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].trusted_by, "Ada Admin");
    assert_eq!(list[0].revoked_by.as_deref(), Some("Ada Admin"));
    assert!(list[0].revoked_at.is_some());
    assert_eq!(
        code(admin.untrust_sender(sender.installation_id)),
        ErrorCode::NotFound
    );
    assert_eq!(events(&admin, Event::SenderUntrust).len(), 1);
    // Trusted again (after a new check with the sender): accepted again.
    admin
        .trust_sender(sender.installation_id, &sender.public_key, "Norr")
        .unwrap();
    assert!(admin.trusted_senders().unwrap()[0].revoked_at.is_none());
    admin.merge_exports(&[file2]).unwrap();
}

#[test]
fn only_unit_heads_and_administrators_manage_trust_and_names_are_checked() {
    let (w1, _) = installation(0);
    let id = Uuid::new_v4();
    let key = InstallationKey::generate().unwrap().public_key().to_hex();
    let mut hanna = w1.unlock("hanna");
    assert_eq!(code(hanna.trusted_senders()), ErrorCode::Forbidden);
    assert_eq!(
        code(hanna.trust_sender(id, &key, "X")),
        ErrorCode::Forbidden
    );
    assert_eq!(code(hanna.untrust_sender(id)), ErrorCode::Forbidden);
    assert_eq!(
        code(hanna.inspect_export_files(&[PathBuf::from("/etc/passwd")])),
        ErrorCode::Forbidden
    );
    hanna.lock();
    let mut arne = w1.unlock("arne");
    assert_eq!(
        code(arne.trust_sender(id, &key, "  ")),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(arne.trust_sender(id, &key, &"x".repeat(101))),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(arne.trust_sender(id, &key, "rad\nbrytning")),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(arne.trust_sender(id, "not-a-key", "X")),
        ErrorCode::InvalidInput
    );
    arne.trust_sender(id, &key, "X").unwrap();
    assert_eq!(code(arne.trust_sender(id, &key, "X")), ErrorCode::Conflict);
    assert!(arne.trusted_senders().unwrap()[0].revoked_at.is_none());
}

#[test]
fn a_damaged_file_among_good_ones_is_named_and_the_others_are_still_shown() {
    let (w1, own_file) = installation(1);
    let mut arne = w1.unlock("arne");
    let picked = tempfile::tempdir().unwrap();
    let mut bad = own_file.clone();
    let at = bad.len() / 2;
    bad[at] ^= 0x01;
    let seen = arne
        .inspect_export_files(&[
            write(&picked, "bra.json", &own_file),
            write(&picked, "trasig.json", &bad),
            picked.path().join("finns-inte.json"),
        ])
        .unwrap();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].status, Some(SenderStatus::Own));
    assert!(seen[0].problem.is_none());
    let damaged = seen[1]
        .problem
        .as_ref()
        .expect("the altered file is flagged");
    assert!(matches!(
        damaged.code,
        ErrorCode::Corrupt | ErrorCode::InvalidInput
    ));
    assert_eq!(seen[1].status, None);
    assert_eq!(seen[2].problem.as_ref().unwrap().code, ErrorCode::Io);
}
