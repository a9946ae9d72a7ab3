//! The top-level parser: walks the snapshot's JSON object key by key, hands the
//! small `snapshot` header to serde_json, scans `nodes`/`edges`/`locations` with
//! the integer scanner straight into columns, decodes `strings` into the string
//! table, skips sections it does not keep, then validates the result.

use crate::bytes::{ByteStream, Layout};
use crate::error::{Result, SnapshotError};
use crate::graph::{Edges, HeapSnapshot, Location, Nodes, SelfSizes};
use crate::locations::Locations;
use crate::meta::{self, EdgeField, EdgeTypeIds, NodeField, NodeTypeIds, RawHeader};
use crate::records::{
    grow_column, initial_records, read_records, BadRecord, RecordSink, RecordWriter, SharedColumn,
};
use crate::source;
use crate::strings::StringTable;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const STRINGS_CUT: &str = "unexpected end of file inside the strings array (truncated file?)";

/// A progress callback: the input's total size (if known) and bytes consumed.
pub type ProgressFn = Box<dyn FnMut(Option<u64>, u64)>;

/// Options for [`read_snapshot_with`].
#[derive(Default)]
pub struct ReadOptions {
    /// Called once at the start, then regularly while reading.
    pub progress: Option<ProgressFn>,
    /// Size of the chunks the text is read in (at most and by default
    /// [`source::CHUNK_BYTES`]); small ones exercise values cut by chunks.
    pub chunk_bytes: Option<usize>,
}

/// Reads a snapshot from a path, `-` for stdin; gzip and zstd are detected.
pub fn read_snapshot(path: &str) -> Result<HeapSnapshot> {
    read_snapshot_with(path, ReadOptions::default())
}

pub fn read_snapshot_with(path: &str, options: ReadOptions) -> Result<HeapSnapshot> {
    let chunk = options.chunk_bytes.unwrap_or(source::CHUNK_BYTES);
    parse(source::open(path, chunk)?, options)
}

/// Reads a snapshot held in memory (plain, gzip or zstd), named `name` in
/// errors: what the fuzz targets and the tests of bad input call.
pub fn read_snapshot_bytes(name: &str, bytes: &[u8], options: ReadOptions) -> Result<HeapSnapshot> {
    let len = bytes.len() as u64;
    let chunk =
        (options.chunk_bytes).unwrap_or_else(|| bytes.len().clamp(1 << 12, source::CHUNK_BYTES));
    let reader = Box::new(std::io::Cursor::new(bytes.to_vec()));
    parse(
        source::open_reader(name, reader, Some(len), chunk)?,
        options,
    )
}

fn parse(source: source::ChunkSource, options: ReadOptions) -> Result<HeapSnapshot> {
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
    match parser.parse() {
        // Garbled text from a corrupt stream: the decompressor's error, when
        // it comes soon after, says what is wrong.
        Err(e) if e.offset.is_some() && parser.s.compressed() => {
            Err(match parser.s.decoder_error_ahead(DECODER_LOOKAHEAD) {
                Some(d) => SnapshotError {
                    message: format!(
                        "{} (the text before it reads wrong from byte {}: {})",
                        d.message,
                        e.offset.unwrap_or(0),
                        e.message
                    ),
                    ..d
                },
                None => e,
            })
        }
        read => read,
    }
}

/// How far past a parse error in compressed input to look for the
/// decompressor's own error.
const DECODER_LOOKAHEAD: u64 = 64 << 20;

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

/// The node columns, grown as records arrive.
struct NodeColumns {
    width: usize,
    types: u32,
    limit: usize,
    /// Positions of type, name, id, self size and edge count in a record.
    at: [usize; 5],
    ty: Vec<u8>,
    name: Vec<u32>,
    id: Vec<u32>,
    self_size: Vec<u32>,
    /// Edge counts first (at i + 1), made running sums afterwards.
    first_edge: Vec<u32>,
    detachedness: Option<(Vec<u8>, usize)>,
    trace: Option<(Vec<u32>, usize)>,
}

impl RecordSink for NodeColumns {
    type Writer<'w> = NodeWriter<'w>;

    fn width(&self) -> usize {
        self.width
    }

