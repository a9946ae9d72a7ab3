//! Bad input files, one table: each case is a file (or no file, or a
//! folder) and the text its one-line error must contain. `heapscope summary
//! FILE` must exit 2 with exactly that one line on stderr, naming the file,
//! nothing on stdout and no panic; the cases marked [`ACCEPTED`] (a byte
//! order mark, the untouched snapshot) must read. The files are a small
//! snapshot made here ([`Snap`]), tweaked, cut, compressed or garbled.

use serde_json::{json, Value};
use std::io::Write;

mod common;
use common::{failure_problem, run, temp_dir};

/// The expected "error" of a file that must be read (exit 0).
const ACCEPTED: &str = "<accepted>";

/// A small valid snapshot as parts that cases change: a synthetic root with
/// one property edge to each of 40 objects.
#[derive(Clone)]
struct Snap {
    meta: Value,
    /// Keys of the `snapshot` header besides `meta` (counts included).
    header: serde_json::Map<String, Value>,
    nodes: Vec<Vec<String>>,
    edges: Vec<Vec<String>>,
    /// The JSON text of each entry of the strings array.
    strings: Vec<String>,
}

const OBJECTS: usize = 40;
const FIELDS: usize = 5;

impl Snap {
    fn new() -> Self {
        let meta = json!({
            "node_fields": ["type", "name", "id", "self_size", "edge_count"],
            "node_types": [["hidden", "array", "string", "object", "code", "closure", "regexp",
                "number", "native", "synthetic"], "string", "number", "number", "number"],
            "edge_fields": ["type", "name_or_index", "to_node"],
            "edge_types": [["context", "element", "property", "internal", "hidden", "shortcut",
                "weak"], "string_or_number", "node"],
        });
        let record =
            |values: [usize; 5]| -> Vec<String> { values.iter().map(usize::to_string).collect() };
        let root = record([9, 0, 1, 0, OBJECTS]);
        let objects = (1..=OBJECTS).map(|i| record([3, 1 + i % 4, 2 * i + 1, 8 * i, 0]));
        let edges = (1..=OBJECTS).map(|i| {
            vec![
                2.to_string(),
                (5 + i % 3).to_string(),
                (FIELDS * i).to_string(),
            ]
        });
        let strings = [
            r#""""#,
            r#""Foo""#,
            r#""Bar""#,
            r#""Baz""#,
            r#""Qux""#,
            r#""alpha""#,
            r#""beta""#,
            r#""gamma""#,
            r#""line\nbreak""#,
            r#""caf\u00e9""#,
        ];
        let header =
            json!({"node_count": OBJECTS + 1, "edge_count": OBJECTS, "trace_function_count": 0});
        Snap {
            meta,
            header: header.as_object().unwrap().clone(),
            nodes: std::iter::once(root).chain(objects).collect(),
            edges: edges.collect(),
            strings: strings.map(str::to_string).to_vec(),
        }
    }

    /// This snapshot changed by `change`.
    fn with(&self, change: impl FnOnce(&mut Snap)) -> Snap {
        let mut s = self.clone();
        change(&mut s);
        s
    }

    fn text(&self) -> String {
        let mut header = self.header.clone();
        header.insert("meta".into(), self.meta.clone());
        let records = |r: &[Vec<String>]| {
            r.iter()
                .map(|v| v.join(","))
                .collect::<Vec<_>>()
                .join(",\n")
        };
        format!(
            "{{\"snapshot\":{},\n\"nodes\":[{}],\n\"edges\":[{}],\n\"strings\":[{}]}}",
            Value::Object(header),
            records(&self.nodes),
            records(&self.edges),
            self.strings.join(",\n")
        )
    }

    fn file(&self) -> Input {
        Input::Text(self.text())
    }
}

/// What a case gives `heapscope summary`.
enum Input {
    /// A path where nothing is.
    Missing,
    /// A folder.
    Folder,
    Bytes(Vec<u8>),
    Text(String),
    Gzip(Vec<u8>),
    Zstd(Vec<u8>),
}

type Case = (&'static str, Input, &'static str);

fn gzip(text: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text).unwrap();
    gz.finish().unwrap()
}

/// The first `percent` % of `text`.
fn cut_at(text: &str, percent: usize) -> Input {
    Input::Bytes(text.as_bytes()[..text.len() * percent / 100].to_vec())
}

/// `text` up to `keep` bytes into the first `needle`.
fn cut_in(text: &str, needle: &str, keep: usize) -> Input {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} in the snapshot"));
    Input::Text(text[..at + keep].to_string())
}

