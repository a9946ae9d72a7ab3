//! Live exactness test on real leak scenarios: runs the repository's own
//! `scenarios/run.sh` for every scenario (three snapshots each), runs the
//! DevTools oracle (`tools/devtools-oracle/devtools-oracle.sh`) on each
//! snapshot, and checks that `summary --json`, `stats --json` and `top --json`
//! equal the oracle's Summary rows, Statistics and top-retained list; then that
//! `leaks` names each scenario's culprit and nothing for the control.
//!
//! Runs are cached in `target/scenario-runs/` and made again when a file of
//! `scenarios/` is newer than the run. Needs node, npm, flock and openssl, as
//! the scenarios do.
//!
//! Cross-check (opt-in): with `HEAPSCOPE_SHARED` pointing to a shared folder,
//! every test also runs on the scenarios of `$HEAPSCOPE_SHARED/scenarios`
//! (cached in `target/scenario-runs/shared-*`). Without it nothing outside the
//! repository is read.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

#[path = "../../analysis/tests/common/retainers.rs"]
mod retainers;

const SCENARIOS: [&str; 4] = [
    "shiki-wasm",
    "eval-per-request",
    "proxy-tls-sockets",
    "no-leak",
];

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where a scenario's servers come from.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// The repository's `scenarios/`.
    Own,
    /// `$HEAPSCOPE_SHARED/scenarios`, the cross-check.
    Shared,
}

/// The repository's scenarios, and shared's when `HEAPSCOPE_SHARED` is set.
fn sources() -> Vec<Source> {
    let mut all = vec![Source::Own];
    if std::env::var_os("HEAPSCOPE_SHARED").is_some() {
        all.push(Source::Shared);
    }
    all
}

impl Source {
    fn dir(self) -> PathBuf {
        match self {
            Source::Own => repo_root().join("scenarios"),
            Source::Shared => {
                PathBuf::from(std::env::var_os("HEAPSCOPE_SHARED").unwrap()).join("scenarios")
            }
        }
    }

    /// The cache folder of one run.
    fn run_dir(self, scenario: &str) -> PathBuf {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join("target"));
        match self {
            Source::Own => target.join("scenario-runs").join(scenario),
            Source::Shared => target.join(format!("scenario-runs/shared-{scenario}")),
        }
    }
}

/// The newest modification time of the files below `dir`, leaving out
/// node_modules and dot files (npm ci's lock file).
fn newest_file(dir: &Path) -> SystemTime {
    let mut newest = SystemTime::UNIX_EPOCH;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let (path, meta) = (entry.path(), entry.metadata().unwrap());
        let name = entry.file_name();
        if name == "node_modules" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if meta.is_dir() {
            newest = newest.max(newest_file(&path));
        } else {
            newest = newest.max(meta.modified().unwrap());
        }
    }
    newest
}

fn ensure_run(source: Source, scenario: &str) -> PathBuf {
    // Tests run in parallel threads; one scenario run at a time, reused after.
    static RUNS: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = RUNS.lock().unwrap_or_else(|e| e.into_inner());
    let out = source.run_dir(scenario);
    let truth = out.join("truth.json");
    let made = std::fs::metadata(&truth).and_then(|m| m.modified()).ok();
    let fresh = match source {
        Source::Own => made.is_some_and(|t| t >= newest_file(&source.dir())),
        Source::Shared => made.is_some(),
    };
    if fresh && out.join("s3.heapsnapshot").is_file() {
        return out;
    }
    // Also drops the oracle's answers cached for the old snapshots.
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let status = Command::new("bash")
        .arg(source.dir().join("run.sh"))
        .arg(scenario)
        .arg(&out)
        .status()
        .expect("run.sh starts");
    match source {
        // The repository's runs must show what their truth.json says.
        Source::Own => assert_eq!(status.code(), Some(0), "run.sh {scenario} failed: {status}"),
        // Shared's exit 3 means an expectation of its own truth check missed;
        // the snapshots are still real and usable for exactness.
        Source::Shared => assert!(
            matches!(status.code(), Some(0 | 3)),
            "shared run.sh {scenario} failed: {status}"
        ),
    }
    out
}

/// Every (source, scenario) pair to check, with a label for messages.
fn runs() -> Vec<(String, Source, &'static str)> {
    sources()
        .into_iter()
        .flat_map(|source| {
            SCENARIOS
                .iter()
                .map(move |s| (format!("{source:?} {s}"), source, *s))
        })
        .collect()
}

