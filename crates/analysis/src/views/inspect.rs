//! Everything about one object, and the dominator tree below an object: the
//! data behind `heapscope inspect` and `heapscope dominators`.

use crate::engine::bitset::BitSet;
use crate::engine::names::display_name;
use crate::Analysis;
use serde::Serialize;
use std::collections::HashMap;

/// One object, briefly.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NodeBrief {
    pub id: u32,
    pub name: String,
    pub class_name: String,
    #[serde(rename = "type")]
    pub node_type: String,
    pub self_size: u64,
    pub retained_size: u64,
    pub distance: i32,
}

/// An edge and the object at its other end.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EdgeBrief {
    pub edge_type: String,
    pub edge_name: String,
    /// The edge as DevTools writes it: `.prop`, `[3]`, `->ctx`, `{map}`, `[[weak]]`.
    pub label: String,
    pub node: NodeBrief,
}

/// Where a function (or an object's constructor) is defined; 1-based.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SourceLocation {
    pub script_id: u32,
    pub script: Option<String>,
    pub line: u32,
    pub column: u32,
    /// npm package of the script, `(app)`, `(node)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// The position in the original source, through the script's source map.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<crate::attribution::OriginalPosition>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StringValue {
    /// Length in UTF-16 units of the value as the snapshot holds it
    /// (V8 cuts names at 1024 characters).
    pub length: usize,
    pub value: String,
    pub shown_truncated: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NodeDetails {
    #[serde(flatten)]
    pub node: NodeBrief,
    pub detachedness: u8,
    pub location: Option<SourceLocation>,
    pub string_value: Option<StringValue>,
    /// From the object up to the root.
    pub dominator_chain: Vec<NodeBrief>,
    /// Outgoing edges, largest target retained size first.
    pub outgoing: Vec<EdgeBrief>,
    pub outgoing_total: usize,
    /// DevTools' Retainers view order.
    pub incoming: Vec<EdgeBrief>,
    pub incoming_total: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DominatorNode {
    #[serde(flatten)]
    pub node: NodeBrief,
    pub children: Vec<DominatorNode>,
    /// Children left out by the size or count limits (children below the
    /// deepest level shown are not counted).
    pub omitted_children: usize,
    pub omitted_size: u64,
}

impl Analysis {
    pub fn brief(&self, v: u32) -> NodeBrief {
        let i = v as usize;
        NodeBrief {
            id: self.snap.nodes.id[i],
            name: display_name(&self.snap, v),
            class_name: self.snap.strings.get(self.class_name[i]).to_string(),
            node_type: self.snap.node_type_name(self.snap.nodes.ty[i]).to_string(),
            self_size: self.snap.nodes.self_size.get(i),
            retained_size: self.retained[i],
            distance: self.distances[i],
        }
    }

    fn edge_brief(&self, edge: usize, other: u32) -> EdgeBrief {
        EdgeBrief {
            edge_type: self.edge_type_name(edge).to_string(),
            edge_name: self.snap.edge_name(edge).into_owned(),
            label: self.edge_label(edge),
            node: self.brief(other),
        }
    }

    /// Ordinal of the node with this id, or None.
    pub fn node_by_id(&self, id: u32) -> Option<u32> {
        self.snap.find_node_by_id(id)
    }

    /// The dominator chain from `v` (included) up to the root (included).
    pub fn dominator_chain(&self, v: u32) -> Vec<u32> {
        let mut chain = vec![v];
        let mut x = v;
        while x != self.snap.root && chain.len() <= self.snap.node_count() {
            x = self.dom[x as usize];
            chain.push(x);
        }
        chain
    }

    /// Where `v` is defined: its script resolved to a path, the package
    /// and, through a source map on disk, the original position.
    pub fn source_location(&self, v: u32) -> Option<SourceLocation> {
        let loc = self.snap.location(v)?;
        let script = self
            .code_script(v)
            .map(|(_, s)| self.script_name(s).to_string())
            .filter(|name| !name.is_empty())
            .or_else(|| self.script_path(loc.script_id));
        let (line, column) = (loc.line + 1, loc.column + 1);
        let original = script
            .as_ref()
            .and_then(|f| crate::source_maps::SourceMaps::default().original(f, line, column));
        Some(SourceLocation {
            script_id: loc.script_id,
            package: script.as_deref().and_then(crate::scripts::package_of_path),
            script,
            line,
            column,
            original,
        })
    }

    /// Everything `inspect` shows; edge lists cut at `edge_limit` each.
    pub fn details(&self, v: u32, edge_limit: usize, string_limit: usize) -> NodeDetails {
        let nt = self.snap.node_types;
        let ty = self.snap.nodes.ty[v as usize];
        let string_value = (ty == nt.string || ty == nt.cons_string || ty == nt.sliced_string)
            .then(|| {
                let full = display_name(&self.snap, v);
                let length = crate::engine::js::utf16_len(&full);
                let shown: String = full.chars().take(string_limit).collect();
                StringValue {
                    length,
                    shown_truncated: shown.len() < full.len(),
                    value: shown,
                }
            });
        let mut outgoing = self.outgoing_edges(v);
        outgoing.sort_by(|a, b| {
            self.retained[b.target as usize].cmp(&self.retained[a.target as usize])
        });
        let incoming = self.retainers_view(v);
        NodeDetails {
            node: self.brief(v),
            detachedness: self.detachedness(v),
            location: self.source_location(v),
            string_value,
            dominator_chain: self
                .dominator_chain(v)
                .into_iter()
                .map(|d| self.brief(d))
                .collect(),
            outgoing_total: outgoing.len(),
            outgoing: outgoing
                .iter()
                .take(edge_limit)
                .map(|e| self.edge_brief(e.edge, e.target))
                .collect(),
            incoming_total: incoming.len(),
            incoming: incoming
                .iter()
                .take(edge_limit)
                .map(|e| self.edge_brief(e.edge, e.source))
                .collect(),
        }
    }

    /// A page of `v`'s retainers in DevTools' Retainers view order, and how
    /// many there are.
    pub fn retainers_page(&self, v: u32, offset: usize, limit: usize) -> (Vec<EdgeBrief>, usize) {
        let all = self.retainers_view(v);
        let page = all.iter().skip(offset).take(limit);
        (
            page.map(|e| self.edge_brief(e.edge, e.source)).collect(),
            all.len(),
        )
    }

    /// A page of `v`'s outgoing edges, largest target retained size first,
    /// and how many there are.
    pub fn edges_page(&self, v: u32, offset: usize, limit: usize) -> (Vec<EdgeBrief>, usize) {
        let mut all = self.outgoing_edges(v);
        all.sort_by(|a, b| self.retained[b.target as usize].cmp(&self.retained[a.target as usize]));
        let page = all.iter().skip(offset).take(limit);
        (
            page.map(|e| self.edge_brief(e.edge, e.target)).collect(),
            all.len(),
        )
    }

    /// The dominator tree below `v`: children by retained size, down to
    /// `depth` levels, leaving out children under `min_size` bytes and all but
    /// the `max_children` largest. Finds children with one pass over the
    /// dominator array per level, so no whole-tree index is built.
    pub fn dominator_subtree(
        &self,
        v: u32,
        depth: usize,
        min_size: u64,
        max_children: usize,
    ) -> DominatorNode {
        let n = self.snap.node_count();
        let root = self.snap.root;
        let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut omitted: HashMap<u32, (usize, u64)> = HashMap::new();
        let mut frontier: Vec<u32> = vec![v];
        let mut member = BitSet::new(n);
        // Children of the deepest level shown are not looked up (one scan less).
        for _ in 0..depth {
            if frontier.is_empty() {
                break;
            }
            for &f in &frontier {
                member.set(f as usize);
            }
            // Scan the dominator array in two halves at once.
            let half = n / 2;
            let scan = |from: usize, to: usize| -> Vec<(u32, u32)> {
                let mut hits = Vec::new();
                for u in from..to {
                    let d = self.dom[u];
                    if u as u32 != root && member.get(d as usize) {
                        hits.push((d, u as u32));
                    }
                }
                hits
            };
            let (a, b) = std::thread::scope(|s| {
                let other = s.spawn(|| scan(half, n));
                (scan(0, half), other.join().expect("scan thread"))
            });
            let mut found: HashMap<u32, Vec<u32>> = HashMap::new();
            for (d, u) in a.into_iter().chain(b) {
                found.entry(d).or_default().push(u);
            }
            for &f in &frontier {
                member.clear(f as usize);
            }
            let mut next = Vec::new();
            for (parent, mut kids) in found {
                kids.sort_by(|&a, &b| {
                    self.retained[b as usize]
                        .cmp(&self.retained[a as usize])
                        .then(a.cmp(&b))
                });
                let mut kept = Vec::new();
                for (i, &c) in kids.iter().enumerate() {
                    let size = self.retained[c as usize];
                    if size < min_size || i >= max_children {
                        let o = omitted.entry(parent).or_insert((0, 0));
                        o.0 += 1;
                        o.1 += size;
                    } else {
                        kept.push(c);
                    }
                }
                next.extend_from_slice(&kept);
                children.insert(parent, kept);
            }
            frontier = next;
        }
        self.build_dominator_node(v, &children, &omitted)
    }

    fn build_dominator_node(
        &self,
        v: u32,
        children: &HashMap<u32, Vec<u32>>,
        omitted: &HashMap<u32, (usize, u64)>,
    ) -> DominatorNode {
        let (omitted_children, omitted_size) = omitted.get(&v).copied().unwrap_or((0, 0));
        DominatorNode {
            node: self.brief(v),
            children: children
                .get(&v)
                .map(|kids| {
                    kids.iter()
                        .map(|&c| self.build_dominator_node(c, children, omitted))
                        .collect()
                })
                .unwrap_or_default(),
            omitted_children,
            omitted_size,
        }
    }
}
