//! What every leak detector reads: the snapshots (checked to come from one
//! process, in time order), an id index of each earlier snapshot, instance
//! counts per group in each, the last snapshot's package attribution and
//! what of it lasts (is reached other than through the stack).

use super::paths::Reachability;
use super::LeakInputError;
use crate::ids::IdIndex;
use crate::packages::PackageAttribution;
use crate::Analysis;
use rustc_hash::FxHashMap;

/// The input of every detector.
pub struct LeakContext<'a> {
    pub snaps: &'a [&'a Analysis],
    /// The last snapshot, analyzed fully.
    pub last: &'a Analysis,
    /// Id index of every snapshot but the last.
    pub earlier_ids: Vec<IdIndex>,
    /// Instances per group key, per snapshot.
    pub counts: Vec<FxHashMap<String, u64>>,
    /// Shallow bytes per group key, per snapshot.
    pub bytes: Vec<FxHashMap<String, u64>>,
    pub packages: PackageAttribution,
    /// What of the last snapshot is reached, and how.
    pub reach: Reachability,
    /// The last snapshot's total size (at least 1).
    pub total: f64,
    /// Intervals between snapshots.
    pub intervals: f64,
}

/// What the leak search reads of an earlier snapshot beside its analysis:
/// its id index and its counts per group. [`find_leaks`](super::find_leaks)
/// builds it; a caller that loads snapshots one after another can build it
/// ahead ([`EarlierSnapshot::of`]) while the next one loads.
pub struct EarlierSnapshot {
    ids: IdIndex,
    counts: FxHashMap<String, u64>,
    bytes: FxHashMap<String, u64>,
}

impl EarlierSnapshot {
    pub fn of(a: &Analysis) -> Self {
        let (counts, bytes) = counts_by_group(a);
        EarlierSnapshot {
            ids: IdIndex::build(&a.snap.nodes.id),
            counts,
            bytes,
        }
    }
}

impl<'a> LeakContext<'a> {
    /// Checks the input, then builds what is not in `earlier` yet (one per
    /// snapshot but the last, each `None` or built from that snapshot):
    /// package attribution, reachability and the last snapshot's counts on
    /// three threads.
    pub fn new(
        snaps: &'a [&'a Analysis],
        earlier: Vec<Option<EarlierSnapshot>>,
    ) -> Result<Self, LeakInputError> {
        if snaps.len() < 2 {
            return Err(LeakInputError::TooFew);
        }
        let mut earlier_ids = Vec::new();
        let (mut counts, mut bytes) = (Vec::new(), Vec::new());
        for e in complete(&snaps[..snaps.len() - 1], earlier) {
            earlier_ids.push(e.ids);
            counts.push(e.counts);
            bytes.push(e.bytes);
        }
        let last = *snaps.last().expect("checked");
        // The check runs beside the rest, which is thrown away if it fails.
        let (checked, packages, reach, (last_counts, last_bytes)) = std::thread::scope(|scope| {
            let packages = scope.spawn(|| last.package_attribution());
            let reach = scope.spawn(|| Reachability::of(last));
            let checked = check(snaps, &earlier_ids);
            let counts = counts_by_group(last);
            let join = "leak context thread panicked";
            let (packages, reach) = (packages.join().expect(join), reach.join().expect(join));
            (checked, packages, reach, counts)
        });
        checked?;
        counts.push(last_counts);
        bytes.push(last_bytes);
        Ok(LeakContext {
            snaps,
            last,
            earlier_ids,
            counts,
            bytes,
            packages,
            reach,
            total: last.total_size().max(1.0),
            intervals: (snaps.len() - 1) as f64,
        })
    }

    /// The package the last snapshot's attribution gives node `v`.
    pub fn package_of(&self, v: u32) -> &str {
        &self.packages.names[self.packages.of_node[v as usize] as usize]
    }

    /// A measure of node `v` of the last snapshot in every snapshot, oldest
    /// first (the same object found by id through the earlier indexes);
    /// `None` when it is missing from one or the measure does not apply.
    pub fn per_snapshot(
        &self,
        v: u32,
        measure: impl Fn(&Analysis, u32) -> Option<u64>,
    ) -> Option<Vec<u64>> {
        let id = self.last.snap.nodes.id[v as usize];
        let mut series = Vec::with_capacity(self.snaps.len());
        for (a, ids) in self.snaps.iter().zip(&self.earlier_ids) {
            series.push(measure(a, ids.get(id)?)?);
        }
        series.push(measure(self.last, v)?);
        Some(series)
    }
}

/// `earlier` with what is missing built from `snaps` (two at a time).
fn complete(snaps: &[&Analysis], earlier: Vec<Option<EarlierSnapshot>>) -> Vec<EarlierSnapshot> {
    let mut earlier = earlier;
    earlier.resize_with(snaps.len(), || None);
    std::thread::scope(|scope| {
        let handles: Vec<_> = snaps
            .iter()
            .zip(earlier)
            .map(|(a, e)| match e {
                Some(e) => Ok(e),
                None => Err(scope.spawn(|| EarlierSnapshot::of(a))),
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.unwrap_or_else(|h| h.join().expect("leak context thread panicked")))
            .collect()
    })
}

/// Id indexes of every snapshot but the last, built in parallel.
pub(super) fn earlier_indexes(snaps: &[&Analysis]) -> Vec<IdIndex> {
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

pub(super) fn check(snaps: &[&Analysis], indexes: &[IdIndex]) -> Result<(), LeakInputError> {
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

/// Group key: functions by name, other objects by class.
pub fn group_key(a: &Analysis, v: u32) -> String {
    group_text(a, group_id(a, v))
}

/// A group key before it is spelled out: (is a function, string id of its
/// name or class), so that counting needs no string per object.
pub type GroupId = (bool, u32);

#[inline]
pub fn group_id(a: &Analysis, v: u32) -> GroupId {
    if a.snap.nodes.ty[v as usize] == a.snap.node_types.closure {
        (true, a.snap.nodes.name[v as usize])
    } else {
        (false, a.class_name[v as usize])
    }
}

pub fn group_text(a: &Analysis, (function, id): GroupId) -> String {
    let name = a.snap.strings.get(id);
    match function {
        true => format!("{}()", if name.is_empty() { "(anonymous)" } else { name }),
        false => name.to_string(),
    }
}

/// Instances and shallow bytes per group key.
fn counts_by_group(a: &Analysis) -> (FxHashMap<String, u64>, FxHashMap<String, u64>) {
    let mut by_id: FxHashMap<GroupId, (u64, u64)> = FxHashMap::default();
    for v in 0..a.snap.node_count() as u32 {
        let size = a.snap.nodes.self_size.get(v as usize);
        if size > 0 {
            let entry = by_id.entry(group_id(a, v)).or_insert((0, 0));
            entry.0 += 1;
            entry.1 += size;
        }
    }
    // Different ids may spell the same key (a class name added by analysis).
    let mut counts: FxHashMap<String, u64> = FxHashMap::default();
    let mut bytes: FxHashMap<String, u64> = FxHashMap::default();
    for (id, (n, size)) in by_id {
        let key = group_text(a, id);
        *bytes.entry(key.clone()).or_insert(0) += size;
        *counts.entry(key).or_insert(0) += n;
    }
    (counts, bytes)
}
