//! The snapshots an MCP session has loaded: each file read and analyzed once
//! (with the reverse index and the Summary's tables, as `serve` keeps them),
//! then kept for later calls, so that an agent's twentieth question costs
//! milliseconds.

use heapscope_web::serve::Loaded;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct Session {
    loaded: Mutex<HashMap<PathBuf, Arc<Loaded>>>,
}

impl Session {
    /// The analysis of `path`, loading it on first use (blocking: call from
    /// a blocking thread).
    pub fn get(&self, path: &str) -> Result<Arc<Loaded>, String> {
        let key = std::fs::canonicalize(Path::new(path)).map_err(|e| format!("{path}: {e}"))?;
        if let Some(found) = self.lock().get(&key) {
            return Ok(found.clone());
        }
        let loaded = Arc::new(Loaded::load(&key)?);
        self.lock().insert(key, loaded.clone());
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
