//! The load generator against small servers the tests start on 127.0.0.1:
//! exact counts, pipelining, bodies, the clock, the open model, and faults.
//! Every server thread and every run is bounded in time.

use heapscope_load::{run, Header, LoadError, LoadReport, LoadSpec};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// No server thread lives longer than this.
const SERVER_LIFETIME: Duration = Duration::from_secs(30);

/// What the server does with request number `i` (counted over all connections).
#[derive(Clone)]
enum Action {
    Reply(Vec<u8>),
    /// Write these pieces with a pause between them.
    Pieces(Vec<Vec<u8>>),
    /// Reply, then close the connection.
    ReplyAndClose(Vec<u8>),
    /// Sleep, then reply.
    Late(Duration, Vec<u8>),
    Stall,
    Reset,
}

#[derive(Default)]
struct Seen {
    requests: AtomicU64,
    answered: AtomicU64,
    paths: Mutex<HashMap<String, u64>>,
    /// Requests found in each read, in order (first 1000).
    batches: Mutex<Vec<usize>>,
}

type Handler = dyn Fn(u64, &str) -> Action + Send + Sync;

fn ok(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Starts a server; returns its URL and what it saw.
fn server(first_read_delay: Duration, handler: Box<Handler>) -> (String, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let seen = Arc::new(Seen::default());
    let handler: Arc<Handler> = Arc::from(handler);
    let s = seen.clone();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let born = Instant::now();
        while born.elapsed() < SERVER_LIFETIME {
            match listener.accept() {
                Ok((stream, _)) => {
                    let (s, h) = (s.clone(), handler.clone());
                    std::thread::spawn(move || serve(stream, first_read_delay, &s, &*h, born));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(2)),
            }
        }
    });
    (url, seen)
}

fn serve(mut stream: TcpStream, delay: Duration, seen: &Seen, handler: &Handler, born: Instant) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    std::thread::sleep(delay);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    while born.elapsed() < SERVER_LIFETIME {
        match stream.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(_) => return,
        }
        let mut batch = 0;
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut req = httparse::Request::new(&mut headers);
            let Ok(httparse::Status::Complete(n)) = req.parse(&buf) else {
                break;
            };
            let path = req.path.unwrap_or("").to_string();
            let body_len: usize = req
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| std::str::from_utf8(h.value).ok()?.parse().ok())
                .unwrap_or(0);
            if buf.len() < n + body_len {
                break;
            }
            buf.drain(..n + body_len);
            batch += 1;
            let i = seen.requests.fetch_add(1, Ordering::SeqCst);
            *seen.paths.lock().unwrap().entry(path.clone()).or_default() += 1;
            if !act(&mut stream, handler(i, &path), seen, born) {
                return;
            }
        }
        let mut batches = seen.batches.lock().unwrap();
        if batch > 0 && batches.len() < 1000 {
            batches.push(batch);
        }
    }
}

/// Carries out one action; false when the connection is over.
fn act(stream: &mut TcpStream, action: Action, seen: &Seen, born: Instant) -> bool {
    let answered = || seen.answered.fetch_add(1, Ordering::SeqCst);
    match action {
        Action::Reply(bytes) => {
            answered();
            stream.write_all(&bytes).is_ok()
        }
        Action::Pieces(pieces) => {
            answered();
            for p in pieces {
                if stream.write_all(&p).is_err() {
                    return false;
                }
                std::thread::sleep(Duration::from_millis(3));
            }
            true
        }
        Action::ReplyAndClose(bytes) => {
            answered();
            let _ = stream.write_all(&bytes);
            false
        }
        Action::Late(wait, bytes) => {
            std::thread::sleep(wait);
            answered();
            stream.write_all(&bytes).is_ok()
        }
        Action::Stall => {
            let mut sink = [0u8; 4096];
            while born.elapsed() < SERVER_LIFETIME {
                match stream.read(&mut sink) {
                    Ok(0) => return false,
                    Ok(_) => {}
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) => {}
                    Err(_) => return false,
                }
            }
            false
        }
        Action::Reset => {
            reset(stream);
            false
        }
    }
}

