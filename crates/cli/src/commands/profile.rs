//! `heapscope profile`: the sampling heap profiler over a time window, a light
//! alternative to a full snapshot: what was allocated and is still alive at the
//! end, by function, by npm package and as a top-down call tree; with `-o`, also
//! the profile itself as a file other tools open (DevTools' `.heapprofile`, or
//! gzipped pprof for `go tool pprof` and Pyroscope).

use crate::commands::interrupt::{ctrl_c_flag, wait_until};
use crate::commands::target::{Connected, TargetArgs};
use crate::commands::units::{parse_duration, parse_size};
use crate::output::{emit, PrintMode, Rendered, View};
use crate::CliError;
use heapscope_analysis::scripts::package_of_path;
use heapscope_inspector::process::check_exists;
use heapscope_inspector::profile_formats::{self, PprofMeta};
use heapscope_inspector::sampling::{self, Aggregated, Profile, TreeNode, DEFAULT_INTERVAL_BYTES};
use heapscope_report::{human_bytes, percent, Align, Table};
use serde::Serialize;
use serde_json::value::RawValue;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// Tree nodes under this share of the live bytes are left out.
const MIN_TREE_SHARE: f64 = 0.01;
/// Deepest tree level printed in the terminal view.
const MAX_TREE_DEPTH: usize = 12;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: TargetArgs,
    /// How long to sample (Ctrl-C stops early).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Mean bytes allocated between two samples (smaller: more detail, more overhead).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_INTERVAL_BYTES, value_parser = parse_size)]
    pub interval: u64,
    /// Rows in the function and package tables.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Print JSON (schema in README).
    #[arg(long)]
    pub json: bool,
    /// Also write the profile to FILE (through FILE.partial): DevTools' .heapprofile or gzipped pprof.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Format of the -o file [default: pprof when FILE ends in .pb.gz or .pprof, else heapprofile].
    #[arg(long, value_enum, requires = "output")]
    pub format: Option<ProfileFormat>,
    /// Overwrite an existing non-empty -o file (also --overwrite, as in capture).
    #[arg(long, visible_alias = "overwrite", requires = "output")]
    pub force: bool,
}

/// What `-o` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProfileFormat {
    /// The sampling profile's JSON, as Chrome DevTools' Memory panel saves and loads it.
    Heapprofile,
    /// A gzipped pprof profile.proto (go tool pprof, Grafana Pyroscope).
    Pprof,
}

impl ProfileFormat {
    /// The format a file name asks for: pprof for `.pb.gz` and `.pprof`.
    pub fn for_path(path: &Path) -> ProfileFormat {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.ends_with(".pb.gz") || name.ends_with(".pprof") {
            ProfileFormat::Pprof
        } else {
            ProfileFormat::Heapprofile
        }
    }

    fn name(self) -> &'static str {
        match self {
            ProfileFormat::Heapprofile => "heapprofile",
            ProfileFormat::Pprof => "pprof",
        }
    }
}

/// The `-o` file to write, checked before sampling starts.
struct OutputFile {
    path: PathBuf,
    format: ProfileFormat,
}

impl OutputFile {
    fn from_args(args: &Args) -> Result<Option<OutputFile>, CliError> {
        let Some(path) = args.output.clone() else {
            return Ok(None);
        };
        refuse_overwrite(&path, args.force)?;
        let format = args
            .format
            .unwrap_or_else(|| ProfileFormat::for_path(&path));
        Ok(Some(OutputFile { path, format }))
    }

    /// Writes the profile through `FILE.partial`; says where on stderr.
    fn write(&self, raw: &RawValue, profile: &Profile, meta: PprofMeta) -> Result<(), CliError> {
        let bytes = match self.format {
            ProfileFormat::Heapprofile => profile_formats::heapprofile(raw),
            ProfileFormat::Pprof => profile_formats::pprof_gz(profile, meta)
                .map_err(|e| CliError(format!("{}: {e}", self.path.display())))?,
        };
        crate::commands::series::write_atomically(&self.path, &bytes)?;
        eprintln!(
            "profile: {} ({} {} profile)",
            self.path.display(),
            human_bytes(bytes.len() as f64),
            self.format.name()
        );
        Ok(())
    }
}

/// `profile -o`: an existing non-empty file is kept unless `--force`.
fn refuse_overwrite(path: &Path, force: bool) -> Result<(), CliError> {
    crate::output::refuse_overwrite(path, force, "--force")
}

#[derive(Serialize)]
struct Output {
    duration_s: f64,
    sampling_interval_bytes: u64,
    #[serde(flatten)]
    profile: Aggregated,
    /// Rows in the text tables.
    #[serde(skip)]
    limit: usize,
}

impl View for Output {
    fn text(&self) -> String {
        render(
            &self.profile,
            self.duration_s,
            self.sampling_interval_bytes,
            self.limit,
        )
    }
}

