//! Detachedness (spec §3.2): seeds each node's DOM state from the snapshot,
//! propagates it through native (embedder) nodes, and renames detached natives
//! `"Detached " + name`, as DevTools does before naming classes.

use heapscope_snapshot::HeapSnapshot;
use std::collections::HashMap;

pub const UNKNOWN: u8 = 0;
pub const ATTACHED: u8 = 1;
pub const DETACHED: u8 = 2;

/// Returns the propagated state per node and renames detached natives in place.
pub fn propagate(snap: &mut HeapSnapshot) -> Vec<u8> {
    let n = snap.node_count();
    let native = snap.node_types.native;
    let Some(seed) = snap.nodes.detachedness.clone() else {
        // Old snapshots: natives already named "Detached …" are detached.
        let mut state = vec![UNKNOWN; n];
        for (i, s) in state.iter_mut().enumerate() {
            if snap.nodes.ty[i] == native && snap.node_name(i as u32).starts_with("Detached ") {
                *s = DETACHED;
            }
        }
        return state;
    };
    let mut state = seed;
    let mut visited = vec![false; n];
    let mut attached: Vec<u32> = Vec::new();
    let mut detached: Vec<u32> = Vec::new();
    let mut renamed: HashMap<u32, u32> = HashMap::new();
    let et = snap.edge_types;
    let skip = [et.hidden, et.weak];

    let process = |snap: &mut HeapSnapshot,
                   state: &mut [u8],
                   visited: &mut [bool],
                   attached: &mut Vec<u32>,
                   detached: &mut Vec<u32>,
                   renamed: &mut HashMap<u32, u32>,
                   node: u32,
                   new_state: u8| {
        let i = node as usize;
        if visited[i] {
            return;
        }
        if snap.nodes.ty[i] != native {
            visited[i] = true;
            return;
        }
        state[i] = new_state;
        if new_state == ATTACHED {
            attached.push(node);
        } else if new_state == DETACHED {
            let old = snap.nodes.name[i];
            let new = *renamed.entry(old).or_insert_with(|| {
                let text = format!("Detached {}", snap.strings.get(old));
                snap.strings.push(&text)
            });
            snap.nodes.name[i] = new;
            detached.push(node);
        }
        visited[i] = true;
    };

    for i in 0..n {
        let s = state[i];
        if s == UNKNOWN {
            continue;
        }
        process(
            snap,
            &mut state,
            &mut visited,
            &mut attached,
            &mut detached,
            &mut renamed,
            i as u32,
            s,
        );
    }
    let mut children = Vec::new();
    while let Some(node) = attached.pop() {
        children.clear();
        for e in snap.edge_range(node) {
            if !skip.contains(&snap.edges.ty[e]) {
                children.push(snap.edges.to[e]);
            }
        }
        for &c in &children {
            process(
                snap,
                &mut state,
                &mut visited,
                &mut attached,
                &mut detached,
                &mut renamed,
                c,
                ATTACHED,
            );
        }
    }
    while let Some(node) = detached.pop() {
        if state[node as usize] == ATTACHED {
            continue;
        }
        children.clear();
        for e in snap.edge_range(node) {
            if !skip.contains(&snap.edges.ty[e]) {
                children.push(snap.edges.to[e]);
            }
        }
        for &c in &children {
            process(
                snap,
                &mut state,
                &mut visited,
                &mut attached,
                &mut detached,
                &mut renamed,
                c,
                DETACHED,
            );
        }
    }
    state
}
