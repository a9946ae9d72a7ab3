//! What writing a heap snapshot costs the target, from a model calibrated with
//! `bench/headroom-calibrate.js` (see README, "Headroom guard"). V8 builds the
//! whole snapshot graph inside the target before streaming it: a fixed part plus
//! a cost per heap object, whatever the object's size. Objects are estimated
//! from the used bytes of each heap space; large-object spaces hold few objects.
//! Two figures: the usual cost (objects held by many small containers), and the
//! worst measured case (millions of tiny objects in a few huge arrays).

use crate::cdp::Session;
use crate::error::Result;
use serde::Deserialize;

/// Peak RSS growth per object in usual heaps (measured 265–454 B).
pub const TYPICAL_BYTES_PER_OBJECT: u64 = 500;
/// Peak RSS growth per object when a few huge arrays hold them (measured up to 1,490 B).
pub const WORST_BYTES_PER_OBJECT: u64 = 1_500;
/// Fixed part of the peak growth (measured ~30 MB on an almost empty heap).
pub const FIXED_BYTES: u64 = 32 << 20;
/// Mean object size in the ordinary spaces for the usual estimate (measured 33–98 B, 36 B in an application-like heap).
pub const MEAN_OBJECT_BYTES: u64 = 40;
/// Smallest mean measured (heaps of one-field objects and short strings): the worst case.
pub const SMALLEST_MEAN_OBJECT_BYTES: u64 = 32;
/// Mean size in code space (code objects are larger).
pub const MEAN_CODE_OBJECT_BYTES: u64 = 200;

/// One V8 heap space as `v8.getHeapSpaceStatistics()` reports it.
#[derive(Debug, Clone, Deserialize)]
pub struct HeapSpace {
    pub space_name: String,
    pub space_used_size: u64,
}

/// The target's heap figures that the model needs.
#[derive(Debug, Clone, Deserialize)]
pub struct HeapFigures {
    pub spaces: Vec<HeapSpace>,
    pub rss: u64,
    pub pid: u32,
    /// `os.freemem()` and `process.constrainedMemory()` as the target sees them.
    pub freemem: u64,
    /// A float: Node reports "no limit" as 2^64.
    pub constrained: Option<f64>,
}

/// What the model predicts.
#[derive(Debug, Clone, Copy)]
pub struct Estimate {
    /// Objects by the usual mean size.
    pub objects: u64,
    /// Bytes in spaces of ordinary (small) objects.
    pub small_bytes: u64,
    /// Bytes in large-object spaces.
    pub large_bytes: u64,
    /// Predicted peak RSS growth of the target while writing, usual heaps.
    pub cost: u64,
    /// The same for the worst measured heap shape.
    pub worst_cost: u64,
}

const FIGURES_EXPRESSION: &str = "(() => { const v8 = require('v8'); const os = require('os'); \
    return { spaces: v8.getHeapSpaceStatistics(), rss: process.memoryUsage.rss(), pid: process.pid, \
    freemem: os.freemem(), constrained: typeof process.constrainedMemory === 'function' \
    ? (process.constrainedMemory() || null) : null }; })()";

/// Reads the heap figures from the target (`Runtime.evaluate`, no side effects).
pub fn read_figures(session: &mut Session) -> Result<HeapFigures> {
    let value = session.evaluate(FIGURES_EXPRESSION)?;
    serde_json::from_value(value).map_err(|e| {
        crate::InspectorError::BadInput(format!("unexpected heap statistics from the target: {e}"))
    })
}

/// Applies the model to the heap spaces.
pub fn estimate(spaces: &[HeapSpace]) -> Estimate {
    let (mut objects, mut worst_objects) = (0, 0);
    let (mut small_bytes, mut large_bytes) = (0, 0);
    for space in spaces {
        let used = space.space_used_size;
        if space.space_name.contains("large_object") {
            large_bytes += used;
        } else if space.space_name.starts_with("code") {
            small_bytes += used;
            objects += used / MEAN_CODE_OBJECT_BYTES;
            worst_objects += used / MEAN_CODE_OBJECT_BYTES;
        } else {
            small_bytes += used;
            objects += used / MEAN_OBJECT_BYTES;
            worst_objects += used / SMALLEST_MEAN_OBJECT_BYTES;
        }
    }
    Estimate {
        objects,
        small_bytes,
        large_bytes,
        cost: FIXED_BYTES + objects * TYPICAL_BYTES_PER_OBJECT,
        worst_cost: FIXED_BYTES + worst_objects * WORST_BYTES_PER_OBJECT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space(name: &str, used: u64) -> HeapSpace {
        HeapSpace {
            space_name: name.into(),
            space_used_size: used,
        }
    }

    #[test]
    fn small_objects_cost_large_ones_do_not() {
        let small = estimate(&[space("old_space", 200_000_000)]);
        let large = estimate(&[space("large_object_space", 200_000_000)]);
        assert_eq!(small.objects, 5_000_000);
        assert!(small.cost > 2_500_000_000 && small.cost < 2_600_000_000);
        assert!(small.worst_cost > 9_000_000_000);
        assert_eq!(large.cost, FIXED_BYTES);
    }
}
