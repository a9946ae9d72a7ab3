//! Memory available to a local process: the tightest cgroup limit on its
//! cgroup path (v2 `memory.max`/`memory.current`, v1 `memory.limit_in_bytes`/
//! `memory.usage_in_bytes`, reclaimable page cache counted as free) and the
//! machine's `MemAvailable`.

use std::path::{Path, PathBuf};

/// Limits at or above this are "no limit" (cgroup v1 writes 2^63 rounded to a page).
const UNLIMITED: u64 = 1 << 60;

/// How much memory the process may still take, and which limit says so.
#[derive(Debug, Clone)]
pub struct Available {
    pub bytes: u64,
    /// E.g. "cgroup /system.slice/app.service: memory.max 2.0 GB, in use 1.2 GB".
    pub source: String,
}

/// The smallest of MemAvailable and every cgroup limit's free room.
pub fn available_to(pid: u32) -> Option<Available> {
    let mut best = mem_available().map(|bytes| Available {
        bytes,
        source: "MemAvailable in /proc/meminfo".to_string(),
    });
    let cgroup_text = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
    for limit in cgroup_limits(&cgroup_text) {
        if best.as_ref().is_none_or(|b| limit.bytes < b.bytes) {
            best = Some(limit);
        }
    }
    best
}

fn mem_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    meminfo_field(&text, "MemAvailable:")
}

/// A `kB` field of `/proc/meminfo` (or `/proc/PID/status`), in bytes.
pub fn meminfo_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kb: u64 = line[name.len()..].split_whitespace().next()?.parse().ok()?;
    Some(kb * 1024)
}

/// The free room under each memory limit on the process's cgroup path(s).
fn cgroup_limits(proc_cgroup: &str) -> Vec<Available> {
    let mut found = Vec::new();
    for line in proc_cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (roots, files): (&[&str], _) = if id == "0" && controllers.is_empty() {
            (
                &["/sys/fs/cgroup", "/sys/fs/cgroup/unified"],
                ("memory.max", "memory.current"),
            )
        } else if controllers.split(',').any(|c| c == "memory") {
            (
                &["/sys/fs/cgroup/memory"],
                ("memory.limit_in_bytes", "memory.usage_in_bytes"),
            )
        } else {
            continue;
        };
        for root in roots {
            found.extend(limits_along(Path::new(root), path, files));
        }
    }
    found
}

/// Walks from the cgroup's directory up to the mount root.
fn limits_along(
    root: &Path,
    cgroup_path: &str,
    (limit_file, usage_file): (&str, &str),
) -> Vec<Available> {
    let mut found = Vec::new();
    let mut dir: PathBuf = root.join(cgroup_path.trim_start_matches('/'));
    for _ in 0..64 {
        if let (Some(limit), Some(usage)) = (
            read_u64(&dir.join(limit_file)),
            read_u64(&dir.join(usage_file)),
        ) {
            if limit < UNLIMITED {
                let reclaimable = reclaimable_cache(&dir.join("memory.stat"));
                let in_use = usage.saturating_sub(reclaimable);
                found.push(Available {
                    bytes: limit.saturating_sub(in_use),
                    source: format!(
                        "cgroup {}: {limit_file} {} MB, {} MB in use",
                        dir.display(),
                        limit / 1_000_000,
                        in_use / 1_000_000
                    ),
                });
            }
        }
        if dir.as_path() == root || !dir.pop() || !dir.starts_with(root) {
            break;
        }
    }
    found
}

/// Inactive page cache, which the kernel reclaims before failing an allocation.
fn reclaimable_cache(stat: &Path) -> u64 {
    let text = std::fs::read_to_string(stat).unwrap_or_default();
    text.lines()
        .find_map(|l| {
            let (key, value) = l.split_once(' ')?;
            (key == "inactive_file" || key == "total_inactive_file")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0)
}

fn read_u64(path: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    match text.trim() {
        "max" => Some(u64::MAX),
        value => value.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_meminfo_fields() {
        let text = "MemTotal:       24000000 kB\nMemAvailable:   1000 kB\n";
        assert_eq!(meminfo_field(text, "MemAvailable:"), Some(1_024_000));
        assert_eq!(meminfo_field(text, "Missing:"), None);
    }

    #[test]
    fn ignores_cgroups_without_memory() {
        assert!(cgroup_limits("3:cpuset:/\n2:cpu:/x\n").is_empty());
    }

    #[test]
    fn own_process_has_some_room() {
        let available = available_to(std::process::id()).expect("meminfo");
        assert!(available.bytes > 0);
    }
}
