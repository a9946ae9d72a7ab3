//! `heapscope watch`: a live memory timeline of a process (RSS and CPU from
//! `/proc`, V8 heap figures when the inspector is reachable), one line per
//! sample, and at the end (or Ctrl-C) a verdict: steady or growing, how fast,
//! and where.

use crate::commands::capture::{capture_to, lock_target};
use crate::commands::headroom;
use crate::commands::interrupt::ctrl_c_flag;
use crate::commands::target::{OpenedInspector, TargetArgs, CONNECT_TIMEOUT};
use crate::commands::units::{parse_duration, parse_size};
use crate::commands::verdict::verdict_text;
use crate::output::{emit, PrintMode, Rendered, View};
use crate::CliError;
use heapscope_inspector::process::check_exists;
use heapscope_inspector::recorder::{
    close_shared, unix_ms, Ended, EventKind, Recorder, Sampler, SharedSession, TimelineEvent,
};
use heapscope_inspector::target::open_inspector;
use heapscope_inspector::timeline::{csv_row, verdict, Sample, TimelineFile, Verdict, CSV_HEADER};
use heapscope_inspector::{locate, procstat, Session, TargetSpec};
use heapscope_report::human_bytes;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Without `--duration`, watching stops after this many samples at the latest.
const MAX_SAMPLES: usize = 1_000_000;
const MIN_INTERVAL: Duration = Duration::from_millis(50);

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Time between samples (e.g. 250ms, 1s).
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub interval: Duration,
    /// Stop after this long (default: at Ctrl-C or when the target exits).
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Write the timeline to FILE: CSV or JSON, by the extension (.csv, .json).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Capture one heap snapshot when RSS first reaches SIZE (e.g. 800MB).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub snapshot_above: Option<u64>,
    /// Folder for the --snapshot-above snapshot.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub snapshot_dir: PathBuf,
    /// Take the --snapshot-above snapshot even when the headroom check refuses.
    #[arg(long)]
    pub force: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum TimelineFormat {
    Csv,
    Json,
}

pub fn run(args: Args) -> Result<Rendered, CliError> {
    let format = match &args.output {
        Some(path) => Some(timeline_format(path)?),
        None => None,
    };
    if args.interval < MIN_INTERVAL {
        return Err(CliError("--interval must be at least 50ms".into()));
    }
    let stop = ctrl_c_flag();
    let mut source = Source::open(&args.target)?;
    println!(
        "watching {} every {:?}{}; heap figures {}; Ctrl-C stops",
        source.describe(),
        args.interval,
        args.duration
            .map(|d| format!(" for {d:?}"))
            .unwrap_or_default(),
        if source.session.is_some() {
            "from the inspector"
        } else {
            "unavailable (no inspector open)"
        }
    );
    let started = Instant::now();
    let started_unix_ms = unix_ms();
    let recorder = Recorder::start(
        Sampler::new(source.pid, source.session.clone(), started),
        args.interval,
    );
    let (samples, events, ended) = record(&args, &mut source, recorder, started, &stop);
    let verdict = verdict(&samples);
    let heap_known = source.session.is_some() || has_heap(&samples);
    let timeline = match (&args.output, format) {
        (Some(path), Some(format)) => {
            let file = TimelineFile {
                format: "heapscope-timeline",
                version: 1,
                pid: source.pid,
                interval_ms: args.interval.as_millis() as u64,
                started_unix_ms,
                samples: &samples,
                verdict: &verdict,
                events: &events,
            };
            write_timeline(path, format, &file)?;
            Some(path.clone())
        }
        _ => None,
    };
    if let Some(session) = source.session.take() {
        close_shared(session);
    }
    let out = Output {
        stopped: ended,
        verdict,
        heap_known,
        timeline,
    };
    emit(&out, PrintMode::Text)
}

