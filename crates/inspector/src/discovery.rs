//! Target discovery over the inspector's HTTP endpoint: `GET /json/list` names
//! the WebSocket URL of each debuggable target; `GET /json/version` tells an
//! inspector from another HTTP server with the least noise.

use crate::address::{resolve, HostPort};
use crate::error::{InspectorError, Result};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Replies larger than this are not an inspector's target list.
const MAX_REPLY_BYTES: u64 = 1 << 20;

/// Connects to the first address that accepts, with a timeout per address.
pub fn connect(addrs: &[SocketAddr], label: &str, timeout: Duration) -> Result<TcpStream> {
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(addr, timeout) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    let what = format!("connecting to {label}");
    Err(match last {
        Some(e) => InspectorError::io(&what, e),
        None => InspectorError::BadInput(format!("{what}: no address")),
    })
}

/// The WebSocket debugger URL of the (first) target listed at `address`.
pub fn websocket_url(address: &HostPort, allow_remote: bool, timeout: Duration) -> Result<String> {
    let addrs = resolve(address, allow_remote)?;
    let body = http_get(&addrs, address, "/json/list", timeout)?;
    let targets: Vec<serde_json::Value> = serde_json::from_slice(&body).map_err(|_| {
        InspectorError::BadInput(format!(
            "{address} did not answer /json/list like a Node inspector"
        ))
    })?;
    targets
        .iter()
        .find_map(|t| t.get("webSocketDebuggerUrl").and_then(|u| u.as_str()))
        .map(str::to_string)
        .ok_or_else(|| {
            InspectorError::BadInput(format!(
                "the inspector at {address} lists no target with a WebSocket URL"
            ))
        })
}

/// True when `address` answers `/json/version` like Node's inspector
/// (`{"Browser": "node.js/v…", "Protocol-Version": "1.1"}`).
pub fn is_node_inspector(address: &HostPort, allow_remote: bool, timeout: Duration) -> bool {
    let Ok(addrs) = resolve(address, allow_remote) else {
        return false;
    };
    let Ok(body) = http_get(&addrs, address, "/json/version", timeout) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|v| {
        v.get("Protocol-Version").is_some()
            && v.get("Browser")
                .and_then(|b| b.as_str())
                .is_some_and(|b| b.starts_with("node.js"))
    })
}

/// A minimal HTTP/1.0 GET; returns the body of a 200 reply.
fn http_get(
    addrs: &[SocketAddr],
    address: &HostPort,
    path: &str,
    timeout: Duration,
) -> Result<Vec<u8>> {
    let label = address.to_string();
    let mut stream = connect(addrs, &label, timeout)?;
    let what = format!("asking {label} for {path}");
    let io = |e| InspectorError::io(&what, e);
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: {label}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(io)?;
    // Node's inspector keeps the connection open after replying: read the
    // headers, then exactly Content-Length bytes.
    let mut reply = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let mut header_end = None;
    let mut body_len = None;
    while (reply.len() as u64) < MAX_REPLY_BYTES {
        let n = stream.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&buf[..n]);
        if header_end.is_none() {
            header_end = reply.windows(4).position(|w| w == b"\r\n\r\n");
            body_len = header_end.and_then(|end| content_length(&reply[..end]));
        }
        if let (Some(end), Some(len)) = (header_end, body_len) {
            if reply.len() >= end + 4 + len {
                reply.truncate(end + 4 + len);
                break;
            }
        }
    }
    let header_end =
        header_end.ok_or_else(|| InspectorError::BadInput(format!("{what}: not an HTTP reply")))?;
    Ok(reply.split_off(header_end + 4))
}

/// The Content-Length header's value, if any.
fn content_length(headers: &[u8]) -> Option<usize> {
    String::from_utf8_lossy(headers).lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_content_length() {
        let headers = b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\ncontent-length: 42";
        assert_eq!(content_length(headers), Some(42));
        assert_eq!(content_length(b"HTTP/1.0 200 OK"), None);
    }

    #[test]
    fn refused_connection_says_so() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let address = HostPort {
            host: "127.0.0.1".into(),
            port,
        };
        let err = websocket_url(&address, false, Duration::from_secs(1)).unwrap_err();
        assert!(matches!(err, InspectorError::ConnectionRefused(_)), "{err}");
    }
}
