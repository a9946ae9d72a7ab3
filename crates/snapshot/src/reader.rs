//! The top-level parser: walks the snapshot's JSON object key by key, hands the
//! small `snapshot` header to serde_json, scans `nodes`/`edges`/`locations` with
//! the integer scanner straight into columns, decodes `strings` into the string
//! table, skips sections it does not keep, then validates the result.

use crate::bytes::ByteStream;
use crate::error::{Result, SnapshotError};
use crate::graph::{Edges, HeapSnapshot, Location, Nodes, SelfSizes};
use crate::locations::Locations;
use crate::meta::{self, EdgeField, EdgeTypeIds, NodeField, NodeTypeIds, RawHeader};
use crate::records::{read_records, RecordSink, SharedColumn};
use crate::source;
use crate::strings::StringTable;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A progress callback: the input's total size (if known) and bytes consumed.
pub type ProgressFn = Box<dyn FnMut(Option<u64>, u64)>;

/// Options for [`read_snapshot_with`].
#[derive(Default)]
pub struct ReadOptions {
    /// Called once at the start, then regularly while reading.
    pub progress: Option<ProgressFn>,
}

/// Reads a snapshot from a path, `-` for stdin; gzip and zstd are detected.
pub fn read_snapshot(path: &str) -> Result<HeapSnapshot> {
    read_snapshot_with(path, ReadOptions::default())
}

pub fn read_snapshot_with(path: &str, options: ReadOptions) -> Result<HeapSnapshot> {
    let source = source::open(path)?;
    let total = source.input_bytes;
    let counter = source.input_read.clone();
    let mut parser = Parser {
        s: ByteStream::new(source),
        header: None,
        progress: options.progress,
        total,
        counter,
    };
    if let Some(p) = parser.progress.as_mut() {
        p(total, 0);
    }
    parser.parse()
}

/// Divides by the node field count without a hardware division (exact for u32).
#[derive(Clone, Copy)]
struct FastDiv {
    d: u32,
    m: u64,
}

impl FastDiv {
    fn new(d: u32) -> Self {
        FastDiv {
            d,
            m: (u64::MAX / d as u64).wrapping_add(1),
        }
    }
    #[inline]
    fn div_exact(self, x: u32) -> Option<u32> {
        let q = if self.d == 1 {
            x
        } else {
            ((self.m as u128 * x as u128) >> 64) as u32
        };
        if q.wrapping_mul(self.d) == x {
            Some(q)
        } else {
            None
        }
    }
}

/// Node records into the node columns (type checked against meta).
struct NodeSink<'a> {
    width: usize,
    types: u32,
    /// Positions of type, name, id, self size and edge count in a record.
    at: [usize; 5],
    ty: SharedColumn<'a, u8>,
    name: SharedColumn<'a, u32>,
    id: SharedColumn<'a, u32>,
    self_size: SharedColumn<'a, u32>,
    edge_count: SharedColumn<'a, u32>,
    detachedness: Option<(SharedColumn<'a, u8>, usize)>,
    trace: Option<(SharedColumn<'a, u32>, usize)>,
}

impl RecordSink for NodeSink<'_> {
    fn width(&self) -> usize {
        self.width
    }

    fn capacity(&self) -> usize {
        self.ty.len()
    }

    fn store(&self, at: usize, values: &[u32]) -> std::result::Result<(), String> {
        let [tp, np, ip, sp, ep] = self.at;
        for (k, r) in values.chunks_exact(self.width).enumerate() {
            let i = at + k;
            if r[tp] >= self.types {
                return Err(format!(
                    "node {i} has type {}, but meta lists {} node types",
                    r[tp], self.types
                ));
            }
            self.ty.set(i, r[tp] as u8);
            self.name.set(i, r[np]);
            self.id.set(i, r[ip]);
            self.self_size.set(i, r[sp]);
            self.edge_count.set(i, r[ep]);
            if let Some((d, p)) = &self.detachedness {
                d.set(i, r[*p].min(255) as u8);
            }
            if let Some((t, p)) = &self.trace {
                t.set(i, r[*p]);
            }
        }
        Ok(())
    }
}

