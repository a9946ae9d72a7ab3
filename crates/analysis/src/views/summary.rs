//! DevTools' Summary view (spec §4.3–4.5): objects grouped by class key, with
//! count, shallow size, retained size of the class (`maxRet`: instances not
//! dominated by another instance of the same class) and distances.

use crate::engine::dominators::{DominatedNodes, DominatorTree};
use crate::engine::js::utf16_cmp;
use crate::Analysis;
use heapscope_snapshot::{HeapSnapshot, SelfSizes};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// One row of the Summary: field names match the DevTools oracle's JSON.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClassRow {
    pub class_key: String,
    pub name: String,
    pub count: u64,
    pub self_size: u64,
    pub retained_size: u64,
    pub distance: i32,
    pub max_distance: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub total_count: u64,
    pub total_self_size: u64,
    pub class_count: usize,
    pub classes: Vec<ClassRow>,
}

/// Class rows plus, for every node that appears in the Summary, its row.
pub struct Aggregates {
    pub rows: Vec<ClassRow>,
    /// Row index per node; `u32::MAX` for nodes with self size 0.
    pub node_row: Vec<u32>,
}

pub const NO_ROW: u32 = u32::MAX;

/// What the Summary is made of when it was not built while loading: the
/// class rows (without class retained sizes) with each node's row, and the
/// dominator tree's child lists.
struct SummaryParts {
    grouped: Aggregates,
    children: DominatedNodes,
}

/// The class rows with their class retained sizes, from the dominator pass's
/// own tree (see [`DominatorTree`]): `children` are the dominator tree's child
/// lists and `retained` the retained sizes, both by preorder position, where
/// the walk reads memory far more in order than by node.
pub fn rows_with_class_retained_sizes(
    grouped: Aggregates,
    tree: &DominatorTree,
    children: &DominatedNodes,
    retained: &[u64],
) -> Vec<ClassRow> {
    let Aggregates { mut rows, node_row } = grouped;
    let row_at: Vec<u32> = tree
        .preorder
        .iter()
        .map(|&v| node_row[v as usize])
        .collect();
    drop(node_row);
    let sums = class_retained_sizes(children, 0, &row_at, retained, rows.len());
    for (row, sum) in rows.iter_mut().zip(sums) {
        row.retained_size += sum;
    }
    rows
}

impl Analysis {
    /// The parts, built now on two threads (the grouping beside the
    /// dominator tree's child lists).
    fn summary_parts(&self) -> SummaryParts {
        let mut t = crate::timing::Phases::from_env();
        let (grouped, children) = std::thread::scope(|scope| {
            let children = scope.spawn(|| {
                let mut t = crate::timing::Phases::from_env();
                let children = DominatedNodes::build(&self.dom, self.snap.root);
                t.lap("  dominated nodes (side thread)");
                children
            });
            let grouped = self.aggregates_by(&self.class_name, &|id| self.snap.strings.get(id));
            t.lap("  aggregates");
            (
                grouped,
                children.join().expect("dominator tree thread panicked"),
            )
        });
        SummaryParts { grouped, children }
    }

    /// Groups nodes by class key for the given class name ids (`name_of`
    /// gives their text); no class retained sizes.
    pub fn aggregates_by<'a>(
        &self,
        class_name: &[u32],
        name_of: &dyn Fn(u32) -> &'a str,
    ) -> Aggregates {
        let sizes = &self.snap.nodes.self_size;
        group_by_class(&self.snap, sizes, class_name, &self.distances, name_of)
    }
}