/// Receives the recorder's samples until `--duration` has passed, Ctrl-C,
/// the target's end or the sample cap; prints each and takes the
/// `--snapshot-above` snapshot on this thread while the recorder goes on.
fn record(
    args: &Args,
    source: &mut Source,
    recorder: Recorder,
    started: Instant,
    stop: &AtomicBool,
) -> (Vec<Sample>, Vec<TimelineEvent>, Option<String>) {
    let deadline = args.duration.map(|d| started + d);
    let (mut samples, mut events) = (Vec::new(), Vec::new());
    let mut snapshot_taken = false;
    let over = |now: Instant| deadline.is_some_and(|d| now >= d);
    while !stop.load(Ordering::SeqCst) && !over(Instant::now()) && samples.len() < MAX_SAMPLES {
        let sample = match recorder.samples().recv_timeout(Duration::from_millis(25)) {
            Ok(sample) => sample,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        println!("{}", live_line(&sample));
        let _ = std::io::stdout().flush();
        let rss = sample.rss_bytes;
        samples.push(sample);
        if let Some(threshold) = args.snapshot_above {
            if !snapshot_taken && rss >= threshold {
                snapshot_taken = true;
                let at = |kind, label: &str| TimelineEvent {
                    t_s: started.elapsed().as_secs_f64(),
                    kind,
                    label: label.to_string(),
                };
                events.push(at(EventKind::SnapshotStart, ""));
                let line = source.snapshot(args, threshold);
                events.push(at(EventKind::SnapshotEnd, &line));
                println!("{line}");
            }
        }
    }
    let (ended, rest) = recorder.stop();
    // Samples taken before the deadline but not yet received still count.
    let cutoff = args.duration.map(|d| d.as_secs_f64());
    samples.extend(
        rest.into_iter()
            .filter(|s| cutoff.is_none_or(|c| s.t_s <= c)),
    );
    let reason = match ended {
        Ended::TargetGone(reason) => Some(reason),
        Ended::Stopped => None,
    };
    (samples, events, reason)
}

/// What `watch` prints once sampling ends (the live lines went out already).
#[derive(Serialize)]
struct Output {
    /// Why sampling stopped early (the target exited), if it did.
    stopped: Option<String>,
    verdict: Verdict,
    /// Whether heap figures were available (an inspector was reachable).
    heap_known: bool,
    /// Where the timeline was written.
    timeline: Option<PathBuf>,
}

impl View for Output {
    fn text(&self) -> String {
        let mut out = String::new();
        if let Some(reason) = &self.stopped {
            out.push_str(&format!("stopped: {reason}\n"));
        }
        out.push_str(&verdict_text(&self.verdict, self.heap_known));
        if let Some(path) = &self.timeline {
            out.push_str(&format!("timeline written to {}\n", path.display()));
        }
        out
    }
}

fn timeline_format(path: &Path) -> Result<TimelineFormat, CliError> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("csv") => Ok(TimelineFormat::Csv),
        Some("json") => Ok(TimelineFormat::Json),
        _ => Err(CliError(format!(
            "{}: the timeline file must end in .csv or .json",
            path.display()
        ))),
    }
}

/// Where samples come from: `/proc` for a local PID, the inspector for heap figures.
struct Source {
    spec: TargetSpec,
    allow_remote: bool,
    pid: Option<u32>,
    session: Option<SharedSession>,
}

impl Source {
    fn open(target: &TargetArgs) -> Result<Source, CliError> {
        let spec = target.spec()?;
        let (pid, session) = match spec {
            TargetSpec::Pid(pid) => {
                check_exists(pid)?;
                procstat::read(pid)?;
                // Use an inspector that is already open; never signal just to watch.
                let session = open_inspector(pid, target.allow_remote)
                    .ok()
                    .flatten()
                    .and_then(|url| {
                        Session::connect(&url, target.allow_remote, CONNECT_TIMEOUT).ok()
                    });
                (Some(pid), session)
            }
            _ => {
                let connected = target.connect()?;
                (connected.pid, Some(connected.session))
            }
        };
        Ok(Source {
            spec,
            allow_remote: target.allow_remote,
            pid,
            session: session.map(|s| Arc::new(Mutex::new(s))),
        })
    }

    fn describe(&self) -> String {
        match (self.pid, &self.session) {
            (Some(pid), _) => format!("process {pid}"),
            (None, Some(session)) => format!(
                "the target at {}",
                session
                    .lock()
                    .map(|s| s.label().to_string())
                    .unwrap_or_default()
            ),
            (None, None) => "the target".into(),
        }
    }

