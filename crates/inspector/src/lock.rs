//! One snapshot at a time per target process: a lock named after the PID,
//! held by binding an abstract Unix socket (Linux). The kernel frees it when
//! the holder exits, however it ends (even SIGKILL), and it leaves no file.

use crate::error::{InspectorError, Result};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener};

/// Held while a snapshot of the process is being written.
#[derive(Debug)]
pub struct CaptureLock {
    _socket: UnixListener,
}

/// Takes the capture lock of process `pid`, or says another heapscope holds it.
pub fn capture_lock(pid: u32) -> Result<CaptureLock> {
    let name = format!("heapscope-capture-{pid}");
    let addr = SocketAddr::from_abstract_name(name.as_bytes())
        .map_err(|e| InspectorError::Io(format!("naming the capture lock: {e}")))?;
    match UnixListener::bind_addr(&addr) {
        Ok(socket) => Ok(CaptureLock { _socket: socket }),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => Err(InspectorError::Busy(format!(
            "another heapscope is taking a heap snapshot of process {pid}; a second one at once would double the memory it costs the target: try again when it is done"
        ))),
        Err(e) => Err(InspectorError::Io(format!("taking the capture lock: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time() {
        let pid = u32::MAX - std::process::id();
        let held = capture_lock(pid).unwrap();
        let err = capture_lock(pid).unwrap_err();
        assert!(matches!(err, InspectorError::Busy(_)), "{err}");
        drop(held);
        assert!(capture_lock(pid).is_ok(), "released when dropped");
    }
}
