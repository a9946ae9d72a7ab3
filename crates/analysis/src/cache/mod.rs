//! The analysis cache: after the first full analysis of a snapshot, what the
//! views read (the graph's columns, distances, dominators, retained sizes,
//! class names, the reverse index, the Summary) goes into one file in a cache
//! folder (`$XDG_CACHE_HOME/heapscope/analyses/` by default), so that the next
//! command on that snapshot maps it instead of reading and analyzing the
//! snapshot again.
//!
//! An entry is found by the snapshot's [`SourceKey`] (size, modification time,
//! a hash of both ends) and the heapscope build; every column is checked
//! against its hash when mapped. An entry that does not match, is cut short
//! or fails a check is removed and the snapshot analyzed again. The folder
//! is kept under a size cap by removing the entries used least recently.
//! Views that cost more than mapping the analysis also keep their answers
//! there (`answers`).

mod answers;
mod file;
mod key;
mod parts;

pub use answers::AnswerKind;
pub use key::SourceKey;

use crate::Analysis;
use std::path::{Path, PathBuf};

/// Why a cache entry was not used or could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("{0}")]
    Io(#[source] std::io::Error),
    #[error("corrupt cache entry: {0}")]
    Corrupt(String),
    #[error("stale cache entry: {0}")]
    Stale(&'static str),
    #[error("cache entry does not match its snapshot: {0}")]
    Mismatch(String),
}

impl CacheError {
    /// The line said when the entry of snapshot `source` is not used.
    pub fn not_used(&self, source: &str) -> String {
        format!("{source}: analysis cache not used ({self}); analyzing again")
    }

    /// The line said when the analysis of `source` could not be stored.
    pub fn not_stored(&self, source: &str) -> String {
        format!("{source}: analysis not cached ({self})")
    }
}

/// A cache folder and its limits.
#[derive(Debug, Clone)]
pub struct Cache {
    pub dir: PathBuf,
    /// Total bytes the folder may hold.
    pub max_bytes: u64,
    /// Snapshots smaller than this are not cached (they load fast anyway).
    pub min_snapshot_bytes: u64,
    /// The heapscope build: an entry another build wrote is not used.
    pub version: String,
}

/// What [`Cache::store`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    Written {
        path: PathBuf,
        bytes: u64,
    },
    /// Already there (another command wrote it first).
    Present,
    /// Larger than the whole cap, or the snapshot is too small to cache.
    Skipped,
}

