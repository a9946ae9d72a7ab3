//! Leak suspects from three or more snapshots of one process, oldest first.
//!
//! Two mechanisms, both judged by growth in *every* interval so that warm-up
//! (caches filling once) is not a leak:
//! - accumulating objects: objects created after the first snapshot and still
//!   alive in the last, grouped by class (functions by name), kept when the
//!   group's instance count grows in every interval;
//! - growing objects: one object (same id in every snapshot) whose retained
//!   size grows in every interval: a buffer, a collection's backing store.
//!
//! Each suspect gets the retained size of its surviving objects, its share of
//! the heap, a shortest retaining path, the npm package attributed to its
//! holder, and a plain-language summary. A noise floor drops small groups.

use crate::attribution::CodeSite;
use crate::bitset::BitSet;
use crate::edges::EdgeRef;
use crate::ids::IdIndex;
use crate::names::display_name;
use crate::packages::PackageAttribution;
use crate::paths::RetainerPath;
use crate::Analysis;
use rustc_hash::FxHashMap;
use serde::Serialize;

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

#[derive(Debug, Clone, Serialize)]
pub struct PathStepOut {
    pub edge: Option<String>,
    pub node: String,
    pub id: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Suspect {
    /// `accumulating_objects`, `code_growth` or `growing_object`.
    pub kind: String,
    pub class: String,
    pub package: String,
    /// Instances of the class (or the object's retained size) per snapshot.
    pub counts: Vec<u64>,
    /// What `counts` measures: `objects` or `bytes`.
    pub unit: String,
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
    /// The nearest function on the way to it (whose closure or module holds it).
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

/// The class DevTools gives V8's code objects (bytecode, machine code).
const COMPILED_CODE: &str = "(compiled code)";

/// Group key: functions by name, other objects by class.
fn group_key(a: &Analysis, v: u32) -> String {
    group_text(a, group_id(a, v))
}

/// A group key before it is spelled out: (is a function, string id of its
/// name or class), so that counting needs no string per object.
type GroupId = (bool, u32);

#[inline]
fn group_id(a: &Analysis, v: u32) -> GroupId {
    if a.snap.nodes.ty[v as usize] == a.snap.node_types.closure {
        (true, a.snap.nodes.name[v as usize])
    } else {
        (false, a.class_name[v as usize])
    }
}

fn group_text(a: &Analysis, (function, id): GroupId) -> String {
    let name = a.snap.strings.get(id);
    match function {
        true => format!("{}()", if name.is_empty() { "(anonymous)" } else { name }),
        false => name.to_string(),
    }
}

fn counts_by_group(a: &Analysis) -> FxHashMap<String, u64> {
    let mut by_id: FxHashMap<GroupId, u64> = FxHashMap::default();
    for v in 0..a.snap.node_count() as u32 {
        if a.snap.nodes.self_size[v as usize] > 0 {
            *by_id.entry(group_id(a, v)).or_insert(0) += 1;
        }
    }
    // Different ids may spell the same key (a class name added by analysis).
    let mut counts: FxHashMap<String, u64> = FxHashMap::default();
    for (id, n) in by_id {
        *counts.entry(group_text(a, id)).or_insert(0) += n;
    }
    counts
}

fn strictly_growing(values: &[u64]) -> bool {
    values.windows(2).all(|w| w[1] > w[0])
}

/// How many bytes an accumulating group must retain to be a suspect: the
/// `--min-bytes` floor, or a tenth of it for a growth so regular that it
/// cannot be noise (every interval adds at least `--min-count` objects and
/// within 20% of the mean: one object per request, request after request).
fn byte_floor(series: &[u64], options: &LeakOptions) -> u64 {
    let deltas: Vec<u64> = series
        .windows(2)
        .map(|w| w[1].saturating_sub(w[0]))
        .collect();
    let mean = deltas.iter().sum::<u64>() as f64 / deltas.len().max(1) as f64;
    let regular = deltas.len() >= 2
        && deltas
            .iter()
            .all(|&d| d >= options.min_count && (d as f64 - mean).abs() <= 0.2 * mean);
    match regular {
        true => options.min_bytes / 10,
        false => options.min_bytes,
    }
}

/// Growth in every interval that does not slow down toward zero: the last
/// interval adds at least half as much as the earlier ones did on average.
/// Warm-up (the JIT compiling, caches filling) grows fast, then less and
/// less; a leak grows with the work done, interval after interval.
fn steadily_growing(values: &[u64]) -> bool {
    if !strictly_growing(values) {
        return false;
    }
    let deltas: Vec<u64> = values.windows(2).map(|w| w[1] - w[0]).collect();
    let Some((&last, earlier)) = deltas.split_last() else {
        return true;
    };
    if earlier.is_empty() {
        return true;
    }
    let mean_earlier = earlier.iter().sum::<u64>() as f64 / earlier.len() as f64;
    last as f64 >= 0.5 * mean_earlier
}

fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{bytes} B")
    }
}

