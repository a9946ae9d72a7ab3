//! One module per leak mechanism, all behind one signature:
//! `detect(&LeakContext, &LeakOptions) -> Vec<Candidate>`. A detector only
//! finds what grows; merging groups of one leak, naming holders and the
//! noise floor of standalone suspects are the next steps' work.

pub mod accumulating;
mod array_stores;
mod collections;
mod growing_objects;

use super::{LeakContext, LeakOptions, SuspectKind, Unit};

/// Something that grows in every interval.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub kind: SuspectKind,
    pub class: String,
    /// Per snapshot, in `unit`.
    pub counts: Vec<u64>,
    pub unit: Unit,
    /// What it retains in the last snapshot (a group: as a set).
    pub retained: u64,
    /// Mean growth per interval, in `unit`.
    pub growth: f64,
    /// A group's new objects still alive (ordinals, sorted); `[object]` for
    /// a single object.
    pub members: Vec<u32>,
    /// The one object, for collections and growing objects.
    pub object: Option<u32>,
    /// The member to show first (the one retaining most).
    pub sample: u32,
    /// Other growing objects on this one's dominator chain (growing objects).
    pub chain: Vec<u32>,
    /// What it must retain to be reported on its own (it may still name
    /// the holder of a group below that).
    pub floor: u64,
}

impl Candidate {
    /// A candidate that is one object (node `v` of the last snapshot).
    pub fn object(
        cx: &LeakContext,
        v: u32,
        kind: SuspectKind,
        unit: Unit,
        counts: Vec<u64>,
        floor: u64,
    ) -> Candidate {
        let growth = (counts[counts.len() - 1] - counts[0]) as f64 / cx.intervals;
        Candidate {
            kind,
            class: super::context::group_key(cx.last, v),
            counts,
            unit,
            retained: cx.last.retained[v as usize],
            growth,
            members: vec![v],
            object: Some(v),
            sample: v,
            chain: Vec::new(),
            floor,
        }
    }
}

/// Every detector's candidates: groups of objects first, then collections,
/// growing objects and array stores (the order holders are looked for in).
pub fn run_all(cx: &LeakContext, options: &LeakOptions) -> Vec<Candidate> {
    let mut out = accumulating::detect(cx, options);
    let collections = collections::detect(cx, options);
    let objects = growing_objects::detect(cx, options);
    // A growing object that is, or holds, a growing collection is that
    // collection's growth, named once.
    let is_collection = |v: u32| collections.iter().any(|c| c.object == Some(v));
    let objects: Vec<Candidate> = objects
        .into_iter()
        .filter(|o| !o.chain.iter().chain(&o.members).any(|&v| is_collection(v)))
        .collect();
    let stores: Vec<Candidate> = array_stores::detect(cx, options)
        .into_iter()
        .filter(|s| !is_collection(s.members[0]))
        .collect();
    out.extend(collections);
    out.extend(objects);
    out.extend(stores);
    out
}
