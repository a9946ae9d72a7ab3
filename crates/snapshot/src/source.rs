//! Opening an input: a path or `-` (stdin), plain, gzip or zstd (sniffed from the
//! magic bytes, not the file name), read on a background thread in large chunks so
//! that reading and decompression overlap with parsing. A plain regular file is
//! memory-mapped instead of copied: the background thread maps each chunk's pages
//! ahead of the parser, and a chunk's pages are let go once it is parsed, so the
//! file never sits whole in the process's memory.

use crate::error::{Result, SnapshotError};
use memmap2::Mmap;
use std::fs::File;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Size of one chunk handed from the reader thread to the parser (at most;
/// smaller chunks serve small inputs and the tests of values cut by chunks).
pub const CHUNK_BYTES: usize = 4 << 20;

/// The first bytes of a gzip stream.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// The first bytes of a zstd frame.
pub const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Compression detected from the first bytes of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// One piece of the input's text: a buffer the reader thread filled, or a
/// range of the memory-mapped file.
pub enum Chunk {
    Owned(Vec<u8>),
    Mapped(MappedRange),
}

impl Default for Chunk {
    fn default() -> Self {
        Chunk::Owned(Vec::new())
    }
}

impl std::ops::Deref for Chunk {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            Chunk::Owned(v) => v,
            Chunk::Mapped(m) => &m.map[m.start..m.end],
        }
    }
}

/// `map[start..end]`, whose pages leave the process's resident memory when
/// the range is dropped (the file's pages stay in the page cache).
pub struct MappedRange {
    map: Arc<Mmap>,
    start: usize,
    end: usize,
}

impl Drop for MappedRange {
    fn drop(&mut self) {
        // SAFETY: the mapping is read-only and file-backed, so dropping its
        // pages loses nothing: a later read maps them again from the page
        // cache. Nothing borrows this range any more (it is being dropped).
        unsafe {
            let _ = self.map.unchecked_advise_range(
                memmap2::UncheckedAdvice::DontNeed,
                self.start,
                self.end - self.start,
            );
        }
    }
}

/// An opened input: chunks of decompressed bytes arrive on `chunks`; empty
/// buffers can be given back on `recycle` to avoid re-allocating.
pub struct ChunkSource {
    pub name: String,
    pub compression: Compression,
    /// Size of the file on disk (compressed size for .gz/.zst), if known.
    pub input_bytes: Option<u64>,
    /// Bytes of the input read so far (compressed bytes for .gz/.zst).
    pub input_read: Arc<AtomicU64>,
    pub chunks: Receiver<io::Result<Chunk>>,
    pub recycle: SyncSender<Vec<u8>>,
    pub thread: Option<JoinHandle<()>>,
}

struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn describe_io(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => "no such file".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => err.to_string(),
    }
}

/// Opens `path` (`-` is stdin) and starts the reader thread.
pub fn open(path: &str, chunk_bytes: usize) -> Result<ChunkSource> {
    let err = |msg: String| SnapshotError::new(path, None, msg);
    let (raw, input_bytes): (Box<dyn Read + Send>, Option<u64>) = if path == "-" {
        (Box::new(io::stdin()), None)
    } else {
        let file =
            File::open(path).map_err(|e| err(format!("cannot open: {}", describe_io(&e))))?;
        let meta = file
            .metadata()
            .map_err(|e| err(format!("cannot stat: {}", describe_io(&e))))?;
        if meta.is_dir() {
            return Err(err("is a directory, expected a .heapsnapshot file".into()));
        }
        if let Some(mapped) = open_mapped(path, &file, &meta, chunk_bytes)? {
            return Ok(mapped);
        }
        (Box::new(file), Some(meta.len()))
    };
    open_reader(path, raw, input_bytes, chunk_bytes)
}

