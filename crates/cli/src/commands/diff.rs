//! `heapscope diff`: DevTools' Comparison view between two snapshots.

use crate::load;
use crate::output::{emit, no_match_line, PrintMode, Rendered, View};
use crate::CliError;
use heapscope_analysis::diff::{compare, DiffRow, DiffTotals};
use heapscope_report::{human_bytes, thousands, Align, Table};
use serde::Serialize;

#[derive(clap::Args)]
pub struct Args {
    /// The earlier snapshot.
    pub base: String,
    /// The later snapshot.
    pub later: String,
    /// Only classes whose name matches this regular expression.
    #[arg(long)]
    pub filter: Option<String>,
    /// Sort order.
    #[arg(long, value_enum, default_value_t = SortBy::SizeDelta)]
    pub sort: SortBy,
    /// Show at most N classes (default: 40 in the table, all in JSON).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Print JSON with the DevTools oracle's `comparison` field names.
    #[arg(long)]
    pub json: bool,
    /// Compare even when the snapshots number their objects differently (the figures are then meaningless).
    #[arg(long)]
    pub force: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SortBy {
    /// Size delta, largest growth first.
    SizeDelta,
    /// Count delta, largest growth first.
    CountDelta,
    /// Allocated size (DevTools' default).
    Added,
}

#[derive(Serialize)]
struct Output {
    /// The `--filter` pattern when it matches no class.
    #[serde(skip)]
    unmatched_filter: Option<String>,
    base: String,
    later: String,
    totals: DiffTotals,
    class_count: usize,
    classes: Vec<DiffRow>,
}

/// Matching objects by id needs one numbering: refuse (or, with `--force`,
/// warn about) snapshots of separate sessions or programs.
fn check_id_space(
    base: &heapscope_analysis::Analysis,
    later: &heapscope_analysis::Analysis,
    args: &Args,
) -> Result<(), CliError> {
    let ids = heapscope_analysis::ids::IdIndex::build(&base.snap.nodes.id);
    let check = heapscope_analysis::id_space::compare(base, &ids, later);
    if check.verdict == heapscope_analysis::id_space::IdSpace::Same {
        return Ok(());
    }
    let message = check.explain(&args.base, &args.later);
    if !args.force {
        return Err(CliError(format!("{message} (--force compares anyway)")));
    }
    eprintln!("heapscope: warning: {message}; comparing anyway (--force): new and deleted counts are not meaningful");
    Ok(())
}

pub fn run(args: Args) -> Result<Rendered, CliError> {
    let mode = PrintMode::from_json_flag(args.json);
    let filter = load::filter_regex(args.filter.as_deref())?;
    let loaded = load::classes_of(&[&args.base, &args.later])?;
    let (base, later) = (loaded[0], loaded[1]);
    let (base_max, later_max) = (base.max_js_object_id(), later.max_js_object_id());
    if base_max > later_max {
        eprintln!(
            "heapscope: warning: {} has newer objects (largest id @{base_max}) than {} (@{later_max}); is the order reversed?",
            args.base, args.later
        );
    }
    check_id_space(base, later, &args)?;
    let mut cmp = compare(base, later);
    if let Some(re) = &filter {
        cmp.classes.retain(|c| re.is_match(&c.name));
        cmp.totals = DiffTotals::of(&cmp.classes);
    }
    match args.sort {
        SortBy::Added => {}
        SortBy::SizeDelta => cmp
            .classes
            .sort_by_key(|c| std::cmp::Reverse(c.delta.size_delta)),
        SortBy::CountDelta => cmp
            .classes
            .sort_by_key(|c| std::cmp::Reverse(c.delta.count_delta)),
    }
    let class_count = cmp.classes.len();
    cmp.classes.truncate(
        args.limit
            .unwrap_or(if mode.is_json() { usize::MAX } else { 40 }),
    );
    let out = Output {
        unmatched_filter: args.filter.clone().filter(|_| class_count == 0),
        base: args.base.clone(),
        later: args.later.clone(),
        totals: cmp.totals,
        class_count,
        classes: cmp.classes,
    };
    emit(&out, mode)
}

impl View for Output {
    fn text(&self) -> String {
        text(self)
    }
}

fn text(out: &Output) -> String {
    if let Some(filter) = &out.unmatched_filter {
        return no_match_line(&format!("{} → {}", out.base, out.later), "--filter", filter);
    }
    let signed_bytes = |v: i64| {
        let s = human_bytes(v.unsigned_abs() as f64);
        if v >= 0 {
            format!("+{s}")
        } else {
            format!("-{s}")
        }
    };
    let mut t = Table::new(&[
        ("Constructor", Align::Left),
        ("# New", Align::Right),
        ("# Deleted", Align::Right),
        ("# Delta", Align::Right),
        ("Alloc. Size", Align::Right),
        ("Freed Size", Align::Right),
        ("Size Delta", Align::Right),
    ])
    .max_width(60);
    for c in &out.classes {
        t.row(vec![
            c.name.clone(),
            thousands(c.delta.added_count),
            thousands(c.delta.removed_count),
            format!("{:+}", c.delta.count_delta),
            human_bytes(c.delta.added_size as f64),
            human_bytes(c.delta.removed_size as f64),
            signed_bytes(c.delta.size_delta),
        ]);
    }
    let tt = &out.totals;
    let mut s = format!(
        "{} → {}: {} new, {} deleted objects; {} allocated, {} freed, {} net\n\n{}",
        out.base,
        out.later,
        thousands(tt.added_count),
        thousands(tt.removed_count),
        human_bytes(tt.added_size as f64),
        human_bytes(tt.removed_size as f64),
        signed_bytes(tt.size_delta),
        t.render()
    );
    if out.classes.len() < out.class_count {
        s.push_str(&format!(
            "… {} more classes (use --limit N or --json)\n",
            out.class_count - out.classes.len()
        ));
    }
    s
}
