//! From candidates to suspects: groups of one leak become one suspect,
//! holders are named, transient groups and JIT warm-up are dropped.
//! - Related groups: a group whose objects are mostly dominated by a larger
//!   group's objects is part of that leak (a socket's request, its
//!   listeners, contexts of its closures): see [`super::related`].
//! - Compiled code that no growing group of functions holds is the JIT
//!   compiling code that already existed (warm-up), not a leak.
//! - A group reached only through the stack or handle scopes is transient.
//! - An object candidate (collection, growing object, array store) that
//!   holds most of a group is where that group piles up: it is named as the
//!   group's holder, not reported apart. Groups with one holder are one leak.
//! - Other object candidates are suspects of their own above their floor.

use super::detectors::accumulating::COMPILED_CODE;
use super::detectors::Candidate;
use super::paths::{Reach, Reachability};
use super::{LeakContext, LeakOptions, RelatedGroup, Suspect};
use crate::bitset::BitSet;
use crate::paths::RetainerPath;
use crate::Analysis;
use rustc_hash::FxHashSet;

/// A suspect while the pipeline works on it.
pub struct Working {
    /// What is reported (paths, holder, attribution and summary filled in
    /// by the later steps).
    pub suspect: Suspect,
    /// Its own objects (survivors, or the one object).
    pub members: Vec<u32>,
    /// Its groups (class, objects): its own first, then the related ones.
    pub pile: Vec<(String, Vec<u32>)>,
    pub sample: u32,
    /// The one object of a collection or growing object.
    pub object: Option<u32>,
    /// Where its objects pile up, when an object candidate holds them.
    pub holder: Option<HolderFound>,
}

/// An accumulation point found for a group.
pub struct HolderFound {
    pub node: u32,
    /// The shortest path to it that avoids the pile.
    pub path: Option<RetainerPath>,
    /// How many of the objects it holds.
    pub held: u64,
    /// The related group it holds, when not the suspect's own objects.
    pub of_related: Option<String>,
}

/// Candidates to suspects (unranked).
pub fn merge(cx: &LeakContext, candidates: Vec<Candidate>, options: &LeakOptions) -> Vec<Working> {
    let _ = options;
    let (groups, objects): (Vec<Candidate>, Vec<Candidate>) =
        candidates.into_iter().partition(|c| c.object.is_none());
    let mut out = join_groups(cx, groups);
    let reach = &cx.reach;
    let transient = &reach.transient_roots;
    out.retain_mut(|w| place_group(cx.last, w, reach));
    for candidate in objects {
        let v = candidate.object.expect("object candidate");
        if absorb(cx.last, v, &mut out, transient) {
            continue;
        }
        if candidate.retained >= candidate.floor && !reach.only_transient(v) {
            out.push(object_suspect(cx, candidate));
        }
    }
    let out = merge_companions(cx.last, merge_same_holder(out));
    out.into_iter()
        .map(|w| name_by_holder(cx.last, w))
        .collect()
}

/// Ranked by retained size, then by class.
pub fn rank(mut suspects: Vec<Working>) -> Vec<Working> {
    suspects.sort_by(|a, b| {
        b.suspect
            .retained_size
            .cmp(&a.suspect.retained_size)
            .then_with(|| a.suspect.class.cmp(&b.suspect.class))
    });
    suspects
}

fn new_suspect(cx: &LeakContext, c: &Candidate) -> Suspect {
    Suspect {
        kind: c.kind,
        class: c.class.clone(),
        package: String::new(),
        counts: c.counts.clone(),
        class_bytes: Vec::new(),
        unit: c.unit,
        retained_size: c.retained,
        heap_share: c.retained as f64 / cx.total,
        growth_per_interval: c.growth,
        survivors: match c.object {
            None => c.members.len() as u64,
            Some(_) => 0,
        },
        related: Vec::new(),
        created_by: None,
        held_by: None,
        added_at: None,
        path: Vec::new(),
        sample_id: cx.last.snap.nodes.id[c.sample as usize],
        summary: String::new(),
    }
}

