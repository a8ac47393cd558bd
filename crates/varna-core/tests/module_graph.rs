//! The core's top-level modules form an acyclic dependency graph.
//!
//! Reads `src/**/*.rs`, finds each top-level module's references to the other top-level
//! modules (`crate::x`, `use crate::{x, …}`, `super::` resolved to the top-level module it
//! names), builds the graph and fails naming a cycle if there is one. Test code is left out:
//! inline `#[cfg(test)] mod … { … }` blocks, files declared `#[cfg(test)] mod name;`, and
//! files named `*_tests.rs` or `tests.rs`. Comments (doc comments included) and string
//! literals are removed first, so a doc link is no dependency. The crate root (`lib.rs`) only
//! declares the modules and is not a node.
//!
//! Paths are not the only way to use a module here: most modules add methods to `Store` in
//! their own `impl Store` block, and a call `store.with_tx(…)` names no module. So a call of
//! a `Store` method defined in one other module counts as a use of that module too (names
//! that are also methods of other types are left out: the parser has no types).
//!
//! Run with `--nocapture` to see the graph in layers (the lowest first); it is the one
//! `docs/ARCHITECTURE.md` shows under "Module dependencies".

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// `src` with comments, string and char literals blanked (kept as spaces, so positions of
/// code are unchanged).
fn strip(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !b
                .get(i.wrapping_sub(1))
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            // A raw string r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && (b.get(i + 2) == Some(&'\'') || next == Some('\\')) {
            // A char literal ('x' or '\n', '\u{..}'); a lifetime has no closing quote.
            i += 1;
            while i < b.len() && b[i] != '\'' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// `code` (already stripped) without the `#[cfg(test)]` items: inline modules are cut out
/// with their braces; the names of modules declared `#[cfg(test)] mod name;` are returned.
fn drop_test_items(code: &str) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut test_files = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "#[cfg(test)]".len()..];
        let item = after.trim_start();
        // Only modules are cut (a `#[cfg(test)]` fn or use is kept: its references are few
        // and honest to count).
        let item_body = item.strip_prefix("pub(crate) ").unwrap_or(item);
        if let Some(m) = item_body.strip_prefix("mod ") {
            let name: String = m
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let tail = &m[name.len()..];
            let tail_trim = tail.trim_start();
            if tail_trim.starts_with(';') {
                test_files.push(name);
                let consumed = after.len() - tail_trim.len() + 1;
                rest = &after[consumed..];
                continue;
            }
            if tail_trim.starts_with('{') {
                let start = after.len() - tail_trim.len();
                let mut depth = 0;
                let mut end = after.len();
                for (k, ch) in after[start..].char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = start + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                rest = &after[end..];
                continue;
            }
        }
        rest = after;
    }
    out.push_str(rest);
    (out, test_files)
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// The identifier starting at byte `i` of `b`.
fn ident_at(b: &[u8], mut i: usize) -> String {
    let start = i;
    while i < b.len() && is_ident(b[i]) {
        i += 1;
    }
    String::from_utf8_lossy(&b[start..i]).into_owned()
}

