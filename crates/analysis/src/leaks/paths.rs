//! How a suspect is reached, as the report shows it: retaining paths that
//! avoid transient roots (`(Stack roots)`, `(Handle scope)`: what was on
//! the stack while the snapshot was taken), a path extended into the pile a
//! holder keeps, the reference a holder is reached by, and node labels.

use super::context::group_key;
use super::PathStepOut;
use crate::bitset::BitSet;
use crate::edges::EdgeRef;
use crate::names::display_name;
use crate::paths::RetainerPath;
use crate::Analysis;

/// Synthetic roots whose objects only live while code runs.
const TRANSIENT_ROOTS: &[&str] = &["(Stack roots)", "(Handle scope)"];

/// What lasts in a snapshot: the nodes reached from the roots other than
/// through the transient ones, and those reached at all.
pub struct Reachability {
    pub transient_roots: Vec<u32>,
    /// `transient_roots` as a set (what paths that last avoid).
    pub avoid: BitSet,
    lasting: BitSet,
    reached: BitSet,
}

impl Reachability {
    pub fn of(a: &Analysis) -> Self {
        let transient_roots = a.transient_roots();
        let avoid = a.with_transient_roots(BitSet::new(a.snap.node_count()), &transient_roots);
        let (lasting, reached) = a.reached_from_root(&avoid);
        Reachability {
            lasting,
            reached,
            transient_roots,
            avoid,
        }
    }

    /// How the nearest of `members` is reached (a path when it lasts).
    pub fn reach(&self, a: &Analysis, members: &[u32]) -> Reach {
        if members.iter().any(|&m| self.lasting.get(m as usize)) {
            let mut heads = BitSet::new(a.snap.node_count());
            for &m in members {
                heads.set(m as usize);
            }
            if let Some(path) = a.shortest_path_to_any_avoiding(&heads, &self.avoid) {
                return Reach::Lasting(path);
            }
        }
        match members.iter().any(|&m| self.reached.get(m as usize)) {
            true => Reach::Transient,
            false => Reach::Unreachable,
        }
    }

    /// Whether `v` is reached, but only through transient roots.
    pub fn only_transient(&self, v: u32) -> bool {
        !self.lasting.get(v as usize) && self.reached.get(v as usize)
    }
}

/// How a set of objects is reached from the roots.
pub enum Reach {
    /// Through something that lasts (globals, modules, handles, timers).
    Lasting(RetainerPath),
    /// Only through the stack or handle scopes: transient, not a leak.
    Transient,
    /// Not at all over strong references.
    Unreachable,
}

impl Analysis {
    /// The transient synthetic roots of this snapshot.
    pub(crate) fn transient_roots(&self) -> Vec<u32> {
        let synthetic = self.snap.node_types.synthetic;
        (0..self.snap.node_count() as u32)
            .filter(|&v| {
                self.snap.nodes.ty[v as usize] == synthetic
                    && TRANSIENT_ROOTS.contains(&self.snap.node_name(v))
            })
            .collect()
    }

    /// `set` plus the transient roots.
    pub(crate) fn with_transient_roots(&self, mut set: BitSet, roots: &[u32]) -> BitSet {
        for &r in roots {
            set.set(r as usize);
        }
        set
    }

    /// What the roots reach over strong edges (never weak, never a WeakMap's
    /// table edge) through no node of `avoid`, then what they reach at all:
    /// the second walk goes on from the first one's set through the edges
    /// into `avoid` it stopped at, so no node is visited twice.
    fn reached_from_root(&self, avoid: &BitSet) -> (BitSet, BitSet) {
        let mut seen = BitSet::new(self.snap.node_count());
        seen.set(self.snap.root as usize);
        let mut stopped = Vec::new();
        self.strong_walk(&mut seen, vec![self.snap.root], |t| {
            match avoid.get(t as usize) {
                true => {
                    stopped.push(t);
                    false
                }
                false => true,
            }
        });
        let lasting = seen.clone();
        let mut starts = Vec::new();
        for t in stopped {
            if !seen.get(t as usize) {
                seen.set(t as usize);
                starts.push(t);
            }
        }
        self.strong_walk(&mut seen, starts, |_| true);
        (lasting, seen)
    }

    /// Depth-first from `stack` over strong edges into nodes not in `seen`
    /// that `enter` accepts, adding them to `seen`.
    fn strong_walk(
        &self,
        seen: &mut BitSet,
        mut stack: Vec<u32>,
        mut enter: impl FnMut(u32) -> bool,
    ) {
        let snap = &self.snap;
        while let Some(u) = stack.pop() {
            for e in snap.edge_range(u) {
                let t = snap.edges.to[e];
                if seen.get(t as usize)
                    || snap.edges.ty[e] == snap.edge_types.weak
                    || self.is_weakmap_table_edge(e, u)
                    || !enter(t)
                {
                    continue;
                }
                seen.set(t as usize);
                stack.push(t);
            }
        }
    }

    /// The first DevTools retaining path of `v`, as steps.
    pub(crate) fn path_out(&self, v: u32) -> Vec<PathStepOut> {
        match self.retaining_paths(v, 1, 40).into_iter().next() {
            Some(path) => self.path_steps(&path),
            None => Vec::new(),
        }
    }

    pub(crate) fn path_steps(&self, path: &RetainerPath) -> Vec<PathStepOut> {
        let mut out = Vec::new();
        if let Some(first) = path.edges.first() {
            out.push(PathStepOut {
                edge: None,
                node: node_label(self, first.source),
                id: self.snap.nodes.id[first.source as usize],
            });
        }
        for e in &path.edges {
            out.push(PathStepOut {
                edge: Some(self.edge_label(e.edge)),
                node: node_label(self, e.target),
                id: self.snap.nodes.id[e.target as usize],
            });
        }
        out
    }

