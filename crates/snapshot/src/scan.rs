//! The integer scanner of the number arrays (`nodes`, `edges`, …): any run of
//! ASCII digits is a value, `,` and JSON whitespace separate, anything else
//! stops the scan. A number may straddle the end of the buffer; [`ScanState`]
//! carries it into the next call.
//!
//! [`scan_numbers`] runs a block scanner first: on x86_64 it classifies 64 bytes
//! at a time with SSE2 (part of the x86_64 baseline, so no runtime detection)
//! and parses each number of up to 8 digits with a few multiplications (SWAR).
//! Anything unusual (a byte that is neither a digit nor a separator, a block of
//! digits only, the last bytes of the buffer) is left to the scalar loop,
//! [`scan_numbers_scalar`], which goes on from where the blocks stopped with the
//! same state. Both give the same values, large values, state and errors.

/// A number that may continue in the next chunk.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ScanState {
    acc: u64,
    /// Digits of the number being read (0: between numbers).
    digits: u32,
}

impl ScanState {
    /// Emits the number being read, if any (the array ended after it).
    pub(crate) fn flush(
        &mut self,
        out: &mut Vec<u32>,
        big: &mut Vec<(usize, u64)>,
    ) -> Result<(), ScanError> {
        let state = std::mem::take(self);
        if state.digits > 0 {
            emit(state.acc, state.digits, 0, out, big)?;
        }
        Ok(())
    }

    /// Appends one digit byte (`b'0'..=b'9'`), exactly as the scalar loop does
    /// (wrapping past 19 digits: such a number is an error anyway).
    #[inline]
    fn push_digit(&mut self, b: u8) {
        self.acc = self.acc.wrapping_mul(10).wrapping_add((b - b'0') as u64);
        self.digits = self.digits.wrapping_add(1);
    }
}

/// Why a number array stopped: a byte that is not part of one (at its
/// offset), or a number of more than 19 digits (ending there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScanError {
    Byte(usize),
    TooLarge(usize),
}

impl ScanError {
    pub(crate) fn shifted(self, by: usize) -> Self {
        match self {
            ScanError::Byte(i) => ScanError::Byte(i + by),
            ScanError::TooLarge(i) => ScanError::TooLarge(i + by),
        }
    }

    pub(crate) fn at(self) -> usize {
        match self {
            ScanError::Byte(i) | ScanError::TooLarge(i) => i,
        }
    }
}

/// A value read with `digits` digits as its column entry: itself below
/// 2^32 − 1, else `u32::MAX` (the exact value goes to the side list); None
/// past 19 digits, which could wrap the 64-bit accumulator.
#[inline]
fn fits(acc: u64, digits: u32) -> Option<u32> {
    match digits <= 19 {
        true => Some(acc.min(u32::MAX as u64) as u32),
        false => None,
    }
}

/// Pushes a complete number ended by the separator at `at` (TooLarge there
/// past 19 digits); a value of 2^32 − 1 or more also goes to `big`.
#[inline]
fn emit(
    acc: u64,
    digits: u32,
    at: usize,
    out: &mut Vec<u32>,
    big: &mut Vec<(usize, u64)>,
) -> Result<(), ScanError> {
    let value = fits(acc, digits).ok_or(ScanError::TooLarge(at))?;
    if value == u32::MAX {
        big.push((out.len(), acc));
    }
    out.push(value);
    Ok(())
}

#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// The integer scanner: any run of digits is a value, `,` and whitespace
/// separate; anything else stops with its index. On an error `state` is left
/// as it was and `out` holds the values before the error.
pub(crate) fn scan_numbers(
    buf: &[u8],
    state: &mut ScanState,
    out: &mut Vec<u32>,
    big: &mut Vec<(usize, u64)>,
) -> Result<(), ScanError> {
    let mut local = *state;
    // The blocks read up to 8 bytes before each one: the first bytes go first.
    let head = buf.len().min(blocks::LOOKBEHIND);
    scan_numbers_scalar(&buf[..head], &mut local, out, big)?;
    let done = blocks::scan_blocks(buf, head, &mut local, out, big)?;
    scan_numbers_scalar(&buf[done..], &mut local, out, big).map_err(|e| e.shifted(done))?;
    *state = local;
    Ok(())
}