/// The top-level modules `code` names. `depth`: how deep the file's module is (`x.rs` and
/// `x/mod.rs`: 1, `x/y.rs`: 2, …); `own`: its top-level module.
fn references(code: &str, depth: usize, own: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let b = code.as_bytes();
    let at_word = |i: usize| i == 0 || !(is_ident(b[i - 1]) || b[i - 1] == b':');
    // `crate::x` and `crate::{x, y::z, …}`.
    for (i, _) in code.match_indices("crate::") {
        if !at_word(i) {
            continue;
        }
        let j = i + "crate::".len();
        if b.get(j) != Some(&b'{') {
            found.insert(ident_at(b, j));
            continue;
        }
        let mut depth_b = 0;
        let mut at_start = false;
        let mut k = j;
        while k < b.len() {
            match b[k] {
                b'{' => {
                    depth_b += 1;
                    at_start = depth_b == 1;
                }
                b'}' => {
                    depth_b -= 1;
                    if depth_b == 0 {
                        break;
                    }
                }
                b',' if depth_b == 1 => at_start = true,
                c if is_ident(c) => {
                    let name = ident_at(b, k);
                    if at_start && depth_b == 1 {
                        found.insert(name.clone());
                    }
                    at_start = false;
                    k += name.len();
                    continue;
                }
                c if !c.is_ascii_whitespace() => at_start = false,
                _ => {}
            }
            k += 1;
        }
    }
    // `super::…`: after `depth` steps up, the crate root names a top-level module.
    for (i, _) in code.match_indices("super::") {
        if !at_word(i) {
            continue;
        }
        let mut j = i;
        let mut ups = 0;
        while code[j..].starts_with("super::") {
            ups += 1;
            j += "super::".len();
        }
        if ups >= depth {
            found.insert(ident_at(b, j));
        } else {
            found.insert(own.to_owned());
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The graph of the crate whose `src` is `src`: top-level module → the modules it uses.
fn module_graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut skip: BTreeSet<PathBuf> = BTreeSet::new();
    let mut parsed = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(src).unwrap();
        let parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let text = std::fs::read_to_string(f).expect("read source");
        let (code, test_mods) = drop_test_items(&strip(&text));
        // The directory that holds this module's child files.
        let file = parts.last().unwrap().as_str();
        let child_dir = if file == "mod.rs" || file == "lib.rs" {
            f.parent().unwrap().to_path_buf()
        } else {
            f.with_extension("")
        };
        for m in test_mods {
            skip.insert(child_dir.join(format!("{m}.rs")));
            skip.insert(child_dir.join(&m).join("mod.rs"));
        }
        parsed.push((f.clone(), parts, code));
    }
    let mut graph = Graph::new();
    let mut code_of: BTreeMap<String, String> = BTreeMap::new();
    let top: BTreeSet<String> = parsed
        .iter()
        .filter(|(_, parts, _)| parts.len() > 1 || parts[0] != "lib.rs")
        .map(|(_, parts, _)| parts[0].trim_end_matches(".rs").to_owned())
        .collect();
    for (f, parts, code) in parsed {
        let file = parts.last().unwrap().as_str();
        if parts.len() == 1 && file == "lib.rs" {
            continue;
        }
        if skip.contains(&f) || file.ends_with("_tests.rs") || file == "tests.rs" {
            continue;
        }
        let own = parts[0].trim_end_matches(".rs").to_owned();
        let depth = if file == "mod.rs" {
            parts.len() - 1
        } else {
            parts.len()
        };
        let entry = graph.entry(own.clone()).or_default();
        for r in references(&code, depth, &own) {
            if r != own && top.contains(&r) {
                entry.insert(r);
            }
        }
        let all = code_of.entry(own).or_default();
        all.push_str(&code);
        all.push('\n');
    }
    add_method_edges(&mut graph, &code_of);
    graph
}

/// The bodies of `impl NAME {` blocks in `code` (type name, body).
fn impl_blocks(code: &str) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    for (i, _) in code.match_indices("impl") {
        let b = code.as_bytes();
        if i > 0 && is_ident(b[i - 1]) {
            continue;
        }
        let rest = &code[i + 4..];
        let Some(open) = rest.find('{') else { continue };
        let head = rest[..open].trim();
        if head.contains(';') || head.contains('}') {
            continue;
        }
        // `impl Type`, `impl<'a> Type<'a>`, `impl Trait for Type`: the self type.
        let mut ty = head.rsplit(" for ").next().unwrap_or(head).trim();
        if head.starts_with('<') && !head.contains(" for ") {
            ty = ty.split_once("> ").map_or(ty, |(_, t)| t).trim();
        }
        let ty: String = ty
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let name = ty.rsplit("::").next().unwrap_or("").to_owned();
        let body_start = i + 4 + open;
        let mut depth = 0;
        for (k, ch) in code[body_start..].char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        out.push((name, &code[body_start + 1..body_start + k]));
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// The names of the functions defined at the top of an impl body.
fn fn_names(body: &str) -> Vec<String> {
    let b = body.as_bytes();
    let mut depth = 0;
    let mut names = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' => depth += 1,
            b'}' => depth -= 1,
            b'f' if depth == 0
                && body[i..].starts_with("fn ")
                && (i == 0 || !is_ident(b[i - 1])) =>
            {
                names.push(ident_at(b, i + 3));
            }
            _ => {}
        }
        i += 1;
    }
    names
}

