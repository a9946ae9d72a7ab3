//! A sampling heap profile in the file formats other tools read.
//!
//! - **heapprofile**: the JSON of `HeapProfiler.stopSampling`'s `profile`
//!   object, byte for byte what Chrome DevTools' Memory panel saves (it writes
//!   `JSON.stringify(profile)`) and opens again with *Load* (the file name must
//!   end in `.heapprofile`, the Memory panel's extension for sampling profiles).
//! - **pprof**: a gzipped `profile.proto` message, read by `go tool pprof` and
//!   Grafana Pyroscope. Two sample types: `objects`/`count` (V8's samples still
//!   alive: sampled allocations, not an estimate of every object) and
//!   `space`/`bytes` (the estimated live bytes, V8's `selfSize`), the default.
//!   Each profile node with bytes or samples of its own is one pprof sample
//!   whose stack is the node's call path, leaf first, without V8's `(root)`
//!   (a sample V8 reports for a node missing from its tree counts for the root).
//!
//! The message structs below are the part of `profile.proto` this needs,
//! derived by hand with prost (field numbers as in the proto; no build step).

use crate::sampling::{display_name, Profile, ProfileNode};
use flate2::write::GzEncoder;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

/// Why a profile could not be written in a format.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("cannot gzip the pprof profile: {0}")]
    Gzip(#[from] std::io::Error),
}

/// The heapprofile file: the `profile` object's JSON as the target wrote it
/// (compact, V8's key order: what DevTools' `JSON.stringify` saves).
pub fn heapprofile(raw: &RawValue) -> Vec<u8> {
    raw.get().as_bytes().to_vec()
}

/// What the pprof header says about the sampling run.
#[derive(Debug, Clone, Copy)]
pub struct PprofMeta {
    /// Mean bytes between two samples (the pprof `period`, in `space`/`bytes`).
    pub interval_bytes: u64,
    /// When sampling started, since the Unix epoch.
    pub started: Duration,
    /// How long it ran.
    pub duration: Duration,
}

/// The gzipped pprof profile of `profile`.
pub fn pprof_gz(profile: &Profile, meta: PprofMeta) -> Result<Vec<u8>, FormatError> {
    let bytes = prost::Message::encode_to_vec(&pprof(profile, meta));
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bytes)?;
    Ok(gz.finish()?)
}

/// The pprof message of `profile` (not yet encoded).
pub fn pprof(profile: &Profile, meta: PprofMeta) -> proto::Profile {
    let mut in_tree = std::collections::HashSet::new();
    node_ids(&profile.head, &mut in_tree);
    // V8 can report a sample whose node is not in the tree: it counts for the root.
    let mut samples_by_node: HashMap<u64, i64> = HashMap::new();
    for s in &profile.samples {
        let node = if in_tree.contains(&s.node_id) {
            s.node_id
        } else {
            profile.head.id
        };
        *samples_by_node.entry(node).or_default() += 1;
    }
    let mut builder = Builder::new(&samples_by_node);
    let objects = builder.value_type("objects", "count");
    let space = builder.value_type("space", "bytes");
    let period_type = builder.value_type("space", "bytes");
    let default_sample_type = space.r#type;
    builder.add_tree(&profile.head);
    let Builder {
        strings,
        functions,
        locations,
        samples,
        ..
    } = builder;
    proto::Profile {
        sample_type: vec![objects, space],
        sample: samples,
        location: locations,
        function: functions,
        string_table: strings.table,
        time_nanos: nanos(meta.started),
        duration_nanos: nanos(meta.duration),
        period_type: Some(period_type),
        period: i64::try_from(meta.interval_bytes).unwrap_or(i64::MAX),
        default_sample_type,
    }
}

fn node_ids(node: &ProfileNode, ids: &mut std::collections::HashSet<u64>) {
    ids.insert(node.id);
    for child in &node.children {
        node_ids(child, ids);
    }
}

fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// The string table: index 0 is "", each string once.
struct Strings {
    table: Vec<String>,
    index: HashMap<String, i64>,
}

impl Strings {
    fn new() -> Strings {
        Strings {
            table: vec![String::new()],
            index: HashMap::from([(String::new(), 0)]),
        }
    }

