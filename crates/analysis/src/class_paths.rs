//! Retainer paths of a whole class, grouped by shape: instances whose shortest
//! path runs through the same sequence of classes and edge names form one group
//! ("2,913 TLSSocket via ProxyAgent.sockets[…]"), with count and bytes.

use crate::paths::RetainerPath;
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
        for &v in &sorted {
            let path = self.retaining_paths(v, 1, max_depth).into_iter().next();
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
