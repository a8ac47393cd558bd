//! Embeds the shipped instrument files (`instruments/<id>/<version>.toml` at the workspace
//! root) into the core, so the app and the CLI work out of the box with no files beside them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../instruments")
        .canonicalize()
        .expect("the instruments/ folder exists at the workspace root");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    // Never ship an app without instruments because of a stale or odd checkout.
    assert!(
        !files.is_empty(),
        "no instrument files found under {}",
        root.display()
    );
    let mut out = String::from("&[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f
            .strip_prefix(&root)
            .expect("under root")
            .to_string_lossy()
            .replace('\\', "/");
        let abs = f.canonicalize().expect("canonical path");
        writeln!(
            out,
            "    ({rel:?}, include_str!({:?})),",
            abs.display().to_string()
        )
        .unwrap();
    }
    out.push(']');
    let dest =
        PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("shipped_instruments.rs");
    std::fs::write(dest, out).expect("write shipped_instruments.rs");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            println!("cargo:rerun-if-changed={}", p.display());
            collect(&p, out);
        } else if p.extension().and_then(|x| x.to_str()) == Some("toml") {
            out.push(p);
        }
    }
}
