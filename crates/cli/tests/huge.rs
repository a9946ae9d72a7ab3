//! The largest input: a synthetic snapshot of about 14 GB of text, with more
//! than 2^32 bytes of strings (five 900 MB strings) and more than 2^31 values
//! in the edges array (716 million edges), generated while `heapscope
//! summary --json -` reads it from a pipe (it is never stored). The Summary
//! must be exact: every class's count and size, the total, the root's
//! retained size. Ignored by default (about 15 GB of memory and several
//! minutes); run it with
//!
//!     cargo test --release -p heapscope --test huge -- --ignored --nocapture

use serde_json::Value;
use std::io::{BufWriter, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

const META: &str = r#"{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape"],"string","number","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"]}"#;

/// The graph: root → (GC roots) → HUBS hubs and STRINGS strings; each hub
/// holds FAN element edges to leaves, spread over LEAVES leaves.
const HUBS: u64 = 1_000;
const FAN: u64 = 716_000;
const LEAVES: u64 = 1_000_000;
const STRINGS: u64 = 5;
const STRING_LEN: u64 = 900_000_000;
const HUB_SIZE: u64 = 100;
const LEAF_SIZE: u64 = 20;
const NF: u64 = 7;

fn node_count() -> u64 {
    2 + HUBS + LEAVES + STRINGS
}

fn edge_count() -> u64 {
    1 + HUBS + STRINGS + HUBS * FAN
}

/// Writes the snapshot to `out`; returns the bytes written.
fn generate(out: &mut impl Write) -> std::io::Result<u64> {
    let mut n = 0u64;
    let mut put = |out: &mut dyn Write, s: &[u8]| -> std::io::Result<()> {
        n += s.len() as u64;
        out.write_all(s)
    };
    let head = format!(
        "{{\"snapshot\":{{\"meta\":{META},\"node_count\":{},\"edge_count\":{}}},\n\"nodes\":[",
        node_count(),
        edge_count()
    );
    put(out, head.as_bytes())?;
    // root, (GC roots), hubs, leaves, strings (names 5…).
    let first_hub = 2;
    let first_leaf = first_hub + HUBS;
    let first_string = first_leaf + LEAVES;
    put(out, b"9,0,1,0,1,0,0")?;
    put(out, format!(",9,1,3,0,{},0,0", HUBS + STRINGS).as_bytes())?;
    for h in 0..HUBS {
        put(
            out,
            format!(",3,2,{},{HUB_SIZE},{FAN},0,0", 5 + 2 * h).as_bytes(),
        )?;
    }
    let mut line = String::new();
    for l in 0..LEAVES {
        line.clear();
        line.push_str(&format!(",3,3,{},{LEAF_SIZE},0,0,0", 5 + 2 * (HUBS + l)));
        put(out, line.as_bytes())?;
    }
    for s in 0..STRINGS {
        put(
            out,
            format!(
                ",2,{},{},{STRING_LEN},0,0,0",
                5 + s,
                5 + 2 * (HUBS + LEAVES + s)
            )
            .as_bytes(),
        )?;
    }
    put(out, b"],\n\"edges\":[")?;
    put(out, format!("5,4,{}", NF).as_bytes())?;
    for h in 0..HUBS {
        put(out, format!(",1,{h},{}", (first_hub + h) * NF).as_bytes())?;
    }
    for s in 0..STRINGS {
        put(
            out,
            format!(",1,{},{}", HUBS + s, (first_string + s) * NF).as_bytes(),
        )?;
    }
    let mut buf = String::with_capacity(1 << 20);
    for h in 0..HUBS {
        for j in 0..FAN {
            let leaf = first_leaf + (h * 7919 + j) % LEAVES;
            buf.push_str(&format!(",1,{},{}", j % 10, leaf * NF));
            if buf.len() > (1 << 20) - 64 {
                put(out, buf.as_bytes())?;
                buf.clear();
            }
        }
    }
    put(out, buf.as_bytes())?;
    put(
        out,
        b"],\n\"strings\":[\"\",\"(GC roots)\",\"Hub\",\"Leaf\",\"e\"",
    )?;
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..STRINGS {
        put(out, b",\"")?;
        let mut left = STRING_LEN;
        while left > 0 {
            let k = left.min(chunk.len() as u64) as usize;
            put(out, &chunk[..k])?;
            left -= k as u64;
        }
        put(out, b"\"")?;
    }
    put(out, b"]}\n")?;
    out.flush()?;
    Ok(n)
}

#[test]
#[ignore = "about 15 GB of memory and several minutes: run with --ignored"]
fn a_snapshot_past_every_32_bit_limit_reads_exactly() {
    assert!(edge_count() * 3 > 1 << 31, "more than 2^31 edge values");
    const _: () = assert!(
        STRINGS * STRING_LEN > 1 << 32,
        "more than 2^32 bytes of strings"
    );
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .args(["summary", "--json", "--limit", "10", "-"])
        .env("HEAPSCOPE_TIMINGS", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let writer =
        std::thread::spawn(move || generate(&mut BufWriter::with_capacity(1 << 22, stdin)));
    let out = child.wait_with_output().unwrap();
    let written = writer.join().unwrap().unwrap();
    let seconds = started.elapsed().as_secs_f64();
    assert!(out.status.success());
    assert!(written > 1 << 32, "more than 2^32 bytes of text");
    eprintln!(
        "huge: {written} bytes of text, {} nodes, {} edges, read and summarized in {seconds:.1} s",
        node_count(),
        edge_count()
    );
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    let strings = STRINGS * STRING_LEN;
    let total = HUBS * HUB_SIZE + LEAVES * LEAF_SIZE + strings;
    assert_eq!(s["total_self_size"], total);
    assert_eq!(s["total_count"], HUBS + LEAVES + STRINGS);
    let row = |name: &str| -> &Value {
        s["classes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(row("(string)")["count"], STRINGS);
    assert_eq!(row("(string)")["self_size"], strings);
    assert_eq!(row("Hub")["count"], HUBS);
    assert_eq!(row("Leaf")["count"], LEAVES);
    assert_eq!(row("Leaf")["self_size"], LEAVES * LEAF_SIZE);
    // Leaves have many hubs: the root dominates them; each hub retains itself.
    assert_eq!(row("Hub")["retained_size"], HUBS * HUB_SIZE);
}
