//! The README says what is true: its quick start is the program
//! `examples/quickstart.rs` (which `cargo test` compiles), and its test
//! command is the one CI runs.

use std::path::Path;

fn read(relative: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// The first fenced block of `language` after the heading `heading`.
fn block_after(text: &str, heading: &str, language: &str) -> String {
    let start = text
        .find(heading)
        .unwrap_or_else(|| panic!("README has no `{heading}`"));
    let fence = format!("```{language}\n");
    let open = start
        + text[start..]
            .find(&fence)
            .unwrap_or_else(|| panic!("no ```{language} block after `{heading}`"))
        + fence.len();
    let close = open + text[open..].find("```").expect("an unclosed block");
    text[open..close].to_owned()
}

#[test]
fn the_quick_start_is_the_compiled_example() {
    let readme = read("README.md");
    let quick_start = block_after(&readme, "## Quick start", "rust");
    let example = read("examples/quickstart.rs");
    assert_eq!(
        quick_start, example,
        "README's quick start and examples/quickstart.rs differ: copy the example into the README"
    );
}

#[test]
fn the_readme_test_command_is_what_ci_runs() {
    let readme = read("README.md");
    let command = block_after(&readme, "Run every test", "sh");
    let command = command
        .lines()
        .next()
        .expect("a command")
        .split('#')
        .next()
        .unwrap()
        .trim()
        .to_owned();
    assert_eq!(command, "scripts/test.sh");
    let ci = read(".ci/run");
    assert!(
        ci.lines().any(|line| line.trim() == command),
        ".ci/run does not run `{command}` verbatim"
    );
}
