//! Starting an application under heapscope's watch and stopping it again:
//! the command runs in its own process group with `--inspect=127.0.0.1:0` in
//! `NODE_OPTIONS` (so every Node process it starts, `npm start` included,
//! opens an inspector on a free loopback port), its output goes to a log
//! file, and the "Debugger listening on ws://…" lines tell which inspectors
//! exist. The application is the descendant that listens on a TCP port other
//! than its inspector's. Stopping sends SIGTERM to the whole group, then
//! SIGKILL after a grace period; dropping a [`Launched`] does the same, so no
//! child outlives heapscope.

use crate::error::{InspectorError, Result};
use crate::process::listening_addresses;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Lines of the application's stderr kept for error messages.
const TAIL_LINES: usize = 12;
/// How often the process tree is looked at while waiting.
const POLL: Duration = Duration::from_millis(50);

/// What to start.
#[derive(Debug, Clone)]
pub struct LaunchSpec {
    pub program: String,
    pub args: Vec<String>,
    /// Where the application's stdout and stderr go.
    pub log: PathBuf,
}

/// The application once it listens: the process, its HTTP port and its inspector.
#[derive(Debug, Clone)]
pub struct AppProcess {
    pub pid: u32,
    pub port: u16,
    pub ws_url: String,
}

/// A started command and its process group.
pub struct Launched {
    child: Child,
    /// `ws://` URLs announced on stderr, in order.
    inspectors: Arc<Mutex<Vec<String>>>,
    tail: Arc<Mutex<VecDeque<String>>>,
    stopped: bool,
}

/// The WebSocket URL in a "Debugger listening on ws://…" line.
pub fn announced_ws_url(line: &str) -> Option<&str> {
    let rest = line.trim().strip_prefix("Debugger listening on ")?;
    rest.starts_with("ws://")
        .then_some(rest.split_whitespace().next()?)
}

/// `NODE_OPTIONS` with a loopback inspector on a free port added.
pub fn node_options_with_inspector(existing: Option<&str>) -> String {
    let flag = "--inspect=127.0.0.1:0";
    match existing.map(str::trim).filter(|s| !s.is_empty()) {
        Some(options) => format!("{options} {flag}"),
        None => flag.to_string(),
    }
}

impl Launched {
    /// Starts `spec` in a new process group.
    pub fn start(spec: &LaunchSpec) -> Result<Launched> {
        use std::os::unix::process::CommandExt;
        let log = std::fs::File::create(&spec.log)
            .map_err(|e| InspectorError::io(&format!("creating {}", spec.log.display()), e))?;
        let options = node_options_with_inspector(std::env::var("NODE_OPTIONS").ok().as_deref());
        let stdout = log
            .try_clone()
            .map_err(|e| InspectorError::io("opening the log", e))?;
        let mut child = Command::new(&spec.program)
            .args(&spec.args)
            .env("NODE_OPTIONS", options)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| {
                InspectorError::BadInput(format!("cannot start `{}`: {e}", spec.program))
            })?;
        let inspectors = Arc::new(Mutex::new(Vec::new()));
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        if let Some(stderr) = child.stderr.take() {
            let (inspectors, tail) = (inspectors.clone(), tail.clone());
            std::thread::spawn(move || follow_stderr(stderr, log, &inspectors, &tail));
        }
        Ok(Launched {
            child,
            inspectors,
            tail,
            stopped: false,
        })
    }

    /// The PID of the started command (the group leader).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last lines the application wrote to stderr.
    pub fn stderr_tail(&self) -> Vec<String> {
        self.tail
            .lock()
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Whether the command has exited (and with what status).
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits until a process of the group listens on `port` (or, without one,
    /// on any TCP port besides an inspector) and has announced its inspector.
    pub fn wait_for_app(&mut self, port: Option<u16>, timeout: Duration) -> Result<AppProcess> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.exited() {
                return Err(self.early_exit(status));
            }
            if let Some(app) = self.find_app(port) {
                return Ok(app);
            }
            if Instant::now() >= deadline {
                return Err(InspectorError::Timeout(format!(
                    "`{}` opened no {} within {} s{}",
                    self.command_name(),
                    match port {
                        Some(p) => format!("port {p}"),
                        None => "HTTP port".into(),
                    },
                    timeout.as_secs(),
                    self.tail_text()
                )));
            }
            std::thread::sleep(POLL);
        }
    }

    fn command_name(&self) -> String {
        std::fs::read_to_string(format!("/proc/{}/cmdline", self.pid()))
            .map(|s| s.replace('\0', " ").trim().to_string())
            .unwrap_or_else(|_| format!("process {}", self.pid()))
    }

    fn tail_text(&self) -> String {
        let tail: Vec<String> = self
            .stderr_tail()
            .into_iter()
            .filter(|l| announced_ws_url(l).is_none() && !l.starts_with("For help, see"))
            .collect();
        match tail.is_empty() {
            true => String::new(),
            false => format!("; its last output: {}", tail.join(" | ")),
        }
    }

    fn early_exit(&self, status: std::process::ExitStatus) -> InspectorError {
        InspectorError::TargetGone(format!(
            "the command exited ({status}) before it listened on a port{}",
            self.tail_text()
        ))
    }

    /// One look at the process tree.
    fn find_app(&self, port: Option<u16>) -> Option<AppProcess> {
        let urls = self.inspectors.lock().ok()?.clone();
        let inspector_ports: Vec<u16> = urls.iter().filter_map(|u| url_port(u)).collect();
        for pid in descendants(self.pid()) {
            let Ok(addrs) = listening_addresses(pid) else {
                continue;
            };
            let own_inspector = urls
                .iter()
                .find(|u| url_port(u).is_some_and(|p| addrs.iter().any(|a| a.port() == p)));
            let app_port = addrs
                .iter()
                .map(SocketAddr::port)
                .filter(|p| !inspector_ports.contains(p))
                .find(|p| port.is_none_or(|want| *p == want));
            if let (Some(url), Some(app_port)) = (own_inspector, app_port) {
                return Some(AppProcess {
                    pid,
                    port: app_port,
                    ws_url: url.clone(),
                });
            }
        }
        None
    }

    /// SIGTERM to the group, SIGKILL after `grace`; reaps the command.
    pub fn stop(&mut self, grace: Duration) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        terminate_group(self.pid(), grace);
        let _ = self.child.wait();
    }
}

