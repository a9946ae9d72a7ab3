//! The one error type of the reader: what went wrong, in which input, and where.

use std::fmt;

/// A failure to read a snapshot, naming the input, the byte offset (in the
/// uncompressed text) or the field, and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotError {
    /// The input as the user named it (a path, or `-` for stdin).
    pub source_name: String,
    /// Byte offset in the (decompressed) snapshot text, when known.
    pub offset: Option<u64>,
    /// What was wrong, phrased as what was expected.
    pub message: String,
}

impl SnapshotError {
    pub fn new(source_name: &str, offset: Option<u64>, message: impl Into<String>) -> Self {
        SnapshotError {
            source_name: source_name.to_string(),
            offset,
            message: message.into(),
        }
    }
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(offset) => write!(
                f,
                "{}: at byte {}: {}",
                self.source_name, offset, self.message
            ),
            None => write!(f, "{}: {}", self.source_name, self.message),
        }
    }
}

impl std::error::Error for SnapshotError {}

pub type Result<T> = std::result::Result<T, SnapshotError>;
