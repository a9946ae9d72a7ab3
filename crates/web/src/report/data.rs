//! What the report shows, as one serializable document: per snapshot the
//! Statistics, the Summary's largest classes, memory by package and duplicate
//! strings; the Comparison of each snapshot with the one before; the leak
//! suspects, the timeline and load rounds as `leaks` and `hunt` write them.

use crate::Redaction;
use heapscope_analysis::diff::{self, DiffRow, DiffTotals};
use heapscope_analysis::packages::PackageRow;
use heapscope_analysis::statistics::Statistics;
use heapscope_analysis::strings::DuplicateString;
use heapscope_analysis::summary::{ClassRow, Summary};
use heapscope_analysis::Analysis;
use serde::Serialize;
use serde_json::Value;

/// Classes of each snapshot in the report (the Summary's largest by retained size).
const CLASSES_PER_SNAPSHOT: usize = 400;
const PACKAGES_PER_SNAPSHOT: usize = 40;
const STRINGS_PER_SNAPSHOT: usize = 50;
const CLASSES_PER_COMPARISON: usize = 200;

/// What the caller read beside the snapshots (documents of `hunt` and
/// `watch`, as JSON values: the page reads their documented fields).
#[derive(Default)]
pub struct ReportInputs {
    pub title: String,
    pub inputs: Vec<String>,
    /// A `leaks --json` document.
    pub leaks: Option<Value>,
    /// `hunt.json` (growth per request, rounds, verdict).
    pub hunt: Option<Value>,
    /// `{samples, verdict, events}` as in `timeline.json`.
    pub timeline: Option<Value>,
    /// `load.json`: one load report per round.
    pub load: Option<Value>,
    pub redaction: Redaction,
    pub version: String,
}

#[derive(Serialize)]
pub struct ReportData {
    pub format: &'static str,
    pub version: u32,
    pub title: String,
    pub heapscope_version: String,
    pub generated_unix_ms: u64,
    pub redacted: bool,
    pub inputs: Vec<String>,
    pub leaks: Option<Value>,
    pub hunt: Option<Value>,
    pub timeline: Option<Value>,
    pub load: Option<Value>,
    pub snapshots: Vec<SnapshotPage>,
    pub comparisons: Vec<ComparisonPage>,
}

/// One snapshot's views.
#[derive(Serialize)]
pub struct SnapshotPage {
    pub name: String,
    pub node_count: usize,
    pub total_size: u64,
    pub total_count: u64,
    pub statistics: Statistics,
    pub class_count: usize,
    pub classes: Vec<ClassRow>,
    pub packages: Vec<PackageRow>,
    pub strings: Vec<DuplicateString>,
}

impl SnapshotPage {
    pub fn of(name: &str, a: &Analysis, summary: &Summary, redaction: Redaction) -> Self {
        let mut strings = a.duplicate_strings(2);
        strings.truncate(STRINGS_PER_SNAPSHOT);
        for s in &mut strings {
            s.value = redaction.value(&s.value);
        }
        let mut packages = a.packages(|_| true);
        packages.truncate(PACKAGES_PER_SNAPSHOT);
        SnapshotPage {
            name: name.to_string(),
            node_count: a.snap.node_count(),
            total_size: summary.total_self_size,
            total_count: summary.total_count,
            statistics: a.statistics(),
            class_count: summary.class_count,
            classes: summary
                .classes
                .iter()
                .take(CLASSES_PER_SNAPSHOT)
                .cloned()
                .collect(),
            packages,
            strings,
        }
    }
}

/// The Comparison of snapshot `target` against `base`, largest changes first.
#[derive(Serialize)]
pub struct ComparisonPage {
    pub base: usize,
    pub target: usize,
    pub totals: DiffTotals,
    pub class_count: usize,
    pub classes: Vec<DiffRow>,
}

impl ComparisonPage {
    pub fn of(base: (usize, &Analysis), target: (usize, &Analysis)) -> Self {
        let c = diff::compare(base.1, target.1);
        let mut classes = c.classes;
        classes.sort_by_key(|r| std::cmp::Reverse(r.delta.size_delta.unsigned_abs()));
        let class_count = classes.len();
        classes.truncate(CLASSES_PER_COMPARISON);
        ComparisonPage {
            base: base.0,
            target: target.0,
            totals: c.totals,
            class_count,
            classes,
        }
    }
}

impl ReportData {
    /// Everything, from the analyzed snapshots (oldest first, with their
    /// names) and what the caller read beside them.
    pub fn build(inputs: ReportInputs, snapshots: &[(&str, &Analysis)]) -> Self {
        let summaries: Vec<Summary> = snapshots.iter().map(|(_, a)| a.summary()).collect();
        let pages: Vec<SnapshotPage> = snapshots
            .iter()
            .zip(&summaries)
            .map(|((name, a), summary)| SnapshotPage::of(name, a, summary, inputs.redaction))
            .collect();
        let comparisons = snapshots
            .windows(2)
            .enumerate()
            .map(|(i, w)| ComparisonPage::of((i, w[0].1), (i + 1, w[1].1)))
            .collect();
        ReportData {
            format: "heapscope-report",
            version: 1,
            title: inputs.title,
            heapscope_version: inputs.version,
            generated_unix_ms: now_ms(),
            redacted: inputs.redaction == Redaction::Mask,
            inputs: inputs.inputs,
            leaks: inputs.leaks,
            hunt: inputs.hunt,
            timeline: inputs.timeline,
            load: inputs.load,
            snapshots: pages,
            comparisons,
        }
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
