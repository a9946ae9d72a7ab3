//! Distances from the roots (spec §3.6): BFS from the user roots (distance 1),
//! then from the root for what only system roots reach (≥ 100 000 000), with
//! DevTools' edge filter (sloppy_function_map, map descriptors, WeakMap pairs).

use crate::engine::bitset::BitSet;
use crate::engine::essential::{is_user_root, AHEAD};
use crate::engine::js::parse_int;
use crate::engine::prefetch::prefetch;
use crate::engine::weakmap::EphemeronNames;
use heapscope_snapshot::HeapSnapshot;
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

pub const NO_DISTANCE: i32 = -5;
pub const BASE_SYSTEM_DISTANCE: i32 = 100_000_000;
pub const BASE_UNREACHABLE_DISTANCE: i32 = 200_000_000;

/// What the distance walk needs of the edge names and node names, worked
/// out beforehand so that the walk itself reads only edge offsets and
/// targets (and can run after the names are freed): the user roots it
/// starts from and DevTools' edge filter per edge. The filter is one pass
/// over the edges: weak edges, `sloppy_function_map` out of native contexts
/// and map descriptors' every third value are refused outright; a WeakMap
/// pair's internal edge depends on the walk (the first of its two edges met
/// is refused, the second taken), so such an edge carries the id of its
/// pair's shared name part instead.
pub struct Plan {
    user_roots: Vec<u32>,
    refused: BitSet,
    /// Per edge whose verdict depends on the walk: its pair part id.
    paired: FxHashMap<usize, u32>,
    parts: usize,
}

impl Plan {
    pub fn build(snap: &HeapSnapshot, ephemerons: &EphemeronNames) -> Plan {
        let ids_of = |text: &str| -> Vec<u32> {
            (0..snap.strings.len() as u32)
                .filter(|&i| snap.strings.get(i) == text)
                .collect()
        };
        let native_context = ids_of("system / NativeContext");
        let map_descriptors = ids_of("(map descriptors)");
        // The first string of that text only, as DevTools compares.
        let sloppy = ids_of("sloppy_function_map").first().copied();
        let (nt, et) = (snap.node_types, snap.edge_types);
        let mut refused = BitSet::new(snap.edge_count());
        let mut paired = FxHashMap::default();
        // A bit per string: whether it names a WeakMap pair's edge.
        let mut pair_names = BitSet::new(snap.strings.len());
        for id in ephemerons.names() {
            pair_names.set(id as usize);
        }
        for v in 0..snap.node_count() as u32 {
            let ty = snap.nodes.ty[v as usize];
            let name = snap.nodes.name[v as usize];
            let in_context = ty == nt.hidden && native_context.contains(&name);
            let descriptors = ty == nt.array && map_descriptors.contains(&name);
            for e in snap.edge_range(v) {
                let ety = snap.edges.ty[e];
                let edge_name = snap.edges.name_or_index[e];
                if ety == et.weak
                    || (in_context && et.has_string_name(ety) && Some(edge_name) == sloppy)
                {
                    refused.set(e);
                } else if descriptors {
                    let index = match et.has_string_name(ety) {
                        true => parse_int(snap.strings.get(edge_name)),
                        false => Some(edge_name as i64),
                    };
                    if matches!(index, Some(i) if i >= 2 && i % 3 == 1) {
                        refused.set(e);
                    }
                } else if ety == et.internal && pair_names.get(edge_name as usize) {
                    if let Some(eph) = ephemerons.get(edge_name) {
                        paired.insert(e, eph.part);
                    }
                }
            }
        }
        let user_roots = snap
            .edge_range(snap.root)
            .map(|e| snap.edges.to[e])
            .filter(|&to| is_user_root(snap, to))
            .collect();
        Plan {
            user_roots,
            refused,
            paired,
            parts: ephemerons.part_count(),
        }
    }
}

