//! Duration literals such as `"7d"` or `"1h30m"`, checked at compile time.

const UNITS: &[(char, u64)] = &[
    ('s', 1),
    ('m', 60),
    ('h', 3_600),
    ('d', 86_400),
    ('w', 604_800),
];

/// Parses a duration into whole seconds.
pub(crate) fn parse(text: &str) -> Result<u64, String> {
    let help = "write numbers with units `s`, `m`, `h`, `d` or `w`, e.g. `\"7d\"` or `\"1h30m\"`";
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let Some((_, scale)) = UNITS.iter().find(|(u, _)| *u == c) else {
            return Err(format!(
                "invalid duration `{text}`: unknown unit `{c}`; {help}"
            ));
        };
        if digits.is_empty() {
            return Err(format!(
                "invalid duration `{text}`: unit `{c}` needs a number before it; {help}"
            ));
        }
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("invalid duration `{text}`: number too large"))?;
        total = n
            .checked_mul(*scale)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| format!("invalid duration `{text}`: too large"))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!(
            "invalid duration `{text}`: `{digits}` has no unit; {help}"
        ));
    }
    if total == 0 {
        return Err(format!(
            "invalid duration `{text}`: a lifetime must be longer than zero; {help}"
        ));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::parse;

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
}
