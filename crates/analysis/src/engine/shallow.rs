//! DevTools' shallow-size re-attribution (spec §3.5): internal arrays, hidden
//! objects and external string data with a single owner have their size moved
//! onto that owner. Rewrites `self_size` in place, as DevTools does.

use crate::engine::essential::is_user_root;
use heapscope_snapshot::{HeapSnapshot, SelfSizes};

const UNVISITED: u32 = u32::MAX;
const MULTIPLE: u32 = u32::MAX - 1;

/// Moves sizes in `self_size` (the snapshot's sizes, taken out so this can run
/// beside passes that read the snapshot).
pub fn reattribute(snap: &HeapSnapshot, self_size: &mut SelfSizes) {
    let has_user_roots = snap
        .edge_range(snap.root)
        .any(|e| is_user_root(snap, snap.edges.to[e]));
    if !has_user_roots {
        return;
    }
    let n = snap.node_count();
    let nt = snap.node_types;
    let weak = snap.edge_types.weak;
    let mut owners = vec![0u32; n];
    let mut worklist: Vec<u32> = Vec::new();
    for (i, owner) in owners.iter_mut().enumerate() {
        let ty = snap.nodes.ty[i];
        if ty == nt.hidden
            || ty == nt.array
            || (ty == nt.native && snap.node_name(i as u32) == "system / ExternalStringData")
        {
            *owner = UNVISITED;
        } else {
            *owner = i as u32;
            worklist.push(i as u32);
        }
    }
    while let Some(id) = worklist.pop() {
        let owner = owners[id as usize];
        for e in snap.edge_range(id) {
            if snap.edges.ty[e] == weak {
                continue;
            }
            let t = snap.edges.to[e];
            let current = owners[t as usize];
            if current == UNVISITED {
                owners[t as usize] = owner;
                worklist.push(t);
            } else if current == t || current == owner || current == MULTIPLE {
                // No change.
            } else {
                owners[t as usize] = MULTIPLE;
                worklist.push(t);
            }
        }
    }
    for i in 0..n {
        let owner = owners[i];
        if owner == UNVISITED || owner == MULTIPLE || owner == i as u32 {
            continue;
        }
        let o = owner as usize;
        if snap.nodes.ty[o] == nt.synthetic || owner == snap.root {
            continue;
        }
        let moved = self_size.get(i);
        self_size.set(i, 0);
        self_size.set(o, self_size.get(o) + moved);
    }
}
