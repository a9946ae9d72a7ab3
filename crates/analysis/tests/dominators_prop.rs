//! Property tests: the Semi-NCA dominator pass equals (1) a direct port of
//! DevTools' Lengauer–Tarjan with its orphan and unreachable phases, and (2)
//! the textbook definition (iterative dominator sets) on the reachable part,
//! on random graphs with random non-essential edges; and the class retained
//! sizes (two threads over cut subtrees) equal their definition.

#![allow(clippy::needless_range_loop)]

use heapscope_analysis::bitset::BitSet;
use heapscope_analysis::dominators::{
    dominator_tree, retained_in_preorder, retained_sizes, DomGraph, DominatedNodes,
};
use heapscope_analysis::retainers::{Retainers, NON_ESSENTIAL, SOURCE_MASK};
use heapscope_analysis::summary::{
    class_retained_sizes, rows_with_class_retained_sizes, Aggregates, ClassRow, NO_ROW,
};
use heapscope_snapshot::SelfSizes;
use proptest::prelude::*;

struct Graph {
    first_edge: Vec<u32>,
    to: Vec<u32>,
    essential: BitSet,
}

fn build(n: usize, mut edges: Vec<(u32, u32, bool)>) -> Graph {
    edges.sort_by_key(|e| e.0); // stable: keeps the generated order per source
    let mut first_edge = vec![0u32; n + 1];
    for &(s, _, _) in &edges {
        first_edge[s as usize + 1] += 1;
    }
    for i in 0..n {
        first_edge[i + 1] += first_edge[i];
    }
    let mut essential = BitSet::new(edges.len());
    for (i, e) in edges.iter().enumerate() {
        if e.2 {
            essential.set(i);
        }
    }
    Graph {
        first_edge,
        to: edges.iter().map(|e| e.1).collect(),
        essential,
    }
}

/// DevTools' `calculateDominatorsAndRetainedSizes` dominator part, ported
/// literally from the spec (§3.7), vertices numbered ordinal + 1.
fn devtools_lt(g: &Graph, ret: &Retainers, root: usize) -> Vec<u32> {
    let n = g.first_edge.len() - 1;
    let len = n + 1;
    let (mut parent, mut ancestor, mut vertex, mut label, mut semi, mut dom) = (
        vec![0usize; len],
        vec![0usize; len],
        vec![0usize; len],
        vec![0usize; len],
        vec![0usize; len],
        vec![0usize; len],
    );
    let mut next_edge = vec![0usize; len];
    let mut bucket: Vec<Vec<usize>> = vec![Vec::new(); len];
    let mut count = 0usize;
    let r = root + 1;
    let mut dfs = |start: usize,
                   parent: &mut Vec<usize>,
                   semi: &mut Vec<usize>,
                   vertex: &mut Vec<usize>,
                   label: &mut Vec<usize>,
                   count: &mut usize| {
        next_edge[start] = g.first_edge[start - 1] as usize;
        let mut v = start;
        while v != 0 {
            if semi[v] == 0 {
                *count += 1;
                semi[v] = *count;
                vertex[*count] = v;
                label[v] = v;
            }
            let end = g.first_edge[v] as usize;
            let mut descended = false;
            while next_edge[v] < end {
                let e = next_edge[v];
                if !g.essential.get(e) {
                    next_edge[v] += 1;
                    continue;
                }
                let w = g.to[e] as usize + 1;
                if semi[w] == 0 {
                    parent[w] = v;
                    next_edge[w] = g.first_edge[w - 1] as usize;
                    v = w;
                    descended = true;
                    break;
                }
                next_edge[v] += 1;
            }
            if !descended {
                v = parent[v];
            }
        }
    };
    dfs(
        r,
        &mut parent,
        &mut semi,
        &mut vertex,
        &mut label,
        &mut count,
    );
    let has_essential_retainer = |v: usize| {
        ret.slots[ret.range(v as u32)]
            .iter()
            .any(|s| s & NON_ESSENTIAL == 0)
    };
    if count < n {
        for v in 1..=n {
            if semi[v] == 0 && !has_essential_retainer(v - 1) {
                parent[v] = r;
                dfs(
                    v,
                    &mut parent,
                    &mut semi,
                    &mut vertex,
                    &mut label,
                    &mut count,
                );
            }
        }
    }
    if count < n {
        for v in 1..=n {
            if semi[v] == 0 {
                parent[v] = r;
                count += 1;
                semi[v] = count;
                vertex[count] = v;
                label[v] = v;
            }
        }
    }
    fn compress(v: usize, ancestor: &mut [usize], label: &mut [usize], semi: &[usize]) {
        let mut stack = Vec::new();
        let mut x = v;
        while ancestor[ancestor[x]] != 0 {
            stack.push(x);
            x = ancestor[x];
        }
        while let Some(w) = stack.pop() {
            let a = ancestor[w];
            if semi[label[a]] < semi[label[w]] {
                label[w] = label[a];
            }
            ancestor[w] = ancestor[a];
        }
    }
    let eval = |v: usize, ancestor: &mut [usize], label: &mut [usize], semi: &[usize]| -> usize {
        if ancestor[v] == 0 {
            return v;
        }
        compress(v, ancestor, label, semi);
        label[v]
    };
    for i in (2..=count).rev() {
        let w = vertex[i];
        let mut any = false;
        for &slot in &ret.slots[ret.range(w as u32 - 1)] {
            if slot & NON_ESSENTIAL != 0 {
                continue;
            }
            any = true;
            let u = eval(
                (slot & SOURCE_MASK) as usize + 1,
                &mut ancestor,
                &mut label,
                &semi,
            );
            if semi[u] < semi[w] {
                semi[w] = semi[u];
            }
        }
        if !any {
            semi[w] = semi[r];
        }
        bucket[vertex[semi[w]]].push(w);
        ancestor[w] = parent[w];
        let pw = parent[w];
        for v in std::mem::take(&mut bucket[pw]) {
            let u = eval(v, &mut ancestor, &mut label, &semi);
            dom[v] = if semi[u] < semi[v] { u } else { pw };
        }
    }
    dom[0] = r;
    dom[r] = r;
    for i in 2..=count {
        let w = vertex[i];
        if dom[w] != vertex[semi[w]] {
            dom[w] = dom[dom[w]];
        }
    }
    (1..=n).map(|v| dom[v] as u32 - 1).collect()
}

