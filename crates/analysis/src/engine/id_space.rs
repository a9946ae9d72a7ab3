//! Do two snapshots number their objects alike? V8 gives each heap object an
//! id that stays with it for as long as the heap profiler's object-id map
//! lives. That map is cleared whenever an inspector session ends (the heap
//! profiler agent's `disable` runs on every session close), so two snapshots
//! taken in separate sessions — or of different programs — reuse ids for
//! unrelated objects, and any comparison by id (Comparison view, leak
//! detection) invents figures. This module tells the cases apart.

use crate::engine::ids::IdIndex;
use crate::Analysis;
use rustc_hash::FxHashSet;

/// How the ids of a later snapshot relate to those of an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdSpace {
    /// Shared ids name the same objects: one process, one numbering.
    Same,
    /// Shared ids name different objects, but both snapshots load the same
    /// scripts: one program, numbered anew (separate inspector sessions, or a
    /// restart).
    Renumbered,
    /// Shared ids name different objects and the scripts differ too.
    DifferentPrograms,
}

/// The figures behind an [`IdSpace`] verdict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdSpaceCheck {
    pub verdict: IdSpace,
    /// Heap-object ids present in both snapshots.
    pub shared: u64,
    /// Of those, how many name an object of another type or name.
    pub differing: u64,
    /// Jaccard overlap of the two snapshots' script paths (0..=1), `None`
    /// when neither names a script file.
    pub script_overlap: Option<f64>,
}

impl IdSpaceCheck {
    /// Share of shared ids that name different objects (0 when none is shared).
    pub fn differing_share(&self) -> f64 {
        if self.shared == 0 {
            0.0
        } else {
            self.differing as f64 / self.shared as f64
        }
    }
}

/// How to take snapshots that can be compared.
pub const ONE_SESSION_HINT: &str =
    "take them in one inspector session: `heapscope capture --pid PID --count 3 --every 2m -o DIR`, then `heapscope leaks DIR`";

impl IdSpaceCheck {
    /// One sentence saying why `earlier` and `later` (their names as the user
    /// gave them) cannot be compared by object id, and what to do.
    pub fn explain(&self, earlier: &str, later: &str) -> String {
        let share = self.differing_share() * 100.0;
        let what = match (self.verdict, self.shared) {
            (IdSpace::Same, _) => {
                return format!("{earlier} and {later} number their objects alike")
            }
            (_, 0) => "they share no object id".to_string(),
            _ => format!(
                "{share:.0}% of the object ids they share ({} of {}) name different objects",
                self.differing, self.shared
            ),
        };
        let cause = match self.verdict {
            IdSpace::DifferentPrograms => format!(
                "they are snapshots of different programs ({:.0}% of their script paths in common)",
                self.script_overlap.unwrap_or(0.0) * 100.0
            ),
            _ => "they were taken in separate inspector sessions or runs of the program \
                  (V8 numbers objects anew whenever an inspector session ends)"
                .to_string(),
        };
        let fix = match self.verdict {
            IdSpace::DifferentPrograms => "compare snapshots of one process; ",
            _ => "",
        };
        format!("{earlier} and {later} cannot be compared by object id: {what}; {cause}. To fix it, {fix}{ONE_SESSION_HINT}")
    }
}

/// More than this share of differing ids means a new numbering. Within one
/// numbering an id keeps naming one object; only a few objects change their
/// name between snapshots (a string flattened, a map's name refined).
const MAX_DIFFERING_SHARE: f64 = 0.10;
/// Programs sharing at least this share of their script paths are one program.
const SAME_PROGRAM_OVERLAP: f64 = 0.5;

/// Compares `later` with `earlier`, whose id index is `earlier_ids`.
pub fn compare(earlier: &Analysis, earlier_ids: &IdIndex, later: &Analysis) -> IdSpaceCheck {
    let (mut shared, mut differing) = (0u64, 0u64);
    for (v, &id) in later.snap.nodes.id.iter().enumerate() {
        // Odd ids are heap objects; even ones are synthetic or native nodes.
        if id % 2 == 0 {
            continue;
        }
        if let Some(o) = earlier_ids.get(id) {
            shared += 1;
            let same = earlier.snap.nodes.ty[o as usize] == later.snap.nodes.ty[v]
                && earlier.snap.node_name(o) == later.snap.node_name(v as u32);
            differing += u64::from(!same);
        }
    }
    let renumbered = shared == 0 || differing as f64 > MAX_DIFFERING_SHARE * shared as f64;
    let script_overlap = if renumbered {
        overlap(&script_paths(earlier), &script_paths(later))
    } else {
        None
    };
    let verdict = match (renumbered, script_overlap) {
        (false, _) => IdSpace::Same,
        (true, Some(x)) if x < SAME_PROGRAM_OVERLAP => IdSpace::DifferentPrograms,
        (true, _) => IdSpace::Renumbered,
    };
    IdSpaceCheck {
        verdict,
        shared,
        differing,
        script_overlap,
    }
}

/// Strings of the snapshot that name a script file: absolute paths or
/// `file://` URLs ending in a script extension. Node's own modules (`node:…`)
/// are left out: every program has them.
fn script_paths(a: &Analysis) -> FxHashSet<&str> {
    const EXTENSIONS: [&str; 6] = [".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"];
    let strings = &a.snap.strings;
    (0..strings.len() as u32)
        .map(|i| strings.get(i))
        .filter(|s| s.len() < 4096 && (s.starts_with('/') || s.starts_with("file:///")))
        .filter(|s| EXTENSIONS.iter().any(|e| s.ends_with(e)))
        .collect()
}

fn overlap(a: &FxHashSet<&str>, b: &FxHashSet<&str>) -> Option<f64> {
    let union = a.union(b).count();
    if union == 0 {
        return None;
    }
    Some(a.intersection(b).count() as f64 / union as f64)
}

#[cfg(test)]
mod tests {
    use super::overlap;
    use rustc_hash::FxHashSet;

    #[test]
    fn overlap_is_jaccard() {
        let a: FxHashSet<&str> = ["/app/a.js", "/app/b.js"].into_iter().collect();
        let b: FxHashSet<&str> = ["/app/b.js", "/app/c.js"].into_iter().collect();
        assert_eq!(overlap(&a, &b), Some(1.0 / 3.0));
        assert_eq!(overlap(&FxHashSet::default(), &FxHashSet::default()), None);
    }
}