fn devtools_oracle() -> PathBuf {
    repo_root().join("tools/devtools-oracle/devtools-oracle.sh")
}

fn oracle(snapshot: &Path) -> Value {
    oracle_with(snapshot, &[], "devtools.json")
}

/// Runs the DevTools oracle on `snapshot` with `extra` arguments, cached in a
/// file beside it with this extension.
fn oracle_with(snapshot: &Path, extra: &[&str], extension: &str) -> Value {
    let json_path = snapshot.with_extension(extension);
    if !json_path.is_file() {
        let out = Command::new("bash")
            .arg(devtools_oracle())
            .arg(snapshot)
            .args(["--quiet", "--top", "50", "--dup-strings", "0"])
            .args(extra)
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
    for (scenario, source, name) in runs() {
        let dir = ensure_run(source, name);
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

/// The DevTools bundle that the oracle harness builds on first use.
fn devtools_bundle() -> PathBuf {
    let out = Command::new("bash")
        .arg(devtools_oracle())
        .arg("--bundle-path")
        .output()
        .expect("oracle wrapper starts");
    assert!(
        out.status.success(),
        "devtools-oracle.sh --bundle-path: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim_end())
}

/// Objects to compare: the largest, plus an even spread over the snapshot.
fn sample_ids(a: &heapscope_analysis::Analysis) -> Vec<u32> {
    let mut nodes = a.top_nodes(25, |_| true);
    let n = a.snap.node_count() as u32;
    nodes.extend((0..40u32).map(|k| (k as u64 * 7919 * 1013 % n as u64) as u32));
    nodes.sort();
    nodes.dedup();
    nodes
        .into_iter()
        .map(|v| a.snap.nodes.id[v as usize])
        .collect()
}

fn check_retainers(snapshot: &Path) {
    let a = heapscope_analysis::Analysis::new(
        heapscope_snapshot::read_snapshot(snapshot.to_str().unwrap()).unwrap(),
    );
    let ids = sample_ids(&a);
    let out = Command::new("node")
        .arg(repo_root().join("tools/devtools-retainers.mjs"))
        .arg(devtools_bundle())
        .arg(snapshot)
        .args(ids.iter().map(|i| i.to_string()))
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Value = serde_json::from_slice(&out.stdout).unwrap();
    let checked = retainers::check_retainers(&a, &theirs, &snapshot.display().to_string());
    assert_eq!(checked, ids.len());
}

#[test]
fn retainers_view_matches_devtools() {
    check_retainers(&repo_root().join("examples/small-a.heapsnapshot.gz"));
    for (_, source, name) in runs() {
        check_retainers(&ensure_run(source, name).join("s3.heapsnapshot"));
    }
}

fn named_packages(snapshot: &Path) -> Vec<String> {
    let v = heapscope(&["packages", snapshot.to_str().unwrap(), "--json"]);
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .filter(|n| !n.starts_with('('))
        .collect()
}

#[test]
fn packages_name_the_scenario_culprits() {
    for source in sources() {
        // shiki-wasm: the WebAssembly memory belongs to vscode-oniguruma (through shiki).
        let shiki = named_packages(&ensure_run(source, "shiki-wasm").join("s3.heapsnapshot"));
        assert!(
            matches!(shiki[0].as_str(), "vscode-oniguruma" | "shiki"),
            "{source:?}: {shiki:?}"
        );
        // proxy-tls-sockets: express-http-proxy's per-request code is among the top packages.
        let proxy =
            named_packages(&ensure_run(source, "proxy-tls-sockets").join("s3.heapsnapshot"));
        assert!(
            proxy.iter().take(3).any(|p| p == "express-http-proxy"),
            "{source:?}: {proxy:?}"
        );
    }
}

#[test]
fn diff_matches_devtools_comparison() {
    for (scenario, source, name) in runs() {
        let dir = ensure_run(source, name);
        for (base, later) in [("s1", "s2"), ("s1", "s3")] {
            let b = dir.join(format!("{base}.heapsnapshot"));
            let l = dir.join(format!("{later}.heapsnapshot"));
            let o = oracle_with(
                &b,
                &["--diff", l.to_str().unwrap()],
                &format!("diff-{later}.devtools.json"),
            );
            let ours = heapscope(&[
                "diff",
                b.to_str().unwrap(),
                l.to_str().unwrap(),
                "--json",
                "--sort",
                "added",
            ]);
            let theirs = &o["comparison"];
            assert_eq!(
                ours["totals"], theirs["totals"],
                "{scenario} {base}->{later}: totals"
            );
            assert_eq!(
                ours["classes"], theirs["classes"],
                "{scenario} {base}->{later}: rows"
            );
        }
    }
}

fn leaks_json(dir: &Path, order: [&str; 3], extra: &[&str]) -> std::process::Output {
    let files: Vec<String> = order
        .iter()
        .map(|s| {
            dir.join(format!("{s}.heapsnapshot"))
                .to_str()
                .unwrap()
                .to_string()
        })
        .collect();
    Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .arg("leaks")
        .args(&files)
        .arg("--json")
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn leaks_names_each_scenario_culprit_and_nothing_for_the_control() {
    for source in sources() {
        check_leaks(source);
    }
}

fn check_leaks(source: Source) {
    // (scenario, classes that are the culprit, packages that are responsible)
    let expectations: [(&str, &[&str], &[&str]); 3] = [
        (
            "shiki-wasm",
            &[
                "Object",
                "ArrayBuffer",
                "WebAssembly.Memory",
                "system / JSArrayBufferData",
            ],
            &["vscode-oniguruma", "shiki"],
        ),
        (
            "eval-per-request",
            &[
                "onThemeChange()",
                "MDXContent()",
                "_createMdxContent()",
                "ThemedFigure()",
                "Callout()",
                "system / Context",
                "Set",
            ],
            &["mdx-bundler"],
        ),
        (
            "proxy-tls-sockets",
            &[
                "TLSSocket",
                "ClientRequest",
                "IncomingMessage",
                "ServerResponse",
                "Socket",
            ],
            &["express-http-proxy"],
        ),
    ];
    for (scenario, classes, packages) in expectations {
        let out = leaks_json(
            &ensure_run(source, scenario),
            ["s1", "s2", "s3"],
            &["--fail-on-leak"],
        );
        let label = format!("{source:?} {scenario}");
        assert_eq!(
            out.status.code(),
            Some(3),
            "{label}: --fail-on-leak exits 3; {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let top = &v["suspects"][0];
        let class = top["class"].as_str().unwrap();
        let package = top["package"].as_str().unwrap();
        assert!(classes.contains(&class), "{label}: top suspect {class}");
        assert!(packages.contains(&package), "{label}: package {package}");
        assert!(
            !top["path"].as_array().unwrap().is_empty(),
            "{label}: a retaining path"
        );
        assert!(top["summary"].as_str().unwrap().len() > 40);
        assert!(top["heap_share"].as_f64().unwrap() > 0.05);
        // One leak, one suspect: the culprit's companions (truth.json: "with
        // ClientRequest, IncomingMessage…", "plus their system / Context")
        // are merged into it as related groups, never listed apart.
        let suspects = v["suspects"].as_array().unwrap();
        for other in &suspects[1..] {
            let c = other["class"].as_str().unwrap();
            assert!(
                !classes.contains(&c),
                "{label}: {c} reported apart from {class}"
            );
        }
        if top["kind"] != "growing_object" {
            let related: Vec<&str> = top["related"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["class"].as_str().unwrap())
                .collect();
            let covered = classes.iter().filter(|c| related.contains(c)).count();
            assert!(covered >= 3, "{label}: related groups {related:?}");
            // Where they pile up is named, in the path or the summary: the Set
            // of theme listeners (truth.json), the agent's socket pool.
            let holder = match scenario {
                "eval-per-request" => ".listeners",
                _ => "Agent.sockets",
            };
            let edges: Vec<&str> = top["path"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|step| step["edge"].as_str())
                .collect();
            let summary = top["summary"].as_str().unwrap();
            assert!(
                edges.contains(&holder) || summary.contains(holder),
                "{label}: {holder} in {edges:?} or {summary}"
            );
        }
    }
    let out = leaks_json(
        &ensure_run(source, "no-leak"),
        ["s1", "s2", "s3"],
        &["--fail-on-leak"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{source:?} no-leak: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["suspects"].as_array().unwrap().len(),
        0,
        "{source:?} no-leak reports nothing"
    );
}

#[test]
fn leaks_rejects_wrong_order_and_mixed_processes() {
    let dir = ensure_run(Source::Own, "proxy-tls-sockets");
    let out = leaks_json(&dir, ["s3", "s2", "s1"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("oldest first"));
    let other = ensure_run(Source::Own, "no-leak").join("s2.heapsnapshot");
    let out = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .args([
            "leaks",
            dir.join("s1.heapsnapshot").to_str().unwrap(),
            other.to_str().unwrap(),
            dir.join("s3.heapsnapshot").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("different programs") || err.contains("oldest first"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}
