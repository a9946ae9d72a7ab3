//! The engine: DevTools' load pipeline and the data structures it builds.
//! [`Analysis`] runs the pipeline over a snapshot (detachedness, essential
//! edges, shallow-size re-attribution, reverse edges, distances, class names
//! and interfaces, dominators, retained sizes) so that every view built on it
//! matches DevTools exactly. What belongs here is a building block: a pass of
//! that pipeline, a column or index it fills, or a primitive the views share
//! (bit sets, edge labels, object names, JavaScript string semantics, id
//! lookups). Anything that answers a user's question is a view (`crate::views`).

mod analysis;
pub mod bitset;
pub mod classes;
pub(crate) mod detached;
pub(crate) mod distances;
pub mod dominators;
pub mod edges;
pub(crate) mod essential;
pub mod id_space;
pub mod ids;
pub(crate) mod js;
pub mod json;
pub mod names;
pub(crate) mod prefetch;
pub mod retainers;
pub(crate) mod shallow;
pub(crate) mod weakmap;

pub use analysis::{Analysis, Keep};