/// Closes with RST: SO_LINGER on with a zero timeout.
fn reset(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &linger as *const libc::linger as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

fn spec(url: &str, connections: usize) -> LoadSpec {
    let mut spec = LoadSpec::new(url);
    spec.connections = connections;
    spec.duration = Some(Duration::from_secs(5));
    spec.timeout = Duration::from_secs(3);
    spec
}

/// Runs and checks the wall time stays under `limit`.
fn timed_run(spec: &LoadSpec, limit: Duration) -> LoadReport {
    let t = Instant::now();
    let report = run(spec, &AtomicBool::new(false)).unwrap();
    assert!(
        t.elapsed() < limit,
        "took {:?}, limit {limit:?}",
        t.elapsed()
    );
    report
}

#[test]
fn exact_request_count_reaches_the_server() {
    let (url, seen) = server(Duration::ZERO, Box::new(|_, _| Action::Reply(ok("hello"))));
    let mut s = spec(&url, 8);
    s.pipelining = 3;
    s.requests = Some(1000);
    let r = timed_run(&s, Duration::from_secs(5));
    assert_eq!(seen.requests.load(Ordering::SeqCst), 1000);
    assert_eq!((r.responses, r.sent, r.status.success), (1000, 1000, 1000));
    assert_eq!(r.status.codes.get(&200), Some(&1000));
    assert_eq!(r.bytes, 1000 * ok("hello").len() as u64);
    assert_eq!(r.latency_us.count, 1000);
    assert_eq!((r.errors.total, r.errors.timeouts), (0, 0));
}

#[test]
fn pipelining_sends_the_batch_before_reading_and_matches_in_order() {
    // The server waits before its first read, so it finds the whole batch.
    const NOT_FOUND: &[u8] = b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found";
    let handler = |_, path: &str| match path {
        "/a" => Action::Reply(ok("short")),
        _ => Action::Reply(NOT_FOUND.to_vec()),
    };
    let (url, seen) = server(Duration::from_millis(100), Box::new(handler));
    let mut s = spec(&url, 1);
    s.pipelining = 8;
    s.requests = Some(64);
    s.urls = vec!["/a".into(), "/b".into()];
    let r = timed_run(&s, Duration::from_secs(5));
    let batches = seen.batches.lock().unwrap().clone();
    assert_eq!(batches[0], 8, "batches {batches:?}");
    assert!(
        batches.iter().all(|&b| b <= 8),
        "more than 8 in flight: {batches:?}"
    );
    assert_eq!(batches.iter().sum::<usize>(), 64);
    assert_eq!((r.status.success, r.status.client_error), (32, 32));
    let a = ok("short").len() as u64;
    assert_eq!(r.bytes, 32 * a + 32 * NOT_FOUND.len() as u64);
}

#[test]
fn chunked_and_content_length_bodies_split_across_writes() {
    let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: yes\r\n\r\n";
    let fixed = b"HTTP/1.1 201 Created\r\nContent-Length: 26\r\n\r\nabcdefghijklmnopqrstuvwxyz";
    let split = |w: &[u8], at: &[usize]| {
        let mut pieces = Vec::new();
        let mut from = 0;
        for &to in at.iter().chain([w.len()].iter()) {
            pieces.push(w[from..to].to_vec());
            from = to;
        }
        pieces
    };
    let (c, f) = (
        split(chunked, &[20, 50, 52, 60, 75]),
        split(fixed, &[10, 44, 50]),
    );
    let handler =
        move |i: u64, _: &str| Action::Pieces(if i & 1 == 0 { c.clone() } else { f.clone() });
    let (url, _) = server(Duration::ZERO, Box::new(handler));
    let mut s = spec(&url, 1);
    s.requests = Some(40);
    let r = timed_run(&s, Duration::from_secs(10));
    assert_eq!((r.responses, r.errors.total), (40, 0));
    assert_eq!((r.status.codes[&200], r.status.codes[&201]), (20, 20));
    assert_eq!(r.bytes, 20 * chunked.len() as u64 + 20 * fixed.len() as u64);
}

#[test]
fn duration_is_honoured_and_the_series_covers_it() {
    let (url, _) = server(Duration::ZERO, Box::new(|_, _| Action::Reply(ok("x"))));
    let mut s = spec(&url, 4);
    s.duration = Some(Duration::from_millis(2000));
    let t = Instant::now();
    let r = timed_run(&s, Duration::from_millis(2600));
    assert!(t.elapsed() >= Duration::from_millis(1990));
    assert!((r.elapsed_s - 2.0).abs() < 0.05, "{}", r.elapsed_s);
    assert!(r.responses > 100);
    assert_eq!(
        r.per_second.iter().map(|s| s.second).collect::<Vec<_>>(),
        vec![0, 1]
    );
    assert_eq!(
        r.per_second.iter().map(|s| s.requests).sum::<u64>(),
        r.responses
    );
}

#[test]
fn stop_flag_ends_a_long_run() {
    let (url, _) = server(Duration::ZERO, Box::new(|_, _| Action::Stall));
    let s = spec(&url, 2);
    let stop = Arc::new(AtomicBool::new(false));
    let setter = stop.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        setter.store(true, Ordering::SeqCst);
    });
    let t = Instant::now();
    let r = run(&s, &stop).unwrap();
    assert!(
        t.elapsed() < Duration::from_millis(1000),
        "{:?}",
        t.elapsed()
    );
    assert!(r.elapsed_s < 1.0 && r.elapsed_s >= 0.29);
}

