//! `heapscope watch`: a live memory timeline of a process (RSS and CPU from
//! `/proc`, V8 heap figures when the inspector is reachable), one line per
//! sample, and at the end (or Ctrl-C) a verdict: steady or growing, how fast,
//! and where.

use crate::commands::capture::capture_to;
use crate::commands::headroom;
use crate::commands::interrupt::{ctrl_c_flag, wait_until};
use crate::commands::target::{TargetArgs, CONNECT_TIMEOUT};
use crate::commands::units::{parse_duration, parse_size};
use crate::commands::verdict::verdict_text;
use crate::output::{emit, PrintMode, Rendered, View};
use crate::CliError;
use heapscope_inspector::process::check_exists;
use heapscope_inspector::target::open_inspector;
use heapscope_inspector::timeline::{csv_row, verdict, Sample, TimelineFile, Verdict, CSV_HEADER};
use heapscope_inspector::{locate, procstat, InspectorError, Session, TargetSpec};
use heapscope_report::human_bytes;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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
    let max_samples = match args.duration {
        Some(d) => {
            ((d.as_secs_f64() / args.interval.as_secs_f64()).floor() as usize + 1).min(MAX_SAMPLES)
        }
        None => MAX_SAMPLES,
    };
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
    let mut samples: Vec<Sample> = Vec::new();
    let mut snapshot_taken = false;
    let mut ended = None;
    let mut next_due = started;
    for _ in 0..max_samples {
        if !wait_until(next_due, &stop, &mut || true) {
            break;
        }
        let sample = match source.sample(started) {
            Ok(sample) => sample,
            Err(reason) => {
                ended = Some(reason);
                break;
            }
        };
        println!("{}", live_line(&sample));
        let _ = std::io::stdout().flush();
        if let Some(threshold) = args.snapshot_above {
            if !snapshot_taken && sample.rss_bytes >= threshold {
                snapshot_taken = true;
                println!("{}", source.snapshot(&args, threshold));
            }
        }
        samples.push(sample);
        next_due = (next_due + args.interval).max(Instant::now());
    }
    let verdict = verdict(&samples);
    let heap_known = source.session.is_some() || has_heap(&samples);
    let timeline = match (&args.output, format) {
        (Some(path), Some(format)) => {
            write_timeline(
                path,
                format,
                &samples,
                &verdict,
                source.pid,
                args.interval,
                started_unix_ms,
            )?;
            Some(path.clone())
        }
        _ => None,
    };
    let out = Output {
        stopped: ended,
        verdict,
        heap_known,
        timeline,
    };
    emit(&out, PrintMode::Text)
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

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Where samples come from: `/proc` for a local PID, the inspector for heap figures.
struct Source {
    spec: TargetSpec,
    allow_remote: bool,
    pid: Option<u32>,
    session: Option<Session>,
    last_cpu: Option<(Instant, f64)>,
}

/// `process.memoryUsage()` and `process.cpuUsage()` in one round trip.
const MEMORY_EXPRESSION: &str =
    "(() => { const m = process.memoryUsage(); const c = process.cpuUsage(); \
    return [m.rss, m.heapTotal, m.heapUsed, m.external, m.arrayBuffers, c.user + c.system]; })()";

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
        let mut source = Source {
            spec,
            allow_remote: target.allow_remote,
            pid,
            session,
            last_cpu: None,
        };
        source.set_timeouts();
        Ok(source)
    }

    fn set_timeouts(&mut self) {
        if let Some(session) = self.session.as_mut() {
            let _ = session.set_idle_timeout(Duration::from_secs(2));
        }
    }

    fn describe(&self) -> String {
        match (self.pid, &self.session) {
            (Some(pid), _) => format!("process {pid}"),
            (None, Some(session)) => format!("the target at {}", session.label()),
            (None, None) => "the target".into(),
        }
    }

    /// One sample; `Err` with the reason when the target is gone.
    fn sample(&mut self, started: Instant) -> Result<Sample, String> {
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
        let heap = match self.session.as_mut().map(|s| s.evaluate(MEMORY_EXPRESSION)) {
            Some(Ok(value)) => parse_memory(&value),
            Some(Err(InspectorError::TargetGone(_))) => {
                self.session = None;
                None
            }
            _ => None,
        };
        if proc_reading.is_none() && heap.is_none() {
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
            t_s: now.duration_since(started).as_secs_f64(),
            unix_ms: unix_ms(),
            rss_bytes: rss,
            cpu_percent,
            heap_used_bytes: heap.map(|h| h[2]),
            heap_total_bytes: heap.map(|h| h[1]),
            external_bytes: heap.map(|h| h[3]),
            array_buffers_bytes: heap.map(|h| h[4]),
        })
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

    fn try_snapshot(&mut self, args: &Args) -> Result<PathBuf, CliError> {
        if self.session.is_none() {
            let located = locate(&self.spec, self.allow_remote, CONNECT_TIMEOUT)?;
            self.session = Some(Session::connect(
                &located.ws_url,
                self.allow_remote,
                CONNECT_TIMEOUT,
            )?);
        }
        let session = self
            .session
            .as_mut()
            .ok_or_else(|| CliError("no inspector".into()))?;
        let _ = session.set_idle_timeout(heapscope_inspector::cdp::DEFAULT_IDLE_TIMEOUT);
        if !args.force {
            headroom::check(session, self.pid)?;
        }
        std::fs::create_dir_all(&args.snapshot_dir).map_err(|e| {
            CliError(format!(
                "cannot create {}: {e}",
                args.snapshot_dir.display()
            ))
        })?;
        let name = match self.pid {
            Some(pid) => format!("heapscope-{pid}-{}.heapsnapshot", unix_ms() / 1000),
            None => format!("heapscope-{}.heapsnapshot", unix_ms() / 1000),
        };
        let path = args.snapshot_dir.join(name);
        let result = capture_to(session, &path, false);
        self.set_timeouts();
        result.map(|_| path)
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
    samples: &[Sample],
    verdict: &Verdict,
    pid: Option<u32>,
    interval: Duration,
    started_unix_ms: u64,
) -> Result<(), CliError> {
    let text = match format {
        TimelineFormat::Csv => {
            let mut text = String::from(CSV_HEADER);
            text.push('\n');
            for s in samples {
                text.push_str(&csv_row(s));
                text.push('\n');
            }
            text
        }
        TimelineFormat::Json => {
            let file = TimelineFile {
                format: "heapscope-timeline",
                version: 1,
                pid,
                interval_ms: interval.as_millis() as u64,
                started_unix_ms,
                samples,
                verdict,
            };
            serde_json::to_string_pretty(&file)? + "\n"
        }
    };
    std::fs::write(path, text)
        .map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))
}
