//! What a hunt found: the leak analysis of its snapshots, growth per request,
//! the timeline's verdict, the comparison with an earlier hunt; the files it
//! leaves (`timeline.json`, `load.json`, `leaks.json`, `hunt.json`) and the
//! text it prints.

use super::rounds::{Ran, Round};
use super::Args;
use crate::commands::report;
use crate::commands::series::write_atomically;
use crate::output::View;
use crate::CliError;
use heapscope_analysis::growth_rate::{self, Change, PerRequest};
use heapscope_analysis::leaks::{LeakOptions, LeakReport};
use heapscope_inspector::recorder::EventKind;
use heapscope_inspector::recorder::TimelineEvent;
use heapscope_inspector::timeline::{verdict_with_gaps, TimelineFile, Verdict};
use heapscope_report::{human_bytes, thousands};
use heapscope_web::report::ReportInputs;
use heapscope_web::Redaction;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `hunt.json`, and what `hunt --json` prints.
#[derive(Serialize)]
pub struct Found {
    /// Always `heapscope-hunt`.
    pub format: &'static str,
    pub version: u32,
    pub command: Vec<String>,
    pub pid: Option<u32>,
    pub rounds: Vec<RoundSummary>,
    /// Mean requests sent per interval between snapshots (answered or not:
    /// a request the client gave up on was still handled by the app).
    pub requests_per_interval: f64,
    /// Heap bytes added per request, first to last snapshot.
    pub heap_per_request: Option<f64>,
    /// One entry per suspect, in the order of `leaks.suspects`.
    pub per_request: Vec<PerRequest>,
    pub leaks: LeakReport,
    pub timeline: Verdict,
    /// Against `--compare DIR`, when given.
    pub changes: Option<Vec<Change>>,
    pub files: Vec<String>,
    #[serde(skip)]
    dir: PathBuf,
    #[serde(skip)]
    fail_on_leak: bool,
}

impl View for Found {
    fn text(&self) -> String {
        text(self, &self.dir)
    }

    fn exit_code(&self) -> u8 {
        match self.fail_on_leak && !self.leaks.suspects.is_empty() {
            true => crate::commands::leaks::LEAK_FOUND_EXIT_CODE,
            false => 0,
        }
    }
}

/// One load round, in brief (the whole report is in `load.json`).
#[derive(Serialize)]
pub struct RoundSummary {
    pub name: String,
    /// Requests sent; `responses` of them were answered in time.
    pub sent: u64,
    pub responses: u64,
    pub seconds: f64,
    pub requests_per_s: f64,
    pub errors: u64,
    pub timeouts: u64,
}

/// The part of an earlier `hunt.json` that `--compare` reads.
#[derive(Deserialize)]
pub struct Earlier {
    pub per_request: Vec<PerRequest>,
}

/// Reads `DIR/hunt.json` of an earlier hunt.
pub fn read_earlier(dir: &Path) -> Result<Earlier, CliError> {
    let path = dir.join("hunt.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        CliError(format!(
            "--compare: cannot read {}: {e} (is it a hunt folder?)",
            path.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        CliError(format!(
            "--compare: {} is not a hunt result: {e}",
            path.display()
        ))
    })
}

