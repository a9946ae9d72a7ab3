//! WeakMap ephemeron edges. V8 names both edges to a WeakMap value
//! `"<k> / part of key (<name> @<id>) -> value (<name> @<id>) pair in WeakMap (table @<id>)"`;
//! DevTools matches them with a regular expression (spec §3.4, §3.6).

use heapscope_snapshot::HeapSnapshot;
use regex::Regex;
use rustc_hash::FxHashMap;

/// A parsed ephemeron edge name.
#[derive(Debug, Clone, Copy)]
pub struct Ephemeron {
    /// Which pair: the key's and the table's edge of one pair share the text
    /// after the leading number, and share this id (one per distinct text).
    pub part: u32,
    /// Id of the WeakMap's table node.
    pub table_id: u64,
}

/// Ephemeron edge names of one snapshot, parsed once per string id. (No
/// text is copied: a heap rich in WeakMaps has a distinct name per entry.)
#[derive(Debug, Default)]
pub struct EphemeronNames {
    by_string: FxHashMap<u32, Ephemeron>,
    parts: usize,
}

/// The regex's two groups in a name it matched: the leading `\d+` takes
/// every leading digit (a space follows it), so group 1 is the rest; the
/// name ends with `(table @\d+)`, so group 2 is the digits before the last
/// character.
fn groups(name: &str) -> (&str, &str) {
    let rest = name.trim_start_matches(|c: char| c.is_ascii_digit());
    let body = &name[..name.len() - 1];
    let digits = body.len() - body.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    (rest, &body[body.len() - digits..])
}

impl EphemeronNames {
    pub fn build(snap: &HeapSnapshot) -> Self {
        let re = Regex::new(
            r"^\d+( / part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(\d+)\))$",
        )
        .expect("valid regex");
        // Only `internal` edges are looked up by name, so every string that
        // matches may be parsed (there are few).
        let mut by_string = FxHashMap::default();
        let mut part_ids: FxHashMap<&str, u32> = FxHashMap::default();
        for s in snap.strings.ids_containing(" / part of key (") {
            let name = snap.strings.get(s);
            // `is_match` runs the regex's DFA, many times faster than
            // `captures`; both groups are then found by hand (see `groups`).
            if re.is_match(name) {
                let (duplicated_part, table) = groups(name);
                let next = part_ids.len() as u32;
                let part = *part_ids.entry(duplicated_part).or_insert(next);
                let table_id = table.parse::<u64>().unwrap_or(u64::MAX);
                by_string.insert(s, Ephemeron { part, table_id });
            }
        }
        EphemeronNames {
            by_string,
            parts: part_ids.len(),
        }
    }

    /// How many distinct pair parts there are (part ids are below it).
    pub fn part_count(&self) -> usize {
        self.parts
    }

    /// The parsed name of an `internal` edge named by string `name`, if it is
    /// an ephemeron (only meaningful for `internal` edges).
    #[inline]
    /// The string ids that name a WeakMap pair's edge.
    pub fn names(&self) -> impl Iterator<Item = u32> + '_ {
        self.by_string.keys().copied()
    }

    pub fn get(&self, name: u32) -> Option<&Ephemeron> {
        if self.by_string.is_empty() {
            return None;
        }
        self.by_string.get(&name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn regex() -> Regex {
        Regex::new(
            r"^\d+( / part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(\d+)\))$",
        )
        .unwrap()
    }

    proptest! {
        /// The groups found by hand are the regex's own, on names built from
        /// the pattern's pieces with arbitrary (digit- and paren-rich) names.
        #[test]
        fn groups_are_the_regex_captures(
            lead in "[0-9]{1,4}",
            key in "[a-z0-9 @()>-]{0,12}",
            value in "[a-z0-9 @()>-]{0,12}",
            ids in proptest::collection::vec("[0-9]{1,6}", 3),
            cut in 0usize..4,
        ) {
            let mut name = format!(
                "{lead} / part of key ({key} @{}) -> value ({value} @{}) pair in WeakMap (table @{})",
                ids[0], ids[1], ids[2]
            );
            if cut > 0 {
                name.truncate(name.len().saturating_sub(cut));
            }
            let re = regex();
            match re.captures(&name) {
                Some(c) => prop_assert_eq!(groups(&name), (&c[1], &c[2])),
                None => prop_assert!(!re.is_match(&name)),
            }
        }
    }
}
