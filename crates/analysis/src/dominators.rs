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

use crate::bitset::BitSet;
use heapscope_snapshot::HeapSnapshot;

const UNREACHED: u32 = u32::MAX;

/// The graph shape the dominator pass needs (so tests can build small ones).
pub struct DomGraph<'a> {
    pub node_count: usize,
    pub root: u32,
    pub first_edge: &'a [u32],
    pub to: &'a [u32],
    pub essential: &'a BitSet,
}

impl<'a> DomGraph<'a> {
    pub fn of(snap: &'a HeapSnapshot, essential: &'a BitSet) -> Self {
        DomGraph {
            node_count: snap.node_count(),
            root: snap.root,
            first_edge: &snap.nodes.first_edge,
            to: &snap.edges.to,
            essential,
        }
    }
}

/// The dominator tree: the immediate dominator of every node (the root
/// dominates itself) and an order in which every node follows its dominator.
pub struct DominatorTree {
    pub dom: Vec<u32>,
    pub preorder: Vec<u32>,
}

/// Essential in-degree per node, saturated at 2 (0: orphan, 1: the DFS parent
/// is the only essential retainer, 2: two or more).
fn essential_in_degree(g: &DomGraph) -> Vec<u8> {
    let mut indeg = vec![0u8; g.node_count];
    for (e, &t) in g.to.iter().enumerate() {
        if g.essential.get(e) {
            let d = &mut indeg[t as usize];
            if *d < 2 {
                *d += 1;
            }
        }
    }
    indeg
}

/// Computes the dominator tree with Semi-NCA. Only nodes with two or more
/// essential retainers need their retainer list: a node with one has it as its
/// DFS parent, which is then its semidominator. Those lists are built after the
/// DFS, with retainers already as DFS numbers, so no full reverse index is needed.
pub fn dominator_tree(g: &DomGraph) -> DominatorTree {
    let n = g.node_count;
    let root = g.root;
    let indeg = essential_in_degree(g);
    // --- DFS numbering (preorder) over essential edges.
    let mut pre = vec![UNREACHED; n];
    let mut vertex: Vec<u32> = Vec::with_capacity(n);
    let mut parent: Vec<u32> = Vec::with_capacity(n);
    let mut stack: Vec<(u32, u32)> = Vec::new();
    let mut dfs = |start: u32, pre: &mut Vec<u32>, vertex: &mut Vec<u32>, parent: &mut Vec<u32>| {
        pre[start as usize] = vertex.len() as u32;
        vertex.push(start);
        parent.push(0);
        stack.push((start, g.first_edge[start as usize]));
        while let Some(top) = stack.last_mut() {
            let (v, mut e) = *top;
            let end = g.first_edge[v as usize + 1];
            let mut next = None;
            while e < end {
                let w = g.to[e as usize];
                let ok = g.essential.get(e as usize) && pre[w as usize] == UNREACHED;
                e += 1;
                if ok {
                    next = Some(w);
                    break;
                }
            }
            top.1 = e;
            match next {
                Some(w) => {
                    let pv = pre[v as usize];
                    pre[w as usize] = vertex.len() as u32;
                    vertex.push(w);
                    parent.push(pv);
                    stack.push((w, g.first_edge[w as usize]));
                }
                None => {
                    stack.pop();
                }
            }
        }
    };
    dfs(root, &mut pre, &mut vertex, &mut parent);
    // Orphans (no essential retainer) hang under the root, as in DevTools.
    if vertex.len() < n {
        for v in 0..n as u32 {
            if v != root && pre[v as usize] == UNREACHED && indeg[v as usize] == 0 {
                dfs(v, &mut pre, &mut vertex, &mut parent);
            }
        }
    }
    drop(stack);
    let reached = vertex.len();

    // --- Retainer lists (as DFS numbers) of reached nodes with several
    // essential retainers, indexed by DFS number; unreached sources are left out
    // (they never lower a semidominator).
    let mut first = vec![0u32; reached + 1];
    for v in 0..n {
        if pre[v] == UNREACHED {
            continue;
        }
        for e in g.first_edge[v] as usize..g.first_edge[v + 1] as usize {
            let t = g.to[e] as usize;
            let w = pre[t];
            if w != UNREACHED && indeg[t] == 2 && g.essential.get(e) {
                first[w as usize + 1] += 1;
            }
        }
    }
    for i in 0..reached {
        first[i + 1] += first[i];
    }
    // Fill each list from its end: `first[w + 1]` counts down to `w`'s start.
    let mut slots = vec![0u32; first[reached] as usize];
    for v in 0..n {
        let pv = pre[v];
        if pv == UNREACHED {
            continue;
        }
        for e in g.first_edge[v] as usize..g.first_edge[v + 1] as usize {
            let t = g.to[e] as usize;
            let w = pre[t];
            if w != UNREACHED && indeg[t] == 2 && g.essential.get(e) {
                first[w as usize + 1] -= 1;
                slots[first[w as usize + 1] as usize] = pv;
            }
        }
    }
    // first[w + 1] now holds w's start: shift down by one.
    first.copy_within(1.., 0);
    first[reached] = slots.len() as u32;
    drop(pre);
    drop(indeg);

    // --- Semidominators (as DFS numbers), with path compression. A node is
    // "linked" once processed, i.e. when its number is above the current one.
    let mut semi: Vec<u32> = (0..reached as u32).collect();
    let mut label: Vec<u32> = semi.clone();
    let mut ancestor: Vec<u32> = parent.clone();
    let mut path: Vec<u32> = Vec::new();
    for i in (1..reached).rev() {
        let cur = i as u32;
        // Without a list the node has at most one essential retainer, its DFS
        // parent (an orphan's parent is the root): that is its semidominator.
        let list = &slots[first[i] as usize..first[i + 1] as usize];
        let s = match list.is_empty() {
            true => parent[i],
            false => {
                let mut s = cur;
                for &p in list {
                    let cand = if p <= cur {
                        p
                    } else {
                        // eval(p): the minimum semidominator on p's linked path.
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
                        label[p as usize]
                    };
                    if cand < s {
                        s = cand;
                    }
                }
                s
            }
        };
        semi[i] = s;
        label[i] = s;
    }
    drop(label);
    drop(ancestor);
    drop(slots);
    drop(first);

    // --- Immediate dominators by nearest common ancestor; `semi` becomes `idom`.
    let idom = &mut semi;
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
    drop(semi);
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
    }
}

/// Retained sizes: each node's size plus that of everything it dominates,
/// summed children-first by walking the preorder backwards.
pub fn retained_sizes(self_size: &[u32], tree: &DominatorTree, root: u32) -> Vec<u64> {
    let mut retained: Vec<u64> = self_size.iter().map(|&s| s as u64).collect();
    for &v in tree.preorder.iter().rev() {
        if v != root {
            let d = tree.dom[v as usize] as usize;
            retained[d] += retained[v as usize];
        }
    }
    retained
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
