//! Command-line values with units: durations (`250ms`, `5s`, `2m`, `1h`) and
//! sizes (`512MB`, `1.5GiB`, `300M`, plain bytes).

use std::time::Duration;

/// Parses a duration; a bare number means seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let (value, unit) = number_and_unit(text, "a duration (e.g. 500ms, 5s, 2m, 1h)")?;
    let seconds = match unit.as_str() {
        "ms" => value / 1e3,
        "" | "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("unknown unit in {text:?} (use ms, s, m or h)")),
    };
    if !(seconds > 0.0 && seconds < 1e9) {
        return Err(format!("{text:?}: the duration must be positive"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Like [`parse_duration`], but `0` (or `0s`) is allowed: "none".
pub fn parse_duration_or_zero(text: &str) -> Result<Duration, String> {
    let (value, _) = number_and_unit(text, "a duration (e.g. 0s, 500ms, 5s)")?;
    if value == 0.0 {
        return Ok(Duration::ZERO);
    }
    parse_duration(text)
}

/// Parses a size in bytes: decimal (`kB`, `MB`, `GB`, or `K`/`M`/`G`) or binary
/// (`KiB`, `MiB`, `GiB`) units; a bare number means bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let (value, unit) = number_and_unit(text, "a size (e.g. 500MB, 2GiB, 65536)")?;
    let factor: f64 = match unit.as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(format!(
                "unknown unit in {text:?} (use kB, MB, GB, KiB, MiB or GiB)"
            ))
        }
    };
    let bytes = value * factor;
    if !(1.0..1e18).contains(&bytes) {
        return Err(format!("{text:?}: the size must be at least one byte"));
    }
    Ok(bytes as u64)
}

/// Splits `12.5MB` into 12.5 and `MB` (lower-cased, trimmed).
fn number_and_unit(text: &str, what: &str) -> Result<(f64, String), String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value = number
        .parse()
        .map_err(|_| format!("{text:?} is not {what}"))?;
    Ok((value, unit.trim().to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("5").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("0s").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("500MB").unwrap(), 500_000_000);
        assert_eq!(parse_size("1.5GiB").unwrap(), 1_610_612_736);
        assert_eq!(parse_size("65536").unwrap(), 65_536);
        assert!(parse_size("lots").is_err());
    }
}