impl Cache {
    /// The default folder: `$XDG_CACHE_HOME/heapscope/analyses`, else
    /// `~/.cache/heapscope/analyses`.
    pub fn default_dir() -> Option<PathBuf> {
        let base = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => PathBuf::from(std::env::var_os("HOME")?).join(".cache"),
        };
        Some(base.join("heapscope").join("analyses"))
    }

    /// Whether a snapshot file of `bytes` is worth caching.
    pub fn wants(&self, bytes: u64) -> bool {
        bytes >= self.min_snapshot_bytes && self.max_bytes > 0
    }

    fn entry(&self, key: &SourceKey) -> PathBuf {
        self.dir.join(key.file_name(&self.version))
    }

    /// The cached analysis of the snapshot at `source`, if there is a good
    /// entry. A bad entry is removed; `Err` says why, for diagnostics.
    pub fn load(&self, source: &Path) -> Result<Option<Analysis>, CacheError> {
        let key = SourceKey::of(source).map_err(CacheError::Io)?;
        let path = self.entry(&key);
        if !path.exists() {
            return Ok(None);
        }
        match self.load_entry(&path, &key) {
            Ok(analysis) => {
                touch(&path);
                Ok(Some(analysis))
            }
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                Err(e)
            }
        }
    }

    fn load_entry(&self, path: &Path, key: &SourceKey) -> Result<Analysis, CacheError> {
        let (index, mut reader) = file::Reader::open::<parts::Scalars>(path)?;
        if index.version != self.version {
            return Err(CacheError::Stale("written by another heapscope build"));
        }
        if index.key != *key {
            return Err(CacheError::Mismatch("size, time or contents differ".into()));
        }
        parts::take(index.scalars, &mut reader).map_err(CacheError::Corrupt)
    }

    /// Writes the cache entry of `analysis`, made from the snapshot at
    /// `source`, then trims the folder to the cap. Only a complete analysis
    /// (the whole graph with dominators) is stored.
    pub fn store(&self, source: &Path, analysis: &Analysis) -> Result<Stored, CacheError> {
        let key = SourceKey::of(source).map_err(CacheError::Io)?;
        if !self.wants(key.size) || !parts::is_complete(analysis) {
            return Ok(Stored::Skipped);
        }
        let path = self.entry(&key);
        if path.exists() {
            return Ok(Stored::Present);
        }
        std::fs::create_dir_all(&self.dir).map_err(CacheError::Io)?;
        let partial = self.dir.join(format!(
            ".{}.{}.partial",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("entry"),
            std::process::id()
        ));
        let _ = std::fs::remove_file(&partial);
        let written = write_entry(&partial, source, key, &self.version, analysis);
        let bytes = match written {
            Ok(bytes) if bytes <= self.max_bytes => bytes,
            other => {
                let _ = std::fs::remove_file(&partial);
                return other.map(|_| Stored::Skipped).map_err(CacheError::Io);
            }
        };
        std::fs::rename(&partial, &path).map_err(CacheError::Io)?;
        self.trim(&path);
        Ok(Stored::Written { path, bytes })
    }

    /// Removes the entries used least recently until the folder is under the
    /// cap, keeping `keep`, and what a killed writer left over an hour ago.
    fn trim(&self, keep: &Path) {
        self.remove_abandoned();
        let mut entries = self.entries();
        let mut total: u64 = entries.iter().map(|e| e.bytes).sum();
        entries.sort_by_key(|e| e.used);
        for e in entries {
            if total <= self.max_bytes {
                break;
            }
            if e.path != keep && std::fs::remove_file(&e.path).is_ok() {
                total -= e.bytes;
            }
        }
    }

    /// Removes `.partial` files older than an hour (a writer was killed).
    fn remove_abandoned(&self) {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let hour = std::time::Duration::from_secs(3600);
        for e in dir.filter_map(|e| e.ok()) {
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > hour));
            if old && e.file_name().to_string_lossy().ends_with(".partial") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }

    /// The entries in the folder (analyses and remembered answers).
    pub fn entries(&self) -> Vec<Entry> {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        dir.filter_map(|e| e.ok())
            .filter(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.ends_with(".analysis") || name.ends_with(answers::SUFFIX)
            })
            .filter_map(|e| {
                let meta = e.metadata().ok()?;
                Some(Entry {
                    path: e.path(),
                    bytes: meta.len(),
                    used: meta.modified().ok()?,
                })
            })
            .collect()
    }

    /// Removes every entry; returns how many bytes that freed.
    pub fn clear(&self) -> std::io::Result<u64> {
        let mut freed = 0;
        for e in self.entries() {
            std::fs::remove_file(&e.path)?;
            freed += e.bytes;
        }
        Ok(freed)
    }
}

/// One cache file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: PathBuf,
    pub bytes: u64,
    /// When it was written or last used.
    pub used: std::time::SystemTime,
}

fn write_entry(
    path: &Path,
    source: &Path,
    key: SourceKey,
    version: &str,
    analysis: &Analysis,
) -> std::io::Result<u64> {
    let mut writer = file::Writer::create(path)?;
    let scalars = parts::put(analysis, &mut writer);
    writer.finish(file::Index {
        version: version.to_string(),
        key,
        source: source.display().to_string(),
        scalars,
        columns: Vec::new(),
    })
}

/// Marks an entry as just used (its modification time), for the size cap.
fn touch(path: &Path) {
    if let Ok(f) = std::fs::OpenOptions::new().write(true).open(path) {
        let _ = f.set_modified(std::time::SystemTime::now());
    }
}
