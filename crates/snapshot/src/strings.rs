//! The snapshot's string table, held once as one UTF-8 buffer with offsets.
//! Analyses may append strings (DevTools adds class names such as `(system)`).

#[derive(Debug, Default, Clone)]
pub struct StringTable {
    data: Vec<u8>,
    /// `offsets[i]..offsets[i+1]` is string `i`; always has `len + 1` entries.
    offsets: Vec<usize>,
}

impl StringTable {
    pub fn new() -> Self {
        StringTable {
            data: Vec::new(),
            offsets: vec![0],
        }
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
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            // SAFETY: every string is pushed as valid UTF-8 (see `push`/`push_raw`).
            (Some(&a), Some(&b)) => unsafe { std::str::from_utf8_unchecked(&self.data[a..b]) },
            _ => "",
        }
    }

    pub fn push(&mut self, s: &str) -> u32 {
        self.data.extend_from_slice(s.as_bytes());
        self.offsets.push(self.data.len());
        (self.offsets.len() - 2) as u32
    }

    /// The raw buffer, for the reader to decode strings into directly.
    pub(crate) fn data_mut(&mut self) -> &mut Vec<u8> {
        &mut self.data
    }

    /// Ends a string whose UTF-8 bytes were appended to `data_mut()`.
    pub(crate) fn end_string(&mut self) {
        self.offsets.push(self.data.len());
    }

    pub fn shrink_to_fit(&mut self) {
        self.data.shrink_to_fit();
        self.offsets.shrink_to_fit();
    }
}
