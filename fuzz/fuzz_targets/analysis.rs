//! The analysis on whatever the reader accepts: DevTools' pipeline, then the
//! views a user asks for (summary, statistics, duplicated strings, the diff
//! of the snapshot with itself, objects in full): never a panic.
#![no_main]

use heapscope_analysis::{diff, Analysis};
use heapscope_fuzz::read;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(snap) = read(data, None) else {
        return;
    };
    let a = Analysis::new(snap.clone());
    let _ = a.summary();
    let _ = a.statistics();
    let _ = a.duplicate_strings(2);
    let b = Analysis::with_reverse_index(snap);
    let d = diff::compare(&a, &b);
    assert_eq!(d.totals.count_delta, 0, "a snapshot against itself");
    assert_eq!(d.totals.size_delta, 0, "a snapshot against itself");
    let n = a.snap.node_count() as u32;
    for v in [0, n / 2, n - 1, a.snap.root] {
        let _ = a.details(v, 8, 32);
        let _ = a.retainers_page(v, 0, 8);
        let _ = b.edges_page(v, 1, 8);
        let _ = a.dominator_chain(v);
        let _ = a.dominator_subtree(v, 3, 0, 4);
        let _ = a.node_by_id(a.snap.nodes.id[v as usize]);
    }
    let _ = a.top_nodes(5, |_| true);
});
