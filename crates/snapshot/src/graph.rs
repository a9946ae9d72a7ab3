//! `HeapSnapshot`: the graph as compact columns (one `Vec` per field), edges in
//! V8's CSR order with targets as node ordinals, the string table once, and the
//! allocation locations.

use crate::column::Column;
use crate::locations::Locations;
use crate::meta::{EdgeTypeIds, NodeTypeIds};
use crate::strings::StringTable;

/// Per-node columns, indexed by node ordinal.
#[derive(Debug, Default, Clone)]
pub struct Nodes {
    pub ty: Column<u8>,
    pub name: Column<u32>,
    pub id: Column<u32>,
    pub self_size: SelfSizes,
    /// Ordinal of the node's first edge; `node_count + 1` entries.
    pub first_edge: Column<u32>,
    /// Present only when `meta.node_fields` has `detachedness`.
    pub detachedness: Option<Column<u8>>,
    /// Present only when allocation tracking was on (`trace_function_count` > 0).
    pub trace_node_id: Option<Column<u32>>,
}

/// Self sizes: a compact `u32` per node, and the rare sizes of 4 GiB or
/// more (a 5 GB ArrayBuffer backing store) exactly, in a side table. Read
/// through [`SelfSizes::get`], which is always the exact value.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SelfSizes {
    small: Column<u32>,
    /// Node ordinal → size, for every node whose `small` entry is [`LARGE`].
    large: rustc_hash::FxHashMap<u32, u64>,
}

/// The `small` entry of a size kept in the side table.
const LARGE: u32 = u32::MAX;

impl SelfSizes {
    /// `n` sizes of 0.
    pub fn zeros(n: usize) -> Self {
        SelfSizes {
            small: vec![0; n].into(),
            large: Default::default(),
        }
    }

    /// From 32-bit sizes (a `u32::MAX` is that size exactly until [`SelfSizes::set`]
    /// gives the real one, as the reader does for sizes of 4 GiB or more).
    pub fn from_small(small: Vec<u32>) -> Self {
        Self::from_small_column(small.into())
    }

    /// Like [`SelfSizes::from_small`], from a column.
    pub fn from_small_column(small: Column<u32>) -> Self {
        let mut s = SelfSizes {
            small,
            large: Default::default(),
        };
        for (i, &v) in s.small.iter().enumerate() {
            if v == LARGE {
                s.large.insert(i as u32, v as u64);
            }
        }
        s
    }

    pub fn len(&self) -> usize {
        self.small.len()
    }

    pub fn is_empty(&self) -> bool {
        self.small.is_empty()
    }

    #[inline]
    pub fn get(&self, v: usize) -> u64 {
        match self.small[v] {
            LARGE => self.large.get(&(v as u32)).copied().unwrap_or(LARGE as u64),
            s => s as u64,
        }
    }

    #[inline]
    pub fn set(&mut self, v: usize, size: u64) {
        if size >= LARGE as u64 {
            self.small[v] = LARGE;
            self.large.insert(v as u32, size);
        } else {
            if self.small[v] == LARGE {
                self.large.remove(&(v as u32));
            }
            self.small[v] = size as u32;
        }
    }

    /// Whether node `v` has a size other than 0 (cheaper than `get`).
    #[inline]
    pub fn nonzero(&self, v: usize) -> bool {
        self.small[v] != 0
    }

    /// Every size, in node order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.small.len()).map(|v| self.get(v))
    }

    /// The sum of every size.
    pub fn total(&self) -> u64 {
        let small: u64 = self
            .small
            .iter()
            .filter(|&&s| s != LARGE)
            .map(|&s| s as u64)
            .sum();
        small + self.large.values().sum::<u64>()
    }

    /// The 32-bit sizes, [`u32::MAX`] standing for a size in the side table.
    pub fn small(&self) -> &[u32] {
        &self.small
    }

    /// The sizes of 4 GiB or more, by node ordinal.
    pub fn large_entries(&self) -> Vec<(u32, u64)> {
        let mut large: Vec<(u32, u64)> = self.large.iter().map(|(&v, &s)| (v, s)).collect();
        large.sort_unstable();
        large
    }

    /// How many sizes are 4 GiB or more.
    pub fn large_count(&self) -> usize {
        self.large.len()
    }
}

/// Per-edge columns, indexed by edge ordinal.
#[derive(Debug, Default, Clone)]
pub struct Edges {
    pub ty: Column<u8>,
    /// A string id, or an integer index for `element`/`hidden` edges.
    pub name_or_index: Column<u32>,
    /// Target node ordinal (V8 writes a node index; it is divided on load).
    pub to: Column<u32>,
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
        self.nodes.name = Column::new();
        self.nodes.id = Column::new();
        self.edges.ty = Column::new();
        self.edges.name_or_index = Column::new();
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
