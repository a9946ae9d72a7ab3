//! `heapscope top`: the largest objects by retained size.

use crate::load;
use crate::output::{emit, no_match_line, PrintMode, Rendered, View};
use crate::CliError;
use heapscope_analysis::top::TopObject;
use heapscope_report::{human_bytes, percent, Align, Table};
use serde::Serialize;

#[derive(clap::Args)]
pub struct Args {
    /// Snapshot file (.heapsnapshot, .gz, .zst) or - for stdin.
    pub file: String,
    /// How many objects to list.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Only objects whose class name matches this regular expression.
    #[arg(long)]
    pub filter: Option<String>,
    /// Print JSON (fields as the DevTools oracle's `top_retained`).
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
    #[serde(serialize_with = "heapscope_analysis::json::js_number")]
    total_size: f64,
    top_retained: Vec<TopObject>,
}

pub fn run(args: Args) -> Result<Rendered, CliError> {
    let filter = load::filter_regex(args.filter.as_deref())?;
    let analysis = load::analyze(&args.file)?;
    let snap = &analysis.snap;
    let nodes = analysis.top_nodes(args.limit, |v| match &filter {
        Some(re) => re.is_match(snap.strings.get(analysis.class_name[v as usize])),
        None => true,
    });
    let unmatched_filter = args.filter.filter(|_| nodes.is_empty() && args.limit > 0);
    let out = Output {
        file: args.file,
        unmatched_filter,
        total_size: analysis.total_size(),
        top_retained: nodes.into_iter().map(|v| analysis.top_object(v)).collect(),
    };
    emit(&out, PrintMode::from_json_flag(args.json))
}

impl View for Output {
    fn text(&self) -> String {
        if let Some(filter) = &self.unmatched_filter {
            return no_match_line(&self.file, "--filter", filter);
        }
        let mut table = Table::new(&[
            ("Object", Align::Left),
            ("Class", Align::Left),
            ("Shallow", Align::Right),
            ("Retained", Align::Right),
            ("", Align::Right),
            ("Dominator", Align::Left),
        ])
        .max_width(80);
        for o in &self.top_retained {
            let n = &o.node;
            table.row(vec![
                super::render::label(n),
                n.class_name.clone(),
                human_bytes(n.self_size as f64),
                human_bytes(n.retained_size as f64),
                percent(n.retained_size as f64, self.total_size),
                format!("@{}", o.dominator_id),
            ]);
        }
        format!(
            "{}: {} largest objects by retained size (of {})\n\n{}",
            self.file,
            self.top_retained.len(),
            human_bytes(self.total_size),
            table.render()
        )
    }
}
