//! Finding the session's pair in a `Cookie` request header.

/// The value of the pair named `name` in one `Cookie` header line. The line
/// is split as the `cookie` crate's `split_parse` does (on `;`, names
/// and values trimmed), without building a cookie per pair; a
/// double-quoted value is unquoted.
///
/// The line is visible ASCII (`HeaderValue::to_str`), so the only
/// whitespace to trim is spaces and tabs.
pub(super) fn find<'h>(line: &'h str, name: &str) -> Option<&'h str> {
    let name = name.as_bytes();
    let bytes = line.as_bytes();
    let mut at = 0;
    loop {
        let end = line[at..].find(';').map_or(line.len(), |i| at + i);
        let start = skip_blanks(bytes, at, end);
        if bytes[start..end].starts_with(name) {
            let eq = skip_blanks(bytes, start + name.len(), end);
            if eq < end && bytes[eq] == b'=' {
                let from = skip_blanks(bytes, eq + 1, end);
                let mut to = end;
                while to > from && matches!(bytes[to - 1], b' ' | b'\t') {
                    to -= 1;
                }
                let value = &line[from..to];
                return Some(
                    value
                        .strip_prefix('"')
                        .and_then(|v| v.strip_suffix('"'))
                        .unwrap_or(value),
                );
            }
        }
        if end == line.len() {
            return None;
        }
        at = end + 1;
    }
}

/// The index of the first byte at or after `at` (and before `end`) that
/// is not a space or a tab.
fn skip_blanks(bytes: &[u8], mut at: usize, end: usize) -> usize {
    while at < end && matches!(bytes[at], b' ' | b'\t') {
        at += 1;
    }
    at
}