    fn id(&mut self, s: &str) -> i64 {
        if let Some(&id) = self.index.get(s) {
            return id;
        }
        let id = self.table.len() as i64;
        self.table.push(s.to_string());
        self.index.insert(s.to_string(), id);
        id
    }
}

/// A frame as pprof keys it: function name, file, line, column (1-based).
type FrameKey = (String, String, i64, i64);

struct Builder<'a> {
    samples_by_node: &'a HashMap<u64, i64>,
    strings: Strings,
    functions: Vec<proto::Function>,
    function_ids: HashMap<(String, String, i64), u64>,
    locations: Vec<proto::Location>,
    location_ids: HashMap<FrameKey, u64>,
    samples: Vec<proto::Sample>,
    /// Location ids of the current call path, root side first.
    path: Vec<u64>,
}

impl<'a> Builder<'a> {
    fn new(samples_by_node: &'a HashMap<u64, i64>) -> Builder<'a> {
        Builder {
            samples_by_node,
            strings: Strings::new(),
            functions: Vec::new(),
            function_ids: HashMap::new(),
            locations: Vec::new(),
            location_ids: HashMap::new(),
            samples: Vec::new(),
            path: Vec::new(),
        }
    }

    fn value_type(&mut self, kind: &str, unit: &str) -> proto::ValueType {
        proto::ValueType {
            r#type: self.strings.id(kind),
            unit: self.strings.id(unit),
        }
    }

    /// V8's `(root)` is no frame of its own: its children start the stacks
    /// (samples on the root itself, those of nodes missing from the tree, keep
    /// its frame).
    fn add_tree(&mut self, head: &ProfileNode) {
        if self.has_values(head) {
            let id = self.location(head);
            self.path.push(id);
            self.add_sample(head);
            self.path.pop();
        }
        for child in &head.children {
            self.add_node(child);
        }
    }

    fn add_node(&mut self, node: &ProfileNode) {
        let id = self.location(node);
        self.path.push(id);
        if self.has_values(node) {
            self.add_sample(node);
        }
        for child in &node.children {
            self.add_node(child);
        }
        self.path.pop();
    }

    fn has_values(&self, node: &ProfileNode) -> bool {
        node.self_size > 0 || self.samples_by_node.contains_key(&node.id)
    }

    fn add_sample(&mut self, node: &ProfileNode) {
        let count = self.samples_by_node.get(&node.id).copied().unwrap_or(0);
        let bytes = i64::try_from(node.self_size).unwrap_or(i64::MAX);
        self.samples.push(proto::Sample {
            location_id: self.path.iter().rev().copied().collect(),
            value: vec![count, bytes],
        });
    }

    /// The location id of a node's frame, made on first use.
    fn location(&mut self, node: &ProfileNode) -> u64 {
        let frame = &node.call_frame;
        let name = display_name(&frame.function_name);
        let file = file_name(&frame.url);
        let (line, column) = (frame.line_number + 1, frame.column_number + 1);
        let key: FrameKey = (name, file, line, column);
        if let Some(&id) = self.location_ids.get(&key) {
            return id;
        }
        let function_id = self.function(&key.0, &key.1, line);
        let id = self.locations.len() as u64 + 1;
        self.locations.push(proto::Location {
            id,
            line: vec![proto::Line {
                function_id,
                line,
                column,
            }],
            ..Default::default()
        });
        self.location_ids.insert(key, id);
        id
    }

    fn function(&mut self, name: &str, file: &str, start_line: i64) -> u64 {
        let key = (name.to_string(), file.to_string(), start_line);
        if let Some(&id) = self.function_ids.get(&key) {
            return id;
        }
        let id = self.functions.len() as u64 + 1;
        let name = self.strings.id(name);
        let filename = self.strings.id(file);
        self.functions.push(proto::Function {
            id,
            name,
            system_name: name,
            filename,
            start_line,
        });
        self.function_ids.insert(key, id);
        id
    }
}

/// A script's path for pprof's file names (`file://` dropped: source views
/// look files up by path).
fn file_name(url: &str) -> String {
    url.strip_prefix("file://").unwrap_or(url).to_string()
}

/// The messages of pprof's `profile.proto` used here, with its field numbers.
pub mod proto {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Profile {
        #[prost(message, repeated, tag = "1")]
        pub sample_type: Vec<ValueType>,
        #[prost(message, repeated, tag = "2")]
        pub sample: Vec<Sample>,
        #[prost(message, repeated, tag = "4")]
        pub location: Vec<Location>,
        #[prost(message, repeated, tag = "5")]
        pub function: Vec<Function>,
        #[prost(string, repeated, tag = "6")]
        pub string_table: Vec<String>,
        #[prost(int64, tag = "9")]
        pub time_nanos: i64,
        #[prost(int64, tag = "10")]
        pub duration_nanos: i64,
        #[prost(message, optional, tag = "11")]
        pub period_type: Option<ValueType>,
        #[prost(int64, tag = "12")]
        pub period: i64,
        #[prost(int64, tag = "14")]
        pub default_sample_type: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ValueType {
        /// String table index.
        #[prost(int64, tag = "1")]
        pub r#type: i64,
        #[prost(int64, tag = "2")]
        pub unit: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Sample {
        /// Leaf first.
        #[prost(uint64, repeated, tag = "1")]
        pub location_id: Vec<u64>,
        /// One per sample type.
        #[prost(int64, repeated, tag = "2")]
        pub value: Vec<i64>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Location {
        #[prost(uint64, tag = "1")]
        pub id: u64,
        #[prost(uint64, tag = "2")]
        pub mapping_id: u64,
        #[prost(uint64, tag = "3")]
        pub address: u64,
        #[prost(message, repeated, tag = "4")]
        pub line: Vec<Line>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Line {
        #[prost(uint64, tag = "1")]
        pub function_id: u64,
        #[prost(int64, tag = "2")]
        pub line: i64,
        #[prost(int64, tag = "3")]
        pub column: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Function {
        #[prost(uint64, tag = "1")]
        pub id: u64,
        #[prost(int64, tag = "2")]
        pub name: i64,
        #[prost(int64, tag = "3")]
        pub system_name: i64,
        #[prost(int64, tag = "4")]
        pub filename: i64,
        #[prost(int64, tag = "5")]
        pub start_line: i64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::{CallFrame, ProfileSample};
    use flate2::read::GzDecoder;
    use prost::Message;
    use std::io::Read;

    fn frame(name: &str, url: &str, line: i64) -> CallFrame {
        CallFrame {
            function_name: name.into(),
            url: url.into(),
            line_number: line,
            column_number: 4,
        }
    }

    fn at(
        id: u64,
        call_frame: CallFrame,
        self_size: u64,
        children: Vec<ProfileNode>,
    ) -> ProfileNode {
        ProfileNode {
            call_frame,
            self_size,
            id,
            children,
        }
    }

    /// (root) → main → {parse → (anonymous builtin), main}; 1650 bytes, 4 samples.
    fn example() -> Profile {
        let main = || frame("main", "file:///app/main.js", 9);
        let head = at(
            1,
            frame("(root)", "", -1),
            0,
            vec![at(
                2,
                main(),
                100,
                vec![
                    at(
                        3,
                        frame("parse", "file:///app/node_modules/lib/index.js", 0),
                        1000,
                        vec![at(4, frame("", "", -1), 500, vec![])],
                    ),
                    at(5, main(), 50, vec![]),
                ],
            )],
        );
        let samples = [2, 3, 4, 4]
            .map(|node_id| ProfileSample { node_id })
            .to_vec();
        Profile { head, samples }
    }

    fn meta() -> PprofMeta {
        PprofMeta {
            interval_bytes: 32_768,
            started: Duration::from_secs(1_700_000_000),
            duration: Duration::from_millis(2500),
        }
    }

    fn decoded(profile: &Profile) -> proto::Profile {
        let gz = pprof_gz(profile, meta()).unwrap();
        let mut bytes = Vec::new();
        GzDecoder::new(&gz[..]).read_to_end(&mut bytes).unwrap();
        proto::Profile::decode(&bytes[..]).unwrap()
    }

    fn string(p: &proto::Profile, id: i64) -> &str {
        &p.string_table[id as usize]
    }

    /// The function names of a sample's stack, leaf first.
    fn stack(p: &proto::Profile, sample: &proto::Sample) -> Vec<String> {
        sample
            .location_id
            .iter()
            .map(|id| {
                let location = p.location.iter().find(|l| l.id == *id).unwrap();
                let function_id = location.line[0].function_id;
                let function = p.function.iter().find(|f| f.id == function_id).unwrap();
                string(p, function.name).to_string()
            })
            .collect()
    }

    /// Each sample's stack (function names) and values.
    fn stacks(p: &proto::Profile) -> Vec<(Vec<String>, Vec<i64>)> {
        p.sample
            .iter()
            .map(|s| (stack(p, s), s.value.clone()))
            .collect()
    }

    #[test]
    fn pprof_totals_are_the_live_bytes_and_samples() {
        let p = decoded(&example());
        let types: Vec<(&str, &str)> = p
            .sample_type
            .iter()
            .map(|t| (string(&p, t.r#type), string(&p, t.unit)))
            .collect();
        assert_eq!(types, [("objects", "count"), ("space", "bytes")]);
        let total = |i: usize| p.sample.iter().map(|s| s.value[i]).sum::<i64>();
        assert_eq!((total(0), total(1)), (4, 1650));
        assert_eq!(string(&p, p.default_sample_type), "space");
        assert_eq!(p.period, 32_768);
        let period_type = p.period_type.clone().unwrap();
        assert_eq!(string(&p, period_type.r#type), "space");
        assert_eq!(p.duration_nanos, 2_500_000_000);
        assert_eq!(p.time_nanos, 1_700_000_000_000_000_000);
    }

    #[test]
    fn pprof_stacks_are_call_paths_leaf_first() {
        let p = decoded(&example());
        let stacks = stacks(&p);
        assert_eq!(
            stacks,
            [
                (vec!["main".to_string()], vec![1, 100]),
                (vec!["parse".into(), "main".into()], vec![1, 1000]),
                (
                    vec!["(anonymous)".into(), "parse".into(), "main".into()],
                    vec![2, 500]
                ),
                (vec!["main".into(), "main".into()], vec![0, 50]),
            ]
        );
        // Recursion reuses the caller's location; V8's `(root)` is no frame.
        let last = &p.sample[3].location_id;
        assert_eq!(last[0], last[1]);
        assert!(!p.string_table.iter().any(|s| s == "(root)"));
    }

    #[test]
    fn pprof_strings_and_frames() {
        let p = decoded(&example());
        assert_eq!(p.string_table[0], "");
        let unique: std::collections::HashSet<&String> = p.string_table.iter().collect();
        assert_eq!(unique.len(), p.string_table.len(), "each string once");
        let parse = p
            .function
            .iter()
            .find(|f| string(&p, f.name) == "parse")
            .unwrap();
        assert_eq!(string(&p, parse.filename), "/app/node_modules/lib/index.js");
        assert_eq!(parse.start_line, 1, "1-based");
        let location = p
            .location
            .iter()
            .find(|l| l.line[0].function_id == parse.id)
            .unwrap();
        assert_eq!((location.line[0].line, location.line[0].column), (1, 5));
        assert!(p
            .location
            .iter()
            .all(|l| l.id > 0 && l.line[0].function_id > 0));
        // A builtin has no file: the empty string.
        let anonymous = p
            .function
            .iter()
            .find(|f| string(&p, f.name) == "(anonymous)")
            .unwrap();
        assert_eq!(anonymous.filename, 0);
    }

    const ROOT_ONLY: &str = r#"{"head":{"callFrame":{"functionName":"(root)","scriptId":"0","url":"","lineNumber":-1,"columnNumber":-1},"selfSize":0,"id":1,"children":[]},"samples":[{"size":8,"nodeId":99,"ordinal":1}]}"#;

    #[test]
    fn empty_and_odd_profiles_convert() {
        let profile = crate::sampling::parse(ROOT_ONLY).unwrap();
        let p = decoded(&profile);
        let stacks = stacks(&p);
        assert_eq!(
            stacks,
            [(vec!["(root)".to_string()], vec![1, 0])],
            "a sample of a node missing from the tree counts for the root"
        );
        assert_eq!(p.string_table[0], "");
        assert!(crate::sampling::parse(r#"{"head": 3}"#).is_err());
    }

    #[test]
    fn heapprofile_is_the_raw_json() {
        let raw = RawValue::from_string(ROOT_ONLY.to_string()).unwrap();
        assert_eq!(heapprofile(&raw), ROOT_ONLY.as_bytes());
    }
}
