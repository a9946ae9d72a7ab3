//! Shared helpers for tests: where `shared/` is, and loading fixtures.

#![allow(dead_code)]

use std::path::PathBuf;

/// The project's `shared/` folder (`HEAPSCOPE_SHARED` overrides).
pub fn shared_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("HEAPSCOPE_SHARED") {
        return PathBuf::from(p);
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for up in here.ancestors() {
        let candidate = up.join("shared");
        if candidate.join("fixtures").is_dir() {
            return candidate;
        }
        let sibling = up.join("../shared");
        if sibling.join("fixtures").is_dir() {
            return sibling;
        }
    }
    panic!("cannot find shared/ (set HEAPSCOPE_SHARED)");
}

pub fn fixture(name: &str) -> PathBuf {
    shared_dir().join("fixtures").join(name)
}

pub fn oracle_json(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(fixture(name)).expect("oracle json");
    serde_json::from_str(&text).expect("valid json")
}

pub fn analyze(name: &str) -> heapscope_analysis::Analysis {
    analyze_keeping(name, heapscope_analysis::Keep::Graph)
}

pub fn analyze_keeping(name: &str, keep: heapscope_analysis::Keep) -> heapscope_analysis::Analysis {
    let path = fixture(name);
    let snap = heapscope_snapshot::read_snapshot(path.to_str().unwrap()).expect("fixture parses");
    match keep {
        heapscope_analysis::Keep::Graph => heapscope_analysis::Analysis::new(snap),
        heapscope_analysis::Keep::GraphAndRetainers => {
            heapscope_analysis::Analysis::with_reverse_index(snap)
        }
        heapscope_analysis::Keep::ClassTable => heapscope_analysis::Analysis::for_class_table(snap),
    }
}
