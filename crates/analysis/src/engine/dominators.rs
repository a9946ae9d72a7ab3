//! Dominator tree and retained sizes (spec §3.7–3.8), computed with the
//! Semi-NCA algorithm over essential edges, in DFS-preorder space.
//!
//! DevTools runs Lengauer–Tarjan from the root, then from every node that has no
//! essential retainer ("orphans", hung under the root), and numbers what is
//! still unreached without a DFS. Dominators of a graph are unique, so on the
//! graph "essential edges + root → each orphan" any correct algorithm agrees
//! with DevTools; for the nodes still unreached, DevTools' bookkeeping always
//! ends with the root as dominator and their edges never lower anyone's
//! semidominator. Both facts are reproduced here and checked by the property
//! tests against a naive implementation.

use crate::engine::bitset::BitSet;
use crate::engine::prefetch::prefetch;
use heapscope_snapshot::{Column, HeapSnapshot, SelfSizes};
use std::sync::Arc;

const UNREACHED: u32 = u32::MAX;

/// The graph shape the dominator pass needs (so tests can build small ones).
pub struct DomGraph<'a> {
    pub node_count: usize,
    pub root: u32,
    pub first_edge: &'a [u32],
    pub to: Targets<'a>,
    pub essential: &'a BitSet,
}

impl<'a> DomGraph<'a> {
    pub fn of(snap: &'a HeapSnapshot, essential: &'a BitSet) -> Self {
        DomGraph {
            node_count: snap.node_count(),
            root: snap.root,
            first_edge: &snap.nodes.first_edge,
            to: Targets::Borrowed(&snap.edges.to),
            essential,
        }
    }
}

/// The edge targets the pass reads: borrowed, or shared, in which case the
/// pass lets go of them as soon as it has read its last edge (before its
/// memory peak), so that they are freed once the other owners are done too.
pub enum Targets<'a> {
    Borrowed(&'a [u32]),
    Shared(Arc<Column<u32>>),
}

impl std::ops::Deref for Targets<'_> {
    type Target = [u32];

    #[inline]
    fn deref(&self) -> &[u32] {
        match self {
            Targets::Borrowed(to) => to,
            Targets::Shared(to) => to,
        }
    }
}

impl<'a> From<&'a [u32]> for Targets<'a> {
    fn from(to: &'a [u32]) -> Self {
        Targets::Borrowed(to)
    }
}

/// The dominator tree: the immediate dominator of every node (the root
/// dominates itself) and an order in which every node follows its dominator
/// (the DFS preorder, the root first, then the nodes it never reached), with
/// the dominators in that numbering too: `idom_in_preorder[i]` is the
/// position of `preorder[i]`'s dominator (0 for the root and the unreached).
/// Walks over the tree read memory far more in order in that numbering: a
/// node's dominated nodes lie in its DFS subtree, a range of positions.
pub struct DominatorTree {
    pub dom: Vec<u32>,
    pub preorder: Vec<u32>,
    pub idom_in_preorder: Vec<u32>,
}

/// What the pass's loops read of a [`DomGraph`], as plain slices.
struct View<'b> {
    node_count: usize,
    first_edge: &'b [u32],
    to: &'b [u32],
    essential: &'b BitSet,
}

/// Nodes with at least one essential retainer (the others are DevTools' orphans).
fn has_essential_retainer(g: &View) -> BitSet {
    let mut retained = BitSet::new(g.node_count);
    for (e, &t) in g.to.iter().enumerate() {
        if g.essential.get(e) {
            retained.set(t as usize);
        }
    }
    retained
}

/// The DFS numbering and what the DFS learns per DFS number: `parent`,
/// `label` (the lowest-numbered retainer so far) and, in `first[w + 1]`, the
/// count of higher-numbered retainers.
struct Numbering {
    pre: Vec<u32>,
    vertex: Vec<u32>,
    parent: Vec<u32>,
    label: Vec<u32>,
    first: Vec<u32>,
}

impl Numbering {
    fn new(n: usize) -> Self {
        Numbering {
            pre: vec![UNREACHED; n],
            vertex: Vec::with_capacity(n),
            parent: Vec::with_capacity(n),
            label: Vec::with_capacity(n),
            first: vec![0; n + 1],
        }
    }

