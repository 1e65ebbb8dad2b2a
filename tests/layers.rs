//! The pipeline's layers import one way only. Reads every file under src/
//! (outside its tests), finds the modules it names through `crate::`,
//! `chorus2outdoo::`, `super::` and `self::` paths, and fails on a file
//! that imports from a layer above its own, or on files that import each
//! other in a circle, naming each.
//!
//! The layers, from the bottom: the neutral model with the leaves every
//! stage uses (format constants, digests, limits, the report, the record
//! store); read (detect, the readers, the Chorus API client); decide;
//! write (and `verify`, which checks what was written); the two passes
//! orchestrated (`convert`, the CLI's threads); the shells (the CLI, the
//! wasm binding in `wasm/`, the crate's root).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each layer and the files (or folders, ending in `/`) in it, bottom first.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "model",
        &[
            "model.rs",
            "model/",
            "report.rs",
            "error.rs",
            "limits.rs",
            "digest.rs",
            "format.rs",
        ],
    ),
    (
        "read",
        &[
            "detect.rs",
            "read/",
            "fetch/mod.rs",
            "fetch/protocol.rs",
            "fetch/fetcher.rs",
            "fetch/rules.rs",
            "fetch/incomplete.rs",
            "fetch/archive.rs",
            "fetch/command.rs",
            "fetch/media.rs",
            "fetch/session.rs",
        ],
    ),
    ("decide", &["decide/"]),
    ("write", &["write/", "verify/"]),
    (
        "passes",
        &["convert.rs", "parallel.rs", "sample.rs", "second_pass.rs"],
    ),
    (
        "shells",
        &[
            "lib.rs",
            "main.rs",
            "cli/",
            "wasm/",
            "fetch_native.rs",
            "folder.rs",
            "shared_file.rs",
            "spill_file.rs",
            "positioned.rs",
            "serve.rs",
        ],
    ),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every .rs file under `dir`, as paths relative to src/ with `/`.
fn rust_files(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(src()).unwrap();
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

fn layer_of(file: &str) -> usize {
    LAYERS
        .iter()
        .position(|(_, members)| {
            members
                .iter()
                .any(|m| file == *m || (m.ends_with('/') && file.starts_with(m)))
        })
        .unwrap_or_else(|| panic!("src/{file} is in no layer: add it to LAYERS in tests/layers.rs"))
}

/// The code of a file without comments, string literals and its test module.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    let mut code = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        code.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                // A string literal (raw strings hold no paths worth following).
                let mut escaped = false;
                for c in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
                code.push_str("\"\"");
            }
            '\'' => {
                // A char literal, or a lifetime: keep a lifetime's name.
                let mut literal = String::from('\'');
                while let Some(&next) = chars.peek() {
                    literal.push(next);
                    chars.next();
                    if next == '\'' || !(next.is_alphanumeric() || next == '_' || next == '\\') {
                        break;
                    }
                }
                code.push_str(&literal);
            }
            _ => code.push(c),
        }
    }
    code
}

/// `a::{b, c::{d, e}}` expanded into `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&format!("{prefix}{p}")))
        .collect()
}