/// Methods of `Store` are defined in many modules (`impl Store` blocks); a call
/// `.name(` or `Store::name(` elsewhere is a use of the module that defines `name`. Names
/// that are also methods of another type of the crate, or of a common standard type, are
/// left out (ambiguous without types).
fn add_method_edges(graph: &mut Graph, code_of: &BTreeMap<String, String>) {
    let mut defined: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut other: BTreeSet<String> = BTreeSet::new();
    for (module, code) in code_of {
        for (ty, body) in impl_blocks(code) {
            for name in fn_names(body) {
                if ty == "Store" {
                    defined.entry(name).or_default().insert(module.clone());
                } else {
                    other.insert(name);
                }
            }
        }
    }
    // Names that are also methods of the standard library's types (`File::open`,
    // `Mutex::lock`, …): a call cannot be told apart without types.
    const STD: &[&str] = &[
        "open", "lock", "new", "get", "read", "write", "close", "clone",
    ];
    for (name, modules) in &defined {
        if modules.len() != 1 || other.contains(name) || STD.contains(&name.as_str()) {
            continue;
        }
        let home = modules.iter().next().unwrap();
        for (module, code) in code_of {
            if module == home {
                continue;
            }
            let called = [
                format!(".{name}("),
                format!(".{name}::<"),
                format!("Store::{name}("),
            ]
            .iter()
            .any(|pat| code.contains(pat.as_str()));
            if called {
                graph.get_mut(module).unwrap().insert(home.clone());
            }
        }
    }
}

/// A cycle of `graph` (its modules in order, the first repeated at the end), if it has one.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        n: &str,
        graph: &Graph,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        marks.insert(n.to_owned(), Mark::Open);
        path.push(n.to_owned());
        for m in graph.get(n).into_iter().flatten() {
            match marks.get(m.as_str()).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    let from = path.iter().position(|p| p == m).unwrap();
                    let mut cycle = path[from..].to_vec();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(c) = visit(m, graph, marks, path) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks.insert(n.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for n in graph.keys() {
        if marks.get(n.as_str()).copied().unwrap_or(Mark::New) == Mark::New {
            if let Some(c) = visit(n, graph, &mut marks, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

/// Every cycle's strongly connected component (for the failure message).
fn tangled(graph: &Graph) -> Vec<BTreeSet<String>> {
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_owned()];
        while let Some(n) = todo.pop() {
            for m in graph.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    todo.push(m.clone());
                }
            }
        }
        seen
    };
    let mut comps: Vec<BTreeSet<String>> = Vec::new();
    for n in graph.keys() {
        if comps.iter().any(|c| c.contains(n)) {
            continue;
        }
        let from_n = reach(n);
        if !from_n.contains(n) {
            continue;
        }
        let comp: BTreeSet<String> = from_n
            .into_iter()
            .filter(|m| reach(m).contains(n))
            .collect();
        comps.push(comp);
    }
    comps
}

/// The graph in layers: layer 0 uses nothing else; a module sits one above the highest
/// layer it uses. `None` when there is a cycle.
fn layers(graph: &Graph) -> Option<Vec<Vec<String>>> {
    let mut level: BTreeMap<String, usize> = BTreeMap::new();
    while level.len() < graph.len() {
        let before = level.len();
        for (n, uses) in graph {
            if level.contains_key(n) {
                continue;
            }
            if uses.iter().all(|u| level.contains_key(u)) {
                let l = uses.iter().map(|u| level[u] + 1).max().unwrap_or(0);
                level.insert(n.clone(), l);
            }
        }
        if level.len() == before {
            return None;
        }
    }
    let mut out: Vec<Vec<String>> = Vec::new();
    for (n, l) in level {
        if out.len() <= l {
            out.resize(l + 1, Vec::new());
        }
        out[l].push(n);
    }
    Some(out)
}

fn render(graph: &Graph) -> String {
    let mut s = String::new();
    match layers(graph) {
        Some(layers) => {
            for (i, layer) in layers.iter().enumerate().rev() {
                for n in layer {
                    let uses: Vec<&str> = graph[n].iter().map(String::as_str).collect();
                    s.push_str(&format!("{i}  {n:<11} → {}\n", uses.join(", ")));
                }
            }
        }
        None => {
            for (n, uses) in graph {
                let uses: Vec<&str> = uses.iter().map(String::as_str).collect();
                s.push_str(&format!("{n:<11} → {}\n", uses.join(", ")));
            }
        }
    }
    s
}

#[test]
fn the_core_modules_form_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = module_graph(&src);
    println!("{}", render(&graph));
    assert!(
        graph.len() > 10,
        "the parser found too few modules: {graph:?}"
    );
    if let Some(cycle) = find_cycle(&graph) {
        let comps: Vec<String> = tangled(&graph)
            .iter()
            .map(|c| c.iter().cloned().collect::<Vec<_>>().join(", "))
            .collect();
        panic!(
            "the core's modules form a cycle: {}\nmodules caught in cycles: {}",
            cycle.join(" → "),
            comps.join(" | ")
        );
    }
}

