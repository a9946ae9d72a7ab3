//! Entry counts of collections on a hand-made snapshot: an array whose
//! backing store the snapshot leaves out (V8's shared empty store) has no
//! entries, which is where "empty array, then pushes" leaks start.

use heapscope_analysis::Analysis;
use heapscope_snapshot::read_snapshot;

const META: &str = r#"{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape"],"string","number","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"],"location_fields":["object_index","script_id","line","column"]}"#;

#[test]
fn an_array_without_a_backing_store_has_no_entries() {
    // root --.a--> Array (no elements edge); root --.b--> Array --elements--> (2 strings)
    let text = format!(
        "{{\"snapshot\":{{\"meta\":{META},\"node_count\":6,\"edge_count\":5,\"trace_function_count\":0}},\n\
         \"nodes\":[9,0,1,0,2,0,0, 3,1,3,16,0,0,0, 3,1,5,16,1,0,0, 1,0,7,32,2,0,0, 2,5,9,8,0,0,0, 2,5,11,8,0,0,0],\n\
         \"edges\":[2,2,7, 2,3,14, 3,4,21, 1,0,28, 1,1,35],\n\
         \"locations\":[],\n\"strings\":[\"\",\"Array\",\"a\",\"b\",\"elements\",\"x\"]}}"
    );
    let dir = std::env::temp_dir().join(format!("heapscope-entries-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("arrays.heapsnapshot");
    std::fs::write(&path, text).unwrap();
    let snap = read_snapshot(path.to_str().unwrap()).unwrap();
    let a = Analysis::new(snap);
    assert_eq!(a.entry_count(1), Some(0), "empty array");
    assert_eq!(a.entry_count(2), Some(2), "array with two elements");
    assert_eq!(a.entry_count(4), None, "a string is no collection");
    std::fs::remove_dir_all(&dir).unwrap();
}
