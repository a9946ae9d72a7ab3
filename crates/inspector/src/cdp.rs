//! A synchronous Chrome DevTools Protocol session over one WebSocket: numbered
//! calls, and the events that arrive before each call's reply handed to a callback
//! as they come (nothing is queued, so memory stays flat whatever the target sends).

use crate::address::{parse_ws_url, resolve};
use crate::discovery::connect;
use crate::error::{InspectorError, Result};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tungstenite::{Message, WebSocket};

/// How long a call may wait without receiving anything before it fails.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// Messages one call reads at most (a 100 kB chunk each would be 5 TB).
const MAX_MESSAGES_PER_CALL: u64 = 50_000_000;
/// Reads interrupted by signals that one call retries before it gives up.
const MAX_INTERRUPTIONS: u32 = 1_000;

/// One open inspector session.
pub struct Session {
    socket: WebSocket<TcpStream>,
    next_id: u64,
    label: String,
}

/// A message from the target: a reply (`id`) or an event (`method`).
#[derive(Deserialize)]
struct Incoming<'a> {
    id: Option<u64>,
    #[serde(borrow)]
    method: Option<&'a str>,
    #[serde(borrow)]
    params: Option<&'a RawValue>,
    #[serde(borrow)]
    result: Option<&'a RawValue>,
    error: Option<ProtocolError>,
}

#[derive(Deserialize)]
struct ProtocolError {
    #[serde(default)]
    message: String,
}

impl Session {
    /// Opens `ws://HOST:PORT/ID`; loopback only unless `allow_remote`.
    pub fn connect(url: &str, allow_remote: bool, timeout: Duration) -> Result<Session> {
        let (address, _) = parse_ws_url(url)?;
        let addrs = resolve(&address, allow_remote)?;
        let label = address.to_string();
        let stream = connect(&addrs, &label, timeout)?;
        let setup = |e| InspectorError::io(&format!("connecting to {label}"), e);
        stream.set_nodelay(true).map_err(setup)?;
        stream.set_read_timeout(Some(timeout)).map_err(setup)?;
        stream.set_write_timeout(Some(timeout)).map_err(setup)?;
        let (socket, _) = tungstenite::client::client(url, stream)
            .map_err(|e| handshake_error(&label, url, timeout, e))?;
        socket
            .get_ref()
            .set_read_timeout(Some(DEFAULT_IDLE_TIMEOUT))
            .map_err(setup)?;
        Ok(Session {
            socket,
            next_id: 1,
            label,
        })
    }

    /// Where this session is connected, for messages.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Sets how long a read may wait for the next message.
    pub fn set_idle_timeout(&mut self, timeout: Duration) -> Result<()> {
        self.socket
            .get_ref()
            .set_read_timeout(Some(timeout))
            .map_err(|e| InspectorError::io("setting a timeout", e))
    }

