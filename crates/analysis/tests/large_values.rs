//! Sizes past 32 bits, end to end: a snapshot holding a 5 GB object and a
//! 2^40-byte backing store reads, re-attributes and sums them exactly
//! (Summary, retained sizes, Statistics, the largest objects), where a 32-bit
//! column would have wrapped them (5,000,000,000 → 705,032,704).

use heapscope_analysis::Analysis;

const META: &str = r#"{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape"],"string","number","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"]}"#;

const FIVE_GB: u64 = 5_000_000_000;
const TWO_40: u64 = 1 << 40;

/// root → (GC roots) → Holder (5 GB) → ArrayBuffer (2^40 bytes, native).
fn snapshot() -> Analysis {
    let text = format!(
        "{{\"snapshot\":{{\"meta\":{META},\"node_count\":5,\"edge_count\":4}},\n\
         \"nodes\":[9,0,1,0,1,0,0, 9,1,3,0,1,0,0, 3,2,5,{FIVE_GB},1,0,0, 3,3,7,64,1,0,0, 8,4,9,{TWO_40},0,0,0],\n\
         \"edges\":[5,1,7, 1,0,14, 2,5,21, 3,6,28],\n\
         \"strings\":[\"\",\"(GC roots)\",\"Holder\",\"ArrayBuffer\",\"system / JSArrayBufferData\",\"big\",\"backing_store\"]}}"
    );
    let dir = std::env::temp_dir().join(format!("heapscope-large-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("large.heapsnapshot");
    std::fs::write(&path, text).unwrap();
    let snap = heapscope_snapshot::read_snapshot(path.to_str().unwrap()).unwrap();
    Analysis::new(snap)
}

#[test]
fn sizes_past_32_bits_sum_exactly_in_every_view() {
    let a = snapshot();
    let total = FIVE_GB + 64 + TWO_40;
    let summary = a.summary();
    assert_eq!(summary.total_self_size, total);
    let row = |name: &str| {
        summary
            .classes
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(row("Holder").self_size, FIVE_GB);
    assert_eq!(row("Holder").retained_size, total);
    assert_eq!(row("system / JSArrayBufferData").self_size, TWO_40);
    assert_eq!(a.retained[a.snap.root as usize], total);
    assert_eq!(a.total_size() as u64, total);
    let stats = a.statistics();
    assert_eq!(stats.total as u64, total);
    let top = a.top_nodes(1, |_| true);
    assert_eq!(a.brief(top[0]).retained_size, total);
    let holder = a.node_by_id(5).unwrap();
    assert_eq!(a.brief(holder).self_size, FIVE_GB);
    assert_eq!(a.brief(a.node_by_id(9).unwrap()).self_size, TWO_40);
}