    fn limit(&self) -> usize {
        self.limit
    }

    fn grow(&mut self, records: usize) {
        let limit = self.limit;
        grow_column(&mut self.ty, records, limit);
        grow_column(&mut self.name, records, limit);
        grow_column(&mut self.id, records, limit);
        grow_column(&mut self.self_size, records, limit);
        grow_column(&mut self.first_edge, records + 1, limit + 1);
        if let Some((d, _)) = self.detachedness.as_mut() {
            grow_column(d, records, limit);
        }
        if let Some((t, _)) = self.trace.as_mut() {
            grow_column(t, records, limit);
        }
    }

    fn writer(&mut self) -> NodeWriter<'_> {
        NodeWriter {
            width: self.width,
            types: self.types,
            at: self.at,
            ty: SharedColumn::new(&mut self.ty),
            name: SharedColumn::new(&mut self.name),
            id: SharedColumn::new(&mut self.id),
            self_size: SharedColumn::new(&mut self.self_size),
            edge_count: SharedColumn::new(&mut self.first_edge[1..]),
            detachedness: (self.detachedness.as_mut()).map(|(d, p)| (SharedColumn::new(d), *p)),
            trace: (self.trace.as_mut()).map(|(t, p)| (SharedColumn::new(t), *p)),
        }
    }
}

