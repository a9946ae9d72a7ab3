//! A memory timeline recorded on its own thread while the caller does other
//! work with the same inspector session (heap snapshots, garbage
//! collections): RSS and CPU from `/proc` every interval, and the V8 heap
//! figures whenever the session is free. While a snapshot holds the session
//! the samples go on from `/proc` alone (heap figures missing), so the
//! timeline shows the snapshot's own cost instead of a gap, and the caller's
//! deadline is never stretched by it.

use crate::error::InspectorError;
use crate::procstat;
use crate::timeline::Sample;
use crate::Session;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, TryLockError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// An inspector session that several threads take turns on.
pub type SharedSession = Arc<Mutex<Session>>;

/// `process.memoryUsage()` and `process.cpuUsage()` in one round trip.
const MEMORY_EXPRESSION: &str =
    "(() => { const m = process.memoryUsage(); const c = process.cpuUsage(); \
    return [m.rss, m.heapTotal, m.heapUsed, m.external, m.arrayBuffers, c.user + c.system]; })()";

/// How long a memory reading may take before the sample goes without it.
const SAMPLE_TIMEOUT: Duration = Duration::from_secs(2);
/// Granularity of waiting, so a stop request is noticed quickly.
const WAIT_STEP: Duration = Duration::from_millis(20);

/// Milliseconds since the Unix epoch.
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Reads one sample at a time from `/proc` and the inspector.
pub struct Sampler {
    pub pid: Option<u32>,
    pub session: Option<SharedSession>,
    started: Instant,
    last_cpu: Option<(Instant, f64)>,
}

/// Why sampling ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// The target exited or stopped answering.
    TargetGone(String),
    /// The caller asked to stop.
    Stopped,
}

impl Sampler {
    /// Samples `pid` (when local) and the session (when there is one); times
    /// are counted from `started`.
    pub fn new(pid: Option<u32>, session: Option<SharedSession>, started: Instant) -> Sampler {
        Sampler {
            pid,
            session,
            started,
            last_cpu: None,
        }
    }

    /// One sample; `Err` with the reason when the target is gone.
    pub fn sample(&mut self) -> Result<Sample, String> {
        let now = Instant::now();
        let proc_reading = match self.pid {
            Some(pid) => match procstat::read(pid) {
                Ok(reading) => Some(reading),
                Err(InspectorError::NoSuchProcess(_)) => {
                    return Err(format!("process {pid} exited"))
                }
                Err(e) => return Err(e.to_string()),
            },
            None => None,
        };
        let heap = self.heap_figures();
        if proc_reading.is_none() && heap.is_none() && self.session.is_none() {
            return Err("the target no longer answers (did it exit?)".into());
        }
        let rss = proc_reading
            .map(|r| r.rss)
            .or(heap.map(|h| h[0]))
            .unwrap_or(0);
        let cpu_seconds = proc_reading
            .map(|r| r.cpu_seconds)
            .or(heap.map(|h| h[5] as f64 / 1e6));
        let cpu_percent = match (self.last_cpu, cpu_seconds) {
            (Some((at, before)), Some(cpu)) => {
                let wall = now.duration_since(at).as_secs_f64();
                (wall > 0.0).then(|| ((cpu - before) / wall * 100.0).max(0.0))
            }
            _ => None,
        };
        if let Some(cpu) = cpu_seconds {
            self.last_cpu = Some((now, cpu));
        }
        Ok(Sample {
            t_s: now.duration_since(self.started).as_secs_f64(),
            unix_ms: unix_ms(),
            rss_bytes: rss,
            cpu_percent,
            heap_used_bytes: heap.map(|h| h[2]),
            heap_total_bytes: heap.map(|h| h[1]),
            external_bytes: heap.map(|h| h[3]),
            array_buffers_bytes: heap.map(|h| h[4]),
        })
    }

    /// The target's own memory figures, when the session is free; a session
    /// whose target is gone is dropped.
    fn heap_figures(&mut self) -> Option<[u64; 6]> {
        let shared = self.session.as_ref()?;
        let mut session = match shared.try_lock() {
            Ok(session) => session,
            // Busy with a snapshot or a collection: this sample goes without.
            Err(TryLockError::WouldBlock) => return None,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
        };
        let _ = session.set_idle_timeout(SAMPLE_TIMEOUT);
        let result = session.evaluate(MEMORY_EXPRESSION);
        let _ = session.set_idle_timeout(crate::cdp::DEFAULT_IDLE_TIMEOUT);
        drop(session);
        match result {
            Ok(value) => parse_memory(&value),
            Err(InspectorError::TargetGone(_)) => {
                self.session = None;
                None
            }
            Err(_) => None,
        }
    }
}

fn parse_memory(value: &serde_json::Value) -> Option<[u64; 6]> {
    let items = value.as_array()?;
    let mut out = [0u64; 6];
    for (slot, item) in out.iter_mut().zip(items) {
        *slot = item.as_f64()? as u64;
    }
    (items.len() == 6).then_some(out)
}

/// Something that happened during the timeline, for charts and reports.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TimelineEvent {
    /// Seconds since the first sample's clock started.
    pub t_s: f64,
    pub kind: EventKind,
    /// A file written, a round's name, or empty.
    pub label: String,
}

/// The kinds of [`TimelineEvent`].
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    SnapshotStart,
    SnapshotEnd,
    LoadStart,
    LoadEnd,
}

/// A sampling thread: samples arrive on [`Recorder::samples`] as they are
/// taken, every `interval`, until [`Recorder::stop`] or the target's end.
pub struct Recorder {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<Ended>>,
    samples: Receiver<Sample>,
}

impl Recorder {
    /// Starts sampling now.
    pub fn start(sampler: Sampler, interval: Duration) -> Recorder {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::channel();
        let flag = stop.clone();
        let thread = std::thread::spawn(move || record(sampler, interval, &flag, &tx));
        Recorder {
            stop,
            thread: Some(thread),
            samples: rx,
        }
    }

    /// Samples in the order they were taken.
    pub fn samples(&self) -> &Receiver<Sample> {
        &self.samples
    }

    /// Whether the sampling thread has ended (target gone, or stopped).
    pub fn finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }

    /// Stops the thread; returns why it ended and the samples not yet received.
    pub fn stop(mut self) -> (Ended, Vec<Sample>) {
        self.stop.store(true, Ordering::SeqCst);
        let ended = self
            .thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or(Ended::Stopped);
        (ended, self.samples.try_iter().collect())
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn record(
    mut sampler: Sampler,
    interval: Duration,
    stop: &AtomicBool,
    tx: &Sender<Sample>,
) -> Ended {
    let mut due = Instant::now();
    loop {
        while Instant::now() < due {
            if stop.load(Ordering::SeqCst) {
                return Ended::Stopped;
            }
            std::thread::sleep((due - Instant::now()).min(WAIT_STEP));
        }
        if stop.load(Ordering::SeqCst) {
            return Ended::Stopped;
        }
        match sampler.sample() {
            Ok(sample) => {
                if tx.send(sample).is_err() {
                    return Ended::Stopped;
                }
            }
            Err(reason) => return Ended::TargetGone(reason),
        }
        // A late sample (a slow reading) does not make the next ones bunch up.
        due = (due + interval).max(Instant::now());
    }
}

/// Closes a shared session once no other thread holds it (a sampler that
/// still does leaves it to close when dropped).
pub fn close_shared(session: SharedSession) {
    if let Ok(mutex) = Arc::try_unwrap(session) {
        let session = mutex.into_inner().unwrap_or_else(|p| p.into_inner());
        session.close();
    }
}
