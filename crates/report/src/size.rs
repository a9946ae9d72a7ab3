//! Sizes and shares as people read them: `1.5 MB`, `12.3%`.

/// Decimal units as DevTools shows them (kB = 1000 B).
pub fn human_bytes(bytes: f64) -> String {
    let abs = bytes.abs();
    if abs < 1000.0 {
        format!("{} B", bytes as i64)
    } else if abs < 1e6 {
        format!("{:.1} kB", bytes / 1e3)
    } else if abs < 1e9 {
        format!("{:.1} MB", bytes / 1e6)
    } else {
        format!("{:.2} GB", bytes / 1e9)
    }
}

pub fn percent(part: f64, total: f64) -> String {
    if total <= 0.0 {
        return "-".to_string();
    }
    format!("{:.1}%", part * 100.0 / total)
}

/// `12,345,678`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_sizes_and_counts() {
        assert_eq!(human_bytes(999.0), "999 B");
        assert_eq!(human_bytes(1500.0), "1.5 kB");
        assert_eq!(human_bytes(125_435_904.0), "125.4 MB");
        assert_eq!(human_bytes(2.5e9), "2.50 GB");
        assert_eq!(percent(1.0, 8.0), "12.5%");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }
}
