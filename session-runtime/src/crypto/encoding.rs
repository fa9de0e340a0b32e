//! Text encodings of bytes: base64url without padding (sealed values, ids)
//! and lowercase hex (iron salts, UUIDs).

/// The base64url alphabet (RFC 4648 §5).
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Not a base64url character.
const INVALID: u8 = 0x80;

/// Each byte's 6-bit value, or [`INVALID`].
const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut value: u8 = 0;
    while value < 64 {
        table[ALPHABET[value as usize] as usize] = value;
        value += 1;
    }
    table
};

/// Not a base64url character, in the shifted tables: above any 24 bits.
const INVALID_SHIFTED: u32 = 1 << 31;

/// Each byte's 6-bit value shifted left by `shift`, or [`INVALID_SHIFTED`].
const fn shifted(shift: u32) -> [u32; 256] {
    let mut table = [INVALID_SHIFTED; 256];
    let mut byte = 0;
    while byte < 256 {
        if DECODE[byte] != INVALID {
            table[byte] = (DECODE[byte] as u32) << shift;
        }
        byte += 1;
    }
    table
}

/// The four symbols of three bytes, each already in its place: a group
/// decodes with four lookups and three ORs, no dependent shifts (4 KiB).
const SHIFTED: [[u32; 256]; 4] = [shifted(18), shifted(12), shifted(6), shifted(0)];

/// The two symbols of every 12-bit value: one lookup writes two symbols.
const PAIRS: [[u8; 2]; 4096] = {
    let mut table = [[0; 2]; 4096];
    let mut value = 0;
    while value < 4096 {
        table[value] = [ALPHABET[value >> 6], ALPHABET[value & 63]];
        value += 1;
    }
    table
};

/// Appends the base64url text (no padding) of `bytes` to `out`, as the
/// `base64` crate's `URL_SAFE_NO_PAD` writes it.
///
/// Written here rather than taken from the crate: sealing is hot, and the
/// crate's `encode` zero-fills a buffer and validates it as UTF-8 again.
/// Six bytes are read as one big-endian `u64` (with two bytes of the next
/// group, ignored) and written as four pairs of symbols looked up in
/// [`PAIRS`] (8 KiB): a group costs one load and four lookups.
pub(crate) fn encode_base64(bytes: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + encoded_len(bytes.len()), 0);
    let text = &mut out[start..];
    // Six bytes make eight symbols. The groups followed by two more bytes
    // are read eight bytes at a time.
    let (texts, _) = text.as_chunks_mut::<8>();
    let loaded = if bytes.len() >= 8 {
        (bytes.len() - 8) / 6 + 1
    } else {
        0
    };
    for (group, text) in texts.iter_mut().take(loaded).enumerate() {
        let Some(&eight) = bytes[group * 6..].first_chunk::<8>() else {
            break;
        };
        encode_group(eight, text);
    }
    // At most one group is left without two bytes after it: padded.
    let (bytes, text) = (&bytes[loaded * 6..], &mut text[loaded * 8..]);
    let (groups, tail) = bytes.as_chunks::<6>();
    let (texts, text_tail) = text.as_chunks_mut::<8>();
    for (group, text) in groups.iter().zip(texts) {
        let mut eight = [0; 8];
        eight[..6].copy_from_slice(group);
        encode_group(eight, text);
    }
    // The last bits are padded with zeros to a whole symbol.
    let mut n = [0; 8];
    n[8 - tail.len()..].copy_from_slice(tail);
    let bits = tail.len() * 8;
    let n = u64::from_be_bytes(n) << (text_tail.len() * 6 - bits);
    for (i, symbol) in text_tail.iter_mut().rev().enumerate() {
        *symbol = ALPHABET[(n >> (6 * i) & 63) as usize];
    }
}

/// Writes the eight symbols of the first six of `eight` bytes.
#[inline]
fn encode_group(eight: [u8; 8], text: &mut [u8; 8]) {
    let n = u64::from_be_bytes(eight);
    let [t0, t1, t2, t3, t4, t5, t6, t7] = text;
    [*t0, *t1] = PAIRS[(n >> 52) as usize];
    [*t2, *t3] = PAIRS[(n >> 40) as usize & 0xfff];
    [*t4, *t5] = PAIRS[(n >> 28) as usize & 0xfff];
    [*t6, *t7] = PAIRS[(n >> 16) as usize & 0xfff];
}

/// How many bytes the base64url text (no padding) of length `n` decodes
/// to, or `None` if no text has that length.
pub(crate) const fn decoded_len(n: usize) -> Option<usize> {
    match n % 4 {
        1 => None,
        rem => Some(n / 4 * 3 + rem.saturating_sub(1)),
    }
}

