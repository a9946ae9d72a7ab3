//! Retaining paths: from the roots down to an object, the shortest chains of
//! references that keep it alive. Each step goes to a retainer strictly closer
//! to the roots (DevTools' distances), so paths never loop; weak edges are
//! never followed.

use crate::engine::bitset::BitSet;
use crate::engine::edges::EdgeRef;
use crate::Analysis;

/// A path from a root to the target: `edges[0]` leaves the root, the last edge
/// enters the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetainerPath {
    pub edges: Vec<EdgeRef>,
}

impl RetainerPath {
    /// The nodes along the path, root first, target last.
    pub fn nodes(&self) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.edges.len() + 1);
        if let Some(first) = self.edges.first() {
            out.push(first.source);
        }
        out.extend(self.edges.iter().map(|e| e.target));
        out
    }
}

/// Bound on the work of one path search (retainer visits).
const SEARCH_BUDGET: usize = 200_000;

impl Analysis {
    /// Is `edge` a WeakMap's own table → value edge? A value is kept by its
    /// key; paths go through the key (and its retainers) instead.
    pub(crate) fn is_weakmap_table_edge(&self, edge: usize, source: u32) -> bool {
        if self.snap.edges.ty[edge] != self.snap.edge_types.internal {
            return false;
        }
        let name = self.snap.strings.get(self.snap.edges.name_or_index[edge]);
        let Some(at) = name.rfind("pair in WeakMap (table @") else {
            return false;
        };
        let id = &name[at + "pair in WeakMap (table @".len()..];
        id.strip_suffix(')').and_then(|x| x.parse::<u32>().ok())
            == Some(self.snap.nodes.id[source as usize])
    }

    /// Retainer edges of `node` usable on a shortest path: not weak, not a
    /// WeakMap's table edge, from a reachable retainer strictly closer to the
    /// roots; closest first.
    fn closer_retainers(&self, node: u32) -> Vec<EdgeRef> {
        let d = self.distances[node as usize];
        let weak = self.snap.edge_types.weak;
        let mut list: Vec<EdgeRef> = self
            .incoming_edges(node)
            .into_iter()
            .filter(|r| {
                let ds = self.distances[r.source as usize];
                self.snap.edges.ty[r.edge] != weak
                    && ds >= 0
                    && ds < d
                    && r.source != node
                    && !self.is_weakmap_table_edge(r.edge, r.source)
            })
            .collect();
        list.sort_by_key(|r| self.distances[r.source as usize]);
        list
    }

    /// Is `node` where a path may start: the root, or a user root (distance 1)?
    fn is_path_start(&self, node: u32) -> bool {
        node == self.snap.root || self.distances[node as usize] == 1
    }

    /// Up to `max_paths` shortest retaining paths to `target`, each at most
    /// `max_depth` edges long. Empty when the target is unreachable.
    pub fn retaining_paths(
        &self,
        target: u32,
        max_paths: usize,
        max_depth: usize,
    ) -> Vec<RetainerPath> {
        let mut out = Vec::new();
        if max_paths == 0 || self.distances[target as usize] < 0 || target == self.snap.root {
            return out;
        }
        // Iterative DFS over "closer" retainers; the stack holds the chain so far.
        let mut chain: Vec<EdgeRef> = Vec::new();
        let mut stack: Vec<(u32, Vec<EdgeRef>, usize)> =
            vec![(target, self.closer_retainers(target), 0)];
        let mut budget = SEARCH_BUDGET;
        while let Some((node, candidates, next)) = stack.last_mut() {
            if self.is_path_start(*node) {
                let mut edges: Vec<EdgeRef> = chain.iter().rev().copied().collect();
                if *node != self.snap.root {
                    // Prepend the root's edge to this user root.
                    if let Some(r) = self
                        .incoming_edges(*node)
                        .into_iter()
                        .find(|r| r.source == self.snap.root)
                    {
                        edges.insert(0, r);
                    }
                }
                out.push(RetainerPath { edges });
                stack.pop();
                chain.pop();
                if out.len() >= max_paths {
                    break;
                }
                continue;
            }
            if *next >= candidates.len() || chain.len() >= max_depth || budget == 0 {
                stack.pop();
                chain.pop();
                continue;
            }
            let r = candidates[*next];
            *next += 1;
            budget -= 1;
            chain.push(r);
            let c = self.closer_retainers(r.source);
            stack.push((r.source, c, 0));
        }
        out
    }

    /// The shortest path from the root to `target` that enters no node of
    /// `avoid` (other than the target), by a breadth-first search over strong
    /// edges (never weak, never a WeakMap's table edge). For a leak, avoiding
    /// the other leaked objects shows how the whole pile is held instead of a
    /// path through one of its members. `None` when there is no such path.
    pub fn shortest_path_avoiding(&self, target: u32, avoid: &BitSet) -> Option<RetainerPath> {
        if target == self.snap.root {
            return None;
        }
        self.bfs_path(self.snap.root, |t| t == target, |t| !avoid.get(t as usize))
    }

