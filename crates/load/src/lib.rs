//! `heapscope-load`: an HTTP/1.1 load generator for loopback targets.
//!
//! Keep-alive connections, real pipelining (N requests in flight per
//! connection, responses matched in order), a closed model (as fast as the
//! server answers) or an open model (`rate` requests/s over all connections,
//! latency measured from each request's intended send time, so a stalling
//! server is not hidden by coordinated omission). Memory stays flat: HDR
//! histograms and a bounded per-second series, nothing per request.
//!
//! ```no_run
//! use heapscope_load::{run, render_table, LoadSpec};
//! use std::sync::atomic::AtomicBool;
//! let mut spec = LoadSpec::new("http://127.0.0.1:3000/");
//! spec.connections = 10;
//! spec.requests = Some(10_000);
//! let report = run(&spec, &AtomicBool::new(false)).unwrap();
//! print!("{}", render_table(&report));
//! ```
//!
//! Map: [`spec`](LoadSpec) what to send; `target` URL and loopback checks;
//! `request` the bytes on the wire; `response` a streaming response parser;
//! `conn` one connection's loop; `recorder` counts and histograms; `runner`
//! the runtime and the clock; `report` the serialisable result; `table` its
//! text rendering.

mod conn;
mod error;
mod recorder;
mod report;
mod request;
mod response;
mod runner;
mod spec;
mod table;
mod target;

pub use error::{ErrorKind, LoadError};
pub use report::{
    Errors, LatencySummary, LoadReport, SecondSample, Settings, StatSummary, StatusCounts,
    Throughput, SCHEMA_VERSION,
};
pub use runner::run;
pub use spec::{Header, LoadSpec, Method};
pub use table::render_table;
pub use target::{check_url, read_urls_file};
