//! The target's resident memory before and after a heap snapshot, from
//! `/proc/PID/status` (VmRSS). V8 keeps much of the memory it used to build
//! and write the snapshot, so a large growth is worth saying, with what to do.

use heapscope_inspector::procstat;
use heapscope_report::human_bytes;
use serde::Serialize;

/// Growth worth a warning: more than this share of the RSS before…
const GROWTH_SHARE: f64 = 0.20;
/// …and more than this many bytes.
const GROWTH_BYTES: u64 = 50_000_000;

/// RSS before and after, as read from `/proc`.
#[derive(Debug, Clone, Serialize)]
pub struct RssChange {
    pub pid: u32,
    pub before_bytes: u64,
    pub after_bytes: u64,
    /// Always `/proc/PID/status VmRSS`.
    pub source: String,
    /// True when it grew by more than 20% and 50 MB.
    pub grew: bool,
}

/// The RSS of `pid` now, if it can be read.
pub fn rss_now(pid: u32) -> Option<u64> {
    procstat::read(pid).ok().map(|r| r.rss)
}

impl RssChange {
    /// Reads the RSS after, against `before`.
    pub fn measure(pid: u32, before: u64) -> Option<RssChange> {
        Some(RssChange::new(pid, before, rss_now(pid)?))
    }

    fn new(pid: u32, before: u64, after: u64) -> RssChange {
        let growth = after.saturating_sub(before);
        RssChange {
            pid,
            before_bytes: before,
            after_bytes: after,
            source: format!("/proc/{pid}/status VmRSS"),
            grew: growth > GROWTH_BYTES && growth as f64 > before as f64 * GROWTH_SHARE,
        }
    }

    /// One line, and a second one with the advice when it grew.
    pub fn lines(&self) -> String {
        let mut text = format!(
            "heapscope: target RSS {} before the snapshot, {} after ({})",
            human_bytes(self.before_bytes as f64),
            human_bytes(self.after_bytes as f64),
            self.source
        );
        if self.grew {
            text.push_str(&format!(
                "\nheapscope: the target grew by {}: V8 keeps memory it used to write the snapshot and returns it to the system slowly, if ever; take the instance out of rotation or restart it when convenient",
                human_bytes(self.after_bytes.saturating_sub(self.before_bytes) as f64)
            ));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(before: u64, after: u64) -> RssChange {
        RssChange::new(1, before, after)
    }

    #[test]
    fn growth_needs_both_share_and_bytes() {
        assert!(change(95_000_000, 1_800_000_000)
            .lines()
            .contains("out of rotation"));
        assert!(!change(1_000_000_000, 1_100_000_000).grew, "10%");
        assert!(!change(100_000_000, 140_000_000).grew, "40 MB");
        assert!(!change(100_000_000, 90_000_000).grew);
    }

    #[test]
    fn measures_own_process() {
        let pid = std::process::id();
        let c = RssChange::measure(pid, 1).unwrap();
        assert!(c.after_bytes > 0 && c.source.ends_with("VmRSS"));
    }
}
