//! What `serve` holds: the snapshots, each read and analyzed once on a loader
//! thread (the UI answers as soon as the first is ready), with the tables its
//! pages read, and the answers worth keeping between requests (a class's
//! instances in order, a comparison, the leak report).

use heapscope_analysis::cache::Cache;
use heapscope_analysis::diff::{self, Comparison};
use heapscope_analysis::leaks::{find_leaks, LeakOptions, LeakReport};
use heapscope_analysis::packages::PackageRow;
use heapscope_analysis::statistics::Statistics;
use heapscope_analysis::strings::DuplicateString;
use heapscope_analysis::summary::{Summary, NO_ROW};
use heapscope_analysis::Analysis;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// Index of a snapshot in the order given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SnapshotIndex(pub usize);

/// Index of a class in a snapshot's Summary (sorted as DevTools sorts it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClassIndex(pub u32);

/// One snapshot, analyzed.
pub struct Loaded {
    pub name: String,
    pub analysis: Analysis,
    pub summary: Summary,
    /// The Summary row of every node, `NO_ROW` for nodes it leaves out.
    row_of_node: Vec<u32>,
    /// Per class, its objects in order: built for all classes at once.
    instances: OnceLock<Vec<Vec<u32>>>,
    pub statistics: Statistics,
    packages: OnceLock<Vec<PackageRow>>,
    strings: OnceLock<Vec<DuplicateString>>,
    pub load_seconds: f64,
    /// Mapped from the analysis cache (else read and analyzed now).
    pub from_cache: bool,
}

impl Loaded {
    /// Reads and analyzes `path` (with the reverse index: retainers are the
    /// UI's main question), or maps its analysis from `cache`, then builds
    /// the Summary and its row per node.
    pub fn load(path: &Path, cache: Option<&Cache>) -> Result<Self, String> {
        let started = Instant::now();
        let text = path.display().to_string();
        let cached = cache.and_then(|c| match c.load(path) {
            Ok(found) => found,
            Err(e) => {
                eprintln!("heapscope: note: {}", e.not_used(&text));
                None
            }
        });
        let from_cache = cached.is_some();
        let analysis = match cached {
            Some(analysis) => analysis,
            None => {
                let snap =
                    heapscope_snapshot::read_snapshot(&text).map_err(|e| format!("{text}: {e}"))?;
                Analysis::with_reverse_index(snap)
            }
        };
        let summary = analysis.summary();
        let row_of_node = rows_in_summary_order(&analysis, &summary);
        let statistics = analysis.statistics();
        let loaded = Loaded {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or(text),
            analysis,
            summary,
            row_of_node,
            instances: OnceLock::new(),
            statistics,
            packages: OnceLock::new(),
            strings: OnceLock::new(),
            load_seconds: 0.0,
            from_cache,
        };
        // The first click opens a class: its list is ready before the first page.
        loaded.instances(ClassIndex(0));
        Ok(Loaded {
            load_seconds: started.elapsed().as_secs_f64(),
            ..loaded
        })
    }

    /// Writes the analysis to `cache` unless it came from there. A failure
    /// is one line on stderr: the snapshot is loaded regardless.
    pub fn store_in(&self, cache: Option<&Cache>, path: &Path) {
        if let (Some(cache), false) = (cache, self.from_cache) {
            if let Err(e) = cache.store(path, &self.analysis) {
                eprintln!(
                    "heapscope: note: {}",
                    e.not_stored(&path.display().to_string())
                );
            }
        }
    }

    /// The objects of a class, largest retained size first (ties: smaller
    /// id): every class's list is made in one pass on first use.
    pub fn instances(&self, class: ClassIndex) -> &[u32] {
        let all = self.instances.get_or_init(|| self.instance_lists());
        all.get(class.0 as usize).map_or(&[], Vec::as_slice)
    }

    fn instance_lists(&self) -> Vec<Vec<u32>> {
        let a = &self.analysis;
        let mut lists: Vec<Vec<u32>> = vec![Vec::new(); self.summary.classes.len()];
        for (v, &row) in self.row_of_node.iter().enumerate() {
            if row != NO_ROW {
                lists[row as usize].push(v as u32);
            }
        }
        let order = |x: &u32, y: &u32| {
            let (x, y) = (*x as usize, *y as usize);
            a.retained[y]
                .cmp(&a.retained[x])
                .then(a.snap.nodes.id[x].cmp(&a.snap.nodes.id[y]))
        };
        // Two threads, each sorting about half of the objects.
        let half = self.row_of_node.len() / 2;
        let mut split = 0;
        let mut seen = 0;
        while split < lists.len() && seen < half {
            seen += lists[split].len();
            split += 1;
        }
        let (first, second) = lists.split_at_mut(split);
        std::thread::scope(|scope| {
            scope.spawn(|| first.iter_mut().for_each(|l| l.sort_unstable_by(order)));
            second.iter_mut().for_each(|l| l.sort_unstable_by(order));
        });
        lists
    }

    /// Builds the tables later pages read on first use (packages and
    /// duplicate strings, one on each core), so that they answer at once.
    pub fn warm(&self) {
        std::thread::scope(|scope| {
            scope.spawn(|| {
                self.packages();
            });
            self.strings();
        });
    }

    /// The Summary row a node belongs to, if any.
    pub fn class_of(&self, v: u32) -> Option<ClassIndex> {
        let row = *self.row_of_node.get(v as usize)?;
        (row != NO_ROW).then_some(ClassIndex(row))
    }

