//! Reverse edges (spec §3.1): for every node, the nodes that point to it, in
//! DevTools' order (descending source ordinal, then edge position). Each slot
//! holds the source ordinal; given an essential-edge set, the top bit marks an
//! edge that is not essential for dominators.

use crate::engine::bitset::BitSet;
use heapscope_snapshot::{Column, HeapSnapshot};

pub const NON_ESSENTIAL: u32 = 1 << 31;
pub const SOURCE_MASK: u32 = !NON_ESSENTIAL;

#[derive(Debug, Default)]
pub struct Retainers {
    /// `first[v]..first[v + 1]` are the slots of node `v`.
    pub first: Column<u32>,
    pub slots: Column<u32>,
}

impl Retainers {
    pub fn build(snap: &HeapSnapshot) -> Self {
        Self::from_edges(&snap.nodes.first_edge, &snap.edges.to, None)
    }

    /// Builds from a CSR edge list (`first_edge` has `node_count + 1` entries),
    /// flagging the edges not in `essential` when it is given.
    pub fn from_edges(fe: &[u32], to: &[u32], essential: Option<&BitSet>) -> Self {
        let n = fe.len() - 1;
        let mut first = vec![0u32; n + 1];
        for &t in to {
            first[t as usize + 1] += 1;
        }
        for i in 0..n {
            first[i + 1] += first[i];
        }
        // first[t + 1] is now the end of t's range; fill backwards from it.
        let mut slots = vec![0u32; to.len()];
        for v in 0..n {
            for e in fe[v] as usize..fe[v + 1] as usize {
                let t = to[e] as usize;
                first[t + 1] -= 1;
                let flag = match essential {
                    Some(bits) if !bits.get(e) => NON_ESSENTIAL,
                    _ => 0,
                };
                slots[first[t + 1] as usize] = v as u32 | flag;
            }
        }
        // first[t + 1] now holds the start of t's range: shift down by one.
        first.copy_within(1.., 0);
        first[n] = slots.len() as u32;
        Retainers {
            first: first.into(),
            slots: slots.into(),
        }
    }

    #[inline]
    pub fn range(&self, node: u32) -> std::ops::Range<usize> {
        self.first[node as usize] as usize..self.first[node as usize + 1] as usize
    }

    #[inline]
    pub fn count(&self, node: u32) -> usize {
        self.range(node).len()
    }

    /// Source ordinals of `node`'s retainers in DevTools' order.
    pub fn sources(&self, node: u32) -> impl Iterator<Item = u32> + '_ {
        self.slots[self.range(node)].iter().map(|s| s & SOURCE_MASK)
    }
}
