//! The memory timeline of `watch`: one [`Sample`] per interval, its CSV and JSON
//! forms (documented in README, "Timeline format"), and the verdict: is memory
//! growing, how fast, and where (JS heap, external/ArrayBuffer/WASM, or native
//! memory outside both).

use crate::trend::{fit, Trend};
use serde::Serialize;

/// One reading. Heap fields are `None` when the inspector is not reachable.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    /// Seconds since the first sample.
    pub t_s: f64,
    /// Wall-clock time, milliseconds since the Unix epoch.
    pub unix_ms: u64,
    pub rss_bytes: u64,
    /// CPU use since the previous sample, 100 = one core.
    pub cpu_percent: Option<f64>,
    pub heap_used_bytes: Option<u64>,
    pub heap_total_bytes: Option<u64>,
    /// Memory of C++ objects bound to JS, ArrayBuffers (and WASM memories) included.
    pub external_bytes: Option<u64>,
    pub array_buffers_bytes: Option<u64>,
}

/// The CSV header; [`csv_row`] writes the columns in this order.
pub const CSV_HEADER: &str = "t_s,unix_ms,rss_bytes,cpu_percent,heap_used_bytes,heap_total_bytes,external_bytes,array_buffers_bytes";

/// One CSV line (no newline); missing values are empty fields.
pub fn csv_row(s: &Sample) -> String {
    fn opt<T: ToString>(v: Option<T>) -> String {
        v.map(|v| v.to_string()).unwrap_or_default()
    }
    format!(
        "{:.3},{},{},{},{},{},{},{}",
        s.t_s,
        s.unix_ms,
        s.rss_bytes,
        opt(s.cpu_percent.map(|c| format!("{c:.1}"))),
        opt(s.heap_used_bytes),
        opt(s.heap_total_bytes),
        opt(s.external_bytes),
        opt(s.array_buffers_bytes)
    )
}

impl Sample {
    /// RSS outside the JS heap and external memory: native allocations, code,
    /// thread stacks.
    pub fn native_outside_bytes(&self) -> Option<u64> {
        Some(
            self.rss_bytes
                .saturating_sub(self.heap_total_bytes?)
                .saturating_sub(self.external_bytes?),
        )
    }
}

/// One series' trend in MB/min.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesTrend {
    /// `rss`, `js_heap` (heap used), `external` or `native` (outside both).
    pub series: &'static str,
    pub mb_per_min: f64,
    pub mb_per_min_low: f64,
    pub mb_per_min_high: f64,
    pub p_value: f64,
    /// A real trend (Mann–Kendall p < 0.05) of a size that matters over the window.
    pub significant: bool,
}

/// The judgement over the whole window.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// `growing`, `shrinking`, `steady`, or `unknown` (fewer than 3 samples).
    pub state: &'static str,
    pub samples: usize,
    pub seconds: f64,
    /// RSS first, then the parts when the inspector was reachable.
    pub trends: Vec<SeriesTrend>,
    /// The part that grows fastest among the significant ones, if any.
    pub growing_part: Option<&'static str>,
}

/// Reads one series' value from a sample.
type SeriesGetter = fn(&Sample) -> Option<u64>;

/// p-value under which a trend is real.
const SIGNIFICANCE: f64 = 0.05;
/// A trend must add at least this much over the window to matter…
const MIN_CHANGE_BYTES: f64 = 1_000_000.0;
/// …and at least this share of the series' typical level.
const MIN_CHANGE_SHARE: f64 = 0.005;
const MB: f64 = 1_000_000.0;

/// Fits RSS and its parts and decides.
pub fn verdict(samples: &[Sample]) -> Verdict {
    let seconds = samples.last().map(|s| s.t_s).unwrap_or(0.0);
    let series: [(&'static str, SeriesGetter); 4] = [
        ("rss", |s| Some(s.rss_bytes)),
        ("js_heap", |s| s.heap_used_bytes),
        ("external", |s| s.external_bytes),
        ("native", Sample::native_outside_bytes),
    ];
    let mut trends = Vec::new();
    for (name, get) in series {
        let points: Vec<(f64, f64)> = samples
            .iter()
            .filter_map(|s| get(s).map(|v| (s.t_s, v as f64)))
            .collect();
        if let Some(trend) = fit(&points) {
            trends.push(series_trend(name, &trend, &points, seconds));
        }
    }
    let state = match trends.first() {
        None => "unknown",
        Some(rss) if rss.significant && rss.mb_per_min > 0.0 => "growing",
        Some(rss) if rss.significant => "shrinking",
        Some(_) => "steady",
    };
    let growing_part = trends
        .iter()
        .skip(1)
        .filter(|t| t.significant && t.mb_per_min > 0.0)
        .max_by(|a, b| a.mb_per_min.total_cmp(&b.mb_per_min))
        .map(|t| t.series);
    Verdict {
        state,
        samples: samples.len(),
        seconds,
        trends,
        growing_part,
    }
}

fn series_trend(
    name: &'static str,
    trend: &Trend,
    points: &[(f64, f64)],
    seconds: f64,
) -> SeriesTrend {
    let mut levels: Vec<f64> = points.iter().map(|p| p.1).collect();
    levels.sort_by(|a, b| a.total_cmp(b));
    let typical = levels[levels.len() / 2];
    let change = trend.slope_per_second.abs() * seconds;
    let significant =
        trend.p_value < SIGNIFICANCE && change >= MIN_CHANGE_BYTES.max(MIN_CHANGE_SHARE * typical);
    let per_min = |v: f64| v * 60.0 / MB;
    SeriesTrend {
        series: name,
        mb_per_min: per_min(trend.slope_per_second),
        mb_per_min_low: per_min(trend.slope_low),
        mb_per_min_high: per_min(trend.slope_high),
        p_value: trend.p_value,
        significant,
    }
}

/// The JSON timeline file.
#[derive(Serialize)]
pub struct TimelineFile<'a> {
    /// Always `heapscope-timeline`.
    pub format: &'static str,
    /// Schema version, 1.
    pub version: u32,
    pub pid: Option<u32>,
    pub interval_ms: u64,
    pub started_unix_ms: u64,
    pub samples: &'a [Sample],
    pub verdict: &'a Verdict,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t: f64, rss: u64, heap: u64) -> Sample {
        Sample {
            t_s: t,
            unix_ms: 0,
            rss_bytes: rss,
            cpu_percent: None,
            heap_used_bytes: Some(heap),
            heap_total_bytes: Some(heap + 5_000_000),
            external_bytes: Some(1_000_000),
            array_buffers_bytes: Some(0),
        }
    }

    #[test]
    fn growing_heap_is_named() {
        let samples: Vec<Sample> = (0..20)
            .map(|i| {
                sample(
                    i as f64 * 0.25,
                    50_000_000 + i * 1_000_000,
                    10_000_000 + i * 1_000_000,
                )
            })
            .collect();
        let v = verdict(&samples);
        assert_eq!(v.state, "growing");
        assert_eq!(v.growing_part, Some("js_heap"));
        assert!((v.trends[0].mb_per_min - 240.0).abs() < 1.0);
    }

    #[test]
    fn flat_is_steady_and_csv_has_all_columns() {
        let samples: Vec<Sample> = (0..20)
            .map(|i| sample(i as f64 * 0.25, 50_000_000 + (i % 3) * 4096, 10_000_000))
            .collect();
        assert_eq!(verdict(&samples).state, "steady");
        let row = csv_row(&samples[1]);
        assert_eq!(row.split(',').count(), CSV_HEADER.split(',').count());
        assert_eq!(verdict(&samples[..1]).state, "unknown");
    }
}
