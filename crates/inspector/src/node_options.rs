//! Where a Node process says its inspector listens, without asking the
//! process: `--inspect[-brk|-wait][=[HOST:]PORT]`, `--inspect-port=[HOST:]PORT`
//! (also `--debug-port`) among the options before the script in
//! `/proc/PID/cmdline`, and the same options in `NODE_OPTIONS` from
//! `/proc/PID/environ` when it is readable. SIGUSR1 opens the inspector on
//! that port too (9229 when none is given).

/// Node options that take their value as the next argument (so that value is
/// not mistaken for the script).
const OPTIONS_WITH_VALUE: &[&str] = &[
    "-r",
    "--require",
    "-e",
    "--eval",
    "-p",
    "--print",
    "--import",
    "--loader",
    "--experimental-loader",
    "--title",
    "-C",
    "--conditions",
    "--input-type",
    "--inspect-port",
    "--debug-port",
    "--max-old-space-size",
    "--stack-size",
    "--env-file",
];

/// Options whose `=VALUE` names the inspector's `[HOST:]PORT`.
const INSPECT_OPTIONS: &[&str] = &[
    "--inspect",
    "--inspect-brk",
    "--inspect-wait",
    "--inspect-port",
    "--debug-port",
];

/// What a process's options say of its inspector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InspectHints {
    /// Ports named, command line first (it wins in Node), then `NODE_OPTIONS`.
    pub ports: Vec<u16>,
    /// An option asks for a random port (`--inspect=0`, `--inspect=HOST:0`):
    /// the port is named nowhere.
    pub random_port: bool,
}

/// The inspector ports named by the process's command line and `NODE_OPTIONS`.
pub fn inspector_hints(pid: u32) -> InspectHints {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let args: Vec<String> = split_nul(&cmdline);
    let mut hints = hints_in_args(args.iter().skip(1).map(String::as_str));
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    if let Some(options) = split_nul(&environ)
        .iter()
        .find_map(|v| v.strip_prefix("NODE_OPTIONS=").map(str::to_string))
    {
        let words = options
            .split_whitespace()
            .map(|w| w.trim_matches(|c| c == '"' || c == '\''));
        let more = hints_in_args(words);
        for port in more.ports {
            if !hints.ports.contains(&port) {
                hints.ports.push(port);
            }
        }
        hints.random_port |= more.random_port;
    }
    hints
}

fn split_nul(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|&b| b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// Ports in Node's own options, up to the script (what follows belongs to the app).
fn hints_in_args<'a>(args: impl Iterator<Item = &'a str>) -> InspectHints {
    let mut hints = InspectHints::default();
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        if arg == "--" || !arg.starts_with('-') {
            break;
        }
        let (name, value) = match arg.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None if OPTIONS_WITH_VALUE.contains(&arg) => (arg, args.next().map(str::to_string)),
            None => (arg, None),
        };
        if !INSPECT_OPTIONS.contains(&name) {
            continue;
        }
        match value.as_deref().and_then(port_of) {
            Some(0) => hints.random_port = true,
            Some(port) if !hints.ports.contains(&port) => hints.ports.push(port),
            _ => {}
        }
    }
    hints
}

/// The port of `PORT`, `HOST:PORT` or `[V6]:PORT`; `None` for a bare host.
fn port_of(value: &str) -> Option<u16> {
    let port = match value.rsplit_once(':') {
        Some((_, port)) => port,
        None => value,
    };
    port.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ports(args: &[&str]) -> Vec<u16> {
        hints_in_args(args.iter().copied()).ports
    }

    #[test]
    fn reads_inspect_options_before_the_script() {
        assert_eq!(ports(&["--inspect-port=9333", "app.js"]), [9333]);
        assert_eq!(ports(&["--inspect-port", "9334", "app.js"]), [9334]);
        assert_eq!(ports(&["--inspect=127.0.0.1:9335", "app.js"]), [9335]);
        assert_eq!(ports(&["--inspect-brk=[::1]:9336", "app.js"]), [9336]);
        assert_eq!(ports(&["--inspect=9337"]), [9337]);
        assert!(ports(&["--inspect=127.0.0.1:0", "app.js"]).is_empty());
        assert!(hints_in_args(["--inspect=127.0.0.1:0"].into_iter()).random_port);
        assert!(!hints_in_args(["--inspect=9229"].into_iter()).random_port);
        assert!(ports(&["--inspect", "app.js"]).is_empty());
        assert!(ports(&["--inspect=localhost"]).is_empty());
    }

    #[test]
    fn the_apps_own_arguments_are_not_nodes() {
        assert!(ports(&["app.js", "--inspect-port=9333"]).is_empty());
        assert!(ports(&["-r", "dotenv/config", "app.js", "--inspect=1"]).is_empty());
        assert_eq!(
            ports(&["-r", "x", "--inspect-port=9338", "app.js", "--inspect=1"]),
            [9338]
        );
        assert!(ports(&["--", "--inspect=1"]).is_empty());
    }

    #[test]
    fn reads_own_process_without_failing() {
        // The test binary names no inspector port.
        assert_eq!(inspector_hints(std::process::id()), InspectHints::default());
    }
}
