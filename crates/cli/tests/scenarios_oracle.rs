//! Live exactness test on real leak scenarios: runs `shared/scenarios/run.sh`
//! for every scenario (three snapshots each), runs the DevTools oracle on each
//! snapshot, and checks that `summary --json`, `stats --json` and `top --json`
//! equal the oracle's Summary rows, Statistics and top-retained list.
//!
//! Runs are cached in `target/scenario-runs/` (delete it to re-run). Needs node,
//! npm and openssl, as the scenarios do.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const SCENARIOS: [&str; 4] = [
    "shiki-wasm",
    "eval-per-request",
    "proxy-tls-sockets",
    "no-leak",
];

fn shared_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("HEAPSCOPE_SHARED") {
        return PathBuf::from(p);
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for up in here.ancestors() {
        for candidate in [up.join("shared"), up.join("../shared")] {
            if candidate.join("fixtures").is_dir() {
                return candidate;
            }
        }
    }
    panic!("cannot find shared/ (set HEAPSCOPE_SHARED)");
}

fn runs_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("scenario-runs")
}

fn ensure_run(scenario: &str) -> PathBuf {
    let out = runs_dir().join(scenario);
    if out.join("s3.heapsnapshot").is_file() && out.join("truth.json").is_file() {
        return out;
    }
    std::fs::create_dir_all(&out).unwrap();
    let status = Command::new("bash")
        .arg(shared_dir().join("scenarios/run.sh"))
        .arg(scenario)
        .arg(&out)
        .status()
        .expect("run.sh starts");
    // Exit 3 means an expectation of the scenario's own truth check missed;
    // the snapshots are still real and usable for exactness.
    assert!(
        status.code() == Some(0) || status.code() == Some(3),
        "run.sh {scenario} failed: {status}"
    );
    out
}

fn oracle(snapshot: &Path) -> Value {
    let json_path = snapshot.with_extension("devtools.json");
    if !json_path.is_file() {
        let out = Command::new("bash")
            .arg(shared_dir().join("oracle/devtools/devtools-oracle.sh"))
            .arg(snapshot)
            .args(["--quiet", "--top", "50", "--dup-strings", "0"])
            .output()
            .expect("oracle starts");
        assert!(
            out.status.success(),
            "oracle failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(&json_path, &out.stdout).unwrap();
    }
    serde_json::from_str(&std::fs::read_to_string(json_path).unwrap()).unwrap()
}

fn heapscope(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "heapscope {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn scenario_snapshots_match_devtools_exactly() {
    for scenario in SCENARIOS {
        let dir = ensure_run(scenario);
        for s in ["s1", "s2", "s3"] {
            let snap = dir.join(format!("{s}.heapsnapshot"));
            let file = snap.to_str().unwrap();
            let o = oracle(&snap);
            let summary = heapscope(&["summary", file, "--json"]);
            assert_eq!(summary["node_count"], o["node_count"], "{scenario} {s}");
            assert_eq!(summary["edge_count"], o["edge_count"], "{scenario} {s}");
            assert_eq!(summary["total_size"], o["total_size"], "{scenario} {s}");
            assert_eq!(
                summary["total_count"], o["summary"]["total_count"],
                "{scenario} {s}"
            );
            let (ours, theirs) = (
                summary["classes"].as_array().unwrap(),
                o["summary"]["classes"].as_array().unwrap(),
            );
            assert_eq!(ours.len(), theirs.len(), "{scenario} {s}: class count");
            for (x, y) in ours.iter().zip(theirs) {
                assert_eq!(x, y, "{scenario} {s}: class row");
            }
            let mut stats = o["statistics"].clone();
            stats.as_object_mut().unwrap().remove("raw");
            assert_eq!(
                heapscope(&["stats", file, "--json"]),
                stats,
                "{scenario} {s}: statistics"
            );
            let top = heapscope(&["top", file, "--json", "--limit", "50"]);
            let theirs: Vec<Value> = o["top_retained"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| {
                    let mut t = t.clone();
                    t.as_object_mut().unwrap().remove("node_index");
                    t
                })
                .collect();
            assert_eq!(
                top["top_retained"].as_array().unwrap(),
                &theirs,
                "{scenario} {s}: top"
            );
        }
    }
}