/// Analyzes the snapshots and writes the hunt's files.
pub fn analyze(
    ran: &Ran,
    dir: &Path,
    args: &Args,
    earlier: Option<&Earlier>,
) -> Result<Found, CliError> {
    let timeline = verdict_with_gaps(&ran.samples, &snapshot_windows(&ran.events));
    let mut files = Vec::new();
    let write = |name: &str, text: String, files: &mut Vec<String>| {
        let path = dir.join(name);
        write_atomically(&path, text.as_bytes())?;
        files.push(path.display().to_string());
        Ok::<_, CliError>(())
    };
    let doc = TimelineFile {
        format: "heapscope-timeline",
        version: 1,
        pid: ran.pid,
        interval_ms: ran.interval.as_millis() as u64,
        started_unix_ms: ran.started_unix_ms,
        samples: &ran.samples,
        verdict: &timeline,
        events: &ran.events,
    };
    write(
        "timeline.json",
        serde_json::to_string_pretty(&doc)? + "\n",
        &mut files,
    )?;
    let timeline_value = serde_json::to_value(&doc)?;
    write(
        "load.json",
        serde_json::to_string_pretty(&ran.rounds)? + "\n",
        &mut files,
    )?;
    let snapshot_files: Vec<String> = ran
        .snapshots
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    eprintln!("hunt: analyzing {} snapshots", snapshot_files.len());
    let options = LeakOptions {
        min_bytes: args.min_bytes,
        min_count: args.min_count,
    };
    let mut series =
        crate::commands::leaks::load_all(&snapshot_files, crate::commands::leaks::Earlier::Full)?;
    let leaks = series.find(&snapshot_files, &options)?;
    let analyses = series.analyses;
    write(
        "leaks.json",
        serde_json::to_string_pretty(&leaks)? + "\n",
        &mut files,
    )?;
    let measured: Vec<&Round> = ran.rounds.iter().filter(|r| r.name != "warmup").collect();
    let requests_per_interval = match measured.len() {
        0 => 0.0,
        n => measured.iter().map(|r| r.load.sent as f64).sum::<f64>() / n as f64,
    };
    let per_request: Vec<PerRequest> = leaks
        .suspects
        .iter()
        .filter_map(|s| growth_rate::per_request(s, requests_per_interval))
        .collect();
    let total = requests_per_interval * measured.len() as f64;
    let changes = earlier.map(|e| growth_rate::compare(&e.per_request, &per_request));
    files.splice(0..0, snapshot_files);
    let mut found = Found {
        format: "heapscope-hunt",
        version: 1,
        command: args.command.clone(),
        pid: ran.pid,
        rounds: ran.rounds.iter().map(summary).collect(),
        requests_per_interval,
        heap_per_request: growth_rate::heap_per_request(&leaks, total),
        per_request,
        leaks,
        timeline,
        changes,
        files,
        dir: dir.to_path_buf(),
        fail_on_leak: args.fail_on_leak,
    };
    found
        .files
        .push(dir.join("hunt.json").display().to_string());
    let report_path = dir.join(report::HUNT_REPORT);
    found.files.push(report_path.display().to_string());
    write_atomically(
        &dir.join("hunt.json"),
        (serde_json::to_string_pretty(&found)? + "\n").as_bytes(),
    )?;
    write_report(&found, &report_path, timeline_value, ran, &analyses, args)?;
    Ok(found)
}

/// The hunt's `report.html`, from the analyses the leak search loaded.
fn write_report(
    found: &Found,
    path: &Path,
    timeline: serde_json::Value,
    ran: &Ran,
    analyses: &[&'static heapscope_analysis::Analysis],
    args: &Args,
) -> Result<(), CliError> {
    let inputs = ReportInputs {
        title: format!("heapscope hunt: {}", found.command.join(" ")),
        inputs: vec![found.dir.display().to_string()],
        leaks: Some(serde_json::to_value(&found.leaks)?),
        hunt: Some(serde_json::to_value(found)?),
        timeline: Some(timeline),
        load: Some(serde_json::to_value(&ran.rounds)?),
        redaction: Redaction::from_flag(args.redact_strings),
        version: env!("HEAPSCOPE_VERSION").to_string(),
    };
    let snapshot_files = &found.files[..analyses.len()];
    report::write(path, inputs, analyses, snapshot_files)?;
    Ok(())
}

/// When the snapshots were being taken: the target's memory then (and the
/// memory V8 keeps after writing one) is the snapshot's, not the app's.
fn snapshot_windows(events: &[TimelineEvent]) -> Vec<(f64, f64)> {
    let starts = events.iter().filter(|e| e.kind == EventKind::SnapshotStart);
    let ends = events.iter().filter(|e| e.kind == EventKind::SnapshotEnd);
    starts.zip(ends).map(|(s, e)| (s.t_s, e.t_s)).collect()
}

fn summary(r: &Round) -> RoundSummary {
    RoundSummary {
        name: r.name.clone(),
        sent: r.load.sent,
        responses: r.load.responses,
        seconds: r.load.elapsed_s,
        requests_per_s: r.load.throughput.requests_per_s,
        errors: r.load.errors.total,
        timeouts: r.load.errors.timeouts,
    }
}

/// "+1.00 Timeout and 208 B per request: about 208 MB per million requests".
pub fn per_request_text(p: &PerRequest) -> String {
    let objects = match p.objects {
        Some(n) => format!("{} {} and ", count_text(n), p.class),
        None => String::new(),
    };
    format!(
        "+{objects}{} per request: about {} per million requests",
        human_bytes(p.bytes),
        human_bytes(p.bytes_per_million())
    )
}

fn count_text(n: f64) -> String {
    if n >= 10.0 {
        format!("{n:.0}")
    } else if n >= 0.1 {
        format!("{n:.2}")
    } else {
        format!("1 per {:.0}", 1.0 / n.max(1e-9))
    }
}

/// What changed since the earlier hunt, in one line.
pub fn changes_text(changes: &[Change]) -> String {
    let mut parts = Vec::new();
    for c in changes {
        match c {
            Change::Gone { before } => parts.push(format!("{} growth gone", before.class)),
            Change::Still { before, now } => parts.push(format!(
                "{} still grows ({} → {} per request)",
                now.class,
                human_bytes(before.bytes),
                human_bytes(now.bytes)
            )),
            Change::New { .. } => {}
        }
    }
    let new: Vec<&str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::New { now } => Some(now.class.as_str()),
            _ => None,
        })
        .collect();
    parts.push(match new.is_empty() {
        true => "nothing new".into(),
        false => format!("new: {}", new.join(", ")),
    });
    parts.join("; ")
}

