//! The largest objects by retained size (ties by id), with their dominator.

use crate::names::display_name;
use crate::Analysis;
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Field names match the DevTools oracle's `top_retained` entries.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TopObject {
    pub id: u32,
    pub name: String,
    pub class_name: String,
    #[serde(rename = "type")]
    pub node_type: String,
    pub self_size: u64,
    pub retained_size: u64,
    pub distance: i32,
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
        let snap = &self.snap;
        let i = v as usize;
        TopObject {
            id: snap.nodes.id[i],
            name: display_name(snap, v),
            class_name: snap.strings.get(self.class_name[i]).to_string(),
            node_type: snap.node_type_name(snap.nodes.ty[i]).to_string(),
            self_size: snap.nodes.self_size[i] as u64,
            retained_size: self.retained[i],
            distance: self.distances[i],
            dominator_id: snap.nodes.id[self.dom[i] as usize],
        }
    }
}
