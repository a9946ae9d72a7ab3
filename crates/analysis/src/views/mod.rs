//! The views: what a user asks of one snapshot (or two), each computed from an
//! [`Analysis`](crate::Analysis) into plain data that the CLI renders as text
//! or JSON. DevTools' own views (Summary, Comparison, Statistics, duplicated
//! strings) give DevTools' numbers; the others (largest objects, one object in
//! full, retaining paths, a class's retainers grouped by path shape, memory by
//! npm package, the script behind a piece of code) are built on the same
//! engine. A view computes and never prints: formatting stays in the CLI.

pub mod class_paths;
pub mod class_retainers;
pub mod diff;
pub mod inspect;
pub mod packages;
pub mod paths;
pub mod scripts;
pub mod statistics;
pub mod strings;
pub mod summary;
pub mod top;
