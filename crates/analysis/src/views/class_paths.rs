//! Retainer paths of a whole class, grouped by shape: instances whose shortest
//! path runs through the same sequence of classes and edge names form one group
//! ("2,913 TLSSocket via ProxyAgent.sockets[…]"), with count and bytes.

use crate::engine::bitset::BitSet;
use crate::views::paths::RetainerPath;
use crate::Analysis;
use std::collections::HashMap;

/// Instances beyond this many (smallest retained first) are left out of grouping.
pub const MAX_GROUPED_INSTANCES: usize = 20_000;

#[derive(Debug, Clone)]
pub struct PathGroup {
    /// A representative path (that of the sample).
    pub path: Option<RetainerPath>,
    pub count: u64,
    pub retained_size: u64,
    /// The member with the largest retained size.
    pub sample: u32,
    /// The shape: classes and normalised edge labels, root first.
    pub shape: Vec<String>,
}

impl Analysis {
    /// Edge label with varying parts removed: element and hidden indexes.
    fn shape_label(&self, edge: usize) -> String {
        let et = self.snap.edge_types;
        let ty = self.snap.edges.ty[edge];
        if ty == et.element {
            "[]".to_string()
        } else if ty == et.hidden {
            "{}".to_string()
        } else {
            self.edge_label(edge)
        }
    }

    /// Groups `instances` by the shape of their shortest retaining path;
    /// largest groups (by retained size) first. Returns the groups and how
    /// many instances were left out by [`MAX_GROUPED_INSTANCES`].
    pub fn group_paths(&self, instances: &[u32], max_depth: usize) -> (Vec<PathGroup>, usize) {
        let mut sorted: Vec<u32> = instances.to_vec();
        sorted.sort_by(|&a, &b| {
            self.retained[b as usize]
                .cmp(&self.retained[a as usize])
                .then(a.cmp(&b))
        });
        let skipped = sorted.len().saturating_sub(MAX_GROUPED_INSTANCES);
        sorted.truncate(MAX_GROUPED_INSTANCES);
        let mut groups: Vec<PathGroup> = Vec::new();
        let mut by_shape: HashMap<Vec<String>, usize> = HashMap::new();
        // Each object's path goes through no other object of the class (one
        // socket is not shown as held by another); one reached only through
        // others gets its DevTools retaining path.
        let mut members = BitSet::new(self.snap.node_count());
        for &v in instances {
            members.set(v as usize);
        }
        let mut apart = self.paths_around_each_other(&members, max_depth);
        for &v in &sorted {
            let path = apart
                .remove(&v)
                .or_else(|| self.retaining_paths(v, 1, max_depth).into_iter().next());
            let shape: Vec<String> = match &path {
                None => vec!["(no path from the roots)".to_string()],
                Some(p) => {
                    let mut s = Vec::with_capacity(p.edges.len() * 2 + 1);
                    for (i, e) in p.edges.iter().enumerate() {
                        if i == 0 {
                            s.push(
                                self.snap
                                    .strings
                                    .get(self.class_name[e.source as usize])
                                    .to_string(),
                            );
                        }
                        s.push(self.shape_label(e.edge));
                        s.push(
                            self.snap
                                .strings
                                .get(self.class_name[e.target as usize])
                                .to_string(),
                        );
                    }
                    s
                }
            };
            let shape = fold_repeats(shape);
            let size = self.retained[v as usize];
            match by_shape.get(&shape) {
                Some(&g) => {
                    let group = &mut groups[g];
                    group.count += 1;
                    group.retained_size += size;
                }
                None => {
                    by_shape.insert(shape.clone(), groups.len());
                    groups.push(PathGroup {
                        path,
                        count: 1,
                        retained_size: size,
                        sample: v,
                        shape,
                    });
                }
            }
        }
        groups.sort_by(|a, b| {
            b.retained_size
                .cmp(&a.retained_size)
                .then(b.count.cmp(&a.count))
        });
        (groups, skipped)
    }
}

/// A shape with each run of like links (the same edge label to the same
/// class, as along a timer list's `_idleNext` chain) kept once and marked
/// `×n`, so that chains of different lengths are one group.
pub fn fold_repeats(shape: Vec<String>) -> Vec<String> {
    // shape = [class, edge, class, edge, class, …]
    let mut out: Vec<String> = Vec::with_capacity(shape.len());
    let mut i = 0;
    while i < shape.len() {
        if i % 2 == 1 && i + 1 < shape.len() && out.len() >= 3 {
            let (edge, class) = (&shape[i], &shape[i + 1]);
            let n = out.len();
            let last_class = out[n - 1].trim_end_matches(" ×n");
            if *edge == out[n - 2] && class == last_class {
                if !out[n - 1].ends_with(" ×n") {
                    out[n - 1].push_str(" ×n");
                }
                i += 2;
                continue;
            }
        }
        out.push(shape[i].clone());
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold_repeats;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn chains_of_like_links_fold_into_one_shape() {
        let three = v(&[
            "(root)",
            ".a",
            "TimersList",
            "._idleNext",
            "Timeout",
            "._idleNext",
            "Timeout",
            "._idleNext",
            "Timeout",
        ]);
        let five = v(&[
            "(root)",
            ".a",
            "TimersList",
            "._idleNext",
            "Timeout",
            "._idleNext",
            "Timeout",
            "._idleNext",
            "Timeout",
            "._idleNext",
            "Timeout",
            "._idleNext",
            "Timeout",
        ]);
        assert_eq!(fold_repeats(three.clone()), fold_repeats(five));
        assert_eq!(
            fold_repeats(three),
            v(&["(root)", ".a", "TimersList", "._idleNext", "Timeout ×n"])
        );
        let plain = v(&["(root)", ".a", "X", ".b", "Y"]);
        assert_eq!(fold_repeats(plain.clone()), plain);
    }
}
