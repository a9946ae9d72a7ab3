//! The analysis cache from the command line: every command answers the same
//! with the cache off, on a first run (which writes the entry) and on a
//! second (which maps it); `--no-cache` writes nothing; a damaged entry is
//! said in one line and rebuilt; nothing is written beside the snapshot.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(test: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("heapscope-cli-cache-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("snapshots")).unwrap();
        Scratch { dir }
    }

    /// A copy of a fixture in a folder of its own.
    fn snapshot(&self, name: &str) -> PathBuf {
        let from = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures")
            .join(name);
        let to = self.dir.join("snapshots").join(name);
        std::fs::copy(from, &to).unwrap();
        to
    }

    fn cache_dir(&self) -> PathBuf {
        self.dir.join("xdg/heapscope/analyses")
    }

    /// Files in the cache folder whose name ends with `suffix`.
    fn files(&self, suffix: &str) -> Vec<PathBuf> {
        match std::fs::read_dir(self.cache_dir()) {
            Ok(dir) => dir
                .map(|e| e.unwrap().path())
                .filter(|p| p.to_string_lossy().ends_with(suffix))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The analysis entries.
    fn entries(&self) -> Vec<PathBuf> {
        self.files(".analysis")
    }

    /// `heapscope ARGS` with the cache in this folder, for snapshots of any size.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_heapscope"))
            .args(args)
            .env("XDG_CACHE_HOME", self.dir.join("xdg"))
            .env("HEAPSCOPE_CACHE_MIN", "0")
            .env_remove("HEAPSCOPE_NO_CACHE")
            .env_remove("HEAPSCOPE_CACHE_DIR")
            .env_remove("HEAPSCOPE_CACHE_SIZE")
            .output()
            .unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stdout_of(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The id of the object `top` lists third (some object with retainers).
fn an_object(scratch: &Scratch, snap: &str) -> String {
    let top = stdout_of(&scratch.run(&["top", snap, "--json", "--no-cache"]), "top");
    let top: serde_json::Value = serde_json::from_str(&top).unwrap();
    format!("@{}", top["top_retained"][3]["id"])
}

#[test]
fn every_command_answers_the_same_from_the_cache() {
    let scratch = Scratch::new("same");
    let a = scratch.snapshot("small-a.heapsnapshot.gz");
    let b = scratch.snapshot("small-b.heapsnapshot.gz");
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let id = an_object(&scratch, a);
    assert!(scratch.entries().is_empty(), "--no-cache writes nothing");
    let commands: Vec<Vec<&str>> = vec![
        vec!["summary", a, "--json"],
        vec!["summary", a],
        vec!["stats", a, "--json"],
        vec!["top", a, "--json"],
        vec!["retainers", a, &id, "--json"],
        vec!["retainers", a, "--class", "Map", "--json"],
        vec!["inspect", a, &id, "--json"],
        vec!["dominators", a, "--json"],
        vec!["strings", a, "--json"],
        vec!["strings", a, "--min-count", "3", "--json"],
        vec!["strings", a],
        vec!["packages", a, "--json"],
        vec!["packages", a, "--filter", "^Obj", "--json"],
        vec!["packages", a],
        vec!["diff", a, b, "--json"],
    ];
    for args in &commands {
        let what = args.join(" ");
        let mut off = args.clone();
        off.push("--no-cache");
        let expected = stdout_of(&scratch.run(&off), &what);
        // The first command on a snapshot writes its entry; later ones map it.
        for round in ["first", "second"] {
            let got = stdout_of(&scratch.run(args), &what);
            assert_eq!(got, expected, "{what} ({round} run with the cache)");
        }
    }
    assert_eq!(
        scratch.entries().len(),
        1,
        "one entry, for small-a: {:?}",
        scratch.entries()
    );
    // strings and unfiltered packages remember their answers.
    assert_eq!(scratch.files(".answer").len(), 2, "{:?}", scratch.files(""));
    // diff reads small-b's classes only: not a complete analysis, not cached.
    stdout_of(&scratch.run(&["summary", b]), "summary b");
    assert_eq!(scratch.entries().len(), 2);
    // Nothing beside the snapshots.
    let beside: Vec<_> = std::fs::read_dir(scratch.dir.join("snapshots"))
        .unwrap()
        .collect();
    assert_eq!(beside.len(), 2);
}

/// Flips a byte in the middle of a file.
fn damage(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_damaged_entry_is_said_and_rebuilt() {
    let scratch = Scratch::new("damaged");
    let a = scratch.snapshot("small-a.heapsnapshot.gz");
    let a = a.to_str().unwrap();
    let expected = stdout_of(&scratch.run(&["summary", a, "--json"]), "first");
    let entry = scratch.entries().pop().expect("an entry");
    damage(&entry);
    let out = scratch.run(&["summary", a, "--json"]);
    assert_eq!(stdout_of(&out, "damaged"), expected);
    // Rebuilt: the next run maps a good entry, silently.
    said_once_then_silent(
        &scratch,
        &out,
        "analysis cache not used (corrupt cache entry",
        &["summary", a, "--json"],
        &expected,
    );
}

/// `out` said `note` in its one stderr line; a run of `args` after it prints
/// `expected` and nothing on stderr.
fn said_once_then_silent(
    scratch: &Scratch,
    out: &Output,
    note: &str,
    args: &[&str],
    expected: &str,
) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(note), "{stderr}");
    let again = scratch.run(args);
    assert_eq!(stdout_of(&again, "again"), expected);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn a_remembered_answer_is_used_and_a_damaged_one_said_and_replaced() {
    let scratch = Scratch::new("answer");
    let a = scratch.snapshot("small-a.heapsnapshot.gz");
    let a = a.to_str().unwrap();
    let args = ["strings", a, "--json"];
    let expected = stdout_of(&scratch.run(&args), "first");
    let answer = scratch.files(".strings.answer").pop().expect("an answer");
    // The remembered answer is what a second run prints: change its payload
    // (and hash) by hand and the run shows the change.
    let text = std::fs::read_to_string(&answer).unwrap();
    let (_, payload) = text.split_once('\n').unwrap();
    let mut groups: serde_json::Value = serde_json::from_str(payload).unwrap();
    groups.as_array_mut().unwrap().truncate(1);
    let payload = groups.to_string();
    let hash = xxhash_rust::xxh3::xxh3_64(payload.as_bytes());
    std::fs::write(&answer, format!("HEAPSCOPE-ANSWER {hash:016x}\n{payload}")).unwrap();
    let out: serde_json::Value =
        serde_json::from_str(&stdout_of(&scratch.run(&args), "edited")).unwrap();
    assert_eq!(out["group_count"], 1);
    // A damaged one is said in one line, not used, and written anew.
    damage(&answer);
    let out = scratch.run(&args);
    assert_eq!(stdout_of(&out, "damaged"), expected);
    said_once_then_silent(
        &scratch,
        &out,
        "remembered answer fails its hash",
        &args,
        &expected,
    );
}

#[test]
fn cache_settings_are_checked_and_obeyed() {
    let scratch = Scratch::new("settings");
    let a = scratch.snapshot("small-a.heapsnapshot.gz");
    let a = a.to_str().unwrap();
    let bad = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .args(["summary", a])
        .env("HEAPSCOPE_CACHE_SIZE", "lots")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.starts_with("heapscope: error: HEAPSCOPE_CACHE_SIZE: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
    assert!(bad.stdout.is_empty());
    // HEAPSCOPE_NO_CACHE and a zero cap turn the cache off.
    for (name, value) in [("HEAPSCOPE_NO_CACHE", "1"), ("HEAPSCOPE_CACHE_SIZE", "0")] {
        let out = Command::new(env!("CARGO_BIN_EXE_heapscope"))
            .args(["summary", a])
            .env("XDG_CACHE_HOME", scratch.dir.join("xdg"))
            .env("HEAPSCOPE_CACHE_MIN", "0")
            .env(name, value)
            .output()
            .unwrap();
        stdout_of(&out, name);
        assert!(scratch.entries().is_empty(), "{name}={value}");
    }
    // By default small snapshots (well under a second to analyze) are not cached.
    let out = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .args(["summary", a])
        .env("XDG_CACHE_HOME", scratch.dir.join("xdg"))
        .env_remove("HEAPSCOPE_CACHE_MIN")
        .output()
        .unwrap();
    stdout_of(&out, "default");
    assert!(scratch.entries().is_empty());
    // HEAPSCOPE_CACHE_DIR puts it elsewhere.
    let elsewhere = scratch.dir.join("elsewhere");
    let out = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .args(["summary", a])
        .env("HEAPSCOPE_CACHE_DIR", &elsewhere)
        .env("HEAPSCOPE_CACHE_MIN", "0")
        .output()
        .unwrap();
    stdout_of(&out, "elsewhere");
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 1);
}
