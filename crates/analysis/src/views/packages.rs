//! Memory by npm package. Every object is attributed to the package of the
//! nearest code on its dominator chain (itself included): a closure, function
//! context, SharedFunctionInfo or Script whose script path is known. Paths
//! inside `node_modules/<pkg>/` name the package (the innermost one), `node:`
//! scripts are `(node)`, other paths `(app)`; objects with no such code above
//! them are `(unattributed)`. Each byte of the heap (self sizes) counts for
//! exactly one package, so the rows add up to the total.

use crate::engine::dominators::DominatedNodes;
use crate::views::scripts::package_of_path;
use crate::Analysis;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClassShare {
    pub name: String,
    pub count: u64,
    pub size: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PackageRow {
    pub name: String,
    /// Bytes (self sizes) of the objects attributed to the package.
    pub retained_size: u64,
    /// Objects with a non-zero size attributed to the package.
    pub count: u64,
    pub top_classes: Vec<ClassShare>,
}

pub const UNATTRIBUTED: &str = "(unattributed)";

/// Per-node package index into `names`.
pub struct PackageAttribution {
    pub names: Vec<String>,
    pub of_node: Vec<u32>,
}

impl Analysis {
    /// Attributes every node to a package, top-down over the dominator tree.
    pub fn package_attribution(&self) -> PackageAttribution {
        let n = self.snap.node_count();
        let mut names: Vec<String> = vec![UNATTRIBUTED.to_string()];
        let mut index: FxHashMap<String, u32> = FxHashMap::default();
        index.insert(UNATTRIBUTED.to_string(), 0);
        let mut by_script: FxHashMap<u32, u32> = FxHashMap::default();
        let mut of_node = vec![0u32; n];
        let tree = DominatedNodes::build(&self.dom, self.snap.root);
        let mut stack: Vec<u32> = vec![self.snap.root];
        while let Some(v) = stack.pop() {
            let inherited = if v == self.snap.root {
                0
            } else {
                of_node[self.dom[v as usize] as usize]
            };
            let own = self.code_script(v).and_then(|(_, script)| {
                if let Some(&p) = by_script.get(&script) {
                    return (p != u32::MAX).then_some(p);
                }
                let p = match package_of_path(self.script_name(script)) {
                    Some(name) => *index.entry(name.clone()).or_insert_with(|| {
                        names.push(name);
                        (names.len() - 1) as u32
                    }),
                    None => u32::MAX,
                };
                by_script.insert(script, p);
                (p != u32::MAX).then_some(p)
            });
            of_node[v as usize] = own.unwrap_or(inherited);
            stack.extend_from_slice(tree.children(v));
        }
        PackageAttribution { names, of_node }
    }

    /// Packages by attributed bytes, largest first, with their top classes.
    pub fn packages(&self, keep_class: impl Fn(&str) -> bool) -> Vec<PackageRow> {
        let attribution = self.package_attribution();
        let mut rows: Vec<PackageRow> = attribution
            .names
            .iter()
            .map(|name| PackageRow {
                name: name.clone(),
                retained_size: 0,
                count: 0,
                top_classes: Vec::new(),
            })
            .collect();
        let mut classes: Vec<FxHashMap<u32, (u64, u64)>> = vec![FxHashMap::default(); rows.len()];
        for v in 0..self.snap.node_count() {
            let size = self.snap.nodes.self_size.get(v);
            if size == 0 {
                continue;
            }
            let class = self.class_name[v];
            if !keep_class(self.snap.strings.get(class)) {
                continue;
            }
            let p = attribution.of_node[v] as usize;
            rows[p].retained_size += size;
            rows[p].count += 1;
            let e = classes[p].entry(class).or_insert((0, 0));
            e.0 += 1;
            e.1 += size;
        }
        for (row, cls) in rows.iter_mut().zip(classes) {
            let mut list: Vec<ClassShare> = cls
                .into_iter()
                .map(|(c, (count, size))| ClassShare {
                    name: self.snap.strings.get(c).to_string(),
                    count,
                    size,
                })
                .collect();
            list.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.name.cmp(&b.name)));
            list.truncate(5);
            row.top_classes = list;
        }
        rows.retain(|r| r.count > 0);
        rows.sort_by(|a, b| {
            b.retained_size
                .cmp(&a.retained_size)
                .then_with(|| a.name.cmp(&b.name))
        });
        rows
    }
}