/// Files that are not snapshots at all (and the two that are).
fn file_cases(good: &Snap) -> Vec<Case> {
    let text = good.text();
    vec![
        ("accepted", good.file(), ACCEPTED),
        ("bom", Input::Text(format!("\u{feff}{text}")), ACCEPTED),
        ("missing", Input::Missing, "cannot open: no such file"),
        (
            "folder",
            Input::Folder,
            "is a directory, expected a .heapsnapshot file",
        ),
        ("empty", Input::Bytes(vec![]), "file is empty"),
        ("blank", Input::Text(" \n\t\n".into()), "file is empty"),
        ("bom-only", Input::Text("\u{feff}".into()), "file is empty"),
        (
            "half-a-bom",
            Input::Bytes(b"\xef\xbb{}".to_vec()),
            "expected '{' or a UTF-8 byte order mark, found '{'",
        ),
        (
            "prose",
            Input::Text("hello, this is not a snapshot\n".into()),
            "at byte 0: not a heap snapshot: expected '{'",
        ),
        (
            "binary",
            Input::Bytes((0..=255).collect()),
            "not a heap snapshot: expected '{' (a JSON object), found byte 0x00",
        ),
        (
            "json-array",
            Input::Text("[1,2,3]".into()),
            "not a heap snapshot: expected '{'",
        ),
        (
            "other-json",
            Input::Text(r#"{"a":1}"#.into()),
            "not a heap snapshot: no \"snapshot\" header",
        ),
    ]
}

/// Snapshots cut short, badly compressed, or with more after them.
fn cut_cases(good: &Snap) -> Vec<Case> {
    let text = good.text();
    let gz = gzip(text.as_bytes());
    let zst = zstd::encode_all(text.as_bytes(), 3).unwrap();
    let mut garbled = gz.clone();
    let mid = garbled.len() / 2;
    garbled[mid..mid + 16].iter_mut().for_each(|b| *b ^= 0x5a);
    vec![
        (
            "cut-10",
            cut_at(&text, 10),
            "unexpected end of file inside the snapshot header (truncated file?)",
        ),
        (
            "cut-50",
            cut_at(&text, 50),
            "unexpected end of file inside a number array (truncated file?)",
        ),
        (
            "cut-99",
            cut_at(&text, 99),
            "unexpected end of file inside the strings array (truncated file?)",
        ),
        (
            "cut-in-number",
            cut_in(&text, "1,0,40", 5),
            "unexpected end of file inside a number array",
        ),
        (
            "cut-in-string",
            cut_in(&text, "\"alpha", 3),
            "unexpected end of file inside a string (truncated file?)",
        ),
        (
            "cut-in-strings",
            cut_in(&text, "\"alpha\"", 7),
            "unexpected end of file inside the strings array",
        ),
        (
            "cut-after-comma",
            cut_in(&text, "\"alpha\",", 8),
            "unexpected end of file inside the strings array",
        ),
        (
            "cut-in-escape",
            cut_in(&text, "line\\n", 5),
            "unexpected end of file inside a string escape",
        ),
        (
            "cut-in-u-escape",
            cut_in(&text, "\\u00e9", 4),
            "unexpected end of file inside a \\u escape",
        ),
        (
            "not-closed",
            Input::Text(text.trim_end_matches('}').into()),
            "the snapshot's top-level object is not closed",
        ),
        (
            "gzip-cut",
            Input::Gzip(gz[..gz.len() / 2].to_vec()),
            "gzip stream is corrupt or truncated",
        ),
        (
            "gzip-garbled",
            Input::Gzip(garbled),
            "gzip stream is corrupt or truncated",
        ),
        (
            "zstd-cut",
            Input::Zstd(zst[..zst.len() / 2].to_vec()),
            "zstd stream is corrupt or truncated",
        ),
        (
            "trailing-garbage",
            Input::Text(format!("{text}\nxyz")),
            "unexpected 'x' after the end of the snapshot",
        ),
        (
            "two-snapshots",
            Input::Text(format!("{text}{text}")),
            "unexpected '{' after the end of the snapshot",
        ),
    ]
}

/// Headers and meta that do not describe the records.
fn meta_cases(good: &Snap) -> Vec<Case> {
    let meta = |change: fn(&mut serde_json::Map<String, Value>)| {
        good.with(|s| change(s.meta.as_object_mut().unwrap()))
            .file()
    };
    let header = |key: &'static str, value: Value| {
        good.with(|s| match value {
            Value::Null => drop(s.header.remove(key)),
            v => drop(s.header.insert(key.into(), v)),
        })
        .file()
    };
    let text = good.text();
    vec![
        (
            "no-node-fields",
            meta(|m| drop(m.remove("node_fields"))),
            "invalid \"snapshot\" header: missing field `node_fields`",
        ),
        (
            "no-edge-fields",
            meta(|m| drop(m.remove("edge_fields"))),
            "invalid \"snapshot\" header: missing field `edge_fields`",
        ),
        (
            "no-edge-count-field",
            meta(|m| {
                m["node_fields"].as_array_mut().unwrap().pop();
                m["node_types"].as_array_mut().unwrap().pop();
            }),
            "unsupported snapshot: snapshot.meta.node_fields lacks \"edge_count\"",
        ),
        (
            "types-vs-fields",
            meta(|m| drop(m["node_types"].as_array_mut().unwrap().pop())),
            "snapshot.meta.node_types has 4 entries, but node_fields has 5",
        ),
        (
            "no-type-names",
            meta(|m| m["node_types"][0] = json!("string")),
            "snapshot.meta.node_types has no list of type names",
        ),
        (
            "no-node-count",
            header("node_count", Value::Null),
            "snapshot header lacks \"node_count\"",
        ),
        (
            "node-count-high",
            header("node_count", json!(OBJECTS + 2)),
            "the nodes array has 205 values, expected node_count (42) x 5 fields = 210",
        ),
        (
            "node-count-low",
            header("node_count", json!(OBJECTS)),
            "the nodes array has more than node_count (40) x 5 values",
        ),
        (
            "edge-count-high",
            header("edge_count", json!(OBJECTS + 1)),
            "the edges array has 120 values, expected edge_count (41) x 3 fields = 123",
        ),
        (
            "node-count-zero",
            header("node_count", json!(0)),
            "snapshot has no nodes (node_count is 0)",
        ),
        (
            "node-count-negative",
            header("node_count", json!(-1)),
            "invalid \"snapshot\" header: invalid value: integer `-1`",
        ),
        (
            "root-index",
            header("root_index", json!(7)),
            "snapshot.root_index 7 is not a node index",
        ),
        (
            "header-not-object",
            Input::Text(text.replacen("\"snapshot\":{", "\"snapshot\":5,\"x\":{", 1)),
            "expected '{' starting the \"snapshot\" header (a JSON object), found '5'",
        ),
        (
            "nodes-first",
            Input::Text("{\"nodes\":[1,2]}".into()),
            "found \"nodes\" before the \"snapshot\" header",
        ),
        (
            "nodes-object",
            Input::Text(text.replacen("\"nodes\":[", "\"nodes\":{", 1)),
            "expected '[' starting the nodes array, found '{'",
        ),
        (
            "no-strings",
            Input::Text(text[..text.find(",\n\"strings\"").unwrap()].to_string() + "}"),
            "not a heap snapshot: no \"strings\" array",
        ),
    ]
}

