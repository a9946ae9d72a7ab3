//! The `snapshot` header: `meta` field lists and counts, read with serde_json, and
//! the field offsets and type ids derived from them by name (never by position).

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct RawHeader {
    pub meta: RawMeta,
    pub node_count: Option<u64>,
    pub edge_count: Option<u64>,
    #[serde(default)]
    pub trace_function_count: u64,
    #[serde(default)]
    pub extra_native_bytes: Option<f64>,
    #[serde(default)]
    pub root_index: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RawMeta {
    pub node_fields: Vec<String>,
    pub node_types: Vec<serde_json::Value>,
    pub edge_fields: Vec<String>,
    pub edge_types: Vec<serde_json::Value>,
    #[serde(default)]
    pub location_fields: Option<Vec<String>>,
    #[serde(default)]
    pub sample_fields: Option<Vec<String>>,
    #[serde(default)]
    pub trace_function_info_fields: Option<Vec<String>>,
}

/// Node or edge type names resolved to their numeric ids. `NONE` marks a type
/// that this snapshot's meta does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeTypeIds {
    pub hidden: u8,
    pub array: u8,
    pub string: u8,
    pub object: u8,
    pub code: u8,
    pub closure: u8,
    pub regexp: u8,
    pub number: u8,
    pub native: u8,
    pub synthetic: u8,
    pub cons_string: u8,
    pub sliced_string: u8,
    pub symbol: u8,
    pub bigint: u8,
    pub object_shape: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeTypeIds {
    pub context: u8,
    pub element: u8,
    pub property: u8,
    pub internal: u8,
    pub hidden: u8,
    pub shortcut: u8,
    pub weak: u8,
}

pub const NONE: u8 = u8::MAX;

fn find(types: &[String], name: &str) -> u8 {
    types
        .iter()
        .position(|t| t == name)
        .map(|p| p as u8)
        .unwrap_or(NONE)
}

impl NodeTypeIds {
    pub fn resolve(types: &[String]) -> Self {
        NodeTypeIds {
            hidden: find(types, "hidden"),
            array: find(types, "array"),
            string: find(types, "string"),
            object: find(types, "object"),
            code: find(types, "code"),
            closure: find(types, "closure"),
            regexp: find(types, "regexp"),
            number: find(types, "number"),
            native: find(types, "native"),
            synthetic: find(types, "synthetic"),
            cons_string: find(types, "concatenated string"),
            sliced_string: find(types, "sliced string"),
            symbol: find(types, "symbol"),
            bigint: find(types, "bigint"),
            object_shape: find(types, "object shape"),
        }
    }
}

impl EdgeTypeIds {
    pub fn resolve(types: &[String]) -> Self {
        EdgeTypeIds {
            context: find(types, "context"),
            element: find(types, "element"),
            property: find(types, "property"),
            internal: find(types, "internal"),
            hidden: find(types, "hidden"),
            shortcut: find(types, "shortcut"),
            weak: find(types, "weak"),
        }
    }

    /// `element` and `hidden` edges carry an integer index, all others a string id.
    #[inline]
    pub fn has_string_name(&self, ty: u8) -> bool {
        ty != self.element && ty != self.hidden
    }
}

/// What each position of a node record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeField {
    Type,
    Name,
    Id,
    SelfSize,
    EdgeCount,
    TraceNodeId,
    Detachedness,
    Other,
}

impl NodeField {
    pub fn from_name(name: &str) -> Self {
        match name {
            "type" => NodeField::Type,
            "name" => NodeField::Name,
            "id" => NodeField::Id,
            "self_size" => NodeField::SelfSize,
            "edge_count" => NodeField::EdgeCount,
            "trace_node_id" => NodeField::TraceNodeId,
            "detachedness" => NodeField::Detachedness,
            _ => NodeField::Other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeField {
    Type,
    NameOrIndex,
    ToNode,
    Other,
}

impl EdgeField {
    pub fn from_name(name: &str) -> Self {
        match name {
            "type" => EdgeField::Type,
            "name_or_index" => EdgeField::NameOrIndex,
            "to_node" => EdgeField::ToNode,
            _ => EdgeField::Other,
        }
    }
}

/// Refuses a meta whose type lists do not give a type for every field (what
/// the fields mean is read from both by position). More types than fields
/// are read: Node 24 and later write one more node type than node fields.
pub fn check_lengths(m: &RawMeta) -> Result<(), String> {
    for (record, fields, types) in [
        ("node", &m.node_fields, &m.node_types),
        ("edge", &m.edge_fields, &m.edge_types),
    ] {
        if types.len() < fields.len() {
            return Err(format!(
                "snapshot.meta.{record}_types has {} entries, but {record}_fields has {} (one type per field)",
                types.len(),
                fields.len()
            ));
        }
    }
    Ok(())
}

/// Extracts the list of type names at the `type` position of `node_types`/`edge_types`.
pub fn type_names(types: &[serde_json::Value], fields: &[String]) -> Option<Vec<String>> {
    let pos = fields.iter().position(|f| f == "type")?;
    let list = types.get(pos)?.as_array()?;
    list.iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect()
}
