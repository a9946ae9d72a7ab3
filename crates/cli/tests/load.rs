//! `heapscope load` as a user runs it: against a Node `http` server and a
//! small in-test server on 127.0.0.1, and the one-line errors (exit code 2).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn heapscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .arg("load")
        .args(args)
        .output()
        .unwrap()
}

/// A keep-alive server answering `hello` to every request, for at most 20 s.
fn hello_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let born = Instant::now();
        while born.elapsed() < Duration::from_secs(20) {
            let Ok((mut s, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(2));
                continue;
            };
            std::thread::spawn(move || {
                s.set_nonblocking(false).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let mut buf = [0u8; 16384];
                let mut pending = Vec::new();
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 {
                        return;
                    }
                    pending.extend_from_slice(&buf[..n]);
                    while let Some(i) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                        pending.drain(..i + 4);
                        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
                    }
                }
            });
        }
    });
    url
}

/// A Node http server on a free port; killed on drop.
struct Node(Child, String);

impl Node {
    fn start() -> Node {
        let script = "const s=require('http').createServer((q,r)=>r.end('hello from node'));\
                      s.listen(0,'127.0.0.1',()=>console.log(s.address().port));\
                      setTimeout(()=>process.exit(0),20000);";
        let mut child = Command::new("node")
            .args(["-e", script])
            .stdout(Stdio::piped())
            .spawn()
            .expect("node (20 or later) must be installed for this test");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line.trim().parse().expect("node prints its port");
        Node(child, format!("http://127.0.0.1:{port}/"))
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn json(out: &Output) -> serde_json::Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn json_report_against_node_with_pipelining() {
    let node = Node::start();
    let out = heapscope(&["-c", "10", "-p", "4", "-n", "2000", "--json", &node.1]);
    let r = json(&out);
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["responses"], 2000);
    assert_eq!(r["status"]["2xx"], 2000);
    assert_eq!(r["status"]["codes"]["200"], 2000);
    assert_eq!(r["errors"]["total"], 0);
    assert_eq!(r["settings"]["pipelining"], 4);
    assert_eq!(r["settings"]["requests"], 2000);
    assert!(r["latency_us"]["p99"].as_u64().unwrap() >= r["latency_us"]["p50"].as_u64().unwrap());
}

#[test]
fn text_table_for_a_short_run() {
    let url = hello_server();
    let t = Instant::now();
    let out = heapscope(&["-c", "4", "-d", "1500ms", "-H", "X-Test: 1", &url]);
    assert!(t.elapsed() < Duration::from_secs(4));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "│ Stat",
        "│ Latency",
        "│ Req/Sec",
        "│ Bytes/Sec",
        "requests in 1.50s",
        "Status: 1xx 0, 2xx",
        "Errors: 0 ",
    ] {
        assert!(text.contains(needle), "{needle:?} missing in\n{text}");
    }
    // stderr is not a terminal here: no progress line.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn urls_file_and_rate_are_accepted() {
    let url = hello_server();
    let dir = std::env::temp_dir().join(format!("heapscope-cli-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("urls.txt");
    std::fs::write(&file, "/a\n/b\n").unwrap();
    let out = heapscope(&[
        "--urls-file",
        file.to_str().unwrap(),
        "-R",
        "100",
        "-n",
        "50",
        "--json",
        &url,
    ]);
    let r = json(&out);
    assert_eq!(
        (r["responses"].as_u64(), r["settings"]["paths"].as_u64()),
        (Some(50), Some(2))
    );
    assert!(
        r["elapsed_s"].as_f64().unwrap() > 0.4,
        "50 requests at 100/s take about 0.5 s"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Exit 2, nothing on stdout, one line on stderr mentioning every needle.
fn assert_fails(args: &[&str], needles: &[&str]) {
    let out = heapscope(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(out.stdout.is_empty());
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.starts_with("heapscope: error: "), "{err}");
    for n in needles {
        assert!(err.contains(n), "{err:?} should mention {n:?}");
    }
}

#[test]
fn errors_are_one_line_and_exit_2() {
    let url = hello_server();
    assert_fails(
        &["-H", "NoColon", "-n", "1", &url],
        &["bad header", "NoColon"],
    );
    assert_fails(&["https://127.0.0.1:8443/"], &["https is not supported"]);
    assert_fails(
        &["http://192.0.2.1:80/"],
        &["192.0.2.1", "not a loopback", "--allow-remote"],
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = format!("http://127.0.0.1:{port}/");
    assert_fails(
        &["-n", "1", &refused],
        &["cannot connect", &format!("127.0.0.1:{port}")],
    );
}
