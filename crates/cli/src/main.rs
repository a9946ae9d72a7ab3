//! `heapscope`: find memory leaks in Node.js heap snapshots. This binary only
//! parses arguments and wires the library crates together.

mod cache;
mod commands;
mod load;
mod output;

use clap::{CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "heapscope", version = env!("HEAPSCOPE_VERSION"), about = "Fast, DevTools-exact analysis of V8 heap snapshots", long_about = None)]
struct Cli {
    /// Do not read or write the analysis cache (also HEAPSCOPE_NO_CACHE=1).
    #[arg(long, global = true)]
    no_cache: bool,
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
    /// One self-contained HTML report of a hunt folder, a capture series or snapshots.
    Report(commands::report::Args),
    /// A local web UI to explore snapshots, like DevTools' Memory panel.
    Serve(commands::serve::Args),
    /// A Model Context Protocol server on stdio, for coding agents.
    Mcp(commands::mcp::Args),
    /// Shell completions on stdout: `heapscope completions bash > ~/.local/share/bash-completion/completions/heapscope`.
    Completions(commands::completions::Args),
    /// The manual page (roff) on stdout: `heapscope man > heapscope.1`.
    Man,
}

/// A failure reported to the user as one line, with exit code 2.
pub struct CliError(pub String);

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_failure(e),
    };
    if let Err(CliError(message)) = cache::configure(cli.no_cache) {
        eprintln!("heapscope: error: {message}");
        return ExitCode::from(2);
    }
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
        Command::Hunt(args) => commands::hunt::run(*args),
        Command::Report(args) => commands::report::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Mcp(args) => commands::mcp::run_mcp(args),
        Command::Completions(args) => commands::completions::run(args, Cli::command()),
        Command::Man => commands::completions::man(Cli::command()),
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
        Ok(rendered) => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            let written = stdout
                .write_all(rendered.stdout.as_bytes())
                .and_then(|_| stdout.flush());
            drop(stdout);
            cache::store_pending();
            match written {
                Ok(()) => ExitCode::from(rendered.code),
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

/// `--help` and `--version` print as clap writes them (exit 0); a bare
/// `heapscope` prints the help on stderr (exit 2), as clap does; any other
/// parse error is one line like every other failure, exit 2.
fn clap_failure(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(2)
        }
        _ => {
            let args: Vec<String> = std::env::args().skip(1).collect();
            eprintln!(
                "heapscope: error: {} (see {} --help)",
                clap_message(&e.to_string()),
                command_named(&args)
            );
            ExitCode::from(2)
        }
    }
}

/// clap's message as one line: its first paragraph without the `error: `
/// prefix (continuation lines such as `[possible values: …]` joined), and a
/// "similar … exists" tip if clap has one.
fn clap_message(rendered: &str) -> String {
    let mut paragraphs = rendered.split("\n\n");
    let first = paragraphs.next().unwrap_or_default();
    let mut message = first
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(rest) = message.strip_prefix("error: ") {
        message = rest.to_string();
    }
    let tip = paragraphs
        .flat_map(str::lines)
        .map(str::trim)
        .find_map(|l| {
            l.strip_prefix("tip: ")
                .filter(|t| t.starts_with("a similar"))
        });
    if let Some(tip) = tip {
        message.push_str("; ");
        message.push_str(tip);
    }
    message
}

/// `heapscope CMD` for the subcommand named on the command line, else `heapscope`.
fn command_named(args: &[String]) -> String {
    let cli = Cli::command();
    args.iter()
        .take_while(|a| a.as_str() != "--")
        .find(|a| cli.get_subcommands().any(|c| c.get_name() == a.as_str()))
        .map(|name| format!("heapscope {name}"))
        .unwrap_or_else(|| "heapscope".to_string())
}
