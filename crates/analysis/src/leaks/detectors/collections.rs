//! Collections that only grow: the same Map, Set, array or dictionary object
//! in every snapshot, with more entries in every interval. A collection empty
//! in the first snapshot counts (V8 leaves an empty array's shared store out
//! of snapshots: no `elements` edge means no entries).

use super::Candidate;
use crate::leaks::growth::steadily_growing;
use crate::leaks::{LeakContext, LeakOptions, SuspectKind, Unit};
use crate::Analysis;

pub fn detect(cx: &LeakContext, options: &LeakOptions) -> Vec<Candidate> {
    let last = cx.last;
    let mut out = Vec::new();
    for v in 0..last.snap.node_count() as u32 {
        let Some(entries_last) = last.entry_count(v) else {
            continue;
        };
        if entries_last < options.min_count {
            continue;
        }
        let Some(series) = cx.per_snapshot(v, |a, o| a.entry_count(o)) else {
            continue;
        };
        let grew = entries_last.saturating_sub(series[0]);
        if !steadily_growing(&series) || grew < options.min_count {
            continue;
        }
        out.push(Candidate::object(
            cx,
            v,
            SuspectKind::GrowingCollection,
            Unit::Entries,
            series,
            options.min_bytes,
        ));
    }
    out
}

impl Analysis {
    /// Entries of a collection-like object: the references in a Map's or Set's
    /// table, an array's elements, or a plain object's properties.
    pub fn entry_count(&self, v: u32) -> Option<u64> {
        let snap = &self.snap;
        if snap.nodes.ty[v as usize] != snap.node_types.object {
            return None;
        }
        let property = snap.edge_types.property;
        let store = |name: &str| {
            self.store_of(v, name)
                .map(|s| snap.edge_range(s).len() as u64)
        };
        match snap.node_name(v) {
            "Map" | "Set" | "WeakMap" | "WeakSet" => Some(store("table").unwrap_or(0)),
            "Array" => Some(store("elements").unwrap_or(0)),
            "Object" => {
                let own = snap
                    .edge_range(v)
                    .filter(|&e| snap.edges.ty[e] == property)
                    .count() as u64;
                Some(own + store("properties").unwrap_or(0))
            }
            _ => None,
        }
    }

    /// The backing store `v` reaches by the internal edge `name` (`table`,
    /// `elements`, `properties`).
    pub fn store_of(&self, v: u32, name: &str) -> Option<u32> {
        let snap = &self.snap;
        snap.edge_range(v)
            .find(|&e| {
                snap.edges.ty[e] == snap.edge_types.internal
                    && snap.strings.get(snap.edges.name_or_index[e]) == name
            })
            .map(|e| snap.edges.to[e])
    }
}

#[cfg(test)]
mod tests {
    use crate::leaks::test_graph::{module_array, Shape};
    use crate::leaks::{LeakContext, LeakOptions, Unit};
    use crate::Analysis;

    fn detect(items: [u32; 3]) -> Vec<(String, Vec<u64>, Unit)> {
        let snaps = module_array(Shape {
            items,
            item_size: 100,
            on_stack: false,
        });
        let refs: Vec<&Analysis> = snaps.iter().collect();
        let options = LeakOptions {
            min_bytes: 1_000,
            min_count: 5,
        };
        super::detect(&LeakContext::new(&refs, Vec::new()).unwrap(), &options)
            .into_iter()
            .map(|c| (c.class, c.counts, c.unit))
            .collect()
    }

    #[test]
    fn an_array_with_more_entries_every_time_is_a_growing_collection() {
        let found = detect([10, 70, 130]);
        assert_eq!(
            found,
            vec![("Array".to_string(), vec![10, 70, 130], Unit::Entries)]
        );
    }

    #[test]
    fn an_array_that_stops_growing_is_not() {
        assert!(detect([10, 70, 70]).is_empty());
        assert!(detect([10, 70, 75]).is_empty(), "slows down");
    }
}
