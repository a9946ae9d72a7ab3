//! Loading a snapshot for a command: reading with a progress bar on a terminal
//! for large inputs, then running the analysis pipeline.

use crate::CliError;
use heapscope_analysis::{Analysis, Keep};
use heapscope_snapshot::{read_snapshot_with, HeapSnapshot, ReadOptions};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// When the last analysis finished loading (for `HEAPSCOPE_TIMINGS`).
pub static LOADED_AT: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Inputs larger than this show a progress bar (when stderr is a terminal).
const PROGRESS_MIN_BYTES: u64 = 50_000_000;

pub fn read(path: &str) -> Result<HeapSnapshot, CliError> {
    let mut options = ReadOptions::default();
    let bar: std::rc::Rc<std::cell::RefCell<Option<ProgressBar>>> = Default::default();
    if std::io::stderr().is_terminal() {
        let bar = bar.clone();
        let label = path.to_string();
        options.progress = Some(Box::new(move |total, done| {
            let mut slot = bar.borrow_mut();
            if slot.is_none() {
                match total {
                    Some(t) if t >= PROGRESS_MIN_BYTES => {
                        let pb = ProgressBar::new(t);
                        pb.set_style(
                            ProgressStyle::with_template(
                                "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
                            )
                            .unwrap_or_else(|_| ProgressStyle::default_bar())
                            .progress_chars("=> "),
                        );
                        pb.set_message(format!("reading {label}"));
                        *slot = Some(pb);
                    }
                    _ => return,
                }
            }
            if let Some(pb) = slot.as_ref() {
                pb.set_position(done);
            }
        }));
    }
    let result = read_snapshot_with(path, options);
    if let Some(pb) = bar.borrow_mut().take() {
        pb.finish_and_clear();
    }
    Ok(result?)
}

/// Reads and analyzes a snapshot, or maps its cached analysis (see
/// [`crate::cache`]). The analysis lives until the process exits: a command
/// makes one and then ends, and freeing a large graph piece by piece only
/// delays the output.
pub fn analyze(path: &str) -> Result<&'static Analysis, CliError> {
    analyze_with(path, Keep::Graph)
}

/// Like [`analyze`], keeping only what class tables read (see
/// [`Keep::ClassTable`]) unless the analysis is cached, which keeps it all.
pub fn analyze_for_class_table(path: &str) -> Result<&'static Analysis, CliError> {
    analyze_with(path, Keep::ClassTable)
}

/// Like [`analyze`] without the distances (see [`Keep::GraphWithoutDistances`])
/// unless the analysis is cached, which keeps it all.
pub fn analyze_without_distances(path: &str) -> Result<&'static Analysis, CliError> {
    analyze_with(path, Keep::GraphWithoutDistances)
}

/// Like [`analyze`], with the reverse index built while loading, for commands
/// that follow retainers.
pub fn analyze_for_queries(path: &str) -> Result<&'static Analysis, CliError> {
    analyze_with(path, Keep::GraphAndRetainers)
}

fn analyze_with(path: &str, keep: Keep) -> Result<&'static Analysis, CliError> {
    let cache = crate::cache::for_snapshot(path);
    if let Some(found) = cache.and_then(|c| crate::cache::lookup(c, path)) {
        heapscope_analysis::timing::Phases::from_env().lap("analysis cache mapped");
        let _ = LOADED_AT.set(std::time::Instant::now());
        return Ok(Box::leak(Box::new(found)));
    }
    // A cache entry holds everything, whatever this command reads.
    let keep = match cache {
        Some(_) => Keep::GraphAndRetainers,
        None => keep,
    };
    let analysis: &'static Analysis = Box::leak(Box::new(build(path, keep)?));
    if cache.is_some() {
        crate::cache::store_later(path, analysis);
    }
    let _ = LOADED_AT.set(std::time::Instant::now());
    Ok(analysis)
}

/// Reads `path` and runs the analysis pipeline, keeping what `keep` says.
fn build(path: &str, keep: Keep) -> Result<Analysis, CliError> {
    let mut t = heapscope_analysis::timing::Phases::from_env();
    let snap = read(path)?;
    t.lap("read");
    let spinner =
        (std::io::stderr().is_terminal() && snap.text_bytes >= PROGRESS_MIN_BYTES).then(|| {
            let pb = ProgressBar::new_spinner();
            pb.set_message("analyzing (dominators, retained sizes, classes)");
            pb.enable_steady_tick(std::time::Duration::from_millis(120));
            pb
        });
    let analysis = match keep {
        Keep::Graph => Analysis::new(snap),
        Keep::GraphAndRetainers => Analysis::with_reverse_index(snap),
        Keep::GraphWithoutDistances => Analysis::without_distances(snap),
        Keep::ClassTable => {
            let mut lean = Analysis::for_class_table(snap);
            // Class tables never follow edges: free them before the Summary's arrays.
            lean.snap.release_edges();
            lean
        }
    };
    if let Some(pb) = spinner {
        pb.finish_and_clear();
    }
    Ok(analysis)
}

/// Class-level data of several snapshots (for comparisons), loaded at once:
/// each one's cached analysis where there is one, else read and its classes
/// computed (not cached: a class-only analysis is not a complete one).
pub fn classes_of(paths: &[&str]) -> Result<Vec<&'static Analysis>, CliError> {
    let results: Vec<Result<&'static Analysis, CliError>> = std::thread::scope(|s| {
        let handles: Vec<_> = paths
            .iter()
            .map(|p| s.spawn(move || classes_of_one(p)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(CliError("reader thread panicked".into())))
            })
            .collect()
    });
    let analyses = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    let _ = LOADED_AT.set(std::time::Instant::now());
    Ok(analyses)
}

fn classes_of_one(path: &str) -> Result<&'static Analysis, CliError> {
    let found = crate::cache::for_snapshot(path).and_then(|c| crate::cache::lookup(c, path));
    let analysis = match found {
        Some(cached) => cached,
        None => Analysis::for_classes(read(path)?),
    };
    Ok(Box::leak(Box::new(analysis)))
}

/// Compiles a user's `--filter` regex with a one-line error.
pub fn filter_regex(pattern: Option<&str>) -> Result<Option<regex::Regex>, CliError> {
    option_regex(pattern, "--filter")
}

/// Compiles the regex given to option `option` with a one-line error.
pub fn option_regex(pattern: Option<&str>, option: &str) -> Result<Option<regex::Regex>, CliError> {
    pattern
        .map(|p| {
            regex::Regex::new(p).map_err(|e| {
                CliError(format!(
                    "bad {option} regex {p:?}: {}",
                    one_line(&e.to_string())
                ))
            })
        })
        .transpose()
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
