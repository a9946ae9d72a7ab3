//! `heapscope hunt` end to end: the bundled blog server (leaking and fixed,
//! started directly and through `npm start`), every leak scenario of the
//! repository's `scenarios/`, Ctrl-C, bad input and a server that misbehaves
//! under load. Every hunt is bounded in time, every request goes to
//! 127.0.0.1, and every test checks that no process it caused to start is
//! left behind.
//!
//! Hunts run one at a time (a lock), so their timings do not disturb each
//! other on a small machine. Needs node and npm; the proxy scenarios also
//! need openssl.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Helpers: running hunt, processes, folders.

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_heapscope"))
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn blog_dir() -> PathBuf {
    repo_root().join("examples/blog-server")
}

/// A fresh, empty folder for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("heapscope-hunt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Removes the folder `temp_dir(name)` made (after a test passed).
fn remove_temp(name: &str) {
    let dir = std::env::temp_dir().join(format!("heapscope-hunt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(dir);
}

/// One hunt at a time: each one loads the machine fully.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A `ps` line of a live process.
#[derive(Debug, Clone)]
struct Proc {
    pid: u32,
    pgid: u32,
    state: char,
    cmdline: String,
}

fn processes() -> Vec<Proc> {
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
            let _ppid = fields.next()?;
            let pgid = fields.next()?.parse().ok()?;
            let cmdline = std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
                .unwrap_or_default()
                .replace('\0', " ");
            Some(Proc {
                pid,
                pgid,
                state,
                cmdline,
            })
        })
        .collect()
}

/// Live (non-zombie) processes matching `pred`, waiting up to `within` for
/// them to go.
fn remaining(pred: impl Fn(&Proc) -> bool, within: Duration) -> Vec<Proc> {
    let deadline = Instant::now() + within;
    loop {
        let left: Vec<Proc> = processes()
            .into_iter()
            .filter(|p| p.state != 'Z' && pred(p))
            .collect();
        if left.is_empty() || Instant::now() >= deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Panics when a process of group `pgid` is still alive after a short wait.
fn assert_group_gone(pgid: u32) {
    let left = remaining(|p| p.pgid == pgid, Duration::from_secs(3));
    if !left.is_empty() {
        kill_group(pgid);
        panic!("processes of group {pgid} outlived the hunt: {left:?}");
    }
}

/// Panics when a process whose command line contains `marker` is alive.
fn assert_none_with(marker: &str) {
    let left = remaining(|p| p.cmdline.contains(marker), Duration::from_secs(3));
    for p in &left {
        signal(p.pid, libc::SIGKILL);
    }
    assert!(left.is_empty(), "processes outlived the hunt: {left:?}");
}

fn signal(pid: u32, sig: libc::c_int) {
    // SAFETY: kill(2) has no memory-safety preconditions.
    unsafe { libc::kill(pid as libc::pid_t, sig) };
}

fn kill_group(pgid: u32) {
    // SAFETY: getpgrp(2) has no preconditions. Never our own group (a
    // process hunt attached to, started by this test, is in it).
    let own = unsafe { libc::getpgrp() } as u32;
    if pgid > 1 && pgid != own {
        // SAFETY: as above; a negative PID names a process group.
        unsafe { libc::kill(-(pgid as libc::pid_t), libc::SIGKILL) };
    }
}

fn pgid_of(pid: u32) -> Option<u32> {
    processes()
        .into_iter()
        .find(|p| p.pid == pid)
        .map(|p| p.pgid)
}

/// What a finished hunt left.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// `hunt.json` from the `-o` folder, when written.
    json: Option<Value>,
    /// The application's PID and group, from hunt's "process PID (…)" line.
    app_pid: Option<u32>,
    pgid: Option<u32>,
    seconds: f64,
}

impl Outcome {
    fn describe(&self) -> String {
        format!(
            "exit {:?} after {:.1} s\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.seconds, self.stdout, self.stderr
        )
    }

    /// The one-line error of a refused hunt.
    fn assert_error(&self, contains: &str) {
        assert_eq!(self.code, Some(2), "{}", self.describe());
        let lines: Vec<&str> = self.stderr.lines().filter(|l| !l.is_empty()).collect();
        let last = lines.last().copied().unwrap_or_default();
        assert!(
            last.starts_with("heapscope: error: "),
            "the error line: {}",
            self.describe()
        );
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.starts_with("heapscope: error"))
                .count(),
            1,
            "one error line: {}",
            self.describe()
        );
        assert!(
            last.contains(contains),
            "expected {contains:?} in the error: {}",
            self.describe()
        );
    }

    fn suspects(&self) -> &[Value] {
        self.json.as_ref().expect("hunt.json")["leaks"]["suspects"]
            .as_array()
            .expect("suspects")
    }

    /// "kind class (package)" of each suspect, for messages.
    fn suspect_list(&self) -> Vec<String> {
        self.suspects()
            .iter()
            .map(|s| {
                format!(
                    "{} {} ({}) {}",
                    s["kind"], s["class"], s["package"], s["counts"]
                )
            })
            .collect()
    }
}

