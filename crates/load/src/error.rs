//! Why a run could not start ([`LoadError`]), and the kinds of per-request
//! failure counted during a run ([`ErrorKind`]).

use std::net::SocketAddr;
use std::path::PathBuf;

/// A run that could not start. Each message is one line naming what failed
/// and where.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("{url}: https is not supported, only plain http:// (put a TLS terminator in front or target the app's http port)")]
    Https { url: String },
    #[error("cannot resolve {host}: {source}")]
    Resolve {
        host: String,
        source: std::io::Error,
    },
    #[error("{host} resolves to {addr}, which is not a loopback address (127.0.0.0/8 or ::1); pass allow_remote (--allow-remote) to load it anyway")]
    NotLoopback { host: String, addr: SocketAddr },
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("bad header {header:?}: {reason} (expected 'Name: value')")]
    BadHeader { header: String, reason: String },
    #[error("bad method {method:?}: {reason}")]
    BadMethod { method: String, reason: String },
    #[error("cannot read {}: {source}", path.display())]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {reason}", path.display())]
    UrlsFile {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("invalid load settings: {0}")]
    Spec(String),
    #[error("cannot start the load runtime: {0}")]
    Runtime(std::io::Error),
}

/// The kind of a failed request, counted apart in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The connection could not be opened.
    Connect,
    /// The connection was reset or closed before the response was complete.
    Reset,
    /// The response was not valid HTTP/1.x.
    Parse,
    /// No complete response within the per-request timeout.
    Timeout,
}
