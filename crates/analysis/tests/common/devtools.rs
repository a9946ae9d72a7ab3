//! heapscope's views against DevTools' output (the JSON that
//! `tools/devtools-oracle/devtools-oracle.sh` prints): Summary rows,
//! Statistics, the top-retained list, per-node retained size, distance and
//! dominator, duplicate strings and the Comparison view (the Retainers view
//! is in `retainers.rs`). Each check takes the snapshot (or its analysis) and
//! DevTools' answer.

use super::analyze_path;
use heapscope_analysis::{Analysis, Keep};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Summary rows, totals and inferred interfaces; the same whether the whole
/// graph is kept or only the class table.
pub fn check_summary(snapshot: &Path, oracle: &Value) {
    for keep in [Keep::Graph, Keep::ClassTable] {
        check_summary_keeping(&analyze_path(snapshot, keep), oracle, keep);
    }
}

/// Summary rows, totals and inferred interfaces of an analysis made as `keep` says.
pub fn check_summary_keeping(a: &Analysis, o: &Value, keep: Keep) {
    let ours = serde_json::to_value(a.summary()).unwrap();
    let theirs = &o["summary"];
    for key in ["total_count", "total_self_size", "class_count"] {
        assert_eq!(ours[key], theirs[key], "{key} ({keep:?})");
    }
    let (ours, theirs) = (
        ours["classes"].as_array().unwrap(),
        theirs["classes"].as_array().unwrap(),
    );
    assert_eq!(ours.len(), theirs.len());
    for (x, y) in ours.iter().zip(theirs) {
        assert_eq!(x, y, "class row differs ({keep:?})");
    }
    assert_eq!(a.total_size(), o["total_size"].as_f64().unwrap());
    let interfaces = serde_json::to_value(&a.interfaces).unwrap();
    assert_eq!(interfaces, o["interface_definitions"]);
}

/// The Statistics view (less DevTools' raw numbers) and the top-retained list.
pub fn check_stats_and_top(a: &Analysis, o: &Value) {
    let mut theirs = o["statistics"].clone();
    theirs.as_object_mut().unwrap().remove("raw");
    assert_eq!(serde_json::to_value(a.statistics()).unwrap(), theirs);
    let top = o["top_retained"].as_array().unwrap();
    let ours: Vec<Value> = a
        .top_nodes(top.len(), |_| true)
        .into_iter()
        .map(|v| serde_json::to_value(a.top_object(v)).unwrap())
        .collect();
    assert_eq!(ours.len(), top.len());
    for (x, y) in ours.iter().zip(top) {
        let mut y = y.clone();
        y.as_object_mut().unwrap().remove("node_index");
        assert_eq!(x, &y);
    }
}

/// Every node against the harness's `--nodes-tsv` output (gzip): id, self
/// size, retained size, distance and dominator id, in file order.
pub fn check_every_node(a: &Analysis, nodes_tsv_gz: &Path) {
    let file = std::fs::File::open(nodes_tsv_gz).unwrap();
    let lines = BufReader::new(flate2::read::GzDecoder::new(file)).lines();
    let mut checked = 0usize;
    for (v, line) in lines.skip(1).enumerate() {
        let line = line.unwrap();
        let f: Vec<&str> = line.split('\t').collect();
        let ctx = |what: &str| format!("{what} of node {v} (id {})", f[0]);
        assert_eq!(a.snap.nodes.id[v].to_string(), f[0], "{}", ctx("id"));
        let self_size = a.snap.nodes.self_size.get(v).to_string();
        assert_eq!(self_size, f[1], "{}", ctx("self size"));
        assert_eq!(a.retained[v].to_string(), f[2], "{}", ctx("retained size"));
        assert_eq!(a.distances[v].to_string(), f[3], "{}", ctx("distance"));
        let dom_id = a.snap.nodes.id[a.dom[v] as usize];
        assert_eq!(dom_id.to_string(), f[4], "{}", ctx("dominator"));
        checked += 1;
    }
    assert_eq!(checked, a.snap.node_count());
}

/// Duplicate strings: the group count, and value, count, sizes and ids of
/// the groups DevTools listed.
pub fn check_duplicate_strings(a: &Analysis, o: &Value) {
    let theirs = &o["duplicate_strings"];
    let ours = a.duplicate_strings(2);
    assert_eq!(ours.len() as u64, theirs["group_count"].as_u64().unwrap());
    let top = theirs["top"].as_array().unwrap();
    assert!(!top.is_empty());
    for (x, y) in ours.iter().zip(top) {
        assert_eq!(x.value, y["value"].as_str().unwrap());
        let number = |key: &str| y[key].as_u64().unwrap();
        assert_eq!(x.count, number("count"), "{:?}", x.value);
        assert_eq!(x.self_size, number("self_size"), "{:?}", x.value);
        assert_eq!(x.retained_size, number("retained_size"), "{:?}", x.value);
        assert_eq!(x.truncated, y["truncated"].as_bool().unwrap());
        let ids: Vec<u64> = y["node_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        let ours: Vec<u64> = x.node_ids.iter().map(|&i| i as u64).collect();
        assert_eq!(ours, ids);
        assert!(x.wasted_size < x.self_size);
    }
}

/// The Comparison view of `base` -> `target` against a `--diff` run.
pub fn check_comparison(base: &Analysis, target: &Analysis, o: &Value) {
    let ours = serde_json::to_value(heapscope_analysis::diff::compare(base, target)).unwrap();
    assert_eq!(ours["totals"], o["comparison"]["totals"]);
    let (x, y) = (
        ours["classes"].as_array().unwrap(),
        o["comparison"]["classes"].as_array().unwrap(),
    );
    assert_eq!(x.len(), y.len());
    for (r, s) in x.iter().zip(y) {
        assert_eq!(r, s);
    }
}
