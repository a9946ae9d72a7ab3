//! The memory timeline of `watch`: one [`Sample`] per interval, its CSV and JSON
//! forms (documented in README, "Timeline format"), and the verdict: is memory
//! growing, how fast, and where (JS heap, external/ArrayBuffer/WASM, or native
//! memory outside both).

use crate::trend::{fit_segments, Trend};
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

/// Reads a timeline CSV as [`csv_row`] writes it (the header first); the
/// error names the line and the field that does not parse.
pub fn parse_csv(text: &str) -> Result<Vec<Sample>, String> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim() == CSV_HEADER => {}
        _ => {
            return Err(format!(
                "the first line is not the timeline header ({CSV_HEADER})"
            ))
        }
    }
    lines
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            parse_csv_row(line).map_err(|field| format!("line {}: {field} is not a number", i + 1))
        })
        .collect()
}

fn parse_csv_row(line: &str) -> Result<Sample, &'static str> {
    let f: Vec<&str> = line.split(',').map(str::trim).collect();
    if f.len() != 8 {
        return Err("the row (8 fields expected)");
    }
    fn opt<T: std::str::FromStr>(v: &str, name: &'static str) -> Result<Option<T>, &'static str> {
        match v {
            "" => Ok(None),
            v => v.parse().map(Some).map_err(|_| name),
        }
    }
    fn req<T: std::str::FromStr>(v: &str, name: &'static str) -> Result<T, &'static str> {
        opt(v, name)?.ok_or(name)
    }
    Ok(Sample {
        t_s: req(f[0], "t_s")?,
        unix_ms: req(f[1], "unix_ms")?,
        rss_bytes: req(f[2], "rss_bytes")?,
        cpu_percent: opt(f[3], "cpu_percent")?,
        heap_used_bytes: opt(f[4], "heap_used_bytes")?,
        heap_total_bytes: opt(f[5], "heap_total_bytes")?,
        external_bytes: opt(f[6], "external_bytes")?,
        array_buffers_bytes: opt(f[7], "array_buffers_bytes")?,
    })
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

/// A series of the timeline: RSS or one of its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Series {
    Rss,
    JsHeap,
    External,
    Native,
}

/// A part of RSS, as far as the inspector's figures split it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// The JS heap (heap used).
    JsHeap,
    /// External memory: Buffers, ArrayBuffers, WASM memories.
    External,
    /// Native memory outside both: RSS − heap total − external.
    Native,
}

impl Part {
    pub const ALL: [Part; 3] = [Part::JsHeap, Part::External, Part::Native];

    pub fn series(self) -> Series {
        match self {
            Part::JsHeap => Series::JsHeap,
            Part::External => Series::External,
            Part::Native => Series::Native,
        }
    }
}

/// What a series' fit says, once significance and size are both weighed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reading {
    /// A real trend (p < 0.05) of a size that matters, upwards.
    Grows,
    /// The same, downwards.
    Shrinks,
    /// No monotonic trend (Mann–Kendall p ≥ 0.05).
    NoTrend,
    /// A real trend (p < 0.05) whose change over the window is under
    /// [`SeriesTrend::min_change_bytes`].
    TooSmall,
}

/// One series' trend in MB/min.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesTrend {
    /// `rss`, `js_heap` (heap used), `external` or `native` (outside both).
    pub series: Series,
    pub mb_per_min: f64,
    pub mb_per_min_low: f64,
    pub mb_per_min_high: f64,
    pub p_value: f64,
    /// A real trend (Mann–Kendall p < 0.05) of a size that matters over the window.
    pub significant: bool,
    /// The fitted change over the window, in bytes (slope × window).
    pub change_bytes: f64,
    /// The change that matters for this series: 1 MB and 0.5% of its typical level.
    pub min_change_bytes: f64,
    pub reading: Reading,
}

/// The verdict over the whole window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// RSS grows.
    Growing,
    /// RSS shrinks.
    Shrinking,
    /// RSS neither grows nor shrinks by an amount that matters.
    Steady,
    /// The window is too short for a verdict (see [`TooShort`]).
    TooShort,
}

/// Why a window is too short to judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TooShort {
    /// Fewer than [`MIN_SAMPLES`] samples.
    FewSamples,
    /// The samples span less than [`MIN_WINDOW_S`] seconds.
    ShortWindow,
    /// Every stretch between snapshots is shorter than
    /// [`MIN_STRETCH_AFTER_GC_S`]: after the full GC of a snapshot the heap
    /// grows back for a while (garbage not yet collected), which is not a leak.
    ShortStretches,
}