fn object_suspect(cx: &LeakContext, c: Candidate) -> Working {
    let v = c.object.expect("object candidate");
    let mut suspect = new_suspect(cx, &c);
    suspect.path = cx.last.path_out(v);
    Working {
        suspect,
        pile: vec![(c.class.clone(), c.members.clone())],
        members: c.members,
        sample: v,
        object: Some(v),
        holder: None,
    }
}

/// Groups joined with the groups of their leak; compiled code on its own
/// dropped (warm-up).
fn join_groups(cx: &LeakContext, groups: Vec<Candidate>) -> Vec<Working> {
    let retained: Vec<u64> = groups.iter().map(|g| g.retained).collect();
    let members: Vec<Vec<u32>> = groups.iter().map(|g| g.members.clone()).collect();
    let merged_into = super::related::join_related(cx.last, &retained, &members);
    let mut out: Vec<Working> = groups
        .iter()
        .map(|c| Working {
            suspect: new_suspect(cx, c),
            members: c.members.clone(),
            pile: vec![(c.class.clone(), c.members.clone())],
            sample: c.sample,
            object: None,
            holder: None,
        })
        .collect();
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|&g| std::cmp::Reverse(groups[g].retained));
    for g in order {
        if let Some(h) = merged_into[g] {
            let related = related_of(&out[g].suspect);
            out[h].suspect.related.push(related);
            let group = (groups[g].class.clone(), groups[g].members.clone());
            out[h].pile.push(group);
        }
    }
    let mut keep = merged_into
        .iter()
        .zip(&groups)
        .map(|(t, g)| t.is_none() && g.class != COMPILED_CODE);
    out.retain(|_| keep.next().unwrap_or(true));
    for w in &mut out {
        sort_related(&mut w.suspect.related);
    }
    out
}

fn related_of(s: &Suspect) -> RelatedGroup {
    RelatedGroup {
        class: s.class.clone(),
        survivors: s.survivors,
        counts: s.counts.clone(),
        retained_size: s.retained_size,
    }
}

fn sort_related(related: &mut [RelatedGroup]) {
    related.sort_by(|x, y| {
        y.retained_size
            .cmp(&x.retained_size)
            .then_with(|| x.class.cmp(&y.class))
    });
}

/// The path to the nearest of a group's objects (which becomes its sample);
/// `false` when the group is only reached through transient roots.
fn place_group(a: &Analysis, w: &mut Working, reach: &Reachability) -> bool {
    match reach.reach(a, &w.members) {
        Reach::Lasting(path) => {
            if let Some(end) = path.edges.last() {
                w.suspect.sample_id = a.snap.nodes.id[end.target as usize];
                w.sample = end.target;
            }
            w.suspect.path = a.path_steps(&path);
            true
        }
        Reach::Transient => false,
        Reach::Unreachable => {
            w.suspect.path = a.path_out(w.sample);
            true
        }
    }
}

/// What `v` references directly or through its table / elements store.
fn referenced_by(a: &Analysis, v: u32) -> FxHashSet<u32> {
    let snap = &a.snap;
    let mut out: FxHashSet<u32> = snap.edge_range(v).map(|e| snap.edges.to[e]).collect();
    for e in a.store_edges(v) {
        out.extend(snap.edge_range(snap.edges.to[e]).map(|f| snap.edges.to[f]));
    }
    out
}

/// Names `v` as the holder of every group (a suspect's own objects first,
/// then those held with them) it holds at least half of; whether it holds any.
fn absorb(a: &Analysis, v: u32, suspects: &mut [Working], transient: &[u32]) -> bool {
    let referenced = referenced_by(a, v);
    let mut absorbed = false;
    for w in suspects.iter_mut().filter(|w| w.object.is_none()) {
        let mut found = None;
        for (j, (class, members)) in w.pile.iter().enumerate() {
            let direct = members.iter().filter(|m| referenced.contains(m)).count();
            let held = match direct * 2 >= members.len() {
                true => direct,
                false => members
                    .iter()
                    .filter(|&&m| a.dominator_chain(m).contains(&v))
                    .count(),
            };
            if held * 2 < members.len() {
                continue;
            }
            found = Some((held as u64, j, class.clone()));
            break;
        }
        if let Some((held, j, class)) = found {
            absorbed = true;
            if w.holder.is_none() {
                w.holder = Some(holder_of(a, v, held, (j, &class), w, transient));
            }
        }
    }
    absorbed
}

