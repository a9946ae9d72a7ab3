//! [`Analysis`]: a snapshot with everything DevTools derives from it at load
//! time, and the load pipeline that derives it (detachedness, essential edges,
//! shallow-size re-attribution, retainers, distances, class names and
//! interfaces, dominators, retained sizes), run in two stages on two threads.

use crate::engine::bitset::BitSet;
use crate::engine::classes::{self, InterfaceDefinition};
use crate::engine::dominators::{self, DomGraph, Targets};
use crate::engine::retainers::Retainers;
use crate::engine::{detached, distances, essential, shallow, weakmap};
use crate::timing;
use crate::views::summary;
use heapscope_snapshot::{Column, HeapSnapshot, SelfSizes};

/// A snapshot with everything DevTools derives from it at load time.
pub struct Analysis {
    pub snap: HeapSnapshot,
    /// DOM state per node after propagation (0 unknown, 1 attached, 2 detached);
    /// empty when every node is unknown (Node.js heaps): see [`Analysis::detachedness`].
    pub(crate) detachedness: Column<u8>,
    /// The reverse index, built on first use (`retainers()`).
    pub(crate) retainers: std::sync::OnceLock<Retainers>,
    /// Distance from the roots per node (−5 unreachable, ≥ 100 000 000 system-only).
    pub distances: Column<i32>,
    /// Immediate dominator per node (ordinal; the root dominates itself).
    pub dom: Column<u32>,
    pub retained: Column<u64>,
    /// Class name per node, as a string id.
    pub class_name: Column<u32>,
    pub interfaces: Vec<InterfaceDefinition>,
    /// The class rows with class retained sizes (unsorted), built while
    /// loading for [`Keep::ClassTable`] (else the Summary builds them).
    pub(crate) summary_rows: Option<Vec<summary::ClassRow>>,
    /// The Summary, once built (or as an analysis cache stored it).
    pub(crate) summary: std::sync::OnceLock<summary::Summary>,
}

/// What the caller reads after loading, so that the pipeline can free what
/// nothing will read again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The whole graph (for views that follow edges or show objects).
    Graph,
    /// The whole graph and the reverse index, built while loading.
    GraphAndRetainers,
    /// The whole graph without the distances, which stay empty (read as 0):
    /// for the earlier snapshots of a leak search, which reads none.
    GraphWithoutDistances,
    /// Only what class tables read: node types, shallow sizes, class names,
    /// distances, dominators, retained sizes, locations and the class names'
    /// text. Edge types and names, node names and ids, and the text of every
    /// other string are freed once class names and the distance plan are
    /// known, before the dominator pass and its memory peak.
    ClassTable,
}

impl Analysis {
    pub fn new(snap: HeapSnapshot) -> Self {
        Self::build(snap, Keep::Graph)
    }

    /// Like [`Analysis::new`], and also builds the reverse index (for views that
    /// walk retainers: paths, inspect, packages) on the second thread, where it
    /// costs no extra time.
    pub fn with_reverse_index(snap: HeapSnapshot) -> Self {
        Self::build(snap, Keep::GraphAndRetainers)
    }

    /// Like [`Analysis::new`] without the distances: see
    /// [`Keep::GraphWithoutDistances`].
    pub fn without_distances(snap: HeapSnapshot) -> Self {
        Self::build(snap, Keep::GraphWithoutDistances)
    }

    /// Everything a class table (the Summary) needs, in less memory: see
    /// [`Keep::ClassTable`]. Views that read node names, ids or edges other
    /// than their targets must use [`Analysis::new`].
    pub fn for_class_table(snap: HeapSnapshot) -> Self {
        Self::build(snap, Keep::ClassTable)
    }

