//! Detachedness (spec §3.2): seeds each node's DOM state from the snapshot,
//! propagates it through native (embedder) nodes, and renames detached natives
//! `"Detached " + name`, as DevTools does before naming classes.

use heapscope_snapshot::{Column, HeapSnapshot};
use std::collections::HashMap;

pub const UNKNOWN: u8 = 0;
pub const ATTACHED: u8 = 1;
pub const DETACHED: u8 = 2;

/// The propagation's working state.
struct Propagation {
    state: Vec<u8>,
    visited: Vec<bool>,
    attached: Vec<u32>,
    detached: Vec<u32>,
    /// Original name string id -> its "Detached …" string id.
    renamed: HashMap<u32, u32>,
}

impl Propagation {
    /// DevTools' `processNode`: JS objects stop the propagation; native nodes
    /// take the state, detached ones are renamed.
    fn process(&mut self, snap: &mut HeapSnapshot, node: u32, new_state: u8) {
        let i = node as usize;
        if self.visited[i] {
            return;
        }
        self.visited[i] = true;
        if snap.nodes.ty[i] != snap.node_types.native {
            return;
        }
        self.state[i] = new_state;
        if new_state == ATTACHED {
            self.attached.push(node);
        } else if new_state == DETACHED {
            let old = snap.nodes.name[i];
            let new = *self.renamed.entry(old).or_insert_with(|| {
                let text = format!("Detached {}", snap.strings.get(old));
                snap.strings.push(&text)
            });
            snap.nodes.name[i] = new;
            self.detached.push(node);
        }
    }

    /// Processes the children of `node` over edges that are not hidden or weak.
    fn spread(&mut self, snap: &mut HeapSnapshot, node: u32, new_state: u8) {
        let et = snap.edge_types;
        let children: Vec<u32> = snap
            .edge_range(node)
            .filter(|&e| snap.edges.ty[e] != et.hidden && snap.edges.ty[e] != et.weak)
            .map(|e| snap.edges.to[e])
            .collect();
        for c in children {
            self.process(snap, c, new_state);
        }
    }
}

/// Returns the propagated state per node and renames detached natives in place.
pub fn propagate(snap: &mut HeapSnapshot) -> Vec<u8> {
    let n = snap.node_count();
    let native = snap.node_types.native;
    let Some(seed) = snap.nodes.detachedness.take().map(Column::into_vec) else {
        // Old snapshots: natives already named "Detached …" are detached.
        return (0..n)
            .map(|i| {
                let detached =
                    snap.nodes.ty[i] == native && snap.node_name(i as u32).starts_with("Detached ");
                if detached {
                    DETACHED
                } else {
                    UNKNOWN
                }
            })
            .collect();
    };
    if seed.iter().all(|&s| s == UNKNOWN) {
        // Nothing to spread (every Node.js heap).
        return seed;
    }
    let mut p = Propagation {
        state: seed,
        visited: vec![false; n],
        attached: Vec::new(),
        detached: Vec::new(),
        renamed: HashMap::new(),
    };
    for i in 0..n {
        let s = p.state[i];
        if s != UNKNOWN {
            p.process(snap, i as u32, s);
        }
    }
    while let Some(node) = p.attached.pop() {
        p.spread(snap, node, ATTACHED);
    }
    while let Some(node) = p.detached.pop() {
        if p.state[node as usize] != ATTACHED {
            p.spread(snap, node, DETACHED);
        }
    }
    p.state
}
