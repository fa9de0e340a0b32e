//! The runtime's layers hold: no file imports another in a circle, and no
//! layer reaches up into one above it (the model never names a backend, a
//! transport or an integration; the backends never name h3).
//!
//! Reads `src/**/*.rs` as text and follows every `crate::a::b` path, as
//! `shared/tools/import-cycles.py` does.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// A module, as the path of its file below `src` (`["model", "state"]`).
type Module = Vec<String>;

/// The layer a module belongs to: each may name only its own layer and
/// those below it. `error` and the iron codec are leaves beside `crypto`.
fn layer(module: &[String]) -> Option<(u8, &'static str)> {
    let first = module.first().map(String::as_str);
    let second = module.get(1).map(String::as_str);
    Some(match (first, second) {
        (Some("crypto"), _) => (1, "crypto"),
        (Some("error"), _) => (1, "error"),
        (Some("log"), _) => (1, "log"),
        (Some("h3"), Some("iron")) => (1, "h3::iron"),
        (Some("model"), _) => (2, "model"),
        (Some("backend"), _) => (3, "backend"),
        (Some("h3"), _) => (3, "h3"),
        (Some("store"), _) => (3, "store"),
        (Some("transport"), _) => (4, "transport"),
        (Some("integrations"), _) => (5, "integrations"),
        // `lib.rs` and `private.rs` sit on top and may name anything.
        _ => return None,
    })
}

fn modules(dir: &Path, prefix: &[String], out: &mut BTreeMap<Module, String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        if path.is_dir() {
            let mut inner = prefix.to_vec();
            inner.push(name);
            modules(&path, &inner, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let mut module = prefix.to_vec();
            if !matches!(name.as_str(), "mod" | "lib") {
                module.push(name);
            }
            out.insert(module, strip_comments(&fs::read_to_string(&path).unwrap()));
        }
    }
}

fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::...` path in `text`, with `use crate::{a, b::c}` groups
/// expanded one level (the runtime's own style).
fn references(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        // Not `$crate::` (macro paths) nor part of another word.
        let before = rest[..at].chars().last();
        rest = after;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let path: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let mut segments: Vec<String> = path
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if after[path.len()..].starts_with('{') {
            let group = &after[path.len() + 1..];
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let mut full = segments.clone();
                full.extend(
                    item.trim()
                        .split("::")
                        .map(|s| s.split_whitespace().next().unwrap_or("").to_owned())
                        .filter(|s| !s.is_empty() && s != "self" && s != "{"),
                );
                out.push(full);
            }
        } else if !segments.is_empty() {
            segments.retain(|s| s != "self");
            out.push(segments);
        }
    }
    out
}

/// The module a path lands in: its longest prefix that is a file.
fn resolve<'m>(modules: &'m BTreeMap<Module, String>, path: &[String]) -> Option<&'m Module> {
    (1..=path.len())
        .rev()
        .find_map(|k| modules.get_key_value(&path[..k]).map(|(m, _)| m))
}

fn graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    modules(&src, &[], &mut files);
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, text) in &files {
        let targets = edges.entry(module.clone()).or_default();
        for path in references(text) {
            if let Some(target) = resolve(&files, &path)
                && target != module
                && !target.is_empty()
            {
                targets.insert(target.clone());
            }
        }
    }
    edges
}

fn name(module: &[String]) -> String {
    if module.is_empty() {
        "lib".into()
    } else {
        module.join("/")
    }
}

#[test]
fn no_layer_reaches_up() {
    let mut wrong = Vec::new();
    for (from, targets) in graph() {
        let Some((rank, from_layer)) = layer(&from) else {
            continue;
        };
        for to in targets {
            let Some((to_rank, to_layer)) = layer(&to) else {
                wrong.push(format!("{} -> {} (the top)", name(&from), name(&to)));
                continue;
            };
            // Backends are one trait and what serves every way of keeping
            // a session; h3 and the store build on it, never the reverse.
            let sideways = from_layer == "backend" && matches!(to_layer, "h3" | "store");
            if to_rank > rank || sideways {
                wrong.push(format!(
                    "{} ({from_layer}) -> {} ({to_layer})",
                    name(&from),
                    name(&to)
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that reach up a layer: {wrong:#?}"
    );
}

/// Tarjan's strongly connected components of the import graph.
struct Walk<'g> {
    edges: &'g BTreeMap<Module, BTreeSet<Module>>,
    index: BTreeMap<&'g Module, usize>,
    low: BTreeMap<&'g Module, usize>,
    stack: Vec<&'g Module>,
    on_stack: BTreeSet<&'g Module>,
    circles: Vec<Vec<String>>,
}
impl<'g> Walk<'g> {
    fn visit(&mut self, v: &'g Module) {
        let i = self.index.len();
        self.index.insert(v, i);
        self.low.insert(v, i);
        self.stack.push(v);
        self.on_stack.insert(v);
        for w in self.edges.get(v).into_iter().flatten() {
            if !self.index.contains_key(w) {
                self.visit(w);
                let low = self.low[v].min(self.low[w]);
                self.low.insert(v, low);
            } else if self.on_stack.contains(w) {
                let low = self.low[v].min(self.index[w]);
                self.low.insert(v, low);
            }
        }
        if self.low[v] == self.index[v] {
            let mut circle = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack.remove(w);
                circle.push(name(w));
                if w == v {
                    break;
                }
            }
            if circle.len() > 1 {
                self.circles.push(circle);
            }
        }
    }
}

#[test]
fn no_file_imports_another_in_a_circle() {
    let edges = graph();
    let mut walk = Walk {
        edges: &edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        circles: Vec::new(),
    };
    for module in edges.keys() {
        if !walk.index.contains_key(module) {
            walk.visit(module);
        }
    }
    assert!(
        walk.circles.is_empty(),
        "import circles: {:?}",
        walk.circles
    );
}

#[test]
fn the_check_sees_the_layers() {
    // Guards the checks above against reading nothing.
    let edges = graph();
    let model_state = edges
        .get(&vec!["model".to_owned(), "state".to_owned()])
        .expect("model/state.rs is read");
    assert!(model_state.contains(&vec!["model".to_owned(), "schema".to_owned()]));
    let transport = edges
        .get(&vec!["transport".to_owned()])
        .expect("transport/mod.rs");
    assert!(transport.contains(&vec!["backend".to_owned()]));
}
