//! Ctrl-C for the commands that run for a while (`watch`, `profile`): the first
//! SIGINT ends the wait early and the command still reports what it has.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Granularity of waiting, so Ctrl-C is noticed quickly.
const WAIT_STEP: Duration = Duration::from_millis(25);

/// A flag set by Ctrl-C (SIGINT).
pub fn ctrl_c_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let setter = flag.clone();
    // Failure only means a handler is already installed; Ctrl-C then ends the process.
    let _ = ctrlc::set_handler(move || setter.store(true, Ordering::SeqCst));
    flag
}

/// Sleeps until `due`; false when Ctrl-C came first or `still_there` says no.
pub fn wait_until(due: Instant, stop: &AtomicBool, still_there: &mut dyn FnMut() -> bool) -> bool {
    loop {
        if stop.load(Ordering::SeqCst) || !still_there() {
            return false;
        }
        let now = Instant::now();
        if now >= due {
            return true;
        }
        std::thread::sleep((due - now).min(WAIT_STEP));
    }
}