fn with_commas(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Checks that the snapshots come from one process and are in time order.
pub fn check_inputs(snaps: &[&Analysis]) -> Result<(), LeakInputError> {
    check_with(snaps, &earlier_indexes(snaps))
}

/// Id indexes of every snapshot but the last, built in parallel.
fn earlier_indexes(snaps: &[&Analysis]) -> Vec<IdIndex> {
    let earlier = &snaps[..snaps.len().saturating_sub(1)];
    std::thread::scope(|scope| {
        let handles: Vec<_> = earlier
            .iter()
            .map(|a| scope.spawn(|| IdIndex::build(&a.snap.nodes.id)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("id index thread panicked"))
            .collect()
    })
}

fn check_with(snaps: &[&Analysis], indexes: &[IdIndex]) -> Result<(), LeakInputError> {
    if snaps.len() < 2 {
        return Err(LeakInputError::TooFew);
    }
    let maxes: Vec<u32> = snaps.iter().map(|a| a.max_js_object_id()).collect();
    for i in 1..snaps.len() {
        if maxes[i] < maxes[i - 1] {
            return Err(LeakInputError::WrongOrder {
                earlier: i - 1,
                later: i,
            });
        }
        let check = crate::id_space::compare(snaps[i - 1], &indexes[i - 1], snaps[i]);
        if check.verdict != crate::id_space::IdSpace::Same {
            return Err(LeakInputError::DifferentIdSpaces {
                a: i - 1,
                b: i,
                check,
            });
        }
    }
    Ok(())
}

impl Analysis {
    /// A suspect that is one object (node `v`): its class, retained size and
    /// share of the heap, path and id.
    #[allow(clippy::too_many_arguments)]
    fn object_suspect(
        &self,
        v: u32,
        kind: &str,
        unit: &str,
        counts: Vec<u64>,
        growth_per_interval: f64,
        package: String,
        summary: String,
    ) -> Suspect {
        let retained = self.retained[v as usize];
        Suspect {
            kind: kind.to_string(),
            class: group_key(self, v),
            package,
            counts,
            unit: unit.to_string(),
            retained_size: retained,
            heap_share: retained as f64 / self.total_size().max(1.0),
            growth_per_interval,
            survivors: 0,
            related: Vec::new(),
            created_by: None,
            held_by: None,
            path: self.path_out(v),
            sample_id: self.snap.nodes.id[v as usize],
            summary,
        }
    }

    /// The user-code function nearest to the end of `path`: a closure on it,
    /// or the closure that owns a context on it.
    fn nearest_function(&self, path: &RetainerPath) -> Option<CodeSite> {
        let closure = self.snap.node_types.closure;
        path.nodes().into_iter().rev().find_map(|x| {
            if self.snap.nodes.ty[x as usize] == closure {
                return self.code_site(x).filter(CodeSite::is_user_code);
            }
            if !self.snap.node_name(x).starts_with("system / Context") {
                return None;
            }
            let owners: Vec<u32> = self
                .incoming_edges(x)
                .into_iter()
                .filter(|r| self.snap.nodes.ty[r.source as usize] == closure)
                .map(|r| r.source)
                .collect();
            let site = owners
                .iter()
                .find_map(|&c| self.code_site(c).filter(CodeSite::is_user_code))?;
            // A context that several functions share is a module's (or an
            // outer function's) scope: the file is known, not one function.
            Some(match owners.len() {
                1 => site,
                _ => CodeSite {
                    line: 1,
                    column: 1,
                    function: "(module scope)".into(),
                    ..site
                },
            })
        })
    }

    fn path_out(&self, v: u32) -> Vec<PathStepOut> {
        match self.retaining_paths(v, 1, 40).into_iter().next() {
            Some(path) => self.path_steps(&path),
            None => Vec::new(),
        }
    }

    fn path_steps(&self, path: &RetainerPath) -> Vec<PathStepOut> {
        let mut out = Vec::new();
        if let Some(first) = path.edges.first() {
            out.push(PathStepOut {
                edge: None,
                node: node_label(self, first.source),
                id: self.snap.nodes.id[first.source as usize],
            });
        }
        for e in &path.edges {
            out.push(PathStepOut {
                edge: Some(self.edge_label(e.edge)),
                node: node_label(self, e.target),
                id: self.snap.nodes.id[e.target as usize],
            });
        }
        out
    }

    /// `path` (ending at `holder`) extended by one reference to an object of
    /// `members` (sorted), or two through the holder's table/elements store.
    fn extend_into(
        &self,
        path: &RetainerPath,
        holder: u32,
        members: &[u32],
    ) -> Option<RetainerPath> {
        let snap = &self.snap;
        let is_member = |t: u32| members.binary_search(&t).is_ok();
        let step = |e: usize, source: u32| EdgeRef {
            edge: e,
            source,
            target: snap.edges.to[e],
        };
        let mut extra = snap
            .edge_range(holder)
            .find(|&e| is_member(snap.edges.to[e]))
            .map(|e| vec![step(e, holder)]);
        if extra.is_none() {
            extra = snap.edge_range(holder).find_map(|e| {
                let store = snap.edges.to[e];
                let named = snap.edges.ty[e] == snap.edge_types.internal
                    && matches!(
                        snap.strings.get(snap.edges.name_or_index[e]),
                        "table" | "elements" | "properties"
                    );
                if !named {
                    return None;
                }
                snap.edge_range(store)
                    .find(|&f| is_member(snap.edges.to[f]))
                    .map(|f| vec![step(e, holder), step(f, store)])
            });
        }
        let mut edges = path.edges.clone();
        edges.extend(extra?);
        Some(RetainerPath { edges })
    }

    /// How a path reaches `holder`: its retainer's class and the last two
    /// references, e.g. `Agent.sockets['127.0.0.1:443:']`.
    fn reached_as(&self, path: &RetainerPath, holder: u32) -> Option<String> {
        let at = path.edges.iter().position(|e| e.target == holder)?;
        let from = at.saturating_sub(1);
        let steps = &path.edges[from..=at];
        let mut text = group_key(self, steps[0].source);
        for e in steps {
            text.push_str(&self.edge_label(e.edge));
        }
        Some(text)
    }

    /// The npm package whose functions the objects reference most (listeners,
    /// callbacks a package attached), looking a few references deep from a
    /// sample of them; for objects whose holders name no package.
    fn referenced_package(&self, members: &[u32], packages: &PackageAttribution) -> Option<String> {
        let weak = self.snap.edge_types.weak;
        let closure = self.snap.node_types.closure;
        let mut votes: FxHashMap<u32, usize> = FxHashMap::default();
        for &m in members.iter().take(20) {
            let mut seen: FxHashMap<u32, ()> = FxHashMap::default();
            let mut frontier = vec![m];
            for _depth in 0..5 {
                let mut next = Vec::new();
                for &v in &frontier {
                    for e in self.snap.edge_range(v) {
                        let t = self.snap.edges.to[e];
                        if self.snap.edges.ty[e] == weak
                            || seen.insert(t, ()).is_some()
                            || seen.len() > 4000
                        {
                            continue;
                        }
                        if self.snap.nodes.ty[t as usize] == closure {
                            let p = packages.of_node[t as usize];
                            if !packages.names[p as usize].starts_with('(') {
                                *votes.entry(p).or_insert(0) += 1;
                            }
                        } else {
                            next.push(t);
                        }
                    }
                }
                frontier = next;
            }
        }
        votes
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(p, _)| packages.names[p as usize].clone())
    }

    /// Entries of a collection-like object: the references in a Map's or Set's
    /// table, an array's elements, or a plain object's properties.
    pub fn entry_count(&self, v: u32) -> Option<u64> {
        let snap = &self.snap;
        if snap.nodes.ty[v as usize] != snap.node_types.object {
            return None;
        }
        let internal = snap.edge_types.internal;
        let property = snap.edge_types.property;
        let store = |name: &str| {
            snap.edge_range(v)
                .find(|&e| {
                    snap.edges.ty[e] == internal
                        && snap.strings.get(snap.edges.name_or_index[e]) == name
                })
                .map(|e| snap.edge_range(snap.edges.to[e]).len() as u64)
        };
        match snap.node_name(v) {
            "Map" | "Set" | "WeakMap" | "WeakSet" => Some(store("table").unwrap_or(0)),
            // An empty array shares V8's empty backing store, which snapshots
            // leave out: no `elements` edge means no entries (the usual
            // "empty array, then pushes" leak starts there).
            "Array" => Some(store("elements").unwrap_or(0)),
            "Object" => {
                let own = snap
                    .edge_range(v)
                    .filter(|&e| snap.edges.ty[e] == property)
                    .count() as u64;
                Some(own + store("properties").unwrap_or(0))
            }
            _ => None,
        }
    }

    /// The single object holding most of `v`'s retained size (at least half of
    /// it, by its own size), found down the largest dominator children.
    fn bulk_of(&self, v: u32) -> Option<u32> {
        let target = self.retained[v as usize] / 2;
        let mut x = v;
        for _ in 0..8 {
            if self.snap.nodes.self_size[x as usize] as u64 >= target {
                return (x != v).then_some(x);
            }
            let root = self.snap.root;
            let child = (0..self.snap.node_count() as u32)
                .filter(|&u| u != root && self.dom[u as usize] == x)
                .max_by_key(|&u| self.retained[u as usize])?;
            if self.retained[child as usize] < target {
                return None;
            }
            x = child;
        }
        None
    }

    /// Retained size of a set of objects: each counted unless another member
    /// dominates it.
    fn set_retained_size(&self, members: &[u32]) -> u64 {
        let mut mark = BitSet::new(self.snap.node_count());
        for &m in members {
            mark.set(m as usize);
        }
        let root = self.snap.root;
        let mut total = 0;
        for &m in members {
            let mut x = self.dom[m as usize];
            let mut nested = false;
            let mut steps = 0;
            while x != root && steps < 10_000 {
                if mark.get(x as usize) {
                    nested = true;
                    break;
                }
                x = self.dom[x as usize];
                steps += 1;
            }
            if !nested {
                total += self.retained[m as usize];
            }
        }
        total
    }
}

fn node_label(a: &Analysis, v: u32) -> String {
    let name = display_name(&a.snap, v);
    let class = a.snap.strings.get(a.class_name[v as usize]);
    let ty = a.snap.node_type_name(a.snap.nodes.ty[v as usize]);
    let short: String = name.chars().take(60).collect();
    if v == a.snap.root {
        "(root)".to_string()
    } else if ty == "closure" {
        format!("{short}()")
    } else if name.is_empty() || name == class {
        class.to_string()
    } else {
        format!("{class} {short}")
    }
}

/// A measure of node `v` of the last snapshot in every snapshot, oldest first
/// (the same object found by id through the earlier ones' indexes); `None`
/// when it is missing from one of them or the measure does not apply there.
fn per_snapshot(
    snaps: &[&Analysis],
    earlier_ids: &[IdIndex],
    v: u32,
    measure: impl Fn(&Analysis, u32) -> Option<u64>,
) -> Option<Vec<u64>> {
    let last = *snaps.last()?;
    let id = last.snap.nodes.id[v as usize];
    let mut series = Vec::with_capacity(snaps.len());
    for (a, ids) in snaps.iter().zip(earlier_ids) {
        series.push(measure(a, ids.get(id)?)?);
    }
    series.push(measure(last, v)?);
    Some(series)
}

/// Keeps the items whose flag is set.
fn retain_where<T>(items: &mut Vec<T>, keep: &[bool]) {
    let mut flags = keep.iter();
    items.retain(|_| *flags.next().unwrap_or(&true));
}

/// Related groups named in a suspect's summary (all are in its JSON).
const RELATED_NAMED: usize = 4;

/// Finds leak suspects in `snaps` (oldest first; the last is analyzed fully).
pub fn find_leaks(
    snaps: &[&Analysis],
    options: &LeakOptions,
) -> Result<LeakReport, LeakInputError> {
    let mut t = crate::timing::Phases::from_env();
    let earlier_ids = earlier_indexes(snaps);
    check_with(snaps, &earlier_ids)?;
    let last = *snaps.last().expect("checked");
    let total = last.total_size().max(1.0);
    let intervals = (snaps.len() - 1) as f64;
    t.lap("  leaks: id indexes, input checks");
    // Package attribution (a walk of the last dominator tree) beside the
    // per-snapshot counts by group.
    let (packages, counts): (PackageAttribution, Vec<FxHashMap<String, u64>>) =
        std::thread::scope(|scope| {
            let packages = scope.spawn(|| last.package_attribution());
            let counts = snaps.iter().map(|a| counts_by_group(a)).collect();
            (packages.join().expect("package thread panicked"), counts)
        });
    let package_of = |v: u32| packages.names[packages.of_node[v as usize] as usize].clone();
    let mut suspects = Vec::new();
    // Survivors of each accumulating suspect (same order as `suspects`).
    let mut suspect_members: Vec<Vec<u32>> = Vec::new();
    let mut samples: Vec<u32> = Vec::new();
    let package_for = |members: &[u32], sample: u32| -> String {
        let p = package_of(sample);
        if !p.starts_with('(') {
            return p;
        }
        last.referenced_package(members, &packages).unwrap_or(p)
    };
    // The package: that of the code that made the objects when there is
    // such code (the app's own code counts), else the holder's.
    let attribute = |members: &[u32], sample: u32| -> (String, Option<CodeSite>) {
        match last.created_by(members, sample) {
            Some(site) => (site.package.clone(), Some(site)),
            None => (package_for(members, sample), None),
        }
    };

    t.lap("  leaks: package attribution, counts by group");
    // --- Accumulating objects.
    let first_ids = &earlier_ids[0];
    let mut survivors_by_id: FxHashMap<GroupId, Vec<u32>> = FxHashMap::default();
    for v in 0..last.snap.node_count() as u32 {
        if last.snap.nodes.self_size[v as usize] == 0 {
            continue;
        }
        if first_ids.get(last.snap.nodes.id[v as usize]).is_none() {
            survivors_by_id
                .entry(group_id(last, v))
                .or_default()
                .push(v);
        }
    }
    let mut by_key: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
    for (id, members) in survivors_by_id {
        by_key
            .entry(group_text(last, id))
            .or_default()
            .extend(members);
    }
    let survivors = by_key.into_iter().map(|(key, mut members)| {
        // Ordinal order (merged ids interleave).
        members.sort_unstable();
        (key, members)
    });
    for (key, members) in survivors {
        if (members.len() as u64) < options.min_count {
            continue;
        }
        let series: Vec<u64> = counts
            .iter()
            .map(|c| c.get(&key).copied().unwrap_or(0))
            .collect();
        if !steadily_growing(&series) {
            continue;
        }
        let retained = last.set_retained_size(&members);
        if retained < byte_floor(&series, options) {
            continue;
        }
        let sample = *members
            .iter()
            .max_by(|&&a, &&b| {
                last.retained[a as usize]
                    .cmp(&last.retained[b as usize])
                    .then(a.cmp(&b))
            })
            .expect("non-empty");
        let is_code =
            key.ends_with("()") || key.starts_with("system / Context") || key == COMPILED_CODE;
        let growth = (series[series.len() - 1] - series[0]) as f64 / intervals;
        let (package, created_by) = attribute(&members, sample);
        let summary = format!(
            "{} {} {} created since snapshot 1 are still alive, +{} per interval ({}); they hold {} ({:.1}% of the heap){}.",
            with_commas(members.len() as u64),
            key,
            if key.ends_with("()") { "functions" } else { "objects" },
            with_commas(growth.round() as u64),
            series.iter().map(|c| with_commas(*c)).collect::<Vec<_>>().join(" → "),
            human(retained),
            retained as f64 * 100.0 / total,
            if package.starts_with('(') { String::new() } else { format!(", attributed to {package}") }
        );
        suspects.push(Suspect {
            kind: if is_code {
                "code_growth"
            } else {
                "accumulating_objects"
            }
            .to_string(),
            class: key,
            package,
            counts: series,
            unit: "objects".to_string(),
            retained_size: retained,
            heap_share: retained as f64 / total,
            growth_per_interval: growth,
            survivors: members.len() as u64,
            related: Vec::new(),
            created_by,
            held_by: None,
            // Set once related groups are merged (see below).
            path: Vec::new(),
            sample_id: last.snap.nodes.id[sample as usize],
            summary,
        });
        suspect_members.push(members);
        samples.push(sample);
    }

    t.lap("  leaks: accumulating groups");
    // --- Related groups: a group whose objects are mostly dominated by a
    // larger group's objects is part of that leak (a socket's request, its
    // listeners, contexts of its closures) and is merged into it.
    let retained: Vec<u64> = suspects.iter().map(|x| x.retained_size).collect();
    let merged_into = crate::leak_groups::join_related(last, &retained, &suspect_members);
    // Per suspect, its groups: (class, objects), its own first, then the
    // related ones by retained size.
    let mut piles: Vec<Vec<(String, Vec<u32>)>> = suspects
        .iter()
        .zip(&suspect_members)
        .map(|(x, m)| vec![(x.class.clone(), m.clone())])
        .collect();
    let mut order: Vec<usize> = (0..suspects.len()).collect();
    order.sort_by_key(|&g| std::cmp::Reverse(suspects[g].retained_size));
    for g in order {
        if let Some(h) = merged_into[g] {
            let related = RelatedGroup {
                class: suspects[g].class.clone(),
                survivors: suspects[g].survivors,
                counts: suspects[g].counts.clone(),
                retained_size: suspects[g].retained_size,
            };
            suspects[h].related.push(related);
            let group = (suspects[g].class.clone(), suspect_members[g].clone());
            piles[h].push(group);
        }
    }
    // Compiled code that no growing group of functions holds is the JIT
    // compiling and optimizing code that already existed (warm-up), not a
    // leak: code made per request (eval, `new Function`) comes with its new
    // functions and contexts, which are reported, with the code merged in.
    let stays: Vec<bool> = merged_into
        .iter()
        .zip(&suspects)
        .map(|(t, x)| t.is_none() && x.class != COMPILED_CODE)
        .collect();
    retain_where(&mut suspects, &stays);
    retain_where(&mut suspect_members, &stays);
    retain_where(&mut piles, &stays);
    retain_where(&mut samples, &stays);
    // The path: the shortest one from the roots to any of the suspect's
    // objects (the one it ends at becomes the sample).
    for (k, suspect) in suspects.iter_mut().enumerate() {
        if !suspect.related.is_empty() {
            suspect.related.sort_by(|x, y| {
                y.retained_size
                    .cmp(&x.retained_size)
                    .then_with(|| x.class.cmp(&y.class))
            });
            let mut list = suspect
                .related
                .iter()
                .take(RELATED_NAMED)
                .map(|r| format!("{} {}", with_commas(r.survivors), r.class))
                .collect::<Vec<_>>()
                .join(", ");
            let more = suspect.related.len().saturating_sub(RELATED_NAMED);
            if more > 0 {
                list.push_str(&format!(
                    " and {more} more group{}",
                    if more == 1 { "" } else { "s" }
                ));
            }
            suspect
                .summary
                .push_str(&format!(" They hold other new objects: {list}."));
        }
        let mut heads = BitSet::new(last.snap.node_count());
        for &v in &suspect_members[k] {
            heads.set(v as usize);
        }
        match last.shortest_path_to_any(&heads) {
            Some(path) => {
                if let Some(end) = path.edges.last() {
                    suspect.sample_id = last.snap.nodes.id[end.target as usize];
                }
                suspect.path = last.path_steps(&path);
            }
            None => suspect.path = last.path_out(samples[k]),
        }
    }

    // An object that holds most of an accumulating group is where that group
    // piles up (an accumulation point): it is named there, not reported apart.
    let absorb = |v: u32, suspects: &mut Vec<Suspect>| -> bool {
        let mut absorbed = false;
        // What `v` references directly, or through its table / elements store.
        let mut referenced: rustc_hash::FxHashSet<u32> = rustc_hash::FxHashSet::default();
        for e in last.snap.edge_range(v) {
            let t = last.snap.edges.to[e];
            referenced.insert(t);
            if last.snap.edges.ty[e] == last.snap.edge_types.internal
                && matches!(
                    last.snap.strings.get(last.snap.edges.name_or_index[e]),
                    "table" | "elements" | "properties"
                )
            {
                for f in last.snap.edge_range(t) {
                    referenced.insert(last.snap.edges.to[f]);
                }
            }
        }
        for (k, groups) in piles.iter().enumerate() {
            // The suspect's own objects first, then those held with them.
            for (j, (class, members)) in groups.iter().enumerate() {
                let direct = members.iter().filter(|m| referenced.contains(m)).count();
                let held = if direct * 2 >= members.len() {
                    direct
                } else {
                    members
                        .iter()
                        .filter(|&&m| last.dominator_chain(m).contains(&v))
                        .count()
                };
                if held * 2 < members.len() {
                    continue;
                }
                // Named with the references that reach it (the shortest path
                // that avoids the pile), e.g. `Array @12 (Agent.sockets.host:443)`.
                let mut pile = BitSet::new(last.snap.node_count());
                for (_, objects) in groups {
                    for &o in objects {
                        pile.set(o as usize);
                    }
                }
                let holder_path = last.shortest_path_avoiding(v, &pile);
                if j == 0 {
                    // The suspect's path then shows the pile: holder, then one
                    // of its objects (directly or through its table/elements).
                    if let Some(path) = holder_path
                        .as_ref()
                        .and_then(|p| last.extend_into(p, v, members))
                    {
                        if let Some(end) = path.edges.last() {
                            suspects[k].sample_id = last.snap.nodes.id[end.target as usize];
                        }
                        suspects[k].path = last.path_steps(&path);
                    }
                }
                let reference = holder_path
                    .as_ref()
                    .and_then(|p| last.reached_as(p, v))
                    .or_else(|| {
                        last.retainers_view(v).first().map(|r| {
                            format!("{}{}", group_key(last, r.source), last.edge_label(r.edge))
                        })
                    });
                if suspects[k].held_by.is_none() {
                    suspects[k].held_by = Some(Holder {
                        class: group_key(last, v),
                        id: last.snap.nodes.id[v as usize],
                        reference: reference.clone().unwrap_or_default(),
                        holds: held as u64,
                        retained_size: last.retained[v as usize],
                        owner: holder_path.as_ref().and_then(|p| last.nearest_function(p)),
                    });
                }
                let via = reference
                    .map(|text| format!(" ({text})"))
                    .unwrap_or_default();
                let holder = format!(
                    "{} @{}{}",
                    group_key(last, v),
                    last.snap.nodes.id[v as usize],
                    via
                );
                let whose = match j {
                    0 => "of them".to_string(),
                    _ => format!("of their {class}"),
                };
                let text = format!(
                    " {} {whose} pile up in one {} (retaining {}).",
                    with_commas(held as u64),
                    holder,
                    human(last.retained[v as usize])
                );
                if !suspects[k].summary.contains(&holder) {
                    suspects[k].summary.push_str(&text);
                }
                absorbed = true;
                break;
            }
        }
        absorbed
    };

    t.lap("  leaks: related groups, paths");
    // --- Collections that only grow: the same Map, Set, array or dictionary
    // object in every snapshot, with more entries in every interval.
    let mut collections: Vec<u32> = Vec::new();
    for v in 0..last.snap.node_count() as u32 {
        let Some(entries_last) = last.entry_count(v) else {
            continue;
        };
        if entries_last < options.min_count {
            continue;
        }
        let id = last.snap.nodes.id[v as usize];
        let Some(series) = per_snapshot(snaps, &earlier_ids, v, |a, o| a.entry_count(o)) else {
            continue;
        };
        let grew = entries_last.saturating_sub(series[0]);
        if !steadily_growing(&series) || grew < options.min_count {
            continue;
        }
        collections.push(v);
        if absorb(v, &mut suspects) {
            continue;
        }
        let retained = last.retained[v as usize];
        if retained < options.min_bytes {
            continue;
        }
        let class = group_key(last, v);
        let growth = grew as f64 / intervals;
        let (package, created_by) = attribute(&[v], v);
        let summary = format!(
            "One {} (@{}) only grows: {} entries ({}), +{} per interval; it retains {} ({:.1}% of the heap){}.",
            class,
            id,
            with_commas(entries_last),
            series.iter().map(|c| with_commas(*c)).collect::<Vec<_>>().join(" → "),
            with_commas(growth.round() as u64),
            human(retained),
            retained as f64 * 100.0 / total,
            if package.starts_with('(') { String::new() } else { format!(", attributed to {package}") }
        );
        let mut suspect = last.object_suspect(
            v,
            "growing_collection",
            "entries",
            series,
            growth,
            package,
            summary,
        );
        suspect.created_by = created_by;
        suspects.push(suspect);
    }

    t.lap("  leaks: growing collections");
    // --- Growing single objects: the largest objects of the last snapshot
    // whose retained size grew in every interval.
    let candidates = last.top_nodes(2000, |v| {
        v != last.snap.root && last.snap.nodes.id[v as usize] % 2 == 1
    });
    let mut growing: Vec<(u32, Vec<u64>)> = Vec::new();
    for v in candidates {
        let Some(series) =
            per_snapshot(snaps, &earlier_ids, v, |a, o| Some(a.retained[o as usize]))
        else {
            continue;
        };
        let grew = series[series.len() - 1] - series[0].min(series[series.len() - 1]);
        if strictly_growing(&series) && grew >= options.min_bytes && grew as f64 >= 0.01 * total {
            growing.push((v, series));
        }
    }
    // One suspect per dominator chain: the deepest JS object whose growth is
    // most of the chain's growth (the buffer, not every holder above it).
    let growth_of = |s: &Vec<u64>| s[s.len() - 1] - s[0];
    growing.sort_by_key(|g| std::cmp::Reverse(growth_of(&g.1)));
    let mut taken = vec![false; growing.len()];
    for i in 0..growing.len() {
        if taken[i] {
            continue;
        }
        let top_growth = growth_of(&growing[i].1);
        // Members of this chain: growing nodes on i's dominator chain or below it.
        let mut chain: Vec<usize> = vec![i];
        for (j, g) in growing.iter().enumerate() {
            if j == i || taken[j] {
                continue;
            }
            let related = last.dominator_chain(g.0).contains(&growing[i].0)
                || last.dominator_chain(growing[i].0).contains(&g.0);
            if related {
                chain.push(j);
            }
        }
        for &j in &chain {
            taken[j] = true;
        }
        let object = last.snap.node_types.object;
        let pick = chain
            .iter()
            .copied()
            .filter(|&j| growth_of(&growing[j].1) as f64 >= 0.8 * top_growth as f64)
            .max_by_key(|&j| {
                let v = growing[j].0;
                (
                    last.snap.nodes.ty[v as usize] == object,
                    last.dominator_chain(v).len(),
                )
            })
            .unwrap_or(i);
        let (v, series) = (&growing[pick].0, &growing[pick].1);
        let v = *v;
        if collections.contains(&v)
            || chain.iter().any(|&j| collections.contains(&growing[j].0))
            || absorb(v, &mut suspects)
        {
            continue;
        }
        let class = group_key(last, v);
        let retained = last.retained[v as usize];
        let growth = growth_of(series) as f64 / intervals;
        let (package, created_by) = attribute(&[v], v);
        let bulk = last.bulk_of(v).map(|b| {
            format!(
                "; most of it is one {} of {} (@{})",
                group_key(last, b),
                human(last.snap.nodes.self_size[b as usize] as u64),
                last.snap.nodes.id[b as usize]
            )
        });
        let summary = format!(
            "One {} (@{}) keeps growing: it retains {} ({}), +{} per interval; now {:.1}% of the heap{}{}.",
            class,
            last.snap.nodes.id[v as usize],
            human(retained),
            series.iter().map(|s| human(*s)).collect::<Vec<_>>().join(" → "),
            human(growth as u64),
            retained as f64 * 100.0 / total,
            bulk.unwrap_or_default(),
            if package.starts_with('(') { String::new() } else { format!(", attributed to {package}") }
        );
        let mut suspect = last.object_suspect(
            v,
            "growing_object",
            "bytes",
            series.clone(),
            growth,
            package,
            summary,
        );
        suspect.created_by = created_by;
        suspects.push(suspect);
    }

    t.lap("  leaks: growing objects");
    suspects.sort_by(|a, b| {
        b.retained_size
            .cmp(&a.retained_size)
            .then_with(|| a.class.cmp(&b.class))
    });
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
        suspects,
    })
}

