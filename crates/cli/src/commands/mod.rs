//! One module per subcommand: arguments, then rendering of the analysis result.

pub mod capture;
pub mod completions;
pub mod diff;
pub mod dominators;
pub mod headroom;
pub mod hunt;
pub mod inspect;
pub mod interrupt;
pub mod leaks;
pub mod load;
pub mod packages;
pub mod profile;
pub mod render;
pub mod report;
pub mod retainers;
pub mod rss;
pub mod series;
pub mod serve;
pub mod stats;
pub mod strings;
pub mod summary;
pub mod target;
pub mod top;
pub mod units;
pub mod verdict;
pub mod watch;
