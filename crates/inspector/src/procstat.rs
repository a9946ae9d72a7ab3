//! Resident memory and CPU time of a local process from `/proc/PID/status`
//! and `/proc/PID/stat`.

use crate::error::{InspectorError, Result};
use crate::memory::meminfo_field;

/// One reading of a process's counters.
#[derive(Debug, Clone, Copy)]
pub struct ProcReading {
    pub rss: u64,
    /// User + system CPU time, in seconds.
    pub cpu_seconds: f64,
}

/// Reads RSS and CPU time; `NoSuchProcess` once the process is gone.
pub fn read(pid: u32) -> Result<ProcReading> {
    let gone = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => InspectorError::NoSuchProcess(pid),
        std::io::ErrorKind::PermissionDenied => {
            InspectorError::PermissionDenied(format!("cannot read /proc/{pid}"))
        }
        _ => InspectorError::Io(format!("reading /proc/{pid}: {e}")),
    };
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(gone)?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(gone)?;
    // A zombie has no VmRSS: it holds no memory any more.
    let rss = meminfo_field(&status, "VmRSS:").unwrap_or(0);
    if status
        .lines()
        .any(|l| l.starts_with("State:") && l.contains("zombie"))
    {
        return Err(InspectorError::NoSuchProcess(pid));
    }
    let ticks = cpu_ticks(&stat)
        .ok_or_else(|| InspectorError::BadInput(format!("unexpected /proc/{pid}/stat")))?;
    Ok(ProcReading {
        rss,
        cpu_seconds: ticks as f64 / clock_ticks_per_second(),
    })
}

/// utime + stime (fields 14 and 15; the command name in parentheses may hold spaces).
fn cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // after_name starts at field 3 (state): utime is field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as f64
    } else {
        100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_spaces_in_the_name() {
        let stat =
            "42 (my (odd) name) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 100 1000 200";
        assert_eq!(cpu_ticks(stat), Some(300));
    }

    #[test]
    fn reads_own_process() {
        let reading = read(std::process::id()).unwrap();
        assert!(reading.rss > 0);
    }
}