/// A hunt in progress: its output is collected on threads as it comes.
struct Running {
    child: Child,
    started: Instant,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<Vec<String>>>,
    app: Arc<Mutex<(Option<u32>, Option<u32>)>>,
    out_dir: Option<PathBuf>,
}

fn start_hunt(args: &[String], cwd: Option<&Path>, env: &[(String, String)]) -> Running {
    let mut command = bin();
    command
        .arg("hunt")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("NODE_OPTIONS");
    if let Some(dir) = cwd {
        command.current_dir(dir);
    }
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("heapscope runs");
    let stdout = Arc::new(Mutex::new(String::new()));
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let app = Arc::new(Mutex::new((None, None)));
    {
        let mut pipe = child.stdout.take().unwrap();
        let stdout = stdout.clone();
        std::thread::spawn(move || {
            let mut buf = String::new();
            let _ = pipe.read_to_string(&mut buf);
            *stdout.lock().unwrap() = buf;
        });
    }
    {
        let pipe = child.stderr.take().unwrap();
        let (stderr, app) = (stderr.clone(), app.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                if let Some(pid) = announced_app_pid(&line) {
                    // The group is read at once, while the process surely lives.
                    *app.lock().unwrap() = (Some(pid), pgid_of(pid));
                }
                stderr.lock().unwrap().push(line);
            }
        });
    }
    let out_dir = args
        .iter()
        .position(|a| a == "-o" || a == "--output")
        .map(|i| PathBuf::from(&args[i + 1]))
        .map(|p| match (p.is_relative(), cwd) {
            (true, Some(cwd)) => cwd.join(p),
            _ => p,
        });
    Running {
        child,
        started: Instant::now(),
        stdout,
        stderr,
        app,
        out_dir,
    }
}

/// The PID in "hunt: process 4242 (node server.js) answers at …".
fn announced_app_pid(line: &str) -> Option<u32> {
    let rest = line.strip_prefix("hunt: process ")?;
    let (pid, rest) = rest.split_once(' ')?;
    rest.contains(" answers at ").then(|| pid.parse().ok())?
}