/// Decodes base64url `text` (no padding) into `out`, which must be
/// [`decoded_len`] long. Accepts what the `base64` crate's
/// `URL_SAFE_NO_PAD` accepts: the alphabet only (no padding, no
/// whitespace), and no set bits after the last byte.
pub(crate) fn decode_base64(text: &[u8], out: &mut [u8]) -> bool {
    // Eight symbols make six bytes; an invalid symbol sets bit 31 of
    // `invalid_groups` (and garbles the bytes, which are then thrown away).
    let (groups, tail) = text.as_chunks::<8>();
    let (outs, out_tail) = out.as_chunks_mut::<6>();
    let [s0, s1, s2, s3] = &SHIFTED;
    let mut invalid_groups = 0;
    for (group, out) in groups.iter().zip(outs) {
        let symbols = group.map(usize::from);
        let first = s0[symbols[0]] | s1[symbols[1]] | s2[symbols[2]] | s3[symbols[3]];
        let second = s0[symbols[4]] | s1[symbols[5]] | s2[symbols[6]] | s3[symbols[7]];
        invalid_groups |= first | second;
        let [_, o0, o1, o2] = first.to_be_bytes();
        let [_, o3, o4, o5] = second.to_be_bytes();
        *out = [o0, o1, o2, o3, o4, o5];
    }
    // The tail, one symbol at a time; an invalid one sets bit 7 of `invalid`.
    let mut invalid = 0;
    let mut n = 0u64;
    for &symbol in tail {
        let value = DECODE[usize::from(symbol)];
        invalid |= value;
        n = n << 6 | u64::from(value);
    }
    // The bits of the last symbol past the last byte must be 0.
    let Some(extra) = (tail.len() * 6).checked_sub(out_tail.len() * 8) else {
        return false;
    };
    if extra >= 6 || n & ((1 << extra) - 1) != 0 {
        return false;
    }
    out_tail.copy_from_slice(&(n >> extra).to_be_bytes()[8 - out_tail.len()..]);
    invalid & INVALID == 0 && invalid_groups & INVALID_SHIFTED == 0
}

/// The length of the base64url (no padding) text of `n` bytes.
pub(crate) const fn encoded_len(n: usize) -> usize {
    (n * 4).div_ceil(3)
}

/// Decodes base64url `text` (no padding) into a new vector; `None` when it
/// is not canonical base64url.
pub(crate) fn decode_base64_vec(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0; decoded_len(text.len())?];
    decode_base64(text, &mut out).then_some(out)
}

/// Appends `byte` as two lowercase hex digits.
pub(crate) fn push_hex(out: &mut String, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(char::from(HEX[usize::from(byte >> 4)]));
    out.push(char::from(HEX[usize::from(byte & 0x0f)]));
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use proptest::prelude::*;

    use super::{decode_base64_vec, encode_base64};

    fn decode(text: &str) -> Option<Vec<u8>> {
        decode_base64_vec(text.as_bytes())
    }

    proptest! {
        #[test]
        fn encodes_as_the_base64_crate(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let mut out = b"x=".to_vec();
            encode_base64(&bytes, &mut out);
            let expected = URL_SAFE_NO_PAD.encode(&bytes);
            prop_assert_eq!(&out[2..], expected.as_bytes());
            prop_assert_eq!(decode(std::str::from_utf8(&out[2..]).unwrap()), Some(bytes));
        }

        #[test]
        fn decodes_as_the_base64_crate(text in "[A-Za-z0-9_\\-+/= .\u{e9}]{0,40}") {
            prop_assert_eq!(decode(&text), URL_SAFE_NO_PAD.decode(&text).ok());
        }

        #[test]
        fn rejects_trailing_bits_as_the_base64_crate(
            text in "([A-Za-z0-9_\\-]{4}){0,3}[A-Za-z0-9_\\-]{2,3}",
        ) {
            prop_assert_eq!(decode(&text), URL_SAFE_NO_PAD.decode(&text).ok());
        }
    }

    #[test]
    fn every_symbol_decodes_as_the_base64_crate() {
        // Four symbols are a tail, decoded one by one; twelve are a group of
        // eight, decoded by table, and a tail.
        for template in [&b"AAAA"[..], b"AAAAAAAAAAAA"] {
            for byte in 0..=255u8 {
                for at in 0..template.len() {
                    let mut text = template.to_vec();
                    text[at] = byte;
                    let text = String::from_utf8_lossy(&text).into_owned();
                    assert_eq!(
                        decode(&text),
                        URL_SAFE_NO_PAD.decode(&text).ok(),
                        "{text:?}"
                    );
                }
            }
        }
    }
}
