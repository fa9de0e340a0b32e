//! Finding the session's pair in a `Cookie` request header, and reading a
//! token from header bytes.
//!
//! Header values are bytes, not text: browsers send whatever other cookies
//! hold (UTF-8 in a `theme=café`, Latin-1, stray control bytes), and one
//! such neighbour must not hide the session cookie. So the line is split as
//! bytes, and only the session's own value has to be text.
//!
//! A session split into chunk cookies (h3 v2's format) has its main pair
//! `name=__chunked__N` and the chunks `name.1` ... `name.N`, found alike.

use super::set_cookie::CHUNKED_MARKER;
use crate::backend::MAX_CHUNKS;

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
        let rest = &line[at + name.len()..];
        let end = memchr::memchr(b';', rest).unwrap_or(rest.len());
        if let Some(value) = value_after_name(&rest[..end]) {
            return Some(value);
        }
    }
    None
}

/// The values of the chunk pairs `name.1` ... `name.N` in one `Cookie`
/// header line, `N` being `slots.len()`: chunk `i` goes to `slots[i - 1]`
/// unless a previous pair (or line) filled it, so the first of each wins,
/// as for the main cookie. Split as [`find`] splits. An index is written as
/// h3 writes it (`name.7`, not `name.07`): h3 looks chunks up by that exact
/// name; a pair with another index is not a chunk.
pub(super) fn find_chunks<'h>(line: &'h [u8], name: &str, slots: &mut [Option<&'h [u8]>]) {
    let name = name.as_bytes();
    for pair in line.split(|&b| b == b';') {
        let Some(rest) = trim(pair)
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(b"."))
        else {
            continue;
        };
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let (index, rest) = rest.split_at(digits);
        let Some(slot) = chunk_index(index)
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| slots.get_mut(i))
        else {
            continue;
        };
        if slot.is_none()
            && let Some(value) = value_after_name(rest)
        {
            *slot = Some(value);
        }
    }
}

/// The number of chunks a main cookie's value announces, if it is a
/// chunked one: `Some(Ok(n))` for `__chunked__n` with `n` from 0 to 100,
/// `Some(Err(()))` for a value that starts with `__chunked__` but does not
/// announce such a number, `None` for a plain value. h3 v2 reads the number
/// with `parseInt`, which also takes `__chunked__3abc`; h3 writes only
/// plain numbers, and a value it does not write is refused here.
pub(super) fn announced_chunks(value: &[u8]) -> Option<Result<usize, ()>> {
    let digits = value.strip_prefix(CHUNKED_MARKER.as_bytes())?;
    // At most 3 digits: no overflow, and nothing above 999 needs reading.
    if digits.is_empty() || digits.len() > 3 || !digits.iter().all(u8::is_ascii_digit) {
        return Some(Err(()));
    }
    let count = decimal(digits);
    Some(if count <= MAX_CHUNKS {
        Ok(count)
    } else {
        Err(())
    })
}

/// The value of at most 3 ASCII digits.
fn decimal(digits: &[u8]) -> usize {
    digits.iter().fold(0, |n, d| n * 10 + usize::from(d - b'0'))
}

/// A chunk index from its decimal digits: no sign, no leading zero, at
/// most 3 digits (no index is above 100).
fn chunk_index(digits: &[u8]) -> Option<usize> {
    if digits.is_empty() || digits.len() > 3 || digits[0] == b'0' {
        return None;
    }
    Some(decimal(digits))
}

/// The value of a pair from what follows its name: blanks, `=`, the value
/// (trimmed, unquoted); `None` when no `=` follows (another name that
/// starts with this one).
fn value_after_name(rest: &[u8]) -> Option<&[u8]> {
    let value = trim(trim_start(rest).strip_prefix(b"=")?);
    Some(
        value
            .strip_prefix(b"\"")
            .and_then(|v| v.strip_suffix(b"\""))
            .unwrap_or(value),
    )
}

/// A token from header bytes: the text, or `""` when the bytes are not
/// UTF-8 (no token is; `""` matches none, so such a value counts as present
/// and invalid). The session header and the session cookie's value are
/// read alike.
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
    use super::{announced_chunks, find, find_chunks, token};

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

    fn chunks<'h>(lines: &[&'h [u8]], count: usize) -> Vec<Option<&'h [u8]>> {
        let mut slots = vec![None; count];
        for line in lines {
            find_chunks(line, "sid", &mut slots);
        }
        slots
    }

    #[test]
    fn announced_chunk_counts() {
        assert_eq!(announced_chunks(b"TOKEN"), None);
        assert_eq!(announced_chunks(b""), None);
        assert_eq!(announced_chunks(b"__chunked"), None);
        assert_eq!(announced_chunks(b"__chunked__3"), Some(Ok(3)));
        assert_eq!(announced_chunks(b"__chunked__100"), Some(Ok(100)));
        assert_eq!(announced_chunks(b"__chunked__0"), Some(Ok(0)));
        for broken in [
            &b"__chunked__"[..],
            b"__chunked__101",
            b"__chunked__999",
            b"__chunked__1000",
            b"__chunked__-1",
            b"__chunked__+1",
            b"__chunked__3abc",
            b"__chunked__ 3",
            b"__chunked__0x10",
            b"__chunked__\xff",
        ] {
            assert_eq!(
                announced_chunks(broken),
                Some(Err(())),
                "{}",
                String::from_utf8_lossy(broken)
            );
        }
        let long = [b"__chunked__".as_slice(), &[b'9'; 10_000]].concat();
        assert_eq!(announced_chunks(&long), Some(Err(())));
    }

    #[test]
    fn chunk_pairs_by_exact_index_first_wins() {
        let found = chunks(
            &[b"sid=__chunked__3; sid.2=b; sid.1=a; sid.1=x; sid.3 = \"c\" ;sid.4=d"],
            3,
        );
        assert_eq!(found, [Some(&b"a"[..]), Some(&b"b"[..]), Some(&b"c"[..])]);
        // Across lines, the first line wins.
        let found = chunks(&[b"sid.1=a", b"sid.1=z; sid.2=b"], 2);
        assert_eq!(found, [Some(&b"a"[..]), Some(&b"b"[..])]);
    }

    #[test]
    fn other_names_are_not_chunks() {
        for line in [
            &b"sid.01=a"[..],
            b"sid.0=a",
            b"sid.-1=a",
            b"sid.+1=a",
            b"sid.1x=a",
            b"sidx.1=a",
            b"xsid.1=a",
            b"sid1=a",
            b"sid.=a",
            b"sid.1",
            b"sid.1000=a",
            b"sid..1=a",
        ] {
            assert_eq!(
                chunks(&[line], 2),
                [None, None],
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn chunk_neighbours_of_any_bytes_are_skipped() {
        let line = b"theme=caf\xe9; sid.2=b; \x00\x01; sid.1=a; =x; noequals";
        assert_eq!(chunks(&[line], 2), [Some(&b"a"[..]), Some(&b"b"[..])]);
        // A chunk of other bytes is found as it is; joining decides.
        assert_eq!(chunks(&[b"sid.1=\xff"], 1), [Some(&b"\xff"[..])]);
    }
}
