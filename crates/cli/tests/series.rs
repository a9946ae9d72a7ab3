//! Snapshot series against a live process: `capture --count` keeps one
//! inspector session, so `leaks DIR` finds the bundled blog server's leak;
//! separate captures (one session each, so V8 renumbers the objects) are
//! refused by `leaks` and `diff` with the fix in the message.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_heapscope"))
}

fn server_js() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/blog-server/server.js")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("heapscope-series-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The bundled blog server with an inspector, killed when dropped.
struct Blog {
    child: Child,
    port: u16,
    ws: String,
}

impl Blog {
    fn start() -> Blog {
        let mut child = Command::new("node")
            .arg("--inspect=127.0.0.1:0")
            .arg(server_js())
            .env("PORT", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node must be installed");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        stderr.read_line(&mut line).unwrap();
        let ws = line
            .split_whitespace()
            .find(|w| w.starts_with("ws://"))
            .unwrap()
            .to_string();
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        line.clear();
        stdout.read_line(&mut line).unwrap();
        let port = line.trim().rsplit(':').next().unwrap().parse().unwrap();
        Blog { child, port, ws }
    }

    fn get(&self, path: &str) {
        get(self.port, path);
    }

    /// Requests in the background until the returned flag is set (30 s at most).
    fn load_in_background(&self) -> Arc<AtomicBool> {
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, port) = (stop.clone(), self.port);
        std::thread::spawn(move || {
            let until = Instant::now() + Duration::from_secs(30);
            while !flag.load(Ordering::SeqCst) && Instant::now() < until {
                get(port, "/posts/2");
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        stop
    }

    fn capture(&self, out: &PathBuf) -> Output {
        bin()
            .args(["capture", "--ws", &self.ws, "-o"])
            .arg(out)
            .output()
            .unwrap()
    }
}

/// One GET on loopback, expecting 200.
fn get(port: u16, path: &str) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut body = Vec::new();
    s.read_to_end(&mut body).unwrap();
    assert!(body.starts_with(b"HTTP/1.1 200"));
}

impl Drop for Blog {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_series_in_one_session_finds_the_leak() {
    let blog = Blog::start();
    for _ in 0..100 {
        blog.get("/posts/1");
    }
    let dir = temp_dir("one-session");
    let stop = blog.load_in_background();
    let out = bin()
        .args([
            "capture", "--ws", &blog.ws, "--count", "3", "--every", "1500ms", "-o",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    stop.store(true, Ordering::SeqCst);
    assert!(out.status.success(), "{}", stderr(&out));
    for f in [
        "s1.heapsnapshot",
        "s2.heapsnapshot",
        "s3.heapsnapshot",
        "series.json",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let leaks = bin().arg("leaks").arg(&dir).arg("--json").output().unwrap();
    assert!(leaks.status.success(), "{}", stderr(&leaks));
    let report: serde_json::Value = serde_json::from_slice(&leaks.stdout).unwrap();
    let top = &report["suspects"][0];
    let text = format!("{} {}", top["class"], top["summary"]);
    assert!(
        text.contains("onThemeChange") || text.contains("RenderContext"),
        "top suspect: {text}"
    );
    // The same folder cannot be reused by accident.
    let again = bin()
        .args(["capture", "--ws", &blog.ws, "--count", "2", "-o"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("not empty"), "{}", stderr(&again));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn separate_captures_are_refused_with_the_fix() {
    let blog = Blog::start();
    let dir = temp_dir("separate");
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<PathBuf> = (1..=3)
        .map(|i| dir.join(format!("c{i}.heapsnapshot")))
        .collect();
    for f in &files {
        for _ in 0..50 {
            blog.get("/posts/3");
        }
        let out = blog.capture(f);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let leaks = bin().arg("leaks").args(&files).output().unwrap();
    assert_eq!(leaks.status.code(), Some(2));
    let message = stderr(&leaks);
    assert!(message.contains("separate inspector sessions"), "{message}");
    assert!(message.contains("--count 3"), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
    let diff = bin().arg("diff").args(&files[..2]).output().unwrap();
    assert_eq!(diff.status.code(), Some(2));
    assert!(
        stderr(&diff).contains("cannot be compared by object id"),
        "{}",
        stderr(&diff)
    );
    let forced = bin()
        .arg("diff")
        .args(&files[..2])
        .arg("--force")
        .output()
        .unwrap();
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(stderr(&forced).contains("warning"), "{}", stderr(&forced));
    std::fs::remove_dir_all(&dir).unwrap();
}