/// The holder `v` of a working suspect's `j`-th group, with the shortest
/// path to it that avoids the pile; for the suspect's own objects the
/// suspect's path then shows the pile (holder, then one of its objects).
fn holder_of(
    a: &Analysis,
    v: u32,
    held: u64,
    (j, class): (usize, &str),
    w: &mut Working,
    transient: &[u32],
) -> HolderFound {
    let mut pile = BitSet::new(a.snap.node_count());
    for (_, objects) in &w.pile {
        for &o in objects {
            pile.set(o as usize);
        }
    }
    // Through what lasts when it can (not the stack of the code running).
    let lasting = a.with_transient_roots(pile.clone(), transient);
    let path = a
        .shortest_path_avoiding(v, &lasting)
        .or_else(|| a.shortest_path_avoiding(v, &pile));
    if j == 0 {
        if let Some(full) = path.as_ref().and_then(|p| a.extend_into(p, v, &w.members)) {
            if let Some(end) = full.edges.last() {
                w.suspect.sample_id = a.snap.nodes.id[end.target as usize];
                w.sample = end.target;
            }
            w.suspect.path = a.path_steps(&full);
        }
    }
    HolderFound {
        node: v,
        path,
        held,
        of_related: (j > 0).then(|| class.to_string()),
    }
}

/// Groups whose objects pile up in one holder are one leak: the smaller
/// join the largest as related groups.
fn merge_same_holder(mut suspects: Vec<Working>) -> Vec<Working> {
    let mut order: Vec<usize> = (0..suspects.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(suspects[i].suspect.retained_size));
    let mut into: Vec<Option<usize>> = vec![None; suspects.len()];
    for (rank, &i) in order.iter().enumerate() {
        let Some(node) = suspects[i].holder.as_ref().map(|h| h.node) else {
            continue;
        };
        into[i] = order[..rank].iter().copied().find(|&k| {
            into[k].is_none() && suspects[k].holder.as_ref().is_some_and(|h| h.node == node)
        });
    }
    for i in 0..suspects.len() {
        if let Some(k) = into[i] {
            merge_into(&mut suspects, i, k);
        }
    }
    drop_merged(suspects, &into)
}

/// Merges group `i` into suspect `k`: its own objects and related groups
/// become `k`'s related groups.
fn merge_into(suspects: &mut [Working], i: usize, k: usize) {
    let related = related_of(&suspects[i].suspect);
    let mut extra = std::mem::take(&mut suspects[i].suspect.related);
    let pile = std::mem::take(&mut suspects[i].pile);
    let target = &mut suspects[k];
    target.suspect.related.push(related);
    target.suspect.related.append(&mut extra);
    target.pile.extend(pile);
    sort_related(&mut target.suspect.related);
}

/// Keeps the suspects that were not merged into another.
fn drop_merged(mut suspects: Vec<Working>, into: &[Option<usize>]) -> Vec<Working> {
    let mut keep = into.iter().map(|t| t.is_none());
    suspects.retain(|_| keep.next().unwrap_or(true));
    suspects
}

/// Members of a group looked at to decide whether it is another's companion.
const COMPANION_SAMPLE: usize = 32;

