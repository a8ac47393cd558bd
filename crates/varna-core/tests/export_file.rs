//! Export files: building from a tally, the signed JSON, verification, tampering, CSV, merge.

use proptest::prelude::*;
use uuid::Uuid;
use varna_core::export::{
    build_export, merge, verify, Cell, Code, CountRow, DeclaredInstrument, ExportRequest,
    InstallationKey, InstrumentVersion, Measure, OutcomeDimension, Period, SignedExport,
    SuppressionThreshold, UnitCode, YearMonth,
};
use varna_core::ErrorCode;

fn month(s: &str) -> YearMonth {
    s.parse().unwrap()
}

fn period(from: &str, to: &str) -> Period {
    Period::new(month(from), month(to)).unwrap()
}

fn code(s: &str) -> Code {
    Code::new(s).unwrap()
}

fn freda() -> DeclaredInstrument {
    DeclaredInstrument {
        id: code("freda-kort"),
        version: InstrumentVersion::new("1.0.0").unwrap(),
        outcome_dimensions: vec![OutcomeDimension {
            code: code("screening"),
            categories: vec![code("positive"), code("negative")],
        }],
    }
}

fn row(m: &str, unit: &str, measure: &str, category: Option<&str>, count: u64) -> CountRow {
    CountRow {
        month: month(m),
        unit_code: UnitCode::new(unit).unwrap(),
        instrument_id: code("freda-kort"),
        instrument_version: InstrumentVersion::new("1.0.0").unwrap(),
        measure: measure.parse().unwrap(),
        category: category.map(code),
        count,
    }
}

/// A March tally for unit IFO1: 14 started, 12 completed; 2 positive, 10 negative; roles.
fn march_rows() -> Vec<CountRow> {
    vec![
        row("2025-03", "IFO1", "started", None, 14),
        row("2025-03", "IFO1", "completed", None, 12),
        row("2025-03", "IFO1", "reviewed", None, 9),
        row("2025-03", "IFO1", "discarded", None, 1),
        row("2025-03", "IFO1", "outcome:screening", Some("positive"), 2),
        row("2025-03", "IFO1", "outcome:screening", Some("negative"), 10),
        row("2025-03", "IFO1", "role", Some("valdsutsatt"), 9),
        row("2025-03", "IFO1", "role", Some("valdsutovare"), 4),
        row("2025-03", "IFO1", "role", Some("barn"), 1),
    ]
}

fn request(p: Period, rows: Vec<CountRow>) -> ExportRequest {
    ExportRequest {
        period: p,
        threshold: SuppressionThreshold::default(),
        preliminary: vec![],
        instruments: vec![freda()],
        rows,
    }
}

fn export(rows: Vec<CountRow>, p: Period, key: &InstallationKey, id: Uuid) -> SignedExport {
    build_export(&request(p, rows), key, id).unwrap()
}

fn count_of(e: &SignedExport, measure: &str, category: Option<&str>) -> Cell {
    let measure: Measure = measure.parse().unwrap();
    e.rows()
        .iter()
        .find(|r| r.measure == measure && r.category.as_ref().map(Code::as_str) == category)
        .unwrap_or_else(|| panic!("no row {measure} {category:?}"))
        .count
}

#[test]
fn small_totals_and_small_breakdown_cells_are_suppressed() {
    let key = InstallationKey::generate().unwrap();
    let e = export(
        march_rows(),
        period("2025-01", "2025-03"),
        &key,
        Uuid::new_v4(),
    );
    assert_eq!(count_of(&e, "started", None), Cell::Exact(14));
    assert_eq!(count_of(&e, "completed", None), Cell::Exact(12));
    assert_eq!(count_of(&e, "reviewed", None), Cell::Exact(9));
    // A total from 1 to the threshold is hidden too.
    assert_eq!(count_of(&e, "discarded", None), Cell::Suppressed);
    // 2 positive of 12: all but 2 (< 3) are negative, so the table is hidden whole.
    assert_eq!(
        count_of(&e, "outcome:screening", Some("positive")),
        Cell::Suppressed
    );
    assert_eq!(
        count_of(&e, "outcome:screening", Some("negative")),
        Cell::Suppressed
    );
    // Roles 9, 4, 1, 0: the 1 and the 0 hold fewer than 3 together, so the 4 goes with them;
    // 9 exceeds their sum.
    assert_eq!(count_of(&e, "role", Some("valdsutsatt")), Cell::Exact(9));
    assert_eq!(count_of(&e, "role", Some("valdsutovare")), Cell::Suppressed);
    assert_eq!(count_of(&e, "role", Some("barn")), Cell::Suppressed);
    assert_eq!(count_of(&e, "role", Some("anhorig")), Cell::Suppressed);
}

