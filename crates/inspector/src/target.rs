//! Finding a target's WebSocket URL from what the user gave: a PID (an open
//! inspector port, or SIGUSR1 to open one), `HOST:PORT`, or the URL itself.

use crate::address::{is_loopback, parse_host_port, parse_ws_url, resolve, HostPort};
use crate::discovery::{is_node_inspector, websocket_url};
use crate::error::{InspectorError, Result};
use crate::node_options;
use crate::process::{check_is_node, check_not_stopped, listening_addresses, send_sigusr1};
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
    /// Set when heapscope opened the inspector with SIGUSR1 (it was not
    /// listening before): the one case where heapscope closes it again.
    pub opened: Option<Opened>,
}

/// An inspector that heapscope opened in a local process.
#[derive(Debug, Clone)]
pub struct Opened {
    pub pid: u32,
    /// Where it listens (reached through loopback when bound to all addresses).
    pub address: HostPort,
}

/// Finds the WebSocket URL of the target's inspector.
pub fn locate(spec: &TargetSpec, allow_remote: bool, timeout: Duration) -> Result<Located> {
    match spec {
        TargetSpec::WebSocket(url) => {
            let (address, _) = parse_ws_url(url)?;
            resolve(&address, allow_remote)?;
            Ok(Located {
                ws_url: url.clone(),
                opened: None,
            })
        }
        TargetSpec::Inspect(text) => {
            let address = parse_host_port(text)?;
            let ws_url = websocket_url(&address, allow_remote, timeout)?;
            check_url_host(&ws_url, allow_remote)?;
            Ok(Located {
                ws_url,
                opened: None,
            })
        }
        TargetSpec::Pid(pid) => locate_pid(*pid, allow_remote),
    }
}

/// The inspector of a local process: an already open port, or SIGUSR1.
/// Ports of the application's own are asked nothing unless the inspector
/// may be on one of them: its options ask for a random port, or SIGUSR1 found
/// no new one (then `/json/version` only).
fn locate_pid(pid: u32, allow_remote: bool) -> Result<Located> {
    check_is_node(pid)?;
    check_not_stopped(pid)?;
    let hints = Hints::of(pid);
    let before = listening_addresses(pid)?;
    let open = find_inspector(&before, &hints.ports, allow_remote, hints.random_port);
    if let Some((ws_url, _)) = open {
        return Ok(Located {
            ws_url,
            opened: None,
        });
    }
    let activation_port = hints.ports[0];
    let port_taken_by_other = !before.iter().any(|a| a.port() == activation_port)
        && std::net::TcpStream::connect_timeout(
            &SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), activation_port),
            PROBE_TIMEOUT,
        )
        .is_ok();
    send_sigusr1(pid)?;
    if let Some(located) = wait_for_activation(pid, &before, &hints.ports, allow_remote)? {
        return Ok(located);
    }
    // SIGUSR1 does nothing when the inspector is already open (e.g. by
    // `inspector.open()` on a port named nowhere): look among the old sockets.
    if let Some((ws_url, _)) = find_inspector(&before, &[], allow_remote, true) {
        return Ok(Located {
            ws_url,
            opened: None,
        });
    }
    let hint = if port_taken_by_other {
        format!(" 127.0.0.1:{activation_port} is used by another process, so Node could not open its inspector there; start the target with --inspect=127.0.0.1:0 and use --inspect or --ws")
    } else {
        " see the target's stderr".to_string()
    };
    Err(InspectorError::Timeout(format!(
        "sent SIGUSR1 to process {pid} but no inspector answered within {} s;{hint}",
        ACTIVATION_TIMEOUT.as_secs()
    )))
}

/// Polls the sockets that appeared since SIGUSR1 for the new inspector.
fn wait_for_activation(
    pid: u32,
    before: &[SocketAddr],
    hints: &[u16],
    allow_remote: bool,
) -> Result<Option<Located>> {
    let started = Instant::now();
    while started.elapsed() < ACTIVATION_TIMEOUT {
        std::thread::sleep(POLL_INTERVAL);
        let new: Vec<SocketAddr> = listening_addresses(pid)?
            .into_iter()
            .filter(|a| !before.contains(a))
            .collect();
        if let Some((ws_url, address)) = find_inspector(&new, hints, allow_remote, true) {
            return Ok(Some(Located {
                ws_url,
                opened: Some(Opened { pid, address }),
            }));
        }
    }
    Ok(None)
}

/// Where to look first.
struct Hints {
    /// The ports the command line and `NODE_OPTIONS` name, then Node's
    /// default (never empty; the first is where SIGUSR1 opens the inspector).
    ports: Vec<u16>,
    /// Whether the options ask for a random inspector port.
    random_port: bool,
}

impl Hints {
    fn of(pid: u32) -> Hints {
        let found = node_options::inspector_hints(pid);
        let mut ports = found.ports;
        if !ports.contains(&DEFAULT_INSPECTOR_PORT) {
            ports.push(DEFAULT_INSPECTOR_PORT);
        }
        Hints {
            ports,
            random_port: found.random_port,
        }
    }
}

/// The WebSocket URL of an inspector the process already has open, if any
/// (no signal is sent; other sockets are asked only when the process's
/// options ask for a random inspector port).
pub fn open_inspector(pid: u32, allow_remote: bool) -> Result<Option<String>> {
    let hints = Hints::of(pid);
    let addrs = listening_addresses(pid)?;
    let found = find_inspector(&addrs, &hints.ports, allow_remote, hints.random_port);
    Ok(found.map(|(ws_url, _)| ws_url))
}

/// The inspector among the process's listening addresses, asking as little
/// as possible of ports that may be the application's own: first the ports
/// the process named (`/json/list` there, as an inspector is expected), then,
/// with `ask_others`, `/json/version` on each other address, and `/json/list`
/// only where that answered like Node's inspector. Unspecified addresses are
/// reached through loopback; others are skipped unless `allow_remote`.
fn find_inspector(
    addrs: &[SocketAddr],
    hints: &[u16],
    allow_remote: bool,
    ask_others: bool,
) -> Option<(String, HostPort)> {
    let mut reachable: Vec<HostPort> = addrs
        .iter()
        .filter_map(|a| reachable_address(a, allow_remote))
        .collect();
    reachable.sort_by_key(|a| a.port);
    reachable.dedup_by_key(|a| a.port);
    for port in hints {
        if let Some(address) = reachable.iter().find(|a| a.port == *port) {
            if let Ok(url) = websocket_url(address, allow_remote, PROBE_TIMEOUT) {
                return Some((url, address.clone()));
            }
        }
    }
    if !ask_others {
        return None;
    }
    reachable
        .iter()
        .filter(|a| !hints.contains(&a.port))
        .find_map(|address| {
            if !is_node_inspector(address, allow_remote, PROBE_TIMEOUT) {
                return None;
            }
            let url = websocket_url(address, allow_remote, PROBE_TIMEOUT).ok()?;
            Some((url, address.clone()))
        })
}

/// The address to connect to for a listening socket, if allowed.
fn reachable_address(addr: &SocketAddr, allow_remote: bool) -> Option<HostPort> {
    let ip = match addr.ip() {
        ip if ip.is_unspecified() && addr.is_ipv4() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip if ip.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    if !allow_remote && !is_loopback(ip) {
        return None;
    }
    Some(HostPort {
        host: ip.to_string(),
        port: addr.port(),
    })
}

/// The URL from `/json/list` must obey the loopback rule too.
fn check_url_host(url: &str, allow_remote: bool) -> Result<()> {
    let (address, _) = parse_ws_url(url)?;
    resolve(&address, allow_remote).map(|_| ())
}
