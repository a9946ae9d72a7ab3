//! WeakMap ephemeron edges. V8 names both edges to a WeakMap value
//! `"<k> / part of key (<name> @<id>) -> value (<name> @<id>) pair in WeakMap (table @<id>)"`;
//! DevTools matches them with a regular expression (spec §3.4, §3.6).

use heapscope_snapshot::HeapSnapshot;
use regex::Regex;
use std::collections::HashMap;

/// A parsed ephemeron edge name.
#[derive(Debug, Clone)]
pub struct Ephemeron {
    /// The text after the leading number, shared by the key's and the table's edge.
    pub duplicated_part: Box<str>,
    /// Id of the WeakMap's table node.
    pub table_id: u64,
}

/// Ephemeron edge names of one snapshot, parsed once per string id.
#[derive(Debug, Default)]
pub struct EphemeronNames {
    by_string: HashMap<u32, Ephemeron>,
}

impl EphemeronNames {
    pub fn build(snap: &HeapSnapshot) -> Self {
        let re = Regex::new(
            r"^\d+( / part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(\d+)\))$",
        )
        .expect("valid regex");
        // Only `internal` edges are looked up by name, so every string that
        // matches may be parsed (there are few).
        let mut by_string = HashMap::new();
        for s in snap.strings.ids_containing(" / part of key (") {
            if let Some(c) = re.captures(snap.strings.get(s)) {
                let table_id = c[2].parse::<u64>().unwrap_or(u64::MAX);
                by_string.insert(
                    s,
                    Ephemeron {
                        duplicated_part: c[1].into(),
                        table_id,
                    },
                );
            }
        }
        EphemeronNames { by_string }
    }

    /// The parsed name of an `internal` edge named by string `name`, if it is
    /// an ephemeron (only meaningful for `internal` edges).
    #[inline]
    pub fn get(&self, name: u32) -> Option<&Ephemeron> {
        if self.by_string.is_empty() {
            return None;
        }
        self.by_string.get(&name)
    }
}