/// A plain (uncompressed) regular file, memory-mapped: None for anything else
/// (compressed, empty, not mappable, or `HEAPSCOPE_NO_MMAP=1`), which is read
/// through [`open_reader`]. Parsing a mapped file saves copying its text
/// (the largest system-time cost of reading a snapshot otherwise).
fn open_mapped(
    path: &str,
    file: &File,
    meta: &std::fs::Metadata,
    chunk_bytes: usize,
) -> Result<Option<ChunkSource>> {
    let off = std::env::var_os("HEAPSCOPE_NO_MMAP").is_some_and(|v| !v.is_empty() && v != "0");
    if off || !meta.is_file() || meta.len() == 0 {
        return Ok(None);
    }
    // SAFETY: the map is read-only; a file changed by another process while
    // it is read yields garbled text, which the parser reports as an error
    // (only one cut shorter than the map ends the process, with SIGBUS).
    let Ok(map) = (unsafe { Mmap::map(file) }) else {
        return Ok(None);
    };
    if map.starts_with(&GZIP_MAGIC) || map.starts_with(&ZSTD_MAGIC) {
        return Ok(None);
    }
    let map = Arc::new(map);
    let input_read = Arc::new(AtomicU64::new(0));
    let (tx, rx) = sync_channel::<io::Result<Chunk>>(3);
    // Nothing is recycled: the receiver is dropped at once.
    let (recycle, _) = sync_channel::<Vec<u8>>(0);
    let counter = input_read.clone();
    let chunk_bytes = chunk_bytes.clamp(1, CHUNK_BYTES);
    let thread = std::thread::Builder::new()
        .name("heapscope-map".into())
        .spawn(move || map_loop(map, tx, chunk_bytes, counter))
        .map_err(|e| SnapshotError::new(path, None, format!("cannot start reader thread: {e}")))?;
    Ok(Some(ChunkSource {
        name: path.to_string(),
        compression: Compression::None,
        input_bytes: Some(meta.len()),
        input_read,
        chunks: rx,
        recycle,
        thread: Some(thread),
    }))
}

/// Hands the mapped file on in ranges of `chunk_bytes`, mapping each one's
/// pages first (here, ahead of the parser, which then takes no page faults).
fn map_loop(
    map: Arc<Mmap>,
    tx: SyncSender<io::Result<Chunk>>,
    chunk_bytes: usize,
    input_read: Arc<AtomicU64>,
) {
    let mut start = 0;
    while start < map.len() {
        let end = map.len().min(start + chunk_bytes);
        populate(&map, start, end);
        input_read.fetch_add((end - start) as u64, Ordering::Relaxed);
        let range = MappedRange {
            map: map.clone(),
            start,
            end,
        };
        if tx.send(Ok(Chunk::Mapped(range))).is_err() {
            return;
        }
        start = end;
    }
}

/// Maps the pages of `map[start..end]` (a hint: where the kernel cannot,
/// the parser's reads map them).
fn populate(map: &Mmap, start: usize, end: usize) {
    #[cfg(target_os = "linux")]
    {
        let _ = map.advise_range(memmap2::Advice::PopulateRead, start, end - start);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (map, start, end);
}

/// Starts the reader thread on any byte source named `name` (its size, when
/// known, bounds what the reader allocates up front); the compression is
/// sniffed from its first bytes.
pub fn open_reader(
    name: &str,
    raw: Box<dyn Read + Send>,
    input_bytes: Option<u64>,
    chunk_bytes: usize,
) -> Result<ChunkSource> {
    let err = |msg: String| SnapshotError::new(name, None, msg);
    let input_read = Arc::new(AtomicU64::new(0));
    let mut counted = CountingReader {
        inner: raw,
        count: input_read.clone(),
    };
    let mut magic = [0u8; 4];
    let mut got = 0;
    while got < magic.len() {
        let n = counted
            .read(&mut magic[got..])
            .map_err(|e| err(format!("cannot read: {}", describe_io(&e))))?;
        if n == 0 {
            break;
        }
        got += n;
    }
    if got == 0 {
        return Err(err("file is empty, expected a heap snapshot (JSON)".into()));
    }
    let compression = if magic[..got].starts_with(&GZIP_MAGIC) {
        Compression::Gzip
    } else if magic[..got].starts_with(&ZSTD_MAGIC) {
        Compression::Zstd
    } else {
        Compression::None
    };
    let head = io::Cursor::new(magic[..got].to_vec());
    let stream = head.chain(counted);
    let reader: Box<dyn Read + Send> = match compression {
        Compression::None => Box::new(stream),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(1 << 20, stream),
        )),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::new(stream)
                .map_err(|e| err(format!("cannot start zstd decoder: {e}")))?,
        ),
    };
    let (tx, rx) = sync_channel::<io::Result<Chunk>>(3);
    let (recycle_tx, recycle_rx) = sync_channel::<Vec<u8>>(4);
    let chunk_bytes = chunk_bytes.clamp(1, CHUNK_BYTES);
    let thread = std::thread::Builder::new()
        .name("heapscope-read".into())
        .spawn(move || {
            read_loop(
                reader,
                tx,
                recycle_rx,
                chunk_bytes,
                compression != Compression::None,
            )
        })
        .map_err(|e| err(format!("cannot start reader thread: {e}")))?;
    Ok(ChunkSource {
        name: name.to_string(),
        compression,
        input_bytes,
        input_read,
        chunks: rx,
        recycle: recycle_tx,
        thread: Some(thread),
    })
}

