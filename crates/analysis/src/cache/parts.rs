//! An [`Analysis`] taken apart into columns and scalars for the cache file,
//! and put back together from a mapped one: the snapshot's columns, the
//! derived ones (detachedness, distances, dominators, retained sizes, class
//! names, the reverse index) and the Summary, ready to print.

use crate::engine::classes::InterfaceDefinition;
use crate::engine::retainers::Retainers;
use crate::views::summary::Summary;
use crate::Analysis;
use heapscope_snapshot::persist::{ColumnSink, ColumnSource, SnapshotScalars};
use heapscope_snapshot::HeapSnapshot;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Scalars {
    snapshot: SnapshotScalars,
    interfaces: Vec<InterfaceDefinition>,
    summary: Summary,
}

/// Whether `analysis` holds everything a cache entry stores: the whole graph
/// (not a class-table or classes-only analysis) with its dominators.
pub fn is_complete(analysis: &Analysis) -> bool {
    let snap = &analysis.snap;
    let n = snap.node_count();
    n > 0
        && analysis.dom.len() == n
        && analysis.distances.len() == n
        && snap.nodes.id.len() == n
        && snap.edges.name_or_index.len() == snap.edge_count()
}

/// Writes `analysis` to `sink` (building its reverse index if it has none).
pub fn put(analysis: &Analysis, sink: &mut impl ColumnSink) -> Scalars {
    let snapshot = analysis.snap.put_columns(sink);
    sink.put("analysis.detachedness", &analysis.detachedness);
    sink.put("analysis.distances", &analysis.distances);
    sink.put("analysis.dom", &analysis.dom);
    sink.put("analysis.retained", &analysis.retained);
    sink.put("analysis.class_name", &analysis.class_name);
    let retainers = analysis.retainers();
    sink.put("retainers.first", &retainers.first);
    sink.put("retainers.slots", &retainers.slots);
    Scalars {
        snapshot,
        interfaces: analysis.interfaces.clone(),
        summary: analysis.summary(),
    }
}

/// The analysis that [`put`] wrote, its columns read from `source`.
pub fn take(scalars: Scalars, source: &mut impl ColumnSource) -> Result<Analysis, String> {
    let snap = HeapSnapshot::from_columns(scalars.snapshot, source)?;
    let retainers = std::sync::OnceLock::new();
    let _ = retainers.set(Retainers {
        first: source.take("retainers.first")?,
        slots: source.take("retainers.slots")?,
    });
    let analysis = Analysis {
        detachedness: source.take("analysis.detachedness")?,
        distances: source.take("analysis.distances")?,
        dom: source.take("analysis.dom")?,
        retained: source.take("analysis.retained")?,
        class_name: source.take("analysis.class_name")?,
        interfaces: scalars.interfaces,
        retainers,
        summary_rows: None,
        summary: scalars.summary.into(),
        snap,
    };
    check(&analysis)?;
    Ok(analysis)
}

/// The derived columns have one value per node, the reverse index one slot
/// per edge.
fn check(a: &Analysis) -> Result<(), String> {
    let n = a.snap.node_count();
    let per_node = [
        ("distances", a.distances.len()),
        ("dom", a.dom.len()),
        ("retained", a.retained.len()),
        ("class_name", a.class_name.len()),
    ];
    for (name, len) in per_node {
        if len != n {
            return Err(format!("{name} has {len} values for {n} nodes"));
        }
    }
    if !a.detachedness.is_empty() && a.detachedness.len() != n {
        return Err("detachedness does not match the nodes".into());
    }
    let r = a.retainers();
    if r.first.len() != n + 1 || r.slots.len() != a.snap.edge_count() {
        return Err("the reverse index does not match the graph".into());
    }
    Ok(())
}
