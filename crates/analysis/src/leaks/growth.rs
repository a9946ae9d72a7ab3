//! When growth is a leak: growth in every interval that does not slow down
//! toward zero, and the byte floor a group must pass, lower for growth so
//! regular that it cannot be noise.

use super::LeakOptions;

pub fn strictly_growing(values: &[u64]) -> bool {
    values.windows(2).all(|w| w[1] > w[0])
}

/// How many bytes an accumulating group must retain to be a suspect: the
/// `--min-bytes` floor, or a tenth of it for a growth so regular that it
/// cannot be noise (every interval adds at least `--min-count` objects and
/// within 20% of the mean: one object per request, request after request).
pub fn byte_floor(series: &[u64], options: &LeakOptions) -> u64 {
    let deltas: Vec<u64> = series
        .windows(2)
        .map(|w| w[1].saturating_sub(w[0]))
        .collect();
    let mean = deltas.iter().sum::<u64>() as f64 / deltas.len().max(1) as f64;
    let regular = deltas.len() >= 2
        && deltas
            .iter()
            .all(|&d| d >= options.min_count && (d as f64 - mean).abs() <= 0.2 * mean);
    match regular {
        true => options.min_bytes / 10,
        false => options.min_bytes,
    }
}

/// Growth in every interval that does not slow down toward zero: the last
/// interval adds at least half as much as the earlier ones did on average.
/// Warm-up (the JIT compiling, caches filling) grows fast, then less and
/// less; a leak grows with the work done, interval after interval.
pub fn steadily_growing(values: &[u64]) -> bool {
    if !strictly_growing(values) {
        return false;
    }
    let deltas: Vec<u64> = values.windows(2).map(|w| w[1] - w[0]).collect();
    let Some((&last, earlier)) = deltas.split_last() else {
        return true;
    };
    if earlier.is_empty() {
        return true;
    }
    let mean_earlier = earlier.iter().sum::<u64>() as f64 / earlier.len() as f64;
    last as f64 >= 0.5 * mean_earlier
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_growth_lowers_the_byte_floor() {
        let o = LeakOptions::default();
        assert_eq!(byte_floor(&[20, 220, 420], &o), o.min_bytes / 10);
        assert_eq!(byte_floor(&[20, 220, 620], &o), o.min_bytes);
        assert_eq!(
            byte_floor(&[20, 60, 100], &o),
            o.min_bytes,
            "under --min-count"
        );
        assert_eq!(byte_floor(&[20, 220], &o), o.min_bytes, "one interval");
    }

    #[test]
    fn warm_up_slows_down_a_leak_does_not() {
        assert!(steadily_growing(&[20, 320, 620]));
        assert!(steadily_growing(&[501, 2501, 4501]));
        // JIT warm-up on a server that does not leak: +793, then +117.
        assert!(!steadily_growing(&[16_858, 17_651, 17_768]));
        assert!(steadily_growing(&[10, 20, 26]));
        assert!(!steadily_growing(&[10, 20, 20]));
        assert!(steadily_growing(&[10, 20]));
        // Four snapshots: the last interval against the mean of the others.
        assert!(steadily_growing(&[0, 100, 180, 260]));
        assert!(!steadily_growing(&[0, 100, 180, 200]));
    }
}
