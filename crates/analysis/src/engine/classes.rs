//! Class names as DevTools' Summary shows them (spec §4.1–4.3): `(system)`,
//! `(compiled code)`, `Function`, `(array)`…, constructor names for objects,
//! and plain `Object`s re-classed by inferred interfaces such as `{a, b}`.

use crate::engine::js::{json_stringify, utf16_cmp, utf16_len};
use heapscope_snapshot::HeapSnapshot;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

const MIN_INTERFACE_PROPERTY_COUNT: usize = 1;
const MAX_INTERFACE_NAME_LENGTH: usize = 120;
const MIN_OBJECT_COUNT_PER_INTERFACE: f64 = 2.0;
const MIN_OBJECT_PROPORTION_PER_INTERFACE: f64 = 1000.0;

/// An inferred interface: objects having all these properties take this name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterfaceDefinition {
    pub name: String,
    pub properties: Vec<String>,
    /// How many plain objects had exactly this property list when inferred.
    #[serde(default)]
    pub count: u64,
}

/// Is `node` a plain JS object (type `object`, raw name `Object`)?
#[inline]
pub fn is_plain_object(snap: &HeapSnapshot, node: u32) -> bool {
    snap.nodes.ty[node as usize] == snap.node_types.object && snap.node_name(node) == "Object"
}

/// Answers by an object's property names as string ids, in edge order:
/// objects of one shape (most plain objects share a few) are worked out
/// once, without reading their names' text again. Short lists only and a
/// bounded number of them (dictionary-mode objects have lists of their own).
struct ShapeMemo<T> {
    answers: HashMap<Box<[u32]>, T>,
    ids: usize,
}

impl<T: Copy> ShapeMemo<T> {
    const MAX_LEN: usize = 64;
    const MAX_IDS: usize = 1 << 22;

    fn new() -> Self {
        ShapeMemo {
            answers: HashMap::default(),
            ids: 0,
        }
    }

    /// `names`' answer: remembered, or `work()` (remembered if there is room).
    fn get_or(&mut self, names: &[u32], work: impl FnOnce() -> T) -> T {
        if let Some(&answer) = self.answers.get(names) {
            return answer;
        }
        let answer = work();
        if names.len() <= Self::MAX_LEN && self.ids + names.len() <= Self::MAX_IDS {
            self.ids += names.len();
            self.answers.insert(names.into(), answer);
        }
        answer
    }
}

/// The string ids of `v`'s property edges' names, in edge order, into `out`.
fn property_name_ids(snap: &HeapSnapshot, v: u32, out: &mut Vec<u32>) {
    let property = snap.edge_types.property;
    out.clear();
    out.extend(
        snap.edge_range(v)
            .filter(|&e| snap.edges.ty[e] == property)
            .map(|e| snap.edges.name_or_index[e]),
    );
}

/// [`is_plain_object`] for every node of a pass: the string ids whose text
/// is `Object` as bits, so that no node's name text is read.
struct PlainObjects {
    object_name: crate::engine::bitset::BitSet,
}

impl PlainObjects {
    fn new(snap: &HeapSnapshot) -> Self {
        let mut object_name = crate::engine::bitset::BitSet::new(snap.strings.len());
        for id in 0..snap.strings.len() {
            if snap.strings.get(id as u32) == "Object" {
                object_name.set(id);
            }
        }
        PlainObjects { object_name }
    }

    #[inline]
    fn is(&self, snap: &HeapSnapshot, v: u32) -> bool {
        snap.nodes.ty[v as usize] == snap.node_types.object
            && self.object_name.get(snap.nodes.name[v as usize] as usize)
    }
}