    /// Takes the `--snapshot-above` snapshot; returns the line to print.
    fn snapshot(&mut self, args: &Args, threshold: u64) -> String {
        match self.try_snapshot(args) {
            Ok(path) => format!(
                "snapshot: RSS reached {}: wrote {}",
                human_bytes(threshold as f64),
                path.display()
            ),
            Err(CliError(message)) => format!("snapshot not taken: {message}"),
        }
    }

    /// The snapshot runs on the sampler's session when there is one (the
    /// sampler goes on from `/proc` meanwhile), else on a session of its own,
    /// ended afterwards (and the inspector closed again if watch opened it).
    fn try_snapshot(&mut self, args: &Args) -> Result<PathBuf, CliError> {
        if let Some(shared) = &self.session {
            let mut guard = shared
                .lock()
                .map_err(|_| CliError("the inspector session is unusable".into()))?;
            return snapshot_into(&mut guard, self.pid, args);
        }
        let located = locate(&self.spec, self.allow_remote, CONNECT_TIMEOUT)?;
        let opened = OpenedInspector::from_located(&located, &args.target);
        let result = Session::connect(&located.ws_url, self.allow_remote, CONNECT_TIMEOUT)
            .map_err(CliError::from)
            .and_then(|mut session| {
                let taken = snapshot_into(&mut session, self.pid, args);
                session.close();
                taken
            });
        if let Some(opened) = opened {
            opened.finish();
        }
        result
    }
}

/// The headroom check (unless `--force`) and the `--snapshot-above` snapshot.
fn snapshot_into(
    session: &mut Session,
    pid: Option<u32>,
    args: &Args,
) -> Result<PathBuf, CliError> {
    let _lock = lock_target(pid)?;
    if !args.force {
        headroom::check(session, pid)?;
    }
    std::fs::create_dir_all(&args.snapshot_dir).map_err(|e| {
        CliError(format!(
            "cannot create {}: {e}",
            args.snapshot_dir.display()
        ))
    })?;
    let name = match pid {
        Some(pid) => format!("heapscope-{pid}-{}.heapsnapshot", unix_ms() / 1000),
        None => format!("heapscope-{}.heapsnapshot", unix_ms() / 1000),
    };
    let path = args.snapshot_dir.join(name);
    capture_to(session, &path, false).map(|_| path)
}

fn has_heap(samples: &[Sample]) -> bool {
    samples.iter().any(|s| s.heap_used_bytes.is_some())
}

fn live_line(s: &Sample) -> String {
    let mut line = format!(
        "{:>8.2}s  RSS {:>9}",
        s.t_s,
        human_bytes(s.rss_bytes as f64)
    );
    match s.cpu_percent {
        Some(cpu) => line.push_str(&format!("  CPU {cpu:>4.0}%")),
        None => line.push_str("  CPU    -"),
    }
    if let (Some(used), Some(total)) = (s.heap_used_bytes, s.heap_total_bytes) {
        line.push_str(&format!(
            "  heap {:>9} / {:>9}  external {:>9} (ArrayBuffers {})",
            human_bytes(used as f64),
            human_bytes(total as f64),
            human_bytes(s.external_bytes.unwrap_or(0) as f64),
            human_bytes(s.array_buffers_bytes.unwrap_or(0) as f64),
        ));
        if let Some(native) = s.native_outside_bytes() {
            line.push_str(&format!("  native {}", human_bytes(native as f64)));
        }
    }
    line
}

fn write_timeline(
    path: &Path,
    format: TimelineFormat,
    file: &TimelineFile,
) -> Result<(), CliError> {
    let text = match format {
        TimelineFormat::Csv => {
            let mut text = String::from(CSV_HEADER);
            text.push('\n');
            for s in file.samples {
                text.push_str(&csv_row(s));
                text.push('\n');
            }
            text
        }
        TimelineFormat::Json => serde_json::to_string_pretty(file)? + "\n",
    };
    std::fs::write(path, text)
        .map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))
}