    /// `path` (ending at `holder`) extended by one reference to an object of
    /// `members` (sorted), or two through the holder's table/elements store.
    pub(crate) fn extend_into(
        &self,
        path: &RetainerPath,
        holder: u32,
        members: &[u32],
    ) -> Option<RetainerPath> {
        let snap = &self.snap;
        let is_member = |t: u32| members.binary_search(&t).is_ok();
        let step = |e: usize, source: u32| EdgeRef {
            edge: e,
            source,
            target: snap.edges.to[e],
        };
        let mut extra = snap
            .edge_range(holder)
            .find(|&e| is_member(snap.edges.to[e]))
            .map(|e| vec![step(e, holder)]);
        if extra.is_none() {
            extra = self.store_edges(holder).into_iter().find_map(|e| {
                let store = snap.edges.to[e];
                snap.edge_range(store)
                    .find(|&f| is_member(snap.edges.to[f]))
                    .map(|f| vec![step(e, holder), step(f, store)])
            });
        }
        let mut edges = path.edges.clone();
        edges.extend(extra?);
        Some(RetainerPath { edges })
    }

    /// The internal edges of `v` to its backing stores (`table`, `elements`,
    /// `properties`).
    pub(crate) fn store_edges(&self, v: u32) -> Vec<usize> {
        let snap = &self.snap;
        snap.edge_range(v)
            .filter(|&e| {
                snap.edges.ty[e] == snap.edge_types.internal
                    && matches!(
                        snap.strings.get(snap.edges.name_or_index[e]),
                        "table" | "elements" | "properties"
                    )
            })
            .collect()
    }

    /// How a path reaches `holder`: its retainer's class and the last two
    /// references, e.g. `Agent.sockets['127.0.0.1:443:']`.
    pub(crate) fn reached_as(&self, path: &RetainerPath, holder: u32) -> Option<String> {
        let at = path.edges.iter().position(|e| e.target == holder)?;
        let from = at.saturating_sub(1);
        let steps = &path.edges[from..=at];
        let mut text = group_key(self, steps[0].source);
        for e in steps {
            text.push_str(&self.edge_label(e.edge));
        }
        Some(text)
    }
}

pub(crate) fn node_label(a: &Analysis, v: u32) -> String {
    let name = display_name(&a.snap, v);
    let class = a.snap.strings.get(a.class_name[v as usize]);
    let ty = a.snap.node_type_name(a.snap.nodes.ty[v as usize]);
    let short: String = name.chars().take(60).collect();
    if v == a.snap.root {
        "(root)".to_string()
    } else if ty == "closure" {
        format!("{short}()")
    } else if name.is_empty() || name == class {
        class.to_string()
    } else {
        format!("{class} {short}")
    }
}

#[cfg(test)]
mod tests {
    use crate::leaks::test_graph::Graph;
    use crate::Analysis;
    use proptest::prelude::*;

    /// What the roots reach over non-weak edges through no node of `avoid`,
    /// one plain walk per set (the rule [`super::Reachability`] keeps in one).
    fn reference(a: &Analysis, avoid: &[u32]) -> Vec<bool> {
        let snap = &a.snap;
        let mut seen = vec![false; snap.node_count()];
        seen[snap.root as usize] = true;
        let mut stack = vec![snap.root];
        while let Some(u) = stack.pop() {
            for e in snap.edge_range(u) {
                let t = snap.edges.to[e];
                if !seen[t as usize]
                    && !avoid.contains(&t)
                    && snap.edges.ty[e] != snap.edge_types.weak
                {
                    seen[t as usize] = true;
                    stack.push(t);
                }
            }
        }
        seen
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// On random graphs under a root with a stack root and a handle
        /// root among others: what lasts and what is reached at all are the
        /// two walks' sets.
        #[test]
        fn one_walk_finds_what_lasts_and_what_is_reached(
            n in 1usize..40,
            edges in proptest::collection::vec((0usize..44, 0usize..44, 0u8..6), 0..120),
        ) {
            let mut g = Graph::new();
            let roots = ["(GC roots)", "(Stack roots)", "(Handle scope)", "(Global handles)"];
            for (i, name) in roots.iter().enumerate() {
                let r = g.node("synthetic", name, 2 * i as u32 + 2, 0);
                g.edge(0, "element", &(i + 1).to_string(), r);
            }
            for i in 0..n {
                g.node("object", "Thing", 2 * i as u32 + 101, 8);
            }
            let count = n + 5;
            for (k, &(from, to, kind)) in edges.iter().enumerate() {
                let (from, to) = (from % count, 1 + to % (count - 1));
                let name = k.to_string();
                match kind {
                    0 => g.edge(from, "weak", &name, to),
                    1 => g.edge(from, "element", &name, to),
                    _ => g.edge(from, "property", &format!("p{k}"), to),
                }
            }
            let a = g.analysis();
            let reach = super::Reachability::of(&a);
            prop_assert_eq!(reach.transient_roots.len(), 2);
            let lasting = reference(&a, &reach.transient_roots);
            let reached = reference(&a, &[]);
            for v in 0..a.snap.node_count() {
                prop_assert_eq!(reach.lasting.get(v), lasting[v], "lasting {}", v);
                prop_assert_eq!(reach.reached.get(v), reached[v], "reached {}", v);
                prop_assert_eq!(reach.only_transient(v as u32), reached[v] && !lasting[v]);
            }
        }
    }
}