/// `JSHeapSnapshotNode.formatPropertyName`.
pub fn format_property_name(name: &str) -> std::borrow::Cow<'_, str> {
    if name.contains([',', '\'', '"', '{', '}']) {
        // JSON.stringify({[name]: 0}) without the braces and ":0".
        std::borrow::Cow::Owned(json_stringify(name))
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

/// Strings an analysis adds to the snapshot's table (class names such as
/// `(system)`, interface names), collected apart so the pass can run while
/// other passes read the snapshot; ids continue after the table's last one.
#[derive(Debug, Default, Clone)]
pub struct NewStrings {
    base: u32,
    list: Vec<String>,
    index: HashMap<String, u32>,
}

impl NewStrings {
    pub fn new(snap: &HeapSnapshot) -> Self {
        NewStrings {
            base: snap.strings.len() as u32,
            ..Default::default()
        }
    }

    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.base + self.list.len() as u32;
        self.list.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }

    /// The text of `id`, whether in the table or added here.
    pub fn text<'a>(&'a self, snap: &'a HeapSnapshot, id: u32) -> &'a str {
        if id >= self.base {
            &self.list[(id - self.base) as usize]
        } else {
            snap.strings.get(id)
        }
    }

    /// Appends the strings to the table, where their ids become valid.
    pub fn append_to(self, snap: &mut HeapSnapshot) {
        assert_eq!(
            snap.strings.len() as u32,
            self.base,
            "string table changed meanwhile"
        );
        for s in &self.list {
            snap.strings.push(s);
        }
    }
}

/// Every node's class name (string id) with DevTools' interface names
/// applied: [`class_names`], then [`apply_interfaces`].
pub fn named_classes(
    snap: &HeapSnapshot,
    definitions: &[InterfaceDefinition],
    added: &mut NewStrings,
) -> Vec<u32> {
    let mut names = class_names(snap, added);
    apply_interfaces(snap, &mut names, definitions, added);
    names
}

/// Class name per node, as a string id (into the table, or into `added`).
pub fn class_names(snap: &HeapSnapshot, added: &mut NewStrings) -> Vec<u32> {
    let nt = snap.node_types;
    let hidden = added.intern("(system)");
    let code = added.intern("(compiled code)");
    let function = added.intern("Function");
    let regexp = added.intern("RegExp");
    let by_type: Vec<u32> = snap
        .node_type_names
        .iter()
        .map(|name| added.intern(&format!("({name})")))
        .collect();
    let n = snap.node_count();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let ty = snap.nodes.ty[i];
        let class = if ty == nt.hidden {
            hidden
        } else if ty == nt.object || ty == nt.native {
            let name_id = snap.nodes.name[i];
            let name = snap.strings.get(name_id);
            if name.starts_with('<') {
                let cut = match name.find(' ') {
                    Some(sp) => format!("{}>", &name[..sp]),
                    None => name.to_string(),
                };
                added.intern(&cut)
            } else if name.starts_with("Detached <") {
                // indexOf(' ', 10) counts UTF-16 units; the prefix is ASCII.
                let cut = match name.get(10..).and_then(|rest| rest.find(' ')) {
                    Some(sp) => format!("{}>", &name[..10 + sp]),
                    None => name.to_string(),
                };
                added.intern(&cut)
            } else {
                name_id
            }
        } else if ty == nt.code {
            code
        } else if ty == nt.closure {
            function
        } else if ty == nt.regexp {
            regexp
        } else {
            by_type[ty as usize]
        };
        out.push(class);
    }
    out
}

/// The interface name DevTools makes of an object with these property
/// names (`{a, b}`, `__proto__` left out, cut at a length) and the
/// properties it lists; None when it lists none.
fn interface_name<'a>(snap: &'a HeapSnapshot, ids: &[u32]) -> Option<(String, Vec<&'a str>)> {
    let mut name = String::from("{");
    let mut name_len = 1usize; // UTF-16 length of `name`
    let mut props: Vec<&str> = Vec::new();
    for &id in ids {
        let edge_name = snap.strings.get(id);
        if edge_name == "__proto__" {
            continue;
        }
        let formatted = format_property_name(edge_name);
        let flen = utf16_len(&formatted);
        if name_len > MIN_INTERFACE_PROPERTY_COUNT && name_len + flen > MAX_INTERFACE_NAME_LENGTH {
            break;
        }
        if name_len != 1 {
            name.push_str(", ");
            name_len += 2;
        }
        name.push_str(&formatted);
        name_len += flen;
        props.push(edge_name);
    }
    if props.is_empty() {
        return None;
    }
    name.push('}');
    Some((name, props))
}

