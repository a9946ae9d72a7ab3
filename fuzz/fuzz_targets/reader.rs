//! The reader on arbitrary bytes (plain, or gzip/zstd when the bytes start
//! like them): never a panic, every accepted snapshot keeps the graph's
//! invariants, and reading in small chunks (values and strings cut anywhere)
//! gives the same answer as reading in one.
#![no_main]

use heapscope_fuzz::{assert_same, check_invariants, read};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let whole = read(data, None);
    if let Ok(s) = &whole {
        check_invariants(s);
    }
    let cut = read(data, Some(1 + data.len() % 61));
    assert_same(&whole, &cut);
});
