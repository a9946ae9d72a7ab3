//! The headroom guard of `capture`: refuse a snapshot that the model says would
//! not fit in the memory left to the target.

use crate::CliError;
use heapscope_inspector::headroom::{estimate, read_figures, HeapFigures};
use heapscope_inspector::memory::{available_to, Available};
use heapscope_inspector::Session;
use heapscope_report::human_bytes;

/// Checks that the predicted cost fits; explains the numbers when it does not.
/// When the figures cannot be read, warns and lets the capture go ahead.
pub fn check(session: &mut Session, pid: Option<u32>) -> Result<(), CliError> {
    let figures = match read_figures(session) {
        Ok(figures) => figures,
        Err(e) => {
            eprintln!(
                "heapscope: warning: cannot estimate the snapshot's cost ({e}); capturing anyway"
            );
            return Ok(());
        }
    };
    let Some(available) = available(&figures, pid) else {
        return Ok(());
    };
    let estimate = estimate(&figures.spaces);
    if estimate.cost <= available.bytes {
        if estimate.worst_cost > available.bytes {
            eprintln!(
                "heapscope: warning: the snapshot should need about {} in the target, but up to {} if millions of small objects sit in a few huge arrays; {} is available ({})",
                human_bytes(estimate.cost as f64),
                human_bytes(estimate.worst_cost as f64),
                human_bytes(available.bytes as f64),
                available.source
            );
        }
        return Ok(());
    }
    Err(CliError(format!(
        "capture refused: writing a snapshot of this heap would need about {} more memory in the target \
         (≈ {} objects estimated from {} of small-object heap, {} in large objects; up to {} for some heap shapes), \
         but only {} is available ({}); the target could be killed for lack of memory. \
         Use --force to capture anyway, or `heapscope profile` for a low-overhead sampling profile",
        human_bytes(estimate.cost as f64),
        heapscope_report::thousands(estimate.objects),
        human_bytes(estimate.small_bytes as f64),
        human_bytes(estimate.large_bytes as f64),
        human_bytes(estimate.worst_cost as f64),
        human_bytes(available.bytes as f64),
        available.source,
    )))
}

/// From `/proc` for a local process, else from what the target reports.
fn available(figures: &HeapFigures, pid: Option<u32>) -> Option<Available> {
    if let Some(found) = pid.and_then(available_to) {
        return Some(found);
    }
    let mut best = Available {
        bytes: figures.freemem,
        source: "free memory reported by the target (os.freemem)".into(),
    };
    if let Some(limit) = figures.constrained.filter(|&l| l < 1e18).map(|l| l as u64) {
        let room = limit.saturating_sub(figures.rss);
        if room < best.bytes {
            best = Available {
                bytes: room,
                source: "the target's memory limit (process.constrainedMemory) minus its RSS"
                    .into(),
            };
        }
    }
    Some(best)
}
