//! The one output path of every command. A command builds a *view*: a struct
//! holding its result (serialized for `--json`) and whatever the text form also
//! needs (the file name, totals: `#[serde(skip)]`). [`emit`] turns it into
//! what goes to stdout, and the view decides the exit code, so no command
//! prints its result or picks an exit code itself; `main` writes
//! [`Rendered::stdout`] and exits with [`Rendered::code`].
//!
//! Streaming commands (`capture`, `watch`, `profile`) print their live lines
//! as they go; only their final result goes through here.

use crate::CliError;

/// How a result is printed: as text for a person, or as JSON (`--json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrintMode {
    Text,
    Json,
}

impl PrintMode {
    /// `Json` when `--json` was given.
    pub fn from_json_flag(json: bool) -> PrintMode {
        if json {
            PrintMode::Json
        } else {
            PrintMode::Text
        }
    }

    pub fn is_json(self) -> bool {
        self == PrintMode::Json
    }
}

/// A command's result, printable both ways.
pub trait View: serde::Serialize {
    /// The text form, ending with a newline.
    fn text(&self) -> String;
    /// The process's exit code once the output is written: 0 unless the
    /// command reports a finding as a code (`leaks --fail-on-leak`: 3).
    fn exit_code(&self) -> u8 {
        0
    }
}

/// What to write to stdout, and the exit code after it.
#[derive(Debug)]
pub struct Rendered {
    pub stdout: String,
    pub code: u8,
}

/// Renders a view: pretty JSON and a newline, or its text.
pub fn emit<V: View>(view: &V, mode: PrintMode) -> Result<Rendered, CliError> {
    let stdout = match mode {
        PrintMode::Json => serde_json::to_string_pretty(view)? + "\n",
        PrintMode::Text => view.text(),
    };
    Ok(Rendered {
        stdout,
        code: view.exit_code(),
    })
}

/// The text of a class filter that matches nothing, the same in every command
/// that takes one: `FILE: no class name matches --filter 'REGEX'`.
pub fn no_match_line(subject: &str, option: &str, regex: &str) -> String {
    format!("{subject}: no class name matches {option} '{regex}'\n")
}

/// An existing non-empty `-o` file is kept unless the user said to replace
/// it with `flag` (`--overwrite` in `capture`, `--force` in `profile`); a
/// folder is refused either way.
pub fn refuse_overwrite(path: &std::path::Path, allowed: bool, flag: &str) -> Result<(), CliError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(CliError(format!(
            "{} is a folder; -o names a file",
            path.display()
        ))),
        Ok(meta) if meta.len() > 0 && !allowed => Err(CliError(format!(
            "{} exists and is not empty; pass {flag} to overwrite it",
            path.display()
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Example {
        n: u32,
        #[serde(skip)]
        fail: bool,
    }

    impl View for Example {
        fn text(&self) -> String {
            format!("n is {}\n", self.n)
        }
        fn exit_code(&self) -> u8 {
            if self.fail {
                3
            } else {
                0
            }
        }
    }

    #[test]
    fn both_modes_and_the_code() {
        let v = Example { n: 7, fail: true };
        let json = emit(&v, PrintMode::Json).unwrap_or_else(|_| panic!());
        assert_eq!(json.stdout, "{\n  \"n\": 7\n}\n");
        assert_eq!(json.code, 3);
        let text = emit(&v, PrintMode::from_json_flag(false)).unwrap_or_else(|_| panic!());
        assert_eq!(text.stdout, "n is 7\n");
    }
}
