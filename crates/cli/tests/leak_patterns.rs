//! `leaks` on common Node leak mechanisms that the scenarios do not show
//! (listeners added per request, a timer per connection, a cache keyed by URL,
//! request contexts kept in a module array) and on a bounded cache that must
//! not be reported. `tests/leak-patterns/app.js` simulates the requests and
//! writes three snapshots per pattern with `v8.writeHeapSnapshot`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn snapshots(pattern: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("leak-patterns/{pattern}"));
    std::fs::create_dir_all(&dir).unwrap();
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/leak-patterns/app.js");
    let status = Command::new("node")
        .arg("--expose-gc")
        .arg(&app)
        .arg(pattern)
        .arg(&dir)
        .status()
        .expect("node runs (install Node.js)");
    assert!(status.success(), "{pattern}: app.js failed");
    dir
}

fn leaks(pattern: &str) -> Vec<Value> {
    let dir = snapshots(pattern);
    let out = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .arg("leaks")
        .args(["s1", "s2", "s3"].map(|s| dir.join(format!("{s}.heapsnapshot"))))
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{pattern}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["suspects"].as_array().unwrap().clone()
}

/// The top suspect: its class, summary and the classes merged into it.
fn top(pattern: &str) -> (String, String, Vec<String>) {
    let suspects = leaks(pattern);
    let top = suspects
        .first()
        .unwrap_or_else(|| panic!("{pattern}: no suspect"));
    let related = top["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["class"].as_str().unwrap().to_string())
        .collect();
    (
        top["class"].as_str().unwrap().to_string(),
        top["summary"].as_str().unwrap().to_string(),
        related,
    )
}

#[test]
fn listeners_added_per_request_pile_up_on_the_emitter() {
    let (class, summary, related) = top("listeners");
    assert_eq!(class, "onConfigChange()", "{summary}");
    assert!(related.iter().any(|c| c == "Request"), "{related:?}");
    assert!(
        summary.contains("pile up in one") && summary.contains("EventEmitter"),
        "{summary}"
    );
}

#[test]
fn a_timer_per_connection_is_found_with_what_it_keeps() {
    let (class, summary, related) = top("timers");
    let mut group = related.clone();
    group.push(class.clone());
    for expected in ["Timeout", "keepAlive()", "Request"] {
        assert!(
            group.iter().any(|c| c == expected),
            "{expected} in {group:?}"
        );
    }
    assert!(summary.contains("TimersList"), "{summary}");
}

#[test]
fn a_cache_keyed_by_url_is_named_as_the_holder() {
    let (_, summary, _) = top("url-cache");
    assert!(
        summary.contains("Map @") && summary.contains("pageCache"),
        "{summary}"
    );
}

#[test]
fn request_contexts_kept_in_a_module_array() {
    let (class, summary, related) = top("module-array");
    assert_eq!(class, "RequestContext", "{summary}");
    assert!(related.iter().any(|c| c == "Request"), "{related:?}");
    assert!(summary.contains("pile up in one Array"), "{summary}");
}

#[test]
fn an_array_empty_in_the_first_snapshot_is_named_as_the_holder() {
    let suspects = leaks("late-array");
    let top = suspects.first().expect("a suspect");
    let held = &top["held_by"];
    assert_eq!(held["class"], "Array", "{top}");
    assert!(
        held["reference"]
            .as_str()
            .unwrap()
            .contains("pendingAudits"),
        "{top}"
    );
    assert!(held["holds"].as_u64().unwrap() >= 800, "{top}");
}

#[test]
fn a_small_but_regular_growth_is_found() {
    // +200 Timeouts per interval, about 40 kB: under the 100 kB floor, but
    // too regular to be noise.
    let (class, summary, _) = top("small-timers");
    assert_eq!(class, "Timeout", "{summary}");
}

#[test]
fn a_bounded_cache_is_not_a_leak() {
    let suspects = leaks("bounded-cache");
    assert!(suspects.is_empty(), "{suspects:?}");
}
