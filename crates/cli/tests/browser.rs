//! The HTML report and the web UI in a real browser: Debian's chromium driven
//! by playwright-core (tools/browser-tests/, installed with `npm ci` on first
//! use). The report of a hunt of the bundled blog server opens from
//! `file://` with no console error and no request, and shows its suspect and
//! charts; in `serve`, a class opens to its instances and an instance to its
//! retainers; off loopback, a request without the token is refused.
//! Screenshots are kept in `target/tmp/browser-artifacts/`. Needs chromium
//! (`apt-get install chromium`; `.ci/run` installs it), node and npm.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_heapscope"))
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where the screenshots stay after the run.
fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("heapscope-browser-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `tools/browser-tests/run.sh SCRIPT ARGS…`: the findings of one check.
fn browser(script: &str, args: &[&str]) -> Value {
    let run = repo_root().join("tools/browser-tests/run.sh");
    let out = Command::new("bash")
        .arg(run)
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{script} failed: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("{script} printed no JSON ({e}): {stdout} {stderr}"))
}

fn count(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("{key} in {v}"))
}

/// The page made no error and asked for nothing but what `allowed` accepts.
fn assert_clean(findings: &Value, allowed: impl Fn(&str) -> bool) {
    for key in ["console_errors", "page_errors", "failed_requests"] {
        assert_eq!(
            findings[key].as_array().map(Vec::len),
            Some(0),
            "{key}: {}",
            findings[key]
        );
    }
    for r in findings["requests"].as_array().unwrap() {
        assert!(allowed(r.as_str().unwrap()), "unexpected request {r}");
    }
}

