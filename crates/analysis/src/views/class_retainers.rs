//! A class's retainers (`heapscope retainers --class`): the objects of every
//! class a pattern matches, their retained size, the largest of them, and
//! their shortest retaining paths grouped by shape (see [`class_paths`]).
//!
//! [`class_paths`]: crate::views::class_paths

use crate::views::class_paths::PathGroup;
use crate::Analysis;

/// Path groups kept, largest first.
pub const PATH_GROUPS_SHOWN: usize = 20;

/// The objects of the matching classes and what keeps them alive.
#[derive(Debug, Clone, Default)]
pub struct ClassRetainers {
    /// The matching classes' names, sorted.
    pub classes: Vec<String>,
    /// How many objects (of non-zero size) the matching classes have.
    pub count: usize,
    /// The classes' retained size, as the Summary gives it.
    pub retained_size: u64,
    /// The largest objects by retained size (ordinals), largest first.
    pub largest: Vec<u32>,
    /// Up to [`PATH_GROUPS_SHOWN`] groups of objects whose shortest retaining
    /// path has one shape, largest (by retained size) first.
    pub path_groups: Vec<PathGroup>,
    /// Objects left out of grouping (the smallest beyond
    /// [`MAX_GROUPED_INSTANCES`](crate::views::class_paths::MAX_GROUPED_INSTANCES)).
    pub instances_not_grouped: usize,
}

impl Analysis {
    /// The objects of non-zero size whose class name `matches` accepts, with
    /// the `largest` of them and their paths (up to `max_depth` edges) grouped
    /// by shape. All empty when no object matches.
    pub fn class_retainers(
        &self,
        matches: impl Fn(&str) -> bool,
        largest: usize,
        max_depth: usize,
    ) -> ClassRetainers {
        let snap = &self.snap;
        let is_instance = |v: u32| {
            snap.nodes.self_size.nonzero(v as usize)
                && matches(snap.strings.get(self.class_name[v as usize]))
        };
        let instances: Vec<u32> = (0..snap.node_count() as u32)
            .filter(|&v| is_instance(v))
            .collect();
        if instances.is_empty() {
            return ClassRetainers::default();
        }
        let mut classes: Vec<String> = instances
            .iter()
            .map(|&v| snap.strings.get(self.class_name[v as usize]).to_string())
            .collect();
        classes.sort();
        classes.dedup();
        let retained_size = self
            .summary()
            .classes
            .iter()
            .filter(|c| matches(&c.name))
            .map(|c| c.retained_size)
            .sum();
        let largest = self.top_nodes(largest, is_instance);
        let (mut path_groups, instances_not_grouped) = self.group_paths(&instances, max_depth);
        path_groups.truncate(PATH_GROUPS_SHOWN);
        ClassRetainers {
            classes,
            count: instances.len(),
            retained_size,
            largest,
            path_groups,
            instances_not_grouped,
        }
    }
}
