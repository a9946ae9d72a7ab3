//! The text of a memory verdict ([`heapscope_inspector::timeline::Verdict`]),
//! shared by every command that prints one (`watch`, and later `hunt`). The
//! text only says what the structured verdict says: "growing" names the parts
//! that grow, a part that shrinks is printed as shrinking, a significant
//! p-value that does not count says why, and rates keep enough digits that a
//! trend never reads +0.0.

use heapscope_inspector::timeline::{
    Part, Reading, SeriesTrend, State, TooShort, Verdict, MIN_SAMPLES, MIN_STRETCH_AFTER_GC_S,
    MIN_WINDOW_S,
};
use heapscope_report::human_bytes;

/// The verdict as text, one or more lines each ending in a newline.
/// `heap_known`: whether heap figures were available (an inspector was
/// reachable); without them only RSS is judged.
pub fn verdict_text(v: &Verdict, heap_known: bool) -> String {
    let mut out = String::new();
    let Some(rss) = v.trends.first().filter(|_| v.state != State::TooShort) else {
        out.push_str(&too_short_line(v));
        if !heap_known {
            out.push_str(&format!("heap figures: {MISSING}\n"));
        }
        return out;
    };
    let state = match v.state {
        State::Growing => "growing",
        State::Shrinking => "shrinking",
        State::Steady | State::TooShort => "steady",
    };
    out.push_str(&format!(
        "verdict: {state}, RSS {} (95% CI {}; Mann-Kendall {}; {} samples over {:.1} s)\n",
        rate_text(rss.mb_per_min),
        interval_text(rss),
        p_text(rss.p_value),
        v.samples,
        v.seconds
    ));
    // A significant p-value in the headline of a steady verdict: say why.
    let rss_line = (rss.reading == Reading::TooSmall).then_some(rss);
    for t in rss_line.into_iter().chain(&v.trends[1..]) {
        out.push_str(&format!(
            "  {:<40} {:>14}  {}\n",
            series_label(t),
            rate_text(t.mb_per_min),
            reading_text(t)
        ));
    }
    if !heap_known {
        let lead = match v.state {
            State::Growing => "where: unknown",
            _ => "heap figures",
        };
        out.push_str(&format!("{lead}: {MISSING}\n"));
        return out;
    }
    match (v.state, v.growing_parts.split_first()) {
        (State::Growing, Some((fastest, others))) => {
            out.push_str(&format!("where: {}\n", advice(*fastest)));
            if !others.is_empty() {
                let names: Vec<String> = others
                    .iter()
                    .map(|p| format!("{} ({})", part_name(*p), part_rate(v, *p)))
                    .collect();
                out.push_str(&format!("  also growing: {}\n", names.join(", ")));
            }
        }
        (State::Growing, None) => {
            out.push_str("where: RSS grows but neither the JS heap, external memory nor native memory alone grows clearly");
            if !v.shrinking_parts.is_empty() {
                let names: Vec<&str> = v.shrinking_parts.iter().map(|p| part_name(*p)).collect();
                out.push_str(&format!(
                    " ({} shrinks, so it explains none of the growth)",
                    names.join(" and ")
                ));
            }
            out.push_str("; watch longer, or compare heap snapshots taken minutes apart\n");
        }
        (_, Some(_)) => {
            let names: Vec<String> = v
                .growing_parts
                .iter()
                .map(|p| format!("{} ({})", part_name(*p), part_rate(v, *p)))
                .collect();
            out.push_str(&format!(
                "note: RSS is {state}, but {} grows: memory may be moving between parts; watch longer\n",
                names.join(" and ")
            ));
        }
        (_, None) => {}
    }
    if v.state == State::Growing && v.shrinking_parts.contains(&Part::Native) {
        out.push_str("note: native memory is RSS − heap total − external, so it falls when V8 reserves heap faster than its pages become resident; that is not memory given back\n");
    }
    if v.growing_parts.contains(&Part::JsHeap) && v.heap_drops == Some(0) {
        out.push_str("note: heap used never fell during the window (no garbage collection seen), so part of the JS heap growth may be garbage not yet collected\n");
    }
    out
}

/// How to get the figures a `/proc`-only watch lacks.
const MISSING: &str = "only RSS is known (from /proc); the JS heap, external memory and the native split need the inspector: \
pass --inspect HOST:PORT or --ws URL if the app was started with --inspect, or open it with `kill -USR1 PID` \
(`heapscope capture --pid PID` does so too, with a snapshot) and watch --pid again";

fn too_short_line(v: &Verdict) -> String {
    let why = match v.too_short {
        Some(TooShort::ShortWindow) => format!(
            "{} samples over only {:.1} s; at least {MIN_WINDOW_S:.0} s are needed (a shorter window mostly sees one GC cycle or V8 growing its heap)",
            v.samples, v.seconds
        ),
        Some(TooShort::ShortStretches) => format!(
            "the stretches between snapshots last under {MIN_STRETCH_AFTER_GC_S:.0} s, and after a snapshot's full GC the heap grows back for a while without leaking; the snapshots are the evidence here"
        ),
        _ => format!(
            "only {} samples over {:.1} s; at least {MIN_SAMPLES} are needed",
            v.samples, v.seconds
        ),
    };
    format!("verdict: too short to tell: {why}; watch longer (e.g. --duration 1m)\n")
}

