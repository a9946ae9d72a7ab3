//! What the fuzz targets share: reading bytes the way the CLI reads a file,
//! the graph invariants every accepted snapshot must keep (the analysis
//! indexes columns by them without checking), and comparing two reads.

use heapscope_snapshot::{read_snapshot_bytes, HeapSnapshot, ReadOptions, SnapshotError};

/// Reads `data` as a snapshot, in chunks of `chunk_bytes` when given.
pub fn read(data: &[u8], chunk_bytes: Option<usize>) -> Result<HeapSnapshot, SnapshotError> {
    let options = ReadOptions {
        chunk_bytes,
        ..ReadOptions::default()
    };
    read_snapshot_bytes("fuzz-input", data, options)
}

/// Panics when an accepted snapshot breaks what its users rely on.
pub fn check_invariants(s: &HeapSnapshot) {
    let n = s.node_count();
    let nodes = &s.nodes;
    assert!(n > 0, "a snapshot has nodes");
    for (what, len) in [
        ("name", nodes.name.len()),
        ("id", nodes.id.len()),
        ("self_size", nodes.self_size.len()),
    ] {
        assert_eq!(len, n, "node column {what}");
    }
    assert_eq!(nodes.first_edge.len(), n + 1, "first_edge");
    assert_eq!(nodes.first_edge[0], 0);
    assert!(nodes.first_edge.windows(2).all(|w| w[0] <= w[1]));
    let e = s.edge_count();
    assert_eq!(s.edges.ty.len(), e, "edge types");
    assert_eq!(s.edges.to.len(), e, "edge targets");
    assert_eq!(s.edges.name_or_index.len(), e, "edge names");
    assert!(s.edges.to.iter().all(|&t| (t as usize) < n), "edge targets");
    let strings = s.strings.len();
    assert!(nodes.name.iter().all(|&i| (i as usize) < strings));
    assert!((s.root as usize) < n, "root");
    assert!(s.locations.iter().all(|l| (l.node as usize) < n));
    for d in [&nodes.detachedness] {
        if let Some(d) = d {
            assert_eq!(d.len(), n);
        }
    }
}

/// Panics unless two reads of one text agree: the same snapshot, or the
/// same error at the same place.
pub fn assert_same(a: &Result<HeapSnapshot, SnapshotError>, b: &Result<HeapSnapshot, SnapshotError>) {
    match (a, b) {
        (Ok(a), Ok(b)) => assert_same_snapshot(a, b),
        (Err(a), Err(b)) => assert_eq!((&a.message, a.offset), (&b.message, b.offset)),
        (a, b) => panic!(
            "reads disagree: {:?} vs {:?}",
            a.as_ref().err(),
            b.as_ref().err()
        ),
    }
}

fn assert_same_snapshot(a: &HeapSnapshot, b: &HeapSnapshot) {
    assert_eq!(a.nodes.ty, b.nodes.ty);
    assert_eq!(a.nodes.name, b.nodes.name);
    assert_eq!(a.nodes.id, b.nodes.id);
    assert_eq!(a.nodes.self_size, b.nodes.self_size);
    assert_eq!(a.nodes.first_edge, b.nodes.first_edge);
    assert_eq!(a.nodes.detachedness, b.nodes.detachedness);
    assert_eq!(a.nodes.trace_node_id, b.nodes.trace_node_id);
    assert_eq!(a.edges.ty, b.edges.ty);
    assert_eq!(a.edges.name_or_index, b.edges.name_or_index);
    assert_eq!(a.edges.to, b.edges.to);
    assert_eq!(a.strings.len(), b.strings.len());
    for i in 0..a.strings.len() as u32 {
        assert_eq!(a.strings.get(i), b.strings.get(i), "string {i}");
    }
    assert!(a.locations.iter().eq(b.locations.iter()), "locations");
    assert_eq!(a.root, b.root);
    assert_eq!(a.text_bytes, b.text_bytes);
}
