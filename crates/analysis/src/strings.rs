//! Duplicated strings (spec §4.8, DevTools' `getDuplicateStrings`): string and
//! concatenated-string objects grouped by value (cons strings flattened),
//! skipping size-0 helper strings and already-flat cons strings; truncated
//! strings (newer V8) also match on their length and hash.

use crate::names::display_name;
use crate::Analysis;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DuplicateString {
    pub value: String,
    pub count: u64,
    pub self_size: u64,
    /// Bytes beyond one copy: total self size minus the largest member's.
    pub wasted_size: u64,
    pub retained_size: u64,
    pub truncated: bool,
    /// Id of the member with the largest retained size (ties: first).
    pub sample_id: u32,
    /// Member ids in snapshot order (at most 10).
    pub node_ids: Vec<u32>,
}

struct Group {
    value: String,
    truncated: bool,
    key: Option<(Option<i64>, Option<i64>)>,
    members: Vec<u32>,
}

impl Analysis {
    fn internal_value(&self, node: u32, edge_name: &str) -> Option<String> {
        let internal = self.snap.edge_types.internal;
        let target = self
            .snap
            .edge_range(node)
            .find(|&e| {
                self.snap.edges.ty[e] == internal
                    && self.snap.strings.get(self.snap.edges.name_or_index[e]) == edge_name
            })
            .map(|e| self.snap.edges.to[e])?;
        let value = self
            .snap
            .edge_range(target)
            .find(|&e| {
                self.snap.edges.ty[e] == internal
                    && self.snap.strings.get(self.snap.edges.name_or_index[e]) == "value"
            })
            .map(|e| self.snap.edges.to[e])?;
        Some(self.snap.node_name(value).to_string())
    }

    fn is_flat_cons_string(&self, node: u32) -> bool {
        let internal = self.snap.edge_types.internal;
        self.snap.edge_range(node).any(|e| {
            self.snap.edges.ty[e] == internal
                && matches!(
                    self.snap.strings.get(self.snap.edges.name_or_index[e]),
                    "first" | "second"
                )
                && display_name(&self.snap, self.snap.edges.to[e]).is_empty()
        })
    }

    /// Groups of at least `min_count` equal strings, largest total retained
    /// size first (DevTools' order; `min_count` below 2 is taken as 2).
    pub fn duplicate_strings(&self, min_count: usize) -> Vec<DuplicateString> {
        let snap = &self.snap;
        let nt = snap.node_types;
        let mut groups: Vec<Group> = Vec::new();
        let mut untruncated: HashMap<String, usize> = HashMap::new();
        let mut truncated: HashMap<String, Vec<usize>> = HashMap::new();
        for v in 0..snap.node_count() as u32 {
            let ty = snap.nodes.ty[v as usize];
            if ty != nt.string && ty != nt.cons_string {
                continue;
            }
            if ty == nt.cons_string && self.is_flat_cons_string(v) {
                continue;
            }
            if snap.nodes.self_size[v as usize] == 0 {
                continue;
            }
            let name = display_name(snap, v);
            let is_truncated = self.internal_value(v, "truncated").as_deref() == Some("true");
            if is_truncated {
                let key = (
                    self.internal_value(v, "length")
                        .and_then(|s| s.parse().ok()),
                    self.internal_value(v, "hash").and_then(|s| s.parse().ok()),
                );
                let list = truncated.entry(name.clone()).or_default();
                match list.iter().find(|&&g| groups[g].key == Some(key)) {
                    Some(&g) => groups[g].members.push(v),
                    None => {
                        groups.push(Group {
                            value: name,
                            truncated: true,
                            key: Some(key),
                            members: vec![v],
                        });
                        list.push(groups.len() - 1);
                    }
                }
            } else {
                match untruncated.get(&name) {
                    Some(&g) => groups[g].members.push(v),
                    None => {
                        untruncated.insert(name.clone(), groups.len());
                        groups.push(Group {
                            value: name,
                            truncated: false,
                            key: None,
                            members: vec![v],
                        });
                    }
                }
            }
        }
        // DevTools lists untruncated groups first, then truncated, then sorts stably.
        groups.sort_by_key(|g| g.truncated);
        let min = min_count.max(2);
        let mut out: Vec<DuplicateString> = groups
            .into_iter()
            .filter(|g| g.members.len() >= min)
            .map(|g| {
                let sizes = g
                    .members
                    .iter()
                    .map(|&m| snap.nodes.self_size[m as usize] as u64);
                let self_size: u64 = sizes.clone().sum();
                let largest = sizes.max().unwrap_or(0);
                let sample = *g
                    .members
                    .iter()
                    .max_by(|&&a, &&b| {
                        self.retained[a as usize]
                            .cmp(&self.retained[b as usize])
                            .then(b.cmp(&a))
                    })
                    .expect("non-empty group");
                DuplicateString {
                    value: g.value,
                    count: g.members.len() as u64,
                    self_size,
                    wasted_size: self_size - largest,
                    retained_size: g.members.iter().map(|&m| self.retained[m as usize]).sum(),
                    truncated: g.truncated,
                    sample_id: snap.nodes.id[sample as usize],
                    node_ids: g
                        .members
                        .iter()
                        .take(10)
                        .map(|&m| snap.nodes.id[m as usize])
                        .collect(),
                }
            })
            .collect();
        out.sort_by_key(|s| std::cmp::Reverse(s.retained_size));
        out
    }
}
