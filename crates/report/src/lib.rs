//! heapscope-report: renders results for people: human-readable sizes and
//! aligned terminal tables. JSON output is plain serde of the analysis types.

pub mod size;
pub mod table;

pub use size::{human_bytes, percent, thousands};
pub use table::{Align, Table};
