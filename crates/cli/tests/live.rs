//! `capture`, `watch` and `profile` against real Node processes on loopback:
//! targets started with `--inspect=127.0.0.1:0` (the port read from Node's
//! stderr) or reached through `--pid` and SIGUSR1, and the faults a user meets.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_heapscope"))
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/live/target.js")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("heapscope-live-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A Node target, killed when dropped.
struct Target {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    ws_url: Option<String>,
    /// The line starting with "ready" (http-app.js adds its port).
    ready: String,
}

impl Target {
    /// Starts `node [--inspect=127.0.0.1:0] target.js ARGS…` and waits for "ready".
    fn start(inspect: bool, args: &[&str]) -> Target {
        let node_args: &[&str] = if inspect {
            &["--inspect=127.0.0.1:0"]
        } else {
            &[]
        };
        Target::launch(node_args, &script(), args, &[])
    }

    /// Starts `ENV… node NODE_ARGS… SCRIPT ARGS…` and waits for "ready"
    /// (and for the inspector's URL when NODE_ARGS open one).
    fn launch(node_args: &[&str], script: &Path, args: &[&str], env: &[(&str, &str)]) -> Target {
        let mut child = Command::new("node")
            .args(node_args)
            .arg(script)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node must be installed");
        let stdout = lines(child.stdout.take().unwrap());
        let stderr = lines(child.stderr.take().unwrap());
        let stdin = child.stdin.take();
        let mut target = Target {
            child,
            stdin,
            stdout,
            stderr,
            ws_url: None,
            ready: String::new(),
        };
        if node_args.iter().any(|a| a.starts_with("--inspect=")) {
            let line = target.wait_line(false, "Debugger listening on ");
            let url = line
                .split_whitespace()
                .find(|w| w.starts_with("ws://"))
                .unwrap();
            target.ws_url = Some(url.to_string());
        }
        target.ready = target.wait_line(true, "ready");
        target
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    fn ws(&self) -> &str {
        self.ws_url.as_deref().unwrap()
    }

    /// `127.0.0.1:PORT` of the inspector.
    fn host_port(&self) -> String {
        let rest = self.ws().strip_prefix("ws://").unwrap();
        rest.split('/').next().unwrap().to_string()
    }

    /// Waits (at most 60 s) for a line on stdout or stderr starting with `prefix`.
    fn wait_line(&self, on_stdout: bool, prefix: &str) -> String {
        let source = if on_stdout {
            &self.stdout
        } else {
            &self.stderr
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(line) = source.recv_timeout(Duration::from_millis(200)) {
                if line.starts_with(prefix) {
                    return line;
                }
            }
        }
        panic!("node never printed {prefix:?}");
    }

    /// Sends a command line and waits for its answer on stdout.
    fn command(&mut self, line: &str, answer: &str) -> String {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
        self.wait_line(true, answer)
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Kills a child process when dropped.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn lines(stream: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (send, receive) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    receive
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn assert_ok(out: &Output) {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(out));
}

/// Exit 2, nothing on stdout, one line on stderr containing every needle.
fn assert_fails(out: &Output, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(
        out.stdout.is_empty(),
        "stdout should be empty: {}",
        stdout(out)
    );
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected: {err}"
    );
    assert!(err.starts_with("heapscope: error: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for needle in needles {
        assert!(err.contains(needle), "{err:?} should mention {needle:?}");
    }
}

fn node_count(path: &Path) -> usize {
    heapscope_snapshot::read_snapshot(path.to_str().unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .node_count()
}

fn assert_close(a: usize, b: usize, what: &str) {
    let ratio = a as f64 / b as f64;
    assert!((0.97..=1.03).contains(&ratio), "{what}: {a} vs {b}");
}

#[test]
fn capture_matches_write_heap_snapshot() {
    let dir = temp_dir("capture");
    let mut target = Target::start(true, &["objects", "100000"]);
    let by_ws = dir.join("ws.heapsnapshot");
    let by_address = dir.join("address.heapsnapshot");
    let out = run(&[
        "capture",
        "--ws",
        target.ws(),
        "-o",
        by_ws.to_str().unwrap(),
    ]);
    assert_ok(&out);
    assert!(
        stdout(&out).contains("heap snapshot captured"),
        "{}",
        stdout(&out)
    );
    let out = run(&[
        "capture",
        "--inspect",
        &target.host_port(),
        "--gc",
        "-o",
        by_address.to_str().unwrap(),
    ]);
    assert_ok(&out);
    let written = dir.join("written.heapsnapshot");
    target.command(&format!("write {}", written.display()), "written");
    let reference = node_count(&written);
    assert!(reference > 100_000);
    assert_close(node_count(&by_ws), reference, "capture --ws");
    assert_close(node_count(&by_address), reference, "capture --inspect --gc");
    assert!(!dir.join("ws.heapsnapshot.partial").exists());
    let summary = run(&["summary", by_ws.to_str().unwrap(), "--limit", "3"]);
    assert_ok(&summary);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn capture_through_sigusr1() {
    let default_port = SocketAddr::from((Ipv4Addr::LOCALHOST, 9229));
    if TcpStream::connect_timeout(&default_port, Duration::from_millis(300)).is_ok() {
        eprintln!(
            "skipped: 127.0.0.1:9229 is in use, so SIGUSR1 cannot open a Node inspector there"
        );
        return;
    }
    let dir = temp_dir("sigusr1");
    let target = Target::start(false, &["objects", "20000"]);
    let file = dir.join("pid.heapsnapshot");
    let out = run(&[
        "capture",
        "--pid",
        &target.pid(),
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_ok(&out);
    let err = stderr(&out);
    assert!(err.contains("SIGUSR1"), "{err}");
    assert!(err.contains("closed the inspector"), "{err}");
    assert!(node_count(&file) > 20_000);
    assert!(
        refuses(9229),
        "the inspector heapscope opened is closed again"
    );
    // --keep-inspector leaves it open; the next --pid finds it without a
    // signal and, not having opened it, leaves it open too.
    let kept = run(&[
        "capture",
        "--pid",
        &target.pid(),
        "--keep-inspector",
        "--overwrite",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_ok(&kept);
    assert!(stderr(&kept).contains("stays open"), "{}", stderr(&kept));
    assert!(!refuses(9229));
    let again = run(&[
        "capture",
        "--pid",
        &target.pid(),
        "--overwrite",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_ok(&again);
    let err = stderr(&again);
    assert!(!err.contains("SIGUSR1") && !err.contains("closed"), "{err}");
    assert!(!refuses(9229), "an inspector found open stays open");
    drop(target);
    let _ = std::fs::remove_dir_all(&dir);
}

/// True when nothing accepts connections on 127.0.0.1:PORT.
fn refuses(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err()
}

#[test]
fn capture_with_another_debugger_attached() {
    // Node 20 accepts several inspector sessions at once; a second client
    // (here one that paused nothing but enabled the debugger) does not stop us.
    let dir = temp_dir("second");
    let target = Target::start(true, &["objects", "10000"]);
    let mut other =
        heapscope_inspector::Session::connect(target.ws(), false, Duration::from_secs(5)).unwrap();
    other
        .call("Debugger.enable", serde_json::json!({}))
        .unwrap();
    let file = dir.join("second.heapsnapshot");
    let out = run(&["capture", "--ws", target.ws(), "-o", file.to_str().unwrap()]);
    assert_ok(&out);
    assert!(node_count(&file) > 10_000);
    other.close();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts `capture --ws … -o FILE` and returns once `partial` exists (at most 30 s).
fn start_capture(target: &Target, file: &Path, partial: &Path) -> Child {
    let capture = bin()
        .args([
            "capture",
            "--force",
            "--overwrite",
            "--ws",
            target.ws(),
            "-o",
        ])
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !partial.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    capture
}

#[test]
fn target_exiting_mid_capture_leaves_no_file() {
    let dir = temp_dir("exit");
    let mut target = Target::start(true, &["objects", "1500000"]);
    let file = dir.join("keep.heapsnapshot");
    std::fs::write(&file, "previous capture").unwrap();
    let partial = dir.join("keep.heapsnapshot.partial");
    let capture = start_capture(&target, &file, &partial);
    std::thread::sleep(Duration::from_millis(300));
    target.kill();
    // heapscope's own timeouts bound this wait.
    let out = capture.wait_with_output().unwrap();
    assert_fails(&out, &["capture failed", "closed the connection"]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "previous capture");
    assert!(!partial.exists(), "the partial file must be removed");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ctrl_c_during_capture_removes_the_partial_file() {
    let dir = temp_dir("interrupt");
    let target = Target::start(true, &["objects", "1000000"]);
    let file = dir.join("never.heapsnapshot");
    let partial = dir.join("never.heapsnapshot.partial");
    let capture = start_capture(&target, &file, &partial);
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(capture.id() as i32, libc::SIGINT) };
    let out = capture.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    assert!(!partial.exists() && !file.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn faults_are_one_line_errors() {
    // A PID that is not Node: no signal is sent (SIGUSR1 would kill it).
    let sleeper = KillOnDrop(Command::new("sleep").arg("30").spawn().unwrap());
    let out = run(&["capture", "--pid", &sleeper.0.id().to_string()]);
    assert_fails(&out, &["not a Node.js process"]);
    drop(sleeper);
    let out = run(&["capture", "--pid", "99999999"]);
    assert_fails(&out, &["no process with PID 99999999"]);
    let free_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = run(&["capture", "--inspect", &format!("127.0.0.1:{free_port}")]);
    assert_fails(&out, &["connection refused"]);
    let out = run(&["capture", "--ws", &format!("ws://127.0.0.1:{free_port}/x")]);
    assert_fails(&out, &["connection refused"]);
    let out = run(&["capture", "--inspect", "10.255.255.1:9229"]);
    assert_fails(&out, &["not a loopback address", "--allow-remote"]);
    let out = run(&["capture"]);
    assert_fails(&out, &["--pid PID, --inspect HOST:PORT or --ws URL"]);
    let out = run(&["capture", "--inspect", "nonsense"]);
    assert_fails(&out, &["invalid inspector address"]);
}

#[test]
fn permission_denied_is_one_line() {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let target = Target::start(false, &["idle"]);
    let out = if root {
        use std::os::unix::process::CommandExt;
        // A copy in a folder anyone can enter: the build folder may not be.
        let dir = temp_dir("permission");
        let copy = dir.join("heapscope");
        std::fs::copy(env!("CARGO_BIN_EXE_heapscope"), &copy).unwrap();
        let out = Command::new(&copy)
            .args(["capture", "--pid", &target.pid()])
            .current_dir("/")
            .uid(65534)
            .gid(65534)
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        out
    } else {
        run(&["capture", "--pid", "1"])
    };
    assert_fails(&out, &["permission denied"]);
}

#[test]
fn watch_reports_growth_in_the_js_heap() {
    let dir = temp_dir("watch-grow");
    let target = Target::start(true, &["grow"]);
    let timeline = dir.join("timeline.json");
    let out = run(&[
        "watch",
        "--ws",
        target.ws(),
        "--interval",
        "250ms",
        // A verdict needs a window of at least 10 s.
        "--duration",
        "11s",
        "-o",
        timeline.to_str().unwrap(),
        "--snapshot-above",
        "1MB",
        "--snapshot-dir",
        dir.to_str().unwrap(),
    ]);
    assert_ok(&out);
    let text = stdout(&out);
    assert!(text.contains("verdict: growing"), "{text}");
    assert!(text.contains("where: the JS heap grows"), "{text}");
    assert!(text.contains("snapshot: RSS reached"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&timeline).unwrap()).unwrap();
    assert_eq!(json["format"], "heapscope-timeline");
    assert_eq!(json["verdict"]["state"], "growing");
    let samples = json["samples"].as_array().unwrap();
    assert!(samples.len() >= 8, "{}", samples.len());
    // Sampling goes on while the snapshot is written, without heap figures
    // then; the snapshot is marked in the events.
    let with_heap = samples
        .iter()
        .filter(|s| s["heap_used_bytes"].as_u64().is_some_and(|v| v > 0));
    assert!(with_heap.count() * 2 >= samples.len(), "{samples:?}");
    let kinds: Vec<&str> = json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["snapshot_start", "snapshot_end"]);
    let snapshot = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "heapsnapshot"))
        .expect("a --snapshot-above snapshot");
    assert!(node_count(&snapshot) > 1000);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn watch_by_pid_without_inspector_says_steady() {
    let dir = temp_dir("watch-idle");
    let target = Target::start(false, &["idle"]);
    let timeline = dir.join("timeline.csv");
    let out = run(&[
        "watch",
        "--pid",
        &target.pid(),
        "--interval",
        "250ms",
        "--duration",
        "11s",
        "-o",
        timeline.to_str().unwrap(),
    ]);
    assert_ok(&out);
    let text = stdout(&out);
    assert!(text.contains("verdict: steady"), "{text}");
    assert!(text.contains("heap figures unavailable"), "{text}");
    assert!(
        text.contains("heap figures: only RSS is known (from /proc)"),
        "{text}"
    );
    let csv = std::fs::read_to_string(&timeline).unwrap();
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("t_s,unix_ms,rss_bytes,cpu_percent"));
    assert!(lines.count() >= 10);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn watch_stops_on_ctrl_c_and_when_the_target_exits() {
    let mut target = Target::start(true, &["idle"]);
    let watch = bin()
        .args(["watch", "--ws", target.ws(), "--interval", "100ms"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(watch.id() as i32, libc::SIGINT) };
    let out = watch.wait_with_output().unwrap();
    assert_ok(&out);
    // 1.5 s is too short for a verdict.
    assert!(
        stdout(&out).contains("verdict: too short to tell"),
        "{}",
        stdout(&out)
    );
    let watch = bin()
        .args([
            "watch",
            "--pid",
            &target.pid(),
            "--interval",
            "100ms",
            "--duration",
            "30s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    target.kill();
    let out = watch.wait_with_output().unwrap();
    assert_ok(&out);
    assert!(stdout(&out).contains("exited"), "{}", stdout(&out));
}

#[test]
fn profile_attributes_a_known_allocation_site() {
    let target = Target::start(true, &["site"]);
    let out = run(&["profile", "--ws", target.ws(), "--duration", "2s", "--json"]);
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(json["total_bytes"].as_u64().unwrap() > 1_000_000, "{json}");
    let top = &json["functions"][0];
    assert_eq!(top["function"], "allocateWidgets", "{json}");
    assert!(
        top["url"]
            .as_str()
            .unwrap()
            .ends_with("tests/live/target.js"),
        "{top}"
    );
    assert_eq!(top["line"], 16);
    assert_eq!(top["package"], "(app)");
    assert_eq!(json["packages"][0]["package"], "(app)");
    let table = run(&[
        "profile",
        "--inspect",
        &target.host_port(),
        "--duration",
        "1s",
    ]);
    assert_ok(&table);
    let text = stdout(&table);
    assert!(text.contains("allocateWidgets"), "{text}");
    assert!(text.contains("target.js:16"), "{text}");
    assert!(text.contains("Top-down"), "{text}");
}

/// `crates/cli/tests/pprof-check/check.sh FILE`: npm's pprof-format decoding
/// a gzipped pprof file, an independent reader of what heapscope writes.
fn pprof_check(file: &Path) -> serde_json::Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/pprof-check/check.sh");
    let out = Command::new("bash").arg(script).arg(file).output().unwrap();
    assert!(out.status.success(), "pprof check: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// A heapprofile's totals: the sum of `selfSize` over the tree, and its samples.
fn heapprofile_totals(profile: &serde_json::Value) -> (u64, u64) {
    fn self_sizes(node: &serde_json::Value) -> u64 {
        let children = node["children"].as_array().unwrap();
        node["selfSize"].as_u64().unwrap() + children.iter().map(self_sizes).sum::<u64>()
    }
    let samples = profile["samples"].as_array().unwrap().len() as u64;
    (self_sizes(&profile["head"]), samples)
}

/// A 2 s `profile --json -o DIR/FILE` of a new `site` target, succeeded:
/// the target, DIR, DIR/FILE, the output and its JSON.
fn profiled(test: &str, file_name: &str) -> (Target, PathBuf, PathBuf, Output, serde_json::Value) {
    let dir = temp_dir(test);
    let target = Target::start(true, &["site"]);
    let file = dir.join(file_name);
    let path = file.to_str().unwrap();
    let out = run(&[
        "profile",
        "--ws",
        target.ws(),
        "--duration",
        "2s",
        "--json",
        "-o",
        path,
    ]);
    assert_ok(&out);
    let json = serde_json::from_str(&stdout(&out)).unwrap();
    (target, dir, file, out, json)
}

/// `profile --ws URL --duration 1s ARGS…`.
fn profile_1s(target: &Target, args: &[&str]) -> Output {
    let mut all = vec!["profile", "--ws", target.ws(), "--duration", "1s"];
    all.extend_from_slice(args);
    run(&all)
}

/// `profile -o x.heapprofile` writes the JSON DevTools loads, holding the
/// totals `--json` reports; an existing file is kept without `--force`.
#[test]
fn profile_writes_a_devtools_heapprofile() {
    let (target, dir, file, out, json) = profiled("profile-heapprofile", "x.heapprofile");
    let path = file.to_str().unwrap();
    assert!(stderr(&out).contains(path), "{}", stderr(&out));
    assert!(!dir.join("x.heapprofile.partial").exists());
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with(r#"{"head":{"callFrame":{"functionName":"#),
        "V8's JSON as sent"
    );
    let profile: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(
        profile["head"]["callFrame"]["scriptId"].is_string(),
        "{}",
        profile["head"]
    );
    let (bytes, samples) = heapprofile_totals(&profile);
    assert_eq!(bytes, json["total_bytes"].as_u64().unwrap());
    assert_eq!(samples, json["sample_count"].as_u64().unwrap());
    assert!(bytes > 1_000_000, "{bytes}");
    // The same profile as pprof, read back by npm's pprof-format: same totals.
    let parsed = heapscope_inspector::sampling::parse(&text).unwrap();
    let meta = heapscope_inspector::profile_formats::PprofMeta {
        interval_bytes: 32_768,
        started: Duration::ZERO,
        duration: Duration::from_secs(2),
    };
    let gz = heapscope_inspector::profile_formats::pprof_gz(&parsed, meta).unwrap();
    std::fs::write(dir.join("converted.pb.gz"), gz).unwrap();
    let check = pprof_check(&dir.join("converted.pb.gz"));
    assert_eq!(
        check["totals"],
        serde_json::json!([samples, bytes]),
        "{check}"
    );
    // An existing file is kept: refused before sampling, one line.
    let again = profile_1s(&target, &["-o", path]);
    assert_fails(&again, &[path, "--force"]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text, "kept");
    let forced = profile_1s(&target, &["-o", path, "--force"]);
    assert_ok(&forced);
    assert!(
        stdout(&forced).contains("allocateWidgets"),
        "text still printed"
    );
}

/// `profile -o x.pb.gz` (and `--format pprof` on any name) writes gzipped
/// pprof that an independent decoder reads with the totals `--json` reports.
#[test]
fn profile_writes_pprof() {
    let (target, dir, file, out, json) = profiled("profile-pprof", "x.pb.gz");
    assert!(stderr(&out).contains("pprof"), "{}", stderr(&out));
    let check = pprof_check(&file);
    assert_eq!(
        check["totals"],
        serde_json::json!([json["sample_count"], json["total_bytes"]]),
        "{check}"
    );
    assert_eq!(
        check["sample_types"],
        serde_json::json!([["objects", "count"], ["space", "bytes"]])
    );
    assert_eq!(check["string0"], "");
    assert_eq!(check["default_sample_type"], "space");
    assert_eq!(check["period"], 32_768);
    assert_eq!(check["top_leaf"], "allocateWidgets", "{check}");
    let named = dir.join("x.out");
    let out = profile_1s(
        &target,
        &["--format", "pprof", "-o", named.to_str().unwrap()],
    );
    assert_ok(&out);
    assert_eq!(&std::fs::read(&named).unwrap()[..2], &[0x1f, 0x8b], "gzip");
}

/// A memory cgroup made for one test, removed when dropped.
struct TestCgroup(PathBuf);

impl TestCgroup {
    /// A child of our own memory cgroup (v1 or v2) limited to `limit` bytes;
    /// `None` where cgroups cannot be created here.
    fn create(limit: u64) -> Option<TestCgroup> {
        let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
        let name = format!("heapscope-test-{}", std::process::id());
        for line in own.lines() {
            let mut parts = line.splitn(3, ':');
            let (id, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
            let (root, limit_file) = if controllers.split(',').any(|c| c == "memory") {
                ("/sys/fs/cgroup/memory", "memory.limit_in_bytes")
            } else if id == "0" && controllers.is_empty() {
                ("/sys/fs/cgroup", "memory.max")
            } else {
                continue;
            };
            let dir = Path::new(root)
                .join(path.trim_start_matches('/'))
                .join(&name);
            if std::fs::create_dir(&dir).is_err() {
                continue;
            }
            let group = TestCgroup(dir);
            if std::fs::write(group.0.join(limit_file), limit.to_string()).is_ok() {
                return Some(group);
            }
        }
        None
    }

    fn add(&self, pid: u32) -> bool {
        std::fs::write(self.0.join("cgroup.procs"), pid.to_string()).is_ok()
    }
}

impl Drop for TestCgroup {
    fn drop(&mut self) {
        for _ in 0..50 {
            if std::fs::remove_dir(&self.0).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[test]
fn capture_refuses_when_the_snapshot_would_not_fit() {
    let Some(cgroup) = TestCgroup::create(150_000_000) else {
        eprintln!("skipped: cannot create a memory cgroup here");
        return;
    };
    let mut target = Target::start(true, &["objects", "300000"]);
    if !cgroup.add(target.child.id()) {
        eprintln!("skipped: cannot move a process into a new memory cgroup here");
        return;
    }
    let out = run(&[
        "capture",
        "--pid",
        &target.pid(),
        "-o",
        "/nonexistent/never.heapsnapshot",
    ]);
    assert_fails(
        &out,
        &[
            "capture refused",
            "objects",
            "cgroup",
            "--force",
            "heapscope profile",
        ],
    );
    target.kill();
    drop(cgroup);
}

// ---- A target left as it was found (issue 18) ----

fn http_app() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/live/http-app.js")
}

/// A port nothing listens on (a moment ago).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The requests the app logged so far ("request METHOD URL" lines).
fn logged_requests(app: &Target) -> Vec<String> {
    app.stdout
        .try_iter()
        .filter(|l| l.starts_with("request "))
        .collect()
}

/// The app answers HTTP on the port of its "ready PORT" line.
fn answers_http(app: &Target) -> bool {
    let port = app.ready.trim_start_matches("ready ").trim();
    let Ok(mut stream) = TcpStream::connect(format!("127.0.0.1:{port}")) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.write_all(b"GET /alive HTTP/1.0\r\n\r\n");
    let mut reply = String::new();
    let _ = std::io::Read::read_to_string(&mut stream, &mut reply);
    reply.contains("hello")
}

/// `capture`/`profile --pid` on an app started with `--inspect-port=P`: the
/// inspector SIGUSR1 opens on P is found from the command line (the app's
/// own HTTP server gets no request) and closed again when done.
#[test]
fn pid_commands_close_the_inspector_they_opened_and_ask_the_app_nothing() {
    let dir = temp_dir("leave-as-found");
    let port = free_port();
    let flag = format!("--inspect-port={port}");
    let app = Target::launch(&[&flag], &http_app(), &["20000"], &[]);
    let file = dir.join("app.heapsnapshot");
    let out = run(&["capture", "--pid", &app.pid(), "-o", file.to_str().unwrap()]);
    assert_ok(&out);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("on 127.0.0.1:{port} with SIGUSR1")),
        "{err}"
    );
    assert!(err.contains("closed the inspector"), "{err}");
    assert!(node_count(&file) > 20_000);
    assert!(refuses(port), "inspector closed after capture");
    let out = run(&["profile", "--pid", &app.pid(), "--duration", "1s"]);
    assert_ok(&out);
    assert!(
        stderr(&out).contains("closed the inspector"),
        "{}",
        stderr(&out)
    );
    assert!(refuses(port), "inspector closed after profile");
    assert_eq!(
        logged_requests(&app),
        Vec::<String>::new(),
        "no request to the app"
    );
    assert!(answers_http(&app), "the app still answers");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `watch --pid` and `hunt --pid` close the inspector they opened with
/// SIGUSR1 too; `--keep-inspector` leaves it open and says so.
#[test]
fn watch_and_hunt_by_pid_close_the_inspector_they_opened() {
    let dir = temp_dir("watch-hunt-close");
    let port = free_port();
    let flag = format!("--inspect-port={port}");
    let app = Target::launch(&[&flag], &http_app(), &["2000"], &[]);
    let pid = app.pid();
    // Watching alone reads /proc: the inspector is never opened.
    let out = run(&["watch", "--pid", &app.pid(), "--duration", "2s"]);
    assert_ok(&out);
    assert!(
        !stderr(&out).contains("opened the inspector"),
        "{}",
        stderr(&out)
    );
    assert!(refuses(port), "watch leaves the inspector closed");
    // A snapshot on a threshold opens it, and closes it again.
    let snaps = dir.join("watch-snapshots");
    let snapshot_args = [
        "--duration",
        "3s",
        "--snapshot-above",
        "1MB",
        "--snapshot-dir",
    ];
    let mut args = vec!["watch", "--pid", &pid];
    args.extend(snapshot_args);
    args.push(snaps.to_str().unwrap());
    let out = run(&args);
    assert_ok(&out);
    assert!(
        stderr(&out).contains("closed the inspector"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_dir(&snaps).map(|d| d.count()).unwrap_or(0),
        1,
        "one snapshot"
    );
    assert!(refuses(port), "inspector closed after watch's snapshot");
    assert_eq!(
        logged_requests(&app),
        Vec::<String>::new(),
        "watch asks the app nothing"
    );
    let app_port = app.ready.trim_start_matches("ready ").trim().to_string();
    let url = format!("http://127.0.0.1:{app_port}/alive");
    let hunt_dir = dir.join("hunt");
    let out = run(&[
        "hunt",
        "--pid",
        &app.pid(),
        "--url",
        &url,
        "--rounds",
        "3",
        "--requests",
        "20",
        "--warmup-requests",
        "5",
        "-o",
        hunt_dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 1),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("closed the inspector"),
        "{}",
        stderr(&out)
    );
    assert!(refuses(port), "inspector closed after hunt");
    let kept = dir.join("kept-snapshots");
    let mut args = vec!["watch", "--pid", &pid, "--keep-inspector"];
    args.extend(snapshot_args);
    args.push(kept.to_str().unwrap());
    let out = run(&args);
    assert_ok(&out);
    assert!(stderr(&out).contains("stays open"), "{}", stderr(&out));
    assert!(!refuses(port), "--keep-inspector leaves it open");
    assert!(answers_http(&app), "the app still answers");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The same with the port in NODE_OPTIONS (read from /proc/PID/environ).
#[test]
fn inspector_port_from_node_options() {
    let dir = temp_dir("node-options");
    let port = free_port();
    let options = format!("--inspect-port=127.0.0.1:{port}");
    let app = Target::launch(&[], &http_app(), &["1000"], &[("NODE_OPTIONS", &options)]);
    let file = dir.join("env.heapsnapshot");
    let out = run(&["capture", "--pid", &app.pid(), "-o", file.to_str().unwrap()]);
    assert_ok(&out);
    assert!(
        stderr(&out).contains(&format!("127.0.0.1:{port}")),
        "{}",
        stderr(&out)
    );
    assert!(refuses(port));
    assert_eq!(logged_requests(&app), Vec::<String>::new());
    assert!(answers_http(&app));
    let _ = std::fs::remove_dir_all(&dir);
}

/// An inspector on a random port (`--inspect=127.0.0.1:0`, named nowhere) is
/// found by `/json/version` on the process's sockets: the app may see that
/// request, never `/json/list`; the inspector, open before, stays open.
#[test]
fn random_inspector_port_found_by_json_version_and_left_open() {
    let dir = temp_dir("json-version");
    let app = Target::launch(&["--inspect=127.0.0.1:0"], &http_app(), &["1000"], &[]);
    let file = dir.join("random.heapsnapshot");
    let out = run(&["capture", "--pid", &app.pid(), "-o", file.to_str().unwrap()]);
    assert_ok(&out);
    assert!(!stderr(&out).contains("closed"), "{}", stderr(&out));
    let port: u16 = app.host_port().rsplit(':').next().unwrap().parse().unwrap();
    assert!(!refuses(port), "an inspector found open stays open");
    for request in logged_requests(&app) {
        assert_eq!(request, "request GET /json/version");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// VmRSS of a process, from /proc, in bytes.
fn vm_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<u64>()
        .unwrap()
        * 1024
}

fn assert_near(reported: u64, measured: u64, what: &str) {
    let ratio = reported as f64 / measured as f64;
    assert!(
        (0.85..=1.15).contains(&ratio),
        "{what}: {reported} vs /proc {measured}"
    );
}

/// A ~100 MB heap: `capture --json` reports VmRSS before and after, and the
/// growth line says why and what to do.
#[test]
fn capture_reports_the_targets_rss_growth() {
    let dir = temp_dir("rss");
    let target = Target::start(true, &["objects", "1500000"]);
    let file = dir.join("rss.heapsnapshot");
    let before = vm_rss(target.child.id());
    let out = run(&[
        "capture",
        "--ws",
        target.ws(),
        "--force",
        "--json",
        "-o",
        file.to_str().unwrap(),
    ]);
    let after = vm_rss(target.child.id());
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let rss = &json["rss"];
    assert_eq!(
        rss["source"],
        format!("/proc/{}/status VmRSS", target.pid())
    );
    assert_near(rss["before_bytes"].as_u64().unwrap(), before, "before");
    assert_near(rss["after_bytes"].as_u64().unwrap(), after, "after");
    assert_eq!(rss["grew"], true, "{rss}");
    let err = stderr(&out);
    assert!(
        err.contains("target RSS") && err.contains("out of rotation or restart it"),
        "{err}"
    );
    eprintln!("RSS {before} -> {after} bytes around the capture");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `-o FILE` keeps an existing non-empty FILE unless `--overwrite`
/// (`--force` is the headroom override, it does not overwrite).
#[test]
fn capture_keeps_an_existing_file_unless_overwrite() {
    let dir = temp_dir("overwrite");
    let target = Target::start(true, &["objects", "1000"]);
    let file = dir.join("kept.heapsnapshot");
    std::fs::write(&file, "previous capture").unwrap();
    let path = file.to_str().unwrap();
    for extra in [&[][..], &["--force"][..]] {
        let mut args = vec!["capture", "--ws", target.ws(), "-o", path];
        args.extend_from_slice(extra);
        assert_fails(&run(&args), &[path, "--overwrite"]);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "previous capture");
    }
    assert_ok(&run(&[
        "capture",
        "--ws",
        target.ws(),
        "-o",
        path,
        "--overwrite",
    ]));
    assert!(node_count(&file) > 1000);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Forwards one connection from a new local port to `to` and cuts both
/// sides once `cut_after` bytes came back from the target.
fn cutting_proxy(to: String, cut_after: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let Ok((mut client, _)) = listener.accept() else {
            return;
        };
        let Ok(mut server) = TcpStream::connect(&to) else {
            return;
        };
        let (mut up_from, mut up_to) = (client.try_clone().unwrap(), server.try_clone().unwrap());
        std::thread::spawn(move || std::io::copy(&mut up_from, &mut up_to));
        let (mut buf, mut total) = (vec![0u8; 64 * 1024], 0);
        while total < cut_after {
            match std::io::Read::read(&mut server, &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) if client.write_all(&buf[..n]).is_ok() => total += n,
                Ok(_) => break,
            }
        }
        let _ = client.shutdown(std::net::Shutdown::Both);
        let _ = server.shutdown(std::net::Shutdown::Both);
    });
    port
}

#[test]
fn connection_dropped_mid_stream_leaves_no_file() {
    let dir = temp_dir("dropped");
    let mut target = Target::start(true, &["objects", "300000"]);
    let port = cutting_proxy(target.host_port(), 5_000_000);
    let path = target
        .ws()
        .strip_prefix("ws://")
        .unwrap()
        .split_once('/')
        .unwrap()
        .1;
    let via_proxy = format!("ws://127.0.0.1:{port}/{path}");
    let file = dir.join("cut.heapsnapshot");
    let out = run(&[
        "capture",
        "--force",
        "--ws",
        &via_proxy,
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_fails(
        &out,
        &["capture failed", "closed the connection", "was not written"],
    );
    assert!(!file.exists() && !dir.join("cut.heapsnapshot.partial").exists());
    // The target is unharmed: it runs JS and gives a whole snapshot again.
    target.command("site", "allocated");
    let out = run(&[
        "capture",
        "--force",
        "--ws",
        target.ws(),
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_ok(&out);
    assert!(node_count(&file) > 300_000);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_captures_of_one_target_at_once() {
    let dir = temp_dir("twice");
    let mut target = Target::start(true, &["objects", "1500000"]);
    let file = dir.join("one.heapsnapshot");
    let partial = dir.join("one.heapsnapshot.partial");
    let first = start_capture(&target, &file, &partial);
    assert!(partial.exists(), "the first capture is writing");
    let second = run(&[
        "capture",
        "--pid",
        &target.pid(),
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_fails(
        &second,
        &[
            "capture refused",
            "another heapscope is taking a heap snapshot",
        ],
    );
    let first = first.wait_with_output().unwrap();
    assert_ok(&first);
    assert!(node_count(&file) > 1_500_000, "the first file is whole");
    assert!(!partial.exists());
    target.command("site", "allocated");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Paused at a breakpoint by another client, the target still serves the
/// inspector (V8's nested message loop): the capture completes, the target
/// stays paused until that client resumes it, then runs on.
#[test]
fn capture_of_a_target_paused_in_the_debugger() {
    let dir = temp_dir("paused");
    let mut target = Target::start(true, &["objects", "10000"]);
    let mut other =
        heapscope_inspector::Session::connect(target.ws(), false, Duration::from_secs(5)).unwrap();
    other
        .call("Debugger.enable", serde_json::json!({}))
        .unwrap();
    other.call("Debugger.pause", serde_json::json!({})).unwrap();
    let stdin = target.stdin.as_mut().unwrap();
    writeln!(stdin, "site").unwrap();
    stdin.flush().unwrap();
    assert!(
        target.stdout.recv_timeout(Duration::from_secs(2)).is_err(),
        "paused"
    );
    let file = dir.join("paused.heapsnapshot");
    let out = run(&["capture", "--ws", target.ws(), "-o", file.to_str().unwrap()]);
    assert_ok(&out);
    assert!(node_count(&file) > 10_000);
    assert!(target.stdout.try_recv().is_err(), "still paused");
    other
        .call("Debugger.resume", serde_json::json!({}))
        .unwrap();
    target.wait_line(true, "allocated");
    other.close();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A stopped process (SIGSTOP) answers nothing: `--pid` says so at once and
/// sends no signal; `--ws` gives up on the handshake after its timeout. The
/// target runs on after SIGCONT.
#[test]
fn stopped_target_is_a_clear_error() {
    let dir = temp_dir("stopped");
    let mut target = Target::start(true, &["objects", "1000"]);
    let pid = target.child.id() as i32;
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    // The signal is delivered asynchronously: wait until /proc says stopped.
    let status = format!("/proc/{pid}/status");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(&status)
        .unwrap()
        .contains("State:\tT")
    {
        assert!(Instant::now() < deadline, "never stopped");
        std::thread::sleep(Duration::from_millis(20));
    }
    let file = dir.join("never.heapsnapshot");
    let out = run(&[
        "capture",
        "--pid",
        &target.pid(),
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_fails(&out, &["is stopped", "kill -CONT"]);
    let started = Instant::now();
    let out = run(&["capture", "--ws", target.ws(), "-o", file.to_str().unwrap()]);
    assert_fails(&out, &["did not answer the WebSocket handshake", "SIGSTOP"]);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(!file.exists() && !dir.join("never.heapsnapshot.partial").exists());
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGCONT) };
    target.command("site", "allocated");
    assert_ok(&run(&[
        "capture",
        "--ws",
        target.ws(),
        "-o",
        file.to_str().unwrap(),
    ]));
    let _ = std::fs::remove_dir_all(&dir);
}
