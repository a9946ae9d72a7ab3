//! Phase timings on stderr when `HEAPSCOPE_TIMINGS` is set (for benchmarks).

use std::time::Instant;

pub struct Phases {
    enabled: bool,
    last: Instant,
}

impl Phases {
    pub fn from_env() -> Self {
        Phases {
            enabled: std::env::var_os("HEAPSCOPE_TIMINGS").is_some(),
            last: Instant::now(),
        }
    }

    pub fn lap(&mut self, what: &str) {
        if self.enabled {
            let now = Instant::now();
            eprintln!(
                "heapscope: {:>8.1} ms  {:>6} MB rss {:>6} MB peak  {what}",
                (now - self.last).as_secs_f64() * 1e3,
                rss_mb("VmRSS:"),
                rss_mb("VmHWM:")
            );
            self.last = now;
        }
    }
}

/// A line of /proc/self/status in MB (0 where unavailable).
fn rss_mb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u64>().ok())
            })
        })
        .map(|kb| kb / 1024)
        .unwrap_or(0)
}
