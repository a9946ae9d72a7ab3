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

/// Inspector ports named by the process's command line, then by its
/// `NODE_OPTIONS` (command line first: it wins in Node). Port 0 (a random
/// port) names nothing and is left out.
pub fn inspector_ports(pid: u32) -> Vec<u16> {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let args: Vec<String> = split_nul(&cmdline);
    let mut ports = ports_in_args(args.iter().skip(1).map(String::as_str));
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    if let Some(options) = split_nul(&environ)
        .iter()
        .find_map(|v| v.strip_prefix("NODE_OPTIONS=").map(str::to_string))
    {
        let words = options
            .split_whitespace()
            .map(|w| w.trim_matches(|c| c == '"' || c == '\''));
        for port in ports_in_args(words) {
            if !ports.contains(&port) {
                ports.push(port);
            }
        }
    }
    ports
}

fn split_nul(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|&b| b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// Ports in Node's own options, up to the script (what follows belongs to the app).
fn ports_in_args<'a>(args: impl Iterator<Item = &'a str>) -> Vec<u16> {
    let mut ports = Vec::new();
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
        if let Some(port) = value.as_deref().and_then(port_of) {
            if port != 0 && !ports.contains(&port) {
                ports.push(port);
            }
        }
    }
    ports
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
        ports_in_args(args.iter().copied())
    }

    #[test]
    fn reads_inspect_options_before_the_script() {
        assert_eq!(ports(&["--inspect-port=9333", "app.js"]), [9333]);
        assert_eq!(ports(&["--inspect-port", "9334", "app.js"]), [9334]);
        assert_eq!(ports(&["--inspect=127.0.0.1:9335", "app.js"]), [9335]);
        assert_eq!(ports(&["--inspect-brk=[::1]:9336", "app.js"]), [9336]);
        assert_eq!(ports(&["--inspect=9337"]), [9337]);
        assert!(ports(&["--inspect=127.0.0.1:0", "app.js"]).is_empty());
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
        assert!(inspector_ports(std::process::id()).is_empty());
    }
}
