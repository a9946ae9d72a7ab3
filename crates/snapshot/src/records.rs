//! Fixed-width record arrays (`nodes`, `edges`) read straight into columns by
//! both threads: each chunk is scanned in two halves at once, then each half
//! stores its own whole records at their final index, so the column writes run
//! in parallel as well as the digit scanning.

use crate::bytes::{ByteStream, Layout};
use crate::error::{Result, SnapshotError};
use std::marker::PhantomData;

/// A destination for records of `width` values: columns that grow as
/// records arrive (never past what the header announced, and never ahead of
/// what the input can hold: a header that claims billions of records in a
/// small file allocates for the records it actually has).
pub trait RecordSink {
    type Writer<'w>: RecordWriter
    where
        Self: 'w;
    fn width(&self) -> usize;
    /// The most records the array may hold (the header's count).
    fn limit(&self) -> usize;
    /// Makes room for at least `records` records (`records <= limit()`).
    fn grow(&mut self, records: usize);
    /// Writers over the columns, which two threads use at once.
    fn writer(&mut self) -> Self::Writer<'_>;
}

/// A record that cannot be stored: its index and what is wrong with it
/// (naming the record and the field: `node 5's type is 99, …`).
pub type BadRecord = (usize, String);

/// Stores whole records into the columns of a [`RecordSink`].
pub trait RecordWriter: Sync {
    /// Stores `values` (whole records) as records `at`, `at + 1`, …, up to
    /// the first bad one.
    fn store(&self, at: usize, values: &[u32]) -> std::result::Result<(), BadRecord>;
}

/// Grows `column` to hold at least `records` values (doubling, so that a
/// long array is copied a few times only, and at most to `limit`).
pub fn grow_column<T: Copy + Default>(column: &mut Vec<T>, records: usize, limit: usize) {
    if column.len() < records {
        let len = records.max(column.len().saturating_mul(2)).min(limit);
        column.resize(len.max(records), T::default());
    }
}

/// Records to allocate before reading an array of `limit` records of
/// `width` values: all of them when the rest of the input can hold them (at
/// least a digit and a separator per value), else what it can hold;
/// `rest` is None when the input's size says nothing (compressed, stdin).
pub fn initial_records(limit: usize, width: usize, rest: Option<u64>) -> usize {
    const UNKNOWN_SIZE_START: usize = 1 << 16;
    let room = match rest {
        Some(bytes) => (bytes / (2 * width.max(1) as u64)).saturating_add(1),
        None => UNKNOWN_SIZE_START as u64,
    };
    limit.min(usize::try_from(room).unwrap_or(usize::MAX))
}

/// A column that threads write at disjoint indexes (the record reader hands
/// each thread its own range of records).
pub struct SharedColumn<'a, T> {
    ptr: *mut T,
    len: usize,
    _borrow: PhantomData<&'a mut [T]>,
}

// SAFETY: writers only touch disjoint indexes (see `set`), and the column
// mutably borrows its storage for its whole life.
unsafe impl<T: Send> Sync for SharedColumn<'_, T> {}
unsafe impl<T: Send> Send for SharedColumn<'_, T> {}

impl<'a, T: Copy> SharedColumn<'a, T> {
    pub fn new(storage: &'a mut [T]) -> Self {
        SharedColumn {
            ptr: storage.as_mut_ptr(),
            len: storage.len(),
            _borrow: PhantomData,
        }
    }

    /// Writes `value` at `i` (bounds-checked). No two threads may write the
    /// same index; [`read_records`] guarantees that by giving each thread its
    /// own records.
    #[inline]
    pub fn set(&self, i: usize, value: T) {
        assert!(i < self.len, "column index {i} out of {}", self.len);
        // SAFETY: in bounds, and no other thread writes index `i`.
        unsafe { self.ptr.add(i).write(value) }
    }
}

/// Below this many values a chunk's records are stored on one thread.
const PARALLEL_MIN_VALUES: usize = 1 << 15;

/// Reads a JSON array of unsigned integers (the `[` already consumed) as
/// records into `sink`. Returns the number of whole records and of values left
/// over (a truncated last record); on success every record below the count
/// was stored. `too_many` words the error when the array holds more records
/// than `sink.limit()`. A bad record (or one too many) is reported by name,
/// without a byte offset (the chunk it came in says little), and the large values after it
/// are forgotten (the first problem in file order is the one reported).
pub fn read_records<S: RecordSink>(
    s: &mut ByteStream,
    sink: &mut S,
    layout: &Layout,
    too_many: &dyn Fn() -> String,
) -> Result<(usize, usize)> {
    let w = sink.width();
    let mut bad: Option<BadRecord> = None;
    let read = read_record_values(s, sink, layout, too_many, &mut bad);
    match (read, bad) {
        (Err(_), Some((record, message))) => {
            s.forget_large_values_from((record as u64 + 1) * w as u64);
            Err(SnapshotError::new(s.name(), None, message))
        }
        (read, _) => read,
    }
}

fn read_record_values<S: RecordSink>(
    s: &mut ByteStream,
    sink: &mut S,
    layout: &Layout,
    too_many: &dyn Fn() -> String,
    bad: &mut Option<BadRecord>,
) -> Result<(usize, usize)> {
    let w = sink.width();
    let cap = sink.limit();
    let mut records = 0usize;
    let mut partial: Vec<u32> = Vec::with_capacity(w);
    s.read_u32_halves(
        &mut partial,
        Some(layout),
        |first: &mut Vec<u32>, second: &[u32], partial| {
            // `first` began with the previous leftover values; complete its last
            // record from the head of `second`.
            let need = (w - first.len() % w) % w;
            let take = need.min(second.len());
            first.extend_from_slice(&second[..take]);
            let second = &second[take..];
            let a_whole = first.len() / w * w;
            partial.extend_from_slice(&first[a_whole..]);
            let b_whole = second.len() / w * w;
            partial.extend_from_slice(&second[b_whole..]);
            // Records past the limit are one too many, after the ones before
            // them are stored (a bad one among those comes first).
            let room = cap - records;
            let (a_records, b_records) = (a_whole / w, b_whole / w);
            let over = a_records + b_records > room;
            let a_records = a_records.min(room);
            let b_records = b_records.min(room - a_records);
            let (a, b) = (&first[..a_records * w], &second[..b_records * w]);
            sink.grow(records + a_records + b_records);
            let sink = sink.writer();
            let (ra, rb) =
                if a.len() + b.len() >= PARALLEL_MIN_VALUES && !a.is_empty() && !b.is_empty() {
                    std::thread::scope(|scope| {
                        let hb = scope.spawn(|| sink.store(records + a_records, b));
                        let ra = sink.store(records, a);
                        (
                            ra,
                            hb.join().unwrap_or_else(|_| {
                                Err((records, "record writer panicked".into()))
                            }),
                        )
                    })
                } else {
                    (sink.store(records, a), sink.store(records + a_records, b))
                };
            records += a_records + b_records;
            let stored = match (ra.and(rb), over) {
                (Ok(()), true) => Err((cap, too_many())),
                (stored, _) => stored,
            };
            // Named by its record: the chunk it came in says little.
            stored.map_err(|(record, message)| {
                *bad = Some((record, message.clone()));
                message
            })
        },
    )?;
    Ok((records, partial.len()))
}
