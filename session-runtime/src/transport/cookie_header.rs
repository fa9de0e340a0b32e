//! Finding the session's pair in a `Cookie` request header, and reading a
//! token from header bytes.
//!
//! Header values are bytes, not text: browsers send whatever other cookies
//! hold (UTF-8 in a `theme=café`, Latin-1, stray control bytes), and one
//! such neighbour must not hide the session cookie. So the line is split as
//! bytes, and only the session's own value has to be text.

/// The value of the first pair named `name` in one `Cookie` header line,
/// as bytes. The line is split as the `cookie` crate's `split_parse` does
/// (on `;`, names and values trimmed of spaces and tabs), without building a
/// cookie per pair; a double-quoted value is unquoted. A pair that cannot be
/// parsed (no `=`, an empty name, bytes no cookie name holds) is skipped,
/// never the rest of the line.
pub(super) fn find<'h>(line: &'h [u8], name: &str) -> Option<&'h [u8]> {
    let name = name.as_bytes();
    let &first = name.first()?;
    // Candidates are the places the name's first byte occurs (memchr, not a
    // byte-by-byte split: this runs on every request, over lines of
    // hundreds of bytes); one counts only at the start of a pair.
    let mut from = 0;
    while let Some(offset) = memchr::memchr(first, &line[from..]) {
        let at = from + offset;
        from = at + 1;
        let starts_pair = line[..at]
            .iter()
            .rposition(|&b| !is_blank(b))
            .is_none_or(|before| line[before] == b';');
        if !starts_pair || !line[at..].starts_with(name) {
            continue;
        }
        let Some(value) = trim_start(&line[at + name.len()..]).strip_prefix(b"=") else {
            continue;
        };
        let end = memchr::memchr(b';', value).unwrap_or(value.len());
        let value = trim(&value[..end]);
        return Some(
            value
                .strip_prefix(b"\"")
                .and_then(|v| v.strip_suffix(b"\""))
                .unwrap_or(value),
        );
    }
    None
}

pub(super) fn token(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("")
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t')
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| !is_blank(b))
        .unwrap_or(bytes.len());
    &bytes[start..]
}

fn trim(bytes: &[u8]) -> &[u8] {
    let bytes = trim_start(bytes);
    let end = bytes
        .iter()
        .rposition(|&b| !is_blank(b))
        .map_or(0, |i| i + 1);
    &bytes[..end]
}

#[cfg(test)]
mod tests {
    use super::{find, token};

    fn value(line: &[u8]) -> Option<&[u8]> {
        find(line, "sid")
    }

    #[test]
    fn plain_pairs() {
        assert_eq!(value(b"sid=abc"), Some(&b"abc"[..]));
        assert_eq!(value(b"a=1; sid=abc; b=2"), Some(&b"abc"[..]));
        assert_eq!(value(b"  sid \t=\t abc  ;x=1"), Some(&b"abc"[..]));
        assert_eq!(value(b"sid=\"abc\""), Some(&b"abc"[..]));
        assert_eq!(value(b"sid="), Some(&b""[..]));
        assert_eq!(value(b"sid=a; sid=b"), Some(&b"a"[..]), "the first wins");
        assert_eq!(value(b"sidx=a; xsid=b; s id=c"), None);
        assert_eq!(value(b""), None);
        assert_eq!(value(b"x=sid=no; s=1; si d=2;sid=yes"), Some(&b"yes"[..]));
        assert_eq!(value(b"x=\"sid=no\";\tsid = yes ;"), Some(&b"yes"[..]));
    }

    #[test]
    fn neighbours_of_any_bytes_do_not_hide_the_session_pair() {
        let neighbours: [&[u8]; 12] = [
            "theme=café".as_bytes(),
            "emoji=🍪".as_bytes(),
            b"latin1=caf\xe9",
            b"lone=\xff\xfe",
            b"ctl=\x00\x01\x1f\x7f",
            b"cr=a\rb\nc",
            b"tab=\ta\t",
            b"noequals",
            b"=novalue",
            b"",
            b"\"quoted=x",
            "caf\u{e9}=name".as_bytes(),
        ];
        for neighbour in neighbours {
            for line in [
                [neighbour, b"; sid=TOKEN"].concat(),
                [&b"sid=TOKEN; "[..], neighbour].concat(),
                [neighbour, b";sid=TOKEN;", neighbour].concat(),
                [neighbour, b";;; ; sid=TOKEN"].concat(),
            ] {
                assert_eq!(
                    value(&line),
                    Some(&b"TOKEN"[..]),
                    "{}",
                    String::from_utf8_lossy(&line)
                );
            }
        }
    }

    #[test]
    fn a_session_value_that_is_not_text_is_present_and_invalid() {
        let line = b"sid=caf\xe9; sid=TOKEN";
        assert_eq!(value(line), Some(&b"caf\xe9"[..]), "the first still wins");
        assert_eq!(token(value(line).unwrap()), "");
        assert_eq!(token(b"TOKEN"), "TOKEN");
    }
}
