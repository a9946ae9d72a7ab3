//! Object id → node ordinal, for matching objects across snapshots of one
//! process. V8 gives heap objects odd ids in allocation order, so those are
//! held in a dense table (one lookup, no search); other ids (natives,
//! synthetic nodes, often huge) in a small sorted list.

const ABSENT: u32 = u32::MAX;

pub struct IdIndex {
    /// Ordinal per odd id, at `id / 2`; `ABSENT` where no node has that id.
    odd: Vec<u32>,
    /// (id, ordinal) of every other node, sorted by id.
    other: Vec<(u32, u32)>,
}

impl IdIndex {
    /// Indexes `ids` (one per node ordinal). Odd ids go to the dense table
    /// unless it would be far larger than the node count.
    pub fn build(ids: &[u32]) -> Self {
        let max_odd = ids.iter().copied().filter(|id| id % 2 == 1).max();
        let dense_len = max_odd.map_or(0, |m| m as usize / 2 + 1);
        let dense_ok = dense_len <= 4 * ids.len() + (1 << 20);
        let mut odd = vec![ABSENT; if dense_ok { dense_len } else { 0 }];
        let mut other = Vec::new();
        for (v, &id) in ids.iter().enumerate() {
            if dense_ok && id % 2 == 1 {
                odd[id as usize / 2] = v as u32;
            } else {
                other.push((id, v as u32));
            }
        }
        other.sort_unstable();
        IdIndex { odd, other }
    }

    /// The ordinal of the node with `id`, if any.
    #[inline]
    pub fn get(&self, id: u32) -> Option<u32> {
        if id % 2 == 1 {
            if let Some(&v) = self.odd.get(id as usize / 2) {
                return (v != ABSENT).then_some(v);
            }
            if !self.odd.is_empty() {
                return None;
            }
        }
        self.other
            .binary_search_by_key(&id, |x| x.0)
            .ok()
            .map(|i| self.other[i].1)
    }
}

#[cfg(test)]
mod tests {
    use super::IdIndex;

    #[test]
    fn finds_every_id_and_nothing_else() {
        let ids = [1u32, 7, 4, 3_000_000_002, 9, 2, 5];
        let index = IdIndex::build(&ids);
        for (v, &id) in ids.iter().enumerate() {
            assert_eq!(index.get(id), Some(v as u32), "id {id}");
        }
        for id in [0u32, 3, 6, 11, 13, 101, 3_000_000_001, u32::MAX] {
            assert_eq!(index.get(id), None, "id {id}");
        }
    }

    #[test]
    fn sparse_odd_ids_fall_back_to_search() {
        // A huge odd id would make the dense table too large.
        let ids = [1u32, 4_000_000_001, 3];
        let index = IdIndex::build(&ids);
        assert!(index.odd.is_empty());
        assert_eq!(index.get(4_000_000_001), Some(1));
        assert_eq!(index.get(3), Some(2));
        assert_eq!(index.get(5), None);
    }
}
