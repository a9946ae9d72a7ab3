//! `heapscope`: find memory leaks in Node.js heap snapshots. This binary only
//! parses arguments and wires the library crates together.

mod commands;
mod load;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "heapscope", version, about = "Fast, DevTools-exact analysis of V8 heap snapshots", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Objects grouped by constructor, as DevTools' Summary view.
    Summary(commands::summary::Args),
    /// Memory by kind (code, strings, arrays, typed arrays, system), as DevTools' Statistics view.
    Stats(commands::stats::Args),
    /// The largest objects by retained size.
    Top(commands::top::Args),
    /// Who keeps an object, or a class's objects, alive: retainers and paths from the roots.
    Retainers(commands::retainers::Args),
    /// Everything about one object: sizes, dominators, references, retainers, source.
    Inspect(commands::inspect::Args),
    /// The dominator tree, from the root or an object.
    Dominators(commands::dominators::Args),
    /// Duplicated strings and the memory they waste.
    Strings(commands::strings::Args),
    /// Memory by npm package.
    Packages(commands::packages::Args),
    /// Compare two snapshots by class, as DevTools' Comparison view.
    Diff(commands::diff::Args),
    /// Find leaks in three or more snapshots of one process: ranked suspects.
    Leaks(commands::leaks::Args),
    /// Take a heap snapshot of a running Node process through its inspector.
    Capture(commands::capture::Args),
    /// Memory timeline of a running process (RSS, CPU, V8 heap) and a growth verdict.
    Watch(commands::watch::Args),
    /// Sampling heap profile of a running process: live allocations by function and package.
    Profile(commands::profile::Args),
    /// HTTP load generator for the app under test (loopback only): req/s, latency, errors.
    Load(commands::load::Args),
    /// Start an app (or attach), drive load, snapshot in one session and report its leaks per request.
    Hunt(Box<commands::hunt::Args>),
}

/// A failure reported to the user as one line, with exit code 2.
pub struct CliError(pub String);

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Summary(args) => commands::summary::run(args),
        Command::Stats(args) => commands::stats::run(args),
        Command::Top(args) => commands::top::run(args),
        Command::Retainers(args) => commands::retainers::run(args),
        Command::Inspect(args) => commands::inspect::run(args),
        Command::Dominators(args) => commands::dominators::run(args),
        Command::Strings(args) => commands::strings::run(args),
        Command::Packages(args) => commands::packages::run(args),
        Command::Diff(args) => commands::diff::run(args),
        Command::Leaks(args) => commands::leaks::run(args),
        Command::Capture(args) => commands::capture::run(args),
        Command::Watch(args) => commands::watch::run(args),
        Command::Profile(args) => commands::profile::run(args),
        Command::Load(args) => commands::load::run(args),
        Command::Hunt(args) => commands::hunt::run(*args).map(|(text, code)| {
            if code == 3 {
                commands::leaks::FOUND_LEAK.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            text
        }),
    };
    if std::env::var_os("HEAPSCOPE_TIMINGS").is_some() {
        if let Some(at) = load::LOADED_AT.get() {
            eprintln!(
                "heapscope: {:>8.1} ms  command after loading",
                at.elapsed().as_secs_f64() * 1e3
            );
        }
    }
    match result {
        Ok(out) => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(out.as_bytes())
                .and_then(|_| stdout.flush())
            {
                Ok(())
                    if commands::leaks::FOUND_LEAK.load(std::sync::atomic::Ordering::Relaxed) =>
                {
                    ExitCode::from(3)
                }
                Ok(()) => ExitCode::SUCCESS,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("heapscope: error: cannot write output: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Err(CliError(message)) => {
            eprintln!("heapscope: error: {message}");
            ExitCode::from(2)
        }
    }
}