/// Dominators by definition on the graph "essential edges + root → orphans",
/// via iterative dominator sets; unreachable nodes report the root.
fn dataflow(g: &Graph, ret: &Retainers, root: usize) -> Vec<u32> {
    let n = g.first_edge.len() - 1;
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    for v in 0..n {
        for e in g.first_edge[v] as usize..g.first_edge[v + 1] as usize {
            if g.essential.get(e) && g.to[e] as usize != v {
                preds[g.to[e] as usize].push(v);
            }
        }
    }
    for v in 0..n {
        if v != root
            && !ret.slots[ret.range(v as u32)]
                .iter()
                .any(|s| s & NON_ESSENTIAL == 0)
        {
            preds[v].push(root);
        }
    }
    // Reachability from the root over those predecessors (forward).
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (v, ps) in preds.iter().enumerate() {
        for &p in ps {
            succ[p].push(v);
        }
    }
    let mut reach = vec![false; n];
    let mut stack = vec![root];
    reach[root] = true;
    while let Some(v) = stack.pop() {
        for &w in &succ[v] {
            if !reach[w] {
                reach[w] = true;
                stack.push(w);
            }
        }
    }
    let all: Vec<bool> = vec![true; n];
    let mut doms: Vec<Vec<bool>> = (0..n)
        .map(|v| {
            if v == root {
                (0..n).map(|x| x == root).collect()
            } else {
                all.clone()
            }
        })
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for v in 0..n {
            if v == root || !reach[v] {
                continue;
            }
            let mut new = all.clone();
            for &p in &preds[v] {
                if reach[p] {
                    for x in 0..n {
                        new[x] &= doms[p][x];
                    }
                }
            }
            new[v] = true;
            if new != doms[v] {
                doms[v] = new;
                changed = true;
            }
        }
    }
    (0..n)
        .map(|v| {
            if v == root || !reach[v] {
                return root as u32;
            }
            // The immediate dominator is the strict dominator with the most dominators.
            let strict: Vec<usize> = (0..n).filter(|&d| d != v && doms[v][d]).collect();
            *strict
                .iter()
                .max_by_key(|&&d| doms[d].iter().filter(|&&b| b).count())
                .unwrap() as u32
        })
        .collect()
}

