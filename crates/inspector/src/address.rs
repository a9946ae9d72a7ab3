//! Inspector addresses: `HOST:PORT` and `ws://HOST:PORT/PATH`, and the loopback
//! rule (the inspector runs any code it is sent, so remote hosts need consent).

use crate::error::{InspectorError, Result};
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

/// A host and port, as the user wrote the host (kept for the HTTP `Host` header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    pub host: String,
    pub port: u16,
}

impl std::fmt::Display for HostPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Parses `HOST:PORT`, `[V6]:PORT` or a bare `PORT` (meaning 127.0.0.1).
pub fn parse_host_port(text: &str) -> Result<HostPort> {
    let bad = || {
        InspectorError::BadInput(format!(
            "invalid inspector address {text:?}: expected HOST:PORT, e.g. 127.0.0.1:9229"
        ))
    };
    if let Ok(port) = text.parse::<u16>() {
        return Ok(HostPort {
            host: "127.0.0.1".into(),
            port,
        });
    }
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        (host, after.strip_prefix(':').ok_or_else(bad)?)
    } else {
        text.rsplit_once(':').ok_or_else(bad)?
    };
    let port = port.parse::<u16>().map_err(|_| bad())?;
    if host.is_empty() || port == 0 {
        return Err(bad());
    }
    Ok(HostPort {
        host: host.to_string(),
        port,
    })
}

/// Splits `ws://HOST:PORT/PATH` into its address and path.
pub fn parse_ws_url(url: &str) -> Result<(HostPort, String)> {
    let rest = url.strip_prefix("ws://").ok_or_else(|| {
        InspectorError::BadInput(format!(
            "invalid WebSocket URL {url:?}: expected ws://HOST:PORT/ID (wss is not supported)"
        ))
    })?;
    if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(InspectorError::BadInput(format!(
            "invalid WebSocket URL {url:?}: it contains spaces or control characters"
        )));
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let address = parse_host_port(authority)?;
    Ok((address, path.to_string()))
}

/// Resolves the address, refusing non-loopback hosts unless `allow_remote`.
/// Every resolved address must be loopback, so a name cannot smuggle one in.
pub fn resolve(address: &HostPort, allow_remote: bool) -> Result<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = (address.host.as_str(), address.port)
        .to_socket_addrs()
        .map_err(|e| InspectorError::BadInput(format!("cannot resolve {address}: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(InspectorError::BadInput(format!(
            "cannot resolve {address}"
        )));
    }
    if !allow_remote && !addrs.iter().all(|a| is_loopback(a.ip())) {
        return Err(InspectorError::RemoteNotAllowed(address.to_string()));
    }
    Ok(addrs)
}

/// True for 127.0.0.0/8, ::1 and IPv4-mapped loopback.
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_addresses() {
        assert_eq!(parse_host_port("9229").unwrap().host, "127.0.0.1");
        let hp = parse_host_port("localhost:9230").unwrap();
        assert_eq!((hp.host.as_str(), hp.port), ("localhost", 9230));
        let hp = parse_host_port("[::1]:9229").unwrap();
        assert_eq!((hp.host.as_str(), hp.port), ("::1", 9229));
        assert!(parse_host_port("nohost").is_err());
        assert!(parse_host_port("host:99999").is_err());
        let (hp, path) = parse_ws_url("ws://127.0.0.1:9229/abc-def").unwrap();
        assert_eq!((hp.port, path.as_str()), (9229, "/abc-def"));
        assert!(parse_ws_url("http://127.0.0.1:9229/").is_err());
    }

    #[test]
    fn loopback_only_by_default() {
        let local = parse_host_port("127.0.0.1:9229").unwrap();
        assert!(resolve(&local, false).is_ok());
        let remote = parse_host_port("10.1.2.3:9229").unwrap();
        assert!(matches!(
            resolve(&remote, false),
            Err(InspectorError::RemoteNotAllowed(_))
        ));
        assert!(resolve(&remote, true).is_ok());
    }
}
