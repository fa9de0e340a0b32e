//! The names an accessor may not take (`session-macros/src/reserved.rs`)
//! are exactly what users call on every session: the public methods of the
//! runtime's `SessionState<T>` (wherever in the runtime they are defined),
//! the constructors the derive generates, and `Deref`'s. A method added to
//! the runtime without reserving its name would be shadowed by a field of
//! that name; a stale name would refuse a field for nothing.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The string literals of the `SESSION_METHODS` list.
fn reserved() -> BTreeSet<String> {
    let text = fs::read_to_string(root().join("session-macros/src/reserved.rs")).unwrap();
    let list = &text[text.find("SESSION_METHODS").expect("the list")..];
    let list = &list[..list.find("];").expect("the end of the list")];
    list.lines()
        .map(str::trim)
        .filter_map(|line| line.strip_prefix('"')?.split('"').next())
        .map(str::to_owned)
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The `pub fn` names inside every `impl<..> SessionState<T> {` block of
/// the runtime (inherent impls only, at any brace depth below the block).
fn session_state_methods() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&root().join("session-runtime/src"), &mut files);
    let mut names = BTreeSet::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("\nimpl") {
            rest = &rest[at + 1..];
            let header_end = rest.find('{').unwrap_or(rest.len());
            let header = &rest[..header_end];
            if !header.contains("SessionState<T>") || header.contains(" for ") {
                continue;
            }
            // The block: up to the matching brace.
            let mut depth = 0;
            let mut end = rest.len();
            for (i, c) in rest[header_end..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = header_end + i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            for line in rest[header_end..end].lines() {
                if let Some(sig) = line.trim().strip_prefix("pub fn ") {
                    let name: String = sig
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    names.insert(name);
                }
            }
        }
    }
    names
}

#[test]
fn reserved_names_are_the_session_api() {
    let mut api = session_state_methods();
    assert!(
        api.contains("regenerate_id") && api.contains("seal"),
        "the scan found the runtime's methods: {api:?}"
    );
    api.extend(["new", "unseal", "load", "deref", "deref_mut"].map(str::to_owned));
    let reserved = reserved();
    let unreserved: Vec<_> = api.difference(&reserved).collect();
    let stale: Vec<_> = reserved.difference(&api).collect();
    assert!(
        unreserved.is_empty() && stale.is_empty(),
        "methods users call but a field could shadow: {unreserved:?}; reserved names no method has: {stale:?}"
    );
}
