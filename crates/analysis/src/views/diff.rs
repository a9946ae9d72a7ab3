//! DevTools' Comparison view (spec §6): per class, the objects new in the later
//! snapshot and those gone since the earlier one, matched by object id. The
//! earlier snapshot is classed with the later one's interface definitions, as
//! DevTools does; size changes of surviving objects are not counted.

use crate::engine::classes::{apply_interfaces, NewStrings};
use crate::engine::js::utf16_cmp;
use crate::Analysis;
use serde::Serialize;
use std::collections::HashMap;

/// One row: field names match the DevTools oracle's `comparison` rows.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DiffRow {
    pub class_key: String,
    pub name: String,
    #[serde(flatten)]
    pub delta: DiffTotals,
}

/// New and deleted objects and their sizes: of one class, or summed.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct DiffTotals {
    pub added_count: u64,
    pub removed_count: u64,
    pub count_delta: i64,
    pub added_size: u64,
    pub removed_size: u64,
    pub size_delta: i64,
}

impl DiffTotals {
    /// Sums of the given rows.
    pub fn of(rows: &[DiffRow]) -> Self {
        let mut t = DiffTotals::default();
        for r in rows {
            let d = &r.delta;
            t.added_count += d.added_count;
            t.removed_count += d.removed_count;
            t.count_delta += d.count_delta;
            t.added_size += d.added_size;
            t.removed_size += d.removed_size;
            t.size_delta += d.size_delta;
        }
        t
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub totals: DiffTotals,
    pub classes: Vec<DiffRow>,
}

/// Per class key: its name and the (id, self size, ordinal) of its objects, by id.
struct ClassObjects {
    name: String,
    objects: Vec<(u32, u64, u32)>,
}

fn class_objects<'a>(
    a: &Analysis,
    class_name: &[u32],
    name_of: &dyn Fn(u32) -> &'a str,
) -> HashMap<String, ClassObjects> {
    let agg = a.aggregates_by(class_name, name_of);
    let mut lists: Vec<Vec<(u32, u64, u32)>> = vec![Vec::new(); agg.rows.len()];
    for (v, &row) in agg.node_row.iter().enumerate() {
        if row != crate::views::summary::NO_ROW {
            lists[row as usize].push((a.snap.nodes.id[v], a.snap.nodes.self_size.get(v), v as u32));
        }
    }
    agg.rows
        .into_iter()
        .zip(lists)
        .map(|(row, mut objects)| {
            objects.sort_unstable();
            (
                row.class_key,
                ClassObjects {
                    name: row.name,
                    objects,
                },
            )
        })
        .collect()
}

/// Compares `base` (earlier) with `target` (later), as DevTools' Comparison view.
pub fn compare(base: &Analysis, target: &Analysis) -> Comparison {
    // The base classed with the target's interface definitions.
    let mut added = NewStrings::new(&base.snap);
    let mut base_classes = base.class_name.clone();
    apply_interfaces(
        &base.snap,
        &mut base_classes,
        &target.interfaces,
        &mut added,
    );
    let base_objects = class_objects(base, &base_classes, &|id| added.text(&base.snap, id));
    let target_objects = class_objects(target, &target.class_name, &|id| {
        target.snap.strings.get(id)
    });
    // The name of a class that is gone is the base's own name for its last object.
    let base_own_name = |objects: &[(u32, u64, u32)]| -> Option<String> {
        let v = objects.last()?.2;
        Some(
            base.snap
                .strings
                .get(base.class_name[v as usize])
                .to_string(),
        )
    };
    let mut rows = Vec::new();
    let empty: Vec<(u32, u64, u32)> = Vec::new();
    let mut keys: Vec<&String> = base_objects.keys().collect();
    keys.extend(
        target_objects
            .keys()
            .filter(|k| !base_objects.contains_key(*k)),
    );
    for key in keys {
        let b = base_objects.get(key);
        let t = target_objects.get(key);
        let (bo, to) = (
            b.map_or(&empty, |c| &c.objects),
            t.map_or(&empty, |c| &c.objects),
        );
        let mut d = DiffTotals::default();
        let (mut i, mut j) = (0, 0);
        while i < bo.len() || j < to.len() {
            if j >= to.len() || (i < bo.len() && bo[i].0 < to[j].0) {
                d.removed_count += 1;
                d.removed_size += bo[i].1;
                i += 1;
            } else if i >= bo.len() || bo[i].0 > to[j].0 {
                d.added_count += 1;
                d.added_size += to[j].1;
                j += 1;
            } else {
                i += 1;
                j += 1;
            }
        }
        if d.added_count == 0 && d.removed_count == 0 {
            continue;
        }
        let name = match t {
            Some(c) => c.name.clone(),
            None => {
                base_own_name(bo).unwrap_or_else(|| b.map(|c| c.name.clone()).unwrap_or_default())
            }
        };
        d.count_delta = d.added_count as i64 - d.removed_count as i64;
        d.size_delta = d.added_size as i64 - d.removed_size as i64;
        rows.push(DiffRow {
            class_key: key.clone(),
            name,
            delta: d,
        });
    }
    rows.sort_by(|x, y| {
        y.delta
            .added_size
            .cmp(&x.delta.added_size)
            .then(y.delta.removed_size.cmp(&x.delta.removed_size))
            .then_with(|| utf16_cmp(&x.class_key, &y.class_key))
    });
    let totals = DiffTotals::of(&rows);
    Comparison {
        totals,
        classes: rows,
    }
}