fn graph_strategy() -> impl Strategy<Value = (usize, Vec<(u32, u32, bool)>)> {
    (1usize..28).prop_flat_map(|n| {
        let edge = (0..n as u32, 0..n as u32, prop::bool::weighted(0.8));
        (Just(n), prop::collection::vec(edge, 0..(n * 3)))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn semi_nca_equals_devtools_and_definition((n, edges) in graph_strategy(), root_pick in 0usize..1000) {
        let root = root_pick % n;
        let g = build(n, edges);
        let ret = Retainers::from_edges(&g.first_edge, &g.to, Some(&g.essential));
        let dg = DomGraph { node_count: n, root: root as u32, first_edge: &g.first_edge, to: g.to[..].into(), essential: &g.essential };
        let tree = dominator_tree(dg);
        let ours = tree.dom.clone();
        prop_assert_eq!(&ours, &devtools_lt(&g, &ret, root));
        prop_assert_eq!(&ours, &dataflow(&g, &ret, root));
        // Retained sizes: each node's size plus the sizes of the nodes it dominates.
        let sizes: Vec<u32> = (0..n as u32).map(|v| v * 7 + 1).collect();
        let retained = retained_sizes(&SelfSizes::from_small(sizes.clone()), &tree);
        for v in 0..n {
            let mut expect = 0u64;
            for w in 0..n {
                // w is in v's subtree if v is on w's dominator chain.
                let mut x = w;
                loop {
                    if x == v { expect += sizes[w] as u64; break; }
                    if x == root { break; }
                    x = ours[x] as usize;
                }
            }
            prop_assert_eq!(retained[v], expect, "retained size of node {}", v);
        }
    }
}

/// Class retained sizes by the definition: a node counts for its row when no
/// node above it on its dominator chain has the same row.
fn naive_class_sizes(
    dom: &[u32],
    root: usize,
    rows: &[u32],
    retained: &[u64],
    row_count: usize,
) -> Vec<u64> {
    let mut sums = vec![0u64; row_count];
    for v in 0..dom.len() {
        let r = rows[v];
        if r == NO_ROW {
            continue;
        }
        let mut x = v;
        let mut shared = false;
        while x != root {
            x = dom[x] as usize;
            if rows[x] == r {
                shared = true;
                break;
            }
        }
        if !shared {
            sums[r as usize] += retained[v];
        }
    }
    sums
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn class_retained_sizes_equal_the_definition(
        (n, edges) in graph_strategy(),
        root_pick in 0usize..1000,
        picks in prop::collection::vec(0u32..5, 28),
    ) {
        let root = root_pick % n;
        let g = build(n, edges);
        let dg = DomGraph { node_count: n, root: root as u32, first_edge: &g.first_edge, to: g.to[..].into(), essential: &g.essential };
        let tree = dominator_tree(dg);
        let sizes: Vec<u32> = (0..n as u32).map(|v| v * 7 + 1).collect();
        let retained = retained_sizes(&SelfSizes::from_small(sizes.clone()), &tree);
        // Three rows; pick 3 and 4 mean no row.
        let rows: Vec<u32> = (0..n).map(|v| if picks[v] < 3 { picks[v] } else { NO_ROW }).collect();
        let children = DominatedNodes::build(&tree.dom, root as u32);
        let ours = class_retained_sizes(&children, root as u32, &rows, &retained, 3);
        let naive = naive_class_sizes(&tree.dom, root, &rows, &retained, 3);
        prop_assert_eq!(&ours, &naive);
        // The same walk in the dominator pass's preorder numbering.
        prop_assert_eq!(tree.preorder[0] as usize, root);
        for i in 1..n {
            let d = tree.idom_in_preorder[i] as usize;
            prop_assert!(d < i, "a dominator comes first");
            prop_assert_eq!(tree.preorder[d], tree.dom[tree.preorder[i] as usize]);
        }
        let in_preorder = retained_in_preorder(&SelfSizes::from_small(sizes.clone()), &tree);
        for i in 0..n {
            prop_assert_eq!(in_preorder[i], retained[tree.preorder[i] as usize]);
        }
        let row = |name: &str| ClassRow {
            class_key: name.into(), name: name.into(), count: 0, self_size: 0,
            retained_size: 0, distance: 0, max_distance: 0,
        };
        let grouped = Aggregates { rows: vec![row("a"), row("b"), row("c")], node_row: rows.clone() };
        let children = DominatedNodes::build(&tree.idom_in_preorder, 0);
        let found = rows_with_class_retained_sizes(grouped, &tree, &children, &in_preorder);
        let found: Vec<u64> = found.iter().map(|r| r.retained_size).collect();
        prop_assert_eq!(found, naive);
    }
}
