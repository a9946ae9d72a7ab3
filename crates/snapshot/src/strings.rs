//! The snapshot's string table, held once as one UTF-8 buffer with offsets.
//! Analyses may append strings (DevTools adds class names such as `(system)`).

/// Offsets are stored modulo 2^BLOCK_BITS (tiny blocks in unit tests, so the
/// path for text over 4 GiB runs there too).
#[cfg(not(test))]
const BLOCK_BITS: u32 = 32;
#[cfg(test)]
const BLOCK_BITS: u32 = 4;
const BLOCK_MASK: usize = (1usize << BLOCK_BITS) - 1;

use crate::column::Column;

#[derive(Debug, Default, Clone)]
pub struct StringTable {
    data: Column<u8>,
    /// Low 32 bits of each string's start offset, plus the end: `len + 1`
    /// entries (half the memory of `usize` offsets).
    offsets: Column<u32>,
    /// For text over 4 GiB: the index of the first offset of each further
    /// 4 GiB block (offset `i` is in block `high.partition_point(|&h| h <= i)`).
    high: Column<u32>,
}

impl StringTable {
    pub fn new() -> Self {
        StringTable {
            data: Column::new(),
            offsets: vec![0].into(),
            high: Column::new(),
        }
    }

    #[inline]
    fn offset(&self, i: usize) -> usize {
        let low = self.offsets[i] as usize;
        if self.high.is_empty() {
            return low;
        }
        let block = self.high.partition_point(|&h| h as usize <= i);
        (block << BLOCK_BITS) | low
    }

    fn push_offset(&mut self) {
        let end = self.data.len();
        let block = end >> BLOCK_BITS;
        while self.high.len() < block {
            self.high.to_mut().push(self.offsets.len() as u32);
        }
        self.offsets.to_mut().push((end & BLOCK_MASK) as u32);
    }

    /// The text, the offsets and the block starts (see [`StringTable::from_parts`]).
    pub fn parts(&self) -> (&[u8], &[u32], &[u32]) {
        (&self.data, &self.offsets, &self.high)
    }

    /// A table from what [`StringTable::parts`] gave, checked so that every
    /// string is valid UTF-8 inside the text: offsets ascend and end at the
    /// end of the text, each on a character boundary.
    pub fn from_parts(
        data: Column<u8>,
        offsets: Column<u32>,
        high: Column<u32>,
    ) -> Result<Self, String> {
        let table = StringTable {
            data,
            offsets,
            high,
        };
        table.check()?;
        Ok(table)
    }