/// The parser and the cycle check on a small made-up crate: they must see through comments,
/// strings and test modules, resolve `super::` and `use crate::{…}`, and report a cycle.
#[test]
fn the_parser_finds_references_and_cycles() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let write = |rel: &str, text: &str| {
        let p = src.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("lib.rs", "mod a; mod b; mod c; mod d;");
    write(
        "a/mod.rs",
        "mod inner;\n#[cfg(test)]\nmod helper;\n// crate::d in a comment\n\
         const S: &str = \"crate::d\";\nuse crate::{b::X, self};\n\
         #[cfg(test)]\nmod tests { use crate::d::Y; fn f() { let _ = '{'; } }\n",
    );
    write(
        "a/inner.rs",
        "fn g() { super::super::c::h(); let _ = super::x; }",
    );
    write("a/helper.rs", "use crate::d;");
    write("a/more_tests.rs", "use crate::d;");
    write(
        "b.rs",
        "/// [`crate::d`]\nfn f<'a>(x: &'a str) { crate::a::f(); }",
    );
    write("c.rs", "");
    write("d.rs", "use super::c;");
    // `Store` gets methods in several modules; calling one is a use of its module.
    write(
        "c.rs",
        "struct Store; impl Store { pub fn from_c(&self) {} }",
    );
    write(
        "d.rs",
        "use super::c; impl Store { fn from_d(&self) {} } fn f(s: &Store) { s.from_c(); }",
    );
    let graph = module_graph(src);
    let names = |m: &str| graph[m].iter().cloned().collect::<Vec<_>>().join(",");
    assert_eq!(names("a"), "b,c");
    assert_eq!(names("b"), "a");
    assert_eq!(names("c"), "");
    assert_eq!(names("d"), "c");
    let cycle = find_cycle(&graph).expect("a ↔ b is a cycle");
    assert_eq!(cycle.first(), cycle.last());
    assert!(cycle.contains(&"a".to_owned()) && cycle.contains(&"b".to_owned()));
    assert!(layers(&graph).is_none());
    // Without b → a the graph is layered.
    write("b.rs", "fn f() {}");
    let graph = module_graph(src);
    assert!(find_cycle(&graph).is_none());
    let layers = layers(&graph).unwrap();
    assert_eq!(layers[0], vec!["b".to_owned(), "c".to_owned()]);
    assert_eq!(layers[1], vec!["a".to_owned(), "d".to_owned()]);
}
