//! The front end's files, built into the binary (nothing is fetched at run
//! time), and the Content-Security-Policy of each way they are shown.

use base64::Engine;
use sha2::{Digest, Sha256};

/// Charts (line, stacked bars, sparklines) as SVG, shared by both pages.
pub const CHARTS_JS: &str = include_str!("../assets/charts.js");
/// Styles shared by both pages.
pub const STYLE_CSS: &str = include_str!("../assets/style.css");
/// The report's script: renders the embedded data.
pub const REPORT_JS: &str = include_str!("../assets/report.js");
/// The web UI's page and script.
pub const UI_HTML: &str = include_str!("../assets/ui.html");
pub const UI_JS: &str = include_str!("../assets/ui.js");

/// The policy of the served UI: its own scripts, styles and API, nothing else.
pub const SERVE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// The policy of a single-file report: only the inline script and style
/// whose hashes it names run; no request of any kind is allowed.
pub fn report_csp(scripts: &[&str], styles: &[&str]) -> String {
    let hashes = |parts: &[&str]| {
        parts
            .iter()
            .map(|p| format!("'sha256-{}'", sha256_base64(p)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "default-src 'none'; script-src {}; style-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        hashes(scripts),
        hashes(styles)
    )
}

fn sha256_base64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
}

/// JSON made safe inside a `<script>` element: no `<` can close it.
pub fn script_json(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// Text made safe inside HTML.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_names_the_sha256_of_each_inline_part() {
        // The hash of the empty string, as `openssl dgst -sha256 -binary | base64` gives it.
        let csp = report_csp(&[""], &[]);
        assert!(
            csp.contains("'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"),
            "{csp}"
        );
        assert!(csp.starts_with("default-src 'none'"));
    }

    #[test]
    fn embedded_json_cannot_close_its_script() {
        let s = script_json(r#"{"a":"</script><script>alert(1)</script>"}"#);
        assert!(!s.contains("</script"));
        assert!(serde_json::from_str::<serde_json::Value>(&s).is_ok());
    }
}