/// A stretch that starts with a snapshot's full GC needs this long before
/// its growth means anything.
pub const MIN_STRETCH_AFTER_GC_S: f64 = 30.0;

/// The judgement over the whole window.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub state: State,
    pub samples: usize,
    pub seconds: f64,
    /// RSS first, then the parts when the inspector was reachable (none
    /// with fewer than 3 samples).
    pub trends: Vec<SeriesTrend>,
    /// The part that grows fastest, if any grows (whatever the state).
    pub growing_part: Option<Part>,
    /// Every part that grows, fastest first.
    pub growing_parts: Vec<Part>,
    /// Every part that shrinks, fastest first.
    pub shrinking_parts: Vec<Part>,
    /// Why the state is `too_short`.
    pub too_short: Option<TooShort>,
    /// How many times heap used fell by more than 1% from one sample to the
    /// next (garbage collections seen); `None` without heap figures.
    pub heap_drops: Option<usize>,
}

impl Verdict {
    /// The fitted trend of one series, if it was fitted.
    pub fn trend(&self, series: Series) -> Option<&SeriesTrend> {
        self.trends.iter().find(|t| t.series == series)
    }
}

/// Reads one series' value from a sample.
type SeriesGetter = fn(&Sample) -> Option<u64>;

/// p-value under which a trend is real.
const SIGNIFICANCE: f64 = 0.05;
/// A trend must add at least this much over the window to matter…
pub const MIN_CHANGE_BYTES: f64 = 1_000_000.0;
/// …and at least this share of the series' typical level.
pub const MIN_CHANGE_SHARE: f64 = 0.005;
/// A verdict needs at least this many samples…
pub const MIN_SAMPLES: usize = 10;
/// …spanning at least this many seconds: shorter windows mostly see one GC
/// cycle or V8 growing its heap, not a trend.
pub const MIN_WINDOW_S: f64 = 10.0;
/// A fall of heap used by more than this share between two samples counts as
/// a garbage collection seen.
const HEAP_DROP_SHARE: f64 = 0.01;
const MB: f64 = 1_000_000.0;

/// Fits RSS and its parts and decides.
pub fn verdict(samples: &[Sample]) -> Verdict {
    verdict_with_gaps(samples, &[])
}

/// The length of the longest stretch between `gaps`.
fn longest_stretch(stretches: &[Vec<&Sample>]) -> f64 {
    stretches
        .iter()
        .filter_map(|st| Some(st.last()?.t_s - st.first()?.t_s))
        .fold(0.0, f64::max)
}

/// The verdict over a timeline interrupted by `gaps` (start and end times in
/// seconds, e.g. heap snapshots, which add memory of their own): samples
/// inside a gap are left out and each stretch between gaps is fitted on its
/// own (see [`crate::trend::fit_segments`]), so the steps at the gaps do not
/// read as growth. The window is the time covered outside the gaps.
pub fn verdict_with_gaps(samples: &[Sample], gaps: &[(f64, f64)]) -> Verdict {
    let stretches = split_at_gaps(samples, gaps);
    let samples: Vec<Sample> = stretches.iter().flatten().map(|s| (*s).clone()).collect();
    let samples = &samples[..];
    let seconds: f64 = stretches
        .iter()
        .filter_map(|st| Some(st.last()?.t_s - st.first()?.t_s))
        .sum();
    let series: [(Series, SeriesGetter); 4] = [
        (Series::Rss, |s| Some(s.rss_bytes)),
        (Series::JsHeap, |s| s.heap_used_bytes),
        (Series::External, |s| s.external_bytes),
        (Series::Native, Sample::native_outside_bytes),
    ];
    let mut trends = Vec::new();
    for (name, get) in series {
        let segments: Vec<Vec<(f64, f64)>> = stretches
            .iter()
            .map(|st| {
                st.iter()
                    .filter_map(|s| get(s).map(|v| (s.t_s, v as f64)))
                    .collect()
            })
            .collect();
        let slices: Vec<&[(f64, f64)]> = segments.iter().map(Vec::as_slice).collect();
        let points: Vec<(f64, f64)> = segments.concat();
        if let Some(trend) = fit_segments(&slices) {
            trends.push(series_trend(name, &trend, &points, seconds));
        }
    }
    let too_short = if samples.len() < MIN_SAMPLES {
        Some(TooShort::FewSamples)
    } else if seconds < MIN_WINDOW_S {
        Some(TooShort::ShortWindow)
    } else if !gaps.is_empty() && longest_stretch(&stretches) < MIN_STRETCH_AFTER_GC_S {
        Some(TooShort::ShortStretches)
    } else {
        None
    };
    let state = match (too_short, trends.first().map(|t| t.reading)) {
        (Some(_), _) | (None, None) => State::TooShort,
        (None, Some(Reading::Grows)) => State::Growing,
        (None, Some(Reading::Shrinks)) => State::Shrinking,
        (None, Some(_)) => State::Steady,
    };
    let parts_reading = |reading: Reading| {
        let mut parts: Vec<(Part, f64)> = Part::ALL
            .into_iter()
            .filter_map(|part| {
                let t = trends.iter().find(|t| t.series == part.series())?;
                (t.reading == reading).then_some((part, t.mb_per_min.abs()))
            })
            .collect();
        parts.sort_by(|a, b| b.1.total_cmp(&a.1));
        parts.into_iter().map(|(part, _)| part).collect::<Vec<_>>()
    };
    let growing_parts = parts_reading(Reading::Grows);
    let shrinking_parts = parts_reading(Reading::Shrinks);
    Verdict {
        state,
        samples: samples.len(),
        seconds,
        growing_part: growing_parts.first().copied(),
        trends,
        growing_parts,
        shrinking_parts,
        too_short: too_short.filter(|_| state == State::TooShort),
        heap_drops: heap_drops(samples),
    }
}

