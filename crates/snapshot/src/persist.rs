//! A [`HeapSnapshot`] taken apart into named columns and a few scalars, and
//! put back together: what the analysis cache stores. The file format (where
//! each column goes, checksums) belongs to the cache; this module only says
//! what a snapshot is made of.

use crate::column::{Column, Plain};
use crate::graph::{Edges, HeapSnapshot, Nodes, SelfSizes};
use crate::locations::Locations;
use crate::meta::{EdgeTypeIds, NodeTypeIds};
use crate::strings::StringTable;
use serde::{Deserialize, Serialize};

/// Where columns are written to.
pub trait ColumnSink {
    fn put<T: Plain>(&mut self, name: &str, values: &[T]);
}

/// Where columns are read back from: a column of that name, or an error
/// naming what is missing or malformed.
pub trait ColumnSource {
    fn take<T: Plain>(&mut self, name: &str) -> Result<Column<T>, String>;
}

/// The snapshot's values that are not columns.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotScalars {
    node_type_names: Vec<String>,
    edge_type_names: Vec<String>,
    node_field_count: u32,
    trace_function_count: u64,
    extra_native_bytes: f64,
    root: u32,
    text_bytes: u64,
    /// Self sizes of 4 GiB or more: (node ordinal, size).
    large_sizes: Vec<(u32, u64)>,
    has_detachedness: bool,
    has_trace_node_id: bool,
}

impl HeapSnapshot {
    /// Writes every column to `sink`; returns the rest.
    pub fn put_columns(&self, sink: &mut impl ColumnSink) -> SnapshotScalars {
        let n = &self.nodes;
        sink.put("nodes.ty", &n.ty);
        sink.put("nodes.name", &n.name);
        sink.put("nodes.id", &n.id);
        sink.put("nodes.self_size", n.self_size.small());
        sink.put("nodes.first_edge", &n.first_edge);
        if let Some(d) = &n.detachedness {
            sink.put("nodes.detachedness", d);
        }
        if let Some(t) = &n.trace_node_id {
            sink.put("nodes.trace_node_id", t);
        }
        sink.put("edges.ty", &self.edges.ty);
        sink.put("edges.name_or_index", &self.edges.name_or_index);
        sink.put("edges.to", &self.edges.to);
        let (data, offsets, high) = self.strings.parts();
        sink.put("strings.data", data);
        sink.put("strings.offsets", offsets);
        sink.put("strings.high", high);
        let (nodes, site_of, sites) = self.locations.parts();
        sink.put("locations.nodes", nodes);
        sink.put("locations.site_of", site_of);
        let flat: Vec<u32> = sites.iter().flat_map(|&(s, l, c)| [s, l, c]).collect();
        sink.put("locations.sites", &flat);
        SnapshotScalars {
            node_type_names: self.node_type_names.clone(),
            edge_type_names: self.edge_type_names.clone(),
            node_field_count: self.node_field_count,
            trace_function_count: self.trace_function_count,
            extra_native_bytes: self.extra_native_bytes,
            root: self.root,
            text_bytes: self.text_bytes,
            large_sizes: n.self_size.large_entries(),
            has_detachedness: n.detachedness.is_some(),
            has_trace_node_id: n.trace_node_id.is_some(),
        }
    }

    /// Puts a snapshot back together from what [`HeapSnapshot::put_columns`]
    /// wrote, checking that the columns agree in length.
    pub fn from_columns(
        scalars: SnapshotScalars,
        source: &mut impl ColumnSource,
    ) -> Result<Self, String> {
        let s = scalars;
        let mut self_size = SelfSizes::from_small_column(source.take("nodes.self_size")?);
        for &(v, size) in &s.large_sizes {
            if v as usize >= self_size.len() {
                return Err(format!("large self size for node {v} out of range"));
            }
            self_size.set(v as usize, size);
        }
        let nodes = Nodes {
            ty: source.take("nodes.ty")?,
            name: source.take("nodes.name")?,
            id: source.take("nodes.id")?,
            self_size,
            first_edge: source.take("nodes.first_edge")?,
            detachedness: optional(source, s.has_detachedness, "nodes.detachedness")?,
            trace_node_id: optional(source, s.has_trace_node_id, "nodes.trace_node_id")?,
        };
        let edges = Edges {
            ty: source.take("edges.ty")?,
            name_or_index: source.take("edges.name_or_index")?,
            to: source.take("edges.to")?,
        };
        let strings = StringTable::from_parts(
            source.take("strings.data")?,
            source.take("strings.offsets")?,
            source.take("strings.high")?,
        )?;
        let flat: Column<u32> = source.take("locations.sites")?;
        let sites = flat.chunks_exact(3).map(|c| (c[0], c[1], c[2])).collect();
        let locations = Locations::from_parts(
            source.take("locations.nodes")?,
            source.take("locations.site_of")?,
            sites,
        )?;
        let snap = HeapSnapshot {
            node_types: NodeTypeIds::resolve(&s.node_type_names),
            edge_types: EdgeTypeIds::resolve(&s.edge_type_names),
            node_type_names: s.node_type_names,
            edge_type_names: s.edge_type_names,
            node_field_count: s.node_field_count,
            trace_function_count: s.trace_function_count,
            extra_native_bytes: s.extra_native_bytes,
            root: s.root,
            nodes,
            edges,
            strings,
            locations,
            text_bytes: s.text_bytes,
        };
        check_lengths(&snap)?;
        Ok(snap)
    }
}

fn optional<T: Plain>(
    source: &mut impl ColumnSource,
    present: bool,
    name: &str,
) -> Result<Option<Column<T>>, String> {
    present.then(|| source.take(name)).transpose()
}

/// Every node column has one value per node, every edge column one per edge,
/// and the root is a node.
fn check_lengths(snap: &HeapSnapshot) -> Result<(), String> {
    let n = snap.nodes.ty.len();
    let e = snap.edges.to.len();
    let node_columns = [
        ("nodes.name", snap.nodes.name.len()),
        ("nodes.id", snap.nodes.id.len()),
        ("nodes.self_size", snap.nodes.self_size.len()),
        (
            "nodes.first_edge",
            snap.nodes.first_edge.len().wrapping_sub(1),
        ),
    ];
    for (name, len) in node_columns {
        if len != n {
            return Err(format!("{name} has {len} values for {n} nodes"));
        }
    }
    for (name, len) in [
        ("edges.ty", snap.edges.ty.len()),
        ("edges.name_or_index", snap.edges.name_or_index.len()),
    ] {
        if len != e {
            return Err(format!("{name} has {len} values for {e} edges"));
        }
    }
    if snap.edge_count() != e {
        return Err(format!(
            "nodes.first_edge ends at {} of {e} edges",
            snap.edge_count()
        ));
    }
    if n > 0 && snap.root as usize >= n {
        return Err(format!("root {} is not one of {n} nodes", snap.root));
    }
    Ok(())
}
