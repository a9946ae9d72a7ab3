//! The target options shared by `capture`, `watch` and `profile`, and opening
//! an inspector session from them.

use crate::CliError;
use heapscope_inspector::process::check_is_node;
use heapscope_inspector::{locate, Session, TargetSpec};
use std::time::Duration;

/// How long connecting to the inspector may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(clap::Args, Debug, Clone)]
pub struct TargetArgs {
    /// A local process: its open inspector port; capture and profile otherwise open one with SIGUSR1 (127.0.0.1:9229).
    #[arg(long, value_name = "PID")]
    pub pid: Option<u32>,
    /// An inspector's HTTP address (the target is found through /json/list).
    #[arg(long, value_name = "HOST:PORT")]
    pub inspect: Option<String>,
    /// The target's WebSocket debugger URL (ws://HOST:PORT/ID).
    #[arg(long, value_name = "URL")]
    pub ws: Option<String>,
    /// Allow a non-loopback inspector (it gives full code execution in the target).
    #[arg(long)]
    pub allow_remote: bool,
}

/// An open session, with the target's PID when it is a local process.
pub struct Connected {
    pub session: Session,
    pub pid: Option<u32>,
}

impl TargetArgs {
    /// Which target was named; exactly one of the three options is expected.
    pub fn spec(&self) -> Result<TargetSpec, CliError> {
        match (self.pid, &self.inspect, &self.ws) {
            (Some(pid), None, None) => Ok(TargetSpec::Pid(pid)),
            (None, Some(address), None) => Ok(TargetSpec::Inspect(address.clone())),
            (None, None, Some(url)) => Ok(TargetSpec::WebSocket(url.clone())),
            _ => Err(CliError(
                "name one target: --pid PID, --inspect HOST:PORT or --ws URL".into(),
            )),
        }
    }

    /// Warns once about `--allow-remote`.
    fn warn_remote(&self) {
        if self.allow_remote {
            eprintln!("heapscope: warning: --allow-remote: anyone who reaches an inspector can run any code in the target; use it only over a trusted link (e.g. an SSH tunnel)");
        }
    }

    /// Finds the inspector and opens a session.
    pub fn connect(&self) -> Result<Connected, CliError> {
        let spec = self.spec()?;
        self.warn_remote();
        let located = locate(&spec, self.allow_remote, CONNECT_TIMEOUT)?;
        if located.activated {
            eprintln!("heapscope: opened the inspector of process {} with SIGUSR1 (it stays open until the process exits)", self.pid.unwrap_or(0));
        }
        let mut session = Session::connect(&located.ws_url, self.allow_remote, CONNECT_TIMEOUT)?;
        let pid = match spec {
            TargetSpec::Pid(pid) => Some(pid),
            _ => local_pid(&mut session),
        };
        Ok(Connected { session, pid })
    }
}

/// The target's PID when it is a Node process on this machine (same PID namespace).
fn local_pid(session: &mut Session) -> Option<u32> {
    let pid = session.evaluate("process.pid").ok()?.as_u64()? as u32;
    check_is_node(pid).ok().map(|_| pid)
}
