//! The largest objects by retained size (ties by id), with their dominator.

use crate::views::inspect::NodeBrief;
use crate::Analysis;
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Field names match the DevTools oracle's `top_retained` entries.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TopObject {
    #[serde(flatten)]
    pub node: NodeBrief,
    pub dominator_id: u32,
}

impl Analysis {
    /// Ordinals of the `limit` nodes with the largest retained size
    /// (ties: smaller id first), optionally only those `keep` accepts.
    pub fn top_nodes(&self, limit: usize, keep: impl Fn(u32) -> bool) -> Vec<u32> {
        if limit == 0 {
            return Vec::new();
        }
        // Min-heap of the best `limit` so far, keyed so that "worse" is smaller.
        let mut heap: BinaryHeap<Reverse<(u64, Reverse<u32>, u32)>> =
            BinaryHeap::with_capacity(limit + 1);
        for v in 0..self.snap.node_count() as u32 {
            let key = (
                self.retained[v as usize],
                Reverse(self.snap.nodes.id[v as usize]),
                v,
            );
            if heap.len() == limit {
                if let Some(Reverse(worst)) = heap.peek() {
                    if key <= *worst {
                        continue;
                    }
                }
            }
            if !keep(v) {
                continue;
            }
            heap.push(Reverse(key));
            if heap.len() > limit {
                heap.pop();
            }
        }
        let mut out: Vec<(u64, Reverse<u32>, u32)> = heap.into_iter().map(|Reverse(k)| k).collect();
        out.sort_by(|a, b| b.cmp(a));
        out.into_iter().map(|k| k.2).collect()
    }

    pub fn top_object(&self, v: u32) -> TopObject {
        TopObject {
            node: self.brief(v),
            dominator_id: self.snap.nodes.id[self.dom[v as usize] as usize],
        }
    }
}
