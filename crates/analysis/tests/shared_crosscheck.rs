//! Opt-in cross-check against the project's `shared/` folder, which holds the
//! DevTools oracle and fixtures that the tests once depended on. The default
//! test run never looks for it: this target prints "skipped: ..." and passes
//! unless `HEAPSCOPE_SHARED` names that folder (as for the scenario
//! cross-check in `crates/cli/tests/scenarios_oracle.rs`; `.ci/run` sets it
//! when `../shared` is there). Then it checks:
//!
//! - the repository's harness (`tools/devtools-oracle`) prints, on shared's
//!   fixtures, the JSON and per-node TSV that shared's oracle recorded there;
//! - shared's oracle, run live on the repository's fixtures, prints the JSON
//!   that `tests/fixtures/make-fixtures.sh` recorded with our harness;
//! - heapscope's views equal both on shared's fixtures.
//!
//! Needs `node`, `npm` and the npm registry (both harnesses install on first use).

mod common;

use common::devtools::{
    check_comparison, check_duplicate_strings, check_every_node, check_stats_and_top, check_summary,
};
use common::{analyze_path, fixture, read_json};
use heapscope_analysis::Keep;
use serde_json::Value;
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `$HEAPSCOPE_SHARED`, when the cross-check is asked for; None (after saying
/// so) when not.
fn shared_dir() -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("HEAPSCOPE_SHARED").filter(|d| !d.is_empty()) else {
        // Straight to stderr, past the test harness's capture.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: cross-check against shared/ (set HEAPSCOPE_SHARED=/path/to/shared)"
        );
        return None;
    };
    let dir = PathBuf::from(dir);
    assert!(
        dir.join("fixtures/small-a.heapsnapshot.gz").is_file(),
        "HEAPSCOPE_SHARED={} has no fixtures/small-a.heapsnapshot.gz",
        dir.display()
    );
    Some(dir)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "heapscope-crosscheck-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a DevTools oracle script and parses its JSON.
fn run_oracle(script: &Path, args: &[&OsStr]) -> Value {
    let out = Command::new("bash")
        .arg(script)
        .args(args)
        .arg("--quiet")
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("oracle prints JSON")
}

fn our_harness() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tools/devtools-oracle/devtools-oracle.sh")
}

/// Asserts equal JSON, naming the first path where they differ. `node_version`
/// (the Node that ran the oracle) is left out.
fn assert_same_json(ours: &Value, theirs: &Value, what: &str) {
    fn walk(x: &Value, y: &Value, at: &str) -> Option<String> {
        match (x, y) {
            (Value::Object(a), Value::Object(b)) => {
                let keys = |m: &serde_json::Map<String, Value>| {
                    m.keys()
                        .filter(|k| *k != "node_version")
                        .cloned()
                        .collect::<Vec<_>>()
                };
                if keys(a) != keys(b) {
                    return Some(format!("{at}: keys {:?} vs {:?}", keys(a), keys(b)));
                }
                keys(a)
                    .iter()
                    .find_map(|k| walk(&a[k], &b[k], &format!("{at}.{k}")))
            }
            (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
                .iter()
                .zip(b)
                .enumerate()
                .find_map(|(i, (p, q))| walk(p, q, &format!("{at}[{i}]"))),
            _ if x == y => None,
            _ => Some(format!("{at}: {x} vs {y}")),
        }
    }
    if let Some(diff) = walk(ours, theirs, what) {
        panic!("{diff}");
    }
}

fn gunzip(path: &Path) -> Vec<u8> {
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut text)
        .unwrap();
    text
}

/// shared's fixtures folder and its snapshots small-a and small-b.
fn shared_fixtures(shared: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let fx = shared.join("fixtures");
    let snapshot = |name: &str| fx.join(format!("{name}.heapsnapshot.gz"));
    (snapshot("small-a"), snapshot("small-b"), fx)
}

#[test]
fn our_harness_reproduces_shared_oracle_output() {
    let Some(shared) = shared_dir() else { return };
    let (a, b, fx) = shared_fixtures(&shared);
    let tmp = temp_dir("tsv");
    let tsv = tmp.join("small-a.devtools-nodes.tsv");
    let ours = run_oracle(
        &our_harness(),
        &[a.as_ref(), "--nodes-tsv".as_ref(), tsv.as_ref()],
    );
    assert_same_json(
        &ours,
        &read_json(&fx.join("small-a.devtools.json")),
        "small-a",
    );
    assert!(
        std::fs::read(&tsv).unwrap() == gunzip(&fx.join("small-a.devtools-nodes.tsv.gz")),
        "small-a nodes TSV differs"
    );
    let ours = run_oracle(&our_harness(), &[b.as_ref()]);
    assert_same_json(
        &ours,
        &read_json(&fx.join("small-b.devtools.json")),
        "small-b",
    );
    let ours = run_oracle(&our_harness(), &[a.as_ref(), "--diff".as_ref(), b.as_ref()]);
    let theirs = read_json(&fx.join("small-a-vs-b.devtools.json"));
    assert_same_json(&ours, &theirs, "small-a-vs-b");
    std::fs::remove_dir_all(tmp).ok();
}

#[test]
fn shared_oracle_agrees_with_the_recorded_fixture_json() {
    let Some(shared) = shared_dir() else { return };
    let theirs = shared.join("oracle/devtools/devtools-oracle.sh");
    let (a, b) = (
        fixture("small-a.heapsnapshot.gz"),
        fixture("small-b.heapsnapshot.gz"),
    );
    let (a, b, diff): (&OsStr, &OsStr, &OsStr) = (a.as_ref(), b.as_ref(), "--diff".as_ref());
    for (args, recorded) in [
        (&[a][..], "small-a.devtools.json"),
        (&[b], "small-b.devtools.json"),
        (&[a, diff, b], "small-a-vs-b.devtools.json"),
    ] {
        let live = run_oracle(&theirs, args);
        assert_same_json(&live, &read_json(&fixture(recorded)), recorded);
    }
}

#[test]
fn heapscope_matches_shared_fixtures_by_both_oracles() {
    let Some(shared) = shared_dir() else { return };
    let (a_path, b_path, fx) = shared_fixtures(&shared);
    let a = analyze_path(&a_path, Keep::Graph);
    let b = analyze_path(&b_path, Keep::Graph);
    check_every_node(&a, &fx.join("small-a.devtools-nodes.tsv.gz"));
    for oracles in [
        // What shared recorded, and what our harness prints now.
        [
            read_json(&fx.join("small-a.devtools.json")),
            read_json(&fx.join("small-b.devtools.json")),
            read_json(&fx.join("small-a-vs-b.devtools.json")),
        ],
        [
            run_oracle(&our_harness(), &[a_path.as_ref()]),
            run_oracle(&our_harness(), &[b_path.as_ref()]),
            run_oracle(
                &our_harness(),
                &[a_path.as_ref(), "--diff".as_ref(), b_path.as_ref()],
            ),
        ],
    ] {
        let [oa, ob, oab] = &oracles;
        for (path, analysis, o) in [(&a_path, &a, oa), (&b_path, &b, ob)] {
            check_summary(path, o);
            check_stats_and_top(analysis, o);
            check_duplicate_strings(analysis, o);
        }
        check_comparison(&a, &b, oab);
    }
}