/// Groups every node with a non-zero self size by class key (ordinal order:
/// the first node of a class names it), given each node's shallow size, class
/// name id (`name_of` gives its text) and distance (0 for all if `distances`
/// is empty).
pub fn group_by_class<'a>(
    snap: &HeapSnapshot,
    self_size: &SelfSizes,
    class_name: &[u32],
    distances: &[i32],
    name_of: &dyn Fn(u32) -> &'a str,
) -> Aggregates {
    let distance = |v: usize| distances.get(v).copied().unwrap_or(0);
    let n = snap.node_count();
    let object = snap.node_types.object;
    let max_id = class_name.iter().copied().max().unwrap_or(0) as usize;
    let mut by_name: Vec<u32> = vec![NO_ROW; max_id + 1];
    let mut by_location: FxHashMap<(u32, u32, u32, u32), u32> = FxHashMap::default();
    let mut rows: Vec<ClassRow> = Vec::new();
    let mut node_row = vec![NO_ROW; n];
    let mut locations = snap.locations.iter().peekable();
    for v in 0..n {
        let location = loop {
            match locations.peek() {
                Some(l) if (l.node as usize) < v => {
                    locations.next();
                }
                Some(l) if l.node as usize == v => break Some(*l),
                _ => break None,
            }
        };
        let size = self_size.get(v);
        if size == 0 {
            continue;
        }
        let class = class_name[v];
        let keyed = match location {
            Some(l) if snap.nodes.ty[v] == object => Some((l.script_id, l.line, l.column, class)),
            _ => None,
        };
        let slot = match keyed {
            Some(k) => *by_location.entry(k).or_insert(NO_ROW),
            None => by_name[class as usize],
        };
        let row = if slot == NO_ROW {
            let name = name_of(class).to_string();
            let class_key = match keyed {
                Some((s, l, c, _)) => format!("{s},{l},{c},{name}"),
                None => format!(",{name}"),
            };
            rows.push(ClassRow {
                class_key,
                name,
                count: 0,
                self_size: 0,
                retained_size: 0,
                distance: distance(v),
                max_distance: distance(v),
            });
            let r = (rows.len() - 1) as u32;
            match keyed {
                Some(k) => {
                    by_location.insert(k, r);
                }
                None => by_name[class as usize] = r,
            }
            r
        } else {
            slot
        };
        node_row[v] = row;
        let r = &mut rows[row as usize];
        r.count += 1;
        r.self_size += size;
        let d = distance(v);
        r.distance = r.distance.min(d);
        r.max_distance = r.max_distance.max(d);
    }
    Aggregates { rows, node_row }
}

impl Analysis {
    /// Adds each class's retained size (see [`class_retained_sizes`]).
    fn add_class_retained_sizes(
        &self,
        tree: &DominatedNodes,
        rows: &mut [ClassRow],
        node_row: &[u32],
    ) {
        let sums = class_retained_sizes(tree, self.snap.root, node_row, &self.retained, rows.len());
        for (row, sum) in rows.iter_mut().zip(sums) {
            row.retained_size += sum;
        }
    }

    /// The Summary sorted as the oracle prints it: retained size, then self
    /// size (both descending), then class key; built once.
    pub fn summary(&self) -> Summary {
        self.summary.get_or_init(|| self.build_summary()).clone()
    }

    fn build_summary(&self) -> Summary {
        let mut classes = match &self.summary_rows {
            Some(rows) => rows.clone(),
            None => {
                let parts = self.summary_parts();
                let mut t = crate::timing::Phases::from_env();
                let mut rows = parts.grouped.rows;
                self.add_class_retained_sizes(&parts.children, &mut rows, &parts.grouped.node_row);
                t.lap("  class retained sizes");
                rows
            }
        };
        sort_rows(&mut classes);
        Summary {
            total_count: classes.iter().map(|c| c.count).sum(),
            total_self_size: classes.iter().map(|c| c.self_size).sum(),
            class_count: classes.len(),
            classes,
        }
    }
}

pub fn sort_rows(rows: &mut [ClassRow]) {
    rows.sort_by(|x, y| {
        y.retained_size
            .cmp(&x.retained_size)
            .then(y.self_size.cmp(&x.self_size))
            .then_with(|| utf16_cmp(&x.class_key, &y.class_key))
    });
}