/// What a series' fit means, its p-value beside the reason.
fn reading_text(t: &SeriesTrend) -> String {
    let p = p_text(t.p_value);
    match t.reading {
        Reading::Grows => format!("grows ({p})"),
        Reading::Shrinks => format!("shrinks ({p})"),
        Reading::NoTrend => format!("no real trend ({p})"),
        Reading::TooSmall => format!(
            "no real trend ({p}, but {} over the window is under {})",
            signed_bytes(t.change_bytes),
            human_bytes(t.min_change_bytes)
        ),
    }
}

fn series_label(t: &SeriesTrend) -> &'static str {
    use heapscope_inspector::timeline::Series;
    match t.series {
        Series::Rss => "RSS",
        Series::JsHeap => "JS heap (used)",
        Series::External => "external (Buffers, ArrayBuffers, WASM)",
        Series::Native => "native outside both",
    }
}

fn part_name(p: Part) -> &'static str {
    match p {
        Part::JsHeap => "the JS heap",
        Part::External => "external memory",
        Part::Native => "native memory outside both",
    }
}

fn part_rate(v: &Verdict, p: Part) -> String {
    v.trend(p.series())
        .map(|t| rate_text(t.mb_per_min))
        .unwrap_or_default()
}

fn advice(p: Part) -> &'static str {
    match p {
        Part::JsHeap => "the JS heap grows: compare heap snapshots (`heapscope capture` now and later, then `heapscope leaks`)",
        Part::External => "external memory grows (Buffers, ArrayBuffers, WASM memories): look for what keeps them in a snapshot (`heapscope summary FILE --filter 'Buffer|ArrayBuffer'`)",
        Part::Native => "native memory outside the JS heap and ArrayBuffers grows (addons, C++ allocations, fragmentation): heap snapshots will not show it",
    }
}

fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else {
        format!("p = {p:.3}")
    }
}

/// The unit a rate is printed in: the largest whose value is at least 1.
fn rate_unit(mb_per_min: f64) -> (f64, &'static str) {
    let bytes = mb_per_min.abs() * 1e6;
    if bytes >= 1e6 {
        (1e6, "MB/min")
    } else if bytes >= 1e3 {
        (1e3, "kB/min")
    } else {
        (1.0, "B/min")
    }
}

/// `+457.4 MB/min`, `+60.0 kB/min`, `-12 B/min`, `0 B/min`: never `+0.0`
/// for a slope of at least half a byte a minute.
pub fn rate_text(mb_per_min: f64) -> String {
    let (scale, unit) = rate_unit(mb_per_min);
    format!("{} {unit}", scaled(mb_per_min * 1e6 / scale, scale))
}

/// The 95% interval in the slope's unit.
fn interval_text(t: &SeriesTrend) -> String {
    let (scale, unit) = rate_unit(t.mb_per_min);
    format!(
        "{} to {} {unit}",
        scaled(t.mb_per_min_low * 1e6 / scale, scale),
        scaled(t.mb_per_min_high * 1e6 / scale, scale)
    )
}

fn scaled(value: f64, scale: f64) -> String {
    if value == 0.0 {
        "0".into()
    } else if scale == 1.0 {
        format!("{value:+.0}")
    } else {
        format!("{value:+.1}")
    }
}

