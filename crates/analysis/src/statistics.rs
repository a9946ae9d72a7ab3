//! DevTools' Statistics view (spec §5): the heap split into code, strings, JS
//! arrays, typed arrays, system objects and the rest.

use crate::Analysis;
use serde::Serialize;

/// Field names match the DevTools oracle's `statistics` object.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Statistics {
    #[serde(serialize_with = "crate::json::js_number")]
    pub total: f64,
    pub code: u64,
    pub strings: u64,
    pub js_arrays: u64,
    pub typed_arrays: u64,
    pub system_objects: u64,
    #[serde(serialize_with = "crate::json::js_number")]
    pub other_js_objects: f64,
    #[serde(serialize_with = "crate::json::js_number")]
    pub other_non_js_objects: f64,
    #[serde(serialize_with = "crate::json::js_number")]
    pub extra_native_bytes: f64,
}

impl Analysis {
    pub fn statistics(&self) -> Statistics {
        let snap = &self.snap;
        let nt = snap.node_types;
        let internal = snap.edge_types.internal;
        let mut native = snap.extra_native_bytes;
        let (mut typed, mut code, mut strings, mut arrays, mut system) =
            (0u64, 0u64, 0u64, 0u64, 0u64);
        for v in 0..snap.node_count() {
            let s = snap.nodes.self_size[v] as u64;
            let ty = snap.nodes.ty[v];
            if ty == nt.hidden {
                system += s;
            } else if ty == nt.native {
                native += s as f64;
                if snap.node_name(v as u32) == "system / JSArrayBufferData" {
                    typed += s;
                }
            } else if ty == nt.code {
                code += s;
            } else if ty == nt.string || ty == nt.cons_string || ty == nt.sliced_string {
                strings += s;
            } else if snap.node_name(v as u32) == "Array" {
                let mut size = s;
                for e in snap.edge_range(v as u32) {
                    if snap.edges.ty[e] != internal
                        || snap.strings.get(snap.edges.name_or_index[e]) != "elements"
                    {
                        continue;
                    }
                    let target = snap.edges.to[e];
                    if self.retainers.count(target) == 1 {
                        size += snap.nodes.self_size[target as usize] as u64;
                    }
                    break;
                }
                arrays += size;
            }
        }
        let total = self.total_size();
        let v8heap = total - native;
        Statistics {
            total,
            code,
            strings,
            js_arrays: arrays,
            typed_arrays: typed,
            system_objects: system,
            other_js_objects: v8heap - code as f64 - strings as f64 - arrays as f64 - system as f64,
            other_non_js_objects: native - typed as f64,
            extra_native_bytes: snap.extra_native_bytes,
        }
    }
}
