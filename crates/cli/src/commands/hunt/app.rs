//! The application under test: started by `hunt` (in its own process group,
//! with a loopback inspector on a free port) or attached to by PID or
//! inspector address. Whatever `hunt` started it stops again, also on Ctrl-C
//! and on errors.

use super::Args;
use crate::commands::target::{OpenedInspector, CONNECT_TIMEOUT};
use crate::CliError;
use heapscope_inspector::launch::{terminate_group, AppProcess, LaunchSpec, Launched};
use heapscope_inspector::recorder::SharedSession;
use heapscope_inspector::{locate, Session};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The process being hunted.
pub struct App {
    /// Set when `hunt` started the command.
    launched: Option<Launched>,
    pub pid: Option<u32>,
    port: Option<u16>,
    ws_url: String,
    session: Option<SharedSession>,
    /// The inspector hunt opened with SIGUSR1: closed again by `finish`.
    opened: Option<OpenedInspector>,
}

impl App {
    /// Whether the arguments name one thing to hunt (a command to start or a
    /// running target with a URL); checked before anything is created.
    pub fn check(args: &Args) -> Result<(), CliError> {
        match (Self::attaching(args), args.command.is_empty()) {
            (true, false) => Err(CliError(
                "give either a command to start (after --) or a running target (--pid, --inspect, --ws), not both".into(),
            )),
            (false, true) => Err(CliError(
                "nothing to hunt: give the command that starts the app after -- (e.g. `heapscope hunt -- node server.js`), or --pid PID --url URL".into(),
            )),
            (true, true) if args.url.is_none() => Err(CliError(
                "attaching needs the URL to load: add --url http://127.0.0.1:PORT/PATH".into(),
            )),
            _ => Ok(()),
        }
    }

    fn attaching(args: &Args) -> bool {
        args.target.pid.is_some() || args.target.inspect.is_some() || args.target.ws.is_some()
    }

    /// Starts `args.command`, or attaches to `--pid`/`--inspect`/`--ws`.
    pub fn start_or_attach(args: &Args, dir: &Path) -> Result<App, CliError> {
        Self::check(args)?;
        match Self::attaching(args) {
            true => Self::attach(args),
            false => Self::start(args, dir),
        }
    }

    fn start(args: &Args, dir: &Path) -> Result<App, CliError> {
        let spec = LaunchSpec {
            program: args.command[0].clone(),
            args: args.command[1..].to_vec(),
            log: dir.join("app.log"),
        };
        let mut launched = Launched::start(&spec)?;
        let found: AppProcess = launched
            .wait_for_app(args.port, args.startup_timeout)
            .map_err(|e| CliError(e.to_string()))?;
        Ok(App {
            launched: Some(launched),
            pid: Some(found.pid),
            port: Some(found.port),
            ws_url: found.ws_url,
            session: None,
            opened: None,
        })
    }

    fn attach(args: &Args) -> Result<App, CliError> {
        let spec = args.target.spec()?;
        let located = locate(&spec, args.target.allow_remote, CONNECT_TIMEOUT)?;
        let opened = OpenedInspector::from_located(&located, &args.target);
        Ok(App {
            launched: None,
            pid: args.target.pid,
            port: None,
            ws_url: located.ws_url,
            session: None,
            opened,
        })
    }

    /// The URL the load goes to.
    pub fn url(&self, args: &Args) -> Result<String, CliError> {
        if let Some(url) = &args.url {
            return Ok(url.clone());
        }
        let port = self
            .port
            .ok_or_else(|| CliError("no port known: give --url".into()))?;
        let path = match args.path.starts_with('/') {
            true => args.path.clone(),
            false => format!("/{}", args.path),
        };
        Ok(format!("http://127.0.0.1:{port}{path}"))
    }

    /// "process 4242 (node server.js)".
    pub fn describe(&self) -> String {
        match self.pid {
            Some(pid) => {
                let cmdline = std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
                    .map(|s| s.replace('\0', " ").trim().to_string())
                    .unwrap_or_default();
                format!("process {pid} ({cmdline})")
            }
            None => format!("the target at {}", self.ws_url),
        }
    }

    /// The one inspector session of the hunt, opened on first use.
    pub fn session(&mut self) -> Result<SharedSession, CliError> {
        if let Some(session) = &self.session {
            return Ok(session.clone());
        }
        let session = Session::connect(&self.ws_url, false, CONNECT_TIMEOUT)?;
        let shared = Arc::new(Mutex::new(session));
        self.session = Some(shared.clone());
        Ok(shared)
    }

    /// Whether the application is still running (when hunt started it).
    pub fn check_alive(&mut self) -> Result<(), CliError> {
        let Some(launched) = self.launched.as_mut() else {
            return Ok(());
        };
        match launched.exited() {
            None => Ok(()),
            Some(status) => Err(CliError(format!(
                "the application exited ({status}) during the hunt; its last output: {}",
                launched.stderr_tail().join(" | ")
            ))),
        }
    }

    /// Closes the session and stops what hunt started.
    pub fn finish(&mut self, grace: Duration) {
        if let Some(session) = self.session.take() {
            heapscope_inspector::recorder::close_shared(session);
        }
        if let Some(opened) = self.opened.take() {
            opened.finish();
        }
        if let Some(mut launched) = self.launched.take() {
            launched.stop(grace);
        }
    }
}

/// Ctrl-C stops the started application (its whole group), removes partial
/// snapshot files and exits with 130.
pub fn stop_on_ctrl_c(app: &App, dir: &Path) {
    let group = app.launched.as_ref().map(|l| l.pid());
    let dir = dir.to_path_buf();
    let _ = ctrlc::set_handler(move || {
        if let Some(pgid) = group {
            terminate_group(pgid, Duration::from_secs(3));
        }
        remove_partials(&dir);
        match group {
            Some(_) => eprintln!(
                "hunt: interrupted; the application was stopped and partial files removed"
            ),
            None => eprintln!(
                "hunt: interrupted; partial files removed (the attached process keeps running)"
            ),
        }
        std::process::exit(130);
    });
}

fn remove_partials(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().ends_with(".partial") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
