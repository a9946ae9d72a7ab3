//! Accumulating objects: objects created after the first snapshot and still
//! alive in the last, grouped by class (functions by name), kept when the
//! group's instance count grows steadily. Regular growth (one object per
//! request) passes a lower byte floor than irregular growth.

use super::Candidate;
use crate::leaks::context::{group_id, group_text, GroupId};
use crate::leaks::growth::{byte_floor, steadily_growing};
use crate::leaks::{LeakContext, LeakOptions, SuspectKind, Unit};
use rustc_hash::FxHashMap;

/// The class DevTools gives V8's code objects (bytecode, machine code).
pub const COMPILED_CODE: &str = "(compiled code)";

pub fn detect(cx: &LeakContext, options: &LeakOptions) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (key, members) in survivors_by_class(cx) {
        if (members.len() as u64) < options.min_count {
            continue;
        }
        let counts: Vec<u64> = cx
            .counts
            .iter()
            .map(|c| c.get(&key).copied().unwrap_or(0))
            .collect();
        if !steadily_growing(&counts) || churn(&counts, members.len() as u64, options) {
            continue;
        }
        let retained = cx.last.set_retained_size(&members);
        let floor = byte_floor(&counts, options);
        if retained < floor {
            continue;
        }
        let last = cx.last;
        let sample = *members
            .iter()
            .max_by(|&&a, &&b| {
                let (ra, rb) = (last.retained[a as usize], last.retained[b as usize]);
                ra.cmp(&rb).then(a.cmp(&b))
            })
            .expect("non-empty");
        let is_code =
            key.ends_with("()") || key.starts_with("system / Context") || key == COMPILED_CODE;
        out.push(Candidate {
            kind: match is_code {
                true => SuspectKind::CodeGrowth,
                false => SuspectKind::AccumulatingObjects,
            },
            class: key,
            growth: (counts[counts.len() - 1] - counts[0]) as f64 / cx.intervals,
            counts,
            unit: Unit::Objects,
            retained,
            members,
            object: None,
            sample,
            chain: Vec::new(),
            floor,
        });
    }
    out
}

/// New objects that mostly replaced old ones of their class (strings
/// re-made, buffers recycled): the count barely grows while many new ones
/// are alive. A leak's count grows by about as many objects as survive.
fn churn(counts: &[u64], survivors: u64, options: &LeakOptions) -> bool {
    let grew = counts[counts.len() - 1].saturating_sub(counts[0]);
    grew < options.min_count && grew * 4 < survivors
}

/// New objects of the last snapshot (not in the first) by group key, each
/// list in ordinal order.
fn survivors_by_class(cx: &LeakContext) -> std::collections::BTreeMap<String, Vec<u32>> {
    let last = cx.last;
    let first_ids = &cx.earlier_ids[0];
    let mut by_id: FxHashMap<GroupId, Vec<u32>> = FxHashMap::default();
    for v in 0..last.snap.node_count() as u32 {
        if last.snap.nodes.self_size.nonzero(v as usize)
            && first_ids.get(last.snap.nodes.id[v as usize]).is_none()
        {
            by_id.entry(group_id(last, v)).or_default().push(v);
        }
    }
    let mut by_key: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
    for (id, members) in by_id {
        by_key
            .entry(group_text(last, id))
            .or_default()
            .extend(members);
    }
    for members in by_key.values_mut() {
        // Ordinal order (merged ids interleave).
        members.sort_unstable();
    }
    by_key
}

impl crate::Analysis {
    /// Retained size of a set of objects: each counted unless another member
    /// dominates it.
    pub(crate) fn set_retained_size(&self, members: &[u32]) -> u64 {
        let mut mark = crate::bitset::BitSet::new(self.snap.node_count());
        for &m in members {
            mark.set(m as usize);
        }
        let root = self.snap.root;
        let mut total = 0;
        for &m in members {
            let mut x = self.dom[m as usize];
            let mut nested = false;
            let mut steps = 0;
            while x != root && steps < 10_000 {
                if mark.get(x as usize) {
                    nested = true;
                    break;
                }
                x = self.dom[x as usize];
                steps += 1;
            }
            if !nested {
                total += self.retained[m as usize];
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use crate::leaks::test_graph::{module_array, Shape};
    use crate::leaks::{LeakContext, LeakOptions, Unit};
    use crate::Analysis;

    const OPTIONS: LeakOptions = LeakOptions {
        min_bytes: 1_000,
        min_count: 5,
    };

    fn detect(items: [u32; 3]) -> Vec<super::Candidate> {
        let snaps = module_array(Shape {
            items,
            item_size: 100,
            on_stack: false,
        });
        let refs: Vec<&Analysis> = snaps.iter().collect();
        super::detect(&LeakContext::new(&refs, Vec::new()).unwrap(), &OPTIONS)
    }

    #[test]
    fn new_objects_that_grow_every_interval_are_a_group() {
        let found = detect([10, 70, 130]);
        let item = found
            .iter()
            .find(|c| c.class == "Item")
            .expect("Item group");
        assert_eq!(item.counts, vec![10, 70, 130]);
        assert_eq!(item.unit, Unit::Objects);
        assert_eq!(item.members.len(), 120, "new since the first snapshot");
        assert_eq!(item.retained, 120 * 100);
        assert_eq!(item.growth, 60.0);
    }

    #[test]
    fn new_objects_replacing_old_ones_are_churn_not_a_group() {
        // 100 items in each snapshot, 60 of them replaced by new ones each
        // time, one more each time: 121 new survivors, the count +1, +1.
        let snaps: Vec<Analysis> = [(0u32, 100u32), (60, 101), (120, 102)]
            .iter()
            .map(|&(first, count)| {
                let mut g = crate::leaks::test_graph::Graph::new();
                let list = g.node("object", "Array", 3, 32);
                g.edge(0, "element", "1", list);
                for k in 0..count {
                    let item = g.node("object", "Item", 1001 + 2 * (first + k), 100);
                    g.edge(list, "element", &k.to_string(), item);
                }
                g.analysis()
            })
            .collect();
        let refs: Vec<&Analysis> = snaps.iter().collect();
        let found = super::detect(&LeakContext::new(&refs, Vec::new()).unwrap(), &OPTIONS);
        assert!(found.iter().all(|c| c.class != "Item"), "{found:?}");
    }

    #[test]
    fn growth_that_slows_down_or_is_too_small_is_no_group() {
        assert!(
            detect([10, 70, 80]).iter().all(|c| c.class != "Item"),
            "warm-up"
        );
        assert!(
            detect([10, 12, 14]).iter().all(|c| c.class != "Item"),
            "under min_count"
        );
    }
}