#[cfg(test)]
mod tests {
    use super::steadily_growing;

    #[test]
    fn regular_growth_lowers_the_byte_floor() {
        let o = super::LeakOptions::default();
        assert_eq!(super::byte_floor(&[20, 220, 420], &o), o.min_bytes / 10);
        assert_eq!(super::byte_floor(&[20, 220, 620], &o), o.min_bytes);
        assert_eq!(
            super::byte_floor(&[20, 60, 100], &o),
            o.min_bytes,
            "under --min-count"
        );
        assert_eq!(
            super::byte_floor(&[20, 220], &o),
            o.min_bytes,
            "one interval"
        );
    }

    #[test]
    fn warm_up_slows_down_a_leak_does_not() {
        assert!(steadily_growing(&[20, 320, 620]));
        assert!(steadily_growing(&[501, 2501, 4501]));
        // JIT warm-up on a server that does not leak: +793, then +117.
        assert!(!steadily_growing(&[16_858, 17_651, 17_768]));
        assert!(steadily_growing(&[10, 20, 26]));
        assert!(!steadily_growing(&[10, 20, 20]));
        assert!(steadily_growing(&[10, 20]));
        // Four snapshots: the last interval against the mean of the others.
        assert!(steadily_growing(&[0, 100, 180, 260]));
        assert!(!steadily_growing(&[0, 100, 180, 200]));
    }
}
