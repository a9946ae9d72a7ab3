//! A local Node process by PID (Linux `/proc`): is it Node, which TCP ports does
//! it listen on, and opening its inspector with SIGUSR1.

use crate::error::{InspectorError, Result};
use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;

fn proc_path(pid: u32, name: &str) -> PathBuf {
    PathBuf::from(format!("/proc/{pid}/{name}"))
}

/// Fails unless a process with this PID exists.
pub fn check_exists(pid: u32) -> Result<()> {
    if pid == 0 || pid > i32::MAX as u32 || !proc_path(pid, "").is_dir() {
        return Err(InspectorError::NoSuchProcess(pid));
    }
    Ok(())
}

/// Fails unless the process runs a Node.js executable (by its executable's
/// name, or its first argument when the executable cannot be read).
pub fn check_is_node(pid: u32) -> Result<()> {
    check_exists(pid)?;
    let exe = match std::fs::read_link(proc_path(pid, "exe")) {
        Ok(path) => path.to_string_lossy().into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(InspectorError::PermissionDenied(format!(
                "cannot read /proc/{pid}/exe"
            )))
        }
        Err(_) => {
            // A zombie or a kernel thread has no exe; fall back on argv[0].
            let cmdline = std::fs::read(proc_path(pid, "cmdline")).unwrap_or_default();
            let argv0 = cmdline.split(|&b| b == 0).next().unwrap_or(&[]);
            String::from_utf8_lossy(argv0).into_owned()
        }
    };
    let exe = exe.trim_end_matches(" (deleted)").to_string();
    let name = exe.rsplit('/').next().unwrap_or("");
    if looks_like_node(name) {
        Ok(())
    } else {
        let exe = if exe.is_empty() {
            "no executable".to_string()
        } else {
            exe
        };
        Err(InspectorError::NotNode { pid, exe })
    }
}

/// Fails when the process is stopped (`State: T` or `t` in `/proc/PID/status`,
/// after SIGSTOP or under a tracer): it would answer nothing, and a SIGUSR1
/// sent now would open the inspector whenever it is resumed.
pub fn check_not_stopped(pid: u32) -> Result<()> {
    let status = std::fs::read_to_string(proc_path(pid, "status"))
        .map_err(|_| InspectorError::NoSuchProcess(pid))?;
    match state_letter(&status) {
        Some('T') | Some('t') => Err(InspectorError::Stopped(pid)),
        Some('Z') | Some('X') => Err(InspectorError::NoSuchProcess(pid)),
        _ => Ok(()),
    }
}

/// The letter of the `State:` line (`R`, `S`, `T`…).
fn state_letter(status: &str) -> Option<char> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("State:"))
        .and_then(|rest| rest.trim_start().chars().next())
}

/// `node`, `nodejs`, `node20`, `node-v20.1.0`…
fn looks_like_node(name: &str) -> bool {
    let rest = name
        .strip_prefix("nodejs")
        .or_else(|| name.strip_prefix("node"));
    match rest {
        Some(rest) => rest
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == 'v'),
        None => false,
    }
}

/// Sends SIGUSR1, which makes Node open its inspector (on 127.0.0.1:9229
/// unless the process chose another port). Only call after [`check_is_node`].
pub fn send_sigusr1(pid: u32) -> Result<()> {
    // SAFETY: kill(2) has no memory-safety preconditions.
    let rc = unsafe { libc::kill(pid as libc::pid_t, libc::SIGUSR1) };
    if rc == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::ESRCH) => Err(InspectorError::NoSuchProcess(pid)),
        Some(libc::EPERM) => Err(InspectorError::PermissionDenied(format!(
            "cannot send SIGUSR1 to process {pid}"
        ))),
        _ => Err(InspectorError::Io(format!("sending SIGUSR1 to {pid}: {e}"))),
    }
}

