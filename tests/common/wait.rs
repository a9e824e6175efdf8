//! Waiting for a condition, never for a fixed time; shared by the test binaries (`tests/it`,
//! `tests/cluster`, `tests/broker_global.rs`) through `#[path]`.

use std::time::{Duration, Instant};

/// Poll `f` every half second until it returns Some, at most `limit` (it is asked once more at
/// the limit); statistics reach the management API every 5 s.
pub fn wait_for<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if start.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}