#[test]
fn the_report_of_a_hunt_opens_offline_and_shows_the_leak() {
    let dir = temp_dir("hunt");
    let server = repo_root().join("examples/blog-server/server.js");
    let out = bin()
        .args(["hunt", "-o"])
        .arg(&dir)
        .args(["--", "node"])
        .arg(&server)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "hunt: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("report.html"),
        "hunt names its report: {stdout}"
    );
    let report = dir.join("report.html");
    let size = std::fs::metadata(&report).unwrap().len();
    assert!(size < 5_000_000, "a hunt's report stays under 5 MB: {size}");
    let shot = artifacts().join("report-hunt.png");
    let f = browser(
        "check-report.mjs",
        &[report.to_str().unwrap(), shot.to_str().unwrap()],
    );
    let url = format!("file://{}", report.display());
    assert_clean(&f, |r| r == url);
    assert_eq!(f["suspects"][0], "onThemeChange()", "{f}");
    let first = f["first_suspect_text"].as_str().unwrap();
    assert!(first.contains("server.js:53"), "created at: {first}");
    assert!(count(&f, "path_boxes") >= 3, "the retainer path is drawn");
    assert_eq!(
        f["sparkline_points"],
        serde_json::json!([3, 3]),
        "count and bytes per snapshot"
    );
    assert!(
        f["timeline_points"][0].as_u64().unwrap() > 20,
        "the timeline has points: {f}"
    );
    assert!(count(&f, "timeline_series") >= 4);
    assert_eq!(count(&f, "snapshot_markers"), 3);
    assert!(count(&f, "load_bands") >= 2, "load rounds shaded");
    assert_eq!(f["statistics_bars"], serde_json::json!([3]));
    assert!(count(&f, "summary_rows") > 100);
    assert!(
        count(&f, "summary_rows_filtered") < count(&f, "summary_rows"),
        "the filter filters"
    );
    assert!(count(&f, "comparison_rows") > 10);
    assert_eq!(count(&f, "load_rows"), 3, "warm-up and two rounds");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn report_of_snapshots_finds_the_leak_and_redacts_strings() {
    let dir = temp_dir("snapshots");
    let snaps: Vec<PathBuf> = (1..=3)
        .map(|i| repo_root().join(format!("examples/proxy-tls-sockets/s{i}.heapsnapshot.zst")))
        .collect();
    let plain = dir.join("plain.html");
    let run = |out: &Path, extra: &[&str]| {
        bin()
            .arg("report")
            .args(&snaps)
            .arg("-o")
            .arg(out)
            .args(extra)
            .output()
            .unwrap()
    };
    let done = run(&plain, &[]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    // An existing report is kept unless --force.
    let again = run(&plain, &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let masked = dir.join("masked.html");
    assert!(run(&masked, &["--redact-strings"]).status.success());
    let plain_text = std::fs::read_to_string(&plain).unwrap();
    let masked_text = std::fs::read_to_string(&masked).unwrap();
    let values: Vec<String> = embedded(&plain_text)["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["strings"].as_array().unwrap().iter())
        .filter_map(|s| s["value"].as_str().map(str::to_string))
        .collect();
    assert!(values.len() > 10, "the plain report shows string values");
    let hidden = embedded(&masked_text);
    for s in hidden["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["strings"].as_array().unwrap())
    {
        assert!(
            s["value"].as_str().unwrap().starts_with("‹redacted: "),
            "{s}"
        );
    }
    // Long values (names of properties and classes are short) appear nowhere.
    let hidden = hidden.to_string();
    for value in values.iter().filter(|v| v.chars().count() >= 40) {
        let json = serde_json::to_string(value).unwrap();
        assert!(
            !hidden.contains(&json[1..json.len() - 1]),
            "{value} left in the redacted report"
        );
    }
    assert!(masked_text.contains("‹redacted: "));
    let shot = artifacts().join("report-snapshots.png");
    let f = browser(
        "check-report.mjs",
        &[plain.to_str().unwrap(), shot.to_str().unwrap()],
    );
    let url = format!("file://{}", plain.display());
    assert_clean(&f, |r| r == url);
    assert_eq!(f["suspects"][0], "TLSSocket", "{f}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The data a report embeds.
fn embedded(html: &str) -> Value {
    let start =
        html.find("id=\"report-data\">").expect("report data") + "id=\"report-data\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).expect("report data is JSON")
}

/// A running `heapscope serve`, stopped when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(inputs: &[PathBuf], extra: &[&str]) -> Served {
    let mut child = bin()
        .arg("serve")
        .args(inputs)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let started = Instant::now();
    let url = loop {
        let line = lines
            .next()
            .expect("serve ended before printing its URL")
            .unwrap();
        if let Some(at) = line.find("open http://") {
            break line[at + 5..]
                .split_whitespace()
                .next()
                .unwrap()
                .to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no URL: {line}"
        );
    };
    std::thread::spawn(move || for _ in lines {});
    Served { child, url }
}

fn proxy_snapshots() -> Vec<PathBuf> {
    (1..=3)
        .map(|i| repo_root().join(format!("examples/proxy-tls-sockets/s{i}.heapsnapshot.zst")))
        .collect()
}

fn check_ui(url: &str, name: &str) -> Value {
    let prefix = artifacts().join(name);
    let f = browser("check-serve.mjs", &[url, prefix.to_str().unwrap()]);
    let origin = url.split('/').take(3).collect::<Vec<_>>().join("/");
    assert_clean(&f, |r| r.starts_with(&origin));
    assert!(count(&f, "classes") > 10, "{f}");
    assert!(count(&f, "instances") > 0, "{f}");
    assert!(count(&f, "retainers") > 0, "{f}");
    assert!(
        count(&f, "retainers_after_open") > count(&f, "retainers"),
        "a retainer opens to its own: {f}"
    );
    assert!(count(&f, "dominators") >= 2, "{f}");
    for (tab, state) in f["tabs"].as_object().unwrap() {
        assert_eq!(state, "ok", "tab {tab}");
    }
    f
}

#[test]
fn serve_shows_instances_retainers_and_every_view_in_a_browser() {
    let served = serve(&proxy_snapshots(), &["--bind", "127.0.0.1:0"]);
    assert!(
        served.url.starts_with("http://127.0.0.1:"),
        "{}",
        served.url
    );
    check_ui(&served.url, "serve");
}

/// One HTTP/1.1 GET to 127.0.0.1: the status code.
fn status_of(port: u16, path: &str, headers: &str) -> u16 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{headers}\r\n"
    )
    .unwrap();
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[test]
fn serve_off_loopback_refuses_requests_without_its_token() {
    let served = serve(&proxy_snapshots()[..1], &["--bind", "0.0.0.0:0"]);
    let (base, token) = served
        .url
        .split_once("/?token=")
        .expect("a made-up token in the URL");
    assert_eq!(token.len(), 32);
    let port: u16 = base.rsplit(':').next().unwrap().parse().unwrap();
    assert_eq!(status_of(port, "/", ""), 401);
    assert_eq!(status_of(port, "/api/snapshots", ""), 401);
    assert_eq!(
        status_of(
            port,
            "/api/snapshots",
            "Authorization: Bearer wrong-token-wrong-token\r\n"
        ),
        401
    );
    assert_eq!(
        status_of(
            port,
            "/api/snapshots",
            &format!("Authorization: Bearer {token}\r\n")
        ),
        200
    );
    // The printed URL works in a browser (the token becomes a cookie).
    let url = format!("http://127.0.0.1:{port}/?token={token}");
    let prefix = artifacts().join("serve-token");
    let f = browser("check-serve.mjs", &[&url, prefix.to_str().unwrap()]);
    assert!(count(&f, "instances") > 0, "{f}");
}