#[test]
fn a_signed_file_verifies_and_reads_back_the_same() {
    let key = InstallationKey::generate().unwrap();
    let id = Uuid::new_v4();
    let e = export(march_rows(), period("2025-01", "2025-03"), &key, id);
    let back = verify(e.to_json_bytes()).unwrap();
    assert_eq!(back, e);
    assert_eq!(back.installation_id(), id);
    assert_eq!(back.public_key(), key.public_key());
    assert_eq!(back.period(), period("2025-01", "2025-03"));
    assert_eq!(back.sources().len(), 1);
}

#[test]
fn the_file_has_the_documented_shape() {
    let key = InstallationKey::generate().unwrap();
    let id = Uuid::new_v4();
    let e = export(march_rows(), period("2025-03", "2025-03"), &key, id);
    let json: serde_json::Value = serde_json::from_slice(e.to_json_bytes()).unwrap();
    assert_eq!(json["format"], "varna-export");
    assert_eq!(json["schema_version"], 2);
    assert_eq!(json["preliminary"], serde_json::json!([]));
    assert_eq!(json["installation_id"], id.to_string());
    assert_eq!(json["public_key"], key.public_key().to_hex());
    assert_eq!(json["period"]["from"], "2025-03");
    assert_eq!(json["suppression_threshold"], 3);
    assert_eq!(json["sources"][0]["installation_id"], id.to_string());
    let first = &json["rows"][0];
    assert_eq!(first["month"], "2025-03");
    assert_eq!(first["unit"], "IFO1");
    assert_eq!(first["instrument"], "freda-kort");
    assert_eq!(first["version"], "1.0.0");
    assert_eq!(first["measure"], "started");
    assert!(first["category"].is_null());
    assert_eq!(first["count"], 14);
    assert!(json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["count"] == "suppressed"));
    assert_eq!(json["signature"].as_str().unwrap().len(), 128);
    assert!(e.to_json_bytes().ends_with(b"\"\n}\n"));
}

