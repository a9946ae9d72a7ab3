//! Inputs the `analysis` fuzz target found, kept in tests/fuzz-crashes/:
//! each is read and goes through what the target runs, in bounded time and
//! memory.

use heapscope_analysis::Analysis;
use heapscope_snapshot::{read_snapshot_bytes, ReadOptions};

/// A meta whose type list makes the root a concatenated string without
/// `first`/`second` edges: flattening its name went back to the root for
/// ever, the stack doubling (out of memory).
#[test]
fn a_cons_string_that_leads_back_to_itself_has_a_bounded_name() {
    let text = include_bytes!("fuzz-crashes/cons-string-root.json");
    let snap = read_snapshot_bytes("cons-string-root", text, ReadOptions::default()).unwrap();
    let a = Analysis::new(snap);
    let _ = a.summary();
    // The root's name: the root itself, flattened until the step bound.
    let details = a.details(0, 8, 32);
    assert!(details.string_value.is_some());
}
