//! [`run`]: checks the spec, resolves and probes the target, builds a tokio
//! runtime of its own, starts the connections and keeps the clock: the run
//! ends at the duration, when `stop` is set, or when the `-n` budget is spent,
//! whatever the server does.

use crate::conn::{drive, Schedule, Shared};
use crate::error::LoadError;
use crate::recorder::Recorder;
use crate::report::{LoadReport, Settings};
use crate::request::Requests;
use crate::spec::LoadSpec;
use crate::target::{rotation, HttpUrl};
use std::io::{IsTerminal, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often the clock looks at `stop`, the budget and the progress line.
const TICK: Duration = Duration::from_millis(20);
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Runs a load test synchronously and returns its report. `stop` ends it
/// early (within a few tens of milliseconds); the report then covers the
/// time until then.
pub fn run(spec: &LoadSpec, stop: &AtomicBool) -> Result<LoadReport, LoadError> {
    spec.validate()?;
    let url = HttpUrl::parse(&spec.url)?;
    let paths = rotation(&url, &spec.urls)?;
    let addr = probe(
        &url.resolve(spec.allow_remote)?,
        spec.timeout.min(PROBE_TIMEOUT),
    )?;
    let runtime = build_runtime(spec.threads).map_err(LoadError::Runtime)?;
    let start = Instant::now();
    let end = spec.duration.map(|d| start + d);
    let shared = Arc::new(Shared {
        addr,
        requests: Requests::build(spec, &url.authority(), &paths),
        pipelining: spec.pipelining,
        timeout: spec.timeout,
        head_method: spec.method.is_head(),
        budget: spec.requests,
        schedule: spec.rate.map(|rate| Schedule {
            start,
            interval_ns: 1e9 / rate,
        }),
        next_ticket: AtomicU64::new(0),
        recorder: Mutex::new(Recorder::new(start, end)),
        done: AtomicBool::new(false),
        live: AtomicUsize::new(spec.connections),
    });
    let progress = spec.progress && std::io::stderr().is_terminal();
    let finished = runtime.block_on(clock(shared.clone(), spec.connections, end, stop, progress));
    shared.done.store(true, Ordering::SeqCst);
    // Dropping the runtime cancels the connection tasks wherever they wait.
    drop(runtime);
    let elapsed = finished.min(end.unwrap_or(finished)) - start;
    let recorder = std::mem::replace(
        &mut *shared.recorder.lock().unwrap_or_else(|e| e.into_inner()),
        Recorder::new(start, end),
    );
    Ok(LoadReport::build(
        Settings::of(spec, paths.len()),
        recorder,
        elapsed,
    ))
}

fn build_runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("heapscope-load")
            .enable_all()
            .build()
    }
}

/// Connects once to each address in turn; the first that answers is the target.
fn probe(addrs: &[SocketAddr], timeout: Duration) -> Result<SocketAddr, LoadError> {
    let mut first_error = None;
    for &addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(_) => return Ok(addr),
            Err(source) => {
                first_error.get_or_insert(LoadError::Connect { addr, source });
            }
        }
    }
    Err(first_error.expect("resolve returns at least one address"))
}

/// Starts the connections and waits for the end; returns when it came.
async fn clock(
    shared: Arc<Shared>,
    connections: usize,
    end: Option<Instant>,
    stop: &AtomicBool,
    progress: bool,
) -> Instant {
    for _ in 0..connections {
        tokio::spawn(drive(shared.clone()));
    }
    let mut shown = 0;
    loop {
        let now = Instant::now();
        if end.is_some_and(|e| now >= e)
            || stop.load(Ordering::Relaxed)
            || shared.live.load(Ordering::SeqCst) == 0
        {
            break;
        }
        let mut next = now + TICK;
        if let Some(e) = end {
            next = next.min(e);
        }
        tokio::time::sleep_until(next.into()).await;
        let mut recorder = shared.recorder.lock().unwrap_or_else(|e| e.into_inner());
        recorder.roll(Instant::now());
        if progress {
            if let Some(last) = recorder.last_second().filter(|s| s.second >= shown) {
                shown = last.second + 1;
                let line = format!(
                    "\r\x1b[K{:>4}s  {} req/s  {}/s  {} errors  {} timeouts",
                    shown,
                    last.requests,
                    heapscope_report::human_bytes(last.bytes as f64),
                    last.errors,
                    last.timeouts
                );
                let _ = std::io::stderr().write_all(line.as_bytes());
            }
        }
    }
    if progress {
        let _ = std::io::stderr().write_all(b"\r\x1b[K");
    }
    shared.done.store(true, Ordering::SeqCst);
    Instant::now()
}