/// The byte-at-a-time scanner (the reference, and the tail of [`scan_numbers`]).
pub(crate) fn scan_numbers_scalar(
    buf: &[u8],
    state: &mut ScanState,
    out: &mut Vec<u32>,
    big: &mut Vec<(usize, u64)>,
) -> Result<(), ScanError> {
    // Each emitted value needs a separator, and all but the first a digit too.
    out.reserve(buf.len() / 2 + 2);
    let mut acc = state.acc;
    let mut digits = state.digits;
    let mut len = out.len();
    let spare = out.spare_capacity_mut();
    let base = len;
    for (i, &b) in buf.iter().enumerate() {
        let d = b.wrapping_sub(b'0');
        if d < 10 {
            acc = acc.wrapping_mul(10).wrapping_add(d as u64);
            digits += 1;
        } else if b == b',' || is_ws(b) {
            if digits > 0 {
                let Some(value) = fits(acc, digits) else {
                    // SAFETY: the first `len` elements were written above.
                    unsafe { out.set_len(len) };
                    return Err(ScanError::TooLarge(i));
                };
                if value == u32::MAX {
                    big.push((len, acc));
                }
                spare[len - base].write(value);
                len += 1;
                acc = 0;
                digits = 0;
            }
        } else {
            // SAFETY: the first `len` elements were written above.
            unsafe { out.set_len(len) };
            return Err(ScanError::Byte(i));
        }
    }
    // SAFETY: the first `len` elements were written above.
    unsafe { out.set_len(len) };
    state.acc = acc;
    state.digits = digits;
    Ok(())
}

/// The block scanner: whole 64-byte blocks of digits and separators.
mod blocks {
    use super::{emit, fits, ScanError, ScanState};

    const BLOCK: usize = 64;
    /// Bytes before a block that a number's 8-byte load may read.
    pub(super) const LOOKBEHIND: usize = 8;

    /// Scans the blocks of `buf` from `from` (at least [`LOOKBEHIND`]) on while
    /// they hold only digits and separators and at least one separator, and
    /// returns where it stopped: the scalar loop goes on from there with `state`.
    pub(super) fn scan_blocks(
        buf: &[u8],
        from: usize,
        state: &mut ScanState,
        out: &mut Vec<u32>,
        big: &mut Vec<(usize, u64)>,
    ) -> Result<usize, ScanError> {
        let mut at = from;
        while at >= LOOKBEHIND && at + BLOCK <= buf.len() {
            let Some(digits) = digit_mask(&buf[at..at + BLOCK]) else {
                break;
            };
            let window: &[u8; LOOKBEHIND + BLOCK] = buf[at - LOOKBEHIND..at + BLOCK]
                .try_into()
                .expect("in bounds");
            scan_block(window, at, digits, state, out, big)?;
            at += BLOCK;
        }
        Ok(at)
    }

    /// The numbers of the block at `at` (the last 64 bytes of `window`), whose
    /// bit i in `digits` says whether its byte i is a digit (the others are
    /// separators). A number carried in by `state` is completed; one running
    /// to the block's end is carried out.
    #[inline]
    fn scan_block(
        window: &[u8; LOOKBEHIND + BLOCK],
        at: usize,
        digits: u64,
        state: &mut ScanState,
        out: &mut Vec<u32>,
        big: &mut Vec<(usize, u64)>,
    ) -> Result<(), ScanError> {
        let block = &window[LOOKBEHIND..];
        // Bit i of `starts` (`ends`): a number starts (ends) at byte i.
        let mut starts = digits & !(digits << 1);
        let mut ends = digits & !(digits >> 1);
        if state.digits > 0 {
            // The carried number ends before the first separator.
            let end = match digits & 1 {
                0 => 0,
                _ => {
                    let last = ends.trailing_zeros() as usize;
                    starts &= starts - 1;
                    ends &= ends - 1;
                    block[..=last].iter().for_each(|&b| state.push_digit(b));
                    last + 1
                }
            };
            let carried = std::mem::take(state);
            emit(carried.acc, carried.digits, at + end, out, big)?;
        }
        // A number reaching the block's end is carried into the next one.
        let open = (digits >> 63 != 0).then(|| {
            let start = 63 - starts.leading_zeros() as usize;
            starts &= !(1u64 << start);
            ends &= !(1u64 << 63);
            start
        });
        complete_numbers(window, at, starts, ends, out, big)?;
        if let Some(start) = open {
            block[start..].iter().for_each(|&b| state.push_digit(b));
        }
        Ok(())
    }

