//! [`LoadReport`]: the result of a run, serialisable to JSON with a stable
//! schema (version [`SCHEMA_VERSION`]; fields are only ever added).
//!
//! Units are in the field names: `_us` microseconds, `_s` seconds, `bytes`
//! bytes on the wire (response heads and bodies). Latency is measured from
//! the actual send time, or in the open model (`rate`) from each request's
//! intended send time (coordinated-omission correction).

use crate::error::ErrorKind;
use crate::recorder::{error_index, Recorder};
use crate::spec::LoadSpec;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Bumped only on incompatible changes; new fields may appear at any time.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    pub schema_version: u32,
    pub settings: Settings,
    /// Wall time of the load phase.
    pub elapsed_s: f64,
    /// Requests written to the sockets.
    pub sent: u64,
    /// Complete responses, any status.
    pub responses: u64,
    /// Response bytes (heads and bodies).
    pub bytes: u64,
    pub throughput: Throughput,
    pub latency_us: LatencySummary,
    pub status: StatusCounts,
    /// Failed requests by kind, timeouts apart.
    pub errors: Errors,
    /// Per-second series, oldest first; at most 3600 entries (the last hour).
    pub per_second: Vec<SecondSample>,
    /// Seconds dropped from the front of `per_second` to keep it bounded.
    pub per_second_dropped: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub url: String,
    /// Number of distinct paths rotated over (1 without a URLs file).
    pub paths: usize,
    pub method: String,
    pub headers: Vec<String>,
    pub body_bytes: usize,
    pub connections: usize,
    pub pipelining: usize,
    pub duration_s: Option<f64>,
    pub requests: Option<u64>,
    /// Open-model rate in requests/s, or null for the closed model.
    pub rate: Option<f64>,
    pub timeout_s: f64,
    pub threads: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    /// Responses / elapsed.
    pub requests_per_s: f64,
    pub bytes_per_s: f64,
    /// Distribution over the complete seconds of the run.
    pub requests_per_second: StatSummary,
    pub bytes_per_second: StatSummary,
}

/// Percentiles and moments of a distribution.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StatSummary {
    pub min: f64,
    pub p2_5: f64,
    pub p50: f64,
    pub p97_5: f64,
    pub p99: f64,
    pub mean: f64,
    pub stdev: f64,
    pub max: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct LatencySummary {
    /// Latencies recorded (= responses).
    pub count: u64,
    pub min: u64,
    pub p2_5: u64,
    pub p50: u64,
    pub p90: u64,
    pub p97_5: u64,
    pub p99: u64,
    pub p99_9: u64,
    pub max: u64,
    pub mean: f64,
    pub stdev: f64,
}

/// Responses by status class, and by exact code.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StatusCounts {
    #[serde(rename = "1xx")]
    pub informational: u64,
    #[serde(rename = "2xx")]
    pub success: u64,
    #[serde(rename = "3xx")]
    pub redirect: u64,
    #[serde(rename = "4xx")]
    pub client_error: u64,
    #[serde(rename = "5xx")]
    pub server_error: u64,
    /// Codes outside 100..=599.
    pub other: u64,
    /// Exact codes seen, e.g. {"200": 9000, "404": 12}.
    pub codes: BTreeMap<u16, u64>,
}

/// Requests that got no response.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Errors {
    /// Connections that could not be opened.
    pub connect: u64,
    /// Connection reset or closed before the response was complete.
    pub reset: u64,
    /// Responses that were not valid HTTP.
    pub parse: u64,
    /// connect + reset + parse (timeouts not included).
    pub total: u64,
    /// No complete response within the timeout (the connection was re-opened).
    pub timeouts: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecondSample {
    /// Seconds since the start of the run.
    pub second: u64,
    pub requests: u64,
    pub bytes: u64,
    pub errors: u64,
    pub timeouts: u64,
    /// p99 latency of the responses completed in that second (0 if none).
    pub p99_us: u64,
}

