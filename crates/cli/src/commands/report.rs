//! `heapscope report`: one self-contained HTML file from a hunt folder, a
//! capture series or snapshots (plus a timeline file), and the report `hunt`
//! writes into its folder. Inputs are sorted out here; the page is built by
//! heapscope-web.

use crate::commands::series::{files_in, write_atomically};
use crate::output::Rendered;
use crate::CliError;
use heapscope_analysis::leaks::LeakOptions;
use heapscope_analysis::Analysis;
use heapscope_inspector::timeline::{parse_csv, verdict};
use heapscope_web::report::{render_html, ReportData, ReportInputs};
use heapscope_web::Redaction;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The report's file name in a hunt folder.
pub const HUNT_REPORT: &str = "report.html";

#[derive(clap::Args)]
pub struct Args {
    /// A hunt folder, a `capture --count` folder, snapshots (oldest first), and
    /// optionally a timeline (`watch -o timeline.csv|.json`).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// The HTML file to write.
    #[arg(short, long, default_value = "heapscope-report.html")]
    pub output: PathBuf,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Mask string values (tokens, passwords, personal data) in the report.
    #[arg(long)]
    pub redact_strings: bool,
    /// The report's title.
    #[arg(long)]
    pub title: Option<String>,
    /// Leak suspects retaining less than this are dropped (when the report finds the leaks itself).
    #[arg(long, default_value_t = 100_000)]
    pub min_bytes: u64,
    /// Accumulating groups with fewer new objects than this are dropped.
    #[arg(long, default_value_t = 50)]
    pub min_count: u64,
}

/// What the inputs name.
#[derive(Default)]
struct Sorted {
    snapshots: Vec<String>,
    timeline: Option<PathBuf>,
    /// A hunt folder's `hunt.json`, `leaks.json`, `load.json`.
    hunt: Option<PathBuf>,
    leaks: Option<PathBuf>,
    load: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<Rendered, CliError> {
    refuse_overwrite(&args.output, args.force)?;
    let sorted = sort_inputs(&args.inputs)?;
    if sorted.snapshots.is_empty() {
        return Err(CliError("report: no snapshot among the inputs (give a hunt folder, a capture folder or .heapsnapshot files)".into()));
    }
    // The small files first: a broken one is reported before the long part.
    let hunt = sorted.hunt.as_deref().map(read_json).transpose()?;
    let timeline = sorted.timeline.as_deref().map(read_timeline).transpose()?;
    let load = sorted.load.as_deref().map(read_json).transpose()?;
    let recorded_leaks = sorted.leaks.as_deref().map(read_json).transpose()?;
    use crate::commands::leaks::{load_all, Earlier};
    let earlier = match recorded_leaks {
        Some(_) => Earlier::Shown,
        None => Earlier::Full,
    };
    let mut series = load_all(&sorted.snapshots, earlier)?;
    let analyses = series.analyses.clone();
    let leaks = match recorded_leaks {
        Some(found) => Some(found),
        None if analyses.len() >= 2 => {
            let options = LeakOptions {
                min_bytes: args.min_bytes,
                min_count: args.min_count,
            };
            let report = series.find(&sorted.snapshots, &options)?;
            Some(serde_json::to_value(report)?)
        }
        None => None,
    };
    let inputs = ReportInputs {
        title: args
            .title
            .clone()
            .unwrap_or_else(|| default_title(&args.inputs)),
        inputs: args.inputs.clone(),
        leaks,
        hunt,
        timeline,
        load,
        redaction: Redaction::from_flag(args.redact_strings),
        version: env!("HEAPSCOPE_VERSION").to_string(),
    };
    let bytes = write(&args.output, inputs, &analyses, &sorted.snapshots)?;
    eprintln!(
        "report: wrote {} ({})",
        args.output.display(),
        heapscope_report::human_bytes(bytes as f64)
    );
    Ok(Rendered {
        stdout: String::new(),
        code: 0,
    })
}

/// Builds and writes the page; returns its size.
pub fn write(
    path: &Path,
    inputs: ReportInputs,
    analyses: &[&'static Analysis],
    files: &[String],
) -> Result<usize, CliError> {
    let names: Vec<String> = files.iter().map(|f| file_name(f)).collect();
    let pairs: Vec<(&str, &Analysis)> = names
        .iter()
        .map(String::as_str)
        .zip(analyses.iter().copied())
        .collect();
    let html = render_html(&ReportData::build(inputs, &pairs))?;
    write_atomically(path, html.as_bytes())?;
    Ok(html.len())
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

fn default_title(inputs: &[String]) -> String {
    match inputs {
        [one] => format!("heapscope report: {}", file_name(one)),
        _ => format!("heapscope report: {} inputs", inputs.len()),
    }
}

/// An existing non-empty output is kept unless `--force`.
pub fn refuse_overwrite(path: &Path, force: bool) -> Result<(), CliError> {
    crate::output::refuse_overwrite(path, force, "--force")
}

/// Sorts the inputs into snapshots, a timeline and a hunt folder's files.
fn sort_inputs(inputs: &[String]) -> Result<Sorted, CliError> {
    let mut sorted = Sorted::default();
    for input in inputs {
        let path = Path::new(input);
        if path.is_dir() {
            let found = |name: &str| Some(path.join(name)).filter(|p| p.is_file());
            sorted.snapshots.extend(files_in(path)?);
            sorted.hunt = found("hunt.json").or(sorted.hunt);
            sorted.leaks = found("leaks.json").or(sorted.leaks);
            sorted.load = found("load.json").or(sorted.load);
            sorted.timeline = found("timeline.json").or(sorted.timeline);
        } else if !path.exists() {
            return Err(CliError(format!("{input}: no such file or folder")));
        } else if input.ends_with(".csv")
            || (input.ends_with(".json") && !input.contains(".heapsnapshot"))
        {
            sorted.timeline = Some(path.to_path_buf());
        } else {
            sorted.snapshots.push(input.clone());
        }
    }
    Ok(sorted)
}

fn read_json(path: &Path) -> Result<Value, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| CliError(format!("{}: not JSON: {e}", path.display())))
}

/// A timeline as `{samples, verdict, events}`: a `timeline.json` as written,
/// or a CSV (`watch -o timeline.csv`), whose verdict is computed here.
fn read_timeline(path: &Path) -> Result<Value, CliError> {
    if path.extension().is_some_and(|e| e == "csv") {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError(format!("cannot read {}: {e}", path.display())))?;
        let samples = parse_csv(&text).map_err(|e| CliError(format!("{}: {e}", path.display())))?;
        let verdict = verdict(&samples);
        return Ok(serde_json::json!({ "samples": samples, "verdict": verdict, "events": [] }));
    }
    let doc = read_json(path)?;
    match doc["format"].as_str() {
        Some("heapscope-timeline") => Ok(doc),
        _ => Err(CliError(format!(
            "{}: not a heapscope timeline (watch -o timeline.csv|.json writes one)",
            path.display()
        ))),
    }
}
