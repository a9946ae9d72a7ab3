//! Single objects that keep growing: the largest objects of the last
//! snapshot (same id in every snapshot) whose retained size grew in every
//! interval, by at least `--min-bytes` and 1% of the heap. One candidate per
//! dominator chain: the deepest JS object whose growth is most of the
//! chain's (the buffer, not every holder above it).

use super::Candidate;
use crate::leaks::growth::strictly_growing;
use crate::leaks::{LeakContext, LeakOptions, SuspectKind, Unit};

/// Largest objects looked at.
const LOOKED_AT: usize = 2000;

pub fn detect(cx: &LeakContext, options: &LeakOptions) -> Vec<Candidate> {
    let growing = growing_nodes(cx, options);
    let growth_of = |s: &[u64]| s[s.len() - 1] - s[0];
    let last = cx.last;
    let mut taken = vec![false; growing.len()];
    let mut out = Vec::new();
    for i in 0..growing.len() {
        if taken[i] {
            continue;
        }
        let top_growth = growth_of(&growing[i].1);
        // This chain: growing nodes on i's dominator chain or below it.
        let mut chain: Vec<usize> = vec![i];
        for (j, g) in growing.iter().enumerate() {
            if j != i
                && !taken[j]
                && (last.dominator_chain(g.0).contains(&growing[i].0)
                    || last.dominator_chain(growing[i].0).contains(&g.0))
            {
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
        let pick = list_owner(cx, &growing, &chain, pick, top_growth);
        let (v, series) = &growing[pick];
        let mut candidate = Candidate::object(
            cx,
            *v,
            SuspectKind::GrowingObject,
            Unit::Bytes,
            series.clone(),
            options.min_bytes,
        );
        candidate.chain = chain.iter().map(|&j| growing[j].0).collect();
        out.push(candidate);
    }
    out
}

/// For a pick inside a linked list (its dominator is an object of its own
/// class, as along a queue's `next` nodes), the list's owner: up the run of
/// like objects, then one more (the `Queue` holding the head), when those
/// carry most of the growth too.
fn list_owner(
    cx: &LeakContext,
    growing: &[(u32, Vec<u64>)],
    chain: &[usize],
    pick: usize,
    top_growth: u64,
) -> usize {
    let last = cx.last;
    let carries = |j: usize| {
        let s = &growing[j].1;
        (s[s.len() - 1] - s[0]) as f64 >= 0.8 * top_growth as f64
    };
    let index_of = |v: u32| {
        chain
            .iter()
            .copied()
            .find(|&j| growing[j].0 == v && carries(j))
    };
    let class = |v: u32| last.class_name[v as usize];
    let mut at = pick;
    let mut climbed = false;
    while let Some(up) = index_of(last.dom[growing[at].0 as usize]) {
        if class(growing[up].0) != class(growing[at].0) {
            break;
        }
        at = up;
        climbed = true;
    }
    let owner = index_of(last.dom[growing[at].0 as usize])
        .filter(|&up| last.snap.nodes.ty[growing[up].0 as usize] == last.snap.node_types.object);
    match (climbed, owner) {
        (true, Some(up)) => up,
        _ => pick,
    }
}

/// (node, retained size per snapshot) of the large objects that grew in
/// every interval, the most growth first.
fn growing_nodes(cx: &LeakContext, options: &LeakOptions) -> Vec<(u32, Vec<u64>)> {
    let last = cx.last;
    let candidates = last.top_nodes(LOOKED_AT, |v| {
        v != last.snap.root && last.snap.nodes.id[v as usize] % 2 == 1
    });
    let mut growing: Vec<(u32, Vec<u64>)> = Vec::new();
    for v in candidates {
        let Some(series) = cx.per_snapshot(v, |a, o| Some(a.retained[o as usize])) else {
            continue;
        };
        let grew = series[series.len() - 1] - series[0].min(series[series.len() - 1]);
        if strictly_growing(&series) && grew >= options.min_bytes && grew as f64 >= 0.01 * cx.total
        {
            growing.push((v, series));
        }
    }
    growing.sort_by_key(|g| std::cmp::Reverse(g.1[g.1.len() - 1] - g.1[0]));
    growing
}

#[cfg(test)]
mod tests {
    use crate::leaks::test_graph::{module_array, Shape};
    use crate::leaks::{LeakContext, LeakOptions, Unit};
    use crate::Analysis;

    #[test]
    fn the_deepest_object_of_a_growing_chain_is_named_once() {
        let snaps = module_array(Shape {
            items: [10, 70, 130],
            item_size: 1_000,
            on_stack: false,
        });
        let refs: Vec<&Analysis> = snaps.iter().collect();
        let cx = LeakContext::new(&refs, Vec::new()).unwrap();
        let options = LeakOptions {
            min_bytes: 10_000,
            min_count: 5,
        };
        let found = super::detect(&cx, &options);
        // The two synthetic roots, the module object, the array and its store
        // all grow: one candidate, the array (the deepest JS object), with the
        // others as its chain.
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].class, "Array");
        assert_eq!(found[0].unit, Unit::Bytes);
        assert_eq!(found[0].chain.len(), 5);
        // 120 kB of growth in all.
        let too_high = LeakOptions {
            min_bytes: 200_000,
            ..options
        };
        assert!(super::detect(&cx, &too_high).is_empty());
    }
}