/// A group with no holder of its own whose objects are each referenced by
/// objects of a larger suspect's pile is part of that leak: the native
/// handle of every leaked socket, the wrapper of every leaked request.
fn merge_companions(a: &Analysis, mut suspects: Vec<Working>) -> Vec<Working> {
    let mut order: Vec<usize> = (0..suspects.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(suspects[i].suspect.retained_size));
    let mut pile_of: rustc_hash::FxHashMap<u32, usize> = Default::default();
    for (k, w) in suspects.iter().enumerate() {
        for (_, members) in &w.pile {
            for &m in members {
                pile_of.entry(m).or_insert(k);
            }
        }
    }
    let weak = a.snap.edge_types.weak;
    let mut into: Vec<Option<usize>> = vec![None; suspects.len()];
    for (rank, &i) in order.iter().enumerate() {
        let w = &suspects[i];
        if w.object.is_some() || w.holder.is_some() {
            continue;
        }
        let larger: Vec<usize> = order[..rank]
            .iter()
            .copied()
            .filter(|&k| into[k].is_none())
            .collect();
        let mut votes: rustc_hash::FxHashMap<usize, usize> = Default::default();
        let sample = &w.members[..w.members.len().min(COMPANION_SAMPLE)];
        let in_larger = |v: u32| pile_of.get(&v).copied().filter(|k| larger.contains(k));
        for &m in sample {
            let by = a
                .incoming_edges(m)
                .into_iter()
                .filter(|r| a.snap.edges.ty[r.edge] != weak)
                .find_map(|r| in_larger(r.source))
                .or_else(|| linked_within_two(a, m, &in_larger));
            if let Some(k) = by {
                *votes.entry(k).or_insert(0) += 1;
            }
        }
        let best = votes
            .into_iter()
            .max_by_key(|&(k, n)| (n, std::cmp::Reverse(k)));
        if let Some((k, n)) = best.filter(|&(_, n)| n * 2 >= sample.len()) {
            let _ = n;
            into[i] = Some(k);
        }
    }
    for i in 0..suspects.len() {
        if let Some(mut k) = into[i] {
            while let Some(next) = into[k] {
                k = next;
            }
            merge_into(&mut suspects, i, k);
        }
    }
    drop_merged(suspects, &into)
}

/// The first `find` answer for a node `m` references, or one of those
/// references, over strong edges (a native handle → its wrapper → the socket).
fn linked_within_two(a: &Analysis, m: u32, find: &dyn Fn(u32) -> Option<usize>) -> Option<usize> {
    let snap = &a.snap;
    let strong = |e: usize| snap.edges.ty[e] != snap.edge_types.weak;
    snap.edge_range(m).filter(|&e| strong(e)).find_map(|e| {
        let t = snap.edges.to[e];
        find(t).or_else(|| {
            snap.edge_range(t)
                .filter(|&f| strong(f))
                .find_map(|f| find(snap.edges.to[f]))
        })
    })
}