/// Size of the reads from a decompressor: the same whatever the chunk
/// size, so that what a corrupt stream yields before its error (a
/// decompressor drops the text of the read that fails) is the same too.
const DECODE_BYTES: usize = 64 << 10;

fn read_loop(
    mut reader: Box<dyn Read + Send>,
    tx: SyncSender<io::Result<Chunk>>,
    recycle: Receiver<Vec<u8>>,
    chunk_bytes: usize,
    compressed: bool,
) {
    let mut stage = compressed.then(|| Stage {
        text: vec![0; DECODE_BYTES],
        at: 0,
        len: 0,
    });
    loop {
        // Recycled buffers keep their length, so they are zeroed only once.
        let mut buf = recycle.try_recv().unwrap_or_default();
        if buf.len() < chunk_bytes {
            buf.resize(chunk_bytes, 0);
        }
        // Fill the buffer completely (or to EOF) so chunks stay large.
        let (filled, end) = fill(&mut reader, &mut buf[..chunk_bytes], stage.as_mut());
        buf.truncate(filled);
        // The text before an error goes first.
        if filled > 0 && tx.send(Ok(Chunk::Owned(buf))).is_err() {
            return;
        }
        match end {
            Some(Ok(())) => return,
            Some(Err(e)) => {
                let _ = tx.send(Err(e));
                return;
            }
            None => {}
        }
    }
}

/// What a decompressor gave in its last read: `text[at..at + len]` is not
/// handed on yet.
struct Stage {
    text: Vec<u8>,
    at: usize,
    len: usize,
}

impl Stage {
    /// One read into `out` from the staged text, refilled with a read of
    /// the whole stage when it is used up.
    fn read(&mut self, reader: &mut dyn Read, out: &mut [u8]) -> io::Result<usize> {
        if self.len == 0 {
            self.len = reader.read(&mut self.text)?;
            self.at = 0;
        }
        let n = self.len.min(out.len());
        out[..n].copy_from_slice(&self.text[self.at..self.at + n]);
        self.at += n;
        self.len -= n;
        Ok(n)
    }
}

/// Fills `buf` from `reader` (through `stage` when there is one). Returns
/// how much was filled, and Some(Ok) at the end of the input, Some(Err) on
/// an error.
fn fill(
    reader: &mut Box<dyn Read + Send>,
    buf: &mut [u8],
    mut stage: Option<&mut Stage>,
) -> (usize, Option<io::Result<()>>) {
    let mut filled = 0usize;
    while filled < buf.len() {
        let read = match stage.as_deref_mut() {
            Some(stage) => stage.read(reader, &mut buf[filled..]),
            None => reader.read(&mut buf[filled..]),
        };
        match read {
            Ok(0) => return (filled, Some(Ok(()))),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return (filled, Some(Err(e))),
        }
    }
    (filled, None)
}
