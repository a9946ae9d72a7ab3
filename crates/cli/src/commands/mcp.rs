//! `heapscope mcp`: a Model Context Protocol server on stdio for coding
//! agents (heapscope-mcp does the serving). Messages go to stdout; nothing
//! else may be printed there.

use crate::output::Rendered;
use crate::CliError;
use heapscope_mcp::{run, McpOptions};
use heapscope_web::Redaction;

#[derive(clap::Args)]
pub struct Args {
    /// Mask string values (tokens, passwords, personal data) in every answer.
    #[arg(long)]
    pub redact_strings: bool,
}

pub fn run_mcp(args: Args) -> Result<Rendered, CliError> {
    let heapscope = std::env::current_exe()
        .map_err(|e| CliError(format!("cannot find the heapscope binary: {e}")))?;
    run(McpOptions {
        heapscope,
        redaction: Redaction::from_flag(args.redact_strings),
        cache: crate::cache::active(),
    })?;
    Ok(Rendered {
        stdout: String::new(),
        code: 0,
    })
}
