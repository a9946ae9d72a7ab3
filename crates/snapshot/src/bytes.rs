//! A byte cursor over the chunks produced by [`crate::source`], with the hot loops
//! of the parser: the unsigned-integer array scanner and the JSON string decoder.
//! Values may straddle chunk boundaries; both loops keep their state across them.

use crate::error::{Result, SnapshotError};
use crate::scan::{scan_numbers, ScanError, ScanState};
use crate::source::{Chunk, ChunkSource};

pub struct ByteStream {
    source: ChunkSource,
    chunk: Chunk,
    pos: usize,
    /// Offset in the decompressed text of `chunk[0]`.
    base: u64,
    eof: bool,
    /// Scratch for one decoded string.
    scratch: Vec<u8>,
    /// Values of 2^32 − 1 or more in the number array being read: (index in
    /// the array, exact value); their slots hold `u32::MAX`.
    large: Vec<(u64, u64)>,
}

#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

impl ByteStream {
    pub fn new(source: ChunkSource) -> Self {
        ByteStream {
            source,
            chunk: Chunk::default(),
            pos: 0,
            base: 0,
            eof: false,
            scratch: Vec::new(),
            large: Vec::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.source.name
    }

    /// Whether the input is decompressed (its size on disk says little).
    pub fn compressed(&self) -> bool {
        self.source.compression != crate::source::Compression::None
    }

    /// Current offset in the decompressed text.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    pub fn error(&self, message: impl Into<String>) -> SnapshotError {
        SnapshotError::new(&self.source.name, Some(self.offset()), message)
    }

    /// Loads the next chunk; returns false at end of input.
    fn refill(&mut self) -> Result<bool> {
        if self.eof {
            return Ok(false);
        }
        loop {
            match self.source.chunks.recv() {
                Ok(Ok(next)) => {
                    self.base += self.chunk.len() as u64;
                    let old = std::mem::replace(&mut self.chunk, next);
                    if let Chunk::Owned(old) = old {
                        if old.capacity() > 0 {
                            let _ = self.source.recycle.try_send(old);
                        }
                    }
                    self.pos = 0;
                    if !self.chunk.is_empty() {
                        return Ok(true);
                    }
                }
                Ok(Err(e)) => {
                    let what = match self.source.compression {
                        crate::source::Compression::None => "read error",
                        crate::source::Compression::Gzip => "gzip stream is corrupt or truncated",
                        crate::source::Compression::Zstd => "zstd stream is corrupt or truncated",
                    };
                    self.pos = self.chunk.len();
                    return Err(self.error(format!("{what}: {e}")));
                }
                Err(_) => {
                    self.base += self.chunk.len() as u64;
                    self.chunk = Chunk::default();
                    self.pos = 0;
                    self.eof = true;
                    return Ok(false);
                }
            }
        }
    }