/// The walk's view of the graph: edge offsets and targets.
pub struct Edges<'a> {
    pub first_edge: &'a [u32],
    pub to: &'a [u32],
    pub root: u32,
}

/// The walk's state: the distances so far, and per WeakMap pair part
/// whether one of its two edges was met (and refused).
struct Walk<'a> {
    plan: &'a Plan,
    graph: &'a Edges<'a>,
    distances: Vec<i32>,
    half_met: Vec<bool>,
}

impl Walk<'_> {
    /// DevTools' distance filter for edge `e` (into a node not reached yet).
    #[inline]
    fn accept(&mut self, e: usize) -> bool {
        if self.plan.refused.get(e) {
            return false;
        }
        match self.plan.paired.is_empty() {
            true => true,
            false => match self.plan.paired.get(&e) {
                Some(&part) => {
                    let met = &mut self.half_met[part as usize];
                    *met = !*met;
                    !*met
                }
                None => true,
            },
        }
    }

    /// Breadth-first from the queued nodes. The queue only holds the
    /// frontier (a ring buffer), not every node visited. It also tells which
    /// nodes come next: their edge lists are prefetched [`AHEAD`] nodes early
    /// and their targets' distances half as early (each node's `first_edge`
    /// entry is prefetched when it is queued).
    fn bfs(&mut self, queue: &mut VecDeque<u32>) {
        let Edges { first_edge, to, .. } = *self.graph;
        while let Some(node) = queue.pop_front() {
            self.prefetch_ahead(queue);
            let d = self.distances[node as usize] + 1;
            let range = first_edge[node as usize] as usize..first_edge[node as usize + 1] as usize;
            for e in range {
                let child = to[e];
                if self.distances[child as usize] != NO_DISTANCE || !self.accept(e) {
                    continue;
                }
                self.distances[child as usize] = d;
                queue.push_back(child);
                prefetch(first_edge, child as usize);
            }
        }
    }

    /// The prefetches for the nodes queued [`AHEAD`] and `AHEAD / 2` places on.
    #[inline]
    fn prefetch_ahead(&self, queue: &VecDeque<u32>) {
        let Edges { first_edge, to, .. } = *self.graph;
        if let Some(&u) = queue.get(AHEAD) {
            prefetch(to, first_edge[u as usize] as usize);
        }
        if let Some(&u) = queue.get(AHEAD / 2) {
            let range = first_edge[u as usize] as usize..first_edge[u as usize + 1] as usize;
            for e in range.take(8) {
                prefetch(&self.distances, to[e] as usize);
            }
        }
    }
}

/// The distances: from the user roots, then from the root for what only
/// system roots reach. Reads no names (see [`Plan`]).
pub fn walk(plan: &Plan, graph: &Edges) -> Vec<i32> {
    let n = graph.first_edge.len().saturating_sub(1);
    let mut walk = Walk {
        plan,
        graph,
        distances: vec![NO_DISTANCE; n],
        half_met: vec![false; plan.parts],
    };
    let mut queue: VecDeque<u32> = VecDeque::new();
    // As DevTools does: a user root met twice is queued twice.
    for &r in &plan.user_roots {
        walk.distances[r as usize] = 1;
        queue.push_back(r);
    }
    let had_user_roots = !queue.is_empty();
    walk.bfs(&mut queue);
    walk.distances[graph.root as usize] = match had_user_roots {
        true => BASE_SYSTEM_DISTANCE,
        false => 0,
    };
    queue.clear();
    queue.push_back(graph.root);
    walk.bfs(&mut queue);
    walk.distances
}

/// [`Plan::build`] then [`walk`].
pub fn compute(snap: &HeapSnapshot, ephemerons: &EphemeronNames) -> Vec<i32> {
    let graph = Edges {
        first_edge: &snap.nodes.first_edge,
        to: &snap.edges.to,
        root: snap.root,
    };
    walk(&Plan::build(snap, ephemerons), &graph)
}
