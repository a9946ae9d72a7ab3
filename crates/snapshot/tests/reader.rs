//! Reader behaviour on hand-made snapshots: meta-driven fields, string escapes
//! (including lone surrogates, which serde_json would reject), values split
//! across read chunks, any section order, and clear errors.

use heapscope_snapshot::{read_snapshot, read_snapshot_bytes, ReadOptions};
use std::path::PathBuf;

const META: &str = r#"{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape"],"string","number","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"],"location_fields":["object_index","script_id","line","column"]}"#;

fn write(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("heapscope-reader-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn tiny(strings: &str) -> String {
    format!(
        "{{\"snapshot\":{{\"meta\":{META},\"node_count\":3,\"edge_count\":2,\"trace_function_count\":0}},\n\
         \"nodes\":[9,0,1,0,2,0,0\n,3,1,3,40,0,0,0\n,2,2,5,16,0,0,1],\n\
         \"edges\":[1,0,7,2,1,14],\n\"trace_function_infos\":[],\"trace_tree\":[],\"samples\":[],\n\
         \"locations\":[7,3,10,4],\n\"strings\":{strings}}}"
    )
}

#[test]
fn reads_columns_by_meta_and_decodes_strings() {
    let p = write(
        "tiny.heapsnapshot",
        &tiny(
            r#"["<dummy>",
"Foo\u00e9\t\"x\"",
"\uD83D\uDE00 pair, lone \uD800 end \uDC00"]"#,
        ),
    );
    let s = read_snapshot(p.to_str().unwrap()).unwrap();
    assert_eq!(s.node_count(), 3);
    assert_eq!(s.edge_count(), 2);
    assert_eq!(s.nodes.id, vec![1, 3, 5]);
    assert_eq!(
        s.nodes.self_size.iter().collect::<Vec<_>>(),
        vec![0, 40, 16]
    );
    assert_eq!(s.nodes.first_edge, vec![0, 2, 2, 2]);
    assert_eq!(s.nodes.detachedness.as_ref().unwrap(), &vec![0, 0, 1]);
    assert_eq!(s.edges.to, vec![1, 2], "node indexes become ordinals");
    assert_eq!(s.edge_name(1), "Foo\u{e9}\t\"x\"");
    assert_eq!(s.edge_name(0), "0", "element edges carry an index");
    assert_eq!(s.node_name(1), "Foo\u{e9}\t\"x\"");
    assert_eq!(s.node_name(2), "\u{1F600} pair, lone \u{FFFD} end \u{FFFD}");
    assert_eq!(
        s.location(1).map(|l| (l.script_id, l.line, l.column)),
        Some((3, 10, 4))
    );
    assert!(s.location(0).is_none());
    assert_eq!(s.node_type_name(s.nodes.ty[2]), "string");
}

#[test]
fn accepts_other_section_orders_and_whitespace() {
    let text = format!(
        "{{ \"snapshot\" : {{\"meta\":{META},\"node_count\":1,\"edge_count\":0}} ,\n \"strings\" : [ \"\" , \"a\" ] ,\
         \"edges\" : [ ] , \"nodes\" : [ 9 , 1 , 1 , 0 , 0 , 0 , 0 ] , \"extra\": {{\"x\": [1, \"]\"]}} }}"
    );
    let s = read_snapshot(write("order.heapsnapshot", &text).to_str().unwrap()).unwrap();
    assert_eq!(s.node_count(), 1);
    assert_eq!(s.node_name(0), "a");
}

/// Self sizes of the big test: every 997th one past 32 bits, exactly.
fn size_of(i: u32) -> u64 {
    match i % 997 {
        0 => (1u64 << 40) + i as u64,
        _ => (i * 7919 % 100_003) as u64,
    }
}

