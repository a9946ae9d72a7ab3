//! heapscope-analysis: DevTools-exact analysis of one heap snapshot, and leak
//! finding over several. The crate has three parts:
//!
//! - **engine** (`src/engine/`): [`Analysis::new`] runs DevTools' own load
//!   pipeline over a [`HeapSnapshot`] (detachedness, essential edges,
//!   shallow-size re-attribution, retainers, distances, class names and
//!   interfaces, dominators, retained sizes), with the passes and data
//!   structures it is built from.
//! - **views** (`src/views/`): what a user asks of an [`Analysis`]: DevTools'
//!   Summary, Comparison and Statistics, duplicated strings, the largest
//!   objects, one object in full, retaining paths, a class's retainers grouped
//!   by path shape, memory by package.
//! - **leaks** ([`leaks`], `src/leaks/`): suspects from three or more
//!   snapshots of one process, found by one detector per mechanism, merged
//!   into one suspect per leak and traced to the code that made and holds
//!   them; [`growth_rate`] measures them per unit of work.
//! - **attribution** ([`attribution`], [`source_maps`]): where code is (file,
//!   line, function, package, original position), shared by every view that
//!   names code.
//!
//! Modules are reached from the crate root (`heapscope_analysis::summary`,
//! `heapscope_analysis::dominators`…) wherever they live in `src/`.

// Columns are parallel arrays indexed by node or edge ordinal; index loops
// over several of them at once read better than zipped iterators.
#![allow(clippy::needless_range_loop)]

mod engine;
mod views;

pub mod attribution;
pub mod cache;
pub mod growth_rate;
pub mod leaks;
pub mod source_maps;

pub use engine::{Analysis, Keep};
pub use heapscope_snapshot::{timing, HeapSnapshot};

// The engine's building blocks other crates use, or whose types other crates
// see. The leaks modules also reach them by these root paths.
pub use engine::{bitset, classes, dominators, edges, id_space, ids, json, names, retainers};
// Every view.
pub use views::{
    class_paths, class_retainers, diff, inspect, packages, paths, scripts, statistics, strings,
    summary, top,
};