/// DevTools' `maxRet` per row: the retained sizes of a row's nodes that no
/// dominator above them shares the row with (`node_row[v]` is `v`'s row, or
/// NO_ROW), from a DFS over the dominator tree. The tree is cut into subtrees
/// that two threads walk: the root's children, the largest one opened up (and
/// its largest, ...) while it holds more than half of the heap; a subtree
/// starts with the rows its opened-up dominators opened.
pub fn class_retained_sizes(
    tree: &DominatedNodes,
    root: u32,
    node_row: &[u32],
    retained: &[u64],
    row_count: usize,
) -> Vec<u64> {
    let walk = ClassWalk {
        tree,
        node_row,
        retained,
    };
    let mut open = vec![false; row_count];
    let mut sums = vec![0u64; row_count];
    // The opened-up chain (the root first), the row each opened, and the
    // subtrees left, each with how much of the chain is above it.
    let mut chain_rows: Vec<u32> = Vec::new();
    let mut subtrees: Vec<(u32, usize)> = Vec::new();
    let mut top = root;
    let half = retained[top as usize] / 2;
    loop {
        chain_rows.push(walk.enter(top, &mut open, &mut sums));
        let kids = tree.children(top);
        let largest = kids.iter().copied().max_by_key(|&c| retained[c as usize]);
        let depth = chain_rows.len();
        match largest {
            Some(big) if retained[big as usize] > half && depth < 64 => {
                subtrees.extend(kids.iter().filter(|&&c| c != big).map(|&c| (c, depth)));
                top = big;
            }
            _ => {
                subtrees.extend(kids.iter().map(|&c| (c, depth)));
                break;
            }
        }
    }
    // Two shares of about equal size, largest subtrees first.
    subtrees.sort_unstable_by_key(|&(v, _)| std::cmp::Reverse(retained[v as usize]));
    let mut shares: [(u64, Vec<(u32, usize)>); 2] = Default::default();
    for t in subtrees {
        let lighter = if shares[0].0 <= shares[1].0 { 0 } else { 1 };
        shares[lighter].0 += retained[t.0 as usize];
        shares[lighter].1.push(t);
    }
    let [(_, first), (_, second)] = shares;
    let (walk, chain_rows) = (&walk, &chain_rows);
    let (a, b) = std::thread::scope(|scope| {
        let other = scope.spawn(move || walk.subtrees(&second, chain_rows, row_count));
        let mine = walk.subtrees(&first, chain_rows, row_count);
        (mine, other.join().expect("class walk thread panicked"))
    });
    for r in 0..row_count {
        sums[r] += a[r] + b[r];
    }
    sums
}

/// The dominator-tree walk behind the class retained sizes.
struct ClassWalk<'a> {
    tree: &'a DominatedNodes,
    node_row: &'a [u32],
    retained: &'a [u64],
}

impl ClassWalk<'_> {
    /// Counts `v` for its row unless the row is open; returns the row it
    /// opened, or NO_ROW.
    fn enter(&self, v: u32, open: &mut [bool], sums: &mut [u64]) -> u32 {
        let row = self.node_row[v as usize];
        if row != NO_ROW && !open[row as usize] {
            sums[row as usize] += self.retained[v as usize];
            open[row as usize] = true;
            return row;
        }
        NO_ROW
    }

    /// Walks the given subtrees, each with the rows opened by the first
    /// `depth` nodes of the chain above it open; returns the sums per row.
    fn subtrees(
        &self,
        subtrees: &[(u32, usize)],
        chain_rows: &[u32],
        row_count: usize,
    ) -> Vec<u64> {
        let mut open = vec![false; row_count];
        let mut sums = vec![0u64; row_count];
        // (node, next child index, row this node opened or NO_ROW)
        let mut stack: Vec<(u32, u32, u32)> = Vec::new();
        for &(start, depth) in subtrees {
            let above = &chain_rows[..depth];
            for &r in above.iter().filter(|&&r| r != NO_ROW) {
                open[r as usize] = true;
            }
            let opened = self.enter(start, &mut open, &mut sums);
            stack.push((start, 0, opened));
            while let Some(top) = stack.last_mut() {
                let (v, k, opened) = *top;
                let kids = self.tree.children(v);
                if (k as usize) < kids.len() {
                    top.1 += 1;
                    let c = kids[k as usize];
                    let o = self.enter(c, &mut open, &mut sums);
                    stack.push((c, 0, o));
                } else {
                    if opened != NO_ROW {
                        open[opened as usize] = false;
                    }
                    stack.pop();
                }
            }
            for &r in above.iter().filter(|&&r| r != NO_ROW) {
                open[r as usize] = false;
            }
        }
        sums
    }
}
