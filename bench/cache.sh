#!/usr/bin/env bash
# The analysis cache on one large snapshot: the first command (which analyzes
# and writes the entry) against --no-cache, then every command on the mapped
# entry. Timings, never assertions.
#
#   bench/cache.sh [SNAPSHOT]
#
# Without SNAPSHOT it uses (and makes once, with shared/oracle/bench/make-big.js at
# scale 2.7) $BENCH_DIR/big-2.7.heapsnapshot (~1.05 GB). The cache goes to a
# folder of its own under $BENCH_DIR, removed at the end.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
bench_dir="${BENCH_DIR:-/tmp/heapscope-bench}"
file="${1:-$bench_dir/big-2.7.heapsnapshot}"
mkdir -p "$bench_dir"
if [ ! -s "$file" ]; then
  shared="${HEAPSCOPE_SHARED:-$repo/../shared}"
  echo "== making $file" >&2
  node --expose-gc --max-old-space-size=14000 "$shared/oracle/bench/make-big.js" "$file" 2.7 >&2
fi
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
(cd "$repo" && cargo build --release --locked -q)
hs="$repo/target/release/heapscope"
export HEAPSCOPE_CACHE_DIR="$bench_dir/cache-bench.$$"
trap 'rm -rf "$HEAPSCOPE_CACHE_DIR"' EXIT
cat "$file" >/dev/null

# run LABEL ARGS...: one line "label  wall s  peak RSS MB".
run() {
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$bench_dir/time.cache" "$hs" "$@" >/dev/null 2>"$bench_dir/err.cache" || {
    cat "$bench_dir/err.cache" >&2; return 1; }
  read -r wall kb <"$bench_dir/time.cache"
  printf '%-46s %8s s %8d MB\n' "$label" "$wall" "$((kb / 1024))"
}

echo "== $file ($(du -h "$file" | cut -f1)), $(nproc) cores, $(git -C "$repo" rev-parse --short HEAD)"
run "summary --no-cache" summary "$file" --json --no-cache
run "summary, first (analyzes, writes the entry)" summary "$file" --json
entry=$(ls "$HEAPSCOPE_CACHE_DIR"/*.analysis)
echo "entry: $(du -h "$entry" | cut -f1)"
id=$("$hs" top "$file" --json --limit 4 | python3 -c 'import json,sys; print(json.load(sys.stdin)["top_retained"][3]["id"])')
run "summary (mapped)" summary "$file" --json
run "stats (mapped)" stats "$file" --json
run "top (mapped)" top "$file" --json
run "retainers @$id (mapped)" retainers "$file" "@$id" --json
run "inspect @$id (mapped)" inspect "$file" "@$id" --json
run "dominators (mapped)" dominators "$file" --json
run "packages (mapped)" packages "$file" --json
run "strings (mapped)" strings "$file" --json
run "diff FILE FILE (mapped twice)" diff "$file" "$file" --json