/// Records that break the graph.
fn record_cases(good: &Snap) -> Vec<Case> {
    let node = |i: usize, f: usize, v: &str| good.with(|s| s.nodes[i][f] = v.into()).file();
    let edge = |i: usize, f: usize, v: &str| good.with(|s| s.edges[i][f] = v.into()).file();
    let past = (FIELDS * (OBJECTS + 1)).to_string();
    vec![
        ("node-type", node(5, 0, "99"), "node 5's type is 99, but snapshot.meta lists 10 node types"),
        ("edge-type", edge(2, 0, "50"), "edge 2's type is 50, but snapshot.meta lists 7 edge types"),
        ("target-past", edge(3, 2, &past), "edge 3's to_node is 205, which is not a node: past the last one (node_count 41, 5 fields per node)"),
        ("target-between", edge(3, 2, "7"), "edge 3's to_node is 7, which is not a node: not a multiple of the 5 fields per node"),
        ("edge-counts", node(0, 4, "38"), "nodes' edge_count fields add up to 38, but the edges array holds 40 edges"),
        ("node-name", node(4, 1, "500"), "node 4's name is string 500, but the strings array has 10 entries"),
        ("edge-name", edge(6, 1, "500"), "edge 6's name_or_index is string 500, but the strings array has 10 entries"),
        ("duplicate-ids", node(7, 2, "7"), "nodes 3 and 7 have the same id 7 (ids must be unique)"),
        ("nodes-not-whole", good.with(|s| drop(s.nodes[OBJECTS].pop())).file(), "the nodes array has 204 values, expected node_count (41) x 5 fields = 205"),
        ("edges-not-whole", good.with(|s| drop(s.edges[OBJECTS - 1].pop())).file(), "the edges array has 119 values, expected edge_count (40) x 3 fields = 120"),
        ("two-problems", good.with(|s| {
            s.nodes[9][0] = "99".into();
            s.nodes[30][2] = "5000000000".into();
        }).file(), "node 9's type is 99"),
    ]
}

