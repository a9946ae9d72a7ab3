//! Shared helpers for tests: the repository's fixtures (`tests/fixtures/`,
//! made by its `make-fixtures.sh`), loading them, and the checks of heapscope's
//! views against what the DevTools harness recorded.

#![allow(dead_code)]

pub mod devtools;
pub mod retainers;

use std::path::{Path, PathBuf};

/// The repository's fixtures folder, `tests/fixtures/`.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

pub fn fixture(name: &str) -> PathBuf {
    fixtures_dir().join(name)
}

pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("valid json")
}

/// A JSON file that the DevTools harness recorded beside the fixtures.
pub fn oracle_json(name: &str) -> serde_json::Value {
    read_json(&fixture(name))
}

pub fn analyze(name: &str) -> heapscope_analysis::Analysis {
    analyze_path(&fixture(name), heapscope_analysis::Keep::Graph)
}

pub fn analyze_keeping(name: &str, keep: heapscope_analysis::Keep) -> heapscope_analysis::Analysis {
    analyze_path(&fixture(name), keep)
}

pub fn analyze_path(path: &Path, keep: heapscope_analysis::Keep) -> heapscope_analysis::Analysis {
    let snap = heapscope_snapshot::read_snapshot(path.to_str().unwrap()).expect("fixture parses");
    match keep {
        heapscope_analysis::Keep::Graph => heapscope_analysis::Analysis::new(snap),
        heapscope_analysis::Keep::GraphAndRetainers => {
            heapscope_analysis::Analysis::with_reverse_index(snap)
        }
        heapscope_analysis::Keep::ClassTable => heapscope_analysis::Analysis::for_class_table(snap),
        heapscope_analysis::Keep::GraphWithoutDistances => {
            heapscope_analysis::Analysis::without_distances(snap)
        }
    }
}
