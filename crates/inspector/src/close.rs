//! Closing an inspector that heapscope opened with SIGUSR1, so that the
//! target is left as it was found: `inspector.close()` evaluated in the
//! target (through a session of its own), then a check that the port now
//! refuses connections.
//!
//! Checked on Node 20.20, 22.23, 24.22 and 26.12: `process.getBuiltinModule`
//! exists on all of them (Node ≥ 20.16); older ones get `require` from the
//! console's command-line API that `Session::evaluate` enables. `close()`
//! ends every session at once (no reply comes), and the event loop goes on.

use crate::cdp::Session;
use crate::error::{InspectorError, Result};
use crate::process::check_exists;
use crate::target::Opened;
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The expression that closes the target's inspector.
pub const CLOSE_EXPRESSION: &str = "(globalThis.process.getBuiltinModule \
    ? globalThis.process.getBuiltinModule('inspector') : require('inspector')).close()";

const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// What became of an inspector heapscope opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// Closed: its port refuses connections now.
    Closed,
    /// The process has exited: nothing is left to close.
    ProcessGone,
}

/// Closes the inspector at `ws_url` that heapscope opened in `opened.pid`,
/// and waits (at most `timeout`) until its port refuses connections.
pub fn close_inspector(
    opened: &Opened,
    ws_url: &str,
    allow_remote: bool,
    timeout: Duration,
) -> Result<Closed> {
    if check_exists(opened.pid).is_err() {
        return Ok(Closed::ProcessGone);
    }
    let not_closed = |why: String| {
        InspectorError::NotClosed(format!(
            "could not close the inspector heapscope opened in process {} ({why}); it stays open on {} until the process exits",
            opened.pid, opened.address
        ))
    };
    let mut session = match Session::connect(ws_url, allow_remote, timeout) {
        Ok(session) => session,
        Err(_) if check_exists(opened.pid).is_err() => return Ok(Closed::ProcessGone),
        Err(e) => return Err(not_closed(e.to_string())),
    };
    session
        .set_idle_timeout(timeout)
        .map_err(|e| not_closed(e.to_string()))?;
    match session.evaluate(CLOSE_EXPRESSION) {
        // close() drops the connection before any reply.
        Ok(_) | Err(InspectorError::TargetGone(_)) => {}
        Err(_) if check_exists(opened.pid).is_err() => return Ok(Closed::ProcessGone),
        Err(e) => return Err(not_closed(e.to_string())),
    }
    session.close();
    wait_refused(opened, timeout).map_err(not_closed)
}

/// Waits until nothing accepts connections at the inspector's address.
fn wait_refused(opened: &Opened, timeout: Duration) -> std::result::Result<Closed, String> {
    let addrs = crate::address::resolve(&opened.address, true).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + timeout;
    loop {
        if check_exists(opened.pid).is_err() {
            return Ok(Closed::ProcessGone);
        }
        let accepted = addrs
            .iter()
            .any(|a| TcpStream::connect_timeout(a, POLL_INTERVAL * 4).is_ok());
        if !accepted {
            return Ok(Closed::Closed);
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "its port still accepts connections after {} s",
                timeout.as_secs()
            ));
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}