    /// Numbers everything reachable from `start` (the root, or an orphan hung
    /// under the root, number 0) and sorts the essential edges met on the way.
    fn dfs(&mut self, g: &View, start: u32, stack: &mut Vec<(u32, u32)>) {
        self.number(start, 0);
        stack.push((start, self.first_edge_prefetched(g, start)));
        while let Some(top) = stack.last_mut() {
            let (v, mut e) = *top;
            let pv = self.pre[v as usize];
            let end = g.first_edge[v as usize + 1];
            let mut next = None;
            while e < end {
                let essential = g.essential.get(e as usize);
                let w = g.to[e as usize];
                e += 1;
                if !essential {
                    continue;
                }
                let pw = self.pre[w as usize];
                if pw == UNREACHED {
                    next = Some(w);
                    break;
                }
                if pw > pv {
                    let l = &mut self.label[pw as usize];
                    *l = (*l).min(pv);
                } else if pw < pv {
                    self.first[pw as usize + 1] += 1;
                }
            }
            top.1 = e;
            match next {
                Some(w) => {
                    // The next candidate of `v` comes after `w`'s subtree:
                    // its edge offsets were asked for, ask for its edges.
                    if e < end {
                        let x = g.to[e as usize] as usize;
                        let first = g.first_edge[x] as usize;
                        prefetch(g.to, first);
                        g.essential.prefetch(first);
                    }
                    self.number(w, pv);
                    stack.push((w, self.first_edge_prefetched(g, w)));
                }
                None => {
                    stack.pop();
                }
            }
        }
    }

    /// `v`'s first edge, after asking for the DFS numbers and edge offsets of
    /// its first targets and for its first essential bits: the walk reads
    /// them next, and on real heaps they lie anywhere in memory, so waiting
    /// for each in turn would cost one memory latency per edge. (With the
    /// next sibling's edges asked for on each descent, 8% off the DFS on the
    /// collections shape, medians of 7.)
    #[inline]
    fn first_edge_prefetched(&self, g: &View, v: u32) -> u32 {
        let start = g.first_edge[v as usize];
        g.essential.prefetch(start as usize);
        let end = g.first_edge[v as usize + 1].min(start + 8);
        for &w in &g.to[start as usize..end as usize] {
            prefetch(&self.pre, w as usize);
            prefetch(g.first_edge, w as usize);
        }
        start
    }

    fn number(&mut self, v: u32, parent: u32) {
        self.pre[v as usize] = self.vertex.len() as u32;
        self.vertex.push(v);
        self.parent.push(parent);
        self.label.push(parent);
    }
}

/// Computes the dominator tree with Semi-NCA in DFS-number space. The DFS
/// itself sorts every essential edge `v → w` of a reached node: a retainer
/// numbered below `w` (its DFS parent, or an ancestor by a forward edge) is a
/// semidominator candidate as is, so only the running minimum is kept (in
/// `label`, unused until `w` is processed); a retainer numbered above `w` needs
/// the path evaluation and goes to `w`'s retainer list, counted during the DFS
/// and filled by one more pass over the edges. Sources never reached are left
/// out (they never lower a semidominator), and no reverse index is needed.
pub fn dominator_tree(g: DomGraph) -> DominatorTree {
    dominator_tree_then(g, || {}, || {})
}

/// [`dominator_tree`], calling `edges_read` once the graph is let go of
/// (shared edge targets are then freed, see [`Targets`]) and `scratch_freed`
/// once the semidominator phase's scratch arrays are released (the memory
/// peak is over), so that a caller can start memory-hungry work in parallel
/// from then on.
pub fn dominator_tree_then(
    g: DomGraph,
    edges_read: impl FnOnce(),
    scratch_freed: impl FnOnce(),
) -> DominatorTree {
    let n = g.node_count;
    let root = g.root;
    let mut t = crate::timing::Phases::from_env();
    let view = View {
        node_count: n,
        first_edge: g.first_edge,
        to: &g.to,
        essential: g.essential,
    };
    let retained = has_essential_retainer(&view);
    t.lap("    orphans");
    // --- DFS numbering (preorder) over essential edges.
    let mut num = Numbering::new(n);
    let mut stack = Vec::new();
    num.dfs(&view, root, &mut stack);
    // Orphans (no essential retainer) hang under the root, as in DevTools.
    for v in 0..n as u32 {
        if v != root && !retained.get(v as usize) && num.pre[v as usize] == UNREACHED {
            num.dfs(&view, v, &mut stack);
        }
    }
    drop(stack);
    let Numbering {
        pre,
        vertex,
        parent,
        label,
        mut first,
    } = num;
    drop(retained);
    let reached = vertex.len();
    first.truncate(reached + 1);
    t.lap("    dfs");

    let slots = retainer_lists(&view, &pre, &mut first);
    drop(pre);
    // `view` is not used again: the graph (and a shared share of the edge
    // targets) goes now.
    drop(g);
    edges_read();
    t.lap("    retainer lists");

    semidominators(&parent, label, &slots, &mut first);
    t.lap("    semidominators");
    drop(slots);
    scratch_freed();

    let tree = immediate_dominators((n, root), vertex, parent, first);
    t.lap("    idom");
    tree
}

