//! `heapscope summary`: DevTools' Summary view as a table or JSON.

use crate::load;
use crate::output::{emit, no_match_line, PrintMode, Rendered, View};
use crate::CliError;
use heapscope_analysis::summary::ClassRow;
use heapscope_report::{human_bytes, percent, thousands, Align, Table};
use serde::Serialize;

#[derive(clap::Args)]
pub struct Args {
    /// Snapshot file (.heapsnapshot, .gz, .zst) or - for stdin.
    pub file: String,
    /// Print JSON (the DevTools oracle's `summary` fields plus node/edge counts).
    #[arg(long)]
    pub json: bool,
    /// Only classes whose name matches this regular expression.
    #[arg(long)]
    pub filter: Option<String>,
    /// Sort order.
    #[arg(long, value_enum, default_value_t = SortBy::Retained)]
    pub sort: SortBy,
    /// Show at most N classes (default: 40 in the table, all in JSON).
    #[arg(long)]
    pub limit: Option<usize>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SortBy {
    Retained,
    #[value(name = "self")]
    SelfSize,
    Count,
}

#[derive(Serialize)]
struct Output {
    #[serde(skip)]
    file: String,
    /// The `--filter` pattern, when given.
    #[serde(skip)]
    filter: Option<String>,
    node_count: usize,
    edge_count: usize,
    #[serde(serialize_with = "heapscope_analysis::json::js_number")]
    total_size: f64,
    total_count: u64,
    total_self_size: u64,
    class_count: usize,
    classes: Vec<ClassRow>,
}

pub fn run(args: Args) -> Result<Rendered, CliError> {
    let mode = PrintMode::from_json_flag(args.json);
    let filter = load::filter_regex(args.filter.as_deref())?;
    let analysis = load::analyze_for_class_table(&args.file)?;
    let mut t = heapscope_analysis::timing::Phases::from_env();
    let mut classes = analysis.summary().classes;
    t.lap("summary rows");
    if let Some(re) = &filter {
        classes.retain(|c| re.is_match(&c.name));
    }
    match args.sort {
        SortBy::Retained => {}
        SortBy::SelfSize => classes.sort_by_key(|c| std::cmp::Reverse(c.self_size)),
        SortBy::Count => classes.sort_by_key(|c| std::cmp::Reverse(c.count)),
    }
    let total_count = classes.iter().map(|c| c.count).sum();
    let total_self_size = classes.iter().map(|c| c.self_size).sum();
    let class_count = classes.len();
    let limit = args
        .limit
        .unwrap_or(if mode.is_json() { usize::MAX } else { 40 });
    classes.truncate(limit);
    let out = Output {
        file: args.file.clone(),
        filter: args.filter.clone(),
        node_count: analysis.snap.node_count(),
        edge_count: analysis.snap.edge_count(),
        total_size: analysis.total_size(),
        total_count,
        total_self_size,
        class_count,
        classes,
    };
    let rendered = emit(&out, mode)?;
    t.lap(if mode.is_json() { "json" } else { "text" });
    Ok(rendered)
}

fn distance(d: i32) -> String {
    if !(0..100_000_000).contains(&d) {
        "-".to_string()
    } else {
        d.to_string()
    }
}

impl View for Output {
    fn text(&self) -> String {
        render(self)
    }
}

fn render(out: &Output) -> String {
    let file = &out.file;
    if let (Some(filter), 0) = (&out.filter, out.class_count) {
        return no_match_line(file, "--filter", filter);
    }
    let total = out.total_size;
    let mut table = Table::new(&[
        ("Constructor", Align::Left),
        ("Distance", Align::Right),
        ("Count", Align::Right),
        ("Shallow", Align::Right),
        ("", Align::Right),
        ("Retained", Align::Right),
        ("", Align::Right),
    ])
    .max_width(70);
    for c in &out.classes {
        table.row(vec![
            c.name.clone(),
            distance(c.distance),
            thousands(c.count),
            human_bytes(c.self_size as f64),
            percent(c.self_size as f64, total),
            human_bytes(c.retained_size as f64),
            percent(c.retained_size as f64, total),
        ]);
    }
    let mut s = format!(
        "{file}: {} total, {} nodes, {} edges; {} objects in {} classes ({} shallow)\n\n",
        human_bytes(total),
        thousands(out.node_count as u64),
        thousands(out.edge_count as u64),
        thousands(out.total_count),
        thousands(out.class_count as u64),
        human_bytes(out.total_self_size as f64),
    );
    s.push_str(&table.render());
    if out.classes.len() < out.class_count {
        s.push_str(&format!(
            "… {} more classes (use --limit N or --json)\n",
            out.class_count - out.classes.len()
        ));
    }
    s
}