    /// Runs the pipeline in two stages, each on two threads. Stage 1 derives
    /// what reads edge names: essential edges and shallow sizes, interfaces
    /// (and the reverse index if kept); for class tables also the class names
    /// and the distance walk's plan, after which those columns are freed.
    /// Stage 2 computes the dominators and retained sizes; for class tables
    /// the distances are walked on the other thread meanwhile; otherwise the
    /// class names follow on this thread and the distances on the other once
    /// the dominator pass is past its memory peak.
    fn build(mut snap: HeapSnapshot, keep: Keep) -> Self {
        let mut t = timing::Phases::from_env();
        let lean = keep == Keep::ClassTable;
        let detachedness = compact_states(detached::propagate(&mut snap));
        t.lap("detachedness");
        let mut self_size = std::mem::take(&mut snap.nodes.self_size);
        let mut added = classes::NewStrings::new(&snap);
        let ephemerons = std::sync::OnceLock::new();
        let StageOne {
            essential,
            interfaces,
            reverse,
            mut class_name,
            plan,
        } = stage_one(&snap, &ephemerons, keep, &mut self_size, &mut added, &mut t);
        let ephemerons = ephemerons.into_inner().unwrap_or_default();
        if lean {
            snap.release_names();
            keep_class_name_text(&mut snap, &class_name);
            t.lap("class name text kept");
        }
        // For class tables the edge targets go once the dominators are known.
        // (Shared with the other thread, which walks the distances over them.)
        let targets = std::sync::Arc::new(match lean {
            true => std::mem::take(&mut snap.edges.to),
            false => Default::default(),
        });
        // The class names' text for the other thread (they are all known).
        let names_so_far = lean.then(|| added.clone());
        let (peak_over, wait_for_peak) = std::sync::mpsc::channel::<()>();
        let (tree, retained, summary_rows, side_distances, late_class_names) =
            std::thread::scope(|scope| {
                let (snap, ephemerons, names_so_far) = (&snap, &ephemerons, &names_so_far);
                let (class_name_now, sizes) = (&class_name, &self_size);
                let (plan, side_targets) = (&plan, targets.clone());
                let side = scope.spawn(move || {
                    let peak = SidePeak {
                        plan,
                        targets: side_targets,
                        wait_for_peak,
                    };
                    stage_two_side(
                        snap,
                        ephemerons,
                        keep,
                        peak,
                        names_so_far,
                        class_name_now,
                        sizes,
                    )
                });
                let tree = dominator_pass(snap, &essential, targets, lean, &peak_over);
                drop(essential);
                t.lap("dominators");
                let (retained, children) = retained_in_preorder(&tree, sizes, lean, &mut t);
                let late_class_names = (!lean).then(|| {
                    let names = classes::named_classes(snap, &interfaces, &mut added);
                    t.lap("class names");
                    names
                });
                let (grouped, side_distances) = side.join().expect("analysis thread panicked");
                t.lap("(waited for side thread)");
                let (summary_rows, retained) =
                    class_rows_and_retained_by_node(&tree, &retained, grouped.zip(children));
                t.lap("class retained sizes, retained sizes by node");
                (
                    tree,
                    retained,
                    summary_rows,
                    side_distances,
                    late_class_names,
                )
            });
        if let Some(names) = late_class_names {
            class_name = names;
        }
        let distances = side_distances;
        let retainers = std::sync::OnceLock::new();
        if let Some(r) = reverse {
            let _ = retainers.set(r);
        }
        snap.nodes.self_size = self_size;
        added.append_to(&mut snap);
        Analysis {
            snap,
            detachedness: detachedness.into(),
            retainers,
            distances: distances.into(),
            dom: tree.dom.into(),
            retained: retained.into(),
            class_name: class_name.into(),
            interfaces,
            summary_rows,
            summary: Default::default(),
        }
    }

    /// Only what class-level views need (detachedness, DevTools' shallow sizes,
    /// class names and interfaces), for comparing snapshots: no retainers,
    /// distances, dominators or retained sizes, which stay empty. Views that
    /// need those must use [`Analysis::new`].
    pub fn for_classes(mut snap: HeapSnapshot) -> Self {
        let mut t = timing::Phases::from_env();
        let detachedness = compact_states(detached::propagate(&mut snap));
        let mut self_size = std::mem::take(&mut snap.nodes.self_size);
        shallow::reattribute(&snap, &mut self_size);
        snap.nodes.self_size = self_size;
        let mut added = classes::NewStrings::new(&snap);
        let interfaces = classes::infer_interfaces(&snap);
        let class_name = classes::named_classes(&snap, &interfaces, &mut added);
        added.append_to(&mut snap);
        t.lap("class names (classes only)");
        Analysis {
            snap,
            detachedness: detachedness.into(),
            retainers: std::sync::OnceLock::new(),
            distances: Column::new(),
            dom: Column::new(),
            retained: Column::new(),
            class_name: class_name.into(),
            interfaces,
            summary_rows: None,
            summary: Default::default(),
        }
    }

    /// DOM state of node `v` (0 unknown, 1 attached, 2 detached).
    #[inline]
    pub fn detachedness(&self, v: u32) -> u8 {
        self.detachedness.get(v as usize).copied().unwrap_or(0)
    }

    /// The reverse edges (who points to each node), built on first use.
    pub fn retainers(&self) -> &Retainers {
        self.retainers.get_or_init(|| Retainers::build(&self.snap))
    }

    /// Frees the reverse edges (they are rebuilt if needed again).
    pub fn release_retainers(&mut self) {
        self.retainers = std::sync::OnceLock::new();
    }

