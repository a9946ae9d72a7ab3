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
                "heapscope: {:>8.1} ms  {what}",
                (now - self.last).as_secs_f64() * 1e3
            );
            self.last = now;
        }
    }
}
