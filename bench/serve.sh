#!/usr/bin/env bash
# Benchmark of `heapscope serve` on a large snapshot: `summary`'s time on the
# same file (median of 3), then the web UI's first Summary page after start
# and the latencies of a scripted session (bench/serve-session.js), in one run.
# Timings, never assertions.
#
#   bench/serve.sh [SNAPSHOT…]   (default: $BENCH_DIR/big-2.7.heapsnapshot, ~1.05 GB,
#                                 made by bench/run.sh)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
bench_dir="${BENCH_DIR:-/tmp/heapscope-bench}"
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$bench_dir/big-2.7.heapsnapshot")
for f in "${files[@]}"; do [ -f "$f" ] || { echo "serve.sh: no $f (bench/run.sh makes it)" >&2; exit 2; }; done
(cd "$repo" && cargo build --release --locked -p heapscope >&2)
bin="$repo/target/release/heapscope"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $("$bin" --version)"
echo "file: ${files[0]} ($(du -h "${files[0]}" | cut -f1))"
walls=()
for _ in 1 2 3; do
  start=$(date +%s.%N)
  "$bin" summary "${files[0]}" --limit 1 >/dev/null
  walls+=("$(echo "$(date +%s.%N) - $start" | bc)")
done
median=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n 2p)
echo "summary: median ${median} s of ${walls[*]}"
node "$here/serve-session.js" "$bin" "${files[@]}"