/// The TCP addresses the process listens on (IPv4 and IPv6), by matching the
/// socket inodes among its open files with the kernel's socket tables.
pub fn listening_addresses(pid: u32) -> Result<Vec<SocketAddr>> {
    let fd_dir = proc_path(pid, "fd");
    let entries = std::fs::read_dir(&fd_dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::PermissionDenied => {
            InspectorError::PermissionDenied(format!("cannot read /proc/{pid}/fd"))
        }
        std::io::ErrorKind::NotFound => InspectorError::NoSuchProcess(pid),
        _ => InspectorError::Io(format!("reading /proc/{pid}/fd: {e}")),
    })?;
    let mut inodes = HashSet::new();
    for entry in entries.flatten() {
        if let Ok(target) = std::fs::read_link(entry.path()) {
            let target = target.to_string_lossy();
            if let Some(inode) = target
                .strip_prefix("socket:[")
                .and_then(|s| s.strip_suffix(']'))
                .and_then(|s| s.parse::<u64>().ok())
            {
                inodes.insert(inode);
            }
        }
    }
    let mut found = Vec::new();
    for table in ["net/tcp", "net/tcp6"] {
        if let Ok(text) = std::fs::read_to_string(proc_path(pid, table)) {
            found.extend(parse_listening(&text, &inodes));
        }
    }
    Ok(found)
}

/// Rows of a `/proc/net/tcp{,6}` table in state LISTEN whose inode is ours.
fn parse_listening(table: &str, inodes: &HashSet<u64>) -> Vec<SocketAddr> {
    const LISTEN: &str = "0A";
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (local, state, inode) = (fields.get(1)?, fields.get(3)?, fields.get(9)?);
            if *state != LISTEN || !inodes.contains(&inode.parse::<u64>().ok()?) {
                return None;
            }
            parse_hex_address(local)
        })
        .collect()
}

/// `0100007F:2405` (IPv4, 32-bit words in host order) or the 32-hex-digit IPv6 form.
fn parse_hex_address(text: &str) -> Option<SocketAddr> {
    let (ip_hex, port_hex) = text.split_once(':')?;
    let port = u16::from_str_radix(port_hex, 16).ok()?;
    let words: Vec<u32> = (0..ip_hex.len() / 8)
        .map(|i| u32::from_str_radix(&ip_hex[i * 8..i * 8 + 8], 16).ok())
        .collect::<Option<_>>()?;
    let ip = match words.as_slice() {
        [w] => IpAddr::V4(Ipv4Addr::from(w.swap_bytes())),
        [a, b, c, d] => {
            let mut bytes = [0u8; 16];
            for (i, w) in [a, b, c, d].iter().enumerate() {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&w.to_ne_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_node_names() {
        for name in ["node", "nodejs", "node20", "node-v20.1.0"] {
            assert!(looks_like_node(name), "{name}");
        }
        for name in ["bash", "nodemon", "sleep", ""] {
            assert!(!looks_like_node(name), "{name}");
        }
    }

    #[test]
    fn parses_socket_tables() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 0100007F:2405 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0\n\
   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999 1 0000000000000000 100 0 0 10 0\n";
        let inodes: HashSet<u64> = [4242].into_iter().collect();
        let found = parse_listening(table, &inodes);
        assert_eq!(found, vec!["127.0.0.1:9221".parse().unwrap()]);
        let v6 = parse_hex_address("00000000000000000000000001000000:2405").unwrap();
        assert_eq!(v6, "[::1]:9221".parse().unwrap());
    }

    #[test]
    fn reads_the_state_letter() {
        assert_eq!(
            state_letter("Name:\tnode\nState:\tT (stopped)\n"),
            Some('T')
        );
        assert_eq!(state_letter("State:\tS (sleeping)"), Some('S'));
        assert!(check_not_stopped(std::process::id()).is_ok());
    }

    #[test]
    fn missing_process() {
        assert!(matches!(
            check_exists(i32::MAX as u32),
            Err(InspectorError::NoSuchProcess(_))
        ));
    }
}
