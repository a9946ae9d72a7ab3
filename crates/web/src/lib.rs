//! heapscope-web: heapscope in a browser.
//!
//! - **report** (`src/report/`): [`report::ReportData`], everything a hunt or
//!   a series of snapshots says, gathered from the analysis crate's views, and
//!   [`report::render_html`], one self-contained HTML file (scripts, styles
//!   and data inline, a strict Content-Security-Policy, no network request).
//! - **serve** (`src/serve/`): [`serve::run`], a local web UI in the spirit of
//!   DevTools' Memory panel: an axum server answering paged JSON from loaded
//!   snapshots (Summary → instances → retainers, dominators, Comparison,
//!   Statistics, packages, strings, leaks), loopback by default and behind a
//!   token anywhere else.
//! - **page** (`src/page.rs`): the front end's files, built into the binary,
//!   and the security headers both share.
//! - **redact** (`src/redact.rs`): `--redact-strings`, string values masked.

mod page;
mod redact;
pub mod report;
pub mod serve;

pub use redact::Redaction;
