//! The engine's views equal what Chrome DevTools shows for the repository's
//! fixtures (`tests/fixtures/`, recorded by `make-fixtures.sh` with the
//! DevTools harness in `tools/devtools-oracle/`): Summary rows, Statistics,
//! the top-retained list, per-node retained size, distance and dominator,
//! duplicate strings, the Comparison view and the Retainers view.

mod common;

use common::devtools::{
    check_comparison, check_duplicate_strings, check_every_node, check_stats_and_top, check_summary,
};
use common::retainers::check_retainers;
use common::{analyze, fixture, oracle_json};

#[test]
fn summary_matches_devtools_small_a() {
    check_summary(
        &fixture("small-a.heapsnapshot.gz"),
        &oracle_json("small-a.devtools.json"),
    );
}

#[test]
fn summary_matches_devtools_small_b() {
    check_summary(
        &fixture("small-b.heapsnapshot.gz"),
        &oracle_json("small-b.devtools.json"),
    );
}

#[test]
fn statistics_and_top_match_devtools_small_a() {
    let a = analyze("small-a.heapsnapshot.gz");
    check_stats_and_top(&a, &oracle_json("small-a.devtools.json"));
}

#[test]
fn statistics_and_top_match_devtools_small_b() {
    let b = analyze("small-b.heapsnapshot.gz");
    check_stats_and_top(&b, &oracle_json("small-b.devtools.json"));
}

#[test]
fn every_node_matches_devtools_small_a() {
    let a = analyze("small-a.heapsnapshot.gz");
    check_every_node(&a, &fixture("small-a.devtools-nodes.tsv.gz"));
}

#[test]
fn duplicate_strings_match_devtools() {
    let a = analyze("small-a.heapsnapshot.gz");
    check_duplicate_strings(&a, &oracle_json("small-a.devtools.json"));
    let b = analyze("small-b.heapsnapshot.gz");
    check_duplicate_strings(&b, &oracle_json("small-b.devtools.json"));
}

#[test]
fn comparison_matches_devtools_small_a_vs_b() {
    let a = analyze("small-a.heapsnapshot.gz");
    let b = analyze("small-b.heapsnapshot.gz");
    check_comparison(&a, &b, &oracle_json("small-a-vs-b.devtools.json"));
}

#[test]
fn retainers_view_matches_devtools_small_a() {
    let a = analyze("small-a.heapsnapshot.gz");
    let recorded = oracle_json("small-a.devtools-retainers.json");
    let checked = check_retainers(&a, &recorded, "small-a");
    assert!(checked >= 60, "{checked} objects recorded");
}

#[test]
fn a_class_table_keeps_only_the_class_names_text() {
    let full = analyze("small-a.heapsnapshot.gz");
    let lean = common::analyze_keeping(
        "small-a.heapsnapshot.gz",
        heapscope_analysis::Keep::ClassTable,
    );
    let class_names: std::collections::HashSet<u32> = full.class_name.iter().copied().collect();
    // The snapshot's own strings (the analyses append class names after them).
    let path = fixture("small-a.heapsnapshot.gz");
    let read = heapscope_snapshot::read_snapshot(path.to_str().unwrap()).unwrap();
    let mut emptied = 0;
    for id in 0..read.strings.len() as u32 {
        let (kept, text) = (lean.snap.strings.get(id), full.snap.strings.get(id));
        if class_names.contains(&id) {
            assert_eq!(kept, text, "class name {id}");
        } else {
            assert_eq!(kept, "", "string {id} ({text:?}) is no class name");
            emptied += usize::from(!text.is_empty());
        }
    }
    assert!(emptied > 1000, "{emptied} strings emptied");
    assert!(lean.snap.strings.text_bytes() * 4 < full.snap.strings.text_bytes());
}
