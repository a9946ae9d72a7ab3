//! Counts and histograms for one run, shared by the connections behind one
//! lock taken once per read or write batch. Memory is fixed: an HDR latency
//! histogram, status counters, one open second and a capped per-second series.

use crate::error::ErrorKind;
use crate::report::SecondSample;
use hdrhistogram::Histogram;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The per-second series keeps the last this many seconds (one hour).
pub(crate) const MAX_SECONDS: usize = 3600;
/// Latencies are recorded in microseconds, 1 µs to one hour, 3 significant digits.
const MAX_LATENCY_US: u64 = 3_600_000_000;

/// A latency in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Micros(pub u64);

impl Micros {
    pub fn between(from: Instant, to: Instant) -> Self {
        Micros(to.saturating_duration_since(from).as_micros() as u64)
    }
}

/// One completed response, as the recorder needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Completion {
    pub latency: Micros,
    pub status: u16,
    pub bytes: u64,
}

/// The second being filled.
struct OpenSecond {
    index: u64,
    requests: u64,
    bytes: u64,
    errors: u64,
    timeouts: u64,
    latency: Histogram<u32>,
}

pub(crate) struct Recorder {
    start: Instant,
    /// Events at or after this instant are not counted (the run is over).
    end: Option<Instant>,
    pub latency: Histogram<u64>,
    /// Responses by status code, 0..=599; others in `other_status`.
    pub codes: Box<[u64; 600]>,
    pub other_status: u64,
    pub errors: [u64; 4],
    pub sent: u64,
    pub responses: u64,
    pub bytes: u64,
    open: OpenSecond,
    pub series: VecDeque<SecondSample>,
    pub dropped_seconds: u64,
    /// Requests and bytes of each complete second, for the req/s and bytes/s rows.
    pub requests_per_second: Histogram<u64>,
    pub bytes_per_second: Histogram<u64>,
}

pub(crate) fn error_index(kind: ErrorKind) -> usize {
    match kind {
        ErrorKind::Connect => 0,
        ErrorKind::Reset => 1,
        ErrorKind::Parse => 2,
        ErrorKind::Timeout => 3,
    }
}

impl Recorder {
    pub fn new(start: Instant, end: Option<Instant>) -> Self {
        let bounded = |sigfig| {
            let mut h =
                Histogram::new_with_bounds(1, MAX_LATENCY_US, sigfig).expect("valid bounds");
            h.auto(true);
            h
        };
        Recorder {
            start,
            end,
            latency: bounded(3),
            codes: Box::new([0; 600]),
            other_status: 0,
            errors: [0; 4],
            sent: 0,
            responses: 0,
            bytes: 0,
            open: OpenSecond {
                index: 0,
                requests: 0,
                bytes: 0,
                errors: 0,
                timeouts: 0,
                latency: Histogram::new_with_bounds(1, MAX_LATENCY_US, 2).expect("valid bounds"),
            },
            series: VecDeque::new(),
            dropped_seconds: 0,
            requests_per_second: Histogram::new(3).expect("valid sigfig"),
            bytes_per_second: Histogram::new(3).expect("valid sigfig"),
        }
    }

    fn counts(&self, now: Instant) -> bool {
        !matches!(self.end, Some(end) if now >= end)
    }

    pub fn sent(&mut self, now: Instant, n: u64) {
        if self.counts(now) {
            self.sent += n;
        }
    }

    pub fn responses(&mut self, now: Instant, done: &[Completion]) {
        if !self.counts(now) {
            return;
        }
        self.roll(now);
        for c in done {
            let us = c.latency.0.clamp(1, MAX_LATENCY_US);
            let _ = self.latency.record(us);
            let _ = self.open.latency.record(us);
            match self.codes.get_mut(c.status as usize) {
                Some(n) => *n += 1,
                None => self.other_status += 1,
            }
            self.responses += 1;
            self.bytes += c.bytes;
            self.open.requests += 1;
            self.open.bytes += c.bytes;
        }
    }

    pub fn errors(&mut self, now: Instant, kind: ErrorKind, n: u64) {
        if n == 0 || !self.counts(now) {
            return;
        }
        self.roll(now);
        self.errors[error_index(kind)] += n;
        if kind == ErrorKind::Timeout {
            self.open.timeouts += n;
        } else {
            self.open.errors += n;
        }
    }

    /// Closes every second that ended before `now`.
    pub fn roll(&mut self, now: Instant) {
        let now = self.end.map_or(now, |end| now.min(end));
        let index = now.saturating_duration_since(self.start).as_secs();
        while self.open.index < index {
            self.close_second();
        }
    }

    /// Closes every second up to the end of the run; a partial last second
    /// goes into the series but not into the req/s and bytes/s statistics.
    pub fn finish(&mut self, elapsed: Duration) {
        self.roll(self.start + elapsed);
        let partial = elapsed.as_secs_f64() > self.open.index as f64;
        if partial && (self.open.requests + self.open.errors + self.open.timeouts) > 0 {
            let sample = self.sample();
            self.push(sample);
        }
    }

    fn sample(&self) -> SecondSample {
        let o = &self.open;
        SecondSample {
            second: o.index,
            requests: o.requests,
            bytes: o.bytes,
            errors: o.errors,
            timeouts: o.timeouts,
            p99_us: if o.requests > 0 {
                o.latency.value_at_quantile(0.99)
            } else {
                0
            },
        }
    }

    fn push(&mut self, sample: SecondSample) {
        if self.series.len() == MAX_SECONDS {
            self.series.pop_front();
            self.dropped_seconds += 1;
        }
        self.series.push_back(sample);
    }

    fn close_second(&mut self) {
        let sample = self.sample();
        let _ = self.requests_per_second.record(sample.requests);
        let _ = self.bytes_per_second.record(sample.bytes);
        self.push(sample);
        let o = &mut self.open;
        o.index += 1;
        o.requests = 0;
        o.bytes = 0;
        o.errors = 0;
        o.timeouts = 0;
        o.latency.reset();
    }

    /// Requests and bytes in the last closed second, for the progress line.
    pub fn last_second(&self) -> Option<&SecondSample> {
        self.series.back()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_roll_and_the_end_is_respected() {
        let t0 = Instant::now();
        let end = t0 + Duration::from_millis(2500);
        let mut r = Recorder::new(t0, Some(end));
        let c = Completion {
            latency: Micros(1000),
            status: 200,
            bytes: 10,
        };
        r.responses(t0 + Duration::from_millis(100), &[c, c]);
        r.responses(t0 + Duration::from_millis(2100), &[c]);
        r.errors(t0 + Duration::from_millis(2200), ErrorKind::Timeout, 1);
        r.responses(t0 + Duration::from_millis(2600), &[c]);
        r.finish(Duration::from_millis(2500));
        let got: Vec<_> = r
            .series
            .iter()
            .map(|s| (s.second, s.requests, s.timeouts))
            .collect();
        assert_eq!(got, vec![(0, 2, 0), (1, 0, 0), (2, 1, 1)]);
        assert_eq!((r.responses, r.bytes, r.codes[200]), (3, 30, 3));
        assert_eq!(r.requests_per_second.len(), 2);
    }
}