/// The text `hunt` prints.
fn text(found: &Found, dir: &Path) -> String {
    let mut s = plan_line(found);
    if let Some(h) = found.heap_per_request {
        let heaps: Vec<String> = found
            .leaks
            .snapshots
            .iter()
            .map(|x| human_bytes(x.total_size as f64))
            .collect();
        s.push_str(&format!(
            "JS heap after each snapshot's full GC: {} ({} per request)\n",
            heaps.join(" → "),
            signed_bytes(h)
        ));
    }
    s.push('\n');
    let files: Vec<String> = (1..=found.leaks.snapshots.len())
        .map(|n| {
            let name = crate::commands::series::snapshot_name(n);
            dir.join(name).display().to_string()
        })
        .collect();
    let extra: Vec<String> = found.per_request.iter().map(per_request_text).collect();
    let leaks = crate::commands::leaks::render_with(&found.leaks, &files, &extra);
    // The heap line is already given above.
    s.push_str(
        leaks
            .split_once("\n\n")
            .map_or(leaks.as_str(), |(_, rest)| rest),
    );
    s.push_str("Memory timeline: ");
    s.push_str(&crate::commands::verdict::verdict_text(
        &found.timeline,
        true,
    ));
    if let Some(changes) = &found.changes {
        s.push_str(&format!(
            "\nSince the earlier hunt: {}\n",
            changes_text(changes)
        ));
    }
    s.push_str(&format!(
        "\nFiles in {}: s1…s{}.heapsnapshot, series.json, timeline.json, load.json, leaks.json, hunt.json, report.html (open it in a browser), app.log\n",
        dir.display(),
        found.leaks.snapshots.len()
    ));
    s
}

/// "Warm-up 1,200 requests, then 2 rounds (2,000 and 2,000 requests), a
/// heap snapshot after each".
fn plan_line(found: &Found) -> String {
    let warmup = found.rounds.iter().find(|r| r.name == "warmup");
    let rounds: Vec<String> = found
        .rounds
        .iter()
        .filter(|r| r.name != "warmup")
        .map(|r| thousands(r.sent))
        .collect();
    format!(
        "Hunt{}: {}{} rounds ({} requests), a heap snapshot before the first round and after each\n",
        found.pid.map(|p| format!(" of process {p}")).unwrap_or_default(),
        warmup
            .map(|w| format!("warm-up of {} requests, then ", thousands(w.sent)))
            .unwrap_or_default(),
        rounds.len(),
        rounds.join(", ")
    )
}

fn signed_bytes(b: f64) -> String {
    match b < 0.0 {
        true => format!("−{}", human_bytes(-b)),
        false => format!("+{}", human_bytes(b)),
    }
}