pub fn run(args: Args) -> Result<Rendered, CliError> {
    let output = OutputFile::from_args(&args)?;
    let mut connected = args.target.connect()?;
    let sampled = sample(&args, &mut connected);
    connected.finish();
    let (raw, started_at, elapsed) = sampled?;
    let profile =
        sampling::parse(raw.get()).map_err(|e| CliError(format!("profile failed: {e}")))?;
    if let Some(output) = &output {
        let meta = PprofMeta {
            interval_bytes: args.interval,
            started: started_at,
            duration: elapsed,
        };
        output.write(&raw, &profile, meta)?;
    }
    let out = Output {
        duration_s: elapsed.as_secs_f64(),
        sampling_interval_bytes: args.interval,
        profile: sampling::aggregate(&profile, &package_of_path, MIN_TREE_SHARE),
        limit: args.limit,
    };
    emit(&out, PrintMode::from_json_flag(args.json))
}

/// Samples for `--duration` (or until Ctrl-C or the target's exit): the
/// profile as V8 wrote it, when it started, how long it ran.
fn sample(
    args: &Args,
    connected: &mut Connected,
) -> Result<(Box<RawValue>, Duration, Duration), CliError> {
    let stop = ctrl_c_flag();
    sampling::start(&mut connected.session, args.interval)?;
    let started = Instant::now();
    let started_at = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let pid = connected.pid;
    let mut alive = || pid.is_none_or(|pid| check_exists(pid).is_ok());
    wait_until(started + args.duration, &stop, &mut alive);
    let elapsed = started.elapsed();
    let raw = sampling::stop_raw(&mut connected.session)
        .map_err(|e| CliError(format!("profile failed: {e}")))?;
    Ok((raw, started_at, elapsed))
}

fn render(a: &Aggregated, seconds: f64, interval: u64, limit: usize) -> String {
    let total = a.total_bytes as f64;
    let mut out = format!(
        "sampling heap profile: {seconds:.1} s, one sample per {} allocated on average; {} allocated in the window is still alive ({} samples)\n\n",
        human_bytes(interval as f64),
        human_bytes(total),
        a.sample_count
    );
    let mut functions = Table::new(&[
        ("Function", Align::Left),
        ("Location", Align::Left),
        ("Package", Align::Left),
        ("Self", Align::Right),
        ("Share", Align::Right),
        ("Total", Align::Right),
    ]);
    for f in a.functions.iter().take(limit) {
        functions.row(vec![
            f.function.clone(),
            location(&f.url, f.line),
            f.package.clone(),
            human_bytes(f.self_bytes as f64),
            percent(f.self_bytes as f64, total),
            human_bytes(f.total_bytes as f64),
        ]);
    }
    out.push_str("By function (live bytes allocated there):\n");
    out.push_str(&functions.render());
    let mut packages = Table::new(&[
        ("Package", Align::Left),
        ("Self", Align::Right),
        ("Share", Align::Right),
        ("Samples", Align::Right),
    ]);
    for p in a.packages.iter().take(limit) {
        packages.row(vec![
            p.package.clone(),
            human_bytes(p.self_bytes as f64),
            percent(p.self_bytes as f64, total),
            p.samples.to_string(),
        ]);
    }
    out.push_str("\nBy package:\n");
    out.push_str(&packages.render());
    out.push_str(&format!(
        "\nTop-down (callers above callees; subtrees under {:.0}% left out):\n",
        MIN_TREE_SHARE * 100.0
    ));
    tree_lines(&a.tree, 0, total, &mut out);
    out
}

fn location(url: &str, line: i64) -> String {
    let path = url.strip_prefix("file://").unwrap_or(url);
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}:{line}")
    }
}

fn tree_lines(node: &TreeNode, depth: usize, total: f64, out: &mut String) {
    if depth > MAX_TREE_DEPTH {
        return;
    }
    let place = location(&node.url, node.line);
    out.push_str(&format!(
        "{:indent$}{} {} ({}){}{}\n",
        "",
        human_bytes(node.total_bytes as f64),
        node.function,
        percent(node.total_bytes as f64, total),
        if place.is_empty() { "" } else { "  " },
        place,
        indent = depth * 2
    ));
    for child in &node.children {
        tree_lines(child, depth + 1, total, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_follows_the_file_name() {
        let of = |name: &str| ProfileFormat::for_path(Path::new(name));
        assert_eq!(of("out/x.pb.gz"), ProfileFormat::Pprof);
        assert_eq!(of("X.PPROF"), ProfileFormat::Pprof);
        assert_eq!(of("x.heapprofile"), ProfileFormat::Heapprofile);
        assert_eq!(of("x.json"), ProfileFormat::Heapprofile);
    }

    #[test]
    fn refuses_to_overwrite_unless_forced() {
        let dir = std::env::temp_dir().join(format!("heapscope-profile-o-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (empty, full) = (dir.join("empty"), dir.join("full"));
        std::fs::write(&empty, b"").unwrap();
        std::fs::write(&full, b"x").unwrap();
        assert!(refuse_overwrite(&dir.join("new"), false).is_ok());
        assert!(refuse_overwrite(&empty, false).is_ok());
        let err = refuse_overwrite(&full, false).unwrap_err();
        assert!(err.0.contains("--force"), "{}", err.0);
        assert!(refuse_overwrite(&full, true).is_ok());
        assert!(
            refuse_overwrite(&dir, true).is_err(),
            "a folder, even with --force"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