/// Semidominators (as DFS numbers), with path compression. A node is
/// "linked" once processed, i.e. when its number is above the current one.
/// `semi` of a processed node is kept in the list offsets: node `i` reads
/// `first[i]` and `first[i + 1]`, and nodes go downwards, so once `i` is done
/// `first[i + 1]` is never read again and holds `semi[i]` (one array less at
/// the memory peak).
///
/// A node's remaining retainers are skipped once a candidate falls below the
/// root's child whose subtree holds the node: the semidominator is one of the
/// node's DFS ancestors, and the only one numbered below that child is the
/// root. (On app 4.7 M of the 8.0 M retainer-list entries are skipped so.)
fn semidominators(parent: &[u32], mut label: Vec<u32>, slots: &[u32], first: &mut [u32]) {
    let reached = parent.len();
    // The root's children (and hung-up orphans), ascending: each one's DFS
    // subtree runs up to the next one.
    let subtree_roots: Vec<u32> = (1..reached as u32)
        .filter(|&i| parent[i as usize] == 0)
        .collect();
    let mut subtree = subtree_roots.len();
    let mut ancestor: Vec<u32> = parent.to_vec();
    let mut path: Vec<u32> = Vec::new();
    for i in (1..reached).rev() {
        let cur = i as u32;
        while subtree > 0 && subtree_roots[subtree - 1] > cur {
            subtree -= 1;
        }
        // Every number from 1 up lies in some root child's subtree.
        let floor = subtree.checked_sub(1).map_or(1, |k| subtree_roots[k]);
        let mut s = label[i];
        for &p in &slots[first[i] as usize..first[i + 1] as usize] {
            if s < floor {
                s = 0;
                break;
            }
            // eval(p): the minimum semidominator on p's linked path (p > cur).
            let mut x = p;
            path.clear();
            while ancestor[x as usize] > cur {
                path.push(x);
                x = ancestor[x as usize];
            }
            for &y in path.iter().rev() {
                let a = ancestor[y as usize] as usize;
                if label[a] < label[y as usize] {
                    label[y as usize] = label[a];
                }
                ancestor[y as usize] = ancestor[a];
            }
            s = s.min(label[p as usize]);
        }
        first[i + 1] = s;
        label[i] = s;
    }
}

/// The retainer lists (higher DFS numbers only), indexed by DFS number:
/// `first[w + 1]` holds the count of `w`'s from the DFS; on return `first[w]`
/// is the start of `w`'s list in the returned slots and `first[reached]`
/// their end.
fn retainer_lists(g: &View, pre: &[u32], first: &mut [u32]) -> Vec<u32> {
    let reached = first.len() - 1;
    for i in 0..reached {
        first[i + 1] += first[i];
    }
    // Fill each list from its end: `first[w + 1]` counts down to `w`'s start.
    let mut slots = vec![0u32; first[reached] as usize];
    for v in 0..g.node_count {
        let pv = pre[v];
        if pv == UNREACHED {
            continue;
        }
        for e in g.first_edge[v] as usize..g.first_edge[v + 1] as usize {
            // The targets lie anywhere; ask for one some edges ahead.
            if let Some(&ahead) = g.to.get(e + 16) {
                prefetch(pre, ahead as usize);
            }
            if g.essential.get(e) {
                // Every essential successor of a reached node is reached.
                let w = pre[g.to[e] as usize];
                if w < pv {
                    first[w as usize + 1] -= 1;
                    slots[first[w as usize + 1] as usize] = pv;
                }
            }
        }
    }
    // first[w + 1] now holds w's start: shift down by one.
    first.copy_within(1.., 0);
    first[reached] = slots.len() as u32;
    slots
}

