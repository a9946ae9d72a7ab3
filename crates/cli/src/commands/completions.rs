//! `heapscope completions SHELL` and `heapscope man`: shell completions
//! (clap_complete) and the manual page (clap_mangen), generated from the
//! same argument definitions as `--help`, so they never drift from it.

use crate::output::Rendered;
use crate::CliError;
use clap_complete::Shell;

#[derive(clap::Args)]
pub struct Args {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: Shell,
}

pub fn run(args: Args, mut command: clap::Command) -> Result<Rendered, CliError> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "heapscope", &mut out);
    text(out)
}

/// The manual page: `heapscope(1)` with every subcommand's options.
pub fn man(command: clap::Command) -> Result<Rendered, CliError> {
    let mut out = Vec::new();
    let command = command.version(env!("HEAPSCOPE_VERSION"));
    clap_mangen::Man::new(command.clone()).render(&mut out)?;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("heapscope {}", sub.get_name());
        out.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
        clap_mangen::Man::new(sub.clone()).render_options_section(&mut out)?;
    }
    text(out)
}

fn text(bytes: Vec<u8>) -> Result<Rendered, CliError> {
    let stdout = String::from_utf8(bytes).map_err(|e| CliError(e.to_string()))?;
    Ok(Rendered { stdout, code: 0 })
}
