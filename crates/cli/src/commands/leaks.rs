//! `heapscope leaks`: leak suspects from three (or more) snapshots.

use crate::load;
use crate::output::{emit, PrintMode, Rendered, View};
use crate::CliError;
use heapscope_analysis::attribution::CodeSite;
use heapscope_analysis::leaks::{
    find_leaks_with, EarlierSnapshot, LeakOptions, LeakReport, PathStepOut, Unit,
};
use heapscope_analysis::Analysis;
use heapscope_report::{human_bytes, thousands};
use serde::Serialize;

#[derive(clap::Args)]
pub struct Args {
    /// Snapshots of one process, oldest first (three or more), or a series folder (`capture --count`, `hunt`).
    #[arg(required = true, num_args = 1..)]
    pub files: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit with code 3 when a suspect is found (for CI gates).
    #[arg(long)]
    pub fail_on_leak: bool,
    /// Drop suspects retaining less than this many bytes.
    #[arg(long, default_value_t = 100_000)]
    pub min_bytes: u64,
    /// Drop accumulating groups with fewer new objects than this.
    #[arg(long, default_value_t = 50)]
    pub min_count: u64,
    /// Suspects to show.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
}

/// The report; in JSON exactly [`LeakReport`].
#[derive(Serialize)]
#[serde(transparent)]
struct Output {
    report: LeakReport,
    /// The snapshot files, oldest first.
    #[serde(skip)]
    files: Vec<String>,
    #[serde(skip)]
    fail_on_leak: bool,
}

/// The exit code of `--fail-on-leak` when there is a suspect.
pub const LEAK_FOUND_EXIT_CODE: u8 = 3;

impl View for Output {
    fn text(&self) -> String {
        render(&self.report, &self.files)
    }

    fn exit_code(&self) -> u8 {
        if self.fail_on_leak && !self.report.suspects.is_empty() {
            LEAK_FOUND_EXIT_CODE
        } else {
            0
        }
    }
}

pub fn run(args: Args) -> Result<Rendered, CliError> {
    let files = crate::commands::series::expand_inputs(&args.files)?;
    if files.len() == 2 {
        eprintln!("heapscope: warning: with two snapshots, growth in one interval cannot tell a leak from a cache filling once; take three (`heapscope capture --count 3 --every 2m -o DIR`)");
    }
    let options = LeakOptions {
        min_bytes: args.min_bytes,
        min_count: args.min_count,
    };
    let mut report = find(&files, &options)?;
    report.suspects.truncate(args.limit);
    let out = Output {
        report,
        files,
        fail_on_leak: args.fail_on_leak,
    };
    emit(&out, PrintMode::from_json_flag(args.json))
}

/// Loads the snapshots and finds the suspects.
pub fn find(files: &[String], options: &LeakOptions) -> Result<LeakReport, CliError> {
    load_all(files, Earlier::ForLeaks)?.find(files, options)
}

/// What the snapshots before the last are loaded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Earlier {
    /// What the leak search reads of them: no distances.
    ForLeaks,
    /// Everything (a report shows each one's Summary).
    Full,
    /// Everything, and nothing prepared for a leak search (a report whose
    /// suspects are recorded already, in a hunt's `leaks.json`).
    Shown,
}

/// Snapshots loaded for a leak search, with what the search reads of the
/// earlier ones where it was built while later ones loaded.
pub struct Series {
    pub analyses: Vec<&'static Analysis>,
    earlier: Vec<Option<EarlierSnapshot>>,
}

impl Series {
    /// The suspects (`files` names the snapshots in errors).
    pub fn find(
        &mut self,
        files: &[String],
        options: &LeakOptions,
    ) -> Result<LeakReport, CliError> {
        let earlier = std::mem::take(&mut self.earlier);
        find_leaks_with(&self.analyses, earlier, options).map_err(|e| CliError(e.explain(files)))
    }
}

/// Snapshots loaded at once, at most: each load leaves a core idle for part
/// of its dominator pass, which the others fill; three keep both cores busy
/// while adding little to the peak (the analyses are all kept anyway).
const LOADING_AT_ONCE: usize = 3;

