//! `heapscope retainers`: who keeps an object (or a class's objects) alive.

use super::render::{self, PathStep};
use crate::load;
use crate::output::{emit, no_match_line, PrintMode, Rendered, View};
use crate::CliError;
use heapscope_analysis::inspect::{EdgeBrief, NodeBrief};
use heapscope_analysis::Analysis;
use heapscope_report::{human_bytes, thousands, Align, Table};
use serde::Serialize;

#[derive(clap::Args)]
pub struct Args {
    /// Snapshot file (.heapsnapshot, .gz, .zst) or - for stdin.
    pub file: String,
    /// The object, as @ID.
    pub id: Option<String>,
    /// Objects of the classes whose name matches this regular expression.
    #[arg(long, alias = "filter", value_name = "REGEX")]
    pub class: Option<String>,
    /// Retaining paths to show per object.
    #[arg(long, default_value_t = 3)]
    pub paths: usize,
    /// Longest path to follow, in edges.
    #[arg(long, default_value_t = 40)]
    pub max_depth: usize,
    /// Largest instances to show in class mode.
    #[arg(long, default_value_t = 5)]
    pub instances: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct ObjectRetainers {
    target: NodeBrief,
    retainers_total: usize,
    retainers: Vec<EdgeBrief>,
    paths: Vec<Vec<PathStep>>,
}

#[derive(Serialize)]
struct PathGroupOut {
    count: u64,
    retained_size: u64,
    sample_id: u32,
    shape: Vec<String>,
    path: Vec<PathStep>,
}

#[derive(Serialize)]
struct ClassRetainers {
    #[serde(skip)]
    file: String,
    class_regex: String,
    classes: Vec<String>,
    count: usize,
    retained_size: u64,
    instances: Vec<ObjectRetainers>,
    path_groups: Vec<PathGroupOut>,
    instances_not_grouped: usize,
}

const RETAINERS_SHOWN: usize = 20;

fn object(analysis: &Analysis, v: u32, paths: usize, max_depth: usize) -> ObjectRetainers {
    let view = analysis.retainers_view(v);
    ObjectRetainers {
        target: analysis.brief(v),
        retainers_total: view.len(),
        retainers: view
            .iter()
            .take(RETAINERS_SHOWN)
            .map(|e| EdgeBrief {
                edge_type: analysis.edge_type_name(e.edge).to_string(),
                edge_name: analysis.snap.edge_name(e.edge).into_owned(),
                label: analysis.edge_label(e.edge),
                node: analysis.brief(e.source),
            })
            .collect(),
        paths: analysis
            .retaining_paths(v, paths, max_depth)
            .iter()
            .map(|p| render::path_steps(analysis, p))
            .collect(),
    }
}

pub fn run(args: Args) -> Result<Rendered, CliError> {
    let mode = PrintMode::from_json_flag(args.json);
    let class_re = load::option_regex(args.class.as_deref(), "--class")?;
    let id = args.id.as_deref().map(render::parse_id).transpose()?;
    if id.is_none() && class_re.is_none() {
        return Err(CliError(
            "retainers needs an object @ID or --class REGEX".into(),
        ));
    }
    let analysis = load::analyze_for_queries(&args.file)?;
    if let Some(id) = id {
        let v = render::node_of(analysis, id, &args.file)?;
        return emit(&object(analysis, v, args.paths, args.max_depth), mode);
    }
    let re = class_re.expect("checked");
    let found =
        analysis.class_retainers(|class| re.is_match(class), args.instances, args.max_depth);
    let out = ClassRetainers {
        file: args.file,
        class_regex: re.as_str().to_string(),
        classes: found.classes,
        count: found.count,
        retained_size: found.retained_size,
        instances: found
            .largest
            .iter()
            .map(|&v| object(analysis, v, args.paths.min(1), args.max_depth))
            .collect(),
        path_groups: found
            .path_groups
            .iter()
            .map(|g| PathGroupOut {
                count: g.count,
                retained_size: g.retained_size,
                sample_id: analysis.snap.nodes.id[g.sample as usize],
                shape: g.shape.clone(),
                path: g
                    .path
                    .as_ref()
                    .map(|p| render::path_steps(analysis, p))
                    .unwrap_or_default(),
            })
            .collect(),
        instances_not_grouped: found.instances_not_grouped,
    };
    emit(&out, mode)
}

impl View for ObjectRetainers {
    fn text(&self) -> String {
        object_text(self)
    }
}

impl View for ClassRetainers {
    fn text(&self) -> String {
        class_text(self)
    }
}

fn class_text(out: &ClassRetainers) -> String {
    if out.count == 0 {
        return no_match_line(&out.file, "--class", &out.class_regex);
    }
    let mut s = format!(
        "{} objects of {} ({} retained)\n\nRetaining paths grouped by shape:\n",
        thousands(out.count as u64),
        out.classes.join(", "),
        human_bytes(out.retained_size as f64)
    );
    for g in &out.path_groups {
        s.push_str(&format!(
            "\n  {} × {} (sample @{}) via\n      {}\n",
            thousands(g.count),
            human_bytes(g.retained_size as f64),
            g.sample_id,
            render::path_text(&g.path)
        ));
    }
    if out.instances_not_grouped > 0 {
        s.push_str(&format!(
            "\n  ({} smaller objects not grouped)\n",
            thousands(out.instances_not_grouped as u64)
        ));
    }
    s.push_str("\nLargest objects:\n");
    for o in &out.instances {
        s.push('\n');
        s.push_str(&object_text(o));
    }
    s
}

fn object_text(o: &ObjectRetainers) -> String {
    let mut s = format!(
        "{} ({}, distance {})\n\n",
        render::label(&o.target),
        render::size_pair(&o.target),
        render::distance(o.target.distance)
    );
    let mut table = Table::new(&[
        ("Edge", Align::Left),
        ("Type", Align::Left),
        ("Retainer", Align::Left),
        ("Distance", Align::Right),
        ("Retained", Align::Right),
    ])
    .max_width(60);
    for r in &o.retainers {
        table.row(vec![
            r.label.clone(),
            r.edge_type.clone(),
            render::label(&r.node),
            render::distance(r.node.distance),
            human_bytes(r.node.retained_size as f64),
        ]);
    }
    s.push_str(&table.render());
    if o.retainers_total > o.retainers.len() {
        s.push_str(&format!(
            "… {} more retainers\n",
            o.retainers_total - o.retainers.len()
        ));
    }
    if o.paths.is_empty() {
        s.push_str("\nNo retaining path from the roots (unreachable or only weakly held).\n");
    }
    for (i, p) in o.paths.iter().enumerate() {
        s.push_str(&format!("\nPath {}: {}\n", i + 1, render::path_text(p)));
    }
    s
}
