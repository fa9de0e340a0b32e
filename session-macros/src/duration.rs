//! Duration literals such as `"7d"` or `"1h30m"`, checked at compile time.
//!
//! The grammar: one or more whole numbers, each followed by a unit (`s`,
//! `m`, `h`, `d`, `w`), with nothing in between. Every error states it,
//! and suggests the literal meant when there is one (`"1.5h"` → `"1h30m"`).

use std::fmt::Write as _;

const UNITS: &[(char, u64)] = &[
    ('w', 604_800),
    ('d', 86_400),
    ('h', 3_600),
    ('m', 60),
    ('s', 1),
];

/// The grammar, appended to every error.
pub(crate) const GRAMMAR: &str =
    "write whole numbers with units `s`, `m`, `h`, `d` or `w`, e.g. `\"7d\"` or `\"1h30m\"`";

/// Parses a duration into whole seconds; the error says what is wrong and
/// how to write it.
pub(crate) fn parse(text: &str) -> Result<u64, String> {
    let fail = |what: String| Err(format!("invalid duration `{text}`: {what}; {GRAMMAR}"));
    let suggest = |secs: Option<u64>| {
        secs.filter(|s| *s > 0)
            .map_or_else(String::new, |s| format!(" (`\"{}\"`)", format(s)))
    };
    if text.trim().is_empty() {
        return fail("a duration cannot be empty".to_owned());
    }
    if text.starts_with('-') {
        return fail("a lifetime cannot be negative".to_owned());
    }
    if text.contains(char::is_whitespace) {
        let joined: String = text.split_whitespace().collect();
        return fail(format!(
            "spaces are not allowed{}",
            suggest(strict(&joined).ok())
        ));
    }
    if text.contains(['.', ',']) {
        return fail(format!(
            "fractions are not supported{}",
            suggest(fractional(text))
        ));
    }
    match strict(text) {
        Ok(0) => fail("a lifetime must be longer than zero".to_owned()),
        Ok(secs) => Ok(secs),
        Err(what) => fail(what),
    }
}

/// The grammar itself: `Err` says what broke it.
fn strict(text: &str) -> Result<u64, String> {
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (digits, after) = rest.split_at(digits_end);
        let unit_end = after
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_end);
        if digits.is_empty() {
            return Err(format!("`{unit}` needs a number before it"));
        }
        if unit.is_empty() {
            return Err(format!("`{digits}` has no unit"));
        }
        let scale = unit_scale(unit).map_err(|what| format!("{what} in `{digits}{unit}`"))?;
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("`{digits}` is too large"))?;
        total = n
            .checked_mul(scale)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| "the duration is too large".to_owned())?;
        rest = next;
    }
    Ok(total)
}

/// The seconds in one `unit`, or what is wrong with it.
fn unit_scale(unit: &str) -> Result<u64, String> {
    let mut chars = unit.chars();
    if let (Some(c), None) = (chars.next(), chars.next())
        && let Some((_, scale)) = UNITS.iter().find(|(u, _)| *u == c)
    {
        return Ok(*scale);
    }
    let meant = match unit.to_ascii_lowercase().as_str() {
        "sec" | "secs" | "second" | "seconds" | "s" => Some('s'),
        "min" | "mins" | "minute" | "minutes" | "m" => Some('m'),
        "hr" | "hrs" | "hour" | "hours" | "h" => Some('h'),
        "day" | "days" | "d" => Some('d'),
        "wk" | "wks" | "week" | "weeks" | "w" => Some('w'),
        _ => None,
    };
    Err(match meant {
        Some(u) => format!("unknown unit `{unit}` (write `{u}`)"),
        None if unit == "ms" => "milliseconds are not supported".to_owned(),
        None => format!("unknown unit `{unit}`"),
    })
}

/// The seconds of a duration written with fractions (`"1.5h"`), if they
/// are whole.
fn fractional(text: &str) -> Option<u64> {
    let mut total = 0.0_f64;
    let mut rest = text.replace(',', ".");
    while !rest.is_empty() {
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let number: f64 = rest[..end].parse().ok()?;
        let unit_end = rest[end..]
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .map_or(rest.len(), |i| end + i);
        let scale = unit_scale(&rest[end..unit_end]).ok()?;
        #[allow(clippy::cast_precision_loss)]
        let scale = scale as f64;
        total += number * scale;
        rest = rest[unit_end..].to_owned();
    }
    let rounded = total.round();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    ((total - rounded).abs() < 1e-6 && (1.0..1e15).contains(&rounded)).then_some(rounded as u64)
}

/// `secs` in the grammar, largest units first: `5400` is `1h30m`.
pub(crate) fn format(mut secs: u64) -> String {
    let mut out = String::new();
    for (unit, scale) in UNITS {
        if secs >= *scale {
            let _ = write!(out, "{}{unit}", secs / scale);
            secs %= scale;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{format, parse};

    #[test]
    fn parses_units_and_sums() {
        assert_eq!(parse("7d"), Ok(7 * 86_400));
        assert_eq!(parse("1h30m"), Ok(5_400));
        assert_eq!(parse("2w"), Ok(1_209_600));
        assert_eq!(parse("90s"), Ok(90));
        assert!(parse("7x").is_err());
        assert!(parse("30").is_err());
        assert!(parse("").is_err());
        assert!(parse("0s").is_err());
        assert!(parse("m").is_err());
    }

    #[test]
    fn every_error_states_the_grammar_and_the_likely_literal() {
        for (text, says) in [
            ("-7d", "cannot be negative"),
            ("1.5h", "fractions are not supported (`\"1h30m\"`)"),
            ("1h 30m", "spaces are not allowed (`\"1h30m\"`)"),
            ("2hours", "unknown unit `hours` (write `h`)"),
            ("1H", "unknown unit `H` (write `h`)"),
            ("30", "`30` has no unit"),
            ("500ms", "milliseconds are not supported"),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.contains(says), "{text}: {error}");
            assert!(error.contains("e.g. `\"7d\"` or `\"1h30m\"`"), "{error}");
        }
    }

    #[test]
    fn formats_largest_units_first() {
        assert_eq!(format(5_400), "1h30m");
        assert_eq!(format(3_600), "1h");
        assert_eq!(format(90), "1m30s");
        assert_eq!(format(8 * 86_400), "1w1d");
    }
}
