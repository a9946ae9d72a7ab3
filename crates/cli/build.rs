//! Names the commit in `heapscope --version`: `0.1.0 (commit 1a2b3c4 2026-12-02)`,
//! with `-dirty` for uncommitted changes; just the version outside a git
//! checkout (a crate downloaded by `cargo install heapscope`).

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn main() {
    let version = env!("CARGO_PKG_VERSION");
    let long = match git(&["rev-parse", "--short=9", "HEAD"]) {
        Some(commit) => {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_some();
            let date = git(&["log", "-1", "--format=%cs"]).unwrap_or_default();
            let dirty = if dirty { "-dirty" } else { "" };
            format!("{version} (commit {commit}{dirty} {date})")
        }
        None => version.to_string(),
    };
    println!("cargo:rustc-env=HEAPSCOPE_VERSION={long}");
    // A new commit or checkout changes HEAD or the ref it names.
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        println!("cargo:rerun-if-changed={dir}/HEAD");
        println!("cargo:rerun-if-changed={dir}/refs/heads");
        println!("cargo:rerun-if-changed={dir}/index");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