    pub fn packages(&self) -> &[PackageRow] {
        self.packages
            .get_or_init(|| self.analysis.packages(|_| true))
    }

    pub fn strings(&self) -> &[DuplicateString] {
        self.strings
            .get_or_init(|| self.analysis.duplicate_strings(2))
    }
}

/// Each node's row in the sorted Summary (the grouping's rows are in first
/// appearance order; the Summary's are sorted).
fn rows_in_summary_order(a: &Analysis, summary: &Summary) -> Vec<u32> {
    let grouped = a.aggregates_by(&a.class_name, &|id| a.snap.strings.get(id));
    let sorted: HashMap<&str, u32> = summary
        .classes
        .iter()
        .enumerate()
        .map(|(i, row)| (row.class_key.as_str(), i as u32))
        .collect();
    let remap: Vec<u32> = grouped
        .rows
        .iter()
        .map(|row| {
            sorted
                .get(row.class_key.as_str())
                .copied()
                .unwrap_or(NO_ROW)
        })
        .collect();
    grouped
        .node_row
        .iter()
        .map(|&r| match r {
            NO_ROW => NO_ROW,
            r => remap[r as usize],
        })
        .collect()
}

/// A snapshot's state: still loading, loaded, or failed with a message.
pub enum Slot {
    Loading,
    Ready(Arc<Loaded>),
    Failed(String),
}

/// A finished load: the analysis, or the one-line error.
type Loading = Result<Arc<Loaded>, String>;

/// Everything the server holds.
pub struct State {
    pub files: Vec<PathBuf>,
    /// Per file: None while loading, then the analysis or why it failed.
    slots: Mutex<Vec<Option<Loading>>>,
    comparisons: Mutex<HashMap<(usize, usize), Arc<Comparison>>>,
    leaks: OnceLock<Result<LeakReport, String>>,
    pub redaction: crate::Redaction,
    cache: Option<Cache>,
}

impl State {
    pub fn new(files: Vec<PathBuf>, redaction: crate::Redaction, cache: Option<Cache>) -> Self {
        let slots = Mutex::new(files.iter().map(|_| None).collect());
        State {
            files,
            slots,
            comparisons: Mutex::new(HashMap::new()),
            leaks: OnceLock::new(),
            redaction,
            cache,
        }
    }

    /// Loads every file in order, one after the other (each load already
    /// uses both cores), publishing each as soon as it is ready.
    pub fn load_all(&self) {
        for (i, path) in self.files.iter().enumerate() {
            let loaded = Loaded::load(path, self.cache.as_ref()).map(Arc::new);
            if let Err(e) = &loaded {
                eprintln!("serve: {e}");
            } else {
                eprintln!("serve: loaded {}", path.display());
            }
            let ready = loaded.as_ref().ok().cloned();
            self.slots.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(loaded);
            if let Some(l) = ready {
                l.warm();
                l.store_in(self.cache.as_ref(), path);
            }
        }
        self.warm_comparisons();
    }

    /// Compares each snapshot with the one before, ahead of the first ask.
    fn warm_comparisons(&self) {
        for i in 1..self.files.len() {
            let pair = (self.slot(SnapshotIndex(i - 1)), self.slot(SnapshotIndex(i)));
            if let (Some(Slot::Ready(base)), Some(Slot::Ready(target))) = pair {
                self.comparison(&base, &target, (i - 1, i));
            }
        }
    }

    pub fn slot(&self, s: SnapshotIndex) -> Option<Slot> {
        let slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        Some(match slots.get(s.0)? {
            None => Slot::Loading,
            Some(Ok(l)) => Slot::Ready(l.clone()),
            Some(Err(e)) => Slot::Failed(e.clone()),
        })
    }

    /// Every snapshot once all are loaded; None while any is loading.
    fn all_loaded(&self) -> Option<Vec<Arc<Loaded>>> {
        let slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots
            .iter()
            .filter(|s| !matches!(s, Some(Err(_))))
            .map(|s| s.as_ref().and_then(|r| r.as_ref().ok().cloned()))
            .collect()
    }

    /// The Comparison of `target` against `base`, computed on first use.
    pub fn comparison(
        &self,
        base: &Loaded,
        target: &Loaded,
        key: (usize, usize),
    ) -> Arc<Comparison> {
        if let Some(c) = self.lock_comparisons().get(&key) {
            return c.clone();
        }
        let c = Arc::new(diff::compare(&base.analysis, &target.analysis));
        self.lock_comparisons().insert(key, c.clone());
        c
    }

    fn lock_comparisons(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(usize, usize), Arc<Comparison>>> {
        self.comparisons.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The leak report over every loaded snapshot (three or more of one
    /// process, oldest first); None while loading.
    pub fn leaks(&self) -> Option<Result<LeakReport, String>> {
        if let Some(done) = self.leaks.get() {
            return Some(done.clone());
        }
        let all = self.all_loaded()?;
        let report = match all.len() {
            n if n < 3 => Err(format!(
                "the leak view needs three or more snapshots of one process ({n} loaded)"
            )),
            _ => {
                let refs: Vec<&Analysis> = all.iter().map(|l| &l.analysis).collect();
                let names: Vec<String> = all.iter().map(|l| l.name.clone()).collect();
                find_leaks(&refs, &LeakOptions::default()).map_err(|e| e.explain(&names))
            }
        };
        Some(self.leaks.get_or_init(|| report).clone())
    }
}
