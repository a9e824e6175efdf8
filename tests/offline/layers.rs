//! The layers point down: no import cycle between the top-level modules of src/ (issue 19).
//! A module's imports are its `crate::X` paths outside comments and its test modules; the
//! test names the cycle, and each module's part in it, when one appears.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::replay::repo_root;

/// The top-level modules of src/ (files and folders, without lib.rs and main.rs).
fn modules(src: &Path) -> BTreeSet<String> {
    std::fs::read_dir(src)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name()?.to_str()?.to_string();
            if path.is_dir() {
                Some(name)
            } else {
                let stem = name.strip_suffix(".rs")?;
                (!matches!(stem, "lib" | "main" | "catalog_texts")).then(|| stem.to_string())
            }
        })
        .collect()
}

/// The source of one file without comments and without what follows its first
/// `#[cfg(test)]` (unit tests may reach anywhere).
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules `text` names: `crate::X` and `crate::{X, Y::..}`.
fn imports(text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        let names: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group
                .split('}')
                .next()
                .unwrap_or_default()
                .split(',')
                .map(|p| p.trim().split("::").next().unwrap_or_default())
                .collect(),
            None => vec![
                rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                    .next()
                    .unwrap_or_default(),
            ],
        };
        out.extend(
            names
                .into_iter()
                .filter(|n| modules.contains(*n))
                .map(str::to_string),
        );
    }
    out
}

fn edges(src: &Path, modules: &BTreeSet<String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(src).unwrap();
            let file = rel.file_name().unwrap().to_str().unwrap();
            if !file.ends_with(".rs") || file.ends_with("_tests.rs") || file == "tests.rs" {
                continue;
            }
            let top = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_str()
                .unwrap();
            let top = top.strip_suffix(".rs").unwrap_or(top);
            if !modules.contains(top) {
                continue;
            }
            let text = code(&std::fs::read_to_string(&path).unwrap());
            let named = imports(&text, modules);
            out.entry(top.to_string())
                .or_default()
                .extend(named.into_iter().filter(|m| m != top));
        }
    }
    out
}

/// The strongly connected components of more than one module (Tarjan).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on.insert(v);
        let edges = s.edges;
        for w in edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.out.push(component);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn the_top_level_modules_form_no_import_cycle() {
    let src = repo_root().join("src");
    let modules = modules(&src);
    let edges = edges(&src, &modules);
    let found = cycles(&edges);
    let shown: Vec<String> = found
        .iter()
        .map(|c| {
            let parts: Vec<String> = c
                .iter()
                .map(|m| {
                    let into: Vec<&str> = edges[m]
                        .iter()
                        .filter(|t| c.contains(t))
                        .map(String::as_str)
                        .collect();
                    format!("{m} -> {}", into.join(", "))
                })
                .collect();
            parts.join("; ")
        })
        .collect();
    assert!(found.is_empty(), "import cycles: {shown:#?}");
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let e: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(str::to_string).collect()))
    .collect();
    assert_eq!(cycles(&e), vec![vec!["a", "b", "c"]]);
}

#[test]
fn imports_are_read_from_paths_and_groups_not_comments() {
    let m: BTreeSet<String> = ["gather", "text", "fix"].map(String::from).into();
    let text = code(
        "// crate::fix in a comment\nuse crate::{gather::runtime, text};\nlet x = crate::fix::Plan::default();\n#[cfg(test)]\nuse crate::nothing;",
    );
    assert_eq!(imports(&text, &m), m);
    let text = code("// only crate::fix here\nuse crate::text::sanitize;");
    assert_eq!(imports(&text, &m), ["text".to_string()].into());
}