#[test]
fn rate_is_roughly_respected() {
    let (url, seen) = server(Duration::ZERO, Box::new(|_, _| Action::Reply(ok("x"))));
    let mut s = spec(&url, 4);
    s.rate = Some(200.0);
    s.duration = Some(Duration::from_secs(1));
    let r = timed_run(&s, Duration::from_secs(2));
    assert!(
        (170..=230).contains(&r.responses),
        "{} responses",
        r.responses
    );
    assert!(seen.requests.load(Ordering::SeqCst) <= 232);
    assert!(r.latency_us.p50 < 20_000, "{:?}", r.latency_us);
}

#[test]
fn coordinated_omission_correction_counts_the_stall() {
    // One connection, 100 requests/s; request 20 takes 500 ms. About 50
    // requests were due during the stall and each waited for it.
    let handler = |i, _: &str| match i {
        20 => Action::Late(Duration::from_millis(500), ok("slow")),
        _ => Action::Reply(ok("fast")),
    };
    let (url, _) = server(Duration::ZERO, Box::new(handler));
    let mut s = spec(&url, 1);
    s.rate = Some(100.0);
    s.duration = Some(Duration::from_secs(2));
    let r = timed_run(&s, Duration::from_secs(3));
    let l = &r.latency_us;
    assert!(l.max >= 450_000, "{l:?}");
    assert!(
        l.p90 >= 100_000,
        "a closed-model count would show one slow request: {l:?}"
    );
    assert!(r.responses >= 150, "{}", r.responses);
}

#[test]
fn resets_are_counted_and_the_run_ends_on_time() {
    let (url, _) = server(Duration::ZERO, Box::new(|_, _| Action::Reset));
    let mut s = spec(&url, 2);
    s.duration = Some(Duration::from_secs(1));
    let r = timed_run(&s, Duration::from_millis(1600));
    assert!(r.errors.reset > 0, "{:?}", r.errors);
    assert_eq!((r.responses, r.errors.parse, r.errors.timeouts), (0, 0, 0));
}

#[test]
fn stalls_time_out_and_the_run_ends_on_time() {
    let (url, _) = server(Duration::ZERO, Box::new(|_, _| Action::Stall));
    let mut s = spec(&url, 2);
    s.pipelining = 2;
    s.duration = Some(Duration::from_secs(1));
    s.timeout = Duration::from_millis(200);
    let r = timed_run(&s, Duration::from_millis(1600));
    // Two connections x two in flight, timing out every 200 ms: 16 or so in one second.
    assert!((8..=24).contains(&r.errors.timeouts), "{:?}", r.errors);
    assert_eq!((r.responses, r.errors.total), (0, 0));
    // With a long timeout the clock alone ends the run.
    s.timeout = Duration::from_secs(30);
    let r = timed_run(&s, Duration::from_millis(1600));
    assert_eq!((r.responses, r.errors.timeouts), (0, 0));
}