#[test]
fn values_straddling_chunk_boundaries() {
    // More than two 4 MiB chunks of nodes and of edges (records cut at chunk
    // and thread boundaries), with values that change per record.
    let n = 400_000u32;
    let mut nodes = String::new();
    for i in 0..n {
        if i > 0 {
            nodes.push(',');
        }
        let edge_count = 1;
        nodes.push_str(&format!(
            "3,1,{},{},{edge_count},0,0\n",
            2 * i + 1,
            size_of(i)
        ));
    }
    let e = n;
    let mut edges = String::new();
    for k in 0..e {
        if k > 0 {
            edges.push(',');
        }
        // element (1) and hidden (4) edges: their names are indexes.
        let ty = [1, 4][k as usize % 2];
        edges.push_str(&format!("{ty},{},{}", k * 1013, (k * 7919 % n) * 7));
    }
    let long = "x".repeat(9 << 20);
    let text = format!(
        "{{\"snapshot\":{{\"meta\":{META},\"node_count\":{n},\"edge_count\":{e}}},\"nodes\":[{nodes}],\"edges\":[{edges}],\"strings\":[\"\",\"{long}\",\"end\\u0041\"]}}"
    );
    let s = read_snapshot(write("big.heapsnapshot", &text).to_str().unwrap()).unwrap();
    assert_eq!(s.node_count(), n as usize);
    assert_eq!(s.edge_count(), e as usize);
    for i in 0..n {
        assert_eq!(s.nodes.id[i as usize], 2 * i + 1);
        assert_eq!(s.nodes.self_size.get(i as usize), size_of(i), "node {i}");
        assert_eq!(s.nodes.first_edge[i as usize + 1], i + 1);
    }
    for k in 0..e {
        assert_eq!(s.edges.ty[k as usize], [1, 4][k as usize % 2]);
        assert_eq!(s.edges.name_or_index[k as usize], k * 1013);
        assert_eq!(s.edges.to[k as usize], k * 7919 % n);
    }
    assert_eq!(s.strings.get(1).len(), 9 << 20);
    assert_eq!(s.strings.get(2), "endA");
}

fn err(text: &str) -> String {
    err_in("bad.heapsnapshot", text)
}

/// The error for `text` read from a file of its own (tests run in parallel).
fn err_in(file: &str, text: &str) -> String {
    read_snapshot(write(file, text).to_str().unwrap())
        .unwrap_err()
        .to_string()
}