/// Edge records into the edge columns, targets divided into node ordinals.
struct EdgeSink<'a> {
    width: usize,
    types: u32,
    nodes: u32,
    div: FastDiv,
    /// Positions of type, name-or-index and target in a record.
    at: [usize; 3],
    ty: SharedColumn<'a, u8>,
    name_or_index: SharedColumn<'a, u32>,
    to: SharedColumn<'a, u32>,
}

impl RecordSink for EdgeSink<'_> {
    fn width(&self) -> usize {
        self.width
    }

    fn capacity(&self) -> usize {
        self.ty.len()
    }

    fn store(&self, at: usize, values: &[u32]) -> std::result::Result<(), String> {
        let [tp, np, top] = self.at;
        for (k, r) in values.chunks_exact(self.width).enumerate() {
            let i = at + k;
            if r[tp] >= self.types {
                return Err(format!(
                    "edge {i} has type {}, but meta lists {} edge types",
                    r[tp], self.types
                ));
            }
            let target = match self.div.div_exact(r[top]) {
                Some(ord) if ord < self.nodes => ord,
                _ => {
                    return Err(format!(
                        "edge {i} points to node index {}, which is not a node (node_count {}, {} fields per node)",
                        r[top], self.nodes, self.div.d
                    ))
                }
            };
            self.ty.set(i, r[tp] as u8);
            self.name_or_index.set(i, r[np]);
            self.to.set(i, target);
        }
        Ok(())
    }
}

/// Location records, node indexes divided into ordinals.
struct LocationSink<'a> {
    width: usize,
    nodes: u32,
    div: FastDiv,
    /// Positions of object index, script id, line and column in a record.
    at: [usize; 4],
    out: SharedColumn<'a, std::mem::MaybeUninit<Location>>,
}

impl RecordSink for LocationSink<'_> {
    fn width(&self) -> usize {
        self.width
    }

    fn capacity(&self) -> usize {
        self.out.len()
    }

    fn store(&self, at: usize, values: &[u32]) -> std::result::Result<(), String> {
        let [obj, script, line, col] = self.at;
        for (k, r) in values.chunks_exact(self.width).enumerate() {
            let node = match self.div.div_exact(r[obj]) {
                Some(o) if o < self.nodes => o,
                _ => {
                    return Err(format!(
                        "location {} names node index {}, which is not a node",
                        at + k,
                        r[obj]
                    ))
                }
            };
            self.out.set(
                at + k,
                std::mem::MaybeUninit::new(Location {
                    node,
                    script_id: r[script],
                    line: r[line],
                    column: r[col],
                }),
            );
        }
        Ok(())
    }
}

struct Header {
    raw: RawHeader,
    node_types: Vec<String>,
    edge_types: Vec<String>,
    node_fields: Vec<NodeField>,
    edge_fields: Vec<EdgeField>,
    node_count: usize,
    edge_count: usize,
}

struct Parser {
    s: ByteStream,
    header: Option<Header>,
    progress: Option<ProgressFn>,
    total: Option<u64>,
    counter: Arc<AtomicU64>,
}

#[derive(Default)]
struct Sections {
    nodes: Option<Nodes>,
    edges: Option<Edges>,
    strings: Option<StringTable>,
    locations: Locations,
}

impl Parser {
    fn tick(&mut self) {
        let read = self.counter.load(Ordering::Relaxed);
        if let Some(p) = self.progress.as_mut() {
            p(self.total, read);
        }
    }

    fn parse(&mut self) -> Result<HeapSnapshot> {
        match self.s.peek_non_ws()? {
            Some(b'{') => {}
            Some(b) => {
                return Err(self.s.error(format!(
                    "not a heap snapshot: expected '{{' (a JSON object), found {}",
                    crate::bytes::show_byte(b)
                )))
            }
            None => {
                return Err(self
                    .s
                    .error("file is empty, expected a heap snapshot (JSON)"))
            }
        }
        self.s.expect(b'{', "'{'")?;
        let mut laps = crate::timing::Phases::from_env();
        let mut sections = Sections::default();
        let mut first = true;
        loop {
            match self.s.peek_non_ws()? {
                Some(b'}') => break,
                Some(b',') if !first => {
                    self.s.expect(b',', "','")?;
                }
                Some(_) if first => {}
                Some(b) => {
                    return Err(self.s.error(format!(
                        "expected ',' or '}}' after a top-level value, found {}",
                        crate::bytes::show_byte(b)
                    )))
                }
                None => return Err(self.s.error("unexpected end of file: the snapshot's top-level object is not closed (truncated file?)")),
            }
            first = false;
            let key = self.s.read_key()?;
            self.s.expect(b':', "':' after a key")?;
            self.section(&key, &mut sections)?;
            self.tick();
            laps.lap(&format!("  read {key}"));
        }
        self.finish(sections)
    }