fn signed_bytes(v: f64) -> String {
    let sign = if v < 0.0 { "-" } else { "+" };
    format!("{sign}{}", human_bytes(v.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use heapscope_inspector::timeline::{verdict, Sample};

    const M: u64 = 1_000_000;

    /// `n` samples one second apart from `(rss, heap used, heap total, external)`.
    fn series(n: u64, f: impl Fn(u64) -> (u64, u64, u64, u64)) -> Vec<Sample> {
        (0..n)
            .map(|i| {
                let (rss, used, total, external) = f(i);
                Sample {
                    t_s: i as f64,
                    unix_ms: 0,
                    rss_bytes: rss,
                    cpu_percent: None,
                    heap_used_bytes: Some(used),
                    heap_total_bytes: Some(total),
                    external_bytes: Some(external),
                    array_buffers_bytes: Some(0),
                }
            })
            .collect()
    }

    fn rss_only(samples: Vec<Sample>) -> Vec<Sample> {
        samples
            .into_iter()
            .map(|s| Sample {
                heap_used_bytes: None,
                heap_total_bytes: None,
                external_bytes: None,
                array_buffers_bytes: None,
                ..s
            })
            .collect()
    }

    fn text(samples: &[Sample]) -> String {
        let heap_known = samples.iter().any(|s| s.heap_used_bytes.is_some());
        verdict_text(&verdict(samples), heap_known)
    }

    #[test]
    fn steady_sawtooth() {
        let t = text(&series(60, |i| {
            (
                90 * M + (i % 3) * 40_000,
                20 * M + (i % 6) * 3 * M,
                50 * M,
                M,
            )
        }));
        assert!(t.starts_with("verdict: steady, RSS "), "{t}");
        assert!(!t.contains("where:"), "{t}");
        assert!(!t.contains(" grows ("), "{t}");
    }

    #[test]
    fn linear_growth_names_the_js_heap() {
        let t = text(&series(30, |i| {
            (60 * M + i * M, 10 * M + i * M, 20 * M + i * M, M)
        }));
        assert!(t.starts_with("verdict: growing, RSS +60.0 MB/min"), "{t}");
        assert!(t.contains("JS heap (used)"), "{t}");
        assert!(t.contains("+60.0 MB/min  grows (p < 0.001)"), "{t}");
        assert!(t.contains("where: the JS heap grows"), "{t}");
        // Neither shrinking nor growing, native is printed as no trend.
        let native = t
            .lines()
            .find(|l| l.contains("native outside both"))
            .unwrap();
        assert!(native.contains("no real trend"), "{t}");
    }

    #[test]
    fn a_shrinking_part_does_not_explain_growth() {
        let t = text(&series(30, |i| {
            (
                200 * M + i * M,
                10 * M + i * 3 * M / 2,
                20 * M + 2 * i * M,
                M,
            )
        }));
        assert!(t.starts_with("verdict: growing"), "{t}");
        let native = t
            .lines()
            .find(|l| l.contains("native outside both"))
            .unwrap();
        assert!(native.contains("-60.0 MB/min  shrinks (p < 0.001)"), "{t}");
        let place = t.lines().find(|l| l.starts_with("where:")).unwrap();
        assert!(place.contains("the JS heap grows"), "{t}");
        assert!(!place.contains("native"), "{t}");
        assert!(t.contains("that is not memory given back"), "{t}");
    }

    #[test]
    fn rss_growth_that_no_part_explains_is_said_so() {
        let t = text(&series(30, |i| {
            (100 * M + i * M, 30 * M, 40 * M + i * M, M)
        }));
        assert!(t.starts_with("verdict: growing"), "{t}");
        assert!(
            t.contains("where: RSS grows but neither the JS heap, external memory nor native memory alone grows clearly"),
            "{t}"
        );
    }

    #[test]
    fn a_tiny_window_is_too_short() {
        let samples: Vec<Sample> =
            series(20, |i| (50 * M + i * M, 10 * M + i * M, 20 * M + i * M, M))
                .into_iter()
                .map(|s| Sample {
                    t_s: s.t_s * 0.25,
                    ..s
                })
                .collect();
        let t = text(&samples);
        assert!(
            t.starts_with(
                "verdict: too short to tell: 20 samples over only 4.8 s; at least 10 s are needed"
            ),
            "{t}"
        );
        assert_eq!(
            t.lines().count(),
            1,
            "no slopes or parts on a tiny window: {t}"
        );
        let t = text(&samples[..2]);
        assert!(t.contains("only 2 samples"), "{t}");
    }

    #[test]
    fn a_significant_tiny_slope_says_why_it_does_not_count() {
        let t = text(&series(61, |i| (50 * M + i * 1000, 10 * M, 20 * M, M)));
        assert!(t.starts_with("verdict: steady, RSS +60.0 kB/min"), "{t}");
        assert!(t.contains("95% CI +60.0 to +60.0 kB/min"), "{t}");
        assert!(
            t.contains("no real trend (p < 0.001, but +60.0 kB over the window is under 1.0 MB)"),
            "{t}"
        );
        assert!(!t.contains("+0.0"), "{t}");
    }

    #[test]
    fn without_the_inspector_the_missing_figures_are_named() {
        let growing = rss_only(series(30, |i| (60 * M + i * M, 0, 0, 0)));
        let t = text(&growing);
        assert!(t.starts_with("verdict: growing"), "{t}");
        let place = t.lines().find(|l| l.starts_with("where:")).unwrap();
        assert!(place.contains("unknown: only RSS is known"), "{t}");
        assert!(
            place.contains("the JS heap, external memory and the native split"),
            "{t}"
        );
        assert!(place.contains("--inspect HOST:PORT or --ws URL"), "{t}");
        let steady = rss_only(series(30, |_| (60 * M, 0, 0, 0)));
        let t = text(&steady);
        assert!(t.starts_with("verdict: steady"), "{t}");
        assert!(t.contains("heap figures: only RSS is known"), "{t}");
    }

    #[test]
    fn rates_keep_their_digits() {
        assert_eq!(rate_text(457.44), "+457.4 MB/min");
        assert_eq!(rate_text(-0.0123), "-12.3 kB/min");
        assert_eq!(rate_text(0.000_04), "+40 B/min");
        assert_eq!(rate_text(0.0), "0 B/min");
    }
}