impl Drop for Launched {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(2));
    }
}

/// SIGTERM to process group `pgid`, then SIGKILL once `grace` has passed and
/// a member is left. Safe to call from a signal-handling thread.
pub fn terminate_group(pgid: u32, grace: Duration) {
    let group = -(pgid as libc::pid_t);
    // SAFETY: kill(2) has no memory-safety preconditions.
    unsafe { libc::kill(group, libc::SIGTERM) };
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline && group_alive(pgid) {
        std::thread::sleep(POLL);
    }
    if group_alive(pgid) {
        // SAFETY: as above.
        unsafe { libc::kill(group, libc::SIGKILL) };
    }
}

/// Whether any live (non-zombie) process is in group `pgid`.
fn group_alive(pgid: u32) -> bool {
    all_processes()
        .into_iter()
        .any(|p| p.pgid == pgid && p.state != 'Z')
}

struct ProcInfo {
    pid: u32,
    ppid: u32,
    pgid: u32,
    state: char,
}

fn all_processes() -> Vec<ProcInfo> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let after = &stat[stat.rfind(')')? + 1..];
            let mut fields = after.split_whitespace();
            let state = fields.next()?.chars().next()?;
            let ppid = fields.next()?.parse().ok()?;
            let pgid = fields.next()?.parse().ok()?;
            Some(ProcInfo {
                pid,
                ppid,
                pgid,
                state,
            })
        })
        .collect()
}

/// `root` and every process below it, parents before children.
pub fn descendants(root: u32) -> Vec<u32> {
    let all = all_processes();
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(all.iter().filter(|p| p.ppid == parent).map(|p| p.pid));
        i += 1;
    }
    out
}

fn url_port(url: &str) -> Option<u16> {
    let rest = url.strip_prefix("ws://")?;
    let host_port = rest.split('/').next()?;
    host_port.rsplit(':').next()?.parse().ok()
}

/// Copies stderr to the log, noting inspector announcements and the tail.
fn follow_stderr(
    stderr: std::process::ChildStderr,
    mut log: std::fs::File,
    inspectors: &Mutex<Vec<String>>,
    tail: &Mutex<VecDeque<String>>,
) {
    let mut reader = BufReader::new(stderr);
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let _ = log.write_all(line.as_bytes());
        let text = line.trim_end().to_string();
        if let Some(url) = announced_ws_url(&text) {
            if let Ok(mut list) = inspectors.lock() {
                list.push(url.to_string());
            }
        }
        if let Ok(mut tail) = tail.lock() {
            if tail.len() == TAIL_LINES {
                tail.pop_front();
            }
            tail.push_back(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_announcements_and_options() {
        let line = "Debugger listening on ws://127.0.0.1:40123/6f1c-aa\n";
        assert_eq!(announced_ws_url(line), Some("ws://127.0.0.1:40123/6f1c-aa"));
        assert_eq!(url_port("ws://127.0.0.1:40123/6f1c-aa"), Some(40123));
        assert_eq!(announced_ws_url("Debugger attached."), None);
        assert_eq!(
            node_options_with_inspector(Some("--max-old-space-size=100")),
            "--max-old-space-size=100 --inspect=127.0.0.1:0"
        );
        assert_eq!(node_options_with_inspector(None), "--inspect=127.0.0.1:0");
    }

    #[test]
    fn descendants_include_the_root() {
        let me = std::process::id();
        assert_eq!(descendants(me)[0], me);
    }
}
