//! One module per subcommand: arguments, then rendering of the analysis result.

pub mod stats;
pub mod summary;
pub mod top;