    /// The largest odd id: V8 heap objects get odd ids in allocation order, so
    /// this tells which of two snapshots of a process is the later one.
    pub fn max_js_object_id(&self) -> u32 {
        self.snap
            .nodes
            .id
            .iter()
            .copied()
            .filter(|id| id % 2 == 1)
            .max()
            .unwrap_or(0)
    }

    /// Distance of node `v`, or 0 when distances were not computed.
    #[inline]
    pub fn distance(&self, v: usize) -> i32 {
        self.distances.get(v).copied().unwrap_or(0)
    }

    /// DevTools' total size: the root's retained size plus `extra_native_bytes`.
    pub fn total_size(&self) -> f64 {
        let root = match self.retained.get(self.snap.root as usize) {
            Some(&r) => r,
            // Without dominators: the sum of all sizes, which is the same number.
            None => self.snap.nodes.self_size.total(),
        };
        root as f64 + self.snap.extra_native_bytes
    }
}

/// Stage 2's dominator pass, on this thread. For class tables the pass owns
/// the edge targets and lets go of them after its last edge, before its
/// memory peak: from then on the other thread may group the class rows (the
/// targets are freed once it is done with the distances too). Otherwise the
/// other thread waits for the end of the peak.
fn dominator_pass(
    snap: &HeapSnapshot,
    essential: &BitSet,
    targets: std::sync::Arc<Column<u32>>,
    lean: bool,
    peak_over: &std::sync::mpsc::Sender<()>,
) -> dominators::DominatorTree {
    let to = match lean {
        true => Targets::Shared(targets),
        false => Targets::Borrowed(&snap.edges.to),
    };
    let graph = DomGraph {
        to,
        ..DomGraph::of(snap, essential)
    };
    let signal = |now: bool| {
        if now {
            let _ = peak_over.send(());
        }
    };
    dominators::dominator_tree_then(graph, || signal(lean), || signal(!lean))
}

/// What the other thread of stage 2 starts from: the distance walk's plan
/// (class tables) with the edge targets it walks, and the signal that the
/// dominator pass has let go of the edge targets (class tables) or is past
/// its memory peak (otherwise).
struct SidePeak<'a> {
    plan: &'a Option<distances::Plan>,
    targets: std::sync::Arc<Column<u32>>,
    wait_for_peak: std::sync::mpsc::Receiver<()>,
}

/// The other thread of stage 2, beside the dominator pass. For class tables:
/// the distances walked at once (over offsets and targets, by the plan),
/// then, once the dominator pass has let go of the edge targets (freed with
/// this thread's share: the room for what follows), the nodes grouped by
/// class. Otherwise,
/// past the peak, the distances (unless not kept). Returns the class groups
/// (class tables) and the distances.
fn stage_two_side(
    snap: &HeapSnapshot,
    ephemerons: &weakmap::EphemeronNames,
    keep: Keep,
    peak: SidePeak,
    names_so_far: &Option<classes::NewStrings>,
    class_name: &[u32],
    sizes: &SelfSizes,
) -> (Option<summary::Aggregates>, Vec<i32>) {
    let mut t = timing::Phases::from_env();
    let distances = peak.plan.as_ref().map(|plan| {
        let graph = distances::Edges {
            first_edge: &snap.nodes.first_edge,
            to: &peak.targets,
            root: snap.root,
        };
        let distances = distances::walk(plan, &graph);
        t.lap("  distances (side thread)");
        distances
    });
    drop(peak.targets);
    // An error only means the main thread is gone; go on regardless.
    let _ = peak.wait_for_peak.recv();
    t.lap("  (side thread waited for the dominator pass)");
    if let Some(names) = names_so_far {
        let distances = distances.unwrap_or_default();
        let name_of = |id| names.text(snap, id);
        let grouped = summary::group_by_class(snap, sizes, class_name, &distances, &name_of);
        t.lap("  class rows (side thread)");
        return (Some(grouped), distances);
    }
    if keep == Keep::GraphWithoutDistances {
        return (None, Vec::new());
    }
    let distances = distances::compute(snap, ephemerons);
    t.lap("  distances (side thread)");
    (None, distances)
}

/// Stage 2 after the dominators: the retained sizes by preorder position
/// (see [`dominators::DominatorTree`]) and, for class tables, the dominator
/// tree's child lists in that numbering, built on another thread meanwhile.
fn retained_in_preorder(
    tree: &dominators::DominatorTree,
    sizes: &SelfSizes,
    lean: bool,
    t: &mut timing::Phases,
) -> (Vec<u64>, Option<dominators::DominatedNodes>) {
    std::thread::scope(|inner| {
        let children = lean.then(|| {
            inner.spawn(|| {
                let mut t = timing::Phases::from_env();
                let children = dominators::DominatedNodes::build(&tree.idom_in_preorder, 0);
                t.lap("  dominated nodes (third thread)");
                children
            })
        });
        let retained = dominators::retained_in_preorder(sizes, tree);
        t.lap("retained sizes");
        let children = children.map(|c| c.join().expect("analysis thread panicked"));
        (retained, children)
    })
}

