//! `heapscope report`: one self-contained HTML file. [`ReportData`] gathers
//! what the page shows (built by [`data`] from the analysis crate's views and
//! the files a hunt leaves); [`render_html`] inlines it with the page's
//! script and styles under a Content-Security-Policy that allows nothing else
//! (no request, no other script), so it opens from `file://` anywhere.

mod data;

pub use data::{ComparisonPage, ReportData, ReportInputs, SnapshotPage};

use crate::page;

/// The whole page.
pub fn render_html(data: &ReportData) -> Result<String, serde_json::Error> {
    let json = page::script_json(&serde_json::to_string(data)?);
    let script = format!("{}\n{}", page::CHARTS_JS, page::REPORT_JS);
    let csp = page::report_csp(&[&script], &[page::STYLE_CSS]);
    let title = page::escape_html(&data.title);
    Ok(format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{css}</style>\n</head>\n<body class=\"report\">\n\
         <main id=\"app\"><p>This report needs JavaScript.</p></main>\n\
         <script type=\"application/json\" id=\"report-data\">{json}</script>\n\
         <script>{script}</script>\n</body>\n</html>\n",
        css = page::STYLE_CSS,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use heapscope_analysis::Analysis;
    use sha2::{Digest, Sha256};

    fn fixture(name: &str) -> String {
        format!("{}/../../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
        let a = text.find(start).expect(start) + start.len();
        &text[a..a + text[a..].find(end).expect(end)]
    }

    #[test]
    fn the_page_is_self_contained_and_its_csp_allows_only_its_own_script() {
        let snap = heapscope_snapshot::read_snapshot(&fixture("small-a.heapsnapshot.gz")).unwrap();
        let a = Analysis::new(snap);
        let inputs = ReportInputs {
            title: "t <b>".into(),
            ..Default::default()
        };
        let html = render_html(&ReportData::build(inputs, &[("small-a", &a)])).unwrap();
        assert!(html.contains("<title>t &lt;b&gt;</title>"));
        for fetches in ["src=", "<link", "url(", "href=\"http", "@import"] {
            assert!(
                !html.contains(fetches),
                "the page would fetch something: {fetches}"
            );
        }
        let script = between(&html, "<script>", "</script>");
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script));
        let csp = between(&html, "Content-Security-Policy\" content=\"", "\"");
        assert!(
            csp.contains(&format!("script-src 'sha256-{hash}'")),
            "{csp}"
        );
        assert!(csp.starts_with("default-src 'none'"));
        // The data is the Summary DevTools shows.
        let data: serde_json::Value =
            serde_json::from_str(between(&html, "id=\"report-data\">", "</script>")).unwrap();
        let devtools: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(fixture("small-a.devtools.json")).unwrap(),
        )
        .unwrap();
        let want = &devtools["summary"]["classes"];
        let got = &data["snapshots"][0]["classes"];
        for i in 0..10 {
            assert_eq!(got[i]["class_key"], want[i]["class_key"]);
            assert_eq!(got[i]["retained_size"], want[i]["retained_size"]);
        }
        assert_eq!(
            data["snapshots"][0]["statistics"]["total"],
            devtools["statistics"]["total"]
        );
    }
}
