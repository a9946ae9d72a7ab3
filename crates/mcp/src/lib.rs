//! heapscope-mcp: heapscope for coding agents, as a Model Context Protocol
//! server on stdio (the official Rust SDK, rmcp).
//!
//! - **session** (`src/session.rs`): the snapshots loaded so far, each read
//!   and analyzed once and kept between calls.
//! - **tools** (`src/tools.rs`): one MCP tool per question (summary,
//!   statistics, top, retainers, inspect, dominators, diff, leaks, packages,
//!   strings, capture, hunt), each answering compact, paged JSON, never a
//!   whole graph.
//! - [`run`]: serves on stdin/stdout until the client closes them.

mod session;
mod tools;

pub use tools::Heapscope;

use rmcp::ServiceExt;

#[derive(Debug, thiserror::Error)]
pub enum McpError {
    #[error("cannot start the MCP server: {0}")]
    Start(String),
}

/// Options of `heapscope mcp`.
pub struct McpOptions {
    /// The `heapscope` binary, run for `capture` and `hunt`.
    pub heapscope: std::path::PathBuf,
    pub redaction: heapscope_web::Redaction,
    /// Where analyses are cached between sessions (none: never).
    pub cache: Option<heapscope_analysis::cache::Cache>,
}

/// Serves on stdio until the client disconnects.
pub fn run(options: McpOptions) -> Result<(), McpError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| McpError::Start(e.to_string()))?;
    runtime.block_on(async move {
        let service = Heapscope::new(options)
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| McpError::Start(e.to_string()))?;
        service
            .waiting()
            .await
            .map_err(|e| McpError::Start(e.to_string()))?;
        Ok(())
    })
}
