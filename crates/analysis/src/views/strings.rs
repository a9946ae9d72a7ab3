//! Duplicated strings (spec §4.8, DevTools' `getDuplicateStrings`): string and
//! concatenated-string objects grouped by value (cons strings flattened),
//! skipping size-0 helper strings and already-flat cons strings; truncated
//! strings (newer V8) also match on their length and hash.

use crate::engine::names::display_name;
use crate::Analysis;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
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

/// A group while counting: its first member orders groups as DevTools' maps do.
struct Group {
    /// The text, for cons and truncated strings; flat strings use `string_id`.
    value: Option<String>,
    string_id: u32,
    truncated: bool,
    count: u64,
    self_size: u64,
    largest: u64,
    retained_size: u64,
    first: u32,
}

const NO_GROUP: u32 = u32::MAX;

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
        let (mut grouping, cons_nodes) = self.group_flat_and_truncated();
        if !cons_nodes.is_empty() {
            self.group_cons_strings(&mut grouping, &cons_nodes);
        }
        self.sum_members(&mut grouping);
        let keep = kept_in_devtools_order(&grouping.groups, min_count.max(2) as u64);
        let mut out: Vec<DuplicateString> = keep
            .iter()
            .map(|&g| self.row(&grouping.groups[g as usize]))
            .collect();
        self.add_members(&grouping, &keep, &mut out);
        out
    }

    /// Flat strings grouped by string id (V8's string table holds each text
    /// once), truncated strings by text, length and hash; the cons strings
    /// are returned for [`Analysis::group_cons_strings`].
    fn group_flat_and_truncated(&self) -> (Grouping, Vec<u32>) {
        let snap = &self.snap;
        let nt = snap.node_types;
        let mut grouping = Grouping {
            groups: Vec::new(),
            group_of: vec![NO_GROUP; snap.node_count()],
            by_string_id: vec![NO_GROUP; snap.strings.len()],
        };
        let mut truncated: HashMap<(String, Option<i64>, Option<i64>), u32> = HashMap::new();
        let mut cons_nodes: Vec<u32> = Vec::new();
        for v in 0..snap.node_count() as u32 {
            let ty = snap.nodes.ty[v as usize];
            if (ty != nt.string && ty != nt.cons_string)
                || !snap.nodes.self_size.nonzero(v as usize)
            {
                continue;
            }
            if self.internal_value(v, "truncated").as_deref() == Some("true") {
                let key = (
                    display_name(snap, v),
                    self.internal_value(v, "length")
                        .and_then(|s| s.parse().ok()),
                    self.internal_value(v, "hash").and_then(|s| s.parse().ok()),
                );
                let g = match truncated.get(&key) {
                    Some(&g) => g,
                    None => {
                        let g = grouping.new_group(Some(key.0.clone()), NO_GROUP, true, v);
                        truncated.insert(key, g);
                        g
                    }
                };
                grouping.group_of[v as usize] = g;
            } else if ty == nt.cons_string {
                cons_nodes.push(v);
            } else {
                let id = snap.nodes.name[v as usize] as usize;
                if grouping.by_string_id[id] == NO_GROUP {
                    grouping.by_string_id[id] = grouping.new_group(None, id as u32, false, v);
                }
                grouping.group_of[v as usize] = grouping.by_string_id[id];
            }
        }
        (grouping, cons_nodes)
    }

    /// Cons strings by flattened text (already-flat ones skipped), then
    /// merged into the flat group of the same text where there is one.
    fn group_cons_strings(&self, grouping: &mut Grouping, cons_nodes: &[u32]) {
        let snap = &self.snap;
        let mut cons_groups: FxHashMap<String, u32> = FxHashMap::default();
        for &v in cons_nodes {
            if self.is_flat_cons_string(v) {
                continue;
            }
            let text = display_name(snap, v);
            let g = match cons_groups.get(&text) {
                Some(&g) => g,
                None => {
                    let g = grouping.new_group(Some(text.clone()), NO_GROUP, false, v);
                    cons_groups.insert(text, g);
                    g
                }
            };
            grouping.group_of[v as usize] = g;
        }
        let groups = &mut grouping.groups;
        let mut redirect: Vec<u32> = (0..groups.len() as u32).collect();
        for (id, &g) in grouping.by_string_id.iter().enumerate() {
            if g == NO_GROUP {
                continue;
            }
            if let Some(&c) = cons_groups.get(snap.strings.get(id as u32)) {
                redirect[c as usize] = g;
                let first = groups[c as usize].first;
                let flat = &mut groups[g as usize];
                flat.first = flat.first.min(first);
            }
        }
        for &v in cons_nodes {
            let g = grouping.group_of[v as usize];
            if g != NO_GROUP {
                grouping.group_of[v as usize] = redirect[g as usize];
            }
        }
    }

    /// Each group's count, sizes and largest member.
    fn sum_members(&self, grouping: &mut Grouping) {
        for (v, &g) in grouping.group_of.iter().enumerate() {
            if g == NO_GROUP {
                continue;
            }
            let group = &mut grouping.groups[g as usize];
            let size = self.snap.nodes.self_size.get(v);
            group.count += 1;
            group.self_size += size;
            group.largest = group.largest.max(size);
            group.retained_size += self.retained[v];
        }
    }

    /// A kept group's row, before its members are added.
    fn row(&self, group: &Group) -> DuplicateString {
        DuplicateString {
            value: match &group.value {
                Some(text) => text.clone(),
                None => self.snap.strings.get(group.string_id).to_string(),
            },
            count: group.count,
            self_size: group.self_size,
            wasted_size: group.self_size - group.largest,
            retained_size: group.retained_size,
            truncated: group.truncated,
            sample_id: 0,
            node_ids: Vec::new(),
        }
    }

    /// The rows' first ten member ids (snapshot order) and sample (the
    /// member with the largest retained size, the first on ties).
    fn add_members(&self, grouping: &Grouping, keep: &[u32], out: &mut [DuplicateString]) {
        let snap = &self.snap;
        let mut slot_of: Vec<u32> = vec![NO_GROUP; grouping.groups.len()];
        for (i, &g) in keep.iter().enumerate() {
            slot_of[g as usize] = i as u32;
        }
        let mut best: Vec<(u64, u32)> = vec![(0, u32::MAX); out.len()];
        for (v, &g) in grouping.group_of.iter().enumerate() {
            if g == NO_GROUP || slot_of[g as usize] == NO_GROUP {
                continue;
            }
            let slot = slot_of[g as usize] as usize;
            let row = &mut out[slot];
            if row.node_ids.len() < 10 {
                row.node_ids.push(snap.nodes.id[v]);
            }
            let r = self.retained[v];
            if best[slot].1 == u32::MAX || r > best[slot].0 {
                best[slot] = (r, v as u32);
            }
        }
        for (row, (_, v)) in out.iter_mut().zip(best) {
            row.sample_id = snap.nodes.id[v as usize];
        }
    }
}

/// The groups while counting, and each node's and each string id's group.
struct Grouping {
    groups: Vec<Group>,
    group_of: Vec<u32>,
    by_string_id: Vec<u32>,
}

impl Grouping {
    fn new_group(&mut self, value: Option<String>, string_id: u32, truncated: bool, v: u32) -> u32 {
        self.groups.push(Group {
            value,
            string_id,
            truncated,
            count: 0,
            self_size: 0,
            largest: 0,
            retained_size: 0,
            first: v,
        });
        (self.groups.len() - 1) as u32
    }
}

/// The groups of at least `min` members in DevTools' order: untruncated
/// groups in first-seen order, then truncated ones, then a stable sort by
/// retained size.
fn kept_in_devtools_order(groups: &[Group], min: u64) -> Vec<u32> {
    let mut keep: Vec<u32> = (0..groups.len() as u32)
        .filter(|&g| groups[g as usize].count >= min)
        .collect();
    keep.sort_by_key(|&g| (groups[g as usize].truncated, groups[g as usize].first));
    keep.sort_by_key(|&g| std::cmp::Reverse(groups[g as usize].retained_size));
    keep
}
