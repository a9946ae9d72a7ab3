//! [`SourceKey`]: what identifies a snapshot file for the cache without
//! reading it all: its size, its modification time and a hash of its first
//! and last 64 KiB. A file rewritten in place, cut or appended to gets a new
//! key, so its old cache entry is never used.

use serde::{Deserialize, Serialize};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// How much of each end of the file the key hashes.
const END_BYTES: u64 = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceKey {
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: u64,
    /// xxh3 of the first and the last 64 KiB.
    pub ends_hash: u64,
}

impl SourceKey {
    pub fn of(path: &Path) -> std::io::Result<Self> {
        let mut file = std::fs::File::open(path)?;
        let meta = file.metadata()?;
        let size = meta.len();
        let mtime_ns = meta
            .modified()?
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let mut ends = Vec::with_capacity(2 * END_BYTES as usize);
        (&mut file).take(END_BYTES).read_to_end(&mut ends)?;
        if size > END_BYTES {
            file.seek(SeekFrom::Start(
                size.saturating_sub(END_BYTES).max(END_BYTES),
            ))?;
            file.take(END_BYTES).read_to_end(&mut ends)?;
        }
        Ok(SourceKey {
            size,
            mtime_ns,
            ends_hash: xxhash_rust::xxh3::xxh3_64(&ends),
        })
    }

    /// The cache file's name for this key and heapscope build.
    pub fn file_name(&self, version: &str) -> String {
        let text = format!(
            "{}:{}:{}:{version}",
            self.size, self.mtime_ns, self.ends_hash
        );
        format!(
            "{:016x}.analysis",
            xxhash_rust::xxh3::xxh3_64(text.as_bytes())
        )
    }
}
