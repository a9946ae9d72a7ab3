//! DevTools' Statistics view (spec §5): the heap split into code, strings, JS
//! arrays, typed arrays, system objects and the rest.

use crate::Analysis;
use serde::Serialize;

/// Field names match the DevTools oracle's `statistics` object.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Statistics {
    #[serde(serialize_with = "crate::engine::json::js_number")]
    pub total: f64,
    pub code: u64,
    pub strings: u64,
    pub js_arrays: u64,
    pub typed_arrays: u64,
    pub system_objects: u64,
    #[serde(serialize_with = "crate::engine::json::js_number")]
    pub other_js_objects: f64,
    #[serde(serialize_with = "crate::engine::json::js_number")]
    pub other_non_js_objects: f64,
    #[serde(serialize_with = "crate::engine::json::js_number")]
    pub extra_native_bytes: f64,
}

impl Analysis {
    /// The target of `v`'s first internal `elements` edge.
    fn elements_store(&self, v: u32) -> Option<u32> {
        let snap = &self.snap;
        let internal = snap.edge_types.internal;
        snap.edge_range(v)
            .find(|&e| {
                snap.edges.ty[e] == internal
                    && snap.strings.get(snap.edges.name_or_index[e]) == "elements"
            })
            .map(|e| snap.edges.to[e])
    }

    pub fn statistics(&self) -> Statistics {
        let snap = &self.snap;
        let nt = snap.node_types;
        let mut native = snap.extra_native_bytes;
        let (mut typed, mut code, mut strings, mut arrays, mut system) =
            (0u64, 0u64, 0u64, 0u64, 0u64);
        let mut stores: Vec<u32> = Vec::new();
        for v in 0..snap.node_count() {
            let s = snap.nodes.self_size.get(v);
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
                arrays += s;
                if let Some(target) = self.elements_store(v as u32) {
                    stores.push(target);
                }
            }
        }
        // An array's elements store counts with it when nothing else points to it.
        let mut counts = vec![0u8; snap.node_count()];
        let mut is_store = crate::engine::bitset::BitSet::new(snap.node_count());
        for &t in &stores {
            is_store.set(t as usize);
        }
        for &t in &snap.edges.to {
            if is_store.get(t as usize) {
                let c = &mut counts[t as usize];
                *c = c.saturating_add(1);
            }
        }
        for &t in &stores {
            if counts[t as usize] == 1 {
                arrays += snap.nodes.self_size.get(t as usize);
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