/// Node records into the node columns (type checked against meta).
struct NodeWriter<'a> {
    width: usize,
    types: u32,
    at: [usize; 5],
    ty: SharedColumn<'a, u8>,
    name: SharedColumn<'a, u32>,
    id: SharedColumn<'a, u32>,
    self_size: SharedColumn<'a, u32>,
    edge_count: SharedColumn<'a, u32>,
    detachedness: Option<(SharedColumn<'a, u8>, usize)>,
    trace: Option<(SharedColumn<'a, u32>, usize)>,
}

impl RecordWriter for NodeWriter<'_> {
    fn store(&self, at: usize, values: &[u32]) -> std::result::Result<(), BadRecord> {
        let [tp, np, ip, sp, ep] = self.at;
        for (k, r) in values.chunks_exact(self.width).enumerate() {
            let i = at + k;
            if r[tp] >= self.types {
                return Err((
                    i,
                    format!(
                        "node {i}'s type is {}, but snapshot.meta lists {} node types",
                        r[tp], self.types
                    ),
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

/// The edge columns, grown as records arrive.
struct EdgeColumns {
    width: usize,
    types: u32,
    nodes: u32,
    div: FastDiv,
    limit: usize,
    /// Positions of type, name-or-index and target in a record.
    at: [usize; 3],
    ty: Vec<u8>,
    name_or_index: Vec<u32>,
    to: Vec<u32>,
}

impl RecordSink for EdgeColumns {
    type Writer<'w> = EdgeWriter<'w>;

    fn width(&self) -> usize {
        self.width
    }

    fn limit(&self) -> usize {
        self.limit
    }

    fn grow(&mut self, records: usize) {
        grow_column(&mut self.ty, records, self.limit);
        grow_column(&mut self.name_or_index, records, self.limit);
        grow_column(&mut self.to, records, self.limit);
    }

    fn writer(&mut self) -> EdgeWriter<'_> {
        EdgeWriter {
            types: self.types,
            nodes: self.nodes,
            div: self.div,
            width: self.width,
            at: self.at,
            ty: SharedColumn::new(&mut self.ty),
            name_or_index: SharedColumn::new(&mut self.name_or_index),
            to: SharedColumn::new(&mut self.to),
        }
    }
}

/// Edge records into the edge columns, targets divided into node ordinals.
struct EdgeWriter<'a> {
    width: usize,
    types: u32,
    nodes: u32,
    div: FastDiv,
    at: [usize; 3],
    ty: SharedColumn<'a, u8>,
    name_or_index: SharedColumn<'a, u32>,
    to: SharedColumn<'a, u32>,
}

impl RecordWriter for EdgeWriter<'_> {
    fn store(&self, at: usize, values: &[u32]) -> std::result::Result<(), BadRecord> {
        let [tp, np, top] = self.at;
        for (k, r) in values.chunks_exact(self.width).enumerate() {
            let i = at + k;
            if r[tp] >= self.types {
                return Err((
                    i,
                    format!(
                        "edge {i}'s type is {}, but snapshot.meta lists {} edge types",
                        r[tp], self.types
                    ),
                ));
            }
            let target = match self.div.div_exact(r[top]) {
                Some(ord) if ord < self.nodes => ord,
                Some(_) => {
                    return Err((i, format!(
                        "edge {i}'s to_node is {}, which is not a node: past the last one (node_count {}, {} fields per node)",
                        r[top], self.nodes, self.div.d
                    )))
                }
                None => {
                    return Err((i, format!(
                        "edge {i}'s to_node is {}, which is not a node: not a multiple of the {} fields per node",
                        r[top], self.div.d
                    )))
                }
            };
            self.ty.set(i, r[tp] as u8);
            self.name_or_index.set(i, r[np]);
            self.to.set(i, target);
        }
        Ok(())
    }
}

/// The locations, grown as records arrive (at most one per node).
struct LocationColumns {
    width: usize,
    nodes: u32,
    div: FastDiv,
    /// Positions of object index, script id, line and column in a record.
    at: [usize; 4],
    /// (node, script id, line, column) per record: plain zeros to start
    /// with, so that the room allocated for as many records as the input
    /// could hold is only mapped where records arrive.
    out: Vec<[u32; 4]>,
}

impl RecordSink for LocationColumns {
    type Writer<'w> = LocationWriter<'w>;

    fn width(&self) -> usize {
        self.width
    }

    fn limit(&self) -> usize {
        self.nodes as usize
    }

    fn grow(&mut self, records: usize) {
        grow_column(&mut self.out, records, self.nodes as usize);
    }

    fn writer(&mut self) -> LocationWriter<'_> {
        LocationWriter {
            width: self.width,
            nodes: self.nodes,
            div: self.div,
            at: self.at,
            out: SharedColumn::new(&mut self.out),
        }
    }
}

/// Location records, node indexes divided into ordinals.
struct LocationWriter<'a> {
    width: usize,
    nodes: u32,
    div: FastDiv,
    at: [usize; 4],
    out: SharedColumn<'a, [u32; 4]>,
}

impl RecordWriter for LocationWriter<'_> {
    fn store(&self, at: usize, values: &[u32]) -> std::result::Result<(), BadRecord> {
        let [obj, script, line, col] = self.at;
        for (k, r) in values.chunks_exact(self.width).enumerate() {
            let node = match self.div.div_exact(r[obj]) {
                Some(o) if o < self.nodes => o,
                _ => {
                    return Err((
                        at + k,
                        format!(
                            "location {}'s object_index is {}, which is not a node",
                            at + k,
                            r[obj]
                        ),
                    ))
                }
            };
            self.out.set(at + k, [node, r[script], r[line], r[col]]);
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

    /// The error for text that does not open with '{' (its first byte `b`),
    /// with a hint when decompressed text starts as compressed input does.
    fn not_a_snapshot(&mut self, b: u8) -> SnapshotError {
        let mut error = self.s.error(format!(
            "not a heap snapshot: expected '{{' (a JSON object), found {}",
            crate::bytes::show_byte(b)
        ));
        let magic: &[u8] = match b {
            0x1f => &source::GZIP_MAGIC,
            0x28 => &source::ZSTD_MAGIC,
            _ => return error,
        };
        let at_start = self.s.offset() == 0;
        if self.s.compressed() && at_start && self.s.skip_prefix(magic).unwrap_or(false) {
            error.message.push_str(" (compressed twice?)");
        }
        error
    }

    fn parse(&mut self) -> Result<HeapSnapshot> {
        self.s.skip_bom()?;
        match self.s.peek_non_ws()? {
            Some(b'{') => {}
            Some(b) => return Err(self.not_a_snapshot(b)),
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
        let end = self.s.offset();
        self.s.expect(b'}', "'}'")?;
        if let Some(b) = self.s.peek_non_ws()? {
            return Err(self.s.error(format!(
                "unexpected {} after the end of the snapshot (the JSON object closed at byte {end}): \
                 two snapshots in one file, or garbage appended?",
                crate::bytes::show_byte(b)
            )));
        }
        self.finish(sections, end)
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
                if let Some(b) = self.s.peek_non_ws()?.filter(|&b| b != b'{') {
                    return Err(self.s.error(format!(
                        "expected '{{' starting the \"snapshot\" header (a JSON object), found {}",
                        crate::bytes::show_byte(b)
                    )));
                }
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
        meta::check_lengths(m).map_err(err)?;
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
        let nf = node_fields.len() as u64;
        if let Some(idx) = raw.root_index {
            if idx % nf != 0 || idx / nf >= node_count {
                return Err(err(format!(
                    "snapshot.root_index {idx} is not a node index (node_count {node_count}, {nf} fields per node)"
                )));
            }
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

    /// Bytes left in the input when its size bounds the text (a plain
    /// file or buffer), for sizing columns before reading them.
    fn rest(&self) -> Option<u64> {
        match (self.total, self.s.compressed()) {
            (Some(total), false) => Some(total.saturating_sub(self.s.offset())),
            _ => None,
        }
    }

    fn read_nodes(&mut self) -> Result<Nodes> {
        let rest = self.rest();
        let h = self.header.as_ref().expect("header checked");
        let n = h.node_count;
        let fields = &h.node_fields;
        let nf = fields.len();
        let pos = |f: NodeField| fields.iter().position(|&x| x == f);
        let dp = pos(NodeField::Detachedness);
        let trp = pos(NodeField::TraceNodeId).filter(|_| h.raw.trace_function_count > 0);
        let sp = pos(NodeField::SelfSize).expect("checked");
        let names = h.raw.meta.node_fields.clone();
        let start = initial_records(n, nf, rest);
        let mut sink = NodeColumns {
            width: nf,
            types: h.node_types.len() as u32,
            limit: n,
            at: [
                pos(NodeField::Type).expect("checked"),
                pos(NodeField::Name).expect("checked"),
                pos(NodeField::Id).expect("checked"),
                pos(NodeField::SelfSize).expect("checked"),
                pos(NodeField::EdgeCount).expect("checked"),
            ],
            ty: vec![0; start],
            name: vec![0; start],
            id: vec![0; start],
            self_size: vec![0; start],
            first_edge: vec![0; start + 1],
            detachedness: dp.map(|p| (vec![0; start], p)),
            trace: trp.map(|p| (vec![0; start], p)),
        };
        let too_many = || format!("the nodes array has more than node_count ({n}) x {nf} values");
        let layout = Layout {
            record: "node",
            fields: &names,
        };
        let read = read_records(&mut self.s, &mut sink, &layout, &too_many);
        let (large, (count, pending)) = self.with_large_values(read, "node", &names, Some(sp))?;
        if count != n || pending != 0 {
            return Err(self.s.error(format!(
                "the nodes array has {} values, expected node_count ({n}) x {nf} fields = {} (truncated or corrupt file)",
                count * nf + pending,
                n * nf
            )));
        }
        let mut self_size = SelfSizes::from_small(sink.self_size);
        for (node, size) in large {
            self_size.set(node, size);
        }
        let mut first_edge = sink.first_edge;
        let mut edge_sum: u64 = 0;
        for e in first_edge.iter_mut().skip(1) {
            edge_sum += *e as u64;
            *e = edge_sum as u32;
        }
        if edge_sum > u32::MAX as u64 {
            return Err(self.s.error("edge counts add up to more than 2^32"));
        }
        Ok(Nodes {
            ty: sink.ty.into(),
            name: sink.name.into(),
            id: sink.id.into(),
            self_size,
            first_edge: first_edge.into(),
            detachedness: sink.detachedness.map(|(d, _)| d.into()),
            trace_node_id: sink.trace.map(|(t, _)| t.into()),
        })
    }

    fn read_edges(&mut self) -> Result<Edges> {
        let rest = self.rest();
        let h = self.header.as_ref().expect("header checked");
        let e = h.edge_count;
        let fields = &h.edge_fields;
        let ef = fields.len();
        let pos = |f: EdgeField| fields.iter().position(|&x| x == f).expect("checked");
        let names = h.raw.meta.edge_fields.clone();
        let start = initial_records(e, ef, rest);
        let mut sink = EdgeColumns {
            width: ef,
            types: h.edge_types.len() as u32,
            nodes: h.node_count as u32,
            div: FastDiv::new(h.node_fields.len() as u32),
            limit: e,
            at: [
                pos(EdgeField::Type),
                pos(EdgeField::NameOrIndex),
                pos(EdgeField::ToNode),
            ],
            ty: vec![0; start],
            name_or_index: vec![0; start],
            to: vec![0; start],
        };
        let too_many = || format!("the edges array has more than edge_count ({e}) x {ef} values");
        let layout = Layout {
            record: "edge",
            fields: &names,
        };
        let read = read_records(&mut self.s, &mut sink, &layout, &too_many);
        let (_, (count, pending)) = self.with_large_values(read, "edge", &names, None)?;
        if count != e || pending != 0 {
            return Err(self.s.error(format!(
                "the edges array has {} values, expected edge_count ({e}) x {ef} fields = {} (truncated or corrupt file)",
                count * ef + pending,
                e * ef
            )));
        }
        Ok(Edges {
            ty: sink.ty.into(),
            name_or_index: sink.name_or_index.into(),
            to: sink.to.into(),
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
                let name = Layout { record, fields }.name(at);
                // Named by its record, no offset: where the reading stopped
                // depends on the chunks.
                return Err(SnapshotError::new(self.s.name(), None, format!(
                    "{name} is {value}, more than 32 bits (4,294,967,295 at most): heapscope cannot read values this large"
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
                None => return Err(self.s.error(STRINGS_CUT)),
            }
            first = false;
            match self.s.peek_non_ws()? {
                Some(b'"') => {}
                Some(b) => {
                    return Err(self.s.error(format!(
                        "strings array entry {}: expected a string, found {}",
                        table.len(),
                        crate::bytes::show_byte(b)
                    )))
                }
                None => return Err(self.s.error(STRINGS_CUT)),
            }
            self.s.read_string_into(&mut table.data_mut())?;
            table.end_string();
            if table.len().is_multiple_of(1 << 16) {
                self.tick();
            }
        }
        table.shrink_to_fit();
        Ok(table)
    }

    fn read_locations(&mut self) -> Result<Locations> {
        let rest = self.rest();
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
        let n = h.node_count;
        let start = initial_records(n, lf, rest);
        let mut sink = LocationColumns {
            width: lf,
            nodes: n as u32,
            div: FastDiv::new(h.node_fields.len() as u32),
            at: [obj, script, line, col],
            out: vec![[0; 4]; start],
        };
        let too_many = || format!("the locations array has more than node_count ({n}) records");
        let layout = Layout {
            record: "location",
            fields: &fields,
        };
        let read = read_records(&mut self.s, &mut sink, &layout, &too_many);
        let (_, (count, pending)) = self.with_large_values(read, "location", &fields, None)?;
        if pending != 0 {
            return Err(self.s.error(format!(
                "the locations array length is not a multiple of {lf} fields"
            )));
        }
        let mut out = sink.out;
        out.truncate(count);
        let location = |[node, script_id, line, column]: [u32; 4]| Location {
            node,
            script_id,
            line,
            column,
        };
        if out.windows(2).all(|w| w[0][0] < w[1][0]) {
            return Ok(Locations::from_sorted(out.into_iter().map(location)));
        }
        // Sort by node, keeping file order among equal nodes (a stable radix
        // sort of keys "node, position"): for a node listed twice, its last
        // record wins.
        let mut order: Vec<u64> = (out.iter().enumerate())
            .map(|(i, l)| (l[0] as u64) << 32 | i as u64)
            .collect();
        radsort::sort_by_key(&mut order, |key| (key >> 32) as u32);
        let last_of_each = order
            .iter()
            .enumerate()
            .filter(|&(k, &key)| order.get(k + 1).is_none_or(|&next| next >> 32 != key >> 32))
            .map(|(_, &key)| location(out[key as u32 as usize]));
        Ok(Locations::from_sorted(last_of_each))
    }

    fn finish(&mut self, sections: Sections, text_bytes: u64) -> Result<HeapSnapshot> {
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
        let nstrings = strings.len() as u32;
        // The first bad node in file order: a name past the strings, or an
        // id seen before.
        let bad_name = nodes.name.iter().position(|&s| s >= nstrings);
        let duplicate = duplicate_id(&nodes.id);
        match (bad_name, duplicate) {
            (Some(i), d) if d.is_none_or(|(_, second)| i < second) => {
                return Err(err(format!(
                    "node {i}'s name is string {}, but the strings array has {nstrings} entries (node id {})",
                    nodes.name[i], nodes.id[i]
                )));
            }
            (_, Some((first, second))) => {
                return Err(err(format!(
                    "nodes {first} and {second} have the same id {} (ids must be unique)",
                    nodes.id[first]
                )));
            }
            _ => {}
        }
        let edge_types = EdgeTypeIds::resolve(&h.edge_types);
        for (i, (&ty, &v)) in edges.ty.iter().zip(&edges.name_or_index).enumerate() {
            if edge_types.has_string_name(ty) && v >= nstrings {
                return Err(err(format!(
                    "edge {i}'s name_or_index is string {v}, but the strings array has {nstrings} entries"
                )));
            }
        }
        let edge_total = *nodes.first_edge.last().unwrap_or(&0) as usize;
        if edge_total != edges.ty.len() {
            return Err(err(format!(
                "nodes' edge_count fields add up to {edge_total}, but the edges array holds {} edges",
                edges.ty.len()
            )));
        }
        let nf = h.node_fields.len() as u64;
        // Checked with the header.
        let root = (h.raw.root_index.unwrap_or(0) / nf) as u32;
        let node_types = NodeTypeIds::resolve(&h.node_types);
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

/// The first repeated id in file order, as the ordinals of its first two
/// nodes, if any (the first repeat is looked for only when there is one).
fn duplicate_id(ids: &[u32]) -> Option<(usize, usize)> {
    if !has_repeated_id(ids) {
        return None;
    }
    // Rare (a bad file): the first id to repeat, in file order.
    let mut first_at = rustc_hash::FxHashMap::default();
    (ids.iter().enumerate()).find_map(|(i, &id)| first_at.insert(id, i).map(|first| (first, i)))
}

/// Whether some id occurs twice. V8 numbers nodes almost in id order (a few
/// descents, where the synthetic and native nodes' large even ids begin), so
/// ids up to 64 per node are checked with a bit each, in nearly sequential
/// order (a few MB at most), and only the larger ones are sorted.
fn has_repeated_id(ids: &[u32]) -> bool {
    if ids.windows(2).all(|w| w[0] < w[1]) {
        return false;
    }
    let limit = u32::try_from(ids.len().saturating_mul(64)).unwrap_or(u32::MAX);
    let top = ids.iter().copied().filter(|&id| id <= limit).max();
    let mut seen = vec![0u64; top.map_or(0, |t| t as usize / 64 + 1)];
    let mut large = Vec::new();
    for &id in ids {
        if id > limit {
            large.push(id);
            continue;
        }
        let (word, bit) = (id as usize / 64, 1u64 << (id % 64));
        if seen[word] & bit != 0 {
            return true;
        }
        seen[word] |= bit;
    }
    radsort::sort(&mut large);
    large.windows(2).any(|w| w[0] == w[1])
}

#[cfg(test)]
mod tests {
    use super::duplicate_id;
    use proptest::prelude::*;

    /// The definition: the first node whose id an earlier node has.
    fn naive(ids: &[u32]) -> Option<(usize, usize)> {
        (0..ids.len()).find_map(|j| (0..j).find(|&i| ids[i] == ids[j]).map(|i| (i, j)))
    }

    proptest! {
        /// Small and huge ids, runs ascending or not, repeats or none.
        #[test]
        fn the_first_repeated_id_is_found_as_by_definition(
            ids in proptest::collection::vec(
                prop_oneof![0u32..200, (u32::MAX - 300)..=u32::MAX, any::<u32>()],
                0..120,
            ),
            sort in any::<bool>(),
        ) {
            let mut ids = ids;
            if sort {
                ids.sort_unstable();
            }
            prop_assert_eq!(duplicate_id(&ids), naive(&ids));
        }
    }
}
