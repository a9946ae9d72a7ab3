//! Helpers the command-line tests share: running the binary, scratch
//! folders, and the check of a clean failure (exit 2, one line on stderr,
//! nothing on stdout).
#![allow(dead_code)] // each test file uses some of them

use std::path::PathBuf;
use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_heapscope"))
}

pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

/// A scratch folder of this test process named `name`.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("heapscope-cli-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Why `out` is not a clean failure: exit 2, nothing on stdout, one
/// non-empty line on stderr that contains every `needle` and no panic.
pub fn failure_problem(out: &Output, needles: &[&str]) -> Option<String> {
    let err = String::from_utf8_lossy(&out.stderr);
    let problem = if out.status.code() != Some(2) {
        format!("exit code {:?}, expected 2", out.status.code())
    } else if !out.stdout.is_empty() {
        "stdout should be empty".to_string()
    } else if err.trim().is_empty() || !err.ends_with('\n') || err.lines().count() != 1 {
        "one non-empty line expected on stderr".to_string()
    } else if err.contains("panicked") {
        "a panic".to_string()
    } else if let Some(n) = needles.iter().find(|n| !err.contains(**n)) {
        format!("stderr should mention {n:?}")
    } else {
        return None;
    };
    Some(format!("{problem}; stderr: {err:?}"))
}

/// Asserts a clean failure (see [`failure_problem`]).
pub fn assert_fails(out: &Output, needles: &[&str]) {
    if let Some(problem) = failure_problem(out, needles) {
        panic!("{problem}");
    }
}
