//! `heapscope strings`: duplicated string values and the bytes they waste.

use crate::output::{emit, PrintMode, Rendered, View};
use crate::CliError;
use crate::{cache, load};
use heapscope_analysis::cache::AnswerKind;
use heapscope_analysis::strings::DuplicateString;
use heapscope_report::{human_bytes, thousands, Align, Table};
use serde::Serialize;

#[derive(clap::Args)]
pub struct Args {
    /// Snapshot file (.heapsnapshot, .gz, .zst) or - for stdin.
    pub file: String,
    /// Only values held at least this many times.
    #[arg(long, default_value_t = 2)]
    pub min_count: usize,
    /// Groups to show (default: 30 in the table, all in JSON).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Output {
    #[serde(skip)]
    file: String,
    group_count: usize,
    wasted_size: u64,
    strings: Vec<DuplicateString>,
}

pub fn run(args: Args) -> Result<Rendered, CliError> {
    let mode = PrintMode::from_json_flag(args.json);
    // Every group of two or more is remembered; `--min-count` filters them
    // (the order does not depend on it).
    let all = cache::remembered(&args.file, AnswerKind::DuplicateStrings, || {
        Ok(load::analyze(&args.file)?.duplicate_strings(2))
    })?;
    let min_count = args.min_count.max(2) as u64;
    let mut strings: Vec<DuplicateString> =
        all.into_iter().filter(|s| s.count >= min_count).collect();
    let out_wasted = strings.iter().map(|s| s.wasted_size).sum();
    let group_count = strings.len();
    strings.truncate(
        args.limit
            .unwrap_or(if mode.is_json() { usize::MAX } else { 30 }),
    );
    let out = Output {
        file: args.file,
        group_count,
        wasted_size: out_wasted,
        strings,
    };
    emit(&out, mode)
}

impl View for Output {
    fn text(&self) -> String {
        let mut t = Table::new(&[
            ("Value", Align::Left),
            ("Count", Align::Right),
            ("Total", Align::Right),
            ("Wasted", Align::Right),
            ("Sample", Align::Left),
        ])
        .max_width(60);
        for s in &self.strings {
            t.row(vec![
                format!("{:?}", s.value),
                thousands(s.count),
                human_bytes(s.self_size as f64),
                human_bytes(s.wasted_size as f64),
                format!("@{}", s.sample_id),
            ]);
        }
        format!(
            "{}: {} duplicated values waste {}\n\n{}",
            self.file,
            thousands(self.group_count as u64),
            human_bytes(self.wasted_size as f64),
            t.render()
        )
    }
}
