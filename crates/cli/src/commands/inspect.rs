//! `heapscope inspect`: everything about one object.

use super::render;
use crate::load;
use crate::output::{emit, PrintMode, Rendered, View};
use crate::CliError;
use heapscope_analysis::inspect::{EdgeBrief, NodeDetails};
use heapscope_report::{human_bytes, Align, Table};
use serde::Serialize;

#[derive(clap::Args)]
pub struct Args {
    /// Snapshot file (.heapsnapshot, .gz, .zst) or - for stdin.
    pub file: String,
    /// The object, as @ID.
    pub id: String,
    /// Edges to list in each direction.
    #[arg(long, default_value_t = 25)]
    pub edges: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The object's details; in JSON exactly [`NodeDetails`].
#[derive(Serialize)]
#[serde(transparent)]
struct Output {
    details: NodeDetails,
    /// The heap's total size, for the object's share.
    #[serde(skip)]
    total_size: f64,
}

pub fn run(args: Args) -> Result<Rendered, CliError> {
    let id = render::parse_id(&args.id)?;
    let analysis = load::analyze_for_queries(&args.file)?;
    let v = render::node_of(analysis, id, &args.file)?;
    let out = Output {
        details: analysis.details(v, args.edges, 300),
        total_size: analysis.total_size(),
    };
    emit(&out, PrintMode::from_json_flag(args.json))
}

impl View for Output {
    fn text(&self) -> String {
        text(&self.details, self.total_size)
    }
}

fn text(d: &NodeDetails, total: f64) -> String {
    let n = &d.node;
    let mut s = format!(
        "{}\n  type {}, class {}\n  {} ({:.2}% of the heap), distance {}\n",
        render::label(n),
        n.node_type,
        n.class_name,
        render::size_pair(n),
        n.retained_size as f64 * 100.0 / total.max(1.0),
        render::distance(n.distance)
    );
    if d.detachedness == 2 {
        s.push_str("  detached\n");
    }
    if let Some(l) = &d.location {
        let original = l
            .original
            .as_ref()
            .map(|o| format!(" ({}:{}:{})", o.file, o.line, o.column))
            .unwrap_or_default();
        s.push_str(&format!(
            "  defined at {}:{}:{}{original}\n",
            l.script
                .clone()
                .unwrap_or_else(|| format!("script {}", l.script_id)),
            l.line,
            l.column
        ));
    }
    if let Some(sv) = &d.string_value {
        s.push_str(&format!(
            "  string of length {}: {:?}{}\n",
            sv.length,
            sv.value,
            if sv.shown_truncated { " …" } else { "" }
        ));
    }
    s.push_str("\nDominator chain (who must go for it to be freed):\n");
    for b in &d.dominator_chain {
        s.push_str(&format!(
            "  {}  ({})\n",
            render::label(b),
            human_bytes(b.retained_size as f64)
        ));
    }
    let edges = |title: &str, list: &[EdgeBrief], total: usize, s: &mut String| {
        s.push_str(&format!("\n{title} ({total}):\n"));
        let mut t = Table::new(&[
            ("Edge", Align::Left),
            ("Type", Align::Left),
            ("Object", Align::Left),
            ("Retained", Align::Right),
        ])
        .max_width(60);
        for e in list {
            t.row(vec![
                e.label.clone(),
                e.edge_type.clone(),
                render::label(&e.node),
                human_bytes(e.node.retained_size as f64),
            ]);
        }
        s.push_str(&t.render());
        if total > list.len() {
            s.push_str(&format!("… {} more\n", total - list.len()));
        }
    };
    edges(
        "References (largest first)",
        &d.outgoing,
        d.outgoing_total,
        &mut s,
    );
    edges("Retainers", &d.incoming, d.incoming_total, &mut s);
    s
}
