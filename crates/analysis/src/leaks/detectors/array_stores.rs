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
            || snap.nodes.self_size.get(v as usize) < least
            || snap.node_name(v) != "Array"
        {
            continue;
        }
        let Some(sizes) = cx.per_snapshot(v, |a, o| Some(a.snap.nodes.self_size.get(o as usize)))
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

#[cfg(test)]
mod tests {
    use crate::leaks::test_graph::Graph;
    use crate::leaks::{LeakContext, LeakOptions, SuspectKind};
    use crate::Analysis;

    /// A module object's array whose store has `slots` slots and no object
    /// in them (nulls), and `objects` entries.
    fn snapshot(slots: u32, objects: u32) -> Analysis {
        let mut g = Graph::new();
        let module = g.node("object", "Object", 3, 32);
        g.edge(0, "element", "1", module);
        let list = g.node("object", "Array", 5, 32);
        g.edge(module, "property", "handlers", list);
        let store = g.node("array", "", 7, 16 + 8 * slots);
        g.edge(list, "internal", "elements", store);
        for k in 0..objects {
            let item = g.node("object", "Handler", 101 + 2 * k, 40);
            g.edge(store, "element", &k.to_string(), item);
        }
        g.analysis()
    }

    fn detect(snaps: &[Analysis]) -> Vec<super::Candidate> {
        let refs: Vec<&Analysis> = snaps.iter().collect();
        let options = LeakOptions::default();
        super::detect(&LeakContext::new(&refs, Vec::new()).unwrap(), &options)
    }

    #[test]
    fn a_store_that_grows_with_no_more_entries_is_found() {
        let found = detect(&[snapshot(200, 2), snapshot(400, 2), snapshot(600, 2)]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, SuspectKind::GrowingCollection);
        // DevTools folds the store into the array's shallow size.
        assert_eq!(
            found[0].counts,
            vec![32 + 16 + 1600, 32 + 16 + 3200, 32 + 16 + 4800]
        );
    }

    #[test]
    fn a_store_that_grows_with_its_entries_or_slowly_is_not() {
        assert!(detect(&[snapshot(200, 100), snapshot(400, 300), snapshot(600, 500)]).is_empty());
        assert!(detect(&[snapshot(200, 2), snapshot(220, 2), snapshot(240, 2)]).is_empty());
    }
}
