//! `heapscope stats`: DevTools' Statistics view.

use crate::load;
use crate::output::{emit, PrintMode, Rendered, View};
use crate::CliError;
use heapscope_analysis::statistics::Statistics;
use heapscope_report::{human_bytes, percent, Align, Table};
use serde::Serialize;

#[derive(clap::Args)]
pub struct Args {
    /// Snapshot file (.heapsnapshot, .gz, .zst) or - for stdin.
    pub file: String,
    /// Print JSON with the DevTools oracle's `statistics` field names.
    #[arg(long)]
    pub json: bool,
}

/// The statistics; in JSON exactly the oracle's object.
#[derive(Serialize)]
#[serde(transparent)]
struct Output {
    #[serde(skip)]
    file: String,
    stats: Statistics,
}

pub fn run(args: Args) -> Result<Rendered, CliError> {
    let analysis = load::analyze(&args.file)?;
    let out = Output {
        stats: analysis.statistics(),
        file: args.file,
    };
    emit(&out, PrintMode::from_json_flag(args.json))
}

impl View for Output {
    fn text(&self) -> String {
        let stats = &self.stats;
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
        format!("{}: heap statistics\n\n{}", self.file, table.render())
    }
}