/// The class rows with their class retained sizes (for class tables: the
/// rows grouped by the other thread, with the child lists in preorder
/// numbering), and beside that walk the retained sizes back in node order.
fn class_rows_and_retained_by_node(
    tree: &dominators::DominatorTree,
    retained: &[u64],
    parts: Option<(summary::Aggregates, dominators::DominatedNodes)>,
) -> (Option<Vec<summary::ClassRow>>, Vec<u64>) {
    std::thread::scope(|inner| {
        let by_node = inner.spawn(|| dominators::to_node_order(retained, tree));
        let rows = parts.map(|(grouped, children)| {
            summary::rows_with_class_retained_sizes(grouped, tree, &children, retained)
        });
        (rows, by_node.join().expect("analysis thread panicked"))
    })
}

/// What stage 1 of [`Analysis::build`] derives; for class tables also the
/// class names (else empty, computed in stage 2) and the distance walk's plan.
struct StageOne {
    essential: BitSet,
    interfaces: Vec<InterfaceDefinition>,
    reverse: Option<Retainers>,
    class_name: Vec<u32>,
    plan: Option<distances::Plan>,
}

/// Stage 1 on two threads: essential edges here (and for class tables the
/// distance walk's plan); the WeakMap pair names, then shallow sizes on the
/// other, then the reverse index if kept and the interfaces (and for class
/// tables the class names). The pair names (100 ms on a heap rich in
/// WeakMaps) are parsed while this thread walks what the page owns, which
/// needs none of them. Split so that both threads take about as long on
/// every graph shape measured (bench/shapes.sh).
fn stage_one(
    snap: &HeapSnapshot,
    ephemerons: &std::sync::OnceLock<weakmap::EphemeronNames>,
    keep: Keep,
    self_size: &mut SelfSizes,
    added: &mut classes::NewStrings,
    t: &mut timing::Phases,
) -> StageOne {
    let lean = keep == Keep::ClassTable;
    std::thread::scope(|scope| {
        let pair_names = || weakmap::EphemeronNames::build(snap);
        let side = scope.spawn(move || {
            let mut t = timing::Phases::from_env();
            ephemerons.get_or_init(pair_names);
            t.lap("  WeakMap pair names (side thread)");
            shallow::reattribute(snap, self_size);
            t.lap("  shallow sizes (side thread)");
            let retainers = (keep == Keep::GraphAndRetainers).then(|| Retainers::build(snap));
            t.lap("  reverse index (side thread)");
            let interfaces = classes::infer_interfaces(snap);
            t.lap("  infer interfaces (side thread)");
            let mut class_name = Vec::new();
            if lean {
                class_name = classes::named_classes(snap, &interfaces, added);
                t.lap("  class names (side thread)");
            }
            (interfaces, retainers, class_name)
        });
        let pages = essential::page_owned(snap);
        t.lap("page-owned walk");
        // Built by the other thread (or here, if this one comes first).
        let ephemerons = ephemerons.get_or_init(pair_names);
        t.lap("(waited for WeakMap pair names)");
        let essential = essential::essential_edges(snap, &pages, ephemerons);
        drop(pages);
        t.lap("essential edges");
        let plan = lean.then(|| {
            let plan = distances::Plan::build(snap, ephemerons);
            t.lap("distance plan");
            plan
        });
        let (interfaces, reverse, class_name) = side.join().expect("analysis thread panicked");
        t.lap("(waited for side thread)");
        StageOne {
            essential,
            interfaces,
            reverse,
            class_name,
            plan,
        }
    })
}

/// For class tables: empties every string that is no class name (node names,
/// property names, string values), so their text is not held through the
/// dominator pass's memory peak. Ids stay valid.
fn keep_class_name_text(snap: &mut HeapSnapshot, class_name: &[u32]) {
    let mut used = BitSet::new(snap.strings.len());
    for &id in class_name {
        // Ids past the table are names the analysis added (kept apart).
        if (id as usize) < snap.strings.len() {
            used.set(id as usize);
        }
    }
    snap.strings = snap.strings.keep_only(|id| used.get(id as usize));
}

/// No per-node states when all are unknown (no DOM, as in every Node.js heap).
fn compact_states(states: Vec<u8>) -> Vec<u8> {
    match states.iter().all(|&s| s == 0) {
        true => Vec::new(),
        false => states,
    }
}