/// The samples outside `gaps`, in stretches between them.
fn split_at_gaps<'a>(samples: &'a [Sample], gaps: &[(f64, f64)]) -> Vec<Vec<&'a Sample>> {
    let mut stretches: Vec<Vec<&Sample>> = vec![Vec::new()];
    let mut gap = 0;
    for s in samples {
        while gap < gaps.len() && s.t_s > gaps[gap].1 {
            gap += 1;
            if !stretches.last().is_some_and(Vec::is_empty) {
                stretches.push(Vec::new());
            }
        }
        let inside = gap < gaps.len() && s.t_s >= gaps[gap].0;
        if !inside {
            if let Some(last) = stretches.last_mut() {
                last.push(s);
            }
        }
    }
    stretches.retain(|st| !st.is_empty());
    stretches
}

/// Falls of heap used by more than [`HEAP_DROP_SHARE`] between samples.
fn heap_drops(samples: &[Sample]) -> Option<usize> {
    let used: Vec<f64> = samples
        .iter()
        .filter_map(|s| s.heap_used_bytes.map(|v| v as f64))
        .collect();
    if used.is_empty() {
        return None;
    }
    Some(
        used.windows(2)
            .filter(|w| w[1] < w[0] * (1.0 - HEAP_DROP_SHARE))
            .count(),
    )
}