/// A leak is named by the objects its holder keeps, not by what those
/// objects hold: when the holder references most of a related group
/// directly and few of the suspect's own objects (a cache holds orders,
/// the orders hold arrays), that group heads the suspect.
fn name_by_holder(a: &Analysis, mut w: Working) -> Working {
    let Some(h) = &w.holder else {
        return w;
    };
    let referenced = referenced_by(a, h.node);
    let direct = |members: &[u32]| {
        let n = members.iter().filter(|m| referenced.contains(m)).count();
        n as f64 / members.len().max(1) as f64
    };
    if direct(&w.members) >= 0.5 {
        return w;
    }
    let best = (1..w.pile.len())
        .map(|j| (j, direct(&w.pile[j].1)))
        .filter(|&(_, share)| share >= 0.5)
        .max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.cmp(&x.0)));
    let Some((j, _)) = best else {
        return w;
    };
    let (class, members) = w.pile[j].clone();
    let Some(r) = w.suspect.related.iter().position(|r| r.class == class) else {
        return w;
    };
    let head = w.suspect.related.remove(r);
    let old = related_of(&w.suspect);
    w.suspect.related.push(old);
    sort_related(&mut w.suspect.related);
    let s = &mut w.suspect;
    s.kind = match class.ends_with("()") {
        true => super::SuspectKind::CodeGrowth,
        false => super::SuspectKind::AccumulatingObjects,
    };
    s.class = class;
    s.growth_per_interval = (head.counts[head.counts.len() - 1] - head.counts[0]) as f64
        / (head.counts.len() - 1).max(1) as f64;
    s.counts = head.counts;
    s.survivors = head.survivors;
    s.retained_size = s.retained_size.max(head.retained_size);
    w.pile.swap(0, j);
    w.members = members;
    if let Some(h) = &mut w.holder {
        h.of_related = None;
        h.held = w.members.iter().filter(|m| referenced.contains(m)).count() as u64;
        let full = h
            .path
            .as_ref()
            .and_then(|p| a.extend_into(p, h.node, &w.members));
        if let Some(full) = full {
            if let Some(end) = full.edges.last() {
                w.suspect.sample_id = a.snap.nodes.id[end.target as usize];
                w.sample = end.target;
            }
            w.suspect.path = a.path_steps(&full);
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use crate::leaks::test_graph::{module_array, Shape};
    use crate::leaks::{find_leaks, LeakOptions, SuspectKind};
    use crate::Analysis;

    fn suspects(on_stack: bool) -> Vec<crate::leaks::Suspect> {
        let snaps = module_array(Shape {
            items: [10, 70, 130],
            item_size: 1_000,
            on_stack,
        });
        let refs: Vec<&Analysis> = snaps.iter().collect();
        let options = LeakOptions {
            min_bytes: 10_000,
            min_count: 5,
        };
        find_leaks(&refs, &options).unwrap().suspects
    }

    #[test]
    fn the_collection_that_holds_a_group_is_its_holder_not_a_second_suspect() {
        let found = suspects(false);
        assert_eq!(found.len(), 1, "{found:#?}");
        let s = &found[0];
        assert_eq!(
            (s.kind, s.class.as_str()),
            (SuspectKind::AccumulatingObjects, "Item")
        );
        let holder = s.held_by.as_ref().expect("held by the array");
        assert_eq!((holder.class.as_str(), holder.holds), ("Array", 120));
        // The holder's retainer's class and the last two references.
        assert_eq!(holder.reference, "(synthetic)[1].list");
        // The path ends in the pile: holder, store, one item.
        let tail: Vec<&str> = s
            .path
            .iter()
            .rev()
            .take(3)
            .map(|p| p.node.as_str())
            .collect();
        assert_eq!(tail, ["Item", "(array)", "Array"]);
    }

    /// What `leaks` does to load faster changes no suspect: the earlier
    /// snapshots analyzed without distances, their id indexes and counts
    /// built ahead.
    #[test]
    fn earlier_snapshots_without_distances_and_parts_built_ahead_change_nothing() {
        use crate::leaks::test_graph::module_array_with;
        use crate::leaks::{find_leaks_with, EarlierSnapshot};
        let shape = Shape {
            items: [10, 70, 130],
            item_size: 1_000,
            on_stack: false,
        };
        let options = LeakOptions {
            min_bytes: 10_000,
            min_count: 5,
        };
        let full = module_array(shape);
        let refs: Vec<&Analysis> = full.iter().collect();
        let plain = find_leaks(&refs, &options).unwrap();
        let mut lean = module_array_with(shape, Analysis::without_distances);
        assert!(lean[0].distances.is_empty() && !full[0].distances.is_empty());
        lean[2] = module_array(shape).pop().unwrap();
        let refs: Vec<&Analysis> = lean.iter().collect();
        for ahead in [
            vec![Some(EarlierSnapshot::of(refs[0]))],
            vec![None, Some(EarlierSnapshot::of(refs[1]))],
        ] {
            let fast = find_leaks_with(&refs, ahead, &options).unwrap();
            assert_eq!(
                serde_json::to_string(&fast).unwrap(),
                serde_json::to_string(&plain).unwrap()
            );
        }
        assert_eq!(plain.suspects.len(), 1);
    }

    #[test]
    fn objects_reached_only_from_the_stack_are_transient() {
        assert!(suspects(true).is_empty());
    }
}