/// DevTools' `inferInterfaceDefinitions` (spec §4.2).
pub fn infer_interfaces(snap: &HeapSnapshot) -> Vec<InterfaceDefinition> {
    struct Candidate {
        properties: Vec<String>,
        count: usize,
        order: usize,
    }
    // Candidates in first-seen order, and their slots by name.
    let mut candidates: Vec<(String, Candidate)> = Vec::new();
    let mut by_name: HashMap<String, u32> = HashMap::default();
    let mut total_objects = 0usize;
    let mut memo: ShapeMemo<Option<u32>> = ShapeMemo::new();
    let mut ids = Vec::new();
    let plain = PlainObjects::new(snap);
    for v in 0..snap.node_count() as u32 {
        if !plain.is(snap, v) {
            continue;
        }
        total_objects += 1;
        property_name_ids(snap, v, &mut ids);
        let slot = memo.get_or(&ids, || {
            let (name, props) = interface_name(snap, &ids)?;
            if let Some(&slot) = by_name.get(&name) {
                return Some(slot);
            }
            let slot = candidates.len() as u32;
            let candidate = Candidate {
                properties: props.iter().map(|s| s.to_string()).collect(),
                count: 0,
                order: slot as usize,
            };
            by_name.insert(name.clone(), slot);
            candidates.push((name, candidate));
            Some(slot)
        });
        if let Some(slot) = slot {
            candidates[slot as usize].1.count += 1;
        }
    }
    let mut sorted = candidates;
    // Stable sort by count, ties in first-seen order (JS Map iteration order).
    sorted.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.1.order.cmp(&b.1.order)));
    let min_count = MIN_OBJECT_COUNT_PER_INTERFACE
        .max(total_objects as f64 / MIN_OBJECT_PROPORTION_PER_INTERFACE);
    sorted
        .into_iter()
        .take_while(|(_, c)| c.count as f64 >= min_count)
        .map(|(name, c)| InterfaceDefinition {
            name,
            properties: c.properties,
            count: c.count as u64,
        })
        .collect()
}

struct TrieNode {
    next: HashMap<String, usize>,
    greatest_next: Option<String>,
    /// (property count, definition index) of the first definition ending here.
    matched: Option<(usize, usize)>,
}

impl TrieNode {
    fn empty() -> Self {
        TrieNode {
            next: HashMap::default(),
            greatest_next: None,
            matched: None,
        }
    }
}

/// No definition matched: (no properties, no definition).
const FALLBACK: (usize, usize) = (0, usize::MAX);

/// The definitions' sorted property lists as a trie (DevTools' matcher).
struct InterfaceTrie {
    nodes: Vec<TrieNode>,
}

impl InterfaceTrie {
    fn build(definitions: &[InterfaceDefinition]) -> Self {
        let mut trie = vec![TrieNode::empty()];
        for (index, def) in definitions.iter().enumerate() {
            let mut props = def.properties.clone();
            props.sort_by(|a, b| utf16_cmp(a, b));
            let mut cur = 0usize;
            for p in &props {
                cur = match trie[cur].next.get(p).copied() {
                    Some(nx) => nx,
                    None => {
                        trie.push(TrieNode::empty());
                        let nx = trie.len() - 1;
                        trie[cur].next.insert(p.clone(), nx);
                        let greater = match &trie[cur].greatest_next {
                            None => true,
                            Some(g) => utf16_cmp(g, p) == Ordering::Less,
                        };
                        if greater {
                            trie[cur].greatest_next = Some(p.clone());
                        }
                        nx
                    }
                };
            }
            if trie[cur].matched.is_none() {
                trie[cur].matched = Some((props.len(), index));
            }
        }
        InterfaceTrie { nodes: trie }
    }