/// The paths a file's code names: its `use` trees expanded, and every
/// other `crate::…`, `chorus2outdoo::…`, `super::…` path.
fn paths_in(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    // The code with its `use` statements blanked, once they are read.
    let mut other = code.to_string();
    let mut from = 0;
    while let Some(found) = code[from..].find("use ") {
        let at = from + found;
        let boundary = at == 0 || !code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        let end = code[at..].find(';').map_or(code.len(), |e| at + e);
        if boundary {
            paths.extend(expand(&code[at + 4..end]));
            other.replace_range(at..end, &" ".repeat(end - at));
        }
        from = at + 4;
    }
    for root in ["crate::", "chorus2outdoo::", "super::"] {
        let mut rest = other.as_str();
        while let Some(at) = rest.find(root) {
            let boundary = at == 0
                || !rest[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':');
            let path: String = rest[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            if boundary {
                paths.push(path.trim_end_matches(':').to_string());
            }
            rest = &rest[at + root.len()..];
        }
    }
    paths
}

/// The module (as a path of names from the crate root) a file is.
fn module_of(file: &str) -> Vec<String> {
    let stem = file.trim_end_matches(".rs");
    let mut names: Vec<String> = stem.split('/').map(str::to_string).collect();
    if matches!(
        names.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        names.pop();
    }
    names
}

/// The file of the longest leading part of `names` that is a module.
fn file_of(names: &[String], files: &BTreeSet<String>) -> Option<String> {
    for len in (1..=names.len()).rev() {
        let stem = names[..len].join("/");
        for candidate in [format!("{stem}.rs"), format!("{stem}/mod.rs")] {
            if files.contains(&candidate) {
                return Some(candidate);
            }
        }
    }
    None
}

/// What the crate's root re-exports: a name to the module path it comes from.
fn root_exports(files: &BTreeSet<String>) -> BTreeMap<String, Vec<String>> {
    let code = code_of(&std::fs::read_to_string(src().join("lib.rs")).unwrap());
    let mut exports = BTreeMap::new();
    for path in paths_in(&code) {
        let names: Vec<String> = path.split("::").map(str::to_string).collect();
        if let Some(last) = names.last() {
            if file_of(&names, files).is_some() {
                exports.insert(last.clone(), names);
            }
        }
    }
    exports
}

/// The files `file` imports from (itself left out).
fn imports(
    file: &str,
    files: &BTreeSet<String>,
    exports: &BTreeMap<String, Vec<String>>,
) -> BTreeSet<String> {
    let code = code_of(&std::fs::read_to_string(src().join(file)).unwrap());
    let here = module_of(file);
    let mut found = BTreeSet::new();
    for path in paths_in(&code) {
        let mut names: Vec<String> = path.split("::").map(str::to_string).collect();
        let mut module = match names.first().map(String::as_str) {
            Some("crate" | "chorus2outdoo") => Vec::new(),
            Some("super") => {
                let mut parent = here.clone();
                // A module's `super` is its parent; a folder's mod.rs is that folder's module.
                parent.pop();
                while names.get(1).map(String::as_str) == Some("super") {
                    parent.pop();
                    names.remove(0);
                }
                parent
            }
            Some("self") => here.clone(),
            _ => continue,
        };
        names.remove(0);
        if module.is_empty() && names.len() == 1 {
            if let Some(real) = exports.get(&names[0]) {
                names = real.clone();
            }
        }
        module.extend(names);
        if let Some(target) = file_of(&module, files) {
            if target != file && target != "lib.rs" && target != "main.rs" {
                found.insert(target);
            }
        }
    }
    found
}

/// Every circle of files that import each other (Tarjan's strongly
/// connected components of more than one file), each sorted.
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(state: &mut State<'a>, node: &'a str) {
        let n = state.index.len();
        state.index.insert(node, n);
        state.low.insert(node, n);
        state.stack.push(node);
        state.on_stack.insert(node);
        for next in state.graph.get(node).into_iter().flatten() {
            if !state.index.contains_key(next.as_str()) {
                visit(state, next);
                let low = state.low[next.as_str()].min(state.low[node]);
                state.low.insert(node, low);
            } else if state.on_stack.contains(next.as_str()) {
                let low = state.index[next.as_str()].min(state.low[node]);
                state.low.insert(node, low);
            }
        }
        if state.low[node] == state.index[node] {
            let mut component = Vec::new();
            while let Some(top) = state.stack.pop() {
                state.on_stack.remove(top);
                component.push(top.to_string());
                if top == node {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                state.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !state.index.contains_key(node.as_str()) {
            visit(&mut state, node);
        }
    }
    state.found.sort();
    state.found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut list = Vec::new();
    rust_files(&src(), &mut list);
    let files: BTreeSet<String> = list.into_iter().collect();
    let exports = root_exports(&files);
    files
        .iter()
        .map(|file| (file.clone(), imports(file, &files, &exports)))
        .collect()
}

#[test]
fn imports_go_one_way_down_the_pipeline() {
    let graph = graph();
    let mut back_edges = Vec::new();
    for (file, targets) in &graph {
        let layer = layer_of(file);
        for target in targets {
            let target_layer = layer_of(target);
            if target_layer > layer {
                back_edges.push(format!(
                    "src/{file} ({}) imports src/{target} ({}), a layer above it",
                    LAYERS[layer].0, LAYERS[target_layer].0
                ));
            }
        }
    }
    assert!(
        back_edges.is_empty(),
        "back edges:\n{}",
        back_edges.join("\n")
    );
    let circles: Vec<String> = circles(&graph)
        .into_iter()
        .map(|files| {
            let files: Vec<String> = files.iter().map(|f| format!("src/{f}")).collect();
            format!("files that import each other: {}", files.join(", "))
        })
        .collect();
    assert!(circles.is_empty(), "{}", circles.join("\n"));
}

/// The reading of imports finds what it should: a brace tree, a path in
/// code, a `super` path, a re-export of the crate's root.
#[test]
fn the_import_reader_follows_every_kind_of_path() {
    assert_eq!(
        expand("crate::a::{b, c::{d, e}, f}"),
        [
            "crate::a::b",
            "crate::a::c::d",
            "crate::a::c::e",
            "crate::a::f"
        ]
    );
    let code = code_of(
        "use crate::model::{calls::Call, Location};\n// use crate::write::x;\nfn f() { crate::read::archive::is_call_id(\"crate::decide\"); super::media::x(); }\n#[cfg(test)]\nmod tests { use crate::convert::x; }",
    );
    assert_eq!(
        paths_in(&code),
        [
            "crate::model::calls::Call",
            "crate::model::Location",
            "crate::read::archive::is_call_id",
            "super::media::x"
        ]
    );
    let graph = graph();
    assert!(graph["read/archive/entries.rs"].contains("model/calls.rs"));
    assert!(
        graph["fetch/media.rs"].is_empty()
            || graph["fetch/media.rs"]
                .iter()
                .all(|f| f.starts_with("fetch/"))
    );
    assert!(
        graph["wasm/conversion.rs"].contains("convert.rs"),
        "{:?}",
        graph["wasm/conversion.rs"]
    );
    // `chorus2outdoo::convert_with_archives` (a re-export) is convert.rs.
    assert!(graph["parallel.rs"].contains("write/calls.rs"));
}
