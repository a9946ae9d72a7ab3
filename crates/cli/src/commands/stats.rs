//! `heapscope stats`: DevTools' Statistics view.

use crate::load;
use crate::CliError;
use heapscope_report::{human_bytes, percent, Align, Table};

#[derive(clap::Args)]
pub struct Args {
    /// Snapshot file (.heapsnapshot, .gz, .zst) or - for stdin.
    pub file: String,
    /// Print JSON with the DevTools oracle's `statistics` field names.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<String, CliError> {
    let analysis = load::analyze(&args.file)?;
    let stats = analysis.statistics();
    if args.json {
        return Ok(serde_json::to_string_pretty(&stats)? + "\n");
    }
    let total = stats.total;
    let mut table = Table::new(&[
        ("Kind", Align::Left),
        ("Size", Align::Right),
        ("Share", Align::Right),
    ]);
    let rows: [(&str, f64); 7] = [
        ("Code", stats.code as f64),
        ("Strings", stats.strings as f64),
        ("JS arrays", stats.js_arrays as f64),
        ("Typed arrays", stats.typed_arrays as f64),
        ("System objects", stats.system_objects as f64),
        ("Other JS objects", stats.other_js_objects),
        ("Other non-JS objects", stats.other_non_js_objects),
    ];
    for (name, v) in rows {
        table.row(vec![name.to_string(), human_bytes(v), percent(v, total)]);
    }
    table.row(vec![
        "Total".to_string(),
        human_bytes(total),
        percent(total, total),
    ]);
    Ok(format!(
        "{}: heap statistics\n\n{}",
        args.file,
        table.render()
    ))
}
