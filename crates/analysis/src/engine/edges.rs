//! Edges as DevTools shows them: the edges into a node in DevTools' retainer
//! order, the Retainers view's filtering and sort (spec §7.1), and edge labels
//! (spec §7.2: `.prop`, `[3]`, `->ctx`, `{internal}`, `[[weak]]`).

use crate::engine::distances::BASE_UNREACHABLE_DISTANCE;
use crate::engine::js::utf16_cmp;
use crate::engine::names::display_name;
use crate::engine::retainers::SOURCE_MASK;
use crate::Analysis;

/// One edge of the graph: its ordinal, and the nodes it joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeRef {
    pub edge: usize,
    pub source: u32,
    pub target: u32,
}

impl Analysis {
    /// Every edge into `node`, in DevTools' retainer order (descending source
    /// ordinal, then descending edge position).
    pub fn incoming_edges(&self, node: u32) -> Vec<EdgeRef> {
        let retainers = self.retainers();
        let slots = &retainers.slots[retainers.range(node)];
        let mut out = Vec::with_capacity(slots.len());
        let mut i = 0;
        while i < slots.len() {
            let source = slots[i] & SOURCE_MASK;
            let mut run = 1;
            while i + run < slots.len() && slots[i + run] & SOURCE_MASK == source {
                run += 1;
            }
            let range = self.snap.edge_range(source);
            let mut found = 0;
            for e in range.rev() {
                if self.snap.edges.to[e] == node {
                    out.push(EdgeRef {
                        edge: e,
                        source,
                        target: node,
                    });
                    found += 1;
                    if found == run {
                        break;
                    }
                }
            }
            i += run;
        }
        out
    }

    /// Edges out of `node`, in edge order.
    pub fn outgoing_edges(&self, node: u32) -> Vec<EdgeRef> {
        self.snap
            .edge_range(node)
            .map(|e| EdgeRef {
                edge: e,
                source: node,
                target: self.snap.edges.to[e],
            })
            .collect()
    }

    /// The distance DevTools sorts retainers by.
    pub fn retainer_sort_distance(&self, source: u32) -> i64 {
        let d = self.distances[source as usize];
        if d < 0 {
            BASE_UNREACHABLE_DISTANCE as i64
        } else {
            d as i64
        }
    }

    /// DevTools' Retainers view of `node`: incoming edges except weak ones and
    /// those from the root, sorted by the retainer's distance, then its name,
    /// then retainer order.
    pub fn retainers_view(&self, node: u32) -> Vec<EdgeRef> {
        let weak = self.snap.edge_types.weak;
        let root = self.snap.root;
        let mut list: Vec<(i64, String, EdgeRef)> = self
            .incoming_edges(node)
            .into_iter()
            .filter(|r| r.source != root && self.snap.edges.ty[r.edge] != weak)
            .map(|r| {
                (
                    self.retainer_sort_distance(r.source),
                    display_name(&self.snap, r.source),
                    r,
                )
            })
            .collect();
        list.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| utf16_cmp(&a.1, &b.1)));
        list.into_iter().map(|x| x.2).collect()
    }

    /// The edge's name as DevTools prints it in text (`JSHeapSnapshotEdge.toString`).
    pub fn edge_label(&self, edge: usize) -> String {
        let snap = &self.snap;
        let et = snap.edge_types;
        let ty = snap.edges.ty[edge];
        let name = snap.edge_name(edge);
        if ty == et.context {
            format!("->{name}")
        } else if ty == et.element {
            format!("[{name}]")
        } else if ty == et.weak {
            format!("[[{name}]]")
        } else if ty == et.property || ty == et.shortcut {
            if name.contains(' ') {
                format!("[\"{name}\"]")
            } else {
                format!(".{name}")
            }
        } else {
            format!("{{{name}}}")
        }
    }

    /// The edge's type name (`property`, `element`, `context`, …).
    pub fn edge_type_name(&self, edge: usize) -> &str {
        self.snap.edge_type_name(self.snap.edges.ty[edge])
    }
}