fn series_trend(name: Series, trend: &Trend, points: &[(f64, f64)], seconds: f64) -> SeriesTrend {
    let mut levels: Vec<f64> = points.iter().map(|p| p.1).collect();
    levels.sort_by(|a, b| a.total_cmp(b));
    let typical = levels[levels.len() / 2];
    let change = trend.slope_per_second * seconds;
    let min_change = MIN_CHANGE_BYTES.max(MIN_CHANGE_SHARE * typical);
    let reading = if trend.p_value >= SIGNIFICANCE {
        Reading::NoTrend
    } else if change.abs() < min_change {
        Reading::TooSmall
    } else if change > 0.0 {
        Reading::Grows
    } else {
        Reading::Shrinks
    };
    let per_min = |v: f64| v * 60.0 / MB;
    SeriesTrend {
        series: name,
        mb_per_min: per_min(trend.slope_per_second),
        mb_per_min_low: per_min(trend.slope_low),
        mb_per_min_high: per_min(trend.slope_high),
        p_value: trend.p_value,
        significant: matches!(reading, Reading::Grows | Reading::Shrinks),
        change_bytes: change,
        min_change_bytes: min_change,
        reading,
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
    /// Snapshots and load rounds during the timeline (left out when none).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub events: &'a [crate::recorder::TimelineEvent],
}

#[cfg(test)]
mod tests {

    #[test]
    fn csv_reads_back_what_csv_row_writes() {
        let samples = vec![
            Sample {
                t_s: 0.0,
                unix_ms: 1_700_000_000_000,
                rss_bytes: 50_000_000,
                cpu_percent: None,
                heap_used_bytes: Some(10),
                heap_total_bytes: Some(20),
                external_bytes: Some(3),
                array_buffers_bytes: Some(1),
            },
            Sample {
                t_s: 1.5,
                unix_ms: 1_700_000_001_500,
                rss_bytes: 51_000_000,
                cpu_percent: Some(12.5),
                heap_used_bytes: None,
                heap_total_bytes: None,
                external_bytes: None,
                array_buffers_bytes: None,
            },
        ];
        let mut text = format!("{CSV_HEADER}\n");
        for s in &samples {
            text.push_str(&csv_row(s));
            text.push('\n');
        }
        let back = parse_csv(&text).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].rss_bytes, 50_000_000);
        assert_eq!(back[0].cpu_percent, None);
        assert_eq!(back[1].cpu_percent, Some(12.5));
        assert_eq!(back[1].heap_used_bytes, None);
        assert_eq!(back[1].t_s, 1.5);
        let bad = parse_csv(&format!("{CSV_HEADER}\n1,2,x,,,,,\n")).unwrap_err();
        assert_eq!(bad, "line 2: rss_bytes is not a number");
        assert!(parse_csv("a,b\n").is_err());
    }

    use super::*;

    const M: u64 = 1_000_000;

    /// One sample with heap figures: RSS, heap used, heap total, external.
    fn sample(t: f64, rss: u64, used: u64, total: u64, external: u64) -> Sample {
        Sample {
            t_s: t,
            unix_ms: 0,
            rss_bytes: rss,
            cpu_percent: None,
            heap_used_bytes: Some(used),
            heap_total_bytes: Some(total),
            external_bytes: Some(external),
            array_buffers_bytes: Some(0),
        }
    }

    /// `n` samples one second apart.
    fn series(n: u64, f: impl Fn(u64) -> (u64, u64, u64, u64)) -> Vec<Sample> {
        (0..n)
            .map(|i| {
                let (rss, used, total, external) = f(i);
                sample(i as f64, rss, used, total, external)
            })
            .collect()
    }

    #[test]
    fn gc_sawtooth_is_steady() {
        // Heap used climbs 3 MB/s and falls back every 6 s; RSS only jitters.
        let samples = series(60, |i| {
            (
                90 * M + (i % 3) * 40_000,
                20 * M + (i % 6) * 3 * M,
                50 * M,
                M,
            )
        });
        let v = verdict(&samples);
        assert_eq!(v.state, State::Steady, "{v:#?}");
        assert!(v.growing_parts.is_empty(), "{v:#?}");
        assert_eq!(v.growing_part, None);
        assert_eq!(v.heap_drops, Some(9));
    }

    #[test]
    fn steps_at_gaps_are_not_growth() {
        // Flat stretches, each snapshot (the gaps) leaving RSS 40 MB higher.
        let samples = series(45, |i| {
            let step = if i >= 30 {
                2
            } else if i >= 15 {
                1
            } else {
                0
            };
            (
                100 * M + step * 40 * M + (i % 2) * 10_000,
                20 * M + (i % 4) * M,
                40 * M,
                M,
            )
        });
        assert_eq!(verdict(&samples).state, State::Growing);
        let samples: Vec<Sample> = samples
            .into_iter()
            .map(|mut s| {
                s.t_s *= 3.0;
                s
            })
            .collect();
        let gaps = [(43.5, 44.9), (88.5, 89.9)];
        let v = verdict_with_gaps(&samples, &gaps);
        assert_eq!(v.state, State::Steady, "{v:#?}");
        assert_eq!(v.samples, 45);
        // Growth within the stretches still shows through the gaps.
        let growing: Vec<Sample> = series(45, |i| {
            (
                100 * M + i * 2 * M + (i / 15) * 40 * M,
                20 * M + i * M,
                60 * M,
                M,
            )
        })
        .into_iter()
        .map(|mut s| {
            s.t_s *= 3.0;
            s
        })
        .collect();
        let v = verdict_with_gaps(&growing, &gaps);
        assert_eq!(v.state, State::Growing);
        assert!((v.trends[0].mb_per_min - 40.0).abs() < 1.0, "{v:#?}");
        // A sample inside a gap is left out.
        assert_eq!(verdict_with_gaps(&samples, &[(30.0, 36.0)]).samples, 42);
        // Stretches too short after a snapshot's GC: no verdict.
        let short = verdict_with_gaps(
            &series(45, |i| (100 * M + i * M, 20 * M, 40 * M, M)),
            &[(14.5, 14.9)],
        );
        assert_eq!(short.too_short, Some(TooShort::ShortStretches));
    }

    #[test]
    fn linear_growth_names_the_part() {
        let samples = series(30, |i| (60 * M + i * M, 10 * M + i * M, 20 * M + i * M, M));
        let v = verdict(&samples);
        assert_eq!(v.state, State::Growing);
        assert_eq!(v.growing_part, Some(Part::JsHeap));
        assert_eq!(v.growing_parts, vec![Part::JsHeap]);
        assert!(v.shrinking_parts.is_empty());
        assert!((v.trends[0].mb_per_min - 60.0).abs() < 0.1);
        assert_eq!(v.trend(Series::Native).unwrap().reading, Reading::NoTrend);
    }

    #[test]
    fn a_shrinking_part_is_not_a_growing_one() {
        // V8 reserves heap faster than RSS grows: native (RSS − total − external) falls.
        let samples = series(30, |i| {
            (
                200 * M + i * M,
                10 * M + i * 3 * M / 2,
                20 * M + 2 * i * M,
                M,
            )
        });
        let v = verdict(&samples);
        assert_eq!(v.state, State::Growing);
        assert_eq!(v.growing_parts, vec![Part::JsHeap]);
        assert_eq!(v.shrinking_parts, vec![Part::Native]);
        assert!(v.trend(Series::Native).unwrap().mb_per_min < 0.0);
    }

    #[test]
    fn rss_growth_without_a_growing_part() {
        // RSS and heap total grow together, heap used and external stay put.
        let samples = series(30, |i| (100 * M + i * M, 30 * M, 40 * M + i * M, M));
        let v = verdict(&samples);
        assert_eq!(v.state, State::Growing);
        assert!(v.growing_parts.is_empty(), "{v:#?}");
        assert!(v.shrinking_parts.is_empty(), "{v:#?}");
    }

    #[test]
    fn tiny_windows_are_too_short() {
        // 4 MB/s for 4.75 s: clearly rising, but only a few seconds of it.
        let samples: Vec<Sample> = (0..20u64)
            .map(|i| {
                let t = i as f64 * 0.25;
                sample(t, 50 * M + i * M, 10 * M + i * M, 20 * M + i * M, M)
            })
            .collect();
        let v = verdict(&samples);
        assert_eq!(v.state, State::TooShort);
        assert_eq!(v.too_short, Some(TooShort::ShortWindow));
        let few = series(5, |i| (50 * M + i * 5 * M, 10 * M, 20 * M, M));
        let v = verdict(&few);
        assert_eq!(v.state, State::TooShort);
        assert_eq!(v.too_short, Some(TooShort::FewSamples));
        assert_eq!(verdict(&few[..1]).state, State::TooShort);
        assert_eq!(verdict(&[]).state, State::TooShort);
    }

    #[test]
    fn a_significant_but_tiny_slope_is_too_small() {
        // +1 kB/s for a minute: p < 0.001, but 60 kB.
        let samples = series(61, |i| (50 * M + i * 1000, 10 * M, 20 * M, M));
        let v = verdict(&samples);
        assert_eq!(v.state, State::Steady);
        let rss = &v.trends[0];
        assert_eq!(rss.reading, Reading::TooSmall);
        assert!(rss.p_value < 0.001);
        assert!(!rss.significant);
        assert!((rss.change_bytes - 60_000.0).abs() < 1.0);
    }

    #[test]
    fn json_names_are_the_documented_ones() {
        let samples = series(30, |i| (60 * M + i * M, 10 * M + i * M, 20 * M + i * M, M));
        let json = serde_json::to_value(verdict(&samples)).unwrap();
        assert_eq!(json["state"], "growing");
        assert_eq!(json["growing_part"], "js_heap");
        assert_eq!(json["trends"][0]["series"], "rss");
        assert_eq!(json["trends"][3]["series"], "native");
        assert_eq!(json["trends"][1]["reading"], "grows");
        let short = serde_json::to_value(verdict(&samples[..3])).unwrap();
        assert_eq!(short["state"], "too_short");
        assert_eq!(short["too_short"], "few_samples");
    }

    #[test]
    fn csv_has_all_columns() {
        let s = sample(0.25, 50 * M, 10 * M, 20 * M, M);
        assert_eq!(
            csv_row(&s).split(',').count(),
            CSV_HEADER.split(',').count()
        );
    }
}
