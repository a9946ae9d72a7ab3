//! A robust trend over a time series, as a person reads a memory graph: the
//! Theil–Sen slope (median of pairwise slopes, unmoved by GC sawtooth and
//! outliers), its confidence interval by Sen's method, and the Mann–Kendall test
//! for whether there is a monotonic trend at all.

/// Above this many points the fit uses an evenly spaced subset (pairs grow as n²).
const MAX_POINTS: usize = 1_000;
/// z for a two-sided 95% interval.
const Z_95: f64 = 1.959_964;

/// The fitted trend of one series.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Trend {
    /// Units of the series per second.
    pub slope_per_second: f64,
    /// 95% confidence interval of the slope.
    pub slope_low: f64,
    pub slope_high: f64,
    /// Two-sided Mann–Kendall p-value (small: a real monotonic trend).
    pub p_value: f64,
    pub points: usize,
}

/// Fits `(t, y)` points (seconds, value); `None` with fewer than 3 points.
pub fn fit(points: &[(f64, f64)]) -> Option<Trend> {
    fit_segments(&[points])
}

/// Fits a series that was interrupted: pairs of points are only compared
/// within one segment, so a step between segments (a heap snapshot's own
/// memory, a forced GC) moves neither the slope nor the test. The slope is
/// the median of the within-segment pairwise slopes and the test is the
/// stratified ("seasonal") Mann–Kendall test: S and its variance summed
/// over the segments. `None` with fewer than 3 points in all.
pub fn fit_segments(segments: &[&[(f64, f64)]]) -> Option<Trend> {
    let total: usize = segments.iter().map(|s| s.len()).sum();
    let segments: Vec<Vec<(f64, f64)>> = segments
        .iter()
        .map(|seg| thin_to(seg, (MAX_POINTS * seg.len()).div_ceil(total.max(1))))
        .collect();
    let n: usize = segments.iter().map(Vec::len).sum();
    if n < 3 {
        return None;
    }
    let mut slopes = Vec::new();
    let mut s: i64 = 0;
    let mut variance = 0.0;
    for points in &segments {
        let m = points.len();
        for i in 0..m {
            for j in i + 1..m {
                let (dt, dy) = (points[j].0 - points[i].0, points[j].1 - points[i].1);
                if dt > 0.0 {
                    slopes.push(dy / dt);
                }
                s += match dy.partial_cmp(&0.0) {
                    Some(std::cmp::Ordering::Greater) => 1,
                    Some(std::cmp::Ordering::Less) => -1,
                    _ => 0,
                };
            }
        }
        if m >= 2 {
            variance += mann_kendall_variance(points);
        }
    }
    if slopes.is_empty() {
        return None;
    }
    slopes.sort_by(|a, b| a.total_cmp(b));
    let (p_value, sd) = if variance > 0.0 {
        let sd = variance.sqrt();
        let z = if s > 0 {
            (s - 1) as f64 / sd
        } else if s < 0 {
            (s + 1) as f64 / sd
        } else {
            0.0
        };
        (2.0 * (1.0 - normal_cdf(z.abs())), sd)
    } else {
        (1.0, 0.0)
    };
    let m = slopes.len() as f64;
    let c = Z_95 * sd;
    let low = (((m - c) / 2.0).floor().max(0.0) as usize).min(slopes.len() - 1);
    let high = (((m + c) / 2.0).ceil() as usize).min(slopes.len() - 1);
    Some(Trend {
        slope_per_second: median_sorted(&slopes),
        slope_low: slopes[low],
        slope_high: slopes[high],
        p_value,
        points: n,
    })
}

/// Var(S) with the correction for tied values.
fn mann_kendall_variance(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let mut values: Vec<f64> = points.iter().map(|p| p.1).collect();
    values.sort_by(|a, b| a.total_cmp(b));
    let mut ties = 0.0;
    let mut run = 1.0;
    for i in 1..=values.len() {
        if i < values.len() && values[i] == values[i - 1] {
            run += 1.0;
        } else {
            ties += run * (run - 1.0) * (2.0 * run + 5.0);
            run = 1.0;
        }
    }
    (n * (n - 1.0) * (2.0 * n + 5.0) - ties) / 18.0
}

/// At most `max` evenly spaced points of `points`.
fn thin_to(points: &[(f64, f64)], max: usize) -> Vec<(f64, f64)> {
    if points.len() <= max {
        return points.to_vec();
    }
    let step = points.len() as f64 / max as f64;
    (0..max)
        .map(|i| points[(i as f64 * step) as usize])
        .collect()
}

fn median_sorted(sorted: &[f64]) -> f64 {
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_line_through_noise_and_outliers() {
        let points: Vec<(f64, f64)> = (0..40)
            .map(|i| {
                let t = i as f64;
                let noise = if i % 7 == 0 { 500.0 } else { (i % 3) as f64 };
                (t, 10.0 * t + noise)
            })
            .collect();
        let trend = fit(&points).unwrap();
        assert!((trend.slope_per_second - 10.0).abs() < 0.5, "{trend:?}");
        assert!(trend.p_value < 0.001);
        assert!(trend.slope_low <= 10.0 && trend.slope_high >= 9.5);
    }

    #[test]
    fn flat_noise_has_no_trend() {
        let points: Vec<(f64, f64)> = (0..30)
            .map(|i| (i as f64, [5.0, 7.0, 6.0, 4.0][i % 4]))
            .collect();
        let trend = fit(&points).unwrap();
        assert!(trend.p_value > 0.05, "{trend:?}");
        assert!(trend.slope_per_second.abs() < 0.1);
    }

    #[test]
    fn normal_cdf_is_accurate() {
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-9);
        assert!(fit(&[(0.0, 1.0), (1.0, 2.0)]).is_none());
    }
}