    fn header(&self, key: &str) -> Result<&Header> {
        self.header.as_ref().ok_or_else(|| {
            self.s.error(format!(
                "found \"{key}\" before the \"snapshot\" header; expected the header first"
            ))
        })
    }

    fn section(&mut self, key: &str, sections: &mut Sections) -> Result<()> {
        match key {
            "snapshot" => {
                let at = self.s.offset();
                let raw = self.s.read_raw_value(64 << 20)?;
                self.header = Some(self.parse_header(&raw, at)?);
            }
            "nodes" => {
                self.header(key)?;
                self.s.expect(b'[', "'[' starting the nodes array")?;
                sections.nodes = Some(self.read_nodes()?);
            }
            "edges" => {
                self.header(key)?;
                self.s.expect(b'[', "'[' starting the edges array")?;
                sections.edges = Some(self.read_edges()?);
            }
            "strings" => {
                self.s.expect(b'[', "'[' starting the strings array")?;
                sections.strings = Some(self.read_strings()?);
            }
            "locations" => {
                self.header(key)?;
                self.s.expect(b'[', "'[' starting the locations array")?;
                sections.locations = self.read_locations()?;
            }
            _ => self.s.skip_value()?,
        }
        Ok(())
    }

    fn parse_header(&self, raw: &[u8], at: u64) -> Result<Header> {
        let name = self.s.name().to_string();
        let err = |m: String| SnapshotError::new(&name, Some(at), m);
        let raw: RawHeader = serde_json::from_slice(raw)
            .map_err(|e| err(format!("invalid \"snapshot\" header: {e}")))?;
        let m = &raw.meta;
        let node_types = meta::type_names(&m.node_types, &m.node_fields).ok_or_else(|| {
            err("snapshot.meta.node_types has no list of type names at the \"type\" field".into())
        })?;
        let edge_types = meta::type_names(&m.edge_types, &m.edge_fields).ok_or_else(|| {
            err("snapshot.meta.edge_types has no list of type names at the \"type\" field".into())
        })?;
        let node_fields: Vec<NodeField> = m
            .node_fields
            .iter()
            .map(|f| NodeField::from_name(f))
            .collect();
        let edge_fields: Vec<EdgeField> = m
            .edge_fields
            .iter()
            .map(|f| EdgeField::from_name(f))
            .collect();
        for (want, what) in [
            (NodeField::Type, "type"),
            (NodeField::Name, "name"),
            (NodeField::Id, "id"),
            (NodeField::SelfSize, "self_size"),
            (NodeField::EdgeCount, "edge_count"),
        ] {
            if !node_fields.contains(&want) {
                return Err(err(format!(
                    "unsupported snapshot: snapshot.meta.node_fields lacks \"{what}\""
                )));
            }
        }
        for (want, what) in [
            (EdgeField::Type, "type"),
            (EdgeField::NameOrIndex, "name_or_index"),
            (EdgeField::ToNode, "to_node"),
        ] {
            if !edge_fields.contains(&want) {
                return Err(err(format!(
                    "unsupported snapshot: snapshot.meta.edge_fields lacks \"{what}\""
                )));
            }
        }
        if node_types.len() > 250 || edge_types.len() > 250 {
            return Err(err(
                "unsupported snapshot: more than 250 node or edge types".into(),
            ));
        }
        let node_count = raw
            .node_count
            .ok_or_else(|| err("snapshot header lacks \"node_count\"".into()))?;
        let edge_count = raw
            .edge_count
            .ok_or_else(|| err("snapshot header lacks \"edge_count\"".into()))?;
        if node_count == 0 {
            return Err(err("snapshot has no nodes (node_count is 0)".into()));
        }
        if node_count >= u32::MAX as u64 / 2 || edge_count >= u32::MAX as u64 {
            return Err(err(format!(
                "unsupported snapshot: {node_count} nodes / {edge_count} edges exceed heapscope's 32-bit limits"
            )));
        }
        Ok(Header {
            node_types,
            edge_types,
            node_fields,
            edge_fields,
            node_count: node_count as usize,
            edge_count: edge_count as usize,
            raw,
        })
    }

