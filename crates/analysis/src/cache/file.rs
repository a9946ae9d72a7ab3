//! The cache file: a fixed header, the columns (each at a 64-byte boundary,
//! so that it can be mapped and read in place) and, last, a JSON index that
//! names every column with its offset, length and xxh3 hash, beside the
//! snapshot's and the analysis's other values.
//!
//! ```text
//! 0   "HEAPSCOPE-CACHE\n"   16 bytes
//! 16  format version        u32 little-endian
//! 20  byte-order mark       u32 0x01020304 in the writer's order
//! 24  index offset          u64
//! 32  index length          u64
//! 40  index xxh3            u64
//! 48  (zero)                16 bytes
//! 64  columns…, then the index
//! ```
//!
//! Reading checks every hash: a file cut short, changed or written by another
//! version is refused, never trusted.

use super::key::SourceKey;
use super::CacheError;
use heapscope_snapshot::column::as_bytes;
use heapscope_snapshot::persist::{ColumnSink, ColumnSource};
use heapscope_snapshot::{Column, Plain, SharedMap};
use serde::{Deserialize, Serialize};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use xxhash_rust::xxh3::xxh3_64;

const MAGIC: &[u8; 16] = b"HEAPSCOPE-CACHE\n";
/// Bumped whenever what is stored or how changes.
pub const FORMAT_VERSION: u32 = 1;
const BYTE_ORDER: u32 = 0x0102_0304;
const HEADER_BYTES: u64 = 64;
const ALIGN: u64 = 64;

/// The index at the end of the file.
#[derive(Debug, Serialize, Deserialize)]
pub struct Index<S> {
    /// The heapscope build that wrote the file.
    pub version: String,
    pub key: SourceKey,
    /// The snapshot file it was made from (for `heapscope cache list`).
    pub source: String,
    /// The snapshot's and the analysis's values that are not columns.
    pub scalars: S,
    pub(super) columns: Vec<ColumnEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct ColumnEntry {
    name: String,
    offset: u64,
    len: u64,
    value_bytes: u32,
    hash: u64,
}

/// Writes columns one after the other, remembering where each went.
pub struct Writer {
    out: std::io::BufWriter<std::fs::File>,
    at: u64,
    pub(super) columns: Vec<ColumnEntry>,
    error: Option<std::io::Error>,
}

impl Writer {
    pub fn create(path: &Path) -> std::io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        out.write_all(&[0u8; HEADER_BYTES as usize])?;
        Ok(Writer {
            out,
            at: HEADER_BYTES,
            columns: Vec::new(),
            error: None,
        })
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(bytes)?;
        self.at += bytes.len() as u64;
        Ok(())
    }

    fn pad(&mut self) -> std::io::Result<()> {
        let pad = (ALIGN - self.at % ALIGN) % ALIGN;
        self.write(&[0u8; ALIGN as usize][..pad as usize])
    }

    /// Writes the index and the header; returns the file's size.
    pub fn finish<S: Serialize>(mut self, index: Index<S>) -> std::io::Result<u64> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let index = Index {
            columns: std::mem::take(&mut self.columns),
            ..index
        };
        let json = serde_json::to_vec(&index).map_err(std::io::Error::other)?;
        let index_at = self.at;
        self.write(&json)?;
        let mut header = Vec::with_capacity(HEADER_BYTES as usize);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        header.extend_from_slice(&BYTE_ORDER.to_ne_bytes());
        header.extend_from_slice(&index_at.to_le_bytes());
        header.extend_from_slice(&(json.len() as u64).to_le_bytes());
        header.extend_from_slice(&xxh3_64(&json).to_le_bytes());
        header.resize(HEADER_BYTES as usize, 0);
        let mut file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        // No fsync: an entry cut by a crash fails its hashes and is rebuilt.
        file.write_all(&header)?;
        Ok(index_at + json.len() as u64)
    }
}

impl ColumnSink for Writer {
    fn put<T: Plain>(&mut self, name: &str, values: &[T]) {
        if self.error.is_some() {
            return;
        }
        let bytes = as_bytes(values);
        let result = self.pad().and_then(|_| {
            let offset = self.at;
            self.write(bytes)?;
            self.columns.push(ColumnEntry {
                name: name.to_string(),
                offset,
                len: values.len() as u64,
                value_bytes: std::mem::size_of::<T>() as u32,
                hash: xxh3_64(bytes),
            });
            Ok(())
        });
        if let Err(e) = result {
            self.error = Some(e);
        }
    }
}

/// A mapped cache file: its index, and its columns handed out by name.
pub struct Reader {
    map: SharedMap,
    pub(super) columns: Vec<ColumnEntry>,
}

impl Reader {
    /// Maps `path` and reads its index, checking the header and the index's
    /// hash (the columns' hashes are checked as they are taken).
    pub fn open<S: serde::de::DeserializeOwned>(
        path: &Path,
    ) -> Result<(Index<S>, Self), CacheError> {
        let file = std::fs::File::open(path).map_err(CacheError::Io)?;
        // SAFETY: cache files are written once under a temporary name and
        // renamed into place, never changed after; a file replaced by a new
        // one keeps the old contents mapped.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(CacheError::Io)?;
        let header = map
            .get(..HEADER_BYTES as usize)
            .ok_or(CacheError::Corrupt("header cut short".into()))?;
        let word = |at: usize| u64::from_le_bytes(header[at..at + 8].try_into().expect("8 bytes"));
        if &header[..16] != MAGIC {
            return Err(CacheError::Corrupt("not a heapscope cache file".into()));
        }
        let version = u32::from_le_bytes(header[16..20].try_into().expect("4 bytes"));
        let order = u32::from_ne_bytes(header[20..24].try_into().expect("4 bytes"));
        if version != FORMAT_VERSION || order != BYTE_ORDER {
            return Err(CacheError::Stale("written by another heapscope version"));
        }
        let (at, len, hash) = (word(24), word(32), word(40));
        let json = usize::try_from(at)
            .ok()
            .zip(usize::try_from(len).ok())
            .and_then(|(at, len)| map.get(at..at.checked_add(len)?))
            .ok_or(CacheError::Corrupt("index out of the file".into()))?;
        if xxh3_64(json) != hash {
            return Err(CacheError::Corrupt("index hash does not match".into()));
        }
        let mut index: Index<S> = serde_json::from_slice(json)
            .map_err(|_| CacheError::Corrupt("index is not readable".into()))?;
        let columns = std::mem::take(&mut index.columns);
        Ok((
            index,
            Reader {
                map: std::sync::Arc::new(map),
                columns,
            },
        ))
    }
}

impl ColumnSource for Reader {
    fn take<T: Plain>(&mut self, name: &str) -> Result<Column<T>, String> {
        let entry = self
            .columns
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| format!("column {name} is missing"))?;
        if entry.value_bytes as usize != std::mem::size_of::<T>() {
            return Err(format!("column {name} has values of another size"));
        }
        let (offset, len) = usize::try_from(entry.offset)
            .ok()
            .zip(usize::try_from(entry.len).ok())
            .ok_or_else(|| format!("column {name} is out of the file"))?;
        let column = Column::<T>::mapped(&self.map, offset, len)
            .map_err(|e| format!("column {name}: {e:?}"))?;
        if xxh3_64(column.as_bytes()) != entry.hash {
            return Err(format!("column {name} hash does not match"));
        }
        Ok(column)
    }
}
