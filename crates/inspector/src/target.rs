//! Finding a target's WebSocket URL from what the user gave: a PID (an open
//! inspector port, or SIGUSR1 to open one), `HOST:PORT`, or the URL itself.

use crate::address::{is_loopback, parse_host_port, parse_ws_url, resolve, HostPort};
use crate::discovery::websocket_url;
use crate::error::{InspectorError, Result};
use crate::process::{check_is_node, listening_addresses, send_sigusr1};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

/// Node's default inspector port (what SIGUSR1 opens).
pub const DEFAULT_INSPECTOR_PORT: u16 = 9229;
/// How long to wait for the inspector after SIGUSR1.
const ACTIVATION_TIMEOUT: Duration = Duration::from_secs(5);
const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Per-port timeout while probing a process's listening ports.
const PROBE_TIMEOUT: Duration = Duration::from_millis(700);

/// What the user pointed at.
#[derive(Debug, Clone)]
pub enum TargetSpec {
    Pid(u32),
    Inspect(String),
    WebSocket(String),
}

/// A reachable inspector.
#[derive(Debug, Clone)]
pub struct Located {
    pub ws_url: String,
    /// True when heapscope opened the inspector with SIGUSR1.
    pub activated: bool,
}

/// Finds the WebSocket URL of the target's inspector.
pub fn locate(spec: &TargetSpec, allow_remote: bool, timeout: Duration) -> Result<Located> {
    match spec {
        TargetSpec::WebSocket(url) => {
            let (address, _) = parse_ws_url(url)?;
            resolve(&address, allow_remote)?;
            Ok(Located {
                ws_url: url.clone(),
                activated: false,
            })
        }
        TargetSpec::Inspect(text) => {
            let address = parse_host_port(text)?;
            let ws_url = websocket_url(&address, allow_remote, timeout)?;
            check_url_host(&ws_url, allow_remote)?;
            Ok(Located {
                ws_url,
                activated: false,
            })
        }
        TargetSpec::Pid(pid) => locate_pid(*pid, allow_remote),
    }
}

/// The inspector of a local process: an already open port, or SIGUSR1.
fn locate_pid(pid: u32, allow_remote: bool) -> Result<Located> {
    check_is_node(pid)?;
    if let Some(ws_url) = probe_ports(pid, allow_remote, &[])? {
        return Ok(Located {
            ws_url,
            activated: false,
        });
    }
    let before = listening_addresses(pid)?;
    let port_taken_by_other = std::net::TcpStream::connect_timeout(
        &SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), DEFAULT_INSPECTOR_PORT),
        PROBE_TIMEOUT,
    )
    .is_ok();
    send_sigusr1(pid)?;
    let started = Instant::now();
    while started.elapsed() < ACTIVATION_TIMEOUT {
        std::thread::sleep(POLL_INTERVAL);
        if let Some(ws_url) = probe_ports(pid, allow_remote, &before)? {
            return Ok(Located {
                ws_url,
                activated: true,
            });
        }
    }
    let hint = if port_taken_by_other {
        format!(" 127.0.0.1:{DEFAULT_INSPECTOR_PORT} is used by another process, so Node could not open its inspector there; start the target with --inspect=127.0.0.1:0 and use --inspect or --ws")
    } else {
        " see the target's stderr".to_string()
    };
    Err(InspectorError::Timeout(format!(
        "sent SIGUSR1 to process {pid} but no inspector answered within {} s;{hint}",
        ACTIVATION_TIMEOUT.as_secs()
    )))
}

/// The WebSocket URL of an inspector the process already has open, if any
/// (no signal is sent).
pub fn open_inspector(pid: u32, allow_remote: bool) -> Result<Option<String>> {
    probe_ports(pid, allow_remote, &[])
}

/// Asks each port the process listens on (except `skip`) for `/json/list`;
/// the default port first. Unspecified addresses are reached through loopback.
fn probe_ports(pid: u32, allow_remote: bool, skip: &[SocketAddr]) -> Result<Option<String>> {
    let mut addrs: Vec<SocketAddr> = listening_addresses(pid)?
        .into_iter()
        .filter(|a| !skip.contains(a))
        .collect();
    addrs.sort_by_key(|a| (a.port() != DEFAULT_INSPECTOR_PORT, a.port()));
    addrs.dedup_by_key(|a| a.port());
    for addr in addrs {
        let host = if addr.ip().is_unspecified() {
            if addr.is_ipv4() {
                "127.0.0.1".to_string()
            } else {
                "::1".to_string()
            }
        } else {
            addr.ip().to_string()
        };
        if !allow_remote && !is_loopback(host.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)))
        {
            continue;
        }
        let address = HostPort {
            host,
            port: addr.port(),
        };
        if let Ok(url) = websocket_url(&address, allow_remote, PROBE_TIMEOUT) {
            return Ok(Some(url));
        }
    }
    Ok(None)
}

/// The URL from `/json/list` must obey the loopback rule too.
fn check_url_host(url: &str, allow_remote: bool) -> Result<()> {
    let (address, _) = parse_ws_url(url)?;
    resolve(&address, allow_remote).map(|_| ())
}