#[test]
fn garbage_is_a_parse_error() {
    let (url, _) = server(
        Duration::ZERO,
        Box::new(|_, _| Action::Reply(b"garbage\r\n\r\n".to_vec())),
    );
    let mut s = spec(&url, 2);
    s.requests = Some(20);
    let r = timed_run(&s, Duration::from_secs(5));
    assert_eq!((r.errors.parse, r.errors.reset, r.responses), (20, 0, 0));
}

#[test]
fn connection_close_reconnects_and_resends_the_rest() {
    let close = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok".to_vec();
    let (url, seen) = server(
        Duration::ZERO,
        Box::new(move |_, _| Action::ReplyAndClose(close.clone())),
    );
    let mut s = spec(&url, 2);
    s.pipelining = 4;
    s.requests = Some(50);
    let r = timed_run(&s, Duration::from_secs(5));
    assert_eq!((r.responses, r.errors.total, r.errors.timeouts), (50, 0, 0));
    assert_eq!(seen.answered.load(Ordering::SeqCst), 50);
}

#[test]
fn urls_rotate_over_the_requests() {
    let dir = std::env::temp_dir().join(format!("heapscope-load-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("urls.txt");
    let (url, seen) = server(Duration::ZERO, Box::new(|_, _| Action::Reply(ok("x"))));
    std::fs::write(&file, format!("/a\n\n# comment\n/b?q=1\n{url}c\n")).unwrap();
    let mut s = spec(&url, 3);
    s.urls = heapscope_load::read_urls_file(&file).unwrap();
    s.requests = Some(30);
    timed_run(&s, Duration::from_secs(5));
    let paths = seen.paths.lock().unwrap().clone();
    let expected: HashMap<String, u64> = [("/a", 10), ("/b?q=1", 10), ("/c", 10)]
        .map(|(p, n)| (p.to_string(), n))
        .into();
    assert_eq!(paths, expected);
    std::fs::write(&file, "not-a-path\n").unwrap();
    assert!(matches!(
        heapscope_load::read_urls_file(&file),
        Err(LoadError::UrlsFile { line: 1, .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn method_headers_and_body_are_sent() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/post", listener.local_addr().unwrap());
    let got = std::thread::spawn(move || {
        drop(listener.accept().unwrap()); // the probe
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buf = vec![0; 4096];
        let mut len = 0;
        while !buf[..len].ends_with(b"{\"a\":1}") {
            let n = stream.read(&mut buf[len..]).unwrap();
            assert!(n > 0);
            len += n;
        }
        stream.write_all(&ok("done")).unwrap();
        String::from_utf8(buf[..len].to_vec()).unwrap()
    });
    let mut s = spec(&url, 1);
    s.method = heapscope_load::Method::parse("post").unwrap();
    s.headers = vec![Header::parse("Content-Type: application/json").unwrap()];
    s.body = b"{\"a\":1}".to_vec();
    s.requests = Some(1);
    let r = timed_run(&s, Duration::from_secs(5));
    assert_eq!(r.responses, 1);
    let head = got.join().unwrap();
    let port = url.split(':').nth(2).unwrap().trim_end_matches("/post");
    assert_eq!(
        head,
        format!("POST /post HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{{\"a\":1}}")
    );
}

#[test]
fn bad_targets_and_settings_are_errors() {
    let stop = AtomicBool::new(false);
    let err = |s: &LoadSpec| run(s, &stop).unwrap_err();
    // A literal address: refused before any packet is sent.
    assert!(matches!(
        err(&spec("http://192.0.2.1:80/", 1)),
        LoadError::NotLoopback { .. }
    ));
    assert!(matches!(
        err(&spec("https://127.0.0.1:443/", 1)),
        LoadError::Https { .. }
    ));
    assert!(matches!(
        err(&spec("127.0.0.1:80", 1)),
        LoadError::InvalidUrl { .. }
    ));
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = err(&spec(&format!("http://127.0.0.1:{port}/"), 1));
    assert!(matches!(refused, LoadError::Connect { .. }), "{refused}");
    assert!(refused.to_string().contains(&format!("127.0.0.1:{port}")));
    assert!(matches!(
        Header::parse("NoColon"),
        Err(LoadError::BadHeader { .. })
    ));
    assert!(matches!(
        err(&spec("http://127.0.0.1:1/", 0)),
        LoadError::Spec(_)
    ));
}
