//! The one error type of the inspector client: every failure is a sentence a
//! user can act on, printed on one line.

/// What went wrong talking to a Node process or reading its `/proc` entries.
#[derive(Debug, thiserror::Error)]
pub enum InspectorError {
    /// No process with this PID.
    #[error("no process with PID {0}")]
    NoSuchProcess(u32),
    /// The process exists but is not Node.js (sending SIGUSR1 would kill it).
    #[error("process {pid} ({exe}) is not a Node.js process; not sending SIGUSR1 (it would terminate it)")]
    NotNode { pid: u32, exe: String },
    /// The process is stopped (SIGSTOP, or traced): it cannot answer.
    #[error("process {0} is stopped (SIGSTOP or a tracer): it cannot answer the inspector; resume it with `kill -CONT {0}` and try again")]
    Stopped(u32),
    /// The OS refused access (another user's process).
    #[error("permission denied: {0} (run heapscope as the user that owns the process)")]
    PermissionDenied(String),
    /// Nothing listens at the address (the string says what we were doing).
    #[error("{0}: connection refused, no inspector listens there (start node with --inspect, or use --pid)")]
    ConnectionRefused(String),
    /// An address that is not loopback, without `--allow-remote`.
    #[error("{0} is not a loopback address; the inspector allows running any code in the target, so heapscope only connects to 127.0.0.1/::1/localhost unless --allow-remote is given")]
    RemoteNotAllowed(String),
    /// A malformed `--inspect`/`--ws` value or HTTP/CDP reply.
    #[error("{0}")]
    BadInput(String),
    /// The target closed the connection or exited.
    #[error("{0}")]
    TargetGone(String),
    /// The target answered a CDP call with an error.
    #[error("{0}")]
    Protocol(String),
    /// Nothing arrived in time.
    #[error("{0}")]
    Timeout(String),
    /// An inspector heapscope opened could not be closed again.
    #[error("{0}")]
    NotClosed(String),
    /// Another heapscope is already doing this to the target.
    #[error("{0}")]
    Busy(String),
    /// Any other I/O failure, with what we were doing.
    #[error("{0}")]
    Io(String),
}

pub type Result<T, E = InspectorError> = std::result::Result<T, E>;

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
