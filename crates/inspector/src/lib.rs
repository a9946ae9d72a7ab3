//! heapscope-inspector: a Chrome DevTools Protocol client for Node's inspector.
//! It finds a target (PID, `HOST:PORT` or WebSocket URL; loopback only unless
//! allowed), streams heap snapshots to disk in constant memory, reads memory
//! figures from the target and from `/proc`, and runs the sampling heap profiler
//! (its profiles also as DevTools `.heapprofile` and gzipped pprof files).

pub mod address;
pub mod capture;
pub mod cdp;
pub mod close;
pub mod discovery;
pub mod error;
pub mod headroom;
pub mod launch;
pub mod lock;
pub mod memory;
pub mod node_options;
pub mod process;
pub mod procstat;
pub mod profile_formats;
pub mod recorder;
pub mod sampling;
pub mod target;
pub mod timeline;
pub mod trend;

pub use cdp::Session;
pub use error::{InspectorError, Result};
pub use target::{locate, Located, Opened, TargetSpec};
