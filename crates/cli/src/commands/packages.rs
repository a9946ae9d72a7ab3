//! `heapscope packages`: memory by npm package (rule in README.md).

use crate::load;
use crate::CliError;
use heapscope_analysis::packages::PackageRow;
use heapscope_report::{human_bytes, percent, thousands, Align, Table};
use serde::Serialize;

#[derive(clap::Args)]
pub struct Args {
    /// Snapshot file (.heapsnapshot, .gz, .zst) or - for stdin.
    pub file: String,
    /// Count only objects whose class name matches this regular expression.
    #[arg(long)]
    pub filter: Option<String>,
    /// Packages to show (default: 25 in the table, all in JSON).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Output {
    #[serde(serialize_with = "heapscope_analysis::json::js_number")]
    total_size: f64,
    packages: Vec<PackageRow>,
}

pub fn run(args: Args) -> Result<String, CliError> {
    let filter = load::filter_regex(args.filter.as_deref())?;
    let analysis = load::analyze_for_queries(&args.file)?;
    let mut packages =
        analysis.packages(|class| filter.as_ref().is_none_or(|re| re.is_match(class)));
    let shown = args
        .limit
        .unwrap_or(if args.json { usize::MAX } else { 25 });
    let more = packages.len().saturating_sub(shown);
    packages.truncate(shown);
    let out = Output {
        total_size: analysis.total_size(),
        packages,
    };
    if args.json {
        return Ok(serde_json::to_string_pretty(&out)? + "\n");
    }
    let mut t = Table::new(&[
        ("Package", Align::Left),
        ("Size", Align::Right),
        ("", Align::Right),
        ("Objects", Align::Right),
        ("Largest classes", Align::Left),
    ])
    .max_width(70);
    for p in &out.packages {
        let classes: Vec<String> = p
            .top_classes
            .iter()
            .take(3)
            .map(|c| format!("{} {}", c.name, human_bytes(c.size as f64)))
            .collect();
        t.row(vec![
            p.name.clone(),
            human_bytes(p.retained_size as f64),
            percent(p.retained_size as f64, out.total_size),
            thousands(p.count),
            classes.join(", "),
        ]);
    }
    let mut s = format!("{}: memory by npm package\n\n{}", args.file, t.render());
    if more > 0 {
        s.push_str(&format!("… {more} more packages\n"));
    }
    Ok(s)
}
