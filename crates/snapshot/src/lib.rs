//! heapscope-snapshot: reads V8 `.heapsnapshot` files (plain, gzip, zstd, or stdin)
//! into a [`HeapSnapshot`]: a compact, columnar graph driven by the file's own
//! `snapshot.meta`. No generic JSON tree is ever built; the numeric arrays are
//! scanned straight into per-field vectors and the strings are decoded once.

mod bytes;
pub mod column;
pub mod error;
pub mod graph;
pub mod locations;
pub mod meta;
pub mod persist;
mod reader;
mod records;
mod scan;
pub mod source;
pub mod strings;
pub mod timing;

pub use column::{Column, MapError, Plain, SharedMap};
pub use error::{Result, SnapshotError};
pub use graph::{Edges, HeapSnapshot, Location, Nodes, SelfSizes};
pub use meta::{EdgeTypeIds, NodeTypeIds, NONE};
pub use reader::{read_snapshot, read_snapshot_bytes, read_snapshot_with, ReadOptions};
pub use strings::StringTable;