/// The last step of [`dominator_tree_then`]: immediate dominators by nearest
/// common ancestor from the DFS parents and the semidominators (held in
/// `first[i + 1]`, see there), then the tree by node and by preorder position,
/// with the unreached nodes completing the order.
fn immediate_dominators(
    (n, root): (usize, u32),
    mut vertex: Vec<u32>,
    parent: Vec<u32>,
    mut first: Vec<u32>,
) -> DominatorTree {
    let reached = vertex.len();
    // The semidominators
    // (`first[i + 1]`) become immediate dominators (`idom[i]`) in place.
    let idom = &mut first[1..];
    idom[0] = 0;
    for i in 1..reached {
        let s = idom[i];
        let mut d = parent[i];
        while d > s {
            d = idom[d as usize];
        }
        idom[i] = d;
    }
    drop(parent);
    let mut dom = vec![root; n];
    for i in 0..reached {
        dom[vertex[i] as usize] = vertex[idom[i] as usize];
    }
    dom[root as usize] = root;
    // In preorder numbering, the unreached (after the reached) hang under 0.
    first.copy_within(1.., 0);
    first.truncate(reached);
    first.resize(n, 0);
    let idom_in_preorder = first;
    // Unreached nodes complete the order (their dominator is the root).
    let mut seen = BitSet::new(n);
    for &v in &vertex {
        seen.set(v as usize);
    }
    for v in 0..n as u32 {
        if !seen.get(v as usize) {
            vertex.push(v);
        }
    }
    DominatorTree {
        dom,
        preorder: vertex,
        idom_in_preorder,
    }
}

/// Retained sizes: each node's size plus that of everything it dominates.
pub fn retained_sizes(self_size: &SelfSizes, tree: &DominatorTree) -> Vec<u64> {
    to_node_order(&retained_in_preorder(self_size, tree), tree)
}

/// Retained sizes by preorder position (see [`DominatorTree`]), summed
/// children-first by walking the positions backwards: each adds to its
/// dominator's, which is at a lower position.
pub fn retained_in_preorder(self_size: &SelfSizes, tree: &DominatorTree) -> Vec<u64> {
    let mut retained: Vec<u64> = tree
        .preorder
        .iter()
        .map(|&v| self_size.get(v as usize))
        .collect();
    for i in (1..retained.len()).rev() {
        let d = tree.idom_in_preorder[i] as usize;
        retained[d] += retained[i];
    }
    retained
}

/// Values by preorder position, put back in node order.
pub fn to_node_order(in_preorder: &[u64], tree: &DominatorTree) -> Vec<u64> {
    let mut out = vec![0u64; in_preorder.len()];
    for (&v, &x) in tree.preorder.iter().zip(in_preorder) {
        out[v as usize] = x;
    }
    out
}

/// Dominator-tree children as CSR, in DevTools' order (spec §3.9: reverse fill).
pub struct DominatedNodes {
    pub first: Vec<u32>,
    pub nodes: Vec<u32>,
}

impl DominatedNodes {
    pub fn build(dom: &[u32], root: u32) -> Self {
        let n = dom.len();
        let mut first = vec![0u32; n + 1];
        for (v, &d) in dom.iter().enumerate() {
            if v as u32 != root {
                first[d as usize + 1] += 1;
            }
        }
        for i in 0..n {
            first[i + 1] += first[i];
        }
        let mut nodes = vec![0u32; n.saturating_sub(1)];
        for (v, &d) in dom.iter().enumerate() {
            if v as u32 != root {
                first[d as usize + 1] -= 1;
                nodes[first[d as usize + 1] as usize] = v as u32;
            }
        }
        first.copy_within(1.., 0);
        first[n] = nodes.len() as u32;
        DominatedNodes { first, nodes }
    }

    pub fn children(&self, v: u32) -> &[u32] {
        &self.nodes[self.first[v as usize] as usize..self.first[v as usize + 1] as usize]
    }
}
