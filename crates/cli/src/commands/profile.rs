//! `heapscope profile`: the sampling heap profiler over a time window, a light
//! alternative to a full snapshot: what was allocated and is still alive at the
//! end, by function, by npm package and as a top-down call tree.

use crate::commands::interrupt::{ctrl_c_flag, wait_until};
use crate::commands::target::TargetArgs;
use crate::commands::units::{parse_duration, parse_size};
use crate::output::{emit, PrintMode, Rendered, View};
use crate::CliError;
use heapscope_analysis::scripts::package_of_path;
use heapscope_inspector::process::check_exists;
use heapscope_inspector::sampling::{self, Aggregated, TreeNode, DEFAULT_INTERVAL_BYTES};
use heapscope_report::{human_bytes, percent, Align, Table};
use serde::Serialize;
use std::time::{Duration, Instant};

/// Tree nodes under this share of the live bytes are left out.
const MIN_TREE_SHARE: f64 = 0.01;
/// Deepest tree level printed in the terminal view.
const MAX_TREE_DEPTH: usize = 12;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: TargetArgs,
    /// How long to sample (Ctrl-C stops early).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Mean bytes allocated between two samples (smaller: more detail, more overhead).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_INTERVAL_BYTES, value_parser = parse_size)]
    pub interval: u64,
    /// Rows in the function and package tables.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Print JSON (schema in README).
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Output {
    duration_s: f64,
    sampling_interval_bytes: u64,
    #[serde(flatten)]
    profile: Aggregated,
    /// Rows in the text tables.
    #[serde(skip)]
    limit: usize,
}

impl View for Output {
    fn text(&self) -> String {
        render(
            &self.profile,
            self.duration_s,
            self.sampling_interval_bytes,
            self.limit,
        )
    }
}

pub fn run(args: Args) -> Result<Rendered, CliError> {
    let mut connected = args.target.connect()?;
    let stop = ctrl_c_flag();
    sampling::start(&mut connected.session, args.interval)?;
    let started = Instant::now();
    let pid = connected.pid;
    let mut alive = || pid.is_none_or(|pid| check_exists(pid).is_ok());
    wait_until(started + args.duration, &stop, &mut alive);
    let elapsed = started.elapsed().as_secs_f64();
    let profile = sampling::stop(&mut connected.session)
        .map_err(|e| CliError(format!("profile failed: {e}")))?;
    connected.session.close();
    let out = Output {
        duration_s: elapsed,
        sampling_interval_bytes: args.interval,
        profile: sampling::aggregate(&profile, &package_of_path, MIN_TREE_SHARE),
        limit: args.limit,
    };
    emit(&out, PrintMode::from_json_flag(args.json))
}

fn render(a: &Aggregated, seconds: f64, interval: u64, limit: usize) -> String {
    let total = a.total_bytes as f64;
    let mut out = format!(
        "sampling heap profile: {seconds:.1} s, one sample per {} allocated on average; {} allocated in the window is still alive ({} samples)\n\n",
        human_bytes(interval as f64),
        human_bytes(total),
        a.sample_count
    );
    let mut functions = Table::new(&[
        ("Function", Align::Left),
        ("Location", Align::Left),
        ("Package", Align::Left),
        ("Self", Align::Right),
        ("Share", Align::Right),
        ("Total", Align::Right),
    ]);
    for f in a.functions.iter().take(limit) {
        functions.row(vec![
            f.function.clone(),
            location(&f.url, f.line),
            f.package.clone(),
            human_bytes(f.self_bytes as f64),
            percent(f.self_bytes as f64, total),
            human_bytes(f.total_bytes as f64),
        ]);
    }
    out.push_str("By function (live bytes allocated there):\n");
    out.push_str(&functions.render());
    let mut packages = Table::new(&[
        ("Package", Align::Left),
        ("Self", Align::Right),
        ("Share", Align::Right),
        ("Samples", Align::Right),
    ]);
    for p in a.packages.iter().take(limit) {
        packages.row(vec![
            p.package.clone(),
            human_bytes(p.self_bytes as f64),
            percent(p.self_bytes as f64, total),
            p.samples.to_string(),
        ]);
    }
    out.push_str("\nBy package:\n");
    out.push_str(&packages.render());
    out.push_str(&format!(
        "\nTop-down (callers above callees; subtrees under {:.0}% left out):\n",
        MIN_TREE_SHARE * 100.0
    ));
    tree_lines(&a.tree, 0, total, &mut out);
    out
}

fn location(url: &str, line: i64) -> String {
    let path = url.strip_prefix("file://").unwrap_or(url);
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}:{line}")
    }
}

fn tree_lines(node: &TreeNode, depth: usize, total: f64, out: &mut String) {
    if depth > MAX_TREE_DEPTH {
        return;
    }
    let place = location(&node.url, node.line);
    out.push_str(&format!(
        "{:indent$}{} {} ({}){}{}\n",
        "",
        human_bytes(node.total_bytes as f64),
        node.function,
        percent(node.total_bytes as f64, total),
        if place.is_empty() { "" } else { "  " },
        place,
        indent = depth * 2
    ));
    for child in &node.children {
        tree_lines(child, depth + 1, total, out);
    }
}
