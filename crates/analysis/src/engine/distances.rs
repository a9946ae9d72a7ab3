//! Distances from the roots (spec §3.6): BFS from the user roots (distance 1),
//! then from the root for what only system roots reach (≥ 100 000 000), with
//! DevTools' edge filter (sloppy_function_map, map descriptors, WeakMap pairs).

use crate::engine::essential::{is_user_root, AHEAD};
use crate::engine::js::parse_int;
use crate::engine::prefetch::prefetch;
use crate::engine::weakmap::EphemeronNames;
use heapscope_snapshot::HeapSnapshot;
use rustc_hash::FxHashSet;
use std::collections::VecDeque;

pub const NO_DISTANCE: i32 = -5;
pub const BASE_SYSTEM_DISTANCE: i32 = 100_000_000;
pub const BASE_UNREACHABLE_DISTANCE: i32 = 200_000_000;

struct Filter<'a> {
    snap: &'a HeapSnapshot,
    ephemerons: &'a EphemeronNames,
    pending: FxHashSet<&'a str>,
    sloppy_function_map: Option<u32>,
}

impl<'a> Filter<'a> {
    /// DevTools' JSHeapSnapshot distance filter for edge `e` out of `node`.
    fn accept(&mut self, node: u32, e: usize) -> bool {
        let snap = self.snap;
        let nt = snap.node_types;
        let et = snap.edge_types;
        let ty = snap.nodes.ty[node as usize];
        let ety = snap.edges.ty[e];
        let name = snap.edges.name_or_index[e];
        if ty == nt.hidden
            && et.has_string_name(ety)
            && Some(name) == self.sloppy_function_map
            && snap.node_name(node) == "system / NativeContext"
        {
            return false;
        }
        if ty == nt.array && snap.node_name(node) == "(map descriptors)" {
            let index = if et.has_string_name(ety) {
                parse_int(snap.strings.get(name))
            } else {
                Some(name as i64)
            };
            return match index {
                Some(i) => i < 2 || i % 3 != 1,
                None => true,
            };
        }
        if ety == et.internal {
            if let Some(eph) = self.ephemerons.get(name) {
                let part: &'a str = &eph.duplicated_part;
                if !self.pending.remove(part) {
                    self.pending.insert(part);
                    return false;
                }
            }
        }
        true
    }
}

/// Breadth-first from the queued nodes. The queue only holds the frontier
/// (a ring buffer), not every node visited. The queue also tells which nodes
/// come next: their edge lists are prefetched [`AHEAD`] nodes early and their
/// targets' distances half as early (each node's `first_edge` entry and type
/// are prefetched when it is queued).
fn bfs(snap: &HeapSnapshot, queue: &mut VecDeque<u32>, distances: &mut [i32], filter: &mut Filter) {
    let weak = snap.edge_types.weak;
    let (first_edge, to) = (&snap.nodes.first_edge, &snap.edges.to);
    while let Some(node) = queue.pop_front() {
        prefetch_ahead(snap, queue, distances);
        let d = distances[node as usize] + 1;
        for e in snap.edge_range(node) {
            if snap.edges.ty[e] == weak {
                continue;
            }
            let child = to[e];
            if distances[child as usize] != NO_DISTANCE {
                continue;
            }
            if !filter.accept(node, e) {
                continue;
            }
            distances[child as usize] = d;
            queue.push_back(child);
            prefetch(first_edge, child as usize);
            prefetch(&snap.nodes.ty, child as usize);
        }
    }
}

/// The prefetches for the nodes queued [`AHEAD`] and `AHEAD / 2` places on.
#[inline]
fn prefetch_ahead(snap: &HeapSnapshot, queue: &VecDeque<u32>, distances: &[i32]) {
    let edges = &snap.edges;
    if let Some(&u) = queue.get(AHEAD) {
        let e = snap.nodes.first_edge[u as usize] as usize;
        prefetch(&edges.to, e);
        prefetch(&edges.ty, e);
        prefetch(&edges.name_or_index, e);
    }
    if let Some(&u) = queue.get(AHEAD / 2) {
        for e in snap.edge_range(u).take(8) {
            prefetch(distances, edges.to[e] as usize);
        }
    }
}

pub fn compute(snap: &HeapSnapshot, ephemerons: &EphemeronNames) -> Vec<i32> {
    let n = snap.node_count();
    let mut distances = vec![NO_DISTANCE; n];
    let sloppy_function_map =
        (0..snap.strings.len() as u32).find(|&i| snap.strings.get(i) == "sloppy_function_map");
    let mut filter = Filter {
        snap,
        ephemerons,
        pending: FxHashSet::default(),
        sloppy_function_map,
    };
    let mut queue: VecDeque<u32> = VecDeque::new();
    for e in snap.edge_range(snap.root) {
        let to = snap.edges.to[e];
        if is_user_root(snap, to) {
            distances[to as usize] = 1;
            queue.push_back(to);
        }
    }
    let had_user_roots = !queue.is_empty();
    bfs(snap, &mut queue, &mut distances, &mut filter);
    distances[snap.root as usize] = if had_user_roots {
        BASE_SYSTEM_DISTANCE
    } else {
        0
    };
    queue.clear();
    queue.push_back(snap.root);
    bfs(snap, &mut queue, &mut distances, &mut filter);
    distances
}
