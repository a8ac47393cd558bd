//! `instruments/schema.json` is generated from the Rust types; this test fails when it is
//! stale. Regenerate with
//! `UPDATE_EXPECT=1 cargo test -p varna-core --test instrument_schema`
//! (or `varna instrument schema > instruments/schema.json`).

use std::path::Path;

#[test]
fn committed_json_schema_matches_the_rust_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../instruments/schema.json");
    let generated = varna_core::instrument::json_schema();
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "instruments/schema.json is stale; regenerate it with \
         `UPDATE_EXPECT=1 cargo test -p varna-core --test instrument_schema`"
    );
}

#[test]
fn schema_describes_every_item_type_and_requires_swedish() {
    let schema: serde_json::Value =
        serde_json::from_str(&varna_core::instrument::json_schema()).unwrap();
    let text = &schema["definitions"]["Text"];
    assert_eq!(text["required"], serde_json::json!(["sv"]));
    let types: Vec<&str> = schema["definitions"]["Item"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["properties"]["type"]["const"].as_str().unwrap())
        .collect();
    assert_eq!(types, varna_core::instrument::ItemKind::TYPE_NAMES);
    let required = schema["required"].as_array().unwrap();
    for key in ["id", "version", "kind", "title", "sections"] {
        assert!(required.iter().any(|r| r == key), "{key}");
    }
}
