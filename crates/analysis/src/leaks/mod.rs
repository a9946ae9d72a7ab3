//! Leak suspects from three or more snapshots of one process, oldest first.
//!
//! [`find_leaks`] is a pipeline of named steps, one module each:
//! 1. [`context`]: the input checks (one process, time order) and what every
//!    detector reads (id indexes, instance counts per group, packages);
//! 2. [`detectors`]: one module per mechanism, all behind one signature
//!    (`detect(&LeakContext, &LeakOptions) -> Vec<Candidate>`): accumulating
//!    objects, collections that only grow, single objects that keep growing,
//!    array stores that grow with no more entries;
//! 3. [`merge`]: groups of one leak become one suspect (a socket and its
//!    request; groups piling up in one collection, which is then named as
//!    their holder); transient groups (held only from the stack) and JIT
//!    warm-up go;
//! 4. [`attribute`]: the code that made the objects, the code that owns
//!    their holder, the statement that adds to it, and the package;
//! 5. ranking by retained size, then [`narrate`] writes every sentence.
//!
//! Growth must hold in *every* interval and must not slow down toward zero
//! ([`growth`]), so that warm-up (caches filling once) is not a leak.

mod attribute;
mod context;
mod detectors;
mod growth;
mod merge;
mod narrate;
mod paths;
mod related;
pub(crate) mod source_text;

use crate::attribution::CodeSite;
use crate::Analysis;
use serde::Serialize;

pub use context::{EarlierSnapshot, LeakContext};

pub use detectors::Candidate;

#[derive(Debug, Clone)]
pub struct LeakOptions {
    /// Suspects retaining less than this are dropped.
    pub min_bytes: u64,
    /// Accumulating groups with fewer new survivors than this are dropped.
    pub min_count: u64,
}

impl Default for LeakOptions {
    fn default() -> Self {
        LeakOptions {
            min_bytes: 100_000,
            min_count: 50,
        }
    }
}

/// What a suspect is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuspectKind {
    /// New objects of one class, more in every snapshot.
    AccumulatingObjects,
    /// New functions (and their code and contexts), more in every snapshot.
    CodeGrowth,
    /// One Map, Set, array or dictionary with more entries every time (or,
    /// for an array, a backing store that grows with no more entries).
    GrowingCollection,
    /// One object whose retained size grows every time.
    GrowingObject,
}

impl SuspectKind {
    /// `accumulating objects`, as the text output says it.
    pub fn words(self) -> &'static str {
        match self {
            SuspectKind::AccumulatingObjects => "accumulating objects",
            SuspectKind::CodeGrowth => "code growth",
            SuspectKind::GrowingCollection => "growing collection",
            SuspectKind::GrowingObject => "growing object",
        }
    }

    /// The JSON spelling (`accumulating_objects`).
    pub fn as_str(self) -> &'static str {
        match self {
            SuspectKind::AccumulatingObjects => "accumulating_objects",
            SuspectKind::CodeGrowth => "code_growth",
            SuspectKind::GrowingCollection => "growing_collection",
            SuspectKind::GrowingObject => "growing_object",
        }
    }
}

/// What a suspect's `counts` measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Objects,
    Entries,
    Bytes,
}

