//! Which edges count for the dominator tree (spec §3.3–3.4): DevTools' page-owned
//! flag (everything reachable from the globals over non-weak edges) and the
//! essential-edge rules (no weak, self, non-root shortcut, WeakMap table→value,
//! or non-page-owned → page-owned edges).

use crate::engine::bitset::BitSet;
use crate::engine::prefetch::prefetch;
use crate::engine::weakmap::EphemeronNames;
use heapscope_snapshot::HeapSnapshot;
use std::collections::VecDeque;

/// Is `node` the synthetic `(Document DOM trees)` root?
pub fn is_dom_trees_root(snap: &HeapSnapshot, node: u32) -> bool {
    snap.nodes.ty[node as usize] == snap.node_types.synthetic
        && snap.node_name(node) == "(Document DOM trees)"
}

/// DevTools' "user root": a non-synthetic node, or `(Document DOM trees)`.
pub fn is_user_root(snap: &HeapSnapshot, node: u32) -> bool {
    snap.nodes.ty[node as usize] != snap.node_types.synthetic || is_dom_trees_root(snap, node)
}

/// Nodes reachable over non-weak edges from the root's shortcut targets
/// (the globals) and its `(Document DOM trees)` element targets.
///
/// Reachability does not depend on the visiting order, so the walk goes
/// breadth-first: the queue (a ring buffer holding only the frontier) then
/// tells which nodes come next, and their edge lists are prefetched
/// [`AHEAD`] nodes early (each node's `first_edge` entry is prefetched when
/// it is queued).
pub fn page_owned(snap: &HeapSnapshot) -> BitSet {
    let mut flags = BitSet::new(snap.node_count());
    let mut queue: VecDeque<u32> = VecDeque::new();
    let et = snap.edge_types;
    for e in snap.edge_range(snap.root) {
        let ty = snap.edges.ty[e];
        let to = snap.edges.to[e];
        if ty == et.element {
            if !is_dom_trees_root(snap, to) {
                continue;
            }
        } else if ty != et.shortcut {
            continue;
        }
        if !flags.get(to as usize) {
            flags.set(to as usize);
            queue.push_back(to);
        }
    }
    let (first_edge, to, ty) = (&snap.nodes.first_edge, &snap.edges.to, &snap.edges.ty);
    while let Some(v) = queue.pop_front() {
        if let Some(&u) = queue.get(AHEAD) {
            let e = first_edge[u as usize] as usize;
            prefetch(to, e);
            prefetch(ty, e);
        }
        for e in snap.edge_range(v) {
            let w = to[e];
            if flags.get(w as usize) || ty[e] == et.weak {
                continue;
            }
            flags.set(w as usize);
            queue.push_back(w);
            prefetch(first_edge, w as usize);
        }
    }
    flags
}

/// How many queued nodes ahead a breadth-first walk prefetches edge lists.
pub const AHEAD: usize = 16;

/// One bit per edge: set when the edge counts for dominators (`pages`: the
/// [`page_owned`] flags).
pub fn essential_edges(snap: &HeapSnapshot, pages: &BitSet, ephemerons: &EphemeronNames) -> BitSet {
    let mut bits = BitSet::new(snap.edge_count());
    let et = snap.edge_types;
    let root = snap.root;
    for v in 0..snap.node_count() as u32 {
        let vid = snap.nodes.id[v as usize] as u64;
        let v_page = pages.get(v as usize);
        for e in snap.edge_range(v) {
            let ty = snap.edges.ty[e];
            if ty == et.internal {
                if let Some(eph) = ephemerons.get(snap.edges.name_or_index[e]) {
                    if eph.table_id == vid {
                        continue;
                    }
                }
            }
            if ty == et.weak {
                continue;
            }
            let to = snap.edges.to[e];
            if to == v {
                continue;
            }
            if v != root {
                if ty == et.shortcut {
                    continue;
                }
                if pages.get(to as usize) && !v_page {
                    continue;
                }
            }
            bits.set(e);
        }
    }
    bits
}