impl Running {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until a line of hunt's stderr contains `text`.
    fn wait_for_stderr(&mut self, text: &str, within: Duration) -> Option<String> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(line) = self
                .stderr
                .lock()
                .unwrap()
                .iter()
                .find(|l| l.contains(text))
            {
                return Some(line.clone());
            }
            if self.child.try_wait().ok().flatten().is_some() {
                // The reader may still be behind; one last look after it.
                std::thread::sleep(Duration::from_millis(200));
                return self
                    .stderr
                    .lock()
                    .unwrap()
                    .iter()
                    .find(|l| l.contains(text))
                    .cloned();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    fn app(&self) -> (Option<u32>, Option<u32>) {
        *self.app.lock().unwrap()
    }

    /// Waits for hunt to exit within `limit` (else interrupts it, kills what
    /// it started and panics), then collects what it left.
    fn finish(mut self, limit: Duration) -> Outcome {
        let deadline = self.started + limit;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() >= deadline {
                signal(self.pid(), libc::SIGINT);
                std::thread::sleep(Duration::from_secs(5));
                let _ = self.child.kill();
                let _ = self.child.wait();
                if let (_, Some(pgid)) = self.app() {
                    kill_group(pgid);
                }
                panic!(
                    "hunt took longer than {} s; stderr:\n{}",
                    limit.as_secs(),
                    self.stderr.lock().unwrap().join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let seconds = self.started.elapsed().as_secs_f64();
        // Let the reader threads drain the pipes.
        std::thread::sleep(Duration::from_millis(100));
        let json = self
            .out_dir
            .as_ref()
            .and_then(|d| std::fs::read_to_string(d.join("hunt.json")).ok())
            .map(|t| serde_json::from_str(&t).expect("hunt.json parses"));
        let (app_pid, pgid) = self.app();
        let stdout = self.stdout.lock().unwrap().clone();
        let stderr = self.stderr.lock().unwrap().join("\n");
        Outcome {
            code: status.code(),
            stdout,
            stderr,
            json,
            app_pid,
            pgid,
            seconds,
        }
    }
}

/// Runs one hunt to the end (at most `limit`) and checks that nothing it
/// started is left.
fn hunt(args: &[String], cwd: Option<&Path>, env: &[(String, String)], limit: Duration) -> Outcome {
    let outcome = start_hunt(args, cwd, env).finish(limit);
    // SAFETY: getpgrp(2) has no preconditions.
    let own = unsafe { libc::getpgrp() } as u32;
    if let Some(pgid) = outcome.pgid.filter(|g| *g != own) {
        assert_group_gone(pgid);
    }
    outcome
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn path_str(p: &Path) -> String {
    p.display().to_string()
}

// ---------------------------------------------------------------------------
// 1, 2: the bundled blog server.

/// Small rounds: a few hundred requests each, after hunt's default warm-up
/// (500 requests) on `connections` connections (hunt's default is 8).
fn blog_load(connections: usize) -> Vec<String> {
    strings(&[
        "--warmup-requests",
        "500",
        "--rounds",
        "2",
        "--requests",
        "300",
        "-c",
        &connections.to_string(),
    ])
}

fn assert_names_the_blog_leak(found: &Outcome) {
    let suspects = found.suspects();
    assert!(!suspects.is_empty(), "no suspect: {}", found.describe());
    let top = &suspects[0];
    let class = top["class"].as_str().unwrap();
    assert!(
        class == "onThemeChange()" || class == "RenderContext",
        "top suspect {class}; all: {:?}",
        found.suspect_list()
    );
    assert_eq!(top["package"], "(app)", "{:?}", found.suspect_list());
    let json = found.json.as_ref().unwrap();
    let per_request = &json["per_request"][0];
    assert_eq!(per_request["class"], top["class"]);
    assert!(
        per_request["bytes"].as_f64().unwrap() > 0.0,
        "per request: {per_request}"
    );
}

#[test]
fn blog_server_leak_is_named_and_the_fix_is_confirmed() {
    let _one = one_at_a_time();
    let root = temp_dir("blog");
    let (leaking, fixed) = (root.join("leaking"), root.join("fixed"));
    let server = path_str(&blog_dir().join("server.js"));
    let port0 = env(&[("PORT", "0")]);

    // The leak: --json prints hunt.json, --fail-on-leak makes it exit 3.
    let mut args = strings(&["--json", "--fail-on-leak", "-o", &path_str(&leaking)]);
    args.extend(blog_load(8));
    args.extend(strings(&["--", "node", &server]));
    let found = hunt(&args, None, &port0, Duration::from_secs(60));
    assert_eq!(found.code, Some(3), "{}", found.describe());
    let printed: Value = serde_json::from_str(&found.stdout).expect("--json prints JSON");
    assert_eq!(printed["format"], "heapscope-hunt");
    assert_eq!(
        &printed,
        found.json.as_ref().unwrap(),
        "stdout is hunt.json"
    );
    assert_names_the_blog_leak(&found);
    for file in [
        "s1.heapsnapshot",
        "s2.heapsnapshot",
        "s3.heapsnapshot",
        "series.json",
        "timeline.json",
        "load.json",
        "leaks.json",
        "hunt.json",
        "app.log",
    ] {
        assert!(leaking.join(file).is_file(), "{file} missing");
    }
    let load: Value =
        serde_json::from_str(&std::fs::read_to_string(leaking.join("load.json")).unwrap()).unwrap();
    let responses: Vec<u64> = load
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["load"]["responses"].as_u64().unwrap())
        .collect();
    assert_eq!(responses, [500, 300, 300], "warm-up and two rounds");

    // The fixed twin: no suspect, exit 0 despite --fail-on-leak, and the
    // comparison with the leaking run says the growth is gone.
    let mut args = strings(&[
        "--fail-on-leak",
        "--compare",
        &path_str(&leaking),
        "-o",
        &path_str(&fixed),
    ]);
    args.extend(blog_load(8));
    args.extend(strings(&["--", "node", &server, "--fixed"]));
    let after = hunt(&args, None, &port0, Duration::from_secs(60));
    assert_eq!(after.code, Some(0), "{}", after.describe());
    assert!(
        after.suspects().is_empty(),
        "suspects in the fixed run: {:?}",
        after.suspect_list()
    );
    assert!(
        after.stdout.contains("growth gone"),
        "the comparison: {}",
        after.describe()
    );
    let changes = after.json.as_ref().unwrap()["changes"].as_array().unwrap();
    assert!(!changes.is_empty(), "changes: {changes:?}");
    let _ = std::fs::remove_dir_all(&root);
}

/// The same fixed twin on 4 connections instead of 8: V8 is still compiling
/// code for the hot paths, and `leaks` reports that as a leak.
#[test]
fn fixed_blog_server_on_four_connections_has_no_suspect() {
    let _one = one_at_a_time();
    let out = temp_dir("fixed-c4");
    let mut args = strings(&["--fail-on-leak", "-o", &path_str(&out)]);
    args.extend(blog_load(4));
    args.extend(strings(&[
        "--",
        "node",
        &path_str(&blog_dir().join("server.js")),
        "--fixed",
    ]));
    let found = hunt(&args, None, &env(&[("PORT", "0")]), Duration::from_secs(60));
    assert!(
        found.suspects().is_empty(),
        "suspects in the fixed run: {:?}",
        found.suspect_list()
    );
    assert_eq!(found.code, Some(0), "{}", found.describe());
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn npm_start_hunts_the_server_not_npm() {
    let _one = one_at_a_time();
    let out = temp_dir("npm");
    let mut args = strings(&["-o", &path_str(&out)]);
    args.extend(blog_load(8));
    args.extend(strings(&["--", "npm", "start"]));
    let found = hunt(
        &args,
        Some(&blog_dir()),
        &env(&[("PORT", "0")]),
        Duration::from_secs(90),
    );
    assert_eq!(found.code, Some(0), "{}", found.describe());
    let line = found
        .stderr
        .lines()
        .find(|l| announced_app_pid(l).is_some())
        .unwrap_or_default()
        .to_string();
    let cmdline = line
        .split_once(" (")
        .and_then(|(_, rest)| rest.split_once(") answers at "))
        .map(|(cmdline, _)| cmdline)
        .unwrap_or_default();
    assert_eq!(cmdline, "node server.js", "the app process: {line}");
    assert_ne!(
        found.app_pid, found.pgid,
        "npm leads the group, the server is below it"
    );
    assert_names_the_blog_leak(&found);
    let _ = std::fs::remove_dir_all(&out);
}

// ---------------------------------------------------------------------------
// 3: the repository's leak scenarios (`scenarios/`).

fn scenarios_dir() -> PathBuf {
    repo_root().join("scenarios")
}

/// The scenario's pinned packages, installed by `run.sh --install` (`npm ci`
/// on first use, serialized with flock).
fn install(name: &str) {
    let status = Command::new("timeout")
        .arg("600")
        .arg("bash")
        .arg(scenarios_dir().join("run.sh"))
        .args(["--install", name])
        .status()
        .expect("bash runs");
    assert!(status.success(), "npm ci in scenarios/{name}");
}

/// The scenario's request paths as its runner sends them: request `n` asks
/// for `paths[n % len]` with `{i}` replaced by `n`.
fn urls_file(conf: &Value, lines: usize, file: &Path) {
    let paths = conf["load"]["paths"].as_array().unwrap();
    let text: String = (0..lines)
        .map(|n| {
            let path = paths[n % paths.len()].as_str().unwrap();
            format!("{}\n", path.replace("{i}", &n.to_string()))
        })
        .collect();
    std::fs::write(file, text).unwrap();
}

/// The fake HTTPS image CDN (`scenarios/lib/upstream.js`), started as the
/// scenario runner starts it; killed on drop.
struct Upstream {
    child: Child,
    url: String,
    cert: PathBuf,
}

impl Upstream {
    fn start(work: &Path) -> Upstream {
        let tls = work.join("tls");
        std::fs::create_dir_all(&tls).unwrap();
        let (key, cert) = (tls.join("key.pem"), tls.join("cert.pem"));
        let made = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .arg("ec_paramgen_curve:prime256v1")
            .arg("-nodes")
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .args(["-days", "2", "-subj", "/CN=127.0.0.1", "-addext"])
            .arg("subjectAltName=IP:127.0.0.1,DNS:localhost")
            .stderr(Stdio::null())
            .status()
            .expect("openssl runs");
        assert!(made.success(), "openssl");
        let port_file = work.join(".upstream.port");
        let child = Command::new("node")
            .arg(scenarios_dir().join("lib/upstream.js"))
            .env("TLS_KEY", &key)
            .env("TLS_CERT", &cert)
            .env("PORT_FILE", &port_file)
            // It exits by itself after this, or when this test process is gone.
            .env("SCENARIO_MAX_SECONDS", "300")
            .env_remove("NODE_OPTIONS")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs");
        let mut upstream = Upstream {
            child,
            url: String::new(),
            cert,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(port) = std::fs::read_to_string(&port_file) {
                if !port.trim().is_empty() {
                    upstream.url = format!("https://127.0.0.1:{}", port.trim());
                    return upstream;
                }
            }
            assert!(
                upstream.child.try_wait().unwrap().is_none(),
                "the upstream exited"
            );
            assert!(Instant::now() < deadline, "the upstream is not ready");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How one scenario is hunted: its round sizes and load options.
struct ScenarioRun {
    name: &'static str,
    warmup: u64,
    requests: u64,
    connections: usize,
    timeout: Option<&'static str>,
    limit: Duration,
}

/// Last count of a suspect minus its first.
fn growth(suspect: &Value) -> f64 {
    let counts: Vec<f64> = suspect["counts"]
        .as_array()
        .map(|c| c.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    match (counts.first(), counts.last()) {
        (Some(a), Some(b)) => b - a,
        _ => 0.0,
    }
}

/// Hunts one scenario's server and returns what hunt found.
fn hunt_scenario(run: &ScenarioRun) -> Outcome {
    let scenario = scenarios_dir().join(run.name);
    install(run.name);
    let conf: Value =
        serde_json::from_str(&std::fs::read_to_string(scenario.join("scenario.json")).unwrap())
            .unwrap();
    let work = temp_dir(run.name);
    let out = work.join("hunt");
    let urls = work.join("urls.txt");
    urls_file(&conf, (run.warmup + 2 * run.requests) as usize, &urls);
    let mut vars = env(&[
        ("HOST", "127.0.0.1"),
        ("PORT", "0"),
        ("NODE_ENV", "production"),
    ]);
    let upstream = (conf["upstream"] == true).then(|| Upstream::start(&work));
    if let Some(up) = &upstream {
        vars.push(("UPSTREAM_URL".into(), up.url.clone()));
        vars.push(("NODE_EXTRA_CA_CERTS".into(), path_str(&up.cert)));
    }
    let mut args = strings(&["-o", &path_str(&out), "--urls-file", &path_str(&urls)]);
    args.extend(strings(&[
        "--warmup-requests",
        &run.warmup.to_string(),
        "--rounds",
        "2",
        "--requests",
        &run.requests.to_string(),
        "-c",
        &run.connections.to_string(),
    ]));
    if let Some(t) = run.timeout {
        args.extend(strings(&["--timeout", t]));
    }
    args.extend(strings(&["--", "node", "server.js"]));
    let found = hunt(&args, Some(&scenario), &vars, run.limit);
    drop(upstream);
    eprintln!(
        "{}: exit {:?} in {:.1} s; suspects: {:#?}",
        run.name,
        found.code,
        found.seconds,
        found.json.as_ref().map(|_| found.suspect_list())
    );
    assert_eq!(found.code, Some(0), "{}", found.describe());
    found
}

#[test]
fn scenario_shiki_wasm_names_the_growing_wasm_memory() {
    let _one = one_at_a_time();
    let found = hunt_scenario(&ScenarioRun {
        name: "shiki-wasm",
        warmup: 8,
        requests: 25,
        connections: 2,
        timeout: None,
        limit: Duration::from_secs(120),
    });
    // The truth: the WebAssembly memory grows by 40 MB or more from s1 to
    // s3. Hunt names the emscripten Module object (an Object in
    // vscode-oniguruma) that holds it, measured in retained bytes.
    let top = &found.suspects().first().cloned().unwrap_or_default();
    let class = top["class"].as_str().unwrap_or_default();
    assert!(
        ["Object", "ArrayBuffer", "WebAssembly.Memory"].contains(&class)
            && top["package"] == "vscode-oniguruma",
        "shiki-wasm: {:?}",
        found.suspect_list()
    );
    if top["unit"] == "bytes" {
        assert!(
            growth(top) >= 40e6,
            "shiki-wasm: {:?}",
            found.suspect_list()
        );
    }
    remove_temp("shiki-wasm");
}

#[test]
fn scenario_eval_per_request_names_the_code_growth() {
    let _one = one_at_a_time();
    let found = hunt_scenario(&ScenarioRun {
        name: "eval-per-request",
        warmup: 100,
        requests: 300,
        connections: 4,
        timeout: None,
        limit: Duration::from_secs(120),
    });
    // The truth: one more onThemeChange closure per request (600 here).
    let hit = found.suspects().iter().find(|s| {
        s["class"]
            .as_str()
            .unwrap_or_default()
            .contains("onThemeChange")
    });
    let hit = hit.unwrap_or_else(|| panic!("eval-per-request: {:?}", found.suspect_list()));
    assert_eq!(hit["kind"], "code_growth", "{hit}");
    assert_eq!(hit["package"], "mdx-bundler", "{hit}");
    assert!(growth(hit) >= 500.0, "eval-per-request: {hit}");
    remove_temp("eval-per-request");
}

#[test]
fn scenario_proxy_tls_sockets_names_the_abandoned_sockets() {
    let _one = one_at_a_time();
    let found = hunt_scenario(&ScenarioRun {
        name: "proxy-tls-sockets",
        warmup: 40,
        requests: 200,
        connections: 16,
        timeout: Some("300ms"),
        limit: Duration::from_secs(120),
    });
    // The truth: a TLSSocket and a ClientRequest per abandoned request (the
    // og:image requests with a title, half of them: 100 per round).
    let hit = found.suspects().iter().find(|s| {
        let class = s["class"].as_str().unwrap_or_default();
        class == "TLSSocket" || class == "ClientRequest"
    });
    let hit = hit.unwrap_or_else(|| panic!("proxy-tls-sockets: {:?}", found.suspect_list()));
    assert_eq!(hit["package"], "express-http-proxy", "{hit}");
    assert!(growth(hit) >= 150.0, "proxy-tls-sockets: {hit}");
    // Growth per request counts every request sent, the abandoned ones too
    // (they are the ones that leak): about one in two here.
    let json = found.json.as_ref().unwrap();
    assert_eq!(json["requests_per_interval"], 200.0, "{}", json["rounds"]);
    let rate = json["per_request"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["class"] == hit["class"])
        .and_then(|p| p["objects"].as_f64())
        .unwrap_or_default();
    assert!((0.3..=0.7).contains(&rate), "{} per request", rate);
    let timeouts: u64 = found.json.as_ref().unwrap()["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["timeouts"].as_u64().unwrap())
        .sum();
    assert!(timeouts > 0, "og:image requests were abandoned");
    remove_temp("proxy-tls-sockets");
}

#[test]
fn scenario_no_leak_has_no_suspect() {
    let _one = one_at_a_time();
    let found = hunt_scenario(&ScenarioRun {
        name: "no-leak",
        warmup: 300,
        requests: 300,
        connections: 16,
        timeout: Some("300ms"),
        limit: Duration::from_secs(120),
    });
    assert!(
        found.suspects().is_empty(),
        "no-leak: {:?}",
        found.suspect_list()
    );
    remove_temp("no-leak");
}

// ---------------------------------------------------------------------------
// 4: Ctrl-C.

#[test]
fn ctrl_c_stops_the_app_and_removes_partial_files() {
    let _one = one_at_a_time();
    let out = temp_dir("ctrl-c");
    let args = strings(&[
        "-o",
        &path_str(&out),
        "--warmup-requests",
        "50",
        "--duration",
        "30s",
        "-c",
        "2",
        "--",
        "node",
        &path_str(&blog_dir().join("server.js")),
    ]);
    let mut running = start_hunt(&args, None, &env(&[("PORT", "0")]));
    let written = running.wait_for_stderr("s1.heapsnapshot written", Duration::from_secs(60));
    let (app_pid, pgid) = running.app();
    assert!(written.is_some(), "s1 was not written");
    let (app_pid, pgid) = (app_pid.expect("app PID"), pgid.expect("app group"));
    std::thread::sleep(Duration::from_millis(500));
    signal(running.pid(), libc::SIGINT);
    let interrupted = Instant::now();
    let found = running.finish(Duration::from_secs(90));
    let took = interrupted.elapsed();
    assert_eq!(found.code, Some(130), "{}", found.describe());
    assert!(took < Duration::from_secs(6), "exit took {took:?}");
    assert!(
        remaining(|p| p.pid == app_pid, Duration::from_secs(1)).is_empty(),
        "the app {app_pid} lives on"
    );
    assert_group_gone(pgid);
    let partial: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(partial.is_empty(), "left: {partial:?}");
    let _ = std::fs::remove_dir_all(&out);
}

// ---------------------------------------------------------------------------
// 5: bad input.

/// A marker in a command line, to find the processes of one case.
fn marker(case: &str) -> String {
    format!("heapscope-hunt-test-{}-{case}", std::process::id())
}

#[test]
fn a_command_that_exits_at_once_is_reported_with_its_output() {
    let out = temp_dir("exits");
    let mark = marker("exits");
    let args = strings(&[
        "-o",
        &path_str(&out.join("hunt")),
        "--",
        "node",
        "-e",
        "console.error('boom'); process.exit(1)",
        &mark,
    ]);
    let found = hunt(&args, None, &[], Duration::from_secs(30));
    found.assert_error("boom");
    assert_none_with(&mark);
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_command_that_never_listens_times_out() {
    let out = temp_dir("silent");
    let mark = marker("silent");
    let args = strings(&[
        "-o",
        &path_str(&out.join("hunt")),
        "--startup-timeout",
        "2s",
        "--grace",
        "1s",
        "--",
        "node",
        "-e",
        "setTimeout(()=>{},60000)",
        &mark,
    ]);
    let found = hunt(&args, None, &[], Duration::from_secs(20));
    found.assert_error("2 s");
    assert!(found.seconds < 10.0, "took {:.1} s", found.seconds);
    assert_none_with(&mark);
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn bad_options_are_refused_before_anything_starts() {
    let root = temp_dir("refused");
    let server = path_str(&blog_dir().join("server.js"));
    let full = root.join("full");
    std::fs::create_dir_all(&full).unwrap();
    std::fs::write(full.join("keep.txt"), "mine").unwrap();
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        ("header", strings(&["-H", "nocolon"]), "nocolon"),
        ("full", strings(&["-o", &path_str(&full)]), "empty"),
        ("rounds", strings(&["--rounds", "1"]), "--rounds"),
    ];
    for (case, options, expect) in cases {
        let mark = marker(case);
        let mut args = options.clone();
        if !args.contains(&"-o".to_string()) {
            args.extend(strings(&["-o", &path_str(&root.join(case))]));
        }
        args.extend(strings(&["--", "node", &server, &mark]));
        let found = hunt(&args, None, &env(&[("PORT", "0")]), Duration::from_secs(20));
        found.assert_error(expect);
        assert_none_with(&mark);
    }
    assert_eq!(
        std::fs::read_to_string(full.join("keep.txt")).unwrap(),
        "mine"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn no_command_and_no_target_is_refused_and_leaves_nothing() {
    let cwd = temp_dir("nothing");
    let found = hunt(&[], Some(&cwd), &[], Duration::from_secs(20));
    found.assert_error("nothing to hunt");
    let left: Vec<_> = std::fs::read_dir(&cwd).unwrap().flatten().collect();
    assert!(left.is_empty(), "hunt left {left:?} in its folder");
    let _ = std::fs::remove_dir_all(&cwd);
}

#[test]
fn a_remote_url_is_refused_before_attaching() {
    let out = temp_dir("remote");
    let mark = marker("remote");
    let mut target = Command::new("node")
        .args(["-e", "setTimeout(()=>{},60000)", &mark])
        .env_remove("NODE_OPTIONS")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    std::thread::sleep(Duration::from_millis(300));
    let pid = target.id().to_string();
    let args = strings(&[
        "-o",
        &path_str(&out.join("hunt")),
        "--pid",
        &pid,
        "--url",
        "http://10.1.2.3:80/",
    ]);
    let found = hunt(&args, None, &[], Duration::from_secs(20));
    let still_running = target.try_wait().unwrap().is_none();
    let _ = target.kill();
    let _ = target.wait();
    let mut stderr = String::new();
    target
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    found.assert_error("loopback");
    assert!(still_running, "hunt must not stop a process it attached to");
    assert!(
        !stderr.contains("Debugger listening"),
        "hunt opened the target's inspector before refusing the URL: {stderr}"
    );
    assert_none_with(&mark);
    let _ = std::fs::remove_dir_all(&out);
}

// ---------------------------------------------------------------------------
// 6: a server that resets, stalls and answers garbage.

const FAULTY_SERVER: &str = r#"'use strict'
const http = require('http')
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/reset')) return req.socket.resetAndDestroy()
  if (req.url.startsWith('/stall')) return
  if (req.url.startsWith('/garbage')) {
    req.socket.end('SPLAT \x00\x01 not http at all\r\n\r\n')
    return
  }
  const keep = []
  for (let i = 0; i < 10; i++) keep.push({ i, at: Date.now() })
  res.end('ok ' + keep.length)
})
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log('faulty server on ' + server.address().port)
})
"#;

#[test]
fn load_faults_are_counted_and_the_hunt_ends_on_time() {
    let _one = one_at_a_time();
    let work = temp_dir("faults");
    std::fs::write(work.join("faulty.js"), FAULTY_SERVER).unwrap();
    let mut urls = String::new();
    for i in 0..10 {
        urls.push_str(&format!("/ok/{i}\n"));
        match i {
            3 => urls.push_str("/reset\n"),
            6 => urls.push_str("/stall\n"),
            9 => urls.push_str("/garbage\n"),
            _ => {}
        }
    }
    std::fs::write(work.join("urls.txt"), urls).unwrap();
    let out = work.join("hunt");
    let args = strings(&[
        "-o",
        &path_str(&out),
        "--urls-file",
        &path_str(&work.join("urls.txt")),
        "--timeout",
        "500ms",
        "--warmup-requests",
        "26",
        "--rounds",
        "2",
        "--requests",
        "130",
        "-c",
        "4",
        "--",
        "node",
        &path_str(&work.join("faulty.js")),
    ]);
    let found = hunt(&args, None, &env(&[("PORT", "0")]), Duration::from_secs(60));
    assert_eq!(found.code, Some(0), "{}", found.describe());
    // 290 requests, 22 of them stalled for 0.5 s on 4 connections: seconds.
    assert!(found.seconds < 40.0, "took {:.1} s", found.seconds);
    let load: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("load.json")).unwrap()).unwrap();
    let json = found.json.as_ref().unwrap();
    assert_eq!(json["requests_per_interval"], 130.0, "{}", json["rounds"]);
    for round in load.as_array().unwrap() {
        let errors = &round["load"]["errors"];
        let name = &round["name"];
        assert!(errors["timeouts"].as_u64().unwrap() > 0, "{name}: {errors}");
        assert!(errors["reset"].as_u64().unwrap() > 0, "{name}: {errors}");
        assert!(errors["parse"].as_u64().unwrap() > 0, "{name}: {errors}");
        assert!(
            round["load"]["responses"].as_u64().unwrap() > 0,
            "{name}: {round}"
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}
