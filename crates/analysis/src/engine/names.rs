//! The name DevTools shows for one object (`JSHeapSnapshotNode.name()`):
//! concatenated strings flattened, plain objects labelled `{a, b, …, z}`.

use crate::engine::classes::{format_property_name, is_plain_object};
use crate::engine::js::utf16_len;
use heapscope_snapshot::HeapSnapshot;

/// At most this many nodes are visited to flatten one cons string.
pub const CONS_STEPS: usize = 1 << 16;

pub fn display_name(snap: &HeapSnapshot, node: u32) -> String {
    let ty = snap.nodes.ty[node as usize];
    if ty == snap.node_types.cons_string {
        return cons_string_name(snap, node);
    }
    if is_plain_object(snap, node) {
        return plain_object_name(snap, node);
    }
    snap.node_name(node).to_string()
}

/// Flattens a cons string depth-first over its `first`/`second` edges until
/// at least 1024 UTF-16 units are collected, or after [`CONS_STEPS`] steps
/// (cons strings that lead back to themselves, or a missing edge to a root
/// that is one, would go on for ever, the stack doubling; found by fuzzing).
pub fn cons_string_name(snap: &HeapSnapshot, node: u32) -> String {
    let cons = snap.node_types.cons_string;
    let internal = snap.edge_types.internal;
    let mut stack: Vec<u32> = vec![node];
    let mut name = String::new();
    let mut len = 0usize;
    let mut steps = 0usize;
    // DevTools uses node index 0 (the root) when an edge is missing.
    while let Some(v) = stack.pop() {
        steps += 1;
        if len >= 1024 || steps > CONS_STEPS {
            break;
        }
        if snap.nodes.ty[v as usize] != cons {
            let s = snap.node_name(v);
            name.push_str(s);
            len += utf16_len(s);
            continue;
        }
        let (mut first, mut second) = (None, None);
        for e in snap.edge_range(v) {
            if first.is_some() && second.is_some() {
                break;
            }
            if snap.edges.ty[e] == internal {
                match snap.strings.get(snap.edges.name_or_index[e]) {
                    "first" => first = Some(snap.edges.to[e]),
                    "second" => second = Some(snap.edges.to[e]),
                    _ => {}
                }
            }
        }
        stack.push(second.unwrap_or(0));
        stack.push(first.unwrap_or(0));
    }
    name
}

/// `{propName, otherProp, …, lastProp}`: names taken alternately from the
/// start and the end of the property list, up to about 100 characters.
pub fn plain_object_name(snap: &HeapSnapshot, node: u32) -> String {
    let property = snap.edge_types.property;
    let range = snap.edge_range(node);
    if range.is_empty() {
        return "{}".to_string();
    }
    let mut start = String::from("{");
    let mut start_len = 1usize;
    let mut end = String::from("}");
    let mut end_len = 1usize;
    let mut from_start = range.start as i64;
    let mut from_end = range.end as i64 - 1;
    let mut next_from_end = false;
    while from_start <= from_end {
        let e = if next_from_end { from_end } else { from_start } as usize;
        let name = snap.strings.get(snap.edges.name_or_index[e]);
        if snap.edges.ty[e] != property || name == "__proto__" {
            if next_from_end {
                from_end -= 1;
            } else {
                from_start += 1;
            }
            continue;
        }
        let formatted = format_property_name(name);
        let flen = utf16_len(&formatted);
        if start_len > 1 && start_len + end_len + flen > 100 {
            break;
        }
        if next_from_end {
            from_end -= 1;
            if end_len > 1 {
                end.insert_str(0, ", ");
                end_len += 2;
            }
            end.insert_str(0, &formatted);
            end_len += flen;
        } else {
            from_start += 1;
            if start_len > 1 {
                start.push_str(", ");
                start_len += 2;
            }
            start.push_str(&formatted);
            start_len += flen;
        }
        next_from_end = !next_from_end;
    }
    if from_start <= from_end {
        start.push_str(", …");
    }
    if end_len > 1 {
        start.push_str(", ");
    }
    start + &end
}
