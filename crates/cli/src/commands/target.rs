//! The target options shared by `capture`, `watch` and `profile`, and opening
//! an inspector session from them.

use crate::CliError;
use heapscope_inspector::close::{close_inspector, Closed};
use heapscope_inspector::process::check_is_node;
use heapscope_inspector::{locate, Located, Opened, Session, TargetSpec};
use std::time::Duration;

/// How long connecting to the inspector may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(clap::Args, Debug, Clone)]
pub struct TargetArgs {
    /// A local process: its open inspector port; capture and profile otherwise open one with SIGUSR1 (its --inspect-port, else 127.0.0.1:9229) and close it again when done.
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
    /// Leave open an inspector that heapscope opened with SIGUSR1 (by default it is closed when done).
    #[arg(long)]
    pub keep_inspector: bool,
}

/// An open session, with the target's PID when it is a local process.
pub struct Connected {
    pub session: Session,
    pub pid: Option<u32>,
    /// Set when heapscope opened the inspector: closed again by [`Connected::finish`].
    pub opened: Option<OpenedInspector>,
}

impl Connected {
    /// Ends the session and closes the inspector if heapscope opened it.
    pub fn finish(self) {
        self.session.close();
        if let Some(opened) = self.opened {
            opened.finish();
        }
    }
}

/// How long closing the inspector heapscope opened may take.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// An inspector that heapscope opened with SIGUSR1, and what to do with it at
/// the end: close it (the default) or leave it (`--keep-inspector`).
#[derive(Debug, Clone)]
pub struct OpenedInspector {
    pub opened: Opened,
    pub ws_url: String,
    pub keep: bool,
    pub allow_remote: bool,
}

impl OpenedInspector {
    /// From what `locate` found, when heapscope opened it.
    pub fn from_located(located: &Located, target: &TargetArgs) -> Option<OpenedInspector> {
        let opened = located.opened.clone()?;
        eprintln!(
            "heapscope: opened the inspector of process {} on {} with SIGUSR1; {}",
            opened.pid,
            opened.address,
            if target.keep_inspector {
                "--keep-inspector leaves it open"
            } else {
                "it is closed again when done"
            }
        );
        Some(OpenedInspector {
            opened,
            ws_url: located.ws_url.clone(),
            keep: target.keep_inspector,
            allow_remote: target.allow_remote,
        })
    }

    /// Closes the inspector (unless kept) and says what became of it, in one line.
    /// Call once every session on it has ended.
    pub fn finish(&self) {
        let (pid, address) = (self.opened.pid, &self.opened.address);
        if self.keep {
            eprintln!("heapscope: the inspector of process {pid} stays open on {address} (--keep-inspector): anyone on this machine can attach and run code in it until it exits");
            return;
        }
        match close_inspector(&self.opened, &self.ws_url, self.allow_remote, CLOSE_TIMEOUT) {
            Ok(Closed::Closed) => eprintln!(
                "heapscope: closed the inspector it had opened in process {pid} ({address} refuses connections again)"
            ),
            Ok(Closed::ProcessGone) => {}
            Err(e) => eprintln!("heapscope: warning: {e}"),
        }
    }
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
        let opened = OpenedInspector::from_located(&located, self);
        let mut session =
            match Session::connect(&located.ws_url, self.allow_remote, CONNECT_TIMEOUT) {
                Ok(session) => session,
                Err(e) => {
                    if let Some(opened) = &opened {
                        opened.finish();
                    }
                    return Err(e.into());
                }
            };
        let pid = match spec {
            TargetSpec::Pid(pid) => Some(pid),
            _ => local_pid(&mut session),
        };
        Ok(Connected {
            session,
            pid,
            opened,
        })
    }
}

/// The target's PID when it is a Node process on this machine (same PID namespace).
fn local_pid(session: &mut Session) -> Option<u32> {
    let pid = session.evaluate("process.pid").ok()?.as_u64()? as u32;
    check_is_node(pid).ok().map(|_| pid)
}
