//! The analysis cache: an analysis stored and mapped back answers every view
//! as DevTools does (the same checks as `devtools_fixtures.rs`, on the mapped
//! columns); an entry that is corrupt, cut short, of another build or of a
//! changed snapshot is not used; the folder stays under its cap.

mod common;

use common::devtools::{
    check_comparison, check_duplicate_strings, check_every_node, check_stats_and_top,
    check_summary_keeping,
};
use common::retainers::check_retainers;
use common::{analyze_path, fixture, oracle_json};
use heapscope_analysis::cache::{AnswerKind, Cache, CacheError, Stored};
use heapscope_analysis::strings::DuplicateString;
use heapscope_analysis::{Analysis, Keep};
use std::path::{Path, PathBuf};

/// A folder of its own per test, with copies of the fixtures (the cache keys
/// on a file's modification time, which the tests change).
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(test: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("heapscope-cache-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch { dir }
    }

    fn snapshot(&self, name: &str) -> PathBuf {
        let to = self.dir.join(name);
        std::fs::copy(fixture(name), &to).unwrap();
        to
    }

    fn cache(&self, version: &str, max_bytes: u64) -> Cache {
        Cache {
            dir: self.dir.join("cache"),
            max_bytes,
            min_snapshot_bytes: 0,
            version: version.to_string(),
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stored(cache: &Cache, path: &Path) -> (Analysis, PathBuf) {
    let fresh = analyze_path(path, Keep::GraphAndRetainers);
    match cache.store(path, &fresh).expect("stored") {
        Stored::Written { path, bytes } => {
            assert_eq!(std::fs::metadata(&path).unwrap().len(), bytes);
            (fresh, path)
        }
        other => panic!("not written: {other:?}"),
    }
}

fn mapped(cache: &Cache, path: &Path) -> Analysis {
    let a = cache.load(path).expect("no error").expect("a hit");
    assert!(
        a.snap.edges.to.is_mapped() && a.retained.is_mapped(),
        "columns are mapped"
    );
    a
}

#[test]
fn a_mapped_analysis_answers_as_devtools() {
    let scratch = Scratch::new("devtools");
    let cache = scratch.cache("test", u64::MAX);
    let (a_path, b_path) = (
        scratch.snapshot("small-a.heapsnapshot.gz"),
        scratch.snapshot("small-b.heapsnapshot.gz"),
    );
    stored(&cache, &a_path);
    stored(&cache, &b_path);
    let (a, b) = (mapped(&cache, &a_path), mapped(&cache, &b_path));
    let oracle_a = oracle_json("small-a.devtools.json");
    check_summary_keeping(&a, &oracle_a, Keep::Graph);
    check_stats_and_top(&a, &oracle_a);
    check_every_node(&a, &fixture("small-a.devtools-nodes.tsv.gz"));
    check_duplicate_strings(&a, &oracle_a);
    check_duplicate_strings(&b, &oracle_json("small-b.devtools.json"));
    check_comparison(&a, &b, &oracle_json("small-a-vs-b.devtools.json"));
    let checked = check_retainers(
        &a,
        &oracle_json("small-a.devtools-retainers.json"),
        "small-a",
    );
    assert!(checked >= 60, "{checked} objects recorded");
}

#[test]
fn a_mapped_analysis_equals_the_fresh_one() {
    let scratch = Scratch::new("fresh");
    let cache = scratch.cache("test", u64::MAX);
    let path = scratch.snapshot("small-a.heapsnapshot.gz");
    let (fresh, _) = stored(&cache, &path);
    let cached = mapped(&cache, &path);
    let json = |a: &Analysis| {
        serde_json::json!({
            "summary": a.summary(),
            "statistics": a.statistics(),
            "packages": a.packages(|_| true),
            "strings": a.duplicate_strings(2),
        })
    };
    assert_eq!(json(&cached), json(&fresh));
    assert_eq!(cached.snap.nodes.self_size, fresh.snap.nodes.self_size);
    assert_eq!(&cached.snap.nodes.id[..], &fresh.snap.nodes.id[..]);
    for v in (0..fresh.snap.node_count() as u32).step_by(97) {
        assert_eq!(cached.snap.node_name(v), fresh.snap.node_name(v));
        assert_eq!(cached.dominator_chain(v), fresh.dominator_chain(v));
        assert_eq!(
            cached.retainers_page(v, 0, 50),
            fresh.retainers_page(v, 0, 50)
        );
        assert_eq!(cached.source_location(v), fresh.source_location(v));
    }
    assert_eq!(cached.total_size(), fresh.total_size());
    assert_eq!(cached.max_js_object_id(), fresh.max_js_object_id());
}

/// Flips one byte at `at` (from the end when negative).
fn flip(path: &Path, at: i64) {
    let mut bytes = std::fs::read(path).unwrap();
    let i = if at < 0 {
        bytes.len() - (-at) as usize
    } else {
        at as usize
    };
    bytes[i] ^= 0x5a;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_corrupt_or_cut_entry_is_refused_and_removed() {
    let scratch = Scratch::new("corrupt");
    let cache = scratch.cache("test", u64::MAX);
    let path = scratch.snapshot("small-a.heapsnapshot.gz");
    let len = |p: &Path| std::fs::metadata(p).unwrap().len() as i64;
    type Damage<'a> = (&'a str, &'a dyn Fn(&Path));
    let damage: [Damage; 5] = [
        ("a byte in the header", &|p| flip(p, 3)),
        ("a byte in the columns", &|p| flip(p, len(p) / 2)),
        ("a byte in the index", &|p| flip(p, -10)),
        ("cut in half", &|p| {
            let f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
            f.set_len(len(p) as u64 / 2).unwrap();
        }),
        ("emptied", &|p| std::fs::write(p, b"").unwrap()),
    ];
    for (what, damage) in damage {
        let (_, entry) = stored(&cache, &path);
        damage(&entry);
        let result = cache.load(&path);
        assert!(
            matches!(
                result,
                Err(CacheError::Corrupt(_)) | Err(CacheError::Mismatch(_))
            ),
            "{what}: {:?}",
            result.map(|a| a.is_some())
        );
        assert!(!entry.exists(), "{what}: the bad entry is removed");
        assert!(cache.load(&path).unwrap().is_none(), "{what}: then a miss");
    }
}

#[test]
fn an_entry_of_a_changed_snapshot_or_another_build_is_not_used() {
    let scratch = Scratch::new("stale");
    let cache = scratch.cache("build-1", u64::MAX);
    let path = scratch.snapshot("small-a.heapsnapshot.gz");
    stored(&cache, &path);
    assert!(scratch
        .cache("build-2", u64::MAX)
        .load(&path)
        .unwrap()
        .is_none());
    // Same size and contents, a new modification time.
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .unwrap();
    assert!(cache.load(&path).unwrap().is_none());
    // An entry renamed to stand for another build is refused by its index.
    let (_, entry) = stored(&cache, &path);
    let other = scratch.cache("build-3", u64::MAX);
    let key = heapscope_analysis::cache::SourceKey::of(&path).unwrap();
    std::fs::rename(&entry, other.dir.join(key.file_name("build-3"))).unwrap();
    assert!(matches!(other.load(&path), Err(CacheError::Stale(_))));
}

#[test]
fn the_folder_stays_under_its_cap_and_only_complete_analyses_are_stored() {
    let scratch = Scratch::new("cap");
    let (a, b) = (
        scratch.snapshot("small-a.heapsnapshot.gz"),
        scratch.snapshot("small-b.heapsnapshot.gz"),
    );
    let probe = scratch.cache("probe", u64::MAX);
    let (_, entry) = stored(&probe, &a);
    let one = std::fs::metadata(&entry).unwrap().len();
    probe.clear().unwrap();
    // Room for one entry: the second pushes the first out.
    let cache = scratch.cache("cap", one * 3 / 2);
    let (_, first) = stored(&cache, &a);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let (_, second) = stored(&cache, &b);
    assert!(!first.exists() && second.exists());
    assert_eq!(cache.entries().len(), 1);
    // Smaller than one entry: nothing is written (the folder is shared).
    let tiny = scratch.cache("tiny", one / 2);
    let fresh = analyze_path(&a, Keep::Graph);
    assert_eq!(tiny.store(&a, &fresh).unwrap(), Stored::Skipped);
    assert_eq!(tiny.entries(), cache.entries(), "nothing new in the folder");
    // A class-table analysis has dropped names and ids: not stored.
    let lean = analyze_path(&a, Keep::ClassTable);
    assert_eq!(
        scratch.cache("lean", u64::MAX).store(&a, &lean).unwrap(),
        Stored::Skipped
    );
}

#[test]
fn a_remembered_answer_reads_back_equal_and_a_bad_one_is_removed() {
    let scratch = Scratch::new("answers");
    let cache = scratch.cache("build-1", u64::MAX);
    let path = scratch.snapshot("small-a.heapsnapshot.gz");
    let kind = AnswerKind::DuplicateStrings;
    let fresh = analyze_path(&path, Keep::Graph).duplicate_strings(2);
    assert!(fresh.len() > 1, "the fixture has duplicated strings");
    let none: Option<Vec<DuplicateString>> = cache.answer(&path, kind).unwrap();
    assert!(none.is_none(), "nothing remembered yet");
    let Stored::Written { path: file, .. } = cache.store_answer(&path, kind, &fresh).unwrap()
    else {
        panic!("not written")
    };
    let back: Option<Vec<DuplicateString>> = cache.answer(&path, kind).unwrap();
    assert_eq!(back.as_ref(), Some(&fresh));
    // Another build, another kind: not this answer.
    let other: Option<Vec<DuplicateString>> = scratch
        .cache("build-2", u64::MAX)
        .answer(&path, kind)
        .unwrap();
    assert!(other.is_none());
    let packages: Option<Vec<DuplicateString>> = cache.answer(&path, AnswerKind::Packages).unwrap();
    assert!(packages.is_none());
    // A flipped byte fails the hash: refused and removed.
    let len = std::fs::metadata(&file).unwrap().len() as i64;
    flip(&file, len / 2);
    let bad: Result<Option<Vec<DuplicateString>>, _> = cache.answer(&path, kind);
    assert!(matches!(bad, Err(CacheError::Corrupt(_))), "{bad:?}");
    assert!(!file.exists());
    // A snapshot too small to cache is not remembered.
    let small = Cache {
        min_snapshot_bytes: u64::MAX,
        ..cache.clone()
    };
    assert_eq!(
        small.store_answer(&path, kind, &fresh).unwrap(),
        Stored::Skipped
    );
}