/// Values that are not unsigned integers of the size their field takes.
fn number_cases(good: &Snap) -> Vec<Case> {
    let size = |v: &str| good.with(|s| s.nodes[5][3] = v.into()).file();
    let prefix = "node 5's self_size: expected a digit, ',' or ']' in a number array, found";
    vec![
        ("negative", size("-8"), "node 5's self_size: expected a digit, ',' or ']' in a number array, found '-' (a negative number"),
        ("fraction", size("8.5"), "node 5's self_size: expected a digit, ',' or ']' in a number array, found '.' (a fraction"),
        ("exponent", size("8e3"), "found 'e' (a fraction or an exponent"),
        ("nan", size("NaN"), "found 'N' (NaN or Infinity"),
        ("null", size("null"), prefix),
        ("quoted", size("\"8\""), prefix),
        ("over-64-bits", size("18446744073709551616"), "node 5's self_size: a number has more than 19 digits"),
        ("25-digits", size("1234567890123456789012345"), "node 5's self_size: a number has more than 19 digits"),
        ("id-over-32-bits", good.with(|s| s.nodes[5][2] = "5000000000".into()).file(), "node 5's id is 5000000000, more than 32 bits"),
        ("edge-count-2^33", good.with(|s| s.nodes[0][4] = "8589934592".into()).file(), "node 0's edge_count is 8589934592, more than 32 bits"),
        ("target-over-32-bits", good.with(|s| s.edges[1][2] = "14000000000".into()).file(), "edge 1's to_node is 14000000000, more than 32 bits"),
    ]
}

/// A strings array that is not an array of strings.
fn string_cases(good: &Snap) -> Vec<Case> {
    let entry = |v: &str| good.with(|s| s.strings[3] = v.into()).file();
    vec![
        (
            "nested-array",
            entry("[\"x\"]"),
            "strings array entry 3: expected a string, found '['",
        ),
        (
            "nested-object",
            entry("{}"),
            "strings array entry 3: expected a string, found '{'",
        ),
        (
            "number-string",
            entry("42"),
            "strings array entry 3: expected a string, found '4'",
        ),
        (
            "bad-u-escape",
            entry("\"\\u00zz\""),
            "expected 4 hex digits after \\u, found 'z'",
        ),
        (
            "first-not-string",
            good.with(|s| s.strings[0] = "7".into()).file(),
            "expected a string, ',' or ']' in the strings array, found '7'",
        ),
    ]
}

#[test]
fn every_bad_file_is_one_clear_line_and_exit_2() {
    let good = Snap::new();
    let cases: Vec<Case> = [
        file_cases,
        cut_cases,
        meta_cases,
        record_cases,
        number_cases,
        string_cases,
    ]
    .iter()
    .flat_map(|section| section(&good))
    .collect();
    assert!(cases.len() >= 35, "{} cases", cases.len());
    let dir = temp_dir("bad-input");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(name, input, expected)| {
            check(&dir, name, input, expected).map(|p| format!("{name}: {p}"))
        })
        .collect();
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Runs `heapscope summary` on the case's file; what is wrong, if anything.
fn check(dir: &std::path::Path, name: &str, input: &Input, expected: &str) -> Option<String> {
    let path = match input {
        Input::Missing => dir.join("nowhere").join(format!("{name}.heapsnapshot")),
        Input::Folder => {
            let p = dir.join(format!("{name}.heapsnapshot"));
            std::fs::create_dir_all(&p).unwrap();
            p
        }
        Input::Bytes(b) => write(dir, &format!("{name}.heapsnapshot"), b),
        Input::Text(t) => write(dir, &format!("{name}.heapsnapshot"), t.as_bytes()),
        Input::Gzip(b) => write(dir, &format!("{name}.heapsnapshot.gz"), b),
        Input::Zstd(b) => write(dir, &format!("{name}.heapsnapshot.zst"), b),
    };
    let file = path.to_str().unwrap();
    let out = run(&["summary", file]);
    if expected == ACCEPTED {
        let err = String::from_utf8_lossy(&out.stderr);
        return (!out.status.success() || out.stdout.is_empty()).then(|| {
            format!(
                "should be read: exit {:?}, stderr {err:?}",
                out.status.code()
            )
        });
    }
    failure_problem(&out, &[file, expected])
}

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}