    fn read_nodes(&mut self) -> Result<Nodes> {
        let h = self.header.as_ref().expect("header checked");
        let n = h.node_count;
        let fields = h.node_fields.clone();
        let nf = fields.len();
        let pos = |f: NodeField| fields.iter().position(|&x| x == f);
        let dp = pos(NodeField::Detachedness);
        let trp = pos(NodeField::TraceNodeId).filter(|_| h.raw.trace_function_count > 0);
        let mut ty: Vec<u8> = vec![0; n];
        let mut name: Vec<u32> = vec![0; n];
        let mut id: Vec<u32> = vec![0; n];
        let mut self_size = SelfSizes::zeros(n);
        // Edge counts first (at i + 1), made running sums afterwards.
        let mut first_edge: Vec<u32> = vec![0; n + 1];
        let mut det: Option<Vec<u8>> = dp.map(|_| vec![0; n]);
        let mut trace: Option<Vec<u32>> = trp.map(|_| vec![0; n]);
        let sink = NodeSink {
            width: nf,
            types: h.node_types.len() as u32,
            at: [
                pos(NodeField::Type).expect("checked"),
                pos(NodeField::Name).expect("checked"),
                pos(NodeField::Id).expect("checked"),
                pos(NodeField::SelfSize).expect("checked"),
                pos(NodeField::EdgeCount).expect("checked"),
            ],
            ty: SharedColumn::new(&mut ty),
            name: SharedColumn::new(&mut name),
            id: SharedColumn::new(&mut id),
            self_size: SharedColumn::new(self_size.small_mut()),
            edge_count: SharedColumn::new(&mut first_edge[1..]),
            detachedness: det.as_deref_mut().map(SharedColumn::new).zip(dp),
            trace: trace.as_deref_mut().map(SharedColumn::new).zip(trp),
        };
        let too_many = || format!("the nodes array has more than node_count ({n}) x {nf} values");
        let read = read_records(&mut self.s, &sink, &too_many);
        let sp = pos(NodeField::SelfSize).expect("checked");
        let names = h.raw.meta.node_fields.clone();
        let (large, (count, pending)) = self.with_large_values(read, "node", &names, Some(sp))?;
        if count != n || pending != 0 {
            return Err(self.s.error(format!(
                "the nodes array has {} values, expected node_count ({n}) x {nf} fields = {} (truncated or corrupt file)",
                count * nf + pending,
                n * nf
            )));
        }
        for (node, size) in large {
            self_size.set(node, size);
        }
        let mut edge_sum: u64 = 0;
        for e in first_edge.iter_mut().skip(1) {
            edge_sum += *e as u64;
            *e = edge_sum as u32;
        }
        if edge_sum > u32::MAX as u64 {
            return Err(self.s.error("edge counts add up to more than 2^32"));
        }
        Ok(Nodes {
            ty,
            name,
            id,
            self_size,
            first_edge,
            detachedness: det,
            trace_node_id: trace,
        })
    }

    fn read_edges(&mut self) -> Result<Edges> {
        let h = self.header.as_ref().expect("header checked");
        let e = h.edge_count;
        let fields = h.edge_fields.clone();
        let ef = fields.len();
        let pos = |f: EdgeField| fields.iter().position(|&x| x == f).expect("checked");
        let mut ty: Vec<u8> = vec![0; e];
        let mut name_or_index: Vec<u32> = vec![0; e];
        let mut to: Vec<u32> = vec![0; e];
        let sink = EdgeSink {
            width: ef,
            types: h.edge_types.len() as u32,
            nodes: h.node_count as u32,
            div: FastDiv::new(h.node_fields.len() as u32),
            at: [
                pos(EdgeField::Type),
                pos(EdgeField::NameOrIndex),
                pos(EdgeField::ToNode),
            ],
            ty: SharedColumn::new(&mut ty),
            name_or_index: SharedColumn::new(&mut name_or_index),
            to: SharedColumn::new(&mut to),
        };
        let too_many = || format!("the edges array has more than edge_count ({e}) x {ef} values");
        let read = read_records(&mut self.s, &sink, &too_many);
        let names = h.raw.meta.edge_fields.clone();
        let (_, (count, pending)) = self.with_large_values(read, "edge", &names, None)?;
        if count != e || pending != 0 {
            return Err(self.s.error(format!(
                "the edges array has {} values, expected edge_count ({e}) x {ef} fields = {} (truncated or corrupt file)",
                count * ef + pending,
                e * ef
            )));
        }
        Ok(Edges {
            ty,
            name_or_index,
            to,
        })
    }

