//! `heapscope load URL`: an HTTP/1.1 load generator for the app under test
//! (loopback only unless `--allow-remote`). Thin: arguments to a
//! [`LoadSpec`], the run in `heapscope-load`, the report as a table or JSON.

use crate::commands::interrupt::ctrl_c_flag;
use crate::commands::units::parse_duration;
use crate::output::{emit, PrintMode, Rendered, View};
use crate::CliError;
use heapscope_load::{read_urls_file, render_table, Header, LoadReport, LoadSpec, Method};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Target URL, http://host:port/path (a loopback address unless --allow-remote).
    pub url: String,
    /// Concurrent keep-alive connections.
    #[arg(short = 'c', long, default_value_t = 10)]
    pub connections: usize,
    /// Requests in flight per connection (HTTP pipelining); 1 = none.
    #[arg(short = 'p', long, default_value_t = 1)]
    pub pipelining: usize,
    /// How long to run (e.g. 10s, 500ms, 2m); default 10s unless -n is given.
    #[arg(short = 'd', long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Stop after exactly this many requests.
    #[arg(short = 'n', long)]
    pub requests: Option<u64>,
    /// Open model: requests per second over all connections; latency is then
    /// measured from each request's intended send time.
    #[arg(short = 'R', long)]
    pub rate: Option<f64>,
    /// HTTP method.
    #[arg(short = 'm', long, default_value = "GET")]
    pub method: String,
    /// Request header 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// Request body.
    #[arg(short = 'b', long, conflicts_with = "body_file")]
    pub body: Option<String>,
    /// Request body from a file.
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
    /// Paths or URLs (one per line) rotated over the requests.
    #[arg(long, value_name = "FILE")]
    pub urls_file: Option<PathBuf>,
    /// Per-request timeout (a timed-out request is counted apart and its connection re-opened).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Runtime threads (1 leaves the other cores to the app under test).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Allow a target that is not a loopback address.
    #[arg(long)]
    pub allow_remote: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The load report; in JSON exactly [`LoadReport`].
#[derive(serde::Serialize)]
#[serde(transparent)]
struct Output(LoadReport);

impl View for Output {
    fn text(&self) -> String {
        render_table(&self.0)
    }
}

pub fn run(args: Args) -> Result<Rendered, CliError> {
    let spec = spec(&args)?;
    let report = heapscope_load::run(&spec, &ctrl_c_flag())?;
    emit(&Output(report), PrintMode::from_json_flag(args.json))
}

fn spec(args: &Args) -> Result<LoadSpec, CliError> {
    let mut spec = LoadSpec::new(&args.url);
    spec.connections = args.connections;
    spec.pipelining = args.pipelining;
    spec.requests = args.requests;
    spec.duration = match (args.duration, args.requests) {
        (None, Some(_)) => None,
        (d, _) => Some(d.unwrap_or(Duration::from_secs(10))),
    };
    spec.rate = args.rate;
    spec.method = Method::parse(&args.method)?;
    spec.headers = args
        .headers
        .iter()
        .map(|h| Header::parse(h))
        .collect::<Result<_, _>>()?;
    spec.body = match (&args.body, &args.body_file) {
        (Some(b), _) => b.clone().into_bytes(),
        (None, Some(path)) => std::fs::read(path)
            .map_err(|e| CliError(format!("cannot read {}: {e}", path.display())))?,
        (None, None) => Vec::new(),
    };
    if let Some(path) = &args.urls_file {
        spec.urls = read_urls_file(path)?;
    }
    spec.timeout = args.timeout;
    spec.threads = args.threads;
    spec.allow_remote = args.allow_remote;
    spec.progress = true;
    Ok(spec)
}