#[test]
fn errors_name_the_file_the_offset_and_what_was_expected() {
    let good = tiny(r#"["", "a", "b"]"#);
    let e = err(&good[..good.len() / 2]);
    assert!(
        e.contains("bad.heapsnapshot") && e.contains("at byte") && e.contains("truncated"),
        "{e}"
    );
    let e = err("[1,2,3]");
    assert!(
        e.contains("not a heap snapshot") && e.contains("at byte 0"),
        "{e}"
    );
    let e = err(&tiny(r#"["", "a"]"#));
    assert!(
        e.contains("node 2's name is string 2") && e.contains("2 entries"),
        "{e}"
    );
    let e = err(&good.replace("\"edge_count\":2", "\"edge_count\":3"));
    assert!(e.contains("edges array"), "{e}");
    let e = err(&good.replace("[1,0,7,2,1,14]", "[1,0,7,2,1,15]"));
    assert!(e.contains("not a node"), "{e}");
    let e = err(&good.replace("\"nodes\":[9,0,1", "\"nodes\":[9,x,1"));
    assert!(e.contains("expected a digit"), "{e}");
    let e = err(&good.replace("\"snapshot\"", "\"snap\""));
    assert!(e.contains("before the \"snapshot\" header"), "{e}");
}

#[test]
fn sorts_locations_by_node_and_keeps_a_nodes_last_record() {
    // Node indexes 14, 0, then 14 again: sorted by node, the later record
    // for node 2 (index 14) wins.
    let text = tiny(r#"["", "a", "b"]"#).replace(
        "\"locations\":[7,3,10,4]",
        "\"locations\":[14,1,1,1,0,2,2,2,14,4,4,4]",
    );
    let s = read_snapshot(
        write("unsorted-locations.heapsnapshot", &text)
            .to_str()
            .unwrap(),
    )
    .unwrap();
    let all: Vec<_> = s
        .locations
        .iter()
        .map(|l| (l.node, l.script_id, l.line, l.column))
        .collect();
    assert_eq!(all, vec![(0, 2, 2, 2), (2, 4, 4, 4)]);
}

#[test]
fn decodes_raw_utf8_invalid_bytes_and_escapes_alike_in_any_order() {
    // Plain strings take a fast path; raw non-ASCII text, invalid bytes and
    // escapes between them must come out as the general decoder gives them.
    let mut text = tiny("[]").into_bytes();
    let at = text.len() - 3; // before "[]}"
    let strings: &[u8] = b"[\"<dummy>\" , \"plain\",\n\"caf\xc3\xa9 raw\",\"bad \xff byte\",\t\"esc\\n\\u00e9\",\n\"last\"]}";
    text.truncate(at);
    text.extend_from_slice(strings);
    let p = write("mixed-strings.heapsnapshot", "");
    std::fs::write(&p, &text).unwrap();
    let s = read_snapshot(p.to_str().unwrap()).unwrap();
    let all: Vec<&str> = (0..s.strings.len() as u32)
        .map(|i| s.strings.get(i))
        .collect();
    assert_eq!(
        all,
        vec![
            "<dummy>",
            "plain",
            "caf\u{e9} raw",
            "bad \u{FFFD} byte",
            "esc\n\u{e9}",
            "last"
        ]
    );
}

#[test]
fn self_sizes_past_32_bits_are_exact_and_other_large_values_are_errors() {
    // A 5 GB node (5,000,000,000 read modulo 2^32 would be 705,032,704), a
    // 2^40-byte node, the largest u32 and the largest 19-digit number.
    let good = tiny(r#"["", "a", "b"]"#);
    for size in [
        4_294_967_295u64,
        5_000_000_000,
        1 << 40,
        9_999_999_999_999_999_999,
    ] {
        let text = good.replace(",3,1,3,40,0,0,0\n", &format!(",3,1,3,{size},0,0,0\n"));
        let s = read_snapshot(
            write(&format!("size-{size}.heapsnapshot"), &text)
                .to_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(s.nodes.self_size.get(1), size);
        assert_eq!(s.nodes.self_size.get(2), 16);
        assert_eq!(s.nodes.self_size.total(), size + 16);
    }
    for (name, text, needle) in [
        (
            "20 digits",
            good.replace(",3,1,3,40,0,0,0\n", ",3,1,3,18446744073709551617,0,0,0\n"),
            "more than 19 digits",
        ),
        (
            "an id",
            good.replace(",3,1,3,40,0,0,0\n", ",3,1,5000000000,40,0,0,0\n"),
            "node 1's id is 5000000000, more than 32 bits",
        ),
        (
            "an edge target",
            good.replace("[1,0,7,2,1,14]", "[1,0,7,2,1,14000000000]"),
            "edge 1's to_node is 14000000000, more than 32 bits",
        ),
        (
            "a location line",
            good.replace(
                "\"locations\":[7,3,10,4]",
                "\"locations\":[7,3,10000000000,4]",
            ),
            "location 0's line is 10000000000",
        ),
    ] {
        // A file of its own: tests run in parallel (`err` writes one shared file).
        let file = write(
            &format!("large-{}.heapsnapshot", name.replace(' ', "-")),
            &text,
        );
        let e = read_snapshot(file.to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains(needle), "{name}: {e}");
    }
}

#[test]
fn a_utf8_bom_is_skipped_and_trailing_whitespace_accepted() {
    let good = tiny(r#"["", "a", "b"]"#);
    let text = format!("\u{feff}{good}\n\r\n\t ");
    let s = read_snapshot(write("bom.heapsnapshot", &text).to_str().unwrap()).unwrap();
    assert_eq!(s.node_count(), 3);
    assert_eq!(
        s.text_bytes,
        3 + good.len() as u64 - 1,
        "up to the closing brace"
    );
}

#[test]
fn anything_after_the_snapshot_is_refused() {
    let good = tiny(r#"["", "a", "b"]"#);
    let end = good.len() - 1;
    for (name, tail) in [("garbage", "\nxyz"), ("two", &good[..]), ("nul", "\0")] {
        let e = err_in(
            &format!("trailing-{name}.heapsnapshot"),
            &format!("{good}{tail}"),
        );
        assert!(
            e.contains("after the end of the snapshot") && e.contains(&format!("byte {end}")),
            "{name}: {e}"
        );
    }
}

#[test]
fn duplicate_node_ids_are_refused() {
    let text = tiny(r#"["", "a", "b"]"#).replace(",2,2,5,16,", ",2,2,1,16,");
    let e = err_in("dup-ids.heapsnapshot", &text);
    assert!(e.contains("nodes 0 and 2 have the same id 1"), "{e}");
}

#[test]
fn counts_claimed_by_the_header_do_not_allocate_up_front() {
    // Two billion nodes and four billion edges announced in a 1 kB file: the
    // columns grow with the records read (else: tens of GB allocated).
    let text = tiny(r#"["", "a", "b"]"#)
        .replace("\"node_count\":3", "\"node_count\":2000000000")
        .replace("\"edge_count\":2", "\"edge_count\":4000000000");
    let e = err_in("huge-counts.heapsnapshot", &text);
    assert!(e.contains("the nodes array has 21 values"), "{e}");
}

#[test]
fn small_chunks_and_compression_read_the_same_columns() {
    // Over 2^16 records through gzip (columns sized without the text's
    // length, so they grow), and the tiny snapshot cut in 1..8-byte chunks.
    let n = 70_000u32;
    let nodes: Vec<String> = (0..n)
        .map(|i| format!("3,1,{},{},{},0,0", 2 * i + 1, i % 97, (i + 1 < n) as u32))
        .collect();
    let edges: Vec<String> = (1..n).map(|i| format!("1,{i},{}", i * 7)).collect();
    let big = format!(
        "{{\"snapshot\":{{\"meta\":{META},\"node_count\":{n},\"edge_count\":{}}},\"nodes\":[{}],\"edges\":[{}],\"strings\":[\"\",\"a\"]}}",
        n - 1,
        nodes.join(","),
        edges.join(",")
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, big.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let s = read_snapshot_bytes("big.gz", &gz, ReadOptions::default()).unwrap();
    assert_eq!(s.node_count(), n as usize);
    assert_eq!(s.nodes.self_size.get(69_999), 69_999 % 97);
    assert_eq!(s.edges.to[..3], [1, 2, 3]);
    assert_eq!(s.edges.to.len(), n as usize - 1);
    let text = tiny(r#"["", "a\u00e9", "b"]"#);
    let whole = read_snapshot_bytes("t", text.as_bytes(), ReadOptions::default()).unwrap();
    for chunk in 1..8 {
        let options = ReadOptions {
            chunk_bytes: Some(chunk),
            ..ReadOptions::default()
        };
        let s = read_snapshot_bytes("t", text.as_bytes(), options).unwrap();
        assert_eq!(s.nodes.id, whole.nodes.id, "chunk {chunk}");
        assert_eq!(s.edges.to, whole.edges.to, "chunk {chunk}");
        assert_eq!(s.strings.get(1), "a\u{e9}", "chunk {chunk}");
    }
}

#[test]
fn syntax_errors_in_number_arrays_name_the_record_and_the_field() {
    let good = tiny(r#"["", "a", "b"]"#);
    for (name, from, to, needle) in [
        ("negative", ",3,1,3,40,", ",3,1,3,-40,", "node 1's self_size: expected a digit, ',' or ']' in a number array, found '-' (a negative number"),
        ("fraction", ",3,1,3,40,", ",3,1,3,40.5,", "node 1's self_size: expected a digit, ',' or ']' in a number array, found '.' (a fraction"),
        ("nan", ",2,2,5,16,", ",2,2,5,NaN,", "node 2's self_size: expected a digit, ',' or ']' in a number array, found 'N' (NaN"),
        ("edge", "[1,0,7,2,1,14]", "[1,0,7,2,x,14]", "edge 1's name_or_index: expected a digit"),
        ("digits", "[1,0,7,2,1,14]", "[1,0,7,2,1,140000000000000000000]", "edge 1's to_node: a number has more than 19 digits"),
    ] {
        let e = err_in(&format!("syntax-{name}.heapsnapshot"), &good.replace(from, to));
        assert!(e.contains(needle) && e.contains("at byte"), "{name}: {e}");
    }
}

#[test]
fn the_first_problem_in_file_order_is_reported() {
    let good = tiny(r#"["", "a", "b"]"#);
    // Two problems, in nodes 1 and 2: (node 1, node 2, the error).
    for (name, node1, node2, needle) in [
        (
            "type-id",
            ",99,1,3,40,",
            ",2,2,5000000000,16,",
            "node 1's type is 99, but snapshot.meta lists 15 node types",
        ),
        (
            "id-type",
            ",3,1,5000000000,40,",
            ",99,2,5,16,",
            "node 1's id is 5000000000",
        ),
        (
            "dup-name",
            ",3,1,1,40,",
            ",2,9,5,16,",
            "nodes 0 and 1 have the same id 1",
        ),
        (
            "name-dup",
            ",3,9,3,40,",
            ",2,2,1,16,",
            "node 1's name is string 9",
        ),
    ] {
        let text = good
            .replace(",3,1,3,40,", node1)
            .replace(",2,2,5,16,", node2);
        let e = err_in(&format!("order-{name}.heapsnapshot"), &text);
        assert!(e.contains(needle), "{name}: {e}");
    }
    // Ids 7, 5, 7, 5: id 7 repeats first (node 2), though 5 is smaller.
    let four = good
        .replace("\"node_count\":3", "\"node_count\":4")
        .replace(
            "[9,0,1,0,2,0,0\n,3,1,3,40,0,0,0\n,2,2,5,16,0,0,1]",
            "[9,0,7,0,2,0,0\n,3,1,5,40,0,0,0\n,2,2,7,16,0,0,1\n,2,2,5,16,0,0,1]",
        );
    let e = err_in("order-dups.heapsnapshot", &four);
    assert!(e.contains("nodes 0 and 2 have the same id 7"), "{e}");
}

#[test]
fn meta_type_lists_match_the_fields_and_the_root_is_a_node() {
    let good = tiny(r#"["", "a", "b"]"#);
    let root = |at: u32| {
        good.replace(
            "\"trace_function_count\":0",
            &format!("\"trace_function_count\":0,\"root_index\":{at}"),
        )
    };
    let five_numbers = r#""number","number","number","number","number"]"#;
    for (name, text, needle) in [
        (
            "short-types",
            good.replace(five_numbers, r#""number","number"]"#),
            "snapshot.meta.node_types has 4 entries, but node_fields has 7",
        ),
        (
            "short-edge-types",
            good.replace(r#""string_or_number","node"]"#, r#""string_or_number"]"#),
            "snapshot.meta.edge_types has 2 entries, but edge_fields has 3",
        ),
        (
            "root-past",
            root(21),
            "snapshot.root_index 21 is not a node index",
        ),
        (
            "root-between",
            root(8),
            "snapshot.root_index 8 is not a node index",
        ),
        (
            "target-past",
            good.replace("[1,0,7,2,1,14]", "[1,0,7,2,1,21]"),
            "edge 1's to_node is 21, which is not a node: past the last one",
        ),
        (
            "target-between",
            good.replace("[1,0,7,2,1,14]", "[1,0,7,2,1,15]"),
            "edge 1's to_node is 15, which is not a node: not a multiple of the 7 fields",
        ),
    ] {
        let e = err_in(&format!("meta-{name}.heapsnapshot"), &text);
        assert!(e.contains(needle), "{name}: {e}");
    }
    let s = read_snapshot(write("root-14.heapsnapshot", &root(14)).to_str().unwrap()).unwrap();
    assert_eq!(s.root, 2);
}

/// Found by the first run of the `reader_framed` fuzz target (there, a fault
/// of the target, which framed the gzip seed in gzip again): a file
/// compressed twice is one clear error.
#[test]
fn a_file_compressed_twice_is_refused_clearly() {
    let gzip = |bytes: &[u8]| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, bytes).unwrap();
        gz.finish().unwrap()
    };
    let once = gzip(tiny(r#"["", "a", "b"]"#).as_bytes());
    for (name, twice) in [
        ("gzip", gzip(&once)),
        ("zstd", zstd::encode_all(&once[..], 1).unwrap()),
    ] {
        let e = read_snapshot_bytes(name, &twice, ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("at byte 0: not a heap snapshot: expected '{' (a JSON object), found byte 0x1f (compressed twice?)"),
            "{name}: {e}"
        );
    }
}

/// Found by the `reader_framed` fuzz target in CI: text that opens with the
/// first byte of a zstd frame or of a gzip stream, but not the rest of its
/// magic, is no file compressed twice: framed or plain, one error.
#[test]
fn a_compression_magic_byte_alone_is_no_second_framing() {
    for text in [&b"(.{}"[..], b"(\xb5/x{}", b"\x1f{}", b"\x1f\x8c{}"] {
        let plain = read_snapshot_bytes("plain", text, ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            plain.contains("not a heap snapshot: expected '{'"),
            "{plain}"
        );
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, text).unwrap();
        let framed = [gz.finish().unwrap(), zstd::encode_all(text, 1).unwrap()];
        for bytes in framed {
            let e = read_snapshot_bytes("plain", &bytes, ReadOptions::default())
                .unwrap_err()
                .to_string();
            assert_eq!(e, plain, "{text:?}");
        }
    }
}

/// Found by the `reader` and `reader_framed` fuzz targets: the error must
/// not depend on the size of the chunks the text is read in. A garbled
/// gzip stream gave its checksum error, or a JSON error in the text it
/// garbled, by chunk size (a decompressor drops the text of the read that
/// fails, and the reads were as large as the chunks); a nodes array with
/// more records than node_count was reported at the chunk it came in.
#[test]
fn errors_do_not_depend_on_the_chunk_size() {
    let good = tiny(r#"["", "a", "b"]"#);
    let big = good.replace(
        r#""strings":["", "a", "b"]"#,
        &format!(r#""strings":["", "a", "b"{}]"#, ", \"(text)\"".repeat(3000)),
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, big.as_bytes()).unwrap();
    let mut garbled = gz.finish().unwrap();
    let mid = garbled.len() * 3 / 4;
    garbled[mid..mid + 100].fill(2);
    let too_many = good.replace("\"node_count\":3", "\"node_count\":2");
    // And the inputs the fuzz targets found, kept in tests/fuzz-crashes/.
    let found = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz-crashes"))
        .unwrap()
        .map(|f| f.unwrap().path())
        .map(|p| (p.display().to_string(), std::fs::read(p).unwrap()));
    let made = [
        ("garbled.gz".to_string(), garbled),
        ("too-many".to_string(), too_many.into_bytes()),
    ];
    for (name, bytes) in made.into_iter().chain(found) {
        let read = |chunk_bytes| {
            let options = ReadOptions {
                chunk_bytes,
                ..ReadOptions::default()
            };
            read_snapshot_bytes(&name, &bytes, options).unwrap_err()
        };
        let whole = read(None);
        for chunk in [1, 7, 61, 4096, 1 + bytes.len() % 61] {
            assert_eq!(read(Some(chunk)), whole, "{name} in chunks of {chunk}");
        }
    }
}

/// A plain file is memory-mapped (chunks are ranges of the map), other
/// inputs are copied in chunks: both read the same columns and fail with the
/// same errors, at every chunk size.
#[test]
fn a_mapped_file_reads_as_its_bytes_do() {
    let good = tiny(r#"["", "a\u00e9", "b"]"#);
    let truncated = good[..good.len() * 2 / 3].to_string();
    let bad_type = good.replace("[9,0,1,0,2,0,0", "[99,0,1,0,2,0,0");
    let found = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz-crashes"))
        .unwrap()
        .map(|f| std::fs::read(f.unwrap().path()).unwrap());
    let made = [good, truncated, bad_type].map(String::into_bytes);
    for (k, bytes) in made.into_iter().chain(found).enumerate() {
        let path = write(&format!("mapped-{k}.heapsnapshot"), "");
        std::fs::write(&path, &bytes).unwrap();
        let path = path.to_str().unwrap();
        for chunk_bytes in [None, Some(1), Some(7), Some(61), Some(4096)] {
            let options = || ReadOptions {
                chunk_bytes,
                ..ReadOptions::default()
            };
            let mapped = heapscope_snapshot::read_snapshot_with(path, options());
            let copied = read_snapshot_bytes(path, &bytes, options());
            let what = format!("{path} in chunks of {chunk_bytes:?}");
            match (mapped, copied) {
                (Ok(m), Ok(c)) => {
                    assert_eq!(m.nodes.id, c.nodes.id, "{what}");
                    assert_eq!(m.nodes.first_edge, c.nodes.first_edge, "{what}");
                    assert_eq!(m.edges.to, c.edges.to, "{what}");
                    assert_eq!(m.strings.get(1), c.strings.get(1), "{what}");
                }
                (Err(m), Err(c)) => assert_eq!(m, c, "{what}"),
                (m, c) => panic!("{what}: mapped {:?}, copied {:?}", m.err(), c.err()),
            }
        }
    }
}
