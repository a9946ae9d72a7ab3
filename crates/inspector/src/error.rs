//! The one error type of the inspector client: every failure is a sentence a
//! user can act on, printed on one line.

use std::fmt;

/// What went wrong talking to a Node process or reading its `/proc` entries.
#[derive(Debug)]
pub enum InspectorError {
    /// No process with this PID.
    NoSuchProcess(u32),
    /// The process exists but is not Node.js (sending SIGUSR1 would kill it).
    NotNode { pid: u32, exe: String },
    /// The OS refused access (another user's process).
    PermissionDenied(String),
    /// Nothing listens at the address (the string says what we were doing).
    ConnectionRefused(String),
    /// An address that is not loopback, without `--allow-remote`.
    RemoteNotAllowed(String),
    /// A malformed `--inspect`/`--ws` value or HTTP/CDP reply.
    BadInput(String),
    /// The target closed the connection or exited.
    TargetGone(String),
    /// The target answered a CDP call with an error.
    Protocol(String),
    /// Nothing arrived in time.
    Timeout(String),
    /// Any other I/O failure, with what we were doing.
    Io(String),
}

pub type Result<T, E = InspectorError> = std::result::Result<T, E>;

impl fmt::Display for InspectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InspectorError::NoSuchProcess(pid) => write!(f, "no process with PID {pid}"),
            InspectorError::NotNode { pid, exe } => write!(
                f,
                "process {pid} ({exe}) is not a Node.js process; not sending SIGUSR1 (it would terminate it)"
            ),
            InspectorError::PermissionDenied(what) => write!(
                f,
                "permission denied: {what} (run heapscope as the user that owns the process)"
            ),
            InspectorError::ConnectionRefused(what) => write!(
                f,
                "{what}: connection refused, no inspector listens there (start node with --inspect, or use --pid)"
            ),
            InspectorError::RemoteNotAllowed(addr) => write!(
                f,
                "{addr} is not a loopback address; the inspector allows running any code in the target, so heapscope only connects to 127.0.0.1/::1/localhost unless --allow-remote is given"
            ),
            InspectorError::BadInput(m)
            | InspectorError::TargetGone(m)
            | InspectorError::Protocol(m)
            | InspectorError::Timeout(m)
            | InspectorError::Io(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for InspectorError {}

impl InspectorError {
    /// Maps an I/O error while doing `what` (e.g. "connecting to 127.0.0.1:9229").
    pub fn io(what: &str, e: std::io::Error) -> InspectorError {
        use std::io::ErrorKind;
        match e.kind() {
            ErrorKind::ConnectionRefused => InspectorError::ConnectionRefused(what.to_string()),
            ErrorKind::PermissionDenied => InspectorError::PermissionDenied(what.to_string()),
            ErrorKind::WouldBlock | ErrorKind::TimedOut => {
                InspectorError::Timeout(format!("{what}: timed out"))
            }
            ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
            | ErrorKind::UnexpectedEof => InspectorError::TargetGone(format!(
                "{what}: the target closed the connection (did it exit?)"
            )),
            _ => InspectorError::Io(format!("{what}: {e}")),
        }
    }
}