    /// Emits the numbers that start and end inside the block (bit i of
    /// `starts`/`ends`: one starts/ends at its byte i), in order.
    #[inline]
    fn complete_numbers(
        window: &[u8; LOOKBEHIND + BLOCK],
        at: usize,
        mut starts: u64,
        mut ends: u64,
        out: &mut Vec<u32>,
        big: &mut Vec<(usize, u64)>,
    ) -> Result<(), ScanError> {
        // Separators part numbers, so at most 32 start in a block.
        out.reserve(BLOCK / 2);
        let base = out.len();
        let spare = &mut out.spare_capacity_mut()[..BLOCK / 2];
        let mut written = 0;
        let result = loop {
            if starts == 0 {
                break Ok(());
            }
            let start = starts.trailing_zeros() as usize;
            let end = (ends.trailing_zeros() as usize) & (BLOCK - 1);
            starts &= starts - 1;
            ends &= ends - 1;
            let len = end + 1 - start;
            let value = match len <= 8 {
                true => parse_up_to_8(window, end, len),
                false => {
                    let mut long = ScanState::default();
                    let digits = &window[LOOKBEHIND + start..=LOOKBEHIND + end];
                    digits.iter().for_each(|&b| long.push_digit(b));
                    let Some(value) = fits(long.acc, long.digits) else {
                        break Err(ScanError::TooLarge(at + end + 1));
                    };
                    if value == u32::MAX {
                        big.push((base + written, long.acc));
                    }
                    value
                }
            };
            spare[written & (BLOCK / 2 - 1)].write(value);
            written += 1;
        };
        // SAFETY: the first `written` spare elements were written above.
        unsafe { out.set_len(base + written) };
        result
    }

    /// Per length 1 to 8: keeps the low nibble of a number's digits in a word
    /// whose top byte is its last digit (the bytes before the number cleared:
    /// leading zeros).
    const KEEP: [u64; 9] = {
        let mut keep = [0u64; 9];
        let mut len = 1;
        while len <= 8 {
            keep[len] = 0x0f0f_0f0f_0f0f_0f0f & (u64::MAX << (8 * (8 - len)));
            len += 1;
        }
        keep
    };

    /// The value of the `len` (1 to 8) digits ending at byte `end` of the
    /// block: the 8 bytes ending there, read little-endian, hold the number at
    /// the top; the bytes before it are cleared (leading zeros), then pairs,
    /// quads and the two halves are combined in parallel.
    #[inline]
    fn parse_up_to_8(window: &[u8; LOOKBEHIND + BLOCK], end: usize, len: usize) -> u32 {
        let mut word = [0u8; 8];
        word.copy_from_slice(&window[end + 1..end + 9]);
        let ones = u64::from_le_bytes(word) & KEEP[len];
        // Bytes 0, 2, 4, 6: the two-digit numbers.
        let pairs = ones.wrapping_mul(10).wrapping_add(ones >> 8);
        const MASK: u64 = 0x0000_00ff_0000_00ff;
        const MUL_HIGH: u64 = 100 + (1_000_000 << 32);
        const MUL_LOW: u64 = 1 + (10_000 << 32);
        let high = (pairs & MASK).wrapping_mul(MUL_HIGH);
        let low = ((pairs >> 16) & MASK).wrapping_mul(MUL_LOW);
        (high.wrapping_add(low) >> 32) as u32
    }

    /// Bit i set where `block[i]` is a digit; None unless every byte is a
    /// digit or a separator and at least one is a separator (a block of
    /// digits only is a number of 64 digits or more: left to the scalar loop).
    #[inline]
    fn digit_mask(block: &[u8]) -> Option<u64> {
        let (digits, separators) = classify(block);
        (digits | separators == u64::MAX && digits != u64::MAX).then_some(digits)
    }

