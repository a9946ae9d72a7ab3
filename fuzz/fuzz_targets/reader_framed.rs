//! The reader on the bytes framed as gzip and as zstd: the decompressing
//! path (columns sized without knowing the text's length) must give what
//! the plain bytes give.
#![no_main]

use heapscope_fuzz::{assert_same, read};
use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    if data.iter().all(u8::is_ascii_whitespace) {
        // Empty text: the plain file is refused before it is read.
        return;
    }
    let plain = read(data, None);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).expect("in memory");
    let gz = gz.finish().expect("in memory");
    assert_same(&plain, &read(&gz, Some(1 + data.len() % 29)));
    let zst = zstd::encode_all(data, 1).expect("in memory");
    assert_same(&plain, &read(&zst, None));
});
