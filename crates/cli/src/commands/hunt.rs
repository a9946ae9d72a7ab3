//! `heapscope hunt`: reproduce a leak and find it in one command. It starts
//! the application (or attaches to a running one), waits until it answers,
//! drives HTTP load in rounds and takes a heap snapshot after each round in
//! one inspector session (so the snapshots can be compared), records a memory
//! timeline throughout, then stops what it started and reports the suspects
//! with their growth per request and the timeline's verdict.
//!
//! The steps live in submodules: `app` (starting, attaching, stopping),
//! `rounds` (load rounds and snapshots), `outcome` (analysis, files, text).

mod app;
mod outcome;
mod rounds;

use crate::commands::target::TargetArgs;
use crate::commands::units::parse_duration;
use crate::output::{emit, PrintMode, Rendered};
use crate::CliError;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  heapscope hunt -o /tmp/hunt -- node server.js\n  heapscope hunt --port 3000 -o /tmp/hunt -- npm start\n  heapscope hunt --pid 4242 --url http://127.0.0.1:3000/ -o /tmp/hunt\n  heapscope hunt --compare /tmp/hunt -o /tmp/hunt-after-fix -- node server.js"
)]
pub struct Args {
    /// The command that starts the application (after `--`).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
    /// Attach to a running process instead of starting one (with --url).
    #[command(flatten)]
    pub target: TargetArgs,
    /// The URL to load: needed when attaching; when starting, built from the port and --path.
    #[arg(long)]
    pub url: Option<String>,
    /// The application's HTTP port (default: the first it listens on besides its inspector).
    #[arg(long)]
    pub port: Option<u16>,
    /// Request path when the URL is built from the port.
    #[arg(long, default_value = "/")]
    pub path: String,
    /// Rotate requests over the paths or URLs in this file, one per line.
    #[arg(long, value_name = "FILE")]
    pub urls_file: Option<PathBuf>,
    /// HTTP method.
    #[arg(short = 'm', long, default_value = "GET")]
    pub method: String,
    /// Request header `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// Request body.
    #[arg(short = 'b', long)]
    pub body: Option<String>,
    /// Load rounds (a snapshot follows the warm-up and each round).
    #[arg(long, default_value_t = 2)]
    pub rounds: usize,
    /// Requests per round (instead of --duration).
    #[arg(long, conflicts_with = "duration")]
    pub requests: Option<u64>,
    /// Length of each round (default 5s unless --requests is given).
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Load before the first snapshot, to warm caches and the JIT (0s: none).
    #[arg(long, default_value = "3s", value_parser = crate::commands::units::parse_duration_or_zero)]
    pub warmup: Duration,
    /// Warm up with this many requests instead of --warmup's duration.
    #[arg(long)]
    pub warmup_requests: Option<u64>,
    /// Requests per second (an open model, like real traffic); 0: as fast as the app answers.
    #[arg(long, default_value_t = 400.0)]
    pub rate: f64,
    /// Concurrent connections.
    #[arg(short = 'c', long, default_value_t = 8)]
    pub connections: usize,
    /// Per-request timeout; a slower request is abandoned (the client gives up).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Time between timeline samples.
    #[arg(long, default_value = "250ms", value_parser = parse_duration)]
    pub interval: Duration,
    /// How long the application may take to listen and answer.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub startup_timeout: Duration,
    /// Time between SIGTERM and SIGKILL when stopping the application.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub grace: Duration,
    /// Output folder (must be new or empty).
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// An earlier hunt's folder: say what changed since (the check after a fix).
    #[arg(long, value_name = "DIR")]
    pub compare: Option<PathBuf>,
    /// Exit with code 3 when a suspect is found.
    #[arg(long)]
    pub fail_on_leak: bool,
    /// Snapshot even when the headroom check says the target may run out of memory.
    #[arg(long)]
    pub force: bool,
    /// Drop suspects retaining less than this many bytes.
    #[arg(long, default_value_t = 100_000)]
    pub min_bytes: u64,
    /// Drop accumulating groups with fewer new objects than this.
    #[arg(long, default_value_t = 50)]
    pub min_count: u64,
    /// Print JSON (the hunt.json document).
    #[arg(long)]
    pub json: bool,
    /// Mask string values in the HTML report (tokens, passwords, personal data).
    #[arg(long)]
    pub redact_strings: bool,
}

/// Runs the hunt: start or attach, rounds and snapshots, analysis, report.
pub fn run(args: Args) -> Result<Rendered, CliError> {
    let dir = args.output.clone().unwrap_or_else(default_dir);
    let earlier = args
        .compare
        .as_deref()
        .map(outcome::read_earlier)
        .transpose()?;
    let plan = rounds::Plan::from_args(&args)?;
    app::App::check(&args)?;
    crate::commands::series::prepare_dir(&dir)?;
    let mut app = app::App::start_or_attach(&args, &dir)?;
    app::stop_on_ctrl_c(&app, &dir);
    let url = app.url(&args)?;
    let ran = rounds::run(&mut app, &plan, &url, &dir, &args);
    app.finish(args.grace);
    let ran = ran?;
    let found = outcome::analyze(&ran, &dir, &args, earlier.as_ref())?;
    emit(&found, PrintMode::from_json_flag(args.json))
}

fn default_dir() -> PathBuf {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    PathBuf::from(format!("heapscope-hunt-{now}"))
}
