//! `heapscope dominators`: the dominator tree as an indented text tree.

use super::render;
use crate::load;
use crate::output::{emit, PrintMode, Rendered, View};
use crate::CliError;
use heapscope_analysis::inspect::DominatorNode;
use heapscope_report::{human_bytes, percent, thousands};
use serde::Serialize;

#[derive(clap::Args)]
pub struct Args {
    /// Snapshot file (.heapsnapshot, .gz, .zst) or - for stdin.
    pub file: String,
    /// Start at this object (@ID) instead of the root.
    pub id: Option<String>,
    /// Levels to expand.
    #[arg(long, default_value_t = 4)]
    pub depth: usize,
    /// Leave out subtrees retaining less than this many bytes [default: 0.1% of the heap in the tree, 0 in JSON].
    #[arg(long, value_name = "BYTES")]
    pub min_size: Option<u64>,
    /// Children to show per object.
    #[arg(long, default_value_t = 10)]
    pub children: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The subtree; in JSON exactly [`DominatorNode`].
#[derive(Serialize)]
#[serde(transparent)]
struct Output {
    root: DominatorNode,
    /// The heap's total size, for each node's share.
    #[serde(skip)]
    total_size: f64,
}

pub fn run(args: Args) -> Result<Rendered, CliError> {
    let mode = PrintMode::from_json_flag(args.json);
    let id = args.id.as_deref().map(render::parse_id).transpose()?;
    let analysis = load::analyze(&args.file)?;
    let start = match id {
        Some(id) => render::node_of(analysis, id, &args.file)?,
        None => analysis.snap.root,
    };
    let min_size = args.min_size.unwrap_or(match mode {
        // A readable default: nothing under 0.1% of the heap.
        PrintMode::Text => (analysis.total_size() / 1000.0) as u64,
        PrintMode::Json => 0,
    });
    let out = Output {
        root: analysis.dominator_subtree(start, args.depth, min_size, args.children),
        total_size: analysis.total_size(),
    };
    emit(&out, mode)
}

impl View for Output {
    fn text(&self) -> String {
        let mut s = String::new();
        write(&self.root, "", true, true, self.total_size, &mut s);
        s
    }
}

fn write(n: &DominatorNode, prefix: &str, last: bool, top: bool, total: f64, out: &mut String) {
    let name = if n.node.node_type == "synthetic" && n.node.name.is_empty() {
        "(root)".to_string()
    } else {
        render::label(&n.node)
    };
    let line = format!(
        "{}  {} ({})",
        name,
        human_bytes(n.node.retained_size as f64),
        percent(n.node.retained_size as f64, total)
    );
    if top {
        out.push_str(&line);
    } else {
        out.push_str(&format!(
            "{prefix}{}{line}",
            if last { "└─ " } else { "├─ " }
        ));
    }
    out.push('\n');
    let child_prefix = if top {
        String::new()
    } else {
        format!("{prefix}{}", if last { "   " } else { "│  " })
    };
    let count = n.children.len();
    for (i, c) in n.children.iter().enumerate() {
        write(
            c,
            &child_prefix,
            i + 1 == count && n.omitted_children == 0,
            false,
            total,
            out,
        );
    }
    if n.omitted_children > 0 {
        out.push_str(&format!(
            "{child_prefix}└─ … {} more ({})\n",
            thousands(n.omitted_children as u64),
            human_bytes(n.omitted_size as f64)
        ));
    }
}