    /// The digit and separator masks of a 64-byte block, 16 bytes at a time.
    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn classify(block: &[u8]) -> (u64, u64) {
        // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 CPU has it.
        unsafe { sse2::classify(block) }
    }

    #[cfg(target_arch = "x86_64")]
    mod sse2 {
        use super::BLOCK;
        use std::arch::x86_64::*;

        #[target_feature(enable = "sse2")]
        pub(super) fn classify(block: &[u8]) -> (u64, u64) {
            assert!(block.len() >= BLOCK);
            let mut digits = 0u64;
            let mut separators = 0u64;
            for lane in 0..BLOCK / 16 {
                // SAFETY: `block` holds at least 64 bytes (asserted above), so the
                // 16 bytes at `16 * lane` are in bounds; `loadu` needs no alignment.
                let v = unsafe { _mm_loadu_si128(block.as_ptr().add(16 * lane).cast()) };
                // A digit d has d - '0' <= 9 (as an unsigned byte).
                let d = _mm_sub_epi8(v, _mm_set1_epi8(b'0' as i8));
                let is_digit = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
                let ws = _mm_or_si128(
                    _mm_or_si128(same(v, b' '), same(v, b'\n')),
                    _mm_or_si128(same(v, b'\r'), same(v, b'\t')),
                );
                let is_sep = _mm_or_si128(ws, same(v, b','));
                digits |= (_mm_movemask_epi8(is_digit) as u16 as u64) << (16 * lane);
                separators |= (_mm_movemask_epi8(is_sep) as u16 as u64) << (16 * lane);
            }
            (digits, separators)
        }

