//! Streaming a heap snapshot out of the target: `HeapProfiler.takeHeapSnapshot`,
//! each `addHeapSnapshotChunk` written to the sink the moment it arrives.

use crate::cdp::Session;
use crate::error::{InspectorError, Result};
use serde::Deserialize;
use std::borrow::Cow;
use std::io::Write;

/// Where the capture is, for a progress display.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// V8 is walking the heap: `done` of `total` objects.
    Building { done: u64, total: u64 },
    /// Snapshot text received and written so far.
    Writing { bytes: u64 },
}

#[derive(Deserialize)]
struct Chunk<'a> {
    #[serde(borrow)]
    chunk: Cow<'a, str>,
}

#[derive(Deserialize)]
struct BuildProgress {
    done: u64,
    total: u64,
}

/// Asks V8 for a full garbage collection.
pub fn collect_garbage(session: &mut Session) -> Result<()> {
    session.call("HeapProfiler.collectGarbage", serde_json::json!({}))?;
    Ok(())
}

/// Takes a snapshot and writes its text to `sink` as it streams in. Returns
/// the number of bytes written. Nothing is buffered beyond one chunk.
/// `report_progress` asks V8 for `Building` progress events (a small cost in
/// the target; worth it only when someone watches).
pub fn take_heap_snapshot(
    session: &mut Session,
    sink: &mut dyn Write,
    report_progress: bool,
    mut on_progress: impl FnMut(Progress),
) -> Result<u64> {
    session.call("HeapProfiler.enable", serde_json::json!({}))?;
    let mut written: u64 = 0;
    let params = serde_json::json!({
        "reportProgress": report_progress,
        "captureNumericValue": false,
    });
    session.call_with_events(
        "HeapProfiler.takeHeapSnapshot",
        params,
        None,
        |method, params| {
            match method {
                "HeapProfiler.addHeapSnapshotChunk" => {
                    let chunk: Chunk = serde_json::from_str(params.get()).map_err(|e| {
                        InspectorError::BadInput(format!("unreadable snapshot chunk: {e}"))
                    })?;
                    sink.write_all(chunk.chunk.as_bytes())
                        .map_err(|e| InspectorError::Io(format!("writing the snapshot: {e}")))?;
                    written += chunk.chunk.len() as u64;
                    on_progress(Progress::Writing { bytes: written });
                }
                "HeapProfiler.reportHeapSnapshotProgress" => {
                    if let Ok(p) = serde_json::from_str::<BuildProgress>(params.get()) {
                        on_progress(Progress::Building {
                            done: p.done,
                            total: p.total,
                        });
                    }
                }
                _ => {}
            }
            Ok(())
        },
    )?;
    if written == 0 {
        return Err(InspectorError::Protocol(
            "the target finished the snapshot without sending any data".into(),
        ));
    }
    Ok(written)
}
