//! The analysis cache as commands use it (the cache itself is
//! `heapscope_analysis::cache`): its settings, from `--no-cache` and the
//! `HEAPSCOPE_CACHE_*` variables; a lookup before a snapshot is analyzed; and
//! the entries of the analyses made by this command, written once its output
//! is out, so that the answer is never later for it; and the answers of the
//! views that cost more than mapping an analysis, remembered.

use crate::commands::units::parse_size;
use crate::CliError;
use heapscope_analysis::cache::{AnswerKind, Cache, Stored};
use heapscope_analysis::Analysis;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Default cap on the cache folder.
const DEFAULT_MAX_BYTES: u64 = 8 << 30;
/// Snapshot files smaller than this are analyzed again each time (well
/// under a second), not cached.
const DEFAULT_MIN_SNAPSHOT_BYTES: u64 = 20_000_000;

static CACHE: OnceLock<Option<Cache>> = OnceLock::new();
static PENDING: Mutex<Vec<(PathBuf, &'static Analysis)>> = Mutex::new(Vec::new());

/// Sets the cache up for this run: off with `--no-cache` or
/// `HEAPSCOPE_NO_CACHE=1`; `HEAPSCOPE_CACHE_DIR` moves the folder,
/// `HEAPSCOPE_CACHE_SIZE` caps it (0 turns the cache off) and
/// `HEAPSCOPE_CACHE_MIN` sets the smallest snapshot worth caching.
pub fn configure(no_cache: bool) -> Result<(), CliError> {
    let off = no_cache || env("HEAPSCOPE_NO_CACHE").is_some_and(|v| v != "0");
    let cache = match off {
        true => None,
        false => settings()?,
    };
    let _ = CACHE.set(cache);
    Ok(())
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn size_var(name: &str, default: u64) -> Result<u64, CliError> {
    match env(name) {
        Some(text) if text.trim() == "0" => Ok(0),
        Some(text) => parse_size(&text).map_err(|e| CliError(format!("{name}: {e}"))),
        None => Ok(default),
    }
}

fn settings() -> Result<Option<Cache>, CliError> {
    let max_bytes = size_var("HEAPSCOPE_CACHE_SIZE", DEFAULT_MAX_BYTES)?;
    let min_snapshot_bytes = size_var("HEAPSCOPE_CACHE_MIN", DEFAULT_MIN_SNAPSHOT_BYTES)?;
    let dir = match env("HEAPSCOPE_CACHE_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => Cache::default_dir(),
    };
    Ok(dir.filter(|_| max_bytes > 0).map(|dir| Cache {
        dir,
        max_bytes,
        min_snapshot_bytes,
        version: env!("HEAPSCOPE_VERSION").to_string(),
    }))
}

/// The cache, when on (for servers, which check each snapshot's size as they store).
pub fn active() -> Option<Cache> {
    CACHE.get()?.clone()
}

/// The cache, when on and when `path` is large enough to be worth it.
pub fn for_snapshot(path: &str) -> Option<&'static Cache> {
    let cache = CACHE.get()?.as_ref()?;
    let bytes = std::fs::metadata(path).ok()?.len();
    cache.wants(bytes).then_some(cache)
}

/// The cached analysis of `path`, if there is a good one. A bad entry is
/// said in one line on stderr (and removed by the cache).
pub fn lookup(cache: &Cache, path: &str) -> Option<Analysis> {
    match cache.load(Path::new(path)) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("heapscope: note: {}", e.not_used(path));
            None
        }
    }
}

/// Writes `analysis`'s cache entry once the command's output is out.
pub fn store_later(path: &str, analysis: &'static Analysis) {
    if let Ok(mut pending) = PENDING.lock() {
        pending.push((PathBuf::from(path), analysis));
    }
}

/// Writes the entries [`store_later`] was given. A failure is one line on
/// stderr: the command has already answered.
pub fn store_pending() {
    let Some(Some(cache)) = CACHE.get() else {
        return;
    };
    let pending = match PENDING.lock() {
        Ok(mut p) => std::mem::take(&mut *p),
        Err(_) => return,
    };
    for (path, analysis) in pending {
        let mut t = heapscope_analysis::timing::Phases::from_env();
        match cache.store(&path, analysis) {
            Ok(Stored::Written { .. }) => t.lap("analysis cache written"),
            Ok(_) => {}
            Err(e) => eprintln!(
                "heapscope: note: {}",
                e.not_stored(&path.display().to_string())
            ),
        }
    }
}

/// The answer of `kind` for the snapshot at `path`: the remembered one, or
/// else `compute`'s, then remembered (when the cache is on and the snapshot
/// worth it). A bad or unwritable answer file is said in one line on stderr.
pub fn remembered<T: Serialize + DeserializeOwned>(
    path: &str,
    kind: AnswerKind,
    compute: impl FnOnce() -> Result<T, CliError>,
) -> Result<T, CliError> {
    let Some(cache) = for_snapshot(path) else {
        return compute();
    };
    let mut t = heapscope_analysis::timing::Phases::from_env();
    match cache.answer(Path::new(path), kind) {
        Ok(Some(value)) => {
            t.lap("remembered answer read");
            return Ok(value);
        }
        Ok(None) => {}
        Err(e) => eprintln!("heapscope: note: {}", e.not_used(path)),
    }
    let value = compute()?;
    if let Err(e) = cache.store_answer(Path::new(path), kind, &value) {
        eprintln!("heapscope: note: {}", e.not_stored(path));
    }
    Ok(value)
}
