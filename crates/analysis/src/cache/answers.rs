//! Remembered answers: the result of a view that costs more than mapping the
//! analysis (duplicate strings, packages), kept in the cache folder as JSON
//! beside the analysis entry, named after the same key and build, so that
//! asking again needs neither the snapshot nor the analysis.
//!
//! A file is a header line, `HEAPSCOPE-ANSWER <xxh3 of the payload>`, then the
//! payload. One that fails its hash or does not parse is removed and the view
//! computed again.

use super::{Cache, CacheError, SourceKey, Stored};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::{Path, PathBuf};

const MAGIC: &str = "HEAPSCOPE-ANSWER ";
/// File names of answers end so (entries end `.analysis`).
pub(super) const SUFFIX: &str = ".answer";

/// A view whose answer may be remembered: its file name part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// Every duplicated-string group (count ≥ 2), in DevTools' order.
    DuplicateStrings,
    /// Packages with no class filter, and the total size.
    Packages,
}

impl AnswerKind {
    fn name(self) -> &'static str {
        match self {
            AnswerKind::DuplicateStrings => "strings",
            AnswerKind::Packages => "packages",
        }
    }
}

impl Cache {
    fn answer_path(&self, key: &SourceKey, kind: AnswerKind) -> PathBuf {
        let entry = key.file_name(&self.version);
        let stem = entry.trim_end_matches(".analysis");
        self.dir.join(format!("{stem}.{}{SUFFIX}", kind.name()))
    }

    /// The remembered answer of `kind` for the snapshot at `source`, if there
    /// is a good one. A bad one is removed; `Err` says why.
    pub fn answer<T: DeserializeOwned>(
        &self,
        source: &Path,
        kind: AnswerKind,
    ) -> Result<Option<T>, CacheError> {
        let key = SourceKey::of(source).map_err(CacheError::Io)?;
        let path = self.answer_path(&key, kind);
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(CacheError::Io(e)),
        };
        match parse(&text) {
            Ok(value) => {
                super::touch(&path);
                Ok(Some(value))
            }
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                Err(e)
            }
        }
    }

    /// Remembers `value` as the answer of `kind` for the snapshot at
    /// `source` (when the snapshot is worth caching), then trims the folder.
    pub fn store_answer<T: Serialize>(
        &self,
        source: &Path,
        kind: AnswerKind,
        value: &T,
    ) -> Result<Stored, CacheError> {
        let key = SourceKey::of(source).map_err(CacheError::Io)?;
        if !self.wants(key.size) {
            return Ok(Stored::Skipped);
        }
        let payload = serde_json::to_vec(value).map_err(|e| CacheError::Io(e.into()))?;
        let hash = xxhash_rust::xxh3::xxh3_64(&payload);
        let mut text = format!("{MAGIC}{hash:016x}\n").into_bytes();
        text.extend_from_slice(&payload);
        std::fs::create_dir_all(&self.dir).map_err(CacheError::Io)?;
        let path = self.answer_path(&key, kind);
        let partial = path.with_extension(format!("{}.partial", std::process::id()));
        std::fs::write(&partial, &text).map_err(CacheError::Io)?;
        std::fs::rename(&partial, &path).map_err(CacheError::Io)?;
        self.trim(&path);
        Ok(Stored::Written {
            bytes: text.len() as u64,
            path,
        })
    }
}

/// The payload of an answer file, checked against its header.
fn parse<T: DeserializeOwned>(text: &[u8]) -> Result<T, CacheError> {
    let corrupt = |why: &str| CacheError::Corrupt(format!("remembered answer {why}"));
    let newline = text
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(|| corrupt("has no header"))?;
    let header =
        std::str::from_utf8(&text[..newline]).map_err(|_| corrupt("header is not text"))?;
    let hash = header
        .strip_prefix(MAGIC)
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .ok_or_else(|| corrupt("header is not heapscope's"))?;
    let payload = &text[newline + 1..];
    if xxhash_rust::xxh3::xxh3_64(payload) != hash {
        return Err(corrupt("fails its hash"));
    }
    serde_json::from_slice(payload).map_err(|e| corrupt(&format!("does not parse: {e}")))
}
