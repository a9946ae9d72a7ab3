//! The engine's views equal the DevTools oracle's stored output on the fixtures:
//! Summary rows, Statistics, the top-retained list, and per-node retained
//! size, distance and dominator.

mod common;

use common::{analyze, analyze_keeping, fixture, oracle_json};
use heapscope_analysis::Keep;
use serde_json::Value;
use std::io::{BufRead, BufReader};

fn check_summary(snapshot: &str, oracle: &str) {
    // The same rows whether the whole graph is kept or only the class table.
    for keep in [Keep::Graph, Keep::ClassTable] {
        check_summary_keeping(snapshot, oracle, keep);
    }
}

fn check_summary_keeping(snapshot: &str, oracle: &str, keep: Keep) {
    let a = analyze_keeping(snapshot, keep);
    let o = oracle_json(oracle);
    let ours = serde_json::to_value(a.summary()).unwrap();
    let theirs = &o["summary"];
    assert_eq!(ours["total_count"], theirs["total_count"]);
    assert_eq!(ours["total_self_size"], theirs["total_self_size"]);
    assert_eq!(ours["class_count"], theirs["class_count"]);
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

#[test]
fn summary_matches_devtools_small_a() {
    check_summary("small-a.heapsnapshot.gz", "small-a.devtools.json");
}

#[test]
fn summary_matches_devtools_small_b() {
    check_summary("small-b.heapsnapshot.gz", "small-b.devtools.json");
}

fn check_stats_and_top(snapshot: &str, oracle: &str) {
    let a = analyze(snapshot);
    let o = oracle_json(oracle);
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

#[test]
fn statistics_and_top_match_devtools_small_a() {
    check_stats_and_top("small-a.heapsnapshot.gz", "small-a.devtools.json");
}

#[test]
fn statistics_and_top_match_devtools_small_b() {
    check_stats_and_top("small-b.heapsnapshot.gz", "small-b.devtools.json");
}

#[test]
fn every_node_matches_devtools_small_a() {
    let a = analyze("small-a.heapsnapshot.gz");
    let file = std::fs::File::open(fixture("small-a.devtools-nodes.tsv.gz")).unwrap();
    let lines = BufReader::new(flate2::read::GzDecoder::new(file)).lines();
    let mut checked = 0usize;
    for (i, line) in lines.skip(1).enumerate() {
        let line = line.unwrap();
        let f: Vec<&str> = line.split('\t').collect();
        let v = i;
        let ctx = || format!("node {i} (id {})", f[0]);
        assert_eq!(a.snap.nodes.id[v].to_string(), f[0], "{}", ctx());
        assert_eq!(
            a.snap.nodes.self_size[v].to_string(),
            f[1],
            "self size of {}",
            ctx()
        );
        assert_eq!(
            a.retained[v].to_string(),
            f[2],
            "retained size of {}",
            ctx()
        );
        assert_eq!(a.distances[v].to_string(), f[3], "distance of {}", ctx());
        let dom_id = a.snap.nodes.id[a.dom[v] as usize];
        assert_eq!(dom_id.to_string(), f[4], "dominator of {}", ctx());
        checked += 1;
    }
    assert_eq!(checked, a.snap.node_count());
}

fn check_duplicate_strings(snapshot: &str, oracle: &str) {
    let a = analyze(snapshot);
    let o = oracle_json(oracle);
    let theirs = &o["duplicate_strings"];
    let ours = a.duplicate_strings(2);
    assert_eq!(ours.len() as u64, theirs["group_count"].as_u64().unwrap());
    let top = theirs["top"].as_array().unwrap();
    assert!(!top.is_empty());
    for (x, y) in ours.iter().zip(top) {
        assert_eq!(x.value, y["value"].as_str().unwrap());
        assert_eq!(x.count, y["count"].as_u64().unwrap(), "{:?}", x.value);
        assert_eq!(
            x.self_size,
            y["self_size"].as_u64().unwrap(),
            "{:?}",
            x.value
        );
        assert_eq!(
            x.retained_size,
            y["retained_size"].as_u64().unwrap(),
            "{:?}",
            x.value
        );
        assert_eq!(x.truncated, y["truncated"].as_bool().unwrap());
        let ids: Vec<u64> = y["node_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(
            x.node_ids.iter().map(|&i| i as u64).collect::<Vec<_>>(),
            ids
        );
        assert!(x.wasted_size < x.self_size);
    }
}

#[test]
fn duplicate_strings_match_devtools() {
    check_duplicate_strings("small-a.heapsnapshot.gz", "small-a.devtools.json");
    check_duplicate_strings("small-b.heapsnapshot.gz", "small-b.devtools.json");
}

#[test]
fn comparison_matches_devtools_small_a_vs_b() {
    let a = analyze("small-a.heapsnapshot.gz");
    let b = analyze("small-b.heapsnapshot.gz");
    let o = oracle_json("small-a-vs-b.devtools.json");
    let ours = serde_json::to_value(heapscope_analysis::diff::compare(&a, &b)).unwrap();
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
