//! `heapscope capture`: a heap snapshot from a running Node process, streamed to
//! `FILE.partial` and renamed to FILE only once complete.

use crate::commands::rss::{rss_now, RssChange};
use crate::commands::target::{Connected, OpenedInspector, TargetArgs};
use crate::output::{emit, refuse_overwrite, PrintMode, Rendered, View};
use crate::CliError;
use heapscope_inspector::capture::{collect_garbage, take_heap_snapshot, Progress};
use heapscope_inspector::lock::{capture_lock, CaptureLock};
use heapscope_inspector::Session;
use heapscope_report::human_bytes;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Output file (default heapscope-PID-UNIXTIME.heapsnapshot); with --count, a new folder.
    #[arg(short, long, value_name = "FILE|DIR")]
    pub output: Option<PathBuf>,
    /// Take a series of N snapshots in one inspector session (comparable by object id), into the -o folder.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub count: usize,
    /// Time between the snapshots of a series (e.g. 30s, 2m).
    #[arg(long, value_name = "DURATION", value_parser = crate::commands::units::parse_duration, default_value = "1m")]
    pub every: std::time::Duration,
    /// Collect garbage first (HeapProfiler.collectGarbage).
    #[arg(long)]
    pub gc: bool,
    /// Capture even when the headroom check says the target may run out of memory (does not overwrite: see --overwrite).
    #[arg(long)]
    pub force: bool,
    /// Replace an existing non-empty -o FILE (by default it is kept and the capture refused).
    #[arg(long)]
    pub overwrite: bool,
    /// Print the result as JSON (file, size, time, the target's RSS before and after).
    #[arg(long)]
    pub json: bool,
}

/// The snapshot written, and what it cost the target's RSS.
#[derive(Serialize)]
struct Output {
    path: PathBuf,
    bytes: u64,
    seconds: f64,
    /// The target's RSS before and after (local processes only).
    rss: Option<RssChange>,
}

impl View for Output {
    fn text(&self) -> String {
        format!(
            "{}: {} heap snapshot captured in {:.1} s\n",
            self.path.display(),
            human_bytes(self.bytes as f64),
            self.seconds
        )
    }
}

pub fn run(args: Args) -> Result<Rendered, CliError> {
    if args.count == 0 {
        return Err(CliError("--count must be at least 1".into()));
    }
    if args.count > 1 {
        return run_series(args);
    }
    if let Some(path) = &args.output {
        refuse_overwrite(path, args.overwrite, OVERWRITE_FLAG)?;
    }
    let mut connected = args.target.connect()?;
    let result = capture_one(&args, &mut connected);
    connected.finish();
    emit(&result?, PrintMode::from_json_flag(args.json))
}

/// What replaces an existing output (`--force` already means the headroom override).
const OVERWRITE_FLAG: &str = "--overwrite (--force only skips the headroom check)";

/// The one snapshot of `capture`, with the RSS before and after.
fn capture_one(args: &Args, connected: &mut Connected) -> Result<Output, CliError> {
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| default_output(connected.pid));
    refuse_overwrite(&output, args.overwrite, OVERWRITE_FLAG)?;
    let _lock = lock_target(connected.pid)?;
    if !args.force {
        crate::commands::headroom::check(&mut connected.session, connected.pid)?;
    }
    remove_partial_on_ctrl_c(&output, connected.opened.clone());
    let before = connected.pid.and_then(rss_now);
    let started = Instant::now();
    let bytes = capture_to(&mut connected.session, &output, args.gc)?;
    let seconds = started.elapsed().as_secs_f64();
    let rss = connected
        .pid
        .zip(before)
        .and_then(|(pid, before)| RssChange::measure(pid, before));
    if let Some(rss) = &rss {
        eprintln!("{}", rss.lines());
    }
    Ok(Output {
        path: output,
        bytes,
        seconds,
        rss,
    })
}

/// `--count N`: N snapshots in one session, `--every` apart, into a new folder.
fn run_series(args: Args) -> Result<Rendered, CliError> {
    let dir = args
        .output
        .clone()
        .ok_or_else(|| CliError("--count needs -o DIR, a new folder for the series".into()))?;
    crate::commands::series::prepare_dir(&dir)?;
    let connected = args.target.connect()?;
    let (pid, opened) = (connected.pid, connected.opened);
    let label = connected.session.label().to_string();
    let session = std::sync::Arc::new(std::sync::Mutex::new(connected.session));
    let mut series = crate::commands::series::SeriesFile::new(pid, &label);
    let before = pid.and_then(rss_now);
    let result = take_series(&args, &session, &dir, &mut series);
    heapscope_inspector::recorder::close_shared(session);
    if let Some(rss) = pid
        .zip(before)
        .and_then(|(pid, before)| RssChange::measure(pid, before))
    {
        eprintln!("{}", rss.lines());
    }
    if let Some(opened) = opened {
        opened.finish();
    }
    result?;
    emit(&SeriesOutput { dir, series }, PrintMode::Text)
}

/// The snapshots of a series, `--every` apart, until `--count` or Ctrl-C.
fn take_series(
    args: &Args,
    session: &heapscope_inspector::recorder::SharedSession,
    dir: &Path,
    series: &mut crate::commands::series::SeriesFile,
) -> Result<(), CliError> {
    let stop = crate::commands::interrupt::ctrl_c_flag();
    let started = Instant::now();
    for n in 1..=args.count {
        if n > 1 {
            let due = started + args.every * (n as u32 - 1);
            if !crate::commands::interrupt::wait_until(due, &stop, &mut || true) {
                break;
            }
        }
        let path = crate::commands::series::take(session, series.pid, dir, series, args.force)?;
        let taken = series
            .snapshots
            .last()
            .map(|s| (s.bytes, s.seconds))
            .unwrap_or_default();
        eprintln!(
            "capture: {} ({} in {:.1} s; {n} of {})",
            path.display(),
            human_bytes(taken.0 as f64),
            taken.1,
            args.count
        );
    }
    Ok(())
}

