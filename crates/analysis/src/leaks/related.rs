//! Which groups of leaked objects are one leak: a socket and its request, a
//! listener and the context it closes over grow together, and are reported as
//! one suspect with the others as related groups.

use crate::Analysis;
use rustc_hash::FxHashMap;

/// Rounds of merging related groups (each round can only merge more).
const MAX_MERGE_ROUNDS: usize = 8;

/// Walking at most this far up the dominator tree to find a holder.
const MAX_DOMINATOR_STEPS: usize = 256;

/// Which accumulating groups are one leak. A group's objects are "held" by
/// another group when their nearest dominator among all groups' objects is in
/// it, or, for objects with none (held along several paths, like a socket and
/// its request, which reference each other), when one of their direct
/// retainers is. A group whose objects are mostly held by one other group (not
/// counting those held within its own merged family) joins it; joining repeats
/// until nothing changes. Each resulting set is reported once, under its
/// largest group: the result maps every other member to that group.
pub(crate) fn join_related(
    a: &Analysis,
    retained: &[u64],
    members: &[Vec<u32>],
) -> Vec<Option<usize>> {
    let mut owner: FxHashMap<u32, usize> = FxHashMap::default();
    for (g, list) in members.iter().enumerate() {
        for &v in list {
            owner.insert(v, g);
        }
    }
    let holders: Vec<FxHashMap<usize, usize>> = members
        .iter()
        .enumerate()
        .map(|(g, list)| {
            let mut votes: FxHashMap<usize, usize> = FxHashMap::default();
            for &v in list {
                let mut held_by = None;
                let mut x = v;
                for _ in 0..MAX_DOMINATOR_STEPS {
                    if x == a.snap.root {
                        break;
                    }
                    x = a.dom[x as usize];
                    match owner.get(&x) {
                        Some(&h) if h != g => {
                            held_by = Some(h);
                            break;
                        }
                        _ => {}
                    }
                }
                if held_by.is_none() && x == a.snap.root {
                    held_by = a
                        .retainers()
                        .sources(v)
                        .find_map(|source| owner.get(&source).copied().filter(|&h| h != g));
                }
                if let Some(h) = held_by {
                    *votes.entry(h).or_default() += 1;
                }
            }
            votes
        })
        .collect();
    let rank = |g: usize| (retained[g], std::cmp::Reverse(g));
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by_key(|&g| std::cmp::Reverse(rank(g)));
    // Union-find whose roots are the largest group of their set.
    let mut head: Vec<usize> = (0..members.len()).collect();
    fn find(head: &mut [usize], mut g: usize) -> usize {
        while head[g] != g {
            head[g] = head[head[g]];
            g = head[g];
        }
        g
    }
    for _round in 0..MAX_MERGE_ROUNDS {
        let mut changed = false;
        for &g in &order {
            let mine = find(&mut head, g);
            let mut votes: FxHashMap<usize, usize> = FxHashMap::default();
            let mut family = 0;
            for (&h, &n) in &holders[g] {
                let theirs = find(&mut head, h);
                if theirs == mine {
                    family += n;
                } else {
                    *votes.entry(theirs).or_default() += n;
                }
            }
            let entries = members[g].len() - family;
            let best = votes
                .into_iter()
                .max_by_key(|&(h, n)| (n, std::cmp::Reverse(h)));
            if let Some((theirs, n)) = best {
                if entries > 0 && n * 2 >= entries {
                    let (big, small) = match rank(theirs) > rank(mine) {
                        true => (theirs, mine),
                        false => (mine, theirs),
                    };
                    head[small] = big;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    (0..members.len())
        .map(|g| {
            let root = find(&mut head, g);
            (root != g).then_some(root)
        })
        .collect()
}
