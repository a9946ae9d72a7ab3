//! `heapscope serve`: the local web UI over snapshots (heapscope-web does the
//! serving). Loopback by default; any other address needs a token, given
//! with `--token` or made here and printed in the URL.

use crate::output::Rendered;
use crate::CliError;
use heapscope_web::serve::{new_token, run as serve, ServeOptions};
use heapscope_web::Redaction;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Snapshots (oldest first), or a folder of a series (hunt, capture --count).
    #[arg(required = true, value_name = "SNAPSHOT|DIR")]
    pub inputs: Vec<String>,
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub bind: SocketAddr,
    /// Token every request must carry (made up and printed when bound off loopback without one).
    #[arg(long, env = "HEAPSCOPE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Mask string values (tokens, passwords, personal data) in every answer.
    #[arg(long)]
    pub redact_strings: bool,
}

pub fn run(args: Args) -> Result<Rendered, CliError> {
    let files: Vec<PathBuf> = crate::commands::series::expand_inputs(&args.inputs)?
        .into_iter()
        .map(PathBuf::from)
        .collect();
    if let Some(missing) = files.iter().find(|f| !f.is_file()) {
        return Err(CliError(format!("{}: no such file", missing.display())));
    }
    let token = match (&args.token, args.bind.ip().is_loopback()) {
        (Some(t), _) if t.len() < 16 => {
            return Err(CliError("--token must be at least 16 characters".into()))
        }
        (Some(t), _) => Some(t.clone()),
        (None, true) => None,
        (None, false) => {
            Some(new_token().map_err(|e| CliError(format!("cannot make a token: {e}")))?)
        }
    };
    let options = ServeOptions {
        files,
        bind: args.bind,
        token,
        redaction: Redaction::from_flag(args.redact_strings),
        cache: crate::cache::active(),
    };
    let count = options.files.len();
    serve(options, |at| {
        eprintln!(
            "serve: loading {count} snapshot(s); open {} (Ctrl-C stops)",
            at.url
        );
    })?;
    Ok(Rendered {
        stdout: String::new(),
        code: 0,
    })
}