    fn check(&self) -> Result<(), String> {
        if self.offsets.is_empty() || self.offsets[0] != 0 {
            return Err("string offsets do not start at 0".into());
        }
        if self.high.windows(2).any(|w| w[0] > w[1])
            || self
                .high
                .last()
                .is_some_and(|&h| h as usize > self.offsets.len())
        {
            return Err("string blocks out of order".into());
        }
        let text = std::str::from_utf8(&self.data).map_err(|_| "strings are not UTF-8")?;
        let mut last = 0;
        for i in 0..self.offsets.len() {
            let at = self.offset(i);
            if at < last || !text.is_char_boundary(at) {
                return Err(format!("string {i} starts at a bad offset"));
            }
            last = at;
        }
        if last != self.data.len() {
            return Err("string offsets do not end at the end of the text".into());
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total bytes of text held.
    pub fn text_bytes(&self) -> usize {
        self.data.len()
    }

    #[inline]
    pub fn get(&self, index: u32) -> &str {
        let i = index as usize;
        if i + 1 >= self.offsets.len() {
            return "";
        }
        let (a, b) = (self.offset(i), self.offset(i + 1));
        // SAFETY: every string is pushed as valid UTF-8 (see `push`/`end_string`).
        unsafe { std::str::from_utf8_unchecked(&self.data[a..b]) }
    }

    pub fn push(&mut self, s: &str) -> u32 {
        self.data.to_mut().extend_from_slice(s.as_bytes());
        self.push_offset();
        (self.offsets.len() - 2) as u32
    }

    /// The string that holds text byte `p` (the last one starting at or before it).
    fn id_at_byte(&self, p: usize) -> usize {
        let block = p >> BLOCK_BITS;
        let lo = if block == 0 {
            0
        } else {
            self.high[block - 1] as usize
        };
        let hi = self
            .high
            .get(block)
            .map_or(self.offsets.len(), |&h| h as usize);
        let low = (p & BLOCK_MASK) as u32;
        // Offsets of one block are ascending in their low bits.
        (lo + self.offsets[lo..hi].partition_point(|&o| o <= low)) - 1
    }

    /// Ids of the strings that contain `needle` (one search over all the
    /// text rather than one per string), ascending.
    pub fn ids_containing(&self, needle: &str) -> Vec<u32> {
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let mut ids = Vec::new();
        let mut from = 0;
        while let Some(k) = finder.find(&self.data[from..]) {
            let id = self.id_at_byte(from + k);
            if self.get(id as u32).contains(needle) {
                ids.push(id as u32);
            }
            // On from the next string (a match may also span two strings).
            from = self.offset(id + 1);
        }
        ids
    }

    /// The raw buffer, for the reader to decode strings into directly.
    pub(crate) fn data_mut(&mut self) -> crate::column::VecMut<'_, u8> {
        self.data.to_mut()
    }

    /// Ends a string whose UTF-8 bytes were appended to `data_mut()`.
    pub(crate) fn end_string(&mut self) {
        self.push_offset();
    }

    /// The same table with every string that `keep` refuses made empty: the
    /// ids stay valid and keep their text where kept, the rest of the text is
    /// freed (views that read only some strings, such as class names, hold
    /// no more).
    pub fn keep_only(&self, keep: impl Fn(u32) -> bool) -> StringTable {
        let mut out = StringTable::new();
        for id in 0..self.len() as u32 {
            if keep(id) {
                out.data.to_mut().extend_from_slice(self.get(id).as_bytes());
            }
            out.push_offset();
        }
        out.shrink_to_fit();
        out
    }

    pub fn shrink_to_fit(&mut self) {
        self.data.to_mut().shrink_to_fit();
        self.offsets.to_mut().shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeping_only_some_strings_keeps_their_ids_and_empties_the_rest() {
        let mut t = StringTable::new();
        let words = [
            "alpha",
            "",
            "a string longer than two blocks of text",
            "é",
            "z",
        ];
        for w in words {
            t.push(w);
        }
        let kept = t.keep_only(|id| id % 2 == 0);
        assert_eq!(kept.len(), words.len());
        for (id, w) in words.iter().enumerate() {
            let want = if id % 2 == 0 { *w } else { "" };
            assert_eq!(kept.get(id as u32), want, "string {id}");
        }
        assert_eq!(kept.text_bytes(), 5 + 39 + 1);
        kept.check().unwrap();
    }

    #[test]
    fn strings_across_offset_blocks_read_back() {
        // 16-byte blocks in tests: these strings cross several, some exactly
        // at a boundary, one longer than a block, and empty ones.
        let words = [
            "",
            "a",
            "0123456789abcde",
            "f",
            "",
            "exactly-sixteen!",
            "x",
            "a string longer than two blocks of text",
            "",
            "é",
            "end",
        ];
        let mut table = StringTable::new();
        for w in words {
            table.push(w);
        }
        assert!(!table.high.is_empty());
        for (i, w) in words.iter().enumerate() {
            assert_eq!(table.get(i as u32), *w, "string {i}");
        }
        assert_eq!(table.get(words.len() as u32), "");
    }

    #[test]
    fn finds_the_strings_containing_a_needle() {
        // 16-byte blocks in tests; "ab" + "c" spans two strings and is no match.
        let words = [
            "xxabc",
            "",
            "ab",
            "c",
            "a long string that has abc past two blocks",
            "abc",
            "",
            "zzz",
        ];
        let mut table = StringTable::new();
        for w in words {
            table.push(w);
        }
        assert!(!table.high.is_empty());
        assert_eq!(table.ids_containing("abc"), vec![0, 4, 5]);
        assert_eq!(table.ids_containing("zz"), vec![7]);
        assert!(table.ids_containing("nope").is_empty());
        for p in 0..table.data.len() {
            let id = table.id_at_byte(p);
            assert!(
                table.offset(id) <= p && p < table.offset(id + 1),
                "byte {p}"
            );
        }
    }
}