    /// The outcome of reading a number array, with its large values (see
    /// [`Parser::large_values`]): a value past 32 bits is the error to report
    /// even when the records it broke failed first.
    fn with_large_values<T>(
        &mut self,
        read: Result<T>,
        record: &str,
        fields: &[String],
        allowed: Option<usize>,
    ) -> Result<(Vec<(usize, u64)>, T)> {
        let large = self.large_values(record, fields, allowed)?;
        Ok((large, read?))
    }

    /// The values of the number array just read that do not fit in 32 bits:
    /// those of field `allowed` (self sizes, kept exactly) as (record, value);
    /// any other is an error naming the record and the field.
    fn large_values(
        &mut self,
        record: &str,
        fields: &[String],
        allowed: Option<usize>,
    ) -> Result<Vec<(usize, u64)>> {
        let width = fields.len().max(1) as u64;
        let mut kept = Vec::new();
        for (at, value) in self.s.take_large_values() {
            let (index, field) = ((at / width) as usize, (at % width) as usize);
            if Some(field) == allowed {
                kept.push((index, value));
            } else if value > u32::MAX as u64 {
                let name = fields.get(field).map_or("?", String::as_str);
                return Err(self.s.error(format!(
                    "{record} {index}'s {name} is {value}, more than 32 bits (4,294,967,295 at most): heapscope cannot read values this large"
                )));
            }
        }
        Ok(kept)
    }

    fn read_strings(&mut self) -> Result<StringTable> {
        let mut table = StringTable::new();
        // The text is at most the rest of a plain file: room for it up front
        // saves copying it as it grows (pages never written are never mapped).
        if let (Some(total), false) = (self.total, self.s.compressed()) {
            let rest = total.saturating_sub(self.s.offset()) as usize;
            table.data_mut().reserve(rest);
        }
        let mut first = true;
        loop {
            if !first && self.s.read_plain_strings(&mut table) > 0 {
                self.tick();
            }
            match self.s.peek_non_ws()? {
                Some(b']') => {
                    self.s.expect(b']', "']'")?;
                    break;
                }
                Some(b',') if !first => self.s.expect(b',', "','")?,
                Some(b'"') if first => {}
                Some(b) => {
                    return Err(self.s.error(format!(
                        "expected a string, ',' or ']' in the strings array, found {}",
                        crate::bytes::show_byte(b)
                    )))
                }
                None => {
                    return Err(self.s.error(
                        "unexpected end of file inside the strings array (truncated file?)",
                    ))
                }
            }
            first = false;
            self.s.read_string_into(table.data_mut())?;
            table.end_string();
            if table.len().is_multiple_of(1 << 16) {
                self.tick();
            }
        }
        table.shrink_to_fit();
        Ok(table)
    }

