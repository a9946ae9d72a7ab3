//! heapscope's Retainers view against DevTools' own, as
//! `tools/devtools-retainers.mjs` prints it: `{"<id>": [{edge_type, edge_name,
//! retainer_id, retainer_name, distance}, ...]}`, in the Retainers grid's order.
//! `crates/cli/tests/scenarios_oracle.rs` includes this file too (`#[path]`),
//! so it uses nothing but heapscope-analysis and serde_json.

use heapscope_analysis::Analysis;
use serde_json::Value;

/// Checks every object in `recorded`; `what` names the snapshot in messages.
/// Returns how many objects it checked.
pub fn check_retainers(a: &Analysis, recorded: &Value, what: &str) -> usize {
    let recorded = recorded.as_object().expect("an object of ids");
    for (id, theirs) in recorded {
        let v = a
            .node_by_id(id.parse().expect("an id"))
            .unwrap_or_else(|| panic!("{what}: no object @{id}"));
        let ours: Vec<Value> = a
            .retainers_view(v)
            .iter()
            .map(|e| {
                serde_json::json!({
                    "edge_type": a.edge_type_name(e.edge),
                    "edge_name": a.snap.edge_name(e.edge),
                    "retainer_id": a.snap.nodes.id[e.source as usize],
                    "retainer_name": heapscope_analysis::names::display_name(&a.snap, e.source),
                    "distance": a.distances[e.source as usize],
                })
            })
            .collect();
        assert_eq!(&Value::Array(ours), theirs, "{what}: retainers of @{id}");
    }
    recorded.len()
}
