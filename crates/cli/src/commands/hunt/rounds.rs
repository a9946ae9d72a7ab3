//! The hunt's steps against a running application: wait until it answers,
//! warm up, then a snapshot after the warm-up and after each load round, all
//! in one inspector session, with the memory timeline recorded throughout.

use super::app::App;
use super::Args;
use crate::commands::series::{self, SeriesFile};
use crate::CliError;
use heapscope_inspector::recorder::{EventKind, Recorder, Sampler, TimelineEvent};
use heapscope_inspector::timeline::Sample;
use heapscope_load::{Header, LoadReport, LoadSpec, Method};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// What every load round sends.
pub struct Plan {
    template: LoadSpec,
    warmup: Length,
    rounds: usize,
    round: Length,
    interval: Duration,
    startup_timeout: Duration,
}

/// How long a load round runs: a number of requests or a time.
#[derive(Clone, Copy, PartialEq)]
enum Length {
    Requests(u64),
    Time(Duration),
}

impl Length {
    fn is_empty(self) -> bool {
        matches!(self, Length::Requests(0)) || self == Length::Time(Duration::ZERO)
    }
}

/// Rounds last this long unless told otherwise.
const DEFAULT_ROUND: Duration = Duration::from_secs(5);

/// One load round and its result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Round {
    /// `warmup`, `round 1`, …
    pub name: String,
    pub load: LoadReport,
}

/// Everything the hunt produced before the analysis.
pub struct Ran {
    pub rounds: Vec<Round>,
    pub snapshots: Vec<PathBuf>,
    pub samples: Vec<Sample>,
    pub events: Vec<TimelineEvent>,
    pub pid: Option<u32>,
    pub interval: Duration,
    pub started_unix_ms: u64,
}

impl Plan {
    /// Checks the options and builds the request template (URL set later).
    pub fn from_args(args: &Args) -> Result<Plan, CliError> {
        if args.rounds < 2 {
            return Err(CliError(
                "--rounds must be at least 2: leaks needs three snapshots (growth in two intervals tells a leak from a cache filling once)".into(),
            ));
        }
        let round = match (args.requests, args.duration) {
            (Some(n), _) => Length::Requests(n),
            (None, Some(d)) => Length::Time(d),
            (None, None) => Length::Time(DEFAULT_ROUND),
        };
        if round.is_empty() {
            return Err(CliError(
                "a load round must send something: --requests or --duration must be positive"
                    .into(),
            ));
        }
        let warmup = match args.warmup_requests {
            Some(n) => Length::Requests(n),
            None => Length::Time(args.warmup),
        };
        if let Some(url) = &args.url {
            heapscope_load::check_url(url, false)?;
        }
        let mut template = LoadSpec::new("http://127.0.0.1/");
        template.method = Method::parse(&args.method)?;
        template.headers = args
            .headers
            .iter()
            .map(|h| Header::parse(h))
            .collect::<Result<_, _>>()?;
        template.body = args.body.clone().unwrap_or_default().into_bytes();
        template.connections = args.connections;
        template.rate = (args.rate > 0.0).then_some(args.rate);
        template.timeout = args.timeout;
        template.progress = std::io::stderr().is_terminal();
        if let Some(file) = &args.urls_file {
            template.urls = heapscope_load::read_urls_file(file)?;
        }
        Ok(Plan {
            template,
            warmup,
            rounds: args.rounds,
            round,
            interval: args.interval,
            startup_timeout: args.startup_timeout,
        })
    }

    fn spec(&self, url: &str, length: Length) -> LoadSpec {
        let mut spec = self.template.clone();
        spec.url = url.to_string();
        (spec.requests, spec.duration) = match length {
            Length::Requests(n) => (Some(n), None),
            Length::Time(d) => (None, Some(d)),
        };
        spec
    }
}