    fn read_locations(&mut self) -> Result<Locations> {
        let h = self.header.as_ref().expect("header checked");
        let Some(fields) = h.raw.meta.location_fields.clone() else {
            // No layout: keep nothing.
            self.s.read_u32_array(|_| Ok(()))?;
            return Ok(Locations::default());
        };
        let pos = |name: &str| fields.iter().position(|f| f == name);
        let (Some(obj), Some(script), Some(line), Some(col)) = (
            pos("object_index"),
            pos("script_id"),
            pos("line"),
            pos("column"),
        ) else {
            return Err(self.s.error(
                "snapshot.meta.location_fields lacks object_index, script_id, line or column",
            ));
        };
        let lf = fields.len();
        // At most one location per node: a column of that size costs only the
        // pages written (fresh memory is mapped on first touch).
        let n = h.node_count;
        let mut out: Vec<Location> = Vec::with_capacity(n);
        let sink = LocationSink {
            width: lf,
            nodes: n as u32,
            div: FastDiv::new(h.node_fields.len() as u32),
            at: [obj, script, line, col],
            out: SharedColumn::new(out.spare_capacity_mut()),
        };
        let too_many = || format!("the locations array has more than node_count ({n}) records");
        let read = read_records(&mut self.s, &sink, &too_many);
        let (_, (count, pending)) = self.with_large_values(read, "location", &fields, None)?;
        if pending != 0 {
            return Err(self.s.error(format!(
                "the locations array length is not a multiple of {lf} fields"
            )));
        }
        // SAFETY: `read_records` stored every record below `count`.
        unsafe { out.set_len(count) };
        if out.windows(2).all(|w| w[0].node < w[1].node) {
            return Ok(Locations::from_sorted(out));
        }
        // Sort by node, keeping file order among equal nodes (a stable radix
        // sort of keys "node, position"): for a node listed twice, its last
        // record wins.
        let mut order: Vec<u64> = (out.iter().enumerate())
            .map(|(i, l)| (l.node as u64) << 32 | i as u64)
            .collect();
        radsort::sort_by_key(&mut order, |key| (key >> 32) as u32);
        let last_of_each = order
            .iter()
            .enumerate()
            .filter(|&(k, &key)| order.get(k + 1).is_none_or(|&next| next >> 32 != key >> 32))
            .map(|(_, &key)| out[key as u32 as usize]);
        Ok(Locations::from_sorted(last_of_each))
    }

    fn finish(&mut self, sections: Sections) -> Result<HeapSnapshot> {
        let name = self.s.name().to_string();
        let err = |m: String| SnapshotError::new(&name, None, m);
        let Some(h) = self.header.take() else {
            return Err(err("not a heap snapshot: no \"snapshot\" header".into()));
        };
        let nodes = sections
            .nodes
            .ok_or_else(|| err("not a heap snapshot: no \"nodes\" array".into()))?;
        let edges = sections
            .edges
            .ok_or_else(|| err("not a heap snapshot: no \"edges\" array".into()))?;
        let strings = sections
            .strings
            .ok_or_else(|| err("not a heap snapshot: no \"strings\" array".into()))?;
        let edge_total = *nodes.first_edge.last().unwrap_or(&0) as usize;
        if edge_total != edges.ty.len() {
            return Err(err(format!(
                "nodes' edge_count fields add up to {edge_total}, but the edges array holds {} edges",
                edges.ty.len()
            )));
        }
        let nstrings = strings.len() as u32;
        if let Some(i) = nodes.name.iter().position(|&s| s >= nstrings) {
            return Err(err(format!(
                "node {i} (id {}) names string {}, but the strings array has {nstrings} entries",
                nodes.id[i], nodes.name[i]
            )));
        }
        let edge_types = EdgeTypeIds::resolve(&h.edge_types);
        for (i, (&ty, &v)) in edges.ty.iter().zip(&edges.name_or_index).enumerate() {
            if edge_types.has_string_name(ty) && v >= nstrings {
                return Err(err(format!(
                    "edge {i} names string {v}, but the strings array has {nstrings} entries"
                )));
            }
        }
        let nf = h.node_fields.len() as u64;
        let root = match h.raw.root_index {
            Some(idx) if idx != 0 => {
                if idx % nf != 0 || idx / nf >= h.node_count as u64 {
                    return Err(err(format!(
                        "snapshot.root_index {idx} is not a node index"
                    )));
                }
                (idx / nf) as u32
            }
            _ => 0,
        };
        let node_types = NodeTypeIds::resolve(&h.node_types);
        let text_bytes = self.s.offset();
        Ok(HeapSnapshot {
            node_types,
            edge_types,
            node_field_count: nf as u32,
            trace_function_count: h.raw.trace_function_count,
            extra_native_bytes: h.raw.extra_native_bytes.unwrap_or(0.0),
            root,
            nodes,
            edges,
            strings,
            locations: sections.locations,
            text_bytes,
            node_type_names: h.node_types,
            edge_type_names: h.edge_types,
        })
    }
}
