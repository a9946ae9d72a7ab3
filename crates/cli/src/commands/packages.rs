//! `heapscope packages`: memory by npm package (rule in README.md).

use crate::output::{emit, no_match_line, PrintMode, Rendered, View};
use crate::CliError;
use crate::{cache, load};
use heapscope_analysis::cache::AnswerKind;
use heapscope_analysis::packages::PackageRow;
use heapscope_report::{human_bytes, percent, thousands, Align, Table};
use serde::{Deserialize, Serialize};

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
    #[serde(skip)]
    file: String,
    /// The `--filter` pattern when it matches no object.
    #[serde(skip)]
    unmatched_filter: Option<String>,
    /// Packages left out by the limit.
    #[serde(skip)]
    more: usize,
    #[serde(serialize_with = "heapscope_analysis::json::js_number")]
    total_size: f64,
    packages: Vec<PackageRow>,
}

pub fn run(args: Args) -> Result<Rendered, CliError> {
    let mode = PrintMode::from_json_flag(args.json);
    let filter = load::filter_regex(args.filter.as_deref())?;
    let (total_size, mut packages) = match &filter {
        None => remembered_packages(&args.file)?,
        Some(re) => {
            let analysis = load::analyze_for_queries(&args.file)?;
            let packages = analysis.packages(|class| re.is_match(class));
            (analysis.total_size(), packages)
        }
    };
    let unmatched_filter = args.filter.filter(|_| packages.is_empty());
    let shown = args
        .limit
        .unwrap_or(if mode.is_json() { usize::MAX } else { 25 });
    let more = packages.len().saturating_sub(shown);
    packages.truncate(shown);
    let out = Output {
        file: args.file,
        unmatched_filter,
        more,
        total_size,
        packages,
    };
    emit(&out, mode)
}

/// The unfiltered packages, as the analysis cache remembers them (the total
/// size as its bits, so that it reads back exactly).
#[derive(Serialize, Deserialize)]
struct Remembered {
    total_size_bits: u64,
    packages: Vec<PackageRow>,
}

fn remembered_packages(file: &str) -> Result<(f64, Vec<PackageRow>), CliError> {
    let r = cache::remembered(file, AnswerKind::Packages, || {
        let analysis = load::analyze_for_queries(file)?;
        Ok(Remembered {
            total_size_bits: analysis.total_size().to_bits(),
            packages: analysis.packages(|_| true),
        })
    })?;
    Ok((f64::from_bits(r.total_size_bits), r.packages))
}

impl View for Output {
    fn text(&self) -> String {
        if let Some(filter) = &self.unmatched_filter {
            return no_match_line(&self.file, "--filter", filter);
        }
        let mut t = Table::new(&[
            ("Package", Align::Left),
            ("Size", Align::Right),
            ("", Align::Right),
            ("Objects", Align::Right),
            ("Largest classes", Align::Left),
        ])
        .max_width(70);
        for p in &self.packages {
            let classes: Vec<String> = p
                .top_classes
                .iter()
                .take(3)
                .map(|c| format!("{} {}", c.name, human_bytes(c.size as f64)))
                .collect();
            t.row(vec![
                p.name.clone(),
                human_bytes(p.retained_size as f64),
                percent(p.retained_size as f64, self.total_size),
                thousands(p.count),
                classes.join(", "),
            ]);
        }
        let mut s = format!("{}: memory by npm package\n\n{}", self.file, t.render());
        if self.more > 0 {
            s.push_str(&format!("… {} more packages\n", self.more));
        }
        s
    }
}