    /// The best definition for an object with these (sorted) property
    /// names: the most properties matched, then the earliest definition;
    /// `states` and `snapshot` are scratch.
    fn best_match(
        &self,
        props: &[&str],
        states: &mut Vec<usize>,
        snapshot: &mut Vec<usize>,
    ) -> (usize, usize) {
        let trie = &self.nodes;
        states.clear();
        states.push(0);
        let mut best = better(FALLBACK, trie[0].matched);
        for p in props {
            snapshot.clear();
            snapshot.extend_from_slice(states);
            for &st in snapshot.iter() {
                let node = &trie[st];
                let exhausted = match &node.greatest_next {
                    None => true,
                    Some(g) => utf16_cmp(p, g) != Ordering::Less,
                };
                if exhausted {
                    states.retain(|&x| x != st);
                }
                if let Some(&nx) = node.next.get(*p) {
                    if !states.contains(&nx) {
                        states.push(nx);
                    }
                    best = better(best, trie[nx].matched);
                }
            }
        }
        best
    }
}

/// The better of two matches: more properties, then the earlier definition.
fn better(a: (usize, usize), b: Option<(usize, usize)>) -> (usize, usize) {
    match b {
        None => a,
        Some(b) => {
            if a.0 > b.0 {
                a
            } else if b.0 > a.0 {
                b
            } else if a.1 <= b.1 {
                a
            } else {
                b
            }
        }
    }
}

/// DevTools' `applyInterfaceDefinitions`: rewrites the class of plain objects
/// in `classes` to the best matching interface name.
pub fn apply_interfaces(
    snap: &HeapSnapshot,
    classes: &mut [u32],
    definitions: &[InterfaceDefinition],
    added: &mut NewStrings,
) {
    let trie = InterfaceTrie::build(definitions);
    let mut states: Vec<usize> = Vec::new();
    let mut snapshot_states: Vec<usize> = Vec::new();
    // Each definition's name, interned when an object first takes it.
    let mut interned: Vec<Option<u32>> = vec![None; definitions.len()];
    let mut memo: ShapeMemo<(usize, usize)> = ShapeMemo::new();
    let mut ids = Vec::new();
    let plain = PlainObjects::new(snap);
    for v in 0..snap.node_count() as u32 {
        if !plain.is(snap, v) {
            continue;
        }
        property_name_ids(snap, v, &mut ids);
        let best = memo.get_or(&ids, || {
            let mut props: Vec<&str> = ids.iter().map(|&id| snap.strings.get(id)).collect();
            props.sort_by(|a, b| utf16_cmp(a, b));
            trie.best_match(&props, &mut states, &mut snapshot_states)
        });
        classes[v as usize] = if best != FALLBACK {
            *interned[best.1].get_or_insert_with(|| added.intern(&definitions[best.1].name))
        } else {
            snap.nodes.name[v as usize]
        };
    }
}

#[cfg(test)]
mod tests {
    use super::ShapeMemo;

    #[test]
    fn the_shape_memo_remembers_short_lists_only() {
        let mut memo: ShapeMemo<u32> = ShapeMemo::new();
        let mut calls = 0;
        let short = [3u32, 1, 2];
        let long: Vec<u32> = (0..ShapeMemo::<u32>::MAX_LEN as u32 + 1).collect();
        for _ in 0..3 {
            assert_eq!(
                memo.get_or(&short, || {
                    calls += 1;
                    7
                }),
                7
            );
        }
        assert_eq!(calls, 1, "a short list is worked out once");
        for round in 0..3 {
            assert_eq!(
                memo.get_or(&long, || {
                    calls += 1;
                    round
                }),
                round
            );
        }
        assert_eq!(calls, 4, "a long list is worked out every time");
        // Another order of the same names is another shape.
        assert_eq!(memo.get_or(&[1, 2, 3], || 9), 9);
        assert_eq!(memo.get_or(&short, || 0), 7);
    }
}
