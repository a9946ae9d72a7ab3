//! Snapshot series: several heap snapshots of one process taken in one
//! inspector session, so that they can be compared by object id. (V8 numbers
//! objects anew whenever an inspector session ends, so separate `capture`
//! runs cannot be compared.) A series folder holds `s1.heapsnapshot`,
//! `s2.heapsnapshot`, … and `series.json`, which `leaks DIR` reads.

use crate::commands::capture::{capture_to, lock_target};
use crate::commands::headroom;
use crate::CliError;
use heapscope_inspector::recorder::{unix_ms, SharedSession};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The series description written beside the snapshots.
pub const SERIES_FILE: &str = "series.json";

/// `series.json`: which snapshots, in order, from which process and session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeriesFile {
    /// Always `heapscope-series`.
    pub format: String,
    pub version: u32,
    pub pid: Option<u32>,
    /// The inspector address of the one session all snapshots were taken in.
    pub session: String,
    pub snapshots: Vec<SeriesSnapshot>,
}

/// One snapshot of a series.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeriesSnapshot {
    /// File name inside the series folder.
    pub file: String,
    pub unix_ms: u64,
    pub bytes: u64,
    /// How long taking it took (the target is paused meanwhile).
    pub seconds: f64,
}

impl SeriesFile {
    pub fn new(pid: Option<u32>, session: &str) -> SeriesFile {
        SeriesFile {
            format: "heapscope-series".into(),
            version: 1,
            pid,
            session: session.into(),
            snapshots: Vec::new(),
        }
    }

    /// Writes `DIR/series.json` (through a `.partial` file).
    pub fn write(&self, dir: &Path) -> Result<(), CliError> {
        let text = serde_json::to_string_pretty(self)? + "\n";
        write_atomically(&dir.join(SERIES_FILE), text.as_bytes())
    }
}

/// Writes `path` through `path.partial`, renamed when complete.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, bytes)
        .and_then(|_| std::fs::rename(&partial, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&partial);
            CliError(format!("cannot write {}: {e}", path.display()))
        })
}

/// The name of the `n`th snapshot (1-based) of a series.
pub fn snapshot_name(n: usize) -> String {
    format!("s{n}.heapsnapshot")
}

/// Makes `dir` for a new series: created when missing, refused when it holds
/// anything (nothing the user has is overwritten).
pub fn prepare_dir(dir: &Path) -> Result<(), CliError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => match entries.next() {
            None => Ok(()),
            Some(_) => Err(CliError(format!(
                "{} exists and is not empty; name a new folder with -o",
                dir.display()
            ))),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir_all(dir)
            .map_err(|e| CliError(format!("cannot create {}: {e}", dir.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Err(CliError(format!(
            "{} exists and is not a folder",
            dir.display()
        ))),
        Err(e) => Err(CliError(format!("cannot read {}: {e}", dir.display()))),
    }
}

/// Takes one snapshot of the series into `dir` under the session's lock:
/// the headroom check (unless `force`), a full GC, the snapshot.
pub fn take(
    session: &SharedSession,
    pid: Option<u32>,
    dir: &Path,
    series: &mut SeriesFile,
    force: bool,
) -> Result<PathBuf, CliError> {
    let name = snapshot_name(series.snapshots.len() + 1);
    let path = dir.join(&name);
    let started = Instant::now();
    let at = unix_ms();
    let bytes = {
        let mut guard = session
            .lock()
            .map_err(|_| CliError("the inspector session is unusable".into()))?;
        let _lock = lock_target(pid)?;
        if !force {
            headroom::check(&mut guard, pid)?;
        }
        capture_to(&mut guard, &path, true)?
    };
    series.snapshots.push(SeriesSnapshot {
        file: name,
        unix_ms: at,
        bytes,
        seconds: started.elapsed().as_secs_f64(),
    });
    series.write(dir)?;
    Ok(path)
}

/// The snapshots of a series folder, oldest first: from `series.json` when
/// present, else the files `s1.heapsnapshot`, `s2.heapsnapshot`, … (also
/// `.gz`/`.zst`) in number order.
pub fn files_in(dir: &Path) -> Result<Vec<String>, CliError> {
    let described = dir.join(SERIES_FILE);
    if described.exists() {
        let text = std::fs::read_to_string(&described)
            .map_err(|e| CliError(format!("cannot read {}: {e}", described.display())))?;
        let series: SeriesFile = serde_json::from_str(&text)
            .map_err(|e| CliError(format!("{}: not a series file: {e}", described.display())))?;
        return Ok(series
            .snapshots
            .iter()
            .map(|s| dir.join(&s.file).display().to_string())
            .collect());
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| CliError(format!("cannot read {}: {e}", dir.display())))?;
    let mut numbered: Vec<(u64, String)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let n = series_number(&name)?;
            Some((n, e.path().display().to_string()))
        })
        .collect();
    numbered.sort();
    if numbered.is_empty() {
        return Err(CliError(format!(
            "{}: no snapshots (s1.heapsnapshot, s2.heapsnapshot, …) and no {SERIES_FILE}",
            dir.display()
        )));
    }
    Ok(numbered.into_iter().map(|(_, p)| p).collect())
}

/// `N` of `sN.heapsnapshot` (optionally `.gz` or `.zst`).
fn series_number(name: &str) -> Option<u64> {
    let base = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(name);
    base.strip_prefix('s')?
        .strip_suffix(".heapsnapshot")?
        .parse()
        .ok()
}

/// Expands command-line inputs: a folder becomes its series, files stay.
pub fn expand_inputs(inputs: &[String]) -> Result<Vec<String>, CliError> {
    let mut out = Vec::new();
    for input in inputs {
        let path = Path::new(input);
        if input != "-" && path.is_dir() {
            out.extend(files_in(path)?);
        } else {
            out.push(input.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_series_files() {
        assert_eq!(series_number("s1.heapsnapshot"), Some(1));
        assert_eq!(series_number("s12.heapsnapshot.zst"), Some(12));
        assert_eq!(series_number("x1.heapsnapshot"), None);
        assert_eq!(series_number("s1.heapsnapshot.partial"), None);
    }

    #[test]
    fn lists_a_folder_in_number_order() {
        let dir = std::env::temp_dir().join(format!("heapscope-series-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(prepare_dir(&dir).is_ok());
        for n in [10, 2, 1] {
            std::fs::write(dir.join(snapshot_name(n)), "{}").unwrap();
        }
        let files = files_in(&dir).unwrap_or_else(|e| panic!("{}", e.0));
        let names: Vec<&str> = files
            .iter()
            .map(|f| f.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(
            names,
            ["s1.heapsnapshot", "s2.heapsnapshot", "s10.heapsnapshot"]
        );
        assert!(prepare_dir(&dir).is_err_and(|e| e.0.contains("not empty")));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