    /// The decompressor's error in the next `limit` bytes of text, if any:
    /// for a corrupt stream that error, not the garbled text before it, is
    /// the one to report.
    pub fn decoder_error_ahead(&mut self, limit: u64) -> Option<SnapshotError> {
        let end = self.offset().saturating_add(limit);
        while self.offset() < end {
            self.pos = self.chunk.len();
            match self.refill() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => return Some(e),
            }
        }
        None
    }

    #[inline]
    pub fn peek(&mut self) -> Result<Option<u8>> {
        if self.pos < self.chunk.len() {
            return Ok(Some(self.chunk[self.pos]));
        }
        if self.refill()? {
            Ok(Some(self.chunk[self.pos]))
        } else {
            Ok(None)
        }
    }

    #[inline]
    pub fn next_byte(&mut self) -> Result<Option<u8>> {
        let b = self.peek()?;
        if b.is_some() {
            self.pos += 1;
        }
        Ok(b)
    }

    /// Skips a UTF-8 byte order mark at the start of the text (some editors
    /// and shells write one; JSON readers may ignore it). Offsets in errors
    /// still count its three bytes.
    pub fn skip_bom(&mut self) -> Result<()> {
        if self.peek()? != Some(0xef) {
            return Ok(());
        }
        for want in [0xef, 0xbb, 0xbf] {
            match self.peek()? {
                Some(b) if b == want => self.pos += 1,
                Some(b) => {
                    return Err(self.error(format!(
                        "not a heap snapshot: expected '{{' or a UTF-8 byte order mark, found {}",
                        show_byte(b)
                    )))
                }
                None => return Err(self.error("unexpected end of file inside a byte order mark")),
            }
        }
        Ok(())
    }

    /// Consumes the bytes that match `prefix` from here; true when all do
    /// (across chunks: for an error's hint, so what it consumed is gone).
    pub fn skip_prefix(&mut self, prefix: &[u8]) -> Result<bool> {
        for &want in prefix {
            match self.peek()? {
                Some(b) if b == want => self.pos += 1,
                _ => return Ok(false),
            }
        }
        Ok(true)
    }

    /// Skips whitespace and returns the next byte without consuming it.
    pub fn peek_non_ws(&mut self) -> Result<Option<u8>> {
        loop {
            match self.peek()? {
                Some(b) if is_ws(b) => self.pos += 1,
                other => return Ok(other),
            }
        }
    }

    /// Skips whitespace, then requires `want`.
    pub fn expect(&mut self, want: u8, what: &str) -> Result<()> {
        match self.peek_non_ws()? {
            Some(b) if b == want => {
                self.pos += 1;
                Ok(())
            }
            Some(b) => Err(self.error(format!("expected {what}, found {}", show_byte(b)))),
            None => Err(self.error(format!(
                "unexpected end of file, expected {what} (truncated file?)"
            ))),
        }
    }

    /// Scans an array of unsigned integers whose `[` was consumed, up to and
    /// including the closing `]`, handing the values to `sink` in batches (one
    /// or two per chunk, in order). A value of 2^32 − 1 or more (up to 19
    /// digits) is handed on as `u32::MAX` and kept exactly for
    /// [`ByteStream::take_large_values`] (DevTools takes it modulo 2^32: a
    /// silently wrong size); a longer number is an error.
    /// Large chunks are split at a separator and scanned on two threads.
    pub fn read_u32_array<F>(&mut self, mut sink: F) -> Result<()>
    where
        F: FnMut(&[u32]) -> std::result::Result<(), String>,
    {
        let mut none = Vec::new();
        self.read_u32_halves(&mut none, None, |first, second, _| {
            for batch in [&first[..], second] {
                if !batch.is_empty() {
                    sink(batch)?;
                }
            }
            Ok(())
        })
    }

    /// The values of 2^32 − 1 or more in the number array read last, as
    /// (index in the array, exact value), in order.
    pub fn take_large_values(&mut self) -> Vec<(u64, u64)> {
        std::mem::take(&mut self.large)
    }

    /// Drops the large values at index `from` of the array or later (those
    /// after a failing record, which is the error to report: file order).
    pub fn forget_large_values_from(&mut self, from: u64) {
        self.large.retain(|&(at, _)| at < from);
    }

    /// The number-array loop: each chunk is scanned in two halves on two
    /// threads, then `each(first, second, carry)` gets the values in order.
    /// `first` starts with the values `each` left in `carry` the time before
    /// (for records that straddle chunks); `carry` is empty when called.
    /// With a `layout`, a syntax error names the record and the field it
    /// falls in.
    pub fn read_u32_halves<F>(
        &mut self,
        carry: &mut Vec<u32>,
        layout: Option<&Layout>,
        mut each: F,
    ) -> Result<()>
    where
        F: FnMut(&mut Vec<u32>, &[u32], &mut Vec<u32>) -> std::result::Result<(), String>,
    {
        let mut state = ScanState::default();
        let mut first_vals: Vec<u32> = Vec::new();
        let mut second_vals: Vec<u32> = Vec::new();
        let mut big_a: Vec<(usize, u64)> = Vec::new();
        let mut big_b: Vec<(usize, u64)> = Vec::new();
        // Values of the array emitted before this chunk (the carried ones included).
        let mut emitted: u64 = 0;
        self.large.clear();
        loop {
            let chunk = &self.chunk[self.pos..];
            let close = memchr::memchr(b']', chunk);
            let region = &chunk[..close.unwrap_or(chunk.len())];
            let carried = carry.len();
            first_vals.clear();
            first_vals.append(carry);
            second_vals.clear();
            let (scan_a, scan_b) = scan_in_halves(
                region,
                &mut state,
                [&mut first_vals, &mut second_vals],
                [&mut big_a, &mut big_b],
            );
            let consumed = region.len();
            if scan_a.is_err() {
                // The second half lies after the error: its values count for nothing.
                second_vals.clear();
                big_b.clear();
            }
            let mut ended = scan_a.and(scan_b);
            if ended.is_ok() && close.is_some() {
                ended = state
                    .flush(&mut second_vals, &mut big_b)
                    .map_err(|e| e.shifted(consumed));
            }
            // Indexes in the array of this chunk's large values.
            let first_new = (first_vals.len() - carried) as u64;
            let at_a = emitted - carried as u64;
            let at_b = emitted + first_new;
            self.large
                .extend(big_a.drain(..).map(|(k, v)| (at_a + k as u64, v)));
            self.large
                .extend(big_b.drain(..).map(|(k, v)| (at_b + k as u64, v)));
            emitted += first_new + second_vals.len() as u64;
            if let Err(e) = ended {
                // The values before the error come first in the file.
                if let Err(m) = each(&mut first_vals, &second_vals, carry) {
                    return Err(self.error(m));
                }
                self.pos += e.at().min(region.len());
                let what = scan_error_text(e, region);
                return Err(self.error(match layout {
                    Some(layout) => format!("{}: {what}", layout.name(emitted)),
                    None => what,
                }));
            }
            if let Err(m) = each(&mut first_vals, &second_vals, carry) {
                return Err(self.error(m));
            }
            if close.is_some() {
                self.pos += consumed + 1;
                return Ok(());
            }
            self.pos += consumed;
            if !self.refill()? {
                return Err(
                    self.error("unexpected end of file inside a number array (truncated file?)")
                );
            }
        }
    }

    /// The strings array's fast path: reads `,"text"` items (whitespace may
    /// follow the comma) into `table` while each one lies whole in the current
    /// chunk with no escape and valid UTF-8, and stops before the first that
    /// does not (the general path takes it). Returns how many it read.
    pub(crate) fn read_plain_strings(&mut self, table: &mut crate::strings::StringTable) -> usize {
        let chunk = &self.chunk[..];
        let mut pos = self.pos;
        let mut count = 0;
        while chunk.get(pos) == Some(&b',') {
            let mut p = pos + 1;
            while p < chunk.len() && is_ws(chunk[p]) {
                p += 1;
            }
            if chunk.get(p) != Some(&b'"') {
                break;
            }
            p += 1;
            let Some(k) = memchr::memchr2(b'"', b'\\', &chunk[p..]) else {
                break;
            };
            let text = &chunk[p..p + k];
            if chunk[p + k] != b'"' || (!text.is_ascii() && std::str::from_utf8(text).is_err()) {
                break;
            }
            table.data_mut().extend_from_slice(text);
            table.end_string();
            pos = p + k + 1;
            count += 1;
        }
        self.pos = pos;
        count
    }

    /// Decodes one JSON string whose opening quote is next (after whitespace)
    /// and appends its UTF-8 text to `out`. Escaped surrogate pairs are joined;
    /// lone surrogates and invalid UTF-8 become U+FFFD, so decoding never fails
    /// on content, only on a truncated file.
    pub fn read_string_into(&mut self, out: &mut Vec<u8>) -> Result<()> {
        self.expect(b'"', "'\"' (a string)")?;
        // Fast path: the whole string is in this chunk, plain ASCII, no escapes.
        let chunk = &self.chunk[self.pos..];
        if let Some(k) = memchr::memchr2(b'"', b'\\', chunk) {
            if chunk[k] == b'"' && chunk[..k].is_ascii() {
                out.extend_from_slice(&chunk[..k]);
                self.pos += k + 1;
                return Ok(());
            }
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let result = self.read_string_body(&mut scratch);
        if result.is_ok() {
            match std::str::from_utf8(&scratch) {
                Ok(_) => out.extend_from_slice(&scratch),
                Err(_) => out.extend_from_slice(String::from_utf8_lossy(&scratch).as_bytes()),
            }
        }
        self.scratch = scratch;
        result
    }

    fn read_string_body(&mut self, buf: &mut Vec<u8>) -> Result<()> {
        let mut pending_high: Option<u16> = None;
        loop {
            let chunk = &self.chunk[self.pos..];
            match memchr::memchr2(b'"', b'\\', chunk) {
                None => {
                    if !chunk.is_empty() {
                        flush_high(buf, &mut pending_high);
                        buf.extend_from_slice(chunk);
                    }
                    self.pos = self.chunk.len();
                    if !self.refill()? {
                        return Err(
                            self.error("unexpected end of file inside a string (truncated file?)")
                        );
                    }
                }
                Some(k) => {
                    if k > 0 {
                        flush_high(buf, &mut pending_high);
                        buf.extend_from_slice(&chunk[..k]);
                    }
                    let quote = chunk[k] == b'"';
                    self.pos += k + 1;
                    if quote {
                        flush_high(buf, &mut pending_high);
                        return Ok(());
                    }
                    self.read_escape(buf, &mut pending_high)?;
                }
            }
        }
    }

    fn read_escape(&mut self, buf: &mut Vec<u8>, pending_high: &mut Option<u16>) -> Result<()> {
        let Some(e) = self.next_byte()? else {
            return Err(
                self.error("unexpected end of file inside a string escape (truncated file?)")
            );
        };
        let simple = match e {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'u' => None,
            other => {
                // Not valid JSON; keep the character rather than abort.
                Some(other)
            }
        };
        if let Some(c) = simple {
            flush_high(buf, pending_high);
            buf.push(c);
            return Ok(());
        }
        let mut unit: u32 = 0;
        for _ in 0..4 {
            let Some(h) = self.next_byte()? else {
                return Err(
                    self.error("unexpected end of file inside a \\u escape (truncated file?)")
                );
            };
            let v = match h {
                b'0'..=b'9' => h - b'0',
                b'a'..=b'f' => h - b'a' + 10,
                b'A'..=b'F' => h - b'A' + 10,
                _ => {
                    return Err(self.error(format!(
                        "expected 4 hex digits after \\u, found {}",
                        show_byte(h)
                    )))
                }
            };
            unit = unit * 16 + v as u32;
        }
        let unit = unit as u16;
        match unit {
            0xD800..=0xDBFF => {
                flush_high(buf, pending_high);
                *pending_high = Some(unit);
            }
            0xDC00..=0xDFFF => match pending_high.take() {
                Some(high) => {
                    let cp = 0x10000 + (((high as u32) - 0xD800) << 10) + ((unit as u32) - 0xDC00);
                    push_char(buf, char::from_u32(cp).unwrap_or('\u{FFFD}'));
                }
                None => push_char(buf, '\u{FFFD}'),
            },
            _ => {
                flush_high(buf, pending_high);
                push_char(buf, char::from_u32(unit as u32).unwrap_or('\u{FFFD}'));
            }
        }
        Ok(())
    }

    /// Reads a JSON object key (a short string) into a String.
    pub fn read_key(&mut self) -> Result<String> {
        let mut out = Vec::new();
        self.read_string_into(&mut out)?;
        Ok(String::from_utf8(out).unwrap_or_default())
    }

    /// Copies one complete JSON value (object/array/scalar) verbatim; used for
    /// the small header object that is then handed to serde_json.
    pub fn read_raw_value(&mut self, limit: usize) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.peek_non_ws()?;
        let mut depth = 0usize;
        let mut in_str = false;
        let mut escaped = false;
        loop {
            let Some(b) = self.next_byte()? else {
                return Err(self
                    .error("unexpected end of file inside the snapshot header (truncated file?)"));
            };
            out.push(b);
            if out.len() > limit {
                return Err(self.error(format!("snapshot header is larger than {limit} bytes")));
            }
            if in_str {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_str = false;
                }
                continue;
            }
            match b {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(out);
                    }
                }
                _ => {}
            }
        }
    }

    /// Skips one JSON value of any kind (used for sections heapscope does not keep).
    pub fn skip_value(&mut self) -> Result<()> {
        let mut depth = 0usize;
        match self.peek_non_ws()? {
            Some(b'"') => {
                let mut sink = Vec::new();
                return self.read_string_into(&mut sink);
            }
            Some(b'[') | Some(b'{') => {}
            Some(_) => {
                // A scalar: run to the next delimiter.
                while let Some(b) = self.peek()? {
                    if b == b',' || b == b'}' || b == b']' || is_ws(b) {
                        return Ok(());
                    }
                    self.pos += 1;
                }
                return Ok(());
            }
            None => {
                return Err(self.error("unexpected end of file, expected a value (truncated file?)"))
            }
        }
        loop {
            let Some(b) = self.peek()? else {
                return Err(
                    self.error("unexpected end of file inside a skipped section (truncated file?)")
                );
            };
            match b {
                b'"' => {
                    let mut sink = Vec::new();
                    self.read_string_into(&mut sink)?;
                    continue;
                }
                b'[' | b'{' => depth += 1,
                b']' | b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        return Ok(());
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
    }
}

/// Below this many bytes a chunk is scanned on one thread.
const PARALLEL_MIN_BYTES: usize = 1 << 20;

/// Scans `region` in two halves on two threads when it is large (values
/// into `vals[0]` then `vals[1]`, large ones into `big`), else on this one;
/// `state` carries a number cut at the region's end. The errors are offsets
/// in `region`; the second half's counts for nothing after the first's.
fn scan_in_halves(
    region: &[u8],
    state: &mut ScanState,
    vals: [&mut Vec<u32>; 2],
    big: [&mut Vec<(usize, u64)>; 2],
) -> (
    std::result::Result<(), ScanError>,
    std::result::Result<(), ScanError>,
) {
    let [first_vals, second_vals] = vals;
    let [big_a, big_b] = big;
    let Some(mid) = split_point(region) else {
        return (scan_numbers(region, state, first_vals, big_a), Ok(()));
    };
    let (a, b) = region.split_at(mid);
    let mut state_b = ScanState::default();
    let (res_a, res_b) = std::thread::scope(|scope| {
        let handle = scope.spawn(|| scan_numbers(b, &mut state_b, second_vals, big_b));
        let res_a = scan_numbers(a, state, first_vals, big_a);
        (res_a, handle.join().unwrap_or(Err(ScanError::Byte(0))))
    });
    let mut res_a = res_a;
    if res_a.is_ok() {
        // `b` starts with a separator, so `a` ends on a complete value.
        res_a = state.flush(first_vals, big_a).map_err(|e| e.shifted(mid));
        *state = state_b;
    }
    (res_a, res_b.map_err(|e| e.shifted(mid)))
}

/// What a scan error in `region` says.
fn scan_error_text(e: ScanError, region: &[u8]) -> String {
    match e {
        ScanError::Byte(i) => format!(
            "expected a digit, ',' or ']' in a number array, found {}{}",
            show_byte(region[i]),
            not_an_unsigned_integer(region[i])
        ),
        ScanError::TooLarge(_) => "a number has more than 19 digits \
             (heapscope reads values up to 9,999,999,999,999,999,999)"
            .to_string(),
    }
}

/// A position near the middle of `region` where a separator starts, or None.
fn split_point(region: &[u8]) -> Option<usize> {
    if region.len() < PARALLEL_MIN_BYTES {
        return None;
    }
    let mid = region.len() / 2;
    region[mid..]
        .iter()
        .position(|&b| b == b',' || is_ws(b))
        .map(|k| mid + k)
}

/// Why a byte cannot be part of a number array, when a producer may have
/// meant a number by it.
fn not_an_unsigned_integer(b: u8) -> &'static str {
    match b {
        b'-' => " (a negative number: the values are unsigned integers)",
        b'.' | b'e' | b'E' => " (a fraction or an exponent: the values are integers)",
        b'N' | b'I' => " (NaN or Infinity: the values are integers)",
        _ => "",
    }
}

/// The records of a number array, for naming where an error is: `node 3's
/// self_size`.
pub struct Layout<'a> {
    pub record: &'a str,
    pub fields: &'a [String],
}

impl Layout<'_> {
    /// The record and field of the value at `index` in the array.
    pub fn name(&self, index: u64) -> String {
        let width = self.fields.len().max(1) as u64;
        let field = (self.fields.get((index % width) as usize)).map_or("?", String::as_str);
        format!("{} {}'s {field}", self.record, index / width)
    }
}

#[inline]
fn flush_high(buf: &mut Vec<u8>, pending_high: &mut Option<u16>) {
    if pending_high.take().is_some() {
        push_char(buf, '\u{FFFD}');
    }
}

#[inline]
fn push_char(buf: &mut Vec<u8>, c: char) {
    let mut tmp = [0u8; 4];
    buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
}

pub fn show_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("byte 0x{b:02x}")
    }
}
