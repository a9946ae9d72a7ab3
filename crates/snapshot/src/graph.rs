//! `HeapSnapshot`: the graph as compact columns (one `Vec` per field), edges in
//! V8's CSR order with targets as node ordinals, the string table once, and the
//! allocation locations.

use crate::locations::Locations;
use crate::meta::{EdgeTypeIds, NodeTypeIds};
use crate::strings::StringTable;

/// Per-node columns, indexed by node ordinal.
#[derive(Debug, Default, Clone)]
pub struct Nodes {
    pub ty: Vec<u8>,
    pub name: Vec<u32>,
    pub id: Vec<u32>,
    pub self_size: Vec<u32>,
    /// Ordinal of the node's first edge; `node_count + 1` entries.
    pub first_edge: Vec<u32>,
    /// Present only when `meta.node_fields` has `detachedness`.
    pub detachedness: Option<Vec<u8>>,
    /// Present only when allocation tracking was on (`trace_function_count` > 0).
    pub trace_node_id: Option<Vec<u32>>,
}

/// Per-edge columns, indexed by edge ordinal.
#[derive(Debug, Default, Clone)]
pub struct Edges {
    pub ty: Vec<u8>,
    /// A string id, or an integer index for `element`/`hidden` edges.
    pub name_or_index: Vec<u32>,
    /// Target node ordinal (V8 writes a node index; it is divided on load).
    pub to: Vec<u32>,
}

/// An allocation site from the `locations` section (0-based line/column).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub node: u32,
    pub script_id: u32,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone)]
pub struct HeapSnapshot {
    pub node_type_names: Vec<String>,
    pub edge_type_names: Vec<String>,
    pub node_types: NodeTypeIds,
    pub edge_types: EdgeTypeIds,
    /// Number of fields per node record in the file (for node indexes).
    pub node_field_count: u32,
    pub trace_function_count: u64,
    pub extra_native_bytes: f64,
    /// Ordinal of the root node (0 unless the header says otherwise).
    pub root: u32,
    pub nodes: Nodes,
    pub edges: Edges,
    pub strings: StringTable,
    /// Sorted by node ordinal.
    pub locations: Locations,
    /// Size of the decompressed text that was parsed.
    pub text_bytes: u64,
}

impl HeapSnapshot {
    /// Frees the edge columns, for views that are done with the graph's
    /// structure (edge counts and ranges stay readable, edges themselves do not).
    pub fn release_edges(&mut self) {
        self.edges = Edges::default();
    }

    /// Frees node names and ids and edge types and names, for views that
    /// only read what was derived from them (class names, distances): node
    /// types, sizes, edge ranges and targets, locations and strings stay.
    pub fn release_names(&mut self) {
        self.nodes.name = Vec::new();
        self.nodes.id = Vec::new();
        self.edges.ty = Vec::new();
        self.edges.name_or_index = Vec::new();
    }

    #[inline]
    pub fn node_count(&self) -> usize {
        self.nodes.ty.len()
    }

    #[inline]
    pub fn edge_count(&self) -> usize {
        self.nodes.first_edge.last().map_or(0, |&e| e as usize)
    }

    #[inline]
    pub fn edge_range(&self, node: u32) -> std::ops::Range<usize> {
        let n = node as usize;
        self.nodes.first_edge[n] as usize..self.nodes.first_edge[n + 1] as usize
    }

    #[inline]
    pub fn node_name(&self, node: u32) -> &str {
        self.strings.get(self.nodes.name[node as usize])
    }

    /// Name of node type `ty` as written in the meta.
    pub fn node_type_name(&self, ty: u8) -> &str {
        self.node_type_names
            .get(ty as usize)
            .map(String::as_str)
            .unwrap_or("unknown")
    }

    pub fn edge_type_name(&self, ty: u8) -> &str {
        self.edge_type_names
            .get(ty as usize)
            .map(String::as_str)
            .unwrap_or("unknown")
    }

    /// The edge's name as text: the string for named edges, the decimal index
    /// for `element`/`hidden` edges.
    pub fn edge_name(&self, edge: usize) -> std::borrow::Cow<'_, str> {
        let ty = self.edges.ty[edge];
        let v = self.edges.name_or_index[edge];
        if self.edge_types.has_string_name(ty) {
            std::borrow::Cow::Borrowed(self.strings.get(v))
        } else {
            std::borrow::Cow::Owned(v.to_string())
        }
    }

    /// Finds the ordinal of the node with this id (linear scan, as DevTools).
    pub fn find_node_by_id(&self, id: u32) -> Option<u32> {
        self.nodes
            .id
            .iter()
            .position(|&x| x == id)
            .map(|p| p as u32)
    }

    /// Location of a node, if the snapshot recorded one.
    pub fn location(&self, node: u32) -> Option<Location> {
        self.locations.get(node)
    }
}
