//! JavaScript string semantics that DevTools' numbers depend on: UTF-16 ordering
//! and lengths, `JSON.stringify` of a string, and `parseInt(s, 10)`.

use std::cmp::Ordering;

/// Compares as JS `<` does: by UTF-16 code units.
#[inline]
pub fn utf16_cmp(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.as_bytes().cmp(b.as_bytes());
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// `s.length` in JS.
#[inline]
pub fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    }
}

/// `JSON.stringify(s)`, including the quotes.
pub fn json_stringify(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `parseInt(s, 10)`: leading whitespace, an optional sign, then digits;
/// `None` stands for NaN.
pub fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let end = digits
        .as_bytes()
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    if end == 0 {
        return None;
    }
    let mut v: i64 = 0;
    for &b in &digits.as_bytes()[..end] {
        v = v.saturating_mul(10).saturating_add((b - b'0') as i64);
    }
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_order_differs_from_utf8_above_the_bmp() {
        // U+FF61 sorts after U+1F600 in UTF-8 byte order but before it in UTF-16.
        let bmp = "\u{FF61}";
        let astral = "\u{1F600}";
        assert_eq!(bmp.as_bytes().cmp(astral.as_bytes()), Ordering::Less);
        assert_eq!(utf16_cmp(bmp, astral), Ordering::Greater);
        assert_eq!(utf16_len(astral), 2);
    }

    #[test]
    fn stringify_and_parse_int_follow_js() {
        assert_eq!(json_stringify("a\"b,\n\u{1}"), "\"a\\\"b,\\n\\u0001\"");
        assert_eq!(parse_int(" 12abc"), Some(12));
        assert_eq!(parse_int("-3"), Some(-3));
        assert_eq!(parse_int("x1"), None);
        assert_eq!(parse_int(""), None);
    }
}