/// A series written (text only).
#[derive(Serialize)]
struct SeriesOutput {
    dir: PathBuf,
    series: crate::commands::series::SeriesFile,
}

impl View for SeriesOutput {
    fn text(&self) -> String {
        format!(
            "{}: {} snapshots in one inspector session; compare them with `heapscope leaks {}`\n",
            self.dir.display(),
            self.series.snapshots.len(),
            self.dir.display()
        )
    }
}

fn default_output(pid: Option<u32>) -> PathBuf {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    match pid {
        Some(pid) => PathBuf::from(format!("heapscope-{pid}-{now}.heapsnapshot")),
        None => PathBuf::from(format!("heapscope-{now}.heapsnapshot")),
    }
}

/// Ctrl-C during a capture removes `FILE.partial`, closes the inspector
/// heapscope opened, and exits with code 130.
fn remove_partial_on_ctrl_c(output: &Path, opened: Option<OpenedInspector>) {
    let partial = partial_path(output);
    // Failure only means a handler is already installed (e.g. by `watch`).
    let _ = ctrlc::set_handler(move || {
        let _ = std::fs::remove_file(&partial);
        eprintln!("heapscope: interrupted; {} removed", partial.display());
        if let Some(opened) = &opened {
            opened.finish();
        }
        std::process::exit(130);
    });
}

/// `FILE.partial` beside FILE.
fn partial_path(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// The capture lock of a local target, taken before anything is asked of it
/// (the headroom check included): one snapshot of a process at a time.
pub fn lock_target(pid: Option<u32>) -> Result<Option<CaptureLock>, CliError> {
    pid.map(capture_lock)
        .transpose()
        .map_err(|e| CliError(format!("capture refused: {e}")))
}

/// Captures into `output` through a `.partial` file; on any failure the partial
/// file is removed and an existing `output` is left untouched. Never writes
/// into a `.partial` file that exists (another capture's). Callers hold
/// [`lock_target`] meanwhile.
pub fn capture_to(session: &mut Session, output: &Path, gc: bool) -> Result<u64, CliError> {
    if gc {
        collect_garbage(session)?;
    }
    let partial = partial_path(output);
    let file = create_partial(&partial)?;
    let mut sink = BufWriter::with_capacity(1 << 20, file);
    let bar = progress_bar();
    let timings = Timings::new();
    let report_progress = bar.is_some() || std::env::var_os("HEAPSCOPE_PROGRESS_EVENTS").is_some();
    let result = take_heap_snapshot(session, &mut sink, report_progress, |p| {
        timings.note(p);
        if let Some(bar) = &bar {
            show(bar, p)
        }
    })
    .map_err(|e| {
        CliError(format!(
            "capture failed: {e}; {} was not written",
            output.display()
        ))
    })
    .and_then(|bytes| {
        sink.flush()
            .map_err(|e| CliError(format!("writing {}: {e}", partial.display())))?;
        Ok(bytes)
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    timings.report();
    drop(sink);
    let bytes = match result {
        Ok(bytes) => bytes,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, output).map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        CliError(format!(
            "cannot rename {} to {}: {e}",
            partial.display(),
            output.display()
        ))
    })?;
    Ok(bytes)
}

/// Creates `FILE.partial`, refusing one that exists.
fn create_partial(partial: &Path) -> Result<std::fs::File, CliError> {
    std::fs::File::create_new(partial).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => CliError(format!(
            "capture refused: {} exists: another capture is writing it, or one was killed before it could remove it (then delete it)",
            partial.display()
        )),
        _ => CliError(format!("cannot create {}: {e}", partial.display())),
    })
}

fn progress_bar() -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("building snapshot (objects)");
    Some(bar)
}

fn show(bar: &ProgressBar, progress: Progress) {
    match progress {
        Progress::Building { done, total } => {
            bar.set_length(total);
            bar.set_position(done);
        }
        Progress::Writing { bytes } => {
            if bar.message() != "writing" {
                bar.set_style(
                    ProgressStyle::with_template("{msg} {bytes} ({bytes_per_sec}) {spinner}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_message("writing");
            }
            bar.set_position(bytes);
        }
    }
}

/// With `HEAPSCOPE_TIMINGS` set: when the first chunk arrived (V8 built the
/// snapshot graph until then) and when the last did.
struct Timings {
    enabled: bool,
    started: Instant,
    first_chunk: std::cell::Cell<Option<Instant>>,
}

impl Timings {
    fn new() -> Timings {
        Timings {
            enabled: std::env::var_os("HEAPSCOPE_TIMINGS").is_some(),
            started: Instant::now(),
            first_chunk: std::cell::Cell::new(None),
        }
    }

    fn note(&self, progress: Progress) {
        if self.enabled
            && matches!(progress, Progress::Writing { .. })
            && self.first_chunk.get().is_none()
        {
            self.first_chunk.set(Some(Instant::now()));
        }
    }

    fn report(&self) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        let first = self.first_chunk.get().unwrap_or(now);
        eprintln!(
            "heapscope: {:>8.1} ms  snapshot graph built in the target (until the first chunk)",
            (first - self.started).as_secs_f64() * 1e3
        );
        eprintln!(
            "heapscope: {:>8.1} ms  chunks streamed",
            (now - first).as_secs_f64() * 1e3
        );
    }
}