#[derive(Debug, Clone, Serialize)]
pub struct PathStepOut {
    pub edge: Option<String>,
    pub node: String,
    pub id: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Suspect {
    pub kind: SuspectKind,
    pub class: String,
    /// The package to look at: see [`attribute`] for the rule.
    pub package: String,
    /// Instances of the class (or the object's entries or bytes) per snapshot.
    pub counts: Vec<u64>,
    /// What `counts` measures.
    pub unit: Unit,
    /// Shallow bytes of the group per snapshot (the object's own size for a
    /// growing object; empty for a collection).
    pub class_bytes: Vec<u64>,
    pub retained_size: u64,
    pub heap_share: f64,
    /// Mean growth per interval, in `unit`.
    pub growth_per_interval: f64,
    /// New objects since the first snapshot still alive in the last.
    pub survivors: u64,
    /// Other accumulating groups held by this one's objects (most of their
    /// instances are dominated by them), merged into this suspect.
    pub related: Vec<RelatedGroup>,
    /// The code that made the objects: their own definition or constructor
    /// when it is user code, else the callbacks user code attached to them.
    pub created_by: Option<CodeSite>,
    /// The accumulation point: the collection or object holding most of
    /// the objects, when there is one.
    pub held_by: Option<Holder>,
    /// The statement that adds the objects to their holder (`list.push(x)`,
    /// `this.sessions[id] = …`, `buffer += …`), schedules them
    /// (`setTimeout(cb, …)`) or loads them (`require(file)`), found in the
    /// source of the code that owns the holder or made the objects.
    pub added_at: Option<CodeSite>,
    pub path: Vec<PathStepOut>,
    pub sample_id: u32,
    pub summary: String,
}

/// Where a suspect's objects pile up.
#[derive(Debug, Clone, Serialize)]
pub struct Holder {
    /// Its class, e.g. `Array`, `Map`.
    pub class: String,
    pub id: u32,
    /// The references that reach it, e.g. `EventEmitter._events.change`.
    pub reference: String,
    /// How many of the suspect's objects it holds.
    pub holds: u64,
    pub retained_size: u64,
    /// The code whose variable, property or object holds it: the closure
    /// or module whose context holds it, the function or class it hangs on.
    pub owner: Option<CodeSite>,
}

/// A group of leaked objects that piles up under another suspect's objects.
#[derive(Debug, Clone, Serialize)]
pub struct RelatedGroup {
    pub class: String,
    /// Its new objects still alive in the last snapshot.
    pub survivors: u64,
    /// Instances per snapshot.
    pub counts: Vec<u64>,
    /// What its new objects retain as a set (mostly inside the suspect's).
    pub retained_size: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SnapshotInfo {
    pub node_count: usize,
    pub total_size: u64,
    pub max_object_id: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct LeakReport {
    pub snapshots: Vec<SnapshotInfo>,
    pub suspects: Vec<Suspect>,
}

/// Why snapshots cannot be compared.
#[derive(Debug, Clone, PartialEq)]
pub enum LeakInputError {
    TooFew,
    /// Snapshot `later` has an older newest object than `earlier`.
    WrongOrder {
        earlier: usize,
        later: usize,
    },
    /// In snapshots `a` and `b` the same ids name different objects: separate
    /// inspector sessions of one program, or different programs.
    DifferentIdSpaces {
        a: usize,
        b: usize,
        check: crate::id_space::IdSpaceCheck,
    },
}

impl LeakInputError {
    /// The error in one line, naming the snapshots by `names` (given in the
    /// order the snapshots were).
    pub fn explain(&self, names: &[String]) -> String {
        let name = |i: usize| names.get(i).map(String::as_str).unwrap_or("?");
        match self {
            LeakInputError::TooFew => "leaks needs at least two snapshots (three or more to tell a leak from a cache filling once), oldest first".into(),
            LeakInputError::WrongOrder { earlier, later } => format!(
                "{} is older than {} (its newest object id is smaller): give the snapshots oldest first",
                name(*later),
                name(*earlier)
            ),
            LeakInputError::DifferentIdSpaces { a, b, check } => check.explain(name(*a), name(*b)),
        }
    }
}

/// The shallow bytes of a suspect's group in each snapshot: its objects'
/// for a group of objects, the object's own for a growing object; none for a
/// collection (its entries are counted).
fn class_bytes(cx: &LeakContext, s: &Suspect) -> Vec<u64> {
    match s.unit {
        Unit::Objects => cx
            .bytes
            .iter()
            .map(|m| m.get(&s.class).copied().unwrap_or(0))
            .collect(),
        Unit::Bytes => s.counts.clone(),
        Unit::Entries => Vec::new(),
    }
}

/// Checks that the snapshots come from one process and are in time order.
pub fn check_inputs(snaps: &[&Analysis]) -> Result<(), LeakInputError> {
    context::check(snaps, &context::earlier_indexes(snaps))
}

/// Finds leak suspects in `snaps` (oldest first; the last is analyzed fully):
/// check → context → detectors → merge → attribute → rank → narrate.
pub fn find_leaks(
    snaps: &[&Analysis],
    options: &LeakOptions,
) -> Result<LeakReport, LeakInputError> {
    find_leaks_with(snaps, Vec::new(), options)
}

/// [`find_leaks`] with what is already built of the earlier snapshots (one
/// per snapshot but the last, in order; `None` or missing for those not
/// built yet): see [`EarlierSnapshot`].
pub fn find_leaks_with(
    snaps: &[&Analysis],
    earlier: Vec<Option<EarlierSnapshot>>,
    options: &LeakOptions,
) -> Result<LeakReport, LeakInputError> {
    let mut t = crate::timing::Phases::from_env();
    let cx = LeakContext::new(snaps, earlier)?;
    t.lap("  leaks: checks, id indexes, counts, packages, reachability");
    let candidates = detectors::run_all(&cx, options);
    t.lap("  leaks: detectors");
    let mut suspects = merge::merge(&cx, candidates, options);
    t.lap("  leaks: merged groups, holders, paths");
    attribute::attribute(&cx, &mut suspects);
    t.lap("  leaks: attribution");
    let mut suspects = merge::rank(suspects);
    narrate::narrate(&cx, &mut suspects);
    for s in &mut suspects {
        s.suspect.class_bytes = class_bytes(&cx, &s.suspect);
    }
    let snapshots = snaps
        .iter()
        .map(|a| SnapshotInfo {
            node_count: a.snap.node_count(),
            total_size: a.total_size() as u64,
            max_object_id: a.max_js_object_id(),
        })
        .collect();
    Ok(LeakReport {
        snapshots,
        suspects: suspects.into_iter().map(|s| s.suspect).collect(),
    })
}

#[cfg(test)]
mod test_graph;
