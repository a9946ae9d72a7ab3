//! Hand-made snapshots for the detectors' unit tests: a builder of small
//! heap graphs (written as `.heapsnapshot` text and read back by the real
//! reader), and a three-snapshot series of a module array that gets more
//! items every time.

use crate::Analysis;
use heapscope_snapshot::{read_snapshot, HeapSnapshot};
use std::sync::atomic::{AtomicUsize, Ordering};

const META: &str = r#"{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape"],"string","number","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"],"location_fields":["object_index","script_id","line","column"]}"#;
const NODE_TYPES: &[&str] = &[
    "hidden",
    "array",
    "string",
    "object",
    "code",
    "closure",
    "regexp",
    "number",
    "native",
    "synthetic",
    "concatenated string",
    "sliced string",
    "symbol",
    "bigint",
    "object shape",
];
const EDGE_TYPES: &[&str] = &[
    "context", "element", "property", "internal", "hidden", "shortcut", "weak",
];

/// A heap graph under construction; node 0 is the root.
pub struct Graph {
    nodes: Vec<(usize, String, u32, u32)>,
    edges: Vec<Vec<(usize, String, usize)>>,
}

impl Graph {
    pub fn new() -> Self {
        let mut g = Graph {
            nodes: Vec::new(),
            edges: Vec::new(),
        };
        g.node("synthetic", "", 1, 0);
        g
    }

    /// A node (`ty` a V8 node type name); returns its index.
    pub fn node(&mut self, ty: &str, name: &str, id: u32, size: u32) -> usize {
        let ty = NODE_TYPES.iter().position(|t| *t == ty).expect("node type");
        self.nodes.push((ty, name.to_string(), id, size));
        self.edges.push(Vec::new());
        self.nodes.len() - 1
    }

    /// An edge (`ty` a V8 edge type name; an element's name is its index).
    pub fn edge(&mut self, from: usize, ty: &str, name: &str, to: usize) {
        let ty = EDGE_TYPES.iter().position(|t| *t == ty).expect("edge type");
        self.edges[from].push((ty, name.to_string(), to));
    }

    /// The graph read back by the snapshot reader and analyzed.
    pub fn analysis(&self) -> Analysis {
        Analysis::with_reverse_index(self.snapshot())
    }

    /// The graph read back by the snapshot reader.
    pub fn snapshot(&self) -> HeapSnapshot {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let mut strings: Vec<String> = vec![String::new()];
        let mut sid = |s: &str| match strings.iter().position(|x| x == s) {
            Some(i) => i,
            None => {
                strings.push(s.to_string());
                strings.len() - 1
            }
        };
        let mut nodes = Vec::new();
        for (i, (ty, name, id, size)) in self.nodes.iter().enumerate() {
            let name = sid(name);
            nodes.push(format!(
                "{ty},{name},{id},{size},{},0,0",
                self.edges[i].len()
            ));
        }
        let mut edges = Vec::new();
        for list in &self.edges {
            for (ty, name, to) in list {
                let name = match EDGE_TYPES[*ty] {
                    "element" | "hidden" => name.parse::<usize>().expect("index"),
                    _ => sid(name),
                };
                edges.push(format!("{ty},{name},{}", to * 7));
            }
        }
        let strings: Vec<String> = strings.iter().map(|s| format!("{s:?}")).collect();
        let text = format!(
            "{{\"snapshot\":{{\"meta\":{META},\"node_count\":{},\"edge_count\":{},\"trace_function_count\":0}},\n\"nodes\":[{}],\n\"edges\":[{}],\n\"locations\":[],\n\"strings\":[{}]}}",
            self.nodes.len(),
            edges.len(),
            nodes.join(","),
            edges.join(","),
            strings.join(",")
        );
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "heapscope-leaks-{}-{n}.heapsnapshot",
            std::process::id()
        ));
        std::fs::write(&path, text).unwrap();
        let snap = read_snapshot(path.to_str().unwrap()).unwrap();
        std::fs::remove_file(&path).unwrap();
        snap
    }
}

/// What a [`module_array`] series holds from where.
#[derive(Clone, Copy)]
pub struct Shape {
    /// Items per snapshot.
    pub items: [u32; 3],
    /// Bytes per item.
    pub item_size: u32,
    /// The array is reached from the stack only (a running callback's local).
    pub on_stack: bool,
}

/// Three snapshots of one process: root → (GC roots) → a module `Object`
/// (or `(Stack roots)`) → `.list` Array → `elements` store → `Item`s, with
/// the same ids for the same objects in every snapshot.
pub fn module_array(shape: Shape) -> Vec<Analysis> {
    module_array_with(shape, Analysis::with_reverse_index)
}

/// [`module_array`], each snapshot analyzed by `analyze`.
pub fn module_array_with(shape: Shape, analyze: fn(HeapSnapshot) -> Analysis) -> Vec<Analysis> {
    shape
        .items
        .iter()
        .map(|&count| {
            let mut g = Graph::new();
            let roots = g.node("synthetic", "(GC roots)", 3, 0);
            g.edge(0, "element", "1", roots);
            let holder_name = if shape.on_stack {
                "(Stack roots)"
            } else {
                "(Global handles)"
            };
            let handles = g.node("synthetic", holder_name, 5, 0);
            g.edge(roots, "element", "1", handles);
            let module = g.node("object", "Object", 7, 32);
            g.edge(handles, "element", "1", module);
            let list = g.node("object", "Array", 9, 32);
            g.edge(module, "property", "list", list);
            let store = g.node("array", "", 11, 16 + 8 * count);
            g.edge(list, "internal", "elements", store);
            for k in 0..count {
                let item = g.node("object", "Item", 1001 + 2 * k, shape.item_size);
                g.edge(store, "element", &k.to_string(), item);
            }
            analyze(g.snapshot())
        })
        .collect()
}
