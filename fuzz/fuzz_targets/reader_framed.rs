//! The reader on the bytes framed as gzip and as zstd: the decompressing
//! path (columns sized without knowing the text's length) must give what
//! the plain bytes give. Input that is compressed already (the gzip and
//! zstd seeds, and what grows from them) is decompressed first: the text
//! inside is what gets framed (the reader takes one framing, not two).
#![no_main]

use heapscope_fuzz::{assert_same, read};
use libfuzzer_sys::fuzz_target;
use std::io::{Read, Write};

/// The text inside gzip or zstd input (at most 16 MB of it), the input
/// itself when it is not compressed; None when it does not decompress.
fn text_of(data: &[u8]) -> Option<Vec<u8>> {
    const LIMIT: u64 = 16 << 20;
    let mut text = Vec::new();
    let ok = match data {
        [0x1f, 0x8b, ..] => (flate2::read::GzDecoder::new(data).take(LIMIT))
            .read_to_end(&mut text)
            .is_ok(),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => zstd::stream::read::Decoder::new(data)
            .and_then(|d| d.take(LIMIT).read_to_end(&mut text))
            .is_ok(),
        _ => return Some(data.to_vec()),
    };
    ok.then_some(text)
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = text_of(data) else {
        return;
    };
    if text.iter().all(u8::is_ascii_whitespace) || text_of(&text).as_deref() != Some(&text[..]) {
        // Empty text: the plain file is refused before it is read; text
        // that is compressed again: framed twice.
        return;
    }
    let plain = read(&text, None);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&text).expect("in memory");
    let gz = gz.finish().expect("in memory");
    assert_same(&plain, &read(&gz, Some(1 + text.len() % 29)));
    let zst = zstd::encode_all(&text[..], 1).expect("in memory");
    assert_same(&plain, &read(&zst, None));
});
