#!/usr/bin/env bash
# Benchmark: `heapscope capture` against the target writing the same heap itself
# with v8.writeHeapSnapshot. Each measurement uses a fresh target process
# (bench/capture-target.js, ~300 MB heap at the default scale 0.7).
# Prints wall time, heapscope's own peak RSS (/usr/bin/time -v) and the target's
# peak RSS growth (VmHWM after resetting it through /proc/PID/clear_refs).
#
#   bench/capture.sh [--scale 0.7] [--runs 1] [--bin PATH]
#
# Goals: heapscope's peak RSS < 50 MB; wall within 10% of writeHeapSnapshot.
# Timings, never assertions. Snapshots go to $BENCH_DIR (default /tmp/heapscope-capture-bench).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
scale=0.7
runs=1
bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    *) echo "usage: bench/capture.sh [--scale 0.7] [--runs 1] [--bin PATH]" >&2; exit 2 ;;
  esac
done
if [ -z "$bin" ]; then
  (cd "$repo" && cargo build --release -q -p heapscope)
  bin="${CARGO_TARGET_DIR:-$repo/target}/release/heapscope"
fi
[ -x /usr/bin/time ] || { echo "bench/capture.sh needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
work="${BENCH_DIR:-/tmp/heapscope-capture-bench}"
mkdir -p "$work"
target_pid=""
cleanup() { [ -n "$target_pid" ] && kill "$target_pid" 2>/dev/null; rm -f "$work"/*.heapsnapshot "$work"/*.partial; }
trap cleanup EXIT

# Starts a target; sets target_pid, ws_url, heap_used and the coprocess fds.
start_target() {
  rm -f "$work/stderr"
  coproc TARGET { exec node --expose-gc --max-old-space-size=16000 --inspect=127.0.0.1:0 \
    "$here/capture-target.js" "$scale" 2>"$work/stderr"; }
  target_pid=$TARGET_PID
  local line
  read -r -t 300 line <&"${TARGET[0]}"
  heap_used="${line#ready }"
  ws_url="$(grep -o 'ws://[^ ]*' "$work/stderr" | head -1)"
}

stop_target() {
  kill "$target_pid" 2>/dev/null || true
  wait "$target_pid" 2>/dev/null || true
  target_pid=""
}

# Resets the target's peak RSS; prints its current RSS in kB.
reset_peak() {
  echo 5 > "/proc/$target_pid/clear_refs"
  awk '/^VmRSS/ {print $2}' "/proc/$target_pid/status"
}

peak_kb() { awk '/^VmHWM/ {print $2}' "/proc/$target_pid/status"; }

mb() { awk -v kb="$1" 'BEGIN { printf "%.0f MB", kb / 1024 }'; }

echo "heapscope capture benchmark: $(nproc) cores, node $(node --version), scale $scale"
for run in $(seq 1 "$runs"); do
  start_target
  echo "run $run: target heap used $((heap_used / 1000000)) MB"
  before=$(reset_peak)
  /usr/bin/time -v "$bin" capture --ws "$ws_url" -o "$work/capture.heapsnapshot" \
    > "$work/capture.out" 2> "$work/capture.time"
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/capture.time" | awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/capture.time")
  growth=$(( $(peak_kb) - before ))
  size=$(stat -c %s "$work/capture.heapsnapshot")
  printf '  heapscope capture     wall %6.2f s  heapscope peak RSS %s  target peak RSS +%s  file %d MB\n' \
    "$wall" "$(mb "$rss")" "$(mb "$growth")" $((size / 1000000))
  capture_wall=$wall
  rm -f "$work/capture.heapsnapshot"
  stop_target

  start_target
  before=$(reset_peak)
  echo "write $work/written.heapsnapshot" >&"${TARGET[1]}"
  read -r -t 600 line <&"${TARGET[0]}"
  wall="${line#written }"
  growth=$(( $(peak_kb) - before ))
  size=$(stat -c %s "$work/written.heapsnapshot")
  printf '  v8.writeHeapSnapshot  wall %6.2f s  (in the target)          target peak RSS +%s  file %d MB\n' \
    "$wall" "$(mb "$growth")" $((size / 1000000))
  awk -v a="$capture_wall" -v b="$wall" 'BEGIN { printf "  capture / writeHeapSnapshot wall: %.2f\n", a / b }'
  rm -f "$work/written.heapsnapshot"
  stop_target
done
