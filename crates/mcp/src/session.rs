//! The snapshots an MCP session has loaded: each file read and analyzed once
//! (with the reverse index and the Summary's tables, as `serve` keeps them),
//! then kept for later calls, so that an agent's twentieth question costs
//! milliseconds.

use heapscope_analysis::cache::Cache;
use heapscope_web::serve::Loaded;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct Session {
    loaded: Mutex<HashMap<PathBuf, Arc<Loaded>>>,
    /// Where analyses are cached between sessions (none: never).
    cache: Option<Cache>,
}

impl Session {
    pub fn new(cache: Option<Cache>) -> Self {
        Session {
            loaded: Mutex::default(),
            cache,
        }
    }

    /// The analysis of `path`, loading it on first use (blocking: call from
    /// a blocking thread).
    pub fn get(&self, path: &str) -> Result<Arc<Loaded>, String> {
        let key = std::fs::canonicalize(Path::new(path)).map_err(|e| format!("{path}: {e}"))?;
        if let Some(found) = self.lock().get(&key) {
            return Ok(found.clone());
        }
        let loaded = Arc::new(Loaded::load(&key, self.cache.as_ref())?);
        self.lock().insert(key.clone(), loaded.clone());
        // The entry is written beside the answer, not before it.
        let (cache, stored) = (self.cache.clone(), loaded.clone());
        std::thread::spawn(move || stored.store_in(cache.as_ref(), &key));
        Ok(loaded)
    }

    /// The files loaded so far.
    pub fn files(&self) -> Vec<String> {
        let mut files: Vec<String> = self
            .lock()
            .keys()
            .map(|p| p.display().to_string())
            .collect();
        files.sort();
        files
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Arc<Loaded>>> {
        self.loaded.lock().unwrap_or_else(|e| e.into_inner())
    }
}
