//! Array stores that grow with no more entries: the same array in every
//! snapshot whose backing store (in its DevTools shallow size) grows
//! steadily while the objects it references do not. Its slots hold what a
//! snapshot leaves out: `null` or `undefined` (entries "removed" by setting
//! them to null and never reused), numbers, booleans. Few bytes per slot,
//! so the byte floor does not apply: the growth must be steady and add at
//! least `--min-count` slots per interval.

use super::Candidate;
use crate::leaks::growth::steadily_growing;
use crate::leaks::{LeakContext, LeakOptions, SuspectKind, Unit};

/// Bytes per array slot (a tagged pointer).
const SLOT_BYTES: u64 = 8;

pub fn detect(cx: &LeakContext, options: &LeakOptions) -> Vec<Candidate> {
    let last = cx.last;
    let snap = &last.snap;
    let least = options.min_count * SLOT_BYTES;
    let mut out = Vec::new();
    for v in 0..snap.node_count() as u32 {
        if snap.nodes.ty[v as usize] != snap.node_types.object
            || (snap.nodes.self_size[v as usize] as u64) < least
            || snap.node_name(v) != "Array"
        {
            continue;
        }
        let Some(sizes) =
            cx.per_snapshot(v, |a, o| Some(a.snap.nodes.self_size[o as usize] as u64))
        else {
            continue;
        };
        let slots_added = |w: &[u64]| w[1].saturating_sub(w[0]) / SLOT_BYTES;
        if !steadily_growing(&sizes) || sizes.windows(2).any(|w| slots_added(w) < options.min_count)
        {
            continue;
        }
        let Some(entries) = cx.per_snapshot(v, |a, o| a.entry_count(o)) else {
            continue;
        };
        let slots = (sizes[sizes.len() - 1] - sizes[0]) / SLOT_BYTES;
        if entries[entries.len() - 1].saturating_sub(entries[0]) * 2 > slots {
            continue;
        }
        out.push(Candidate::object(
            cx,
            v,
            SuspectKind::GrowingCollection,
            Unit::Bytes,
            sizes,
            0,
        ));
    }
    out
}