        /// 0xff in the bytes of `v` equal to `b`.
        #[target_feature(enable = "sse2")]
        fn same(v: __m128i, b: u8) -> __m128i {
            _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8))
        }
    }

    /// Other targets: the same masks a byte at a time (the blocks still
    /// save the per-number work of the scalar loop).
    #[cfg(not(target_arch = "x86_64"))]
    #[inline]
    fn classify(block: &[u8]) -> (u64, u64) {
        let mut digits = 0u64;
        let mut separators = 0u64;
        for (i, &b) in block[..BLOCK].iter().enumerate() {
            digits |= (b.is_ascii_digit() as u64) << i;
            separators |= ((b == b',' || super::is_ws(b)) as u64) << i;
        }
        (digits, separators)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Out, big, state and result of scanning `parts` one after the other
    /// (stopping at the first error) with `scan`, then flushing.
    type Scan =
        fn(&[u8], &mut ScanState, &mut Vec<u32>, &mut Vec<(usize, u64)>) -> Result<(), ScanError>;

    #[derive(Debug, PartialEq)]
    struct Outcome {
        out: Vec<u32>,
        big: Vec<(usize, u64)>,
        states: Vec<ScanState>,
        results: Vec<Result<(), ScanError>>,
    }

    fn run(scan: Scan, start: ScanState, prefix: &[u32], parts: &[&[u8]]) -> Outcome {
        let mut state = start;
        let mut out = prefix.to_vec();
        let mut big = Vec::new();
        let mut states = Vec::new();
        let mut results = Vec::new();
        for part in parts {
            let result = scan(part, &mut state, &mut out, &mut big);
            states.push(state);
            results.push(result);
            if result.is_err() {
                return Outcome {
                    out,
                    big,
                    states,
                    results,
                };
            }
        }
        results.push(state.flush(&mut out, &mut big));
        Outcome {
            out,
            big,
            states,
            results,
        }
    }

    fn same_as_scalar(start: ScanState, prefix: &[u32], parts: &[&[u8]]) {
        let want = run(scan_numbers_scalar, start, prefix, parts);
        let got = run(scan_numbers, start, prefix, parts);
        assert_eq!(
            got,
            want,
            "parts {:?}",
            parts
                .iter()
                .map(|p| String::from_utf8_lossy(p))
                .collect::<Vec<_>>()
        );
    }

    fn digit_run(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(b'0'..=b'9', len)
    }

    /// A piece of a number array: mostly numbers and separators, sometimes a
    /// byte that stops the scan (the bytes next to the digits included).
    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            8 => digit_run(1..=7),
            3 => digit_run(8..=11),
            2 => digit_run(12..=25),
            8 => Just(b",".to_vec()),
            2 => prop::sample::select(vec![b' ', b'\n', b'\r', b'\t']).prop_map(|b| vec![b]),
            1 => prop::sample::select(vec![b'/', b':', b'-', b'.', b'e', b']', b'x', 0x00, 0xb0, 0xff]).prop_map(|b| vec![b]),
        ]
    }

    /// Numbers near 2^32 − 1 and 19/20 digits, and 64-digit runs.
    fn edge_piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => piece(),
            1 => prop::sample::select(vec![
                "4294967294", "4294967295", "4294967296", "04294967295", "99999999", "100000000",
                "9999999999999999999", "18446744073709551615", "10000000000000000000", "00000000000000000001",
            ]).prop_map(|s| s.as_bytes().to_vec()),
            1 => digit_run(60..=70),
        ]
    }

    fn text(pieces: Vec<Vec<u8>>, len: usize) -> Vec<u8> {
        let mut bytes = pieces.concat();
        bytes.truncate(len);
        bytes
    }

    fn start_state() -> impl Strategy<Value = ScanState> {
        prop_oneof![
            3 => Just(ScanState::default()),
            1 => (0u64..100_000, 1u32..6).prop_map(|(acc, digits)| ScanState { acc, digits }),
            1 => (0u64..10_000_000_000_000_000_000, 10u32..25).prop_map(|(acc, digits)| ScanState { acc, digits }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn blocks_match_the_scalar_loop_split_in_two(
            pieces in prop::collection::vec(piece(), 0..120),
            len in 0usize..200,
            split in 0usize..200,
            prefix in prop::collection::vec(any::<u32>(), 0..3),
        ) {
            let bytes = text(pieces, len);
            let (a, b) = bytes.split_at(split.min(bytes.len()));
            same_as_scalar(ScanState::default(), &prefix, &[a, b]);
        }

        #[test]
        fn blocks_match_the_scalar_loop_on_long_buffers_and_odd_numbers(
            pieces in prop::collection::vec(edge_piece(), 0..400),
            len in 0usize..1200,
            splits in prop::collection::vec(0usize..1200, 0..4),
            start in start_state(),
        ) {
            let bytes = text(pieces, len);
            let mut cuts: Vec<usize> = splits.into_iter().map(|s| s.min(bytes.len())).collect();
            cuts.push(0);
            cuts.push(bytes.len());
            cuts.sort_unstable();
            let parts: Vec<&[u8]> = cuts.windows(2).map(|w| &bytes[w[0]..w[1]]).collect();
            same_as_scalar(start, &[], &parts);
        }
    }

    #[test]
    fn numbers_of_every_length_at_every_offset_of_a_block() {
        for digits in 1..=21 {
            for offset in 0..80 {
                let mut bytes = vec![b','; offset];
                for k in 0..digits {
                    bytes.push(b'1' + (k % 9) as u8);
                }
                bytes.extend_from_slice(b",7\n9");
                bytes.resize(bytes.len().max(200), b' ');
                for split in [0, offset, offset + 1, 63, 64, 65, bytes.len()] {
                    let (a, b) = bytes.split_at(split.min(bytes.len()));
                    same_as_scalar(ScanState::default(), &[], &[a, b]);
                }
            }
        }
    }

    #[test]
    fn eight_digit_parse_reads_the_values() {
        let text = b"12345678,1,22,333,4444,55555,666666,7777777,00000000,99999999,".repeat(4);
        let mut out = Vec::new();
        let mut big = Vec::new();
        let mut state = ScanState::default();
        scan_numbers(&text, &mut state, &mut out, &mut big).unwrap();
        let want = [
            12345678, 1, 22, 333, 4444, 55555, 666666, 7777777, 0, 99999999,
        ];
        assert_eq!(out, want.repeat(4));
        assert!(big.is_empty());
        assert_eq!(state, ScanState::default());
    }
}