/// Loads the snapshots, [`LOADING_AT_ONCE`] at a time, the last one (the
/// leak search walks its retainers) first and with the reverse index. Each
/// earlier one's loader then builds what the leak search reads of it.
pub fn load_all(files: &[String], earlier: Earlier) -> Result<Series, CliError> {
    type Loaded = Result<(&'static Analysis, Option<EarlierSnapshot>), CliError>;
    let n = files.len();
    let order: Vec<usize> = (0..n).rev().collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Loaded>>> = (0..n).map(|_| Default::default()).collect();
    let load_one = |i: usize| -> Loaded {
        let f = &files[i];
        if i + 1 == n {
            return Ok((load::analyze_for_queries(f)?, None));
        }
        Ok(match earlier {
            Earlier::ForLeaks => {
                let a = load::analyze_without_distances(f)?;
                (a, Some(EarlierSnapshot::of(a)))
            }
            Earlier::Full => {
                let a = load::analyze(f)?;
                (a, Some(EarlierSnapshot::of(a)))
            }
            Earlier::Shown => (load::analyze(f)?, None),
        })
    };
    std::thread::scope(|scope| {
        for _ in 0..LOADING_AT_ONCE.min(n) {
            scope.spawn(|| {
                while let Some(&i) =
                    order.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    let loaded = load_one(i);
                    *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(loaded);
                }
            });
        }
    });
    let mut series = Series {
        analyses: Vec::with_capacity(n),
        earlier: Vec::with_capacity(n),
    };
    for slot in slots {
        let loaded = slot.into_inner().unwrap_or_else(|e| e.into_inner());
        let (a, prepared) =
            loaded.unwrap_or_else(|| Err(CliError("loader thread panicked".into())))?;
        series.analyses.push(a);
        series.earlier.extend(prepared.map(Some));
    }
    Ok(series)
}

pub fn render(report: &LeakReport, files: &[String]) -> String {
    render_with(report, files, &[])
}

/// The text of `leaks`, with `extra[i]` (if any) as a line under suspect i's
/// summary (`hunt` adds the growth per request there).
pub fn render_with(report: &LeakReport, files: &[String], extra: &[String]) -> String {
    let mut s = String::new();
    let sizes: Vec<String> = report
        .snapshots
        .iter()
        .map(|x| human_bytes(x.total_size as f64))
        .collect();
    s.push_str(&format!(
        "Heap over {} snapshots: {}\n\n",
        files.len(),
        sizes.join(" → ")
    ));
    if report.suspects.is_empty() {
        s.push_str("No leak suspects: nothing grew in every interval above the noise floor.\n");
        return s;
    }
    for (i, x) in report.suspects.iter().enumerate() {
        s.push_str(&format!(
            "{}. [{}] {} — {} ({:.1}% of the heap), package {}\n   {}\n",
            i + 1,
            x.kind.words(),
            x.class,
            human_bytes(x.retained_size as f64),
            x.heap_share * 100.0,
            x.package,
            x.summary
        ));
        if let Some(site) = &x.created_by {
            s.push_str(&site_line("created at", site));
        }
        if let Some(h) = &x.held_by {
            let owner = h
                .owner
                .as_ref()
                .map(|o| match o.function.as_str() {
                    "(module scope)" => format!(", in the module scope of {}", o.file),
                    f => format!(", owned by {f} at {}", o.file_line()),
                })
                .unwrap_or_default();
            s.push_str(&format!(
                "   held in {} @{}{}{owner}\n",
                h.class,
                h.id,
                if h.reference.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", h.reference)
                }
            ));
        }
        if let Some(site) = &x.added_at {
            s.push_str(&site_line("added at", site));
        }
        if let Some(line) = extra.get(i) {
            s.push_str(&format!("   {line}\n"));
        }
        if x.unit == Unit::Objects {
            let counts: Vec<String> = x.counts.iter().map(|c| thousands(*c)).collect();
            s.push_str(&format!("   count per snapshot: {}\n", counts.join(" → ")));
        }
        if !x.path.is_empty() {
            s.push_str("   retained via:\n");
            s.push_str(&path_lines(&x.path));
        }
        s.push_str(&format!(
            "   inspect: heapscope inspect {} @{}\n\n",
            files[files.len() - 1],
            x.sample_id
        ));
    }
    s
}

/// "your code", "package express", "Node.js".
fn whose(package: &str) -> String {
    match package {
        "(app)" => "your code".to_string(),
        "(node)" => "Node.js".to_string(),
        p => format!("package {p}"),
    }
}

/// "   created at server.js:45 in withFlags (your code)".
fn site_line(what: &str, site: &CodeSite) -> String {
    format!(
        "   {what} {} in {} ({})\n",
        site.file_line(),
        site.function,
        whose(&site.package)
    )
}

/// A retaining path, one step a line, with each run of like links (the
/// same reference to the same kind of object, as along a linked list's
/// `next`) shown as its first step, a count, and its last step.
fn path_lines(path: &[PathStepOut]) -> String {
    let line = |step: &PathStepOut| match &step.edge {
        None => format!("      {}\n", step.node),
        Some(e) => format!("      --{e}--> {} @{}\n", step.node, step.id),
    };
    let like =
        |a: &PathStepOut, b: &PathStepOut| a.edge.is_some() && a.edge == b.edge && a.node == b.node;
    let mut out = String::new();
    let mut i = 0;
    while i < path.len() {
        let mut end = i;
        while end + 1 < path.len() && like(&path[i], &path[end + 1]) {
            end += 1;
        }
        out.push_str(&line(&path[i]));
        if end > i + 1 {
            out.push_str(&format!("      … {} more like it …\n", end - i - 1));
        }
        if end > i {
            out.push_str(&line(&path[end]));
        }
        i = end + 1;
    }
    out
}
