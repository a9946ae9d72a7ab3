//! A software prefetch hint for the graph walks. On the heaps of real
//! applications an edge's target lies anywhere in memory, so a walk that
//! reads `first_edge[w]` or `pre[w]` just as it needs them waits for main
//! memory on nearly every step; asking for those lines a few steps ahead
//! overlaps the waits (bench/shapes.sh: app and collections shapes).

/// Asks the CPU to bring `slice[i]` into the cache; does nothing when `i`
/// is out of bounds or the target has no prefetch instruction. Never
/// changes what a walk computes.
#[inline(always)]
pub fn prefetch<T>(slice: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(item) = slice.get(i) {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: SSE (baseline on x86_64) has `prefetcht0`, which only hints
        // the cache and never faults; the address is a valid element anyway.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((item as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (slice, i);
}