#[test]
fn changing_any_byte_of_a_signed_file_is_detected() {
    let key = InstallationKey::generate().unwrap();
    let e = export(
        vec![
            row("2025-03", "IFO1", "completed", None, 5),
            row("2025-03", "IFO1", "outcome:screening", Some("positive"), 1),
            row("2025-03", "IFO1", "outcome:screening", Some("negative"), 4),
        ],
        period("2025-03", "2025-03"),
        &key,
        Uuid::new_v4(),
    );
    let good = e.to_json_bytes().to_vec();
    for i in 0..good.len() {
        for flip in [0x01u8, 0x20, 0x80] {
            let mut bad = good.clone();
            bad[i] ^= flip;
            assert!(verify(&bad).is_err(), "byte {i} ^ {flip:#x} went unnoticed");
        }
    }
    assert!(verify(&good[..good.len() - 1]).is_err());
    let mut longer = good.clone();
    longer.push(b'\n');
    assert!(verify(&longer).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any byte replaced by any other value, or inserted, or removed: never verifies.
    #[test]
    fn any_edit_of_a_signed_file_is_detected(pos in any::<prop::sample::Index>(), value in any::<u8>(), kind in 0..3u8) {
        let key = InstallationKey::generate().unwrap();
        let e = export(march_rows(), period("2025-03", "2025-03"), &key, Uuid::new_v4());
        let mut bytes = e.to_json_bytes().to_vec();
        let i = pos.index(bytes.len());
        match kind {
            0 => { prop_assume!(bytes[i] != value); bytes[i] = value; }
            1 => bytes.insert(i, value),
            _ => { bytes.remove(i); }
        }
        prop_assert!(verify(&bytes).is_err());
    }
}

#[test]
fn a_file_re_signed_by_another_key_still_verifies_but_shows_that_key() {
    // The embedded key proves integrity, not who signed: the caller must compare the key
    // with the one it knows for that installation (see docs/EXPORT.md).
    let id = Uuid::new_v4();
    let a = export(
        march_rows(),
        period("2025-03", "2025-03"),
        &InstallationKey::generate().unwrap(),
        id,
    );
    let other = InstallationKey::generate().unwrap();
    let b = export(march_rows(), period("2025-03", "2025-03"), &other, id);
    assert_ne!(
        verify(a.to_json_bytes()).unwrap().public_key(),
        other.public_key()
    );
    assert_eq!(
        verify(b.to_json_bytes()).unwrap().public_key(),
        other.public_key()
    );
}

#[test]
fn verification_explains_what_is_wrong() {
    let err = verify(b"month,unit\n").unwrap_err();
    assert_eq!(err.code(), ErrorCode::Corrupt);
    assert!(err.to_string().contains("not a Värna export"));

    let key = InstallationKey::generate().unwrap();
    let e = export(
        march_rows(),
        period("2025-03", "2025-03"),
        &key,
        Uuid::new_v4(),
    );
    let text = String::from_utf8(e.to_json_bytes().to_vec()).unwrap();

    let newer = text.replace("\"schema_version\": 2", "\"schema_version\": 3");
    let err = verify(newer.as_bytes()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().contains("schema version 3"));

    let extra = text.replacen(
        "\"unit\": \"IFO1\",",
        "\"unit\": \"IFO1\", \"name\": \"Anna\",",
        1,
    );
    let err = verify(extra.as_bytes()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Corrupt);
    assert!(err.to_string().contains("does not match the schema"));
    assert!(!err.to_string().contains("Anna"), "{err}");

    let changed = text.replacen("\"count\": 14", "\"count\": 15", 1);
    let err = verify(changed.as_bytes()).unwrap_err();
    assert!(
        err.to_string().contains("signature does not match"),
        "{err}"
    );
}

#[test]
fn the_builder_refuses_rows_that_are_not_declared_counts() {
    let key = InstallationKey::generate().unwrap();
    let p = period("2025-03", "2025-03");
    let refuse = |rows: Vec<CountRow>, needle: &str| {
        let err = build_export(&request(p, rows), &key, Uuid::new_v4()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(err.to_string().contains(needle), "{err}");
    };
    refuse(
        vec![row("2025-04", "IFO1", "started", None, 1)],
        "outside the period",
    );
    refuse(
        vec![row(
            "2025-03",
            "IFO1",
            "outcome:screening",
            Some("maybe"),
            1,
        )],
        "not declared",
    );
    refuse(
        vec![row("2025-03", "IFO1", "outcome:band", Some("high"), 1)],
        "not declared",
    );
    refuse(
        vec![row("2025-03", "IFO1", "role", Some("granne"), 1)],
        "not declared",
    );
    refuse(
        vec![row("2025-03", "IFO1", "role", None, 1)],
        "needs a category",
    );
    refuse(
        vec![row("2025-03", "IFO1", "started", Some("positive"), 1)],
        "cannot have a category",
    );
    refuse(
        vec![
            row("2025-03", "IFO1", "started", None, 1),
            row("2025-03", "IFO1", "started", None, 2),
        ],
        "twice",
    );
    let mut other = row("2025-03", "IFO1", "started", None, 1);
    other.instrument_id = code("patriark");
    refuse(vec![other], "not declared");

    let mut one_category = request(p, vec![]);
    one_category.instruments[0].outcome_dimensions[0]
        .categories
        .pop();
    let err = build_export(&one_category, &key, Uuid::new_v4()).unwrap_err();
    assert!(err.to_string().contains("at least two categories"), "{err}");
}

#[test]
fn csv_is_utf8_with_bom_and_marks_suppressed_cells() {
    let key = InstallationKey::generate().unwrap();
    let e = export(
        march_rows(),
        period("2025-03", "2025-03"),
        &key,
        Uuid::new_v4(),
    );
    let csv = e.to_csv().unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&csv[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "month,unit,instrument,version,measure,category,count"
    );
    assert_eq!(lines[1], "2025-03,IFO1,freda-kort,1.0.0,started,,14");
    assert!(lines.contains(&"2025-03,IFO1,freda-kort,1.0.0,outcome:screening,positive,.."));
    assert!(lines.contains(&"2025-03,IFO1,freda-kort,1.0.0,role,valdsutsatt,9"));
    assert_eq!(
        lines.len(),
        e.rows().len() + 2,
        "header, rows, final empty line"
    );
}

#[test]
fn merging_two_laptops_adds_totals_and_keeps_suppression() {
    let unit_key = InstallationKey::generate().unwrap();
    let unit_id = Uuid::new_v4();
    let (ka, kb) = (
        InstallationKey::generate().unwrap(),
        InstallationKey::generate().unwrap(),
    );
    let (ia, ib) = (Uuid::new_v4(), Uuid::new_v4());
    let q1 = period("2025-01", "2025-03");
    let a = export(march_rows(), q1, &ka, ia);
    let b = export(
        vec![
            row("2025-03", "IFO1", "started", None, 20),
            row("2025-03", "IFO1", "completed", None, 20),
            row("2025-03", "IFO1", "outcome:screening", Some("positive"), 8),
            row("2025-03", "IFO1", "outcome:screening", Some("negative"), 12),
            row("2025-03", "IFO1", "role", Some("valdsutsatt"), 14),
            row("2025-03", "IFO1", "role", Some("barn"), 6),
            row("2025-02", "IFO1", "started", None, 4),
        ],
        q1,
        &kb,
        ib,
    );
    let m = merge(
        &[
            verify(a.to_json_bytes()).unwrap(),
            verify(b.to_json_bytes()).unwrap(),
        ],
        &unit_key,
        unit_id,
    )
    .unwrap();
    assert_eq!(m.installation_id(), unit_id);
    assert_eq!(m.sources().len(), 2);
    let march = |measure: &str, category: Option<&str>| {
        let measure: Measure = measure.parse().unwrap();
        m.rows()
            .iter()
            .find(|r| {
                r.month == month("2025-03")
                    && r.measure == measure
                    && r.category.as_ref().map(Code::as_str) == category
            })
            .unwrap()
            .count
    };
    assert_eq!(march("started", None), Cell::Exact(34));
    assert_eq!(march("completed", None), Cell::Exact(32));
    assert_eq!(march("reviewed", None), Cell::Exact(9));
    // Suppressed in laptop A's file, so suppressed in the sum.
    assert_eq!(
        march("outcome:screening", Some("positive")),
        Cell::Suppressed
    );
    assert_eq!(
        march("outcome:screening", Some("negative")),
        Cell::Suppressed
    );
    assert_eq!(march("role", Some("valdsutsatt")), Cell::Exact(9 + 14));
    assert_eq!(march("role", Some("barn")), Cell::Suppressed);
    assert_eq!(march("discarded", None), Cell::Suppressed);
    assert!(m
        .rows()
        .iter()
        .any(|r| r.month == month("2025-02") && r.count == Cell::Exact(4)));
    // The merged file is itself a valid signed export.
    assert_eq!(verify(m.to_json_bytes()).unwrap(), m);
}

#[test]
fn merge_refuses_the_same_installation_and_months_twice() {
    let key = InstallationKey::generate().unwrap();
    let id = Uuid::new_v4();
    let unit_key = InstallationKey::generate().unwrap();
    let q1 = export(march_rows(), period("2025-01", "2025-03"), &key, id);
    let march = export(march_rows(), period("2025-03", "2025-03"), &key, id);
    let err = merge(&[q1.clone(), march], &unit_key, Uuid::new_v4()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(err.to_string().contains("counted twice"), "{err}");

    // Nor can a laptop's file sneak in twice through an earlier merge.
    let other = export(
        march_rows(),
        period("2025-01", "2025-03"),
        &InstallationKey::generate().unwrap(),
        Uuid::new_v4(),
    );
    let merged = merge(&[q1.clone(), other], &unit_key, Uuid::new_v4()).unwrap();
    let err = merge(&[merged, q1.clone()], &unit_key, Uuid::new_v4()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);

    // The same installation for the next quarter is fine.
    let q2 = export(vec![], period("2025-04", "2025-06"), &key, id);
    let year = merge(&[q1, q2], &unit_key, Uuid::new_v4()).unwrap();
    assert_eq!(year.period(), period("2025-01", "2025-06"));
}

#[test]
fn merge_refuses_mixed_thresholds_and_forged_keys() {
    let unit_key = InstallationKey::generate().unwrap();
    let a = export(
        march_rows(),
        period("2025-03", "2025-03"),
        &InstallationKey::generate().unwrap(),
        Uuid::new_v4(),
    );
    let mut req = request(period("2025-03", "2025-03"), march_rows());
    req.threshold = SuppressionThreshold::new(5).unwrap();
    let b = build_export(&req, &InstallationKey::generate().unwrap(), Uuid::new_v4()).unwrap();
    let err = merge(&[a.clone(), b], &unit_key, Uuid::new_v4()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().contains("different thresholds"), "{err}");

    // Another key claiming laptop A's id for other months.
    let forged = export(
        vec![],
        period("2025-04", "2025-04"),
        &InstallationKey::generate().unwrap(),
        a.installation_id(),
    );
    let err = merge(&[a, forged], &unit_key, Uuid::new_v4()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);

    let err = merge(&[], &unit_key, Uuid::new_v4()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
}