impl Settings {
    pub(crate) fn of(spec: &LoadSpec, paths: usize) -> Self {
        Settings {
            url: spec.url.clone(),
            paths,
            method: spec.method.as_str().to_string(),
            headers: spec.headers.iter().map(|h| h.to_string()).collect(),
            body_bytes: spec.body.len(),
            connections: spec.connections,
            pipelining: spec.pipelining,
            duration_s: spec.duration.map(|d| d.as_secs_f64()),
            requests: spec.requests,
            rate: spec.rate,
            timeout_s: spec.timeout.as_secs_f64(),
            threads: spec.threads,
        }
    }
}

impl LoadReport {
    pub(crate) fn build(settings: Settings, mut rec: Recorder, elapsed: Duration) -> Self {
        rec.finish(elapsed);
        let secs = elapsed.as_secs_f64().max(1e-9);
        let errors = |kind| rec.errors[error_index(kind)];
        let errors = Errors {
            connect: errors(ErrorKind::Connect),
            reset: errors(ErrorKind::Reset),
            parse: errors(ErrorKind::Parse),
            total: errors(ErrorKind::Connect) + errors(ErrorKind::Reset) + errors(ErrorKind::Parse),
            timeouts: errors(ErrorKind::Timeout),
        };
        let mean_rps = rec.responses as f64 / secs;
        let mean_bps = rec.bytes as f64 / secs;
        LoadReport {
            schema_version: SCHEMA_VERSION,
            settings,
            elapsed_s: elapsed.as_secs_f64(),
            sent: rec.sent,
            responses: rec.responses,
            bytes: rec.bytes,
            throughput: Throughput {
                requests_per_s: mean_rps,
                bytes_per_s: mean_bps,
                requests_per_second: summary(&rec.requests_per_second, mean_rps),
                bytes_per_second: summary(&rec.bytes_per_second, mean_bps),
            },
            latency_us: latency(&rec.latency),
            status: status(&rec),
            errors,
            per_second: rec.series.into_iter().collect(),
            per_second_dropped: rec.dropped_seconds,
        }
    }
}

/// The distribution of per-second values; a run shorter than a second has
/// none, and then every figure is the run's mean.
fn summary(h: &Histogram<u64>, mean: f64) -> StatSummary {
    if h.is_empty() {
        return StatSummary {
            min: mean,
            p2_5: mean,
            p50: mean,
            p97_5: mean,
            p99: mean,
            mean,
            stdev: 0.0,
            max: mean,
        };
    }
    let q = |q| h.value_at_quantile(q) as f64;
    StatSummary {
        min: h.min() as f64,
        p2_5: q(0.025),
        p50: q(0.5),
        p97_5: q(0.975),
        p99: q(0.99),
        mean: h.mean(),
        stdev: h.stdev(),
        max: h.max() as f64,
    }
}

fn latency(h: &Histogram<u64>) -> LatencySummary {
    if h.is_empty() {
        return LatencySummary::default();
    }
    let q = |q| h.value_at_quantile(q);
    LatencySummary {
        count: h.len(),
        min: h.min(),
        p2_5: q(0.025),
        p50: q(0.5),
        p90: q(0.9),
        p97_5: q(0.975),
        p99: q(0.99),
        p99_9: q(0.999),
        max: h.max(),
        mean: h.mean(),
        stdev: h.stdev(),
    }
}

fn status(rec: &Recorder) -> StatusCounts {
    let mut s = StatusCounts {
        other: rec.other_status,
        ..StatusCounts::default()
    };
    for (code, &n) in rec.codes.iter().enumerate().filter(|(_, &n)| n > 0) {
        s.codes.insert(code as u16, n);
        match code / 100 {
            1 => s.informational += n,
            2 => s.success += n,
            3 => s.redirect += n,
            4 => s.client_error += n,
            5 => s.server_error += n,
            _ => s.other += n,
        }
    }
    s
}
