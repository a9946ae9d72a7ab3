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
        Reachability {
            lasting: a.reached_from_root(&avoid),
            reached: a.reached_from_root(&BitSet::new(a.snap.node_count())),
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
    /// table edge), through no node of `avoid`.
    fn reached_from_root(&self, avoid: &BitSet) -> BitSet {
        let snap = &self.snap;
        let mut seen = BitSet::new(snap.node_count());
        seen.set(snap.root as usize);
        let mut stack = vec![snap.root];
        while let Some(u) = stack.pop() {
            for e in snap.edge_range(u) {
                let t = snap.edges.to[e];
                if seen.get(t as usize)
                    || avoid.get(t as usize)
                    || snap.edges.ty[e] == snap.edge_types.weak
                    || self.is_weakmap_table_edge(e, u)
                {
                    continue;
                }
                seen.set(t as usize);
                stack.push(t);
            }
        }
        seen
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
