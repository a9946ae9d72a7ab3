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
