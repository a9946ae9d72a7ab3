//! Shared pieces of the text and JSON output of the investigation commands.

use crate::CliError;
use heapscope_analysis::inspect::NodeBrief;
use heapscope_analysis::paths::RetainerPath;
use heapscope_analysis::Analysis;
use heapscope_report::human_bytes;
use serde::Serialize;

/// Parses `@123` or `123`.
pub fn parse_id(text: &str) -> Result<u32, CliError> {
    text.trim_start_matches('@')
        .parse::<u32>()
        .map_err(|_| CliError(format!("expected an object id like @123, got {text:?}")))
}

/// Finds the node with this id or fails with a one-line error.
pub fn node_of(analysis: &Analysis, id: u32, file: &str) -> Result<u32, CliError> {
    analysis
        .node_by_id(id)
        .ok_or_else(|| CliError(format!("{file}: no object with id @{id} in this snapshot")))
}

/// `Name @id` as DevTools labels an object.
pub fn label(b: &NodeBrief) -> String {
    let name = if b.name.is_empty() {
        format!("({})", b.node_type)
    } else {
        b.name.clone()
    };
    let name: String = if name.chars().count() > 60 {
        name.chars().take(59).chain(std::iter::once('…')).collect()
    } else {
        name
    };
    let name = name.replace(['\n', '\r', '\t'], " ");
    if b.node_type == "string"
        || b.node_type == "concatenated string"
        || b.node_type == "sliced string"
    {
        format!("\"{name}\" @{}", b.id)
    } else if b.node_type == "closure" {
        format!("{name}() @{}", b.id)
    } else if b.name == b.class_name || b.class_name.starts_with('(') || b.class_name == "Function"
    {
        format!("{name} @{}", b.id)
    } else {
        format!("{} {name} @{}", b.class_name, b.id)
    }
}

pub fn distance(d: i32) -> String {
    if !(0..100_000_000).contains(&d) {
        "-".to_string()
    } else {
        d.to_string()
    }
}

/// One step of a path in JSON: the edge into `node` (none for the first).
#[derive(Serialize)]
pub struct PathStep {
    pub edge_type: Option<String>,
    pub edge_name: Option<String>,
    pub label: Option<String>,
    pub node: NodeBrief,
}

pub fn path_steps(analysis: &Analysis, path: &RetainerPath) -> Vec<PathStep> {
    let mut steps = Vec::new();
    if let Some(first) = path.edges.first() {
        steps.push(PathStep {
            edge_type: None,
            edge_name: None,
            label: None,
            node: analysis.brief(first.source),
        });
    }
    for e in &path.edges {
        steps.push(PathStep {
            edge_type: Some(analysis.edge_type_name(e.edge).to_string()),
            edge_name: Some(analysis.snap.edge_name(e.edge).into_owned()),
            label: Some(analysis.edge_label(e.edge)),
            node: analysis.brief(e.target),
        });
    }
    steps
}

/// `(root) --[1]--> (GC roots) --{x}--> Foo @12`, one path per line-group.
pub fn path_text(steps: &[PathStep]) -> String {
    let mut out = String::new();
    for (i, s) in steps.iter().enumerate() {
        if i == 0 {
            out.push_str(
                if s.node.node_type == "synthetic" && s.node.name.is_empty() {
                    "(root)"
                } else {
                    ""
                },
            );
            if !(s.node.node_type == "synthetic" && s.node.name.is_empty()) {
                out.push_str(&label(&s.node));
            }
        } else if repeats_previous(steps, i) && repeats_previous(steps, i + 1) {
            // The middle of a chain of like links (a timer list's `_idleNext`):
            // shown once, with how many it stands for.
            if !repeats_previous(steps, i - 1) {
                let run = (i..steps.len())
                    .take_while(|&j| repeats_previous(steps, j))
                    .count();
                out.push_str(&format!(
                    "\n      --{}--> … {} more {} …",
                    s.label.as_deref().unwrap_or(""),
                    run - 1,
                    s.node.class_name
                ));
            }
        } else {
            out.push_str(&format!(
                "\n      --{}--> {}",
                s.label.as_deref().unwrap_or(""),
                label(&s.node)
            ));
        }
    }
    out
}

/// Whether step `i` takes the same edge to the same class as step `i - 1`.
fn repeats_previous(steps: &[PathStep], i: usize) -> bool {
    i >= 2
        && i < steps.len()
        && steps[i].label == steps[i - 1].label
        && steps[i].node.class_name == steps[i - 1].node.class_name
}

pub fn size_pair(b: &NodeBrief) -> String {
    format!(
        "self {}, retained {}",
        human_bytes(b.self_size as f64),
        human_bytes(b.retained_size as f64)
    )
}