    /// Calls `method`, ignoring events; returns the `result` object.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value> {
        self.call_with_events(method, params, None, |_, _| Ok(()))
    }

    /// Calls `method`, ignoring events; returns the `result` object as the
    /// target wrote it (for files that must keep its exact JSON).
    pub fn call_raw(&mut self, method: &str, params: Value) -> Result<Box<RawValue>> {
        self.call_raw_with_events(method, params, None, |_, _| Ok(()))
    }

    /// Calls `method` and hands every event that arrives before the reply to
    /// `on_event(method, params)`. Fails after `deadline`, on the target's
    /// error reply, or when the connection ends.
    pub fn call_with_events(
        &mut self,
        method: &str,
        params: Value,
        deadline: Option<Instant>,
        on_event: impl FnMut(&str, &RawValue) -> Result<()>,
    ) -> Result<Value> {
        let raw = self.call_raw_with_events(method, params, deadline, on_event)?;
        serde_json::from_str(raw.get()).map_err(|e| {
            InspectorError::BadInput(format!("{method}: unreadable reply from the target: {e}"))
        })
    }

    /// [`Session::call_with_events`], the result unparsed.
    fn call_raw_with_events(
        &mut self,
        method: &str,
        params: Value,
        deadline: Option<Instant>,
        mut on_event: impl FnMut(&str, &RawValue) -> Result<()>,
    ) -> Result<Box<RawValue>> {
        let id = self.next_id;
        self.next_id += 1;
        let request = serde_json::json!({ "id": id, "method": method, "params": params });
        self.socket
            .send(Message::text(request.to_string()))
            .map_err(|e| self.socket_error(method, e))?;
        let mut interruptions = 0;
        for _ in 0..MAX_MESSAGES_PER_CALL {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(InspectorError::Timeout(format!(
                    "{method} on {}: no reply in time",
                    self.label
                )));
            }
            let message = match self.socket.read() {
                Ok(message) => message,
                // A signal (e.g. Ctrl-C with a handler installed) interrupted the
                // read; nothing was consumed, so read again.
                Err(tungstenite::Error::Io(e))
                    if e.kind() == std::io::ErrorKind::Interrupted
                        && interruptions < MAX_INTERRUPTIONS =>
                {
                    interruptions += 1;
                    continue;
                }
                Err(e) => return Err(self.socket_error(method, e)),
            };
            let text = match &message {
                Message::Text(text) => text.as_str(),
                Message::Close(_) => {
                    return Err(InspectorError::TargetGone(format!(
                        "{method}: {} closed the session (did the target exit?)",
                        self.label
                    )))
                }
                _ => continue,
            };
            let incoming: Incoming = serde_json::from_str(text).map_err(|e| {
                InspectorError::BadInput(format!(
                    "{method}: unreadable message from the target: {e}"
                ))
            })?;
            if let (Some(event), None) = (incoming.method, incoming.id) {
                let empty = RawValue::NULL;
                on_event(event, incoming.params.unwrap_or(empty))?;
                continue;
            }
            if incoming.id != Some(id) {
                continue;
            }
            if let Some(error) = incoming.error {
                return Err(InspectorError::Protocol(format!(
                    "{method} failed in the target: {}",
                    error.message
                )));
            }
            return Ok(incoming.result.unwrap_or(RawValue::NULL).to_owned());
        }
        Err(InspectorError::Protocol(format!(
            "{method}: no reply after {MAX_MESSAGES_PER_CALL} messages from the target"
        )))
    }

    /// Evaluates a JavaScript expression in the target with the console's
    /// command line API (which provides `require`) and returns its value.
    pub fn evaluate(&mut self, expression: &str) -> Result<Value> {
        let result = self.call(
            "Runtime.evaluate",
            serde_json::json!({
                "expression": expression,
                "returnByValue": true,
                "includeCommandLineAPI": true,
                "silent": true,
            }),
        )?;
        if let Some(details) = result.get("exceptionDetails") {
            let text = details
                .pointer("/exception/description")
                .or_else(|| details.get("text"))
                .and_then(Value::as_str)
                .unwrap_or("exception");
            return Err(InspectorError::Protocol(format!(
                "evaluating in the target failed: {}",
                first_line(text)
            )));
        }
        Ok(result
            .pointer("/result/value")
            .cloned()
            .unwrap_or(Value::Null))
    }

    /// Closes the session politely (errors ignored: the target may be gone).
    pub fn close(mut self) {
        let _ = self.socket.close(None);
        let _ = self.socket.flush();
    }

    fn socket_error(&self, method: &str, e: tungstenite::Error) -> InspectorError {
        use tungstenite::error::ProtocolError as P;
        let what = format!("{method} on {}", self.label);
        match e {
            tungstenite::Error::Io(io) => InspectorError::io(&what, io),
            tungstenite::Error::ConnectionClosed
            | tungstenite::Error::AlreadyClosed
            | tungstenite::Error::Protocol(P::ResetWithoutClosingHandshake) => {
                InspectorError::TargetGone(format!(
                    "{what}: the target closed the connection (did it exit?)"
                ))
            }
            other => InspectorError::Io(format!("{what}: {other}")),
        }
    }
}

/// A failed WebSocket handshake: silence (a stopped or frozen target) or a refusal.
fn handshake_error(
    label: &str,
    url: &str,
    timeout: Duration,
    e: tungstenite::HandshakeError<tungstenite::ClientHandshake<TcpStream>>,
) -> InspectorError {
    let text = e.to_string();
    // A read timeout surfaces as WouldBlock: an interrupted handshake.
    let silent = match &e {
        tungstenite::HandshakeError::Interrupted(_) => true,
        tungstenite::HandshakeError::Failure(tungstenite::Error::Io(io)) => matches!(
            io.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        tungstenite::HandshakeError::Failure(_) => false,
    };
    if silent {
        return InspectorError::Timeout(format!(
            "{label} accepted the connection but did not answer the WebSocket handshake within {} s (is the target stopped, e.g. by SIGSTOP, or frozen?)",
            timeout.as_secs()
        ));
    }
    InspectorError::BadInput(format!(
        "{label} refused the WebSocket handshake for {url} ({}); is the target id current? (see /json/list)",
        first_line(&text)
    ))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}