    /// The shortest path over strong edges from the root to the nearest node
    /// of `targets` (through no other one): how a pile of objects is reached.
    pub fn shortest_path_to_any(&self, targets: &BitSet) -> Option<RetainerPath> {
        let is_target = |t: u32| targets.get(t as usize);
        self.bfs_path(self.snap.root, is_target, |t| !is_target(t))
    }

    /// Like [`Analysis::shortest_path_to_any`], through no node of `avoid`.
    pub fn shortest_path_to_any_avoiding(
        &self,
        targets: &BitSet,
        avoid: &BitSet,
    ) -> Option<RetainerPath> {
        let is_target = |t: u32| targets.get(t as usize);
        self.bfs_path(self.snap.root, is_target, |t| {
            !is_target(t) && !avoid.get(t as usize)
        })
    }

    /// For each node of `targets`, a shortest path from the user roots (as
    /// DevTools' paths start: the root's children at distance 1) that passes
    /// through no other target, at most `max_depth` edges long: a class's
    /// objects each shown without going through another of them. One
    /// breadth-first search over strong edges and non-system nodes for all;
    /// targets reached only through another target are left out.
    pub fn paths_around_each_other(
        &self,
        targets: &BitSet,
        max_depth: usize,
    ) -> rustc_hash::FxHashMap<u32, RetainerPath> {
        const UNSEEN: u32 = u32::MAX;
        let snap = &self.snap;
        let root = snap.root;
        let weak = snap.edge_types.weak;
        let usable = |v: u32| {
            (0..crate::engine::distances::BASE_SYSTEM_DISTANCE)
                .contains(&self.distances[v as usize])
        };
        let mut via_node = vec![UNSEEN; snap.node_count()];
        let mut via_edge = vec![UNSEEN; snap.node_count()];
        via_node[root as usize] = root;
        let mut queue = std::collections::VecDeque::new();
        for e in snap.edge_range(root) {
            let t = snap.edges.to[e];
            if self.distances[t as usize] == 1 && via_node[t as usize] == UNSEEN {
                via_node[t as usize] = root;
                via_edge[t as usize] = e as u32;
                queue.push_back((t, 1usize));
            }
        }
        let mut reached = Vec::new();
        while let Some((u, depth)) = queue.pop_front() {
            if targets.get(u as usize) {
                reached.push(u);
                continue;
            }
            if depth >= max_depth {
                continue;
            }
            for e in snap.edge_range(u) {
                let t = snap.edges.to[e];
                if via_node[t as usize] != UNSEEN
                    || snap.edges.ty[e] == weak
                    || !usable(t)
                    || self.is_weakmap_table_edge(e, u)
                {
                    continue;
                }
                via_node[t as usize] = u;
                via_edge[t as usize] = e as u32;
                queue.push_back((t, depth + 1));
            }
        }
        let path_to = |goal: u32| {
            let mut edges = Vec::new();
            let mut x = goal;
            while x != root {
                let source = via_node[x as usize];
                edges.push(EdgeRef {
                    edge: via_edge[x as usize] as usize,
                    source,
                    target: x,
                });
                x = source;
            }
            edges.reverse();
            RetainerPath { edges }
        };
        reached.into_iter().map(|g| (g, path_to(g))).collect()
    }

    /// Breadth-first search from `from` over strong edges (never weak, never a
    /// WeakMap's table edge): the path to the first node for which `is_goal`
    /// holds, passing only through nodes for which `may_pass` holds.
    fn bfs_path(
        &self,
        from: u32,
        is_goal: impl Fn(u32) -> bool,
        may_pass: impl Fn(u32) -> bool,
    ) -> Option<RetainerPath> {
        let snap = &self.snap;
        const UNSEEN: u32 = u32::MAX;
        let mut via_node = vec![UNSEEN; snap.node_count()];
        let mut via_edge = vec![UNSEEN; snap.node_count()];
        via_node[from as usize] = from;
        let mut queue = std::collections::VecDeque::from([from]);
        let weak = snap.edge_types.weak;
        let mut goal = None;
        'search: while let Some(u) = queue.pop_front() {
            for e in snap.edge_range(u) {
                let t = snap.edges.to[e];
                if via_node[t as usize] != UNSEEN
                    || snap.edges.ty[e] == weak
                    || self.is_weakmap_table_edge(e, u)
                {
                    continue;
                }
                let reached_goal = is_goal(t);
                if !reached_goal && !may_pass(t) {
                    continue;
                }
                via_node[t as usize] = u;
                via_edge[t as usize] = e as u32;
                if reached_goal {
                    goal = Some(t);
                    break 'search;
                }
                queue.push_back(t);
            }
        }
        let mut x = goal?;
        let mut edges = Vec::new();
        while x != from {
            let source = via_node[x as usize];
            edges.push(EdgeRef {
                edge: via_edge[x as usize] as usize,
                source,
                target: x,
            });
            x = source;
        }
        edges.reverse();
        Some(RetainerPath { edges })
    }
}