/// Waits until the URL answers, then runs warm-up, rounds and snapshots.
pub fn run(
    app: &mut App,
    plan: &Plan,
    url: &str,
    dir: &Path,
    args: &Args,
) -> Result<Ran, CliError> {
    wait_until_answering(app, plan, url)?;
    eprintln!(
        "hunt: {} answers at {url}; output in {}",
        app.describe(),
        dir.display()
    );
    let session = app.session()?;
    let started = Instant::now();
    let started_unix_ms = heapscope_inspector::recorder::unix_ms();
    let recorder = Recorder::start(
        Sampler::new(app.pid, Some(session.clone()), started),
        plan.interval,
    );
    let mut series = SeriesFile::new(app.pid, &session_label(&session));
    let mut ran = Ran {
        rounds: Vec::new(),
        snapshots: Vec::new(),
        samples: Vec::new(),
        events: Vec::new(),
        pid: app.pid,
        interval: plan.interval,
        started_unix_ms,
    };
    let result = (|| {
        if !plan.warmup.is_empty() {
            let spec = plan.spec(url, plan.warmup);
            load_round(app, &mut ran, &spec, "warmup", started)?;
        }
        for r in 0..=plan.rounds {
            if r > 0 {
                let spec = plan.spec(url, plan.round);
                load_round(app, &mut ran, &spec, &format!("round {r}"), started)?;
            }
            snapshot(
                app,
                &mut ran,
                &session,
                dir,
                &mut series,
                args.force,
                started,
            )?;
        }
        Ok(())
    })();
    ran.samples.extend(recorder.samples().try_iter());
    let (_, rest) = recorder.stop();
    ran.samples.extend(rest);
    result.map(|()| ran)
}

fn session_label(session: &heapscope_inspector::recorder::SharedSession) -> String {
    session
        .lock()
        .map(|s| s.label().to_string())
        .unwrap_or_default()
}

/// Sends one request at a time until one gets any HTTP answer; only a
/// refused connection (the app not listening yet) is worth another try.
fn wait_until_answering(app: &mut App, plan: &Plan, url: &str) -> Result<(), CliError> {
    let deadline = Instant::now() + plan.startup_timeout;
    let mut probe = plan.spec(url, Length::Requests(1));
    probe.connections = 1;
    probe.progress = false;
    probe.timeout = Duration::from_secs(2);
    probe.rate = None;
    let stop = AtomicBool::new(false);
    loop {
        app.check_alive()?;
        let last = match heapscope_load::run(&probe, &stop) {
            Ok(report) if report.responses > 0 => return Ok(()),
            Ok(_) => "no answer".to_string(),
            Err(e @ heapscope_load::LoadError::Connect { .. }) => e.to_string(),
            Err(e) => return Err(e.into()),
        };
        if Instant::now() >= deadline {
            return Err(CliError(format!(
                "{url} did not answer within {} s ({last})",
                plan.startup_timeout.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn load_round(
    app: &mut App,
    ran: &mut Ran,
    spec: &LoadSpec,
    name: &str,
    started: Instant,
) -> Result<(), CliError> {
    let at = |kind| TimelineEvent {
        t_s: started.elapsed().as_secs_f64(),
        kind,
        label: name.to_string(),
    };
    ran.events.push(at(EventKind::LoadStart));
    let stop = AtomicBool::new(false);
    let report = heapscope_load::run(spec, &stop)?;
    ran.events.push(at(EventKind::LoadEnd));
    eprintln!(
        "hunt: {name}: {} requests in {:.1} s ({:.0} req/s, {} errors, {} timeouts)",
        report.responses,
        report.elapsed_s,
        report.throughput.requests_per_s,
        report.errors.total,
        report.errors.timeouts
    );
    ran.rounds.push(Round {
        name: name.to_string(),
        load: report,
    });
    app.check_alive()
}

fn snapshot(
    app: &mut App,
    ran: &mut Ran,
    session: &heapscope_inspector::recorder::SharedSession,
    dir: &Path,
    series: &mut SeriesFile,
    force: bool,
    started: Instant,
) -> Result<(), CliError> {
    let n = ran.snapshots.len() + 1;
    let at = |kind| TimelineEvent {
        t_s: started.elapsed().as_secs_f64(),
        kind,
        label: series::snapshot_name(n),
    };
    ran.events.push(at(EventKind::SnapshotStart));
    let taken = Instant::now();
    let path = series::take(session, app.pid, dir, series, force)?;
    ran.events.push(at(EventKind::SnapshotEnd));
    eprintln!(
        "hunt: {} written in {:.1} s",
        path.display(),
        taken.elapsed().as_secs_f64()
    );
    ran.snapshots.push(path);
    app.check_alive()
}
