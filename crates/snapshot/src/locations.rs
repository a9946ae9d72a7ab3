//! Allocation locations, held compactly: objects share few sites (every
//! instance of a class points at its constructor, every closure of a function
//! at that function), so each node keeps a site index into a table of distinct
//! (script, line, column) sites: 8 bytes per location instead of 16.

use crate::column::Column;
use crate::graph::Location;
use rustc_hash::FxHashMap;

/// A distinct allocation site: (script id, line, column).
pub type Site = (u32, u32, u32);

#[derive(Debug, Default, Clone)]
pub struct Locations {
    /// Node ordinals with a location, ascending.
    nodes: Column<u32>,
    /// Site of each of `nodes`.
    site_of: Column<u32>,
    /// Distinct (script id, line, column).
    sites: Vec<(u32, u32, u32)>,
}

impl Locations {
    /// From locations sorted by node, one per node.
    pub fn from_sorted(locations: impl IntoIterator<Item = Location>) -> Self {
        let locations = locations.into_iter();
        let mut index: FxHashMap<(u32, u32, u32), u32> = FxHashMap::default();
        let mut sites = Vec::new();
        let mut nodes = Vec::with_capacity(locations.size_hint().1.unwrap_or(0));
        let mut site_of = Vec::with_capacity(locations.size_hint().1.unwrap_or(0));
        let mut last: Option<((u32, u32, u32), u32)> = None;
        for l in locations {
            let key = (l.script_id, l.line, l.column);
            let site = match last {
                // Neighbours often share a site (instances of one class).
                Some((k, s)) if k == key => s,
                _ => *index.entry(key).or_insert_with(|| {
                    sites.push(key);
                    (sites.len() - 1) as u32
                }),
            };
            last = Some((key, site));
            nodes.push(l.node);
            site_of.push(site);
        }
        sites.shrink_to_fit();
        Locations {
            nodes: nodes.into(),
            site_of: site_of.into(),
            sites,
        }
    }

    /// Node ordinals, the site of each and the sites (see [`Locations::from_parts`]).
    pub fn parts(&self) -> (&[u32], &[u32], &[Site]) {
        (&self.nodes, &self.site_of, &self.sites)
    }

    /// Locations from what [`Locations::parts`] gave, checked: node ordinals
    /// ascend and every site index is in the table.
    pub fn from_parts(
        nodes: Column<u32>,
        site_of: Column<u32>,
        sites: Vec<Site>,
    ) -> Result<Self, String> {
        if nodes.len() != site_of.len() {
            return Err("locations: as many sites as nodes are needed".into());
        }
        if nodes.windows(2).any(|w| w[0] >= w[1]) {
            return Err("locations: node ordinals out of order".into());
        }
        if site_of.iter().any(|&s| s as usize >= sites.len()) {
            return Err("locations: site index out of range".into());
        }
        Ok(Locations {
            nodes,
            site_of,
            sites,
        })
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn at(&self, i: usize) -> Location {
        let (script_id, line, column) = self.sites[self.site_of[i] as usize];
        Location {
            node: self.nodes[i],
            script_id,
            line,
            column,
        }
    }

    /// The location of `node`, if the snapshot recorded one.
    pub fn get(&self, node: u32) -> Option<Location> {
        self.nodes.binary_search(&node).ok().map(|i| self.at(i))
    }

    /// Every location, by ascending node.
    pub fn iter(&self) -> impl Iterator<Item = Location> + '_ {
        (0..self.nodes.len()).map(|i| self.at(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_are_shared_and_every_location_reads_back() {
        let l = |node, script_id, line, column| Location {
            node,
            script_id,
            line,
            column,
        };
        let all = vec![
            l(1, 5, 10, 2),
            l(4, 5, 10, 2),
            l(7, 6, 1, 0),
            l(9, 5, 10, 2),
        ];
        let locations = Locations::from_sorted(all.clone());
        assert_eq!(locations.sites.len(), 2);
        assert_eq!(locations.iter().collect::<Vec<_>>(), all);
        assert_eq!(locations.get(7), Some(l(7, 6, 1, 0)));
        assert_eq!(locations.get(5), None);
    }
}
