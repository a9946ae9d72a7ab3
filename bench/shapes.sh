#!/usr/bin/env bash
# Benchmark on several graph shapes: heapscope `summary` against the DevTools
# oracle (and the Rust peer dinfuehr/heap-snapshot when given) on three kinds of
# large snapshot, with heapscope's phase timings per shape. Timings, never
# assertions (except that a failed tool is reported as failed).
#
#   bench/shapes.sh [--scale S] [--runs N] [--skip-devtools] [--peer-bin PATH]
#
# The snapshots are made once into $BENCH_DIR (default /tmp/heapscope-bench):
#   big          shared/oracle/bench/make-big.js at 0.85*S (~324 MB at S=1): many small
#                objects in buckets, a Map, closures, arrays, typed arrays, strings
#   app          bench/make-app-heap.js at S (~300 MB): an express app grown by requests
#   collections  bench/make-collections-heap.js at S (~300 MB): Maps, Sets, WeakMaps,
#                WeakRefs, a FinalizationRegistry, a random graph with cycles, sliced
#                and cons strings, dictionary-mode objects
# For each shape: wall time and peak RSS (/usr/bin/time -v) of
# `HEAPSCOPE_TIMINGS=1 heapscope summary FILE --json --no-cache` (median of N runs,
# default 3; largest RSS), of the DevTools oracle (once) and of the peer (median);
# then one table of heapscope's phases (ms, median of the runs) across the shapes,
# with each phase's time relative to big, raw and per node.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
shared="${HEAPSCOPE_SHARED:-$repo/../shared}"
bench_dir="${BENCH_DIR:-/tmp/heapscope-bench}"
scale=1
runs=3
skip_devtools=0
peer_bin="${PEER_BIN:-}"
usage="usage: bench/shapes.sh [--scale S] [--runs N] [--skip-devtools] [--peer-bin PATH]"
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --skip-devtools) skip_devtools=1; shift ;;
    --peer-bin) peer_bin="$2"; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
awk -v s="$scale" 'BEGIN{ exit !(s + 0 > 0) }' || { echo "$usage" >&2; exit 2; }
. "$here/lib.sh"
mkdir -p "$bench_dir"
need_time
if [ -n "$peer_bin" ] && [ ! -x "$peer_bin" ]; then
  echo "shapes.sh: --peer-bin $peer_bin is not an executable" >&2; exit 2
fi

echo "== building heapscope (release)" >&2
(cd "$repo" && nice -n 10 cargo build --release --locked -q)
hs="$repo/target/release/heapscope"
# `--no-cache` keeps the analysis cache out of the timings; older binaries lack it.
no_cache=(--no-cache)
"$hs" --no-cache summary --help > /dev/null 2>&1 || { no_cache=(); echo "shapes.sh: this heapscope has no --no-cache; timing without it" >&2; }

big_scale=$(awk -v s="$scale" 'BEGIN{ printf "%g", 0.85 * s }')
gen_node=(nice -n 10 node --expose-gc --max-old-space-size=8192)
shapes=()
declare -A file_of
if [ -f "$shared/oracle/bench/make-big.js" ]; then
  shapes+=(big); file_of[big]="$bench_dir/big-$big_scale.heapsnapshot"
else
  echo "shapes.sh: no $shared/oracle/bench/make-big.js: the big shape is left out" >&2
fi
shapes+=(app collections)
file_of[app]="$bench_dir/app-$scale.heapsnapshot"
file_of[collections]="$bench_dir/collections-$scale.heapsnapshot"

# make SHAPE: the shape's snapshot, made once (written to a temporary name first, so an
# interrupted run never leaves a truncated snapshot behind for the next one).
make_snapshot() {
  local shape="$1" file="${file_of[$1]}" t0
  [ -s "$file" ] && return 0
  echo "== making $file" >&2
  t0=$(date +%s)
  case "$shape" in
    big) "${gen_node[@]}" "$shared/oracle/bench/make-big.js" "$file.part" "$big_scale" >&2 ;;
    app)
      bash "$repo/tools/npm-ci-once.sh" "$here/app" bench-app
      "${gen_node[@]}" "$here/make-app-heap.js" "$file.part" "$scale" >&2 ;;
    collections) "${gen_node[@]}" "$here/make-collections-heap.js" "$file.part" "$scale" >&2 ;;
  esac
  mv "$file.part" "$file"
  echo "   made in $(( $(date +%s) - t0 )) s" >&2
}

# header_count FILE KEY: node_count or edge_count from the snapshot's header.
header_count() { head -c 4000 "$1" | grep -o "\"$2\":[0-9]*" | head -1 | cut -d: -f2; }

for shape in "${shapes[@]}"; do
  make_snapshot "$shape"
done

echo "# heapscope on several graph shapes: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, node $(node --version)," \
  "heapscope $(git --no-optional-locks -C "$repo" rev-parse --short HEAD)$(git --no-optional-locks -C "$repo" diff --quiet HEAD -- crates || echo '+dirty'), runs=$runs, scale=$scale, load average $(cut -d" " -f1-3 /proc/loadavg)"
echo "# heapscope command: HEAPSCOPE_TIMINGS=1 heapscope ${no_cache[*]:+${no_cache[*]} }summary FILE --json"
[ -n "$peer_bin" ] || echo "# peer dinfuehr/heap-snapshot: not run (no --peer-bin)"
[ "$skip_devtools" = 0 ] || echo "# DevTools oracle: skipped (--skip-devtools)"
mismatches=()
for shape in "${shapes[@]}"; do
  file="${file_of[$shape]}"
  cat "$file" > /dev/null   # warm the page cache for every tool alike
  nodes=$(header_count "$file" node_count); edges=$(header_count "$file" edge_count)
  echo "$shape $nodes $edges" > "$bench_dir/shape.$shape"
  echo
  echo "## $shape: $(basename "$file"), $(( $(stat -L -c %s "$file") / 1000000 )) MB, $nodes nodes, $edges edges (load average $(cut -d" " -f1 /proc/loadavg))"
  printf '%-44s %10s %12s %12s %11s\n' tool "wall (s)" "peak RSS MB" "time vs hs" "RSS vs hs"
  read -r hs_wall hs_rss < <(HEAPSCOPE_TIMINGS=1 measure_runs "shape-hs-$shape" "$hs" "${no_cache[@]}" summary "$file" --json)
  if [ "$hs_wall" = failed ]; then
    printf '%-44s %10s\n' "heapscope summary --json" failed
    continue
  fi
  printf '%-44s %10s %12s %12s %11s\n' "heapscope summary --json (median of $runs)" "$hs_wall" "$hs_rss" "1.0x" "1.0x"
  row() {
    if [ "$2" = failed ]; then
      printf '%-44s %10s %12s\n' "$1" failed -
    else
      printf '%-44s %10s %12s %11sx %10sx\n' "$1" "$2" "$3" "$(ratio "$2" "$hs_wall")" "$(ratio "$3" "$hs_rss")"
    fi
  }
  if [ -n "$peer_bin" ]; then
    read -r w r < <(measure_runs "shape-peer-$shape" "$peer_bin" summary "$file")
    row "dinfuehr/heap-snapshot summary (median)" "$w" "$r"
  fi
  if [ "$skip_devtools" = 0 ]; then
    read -r w r < <(measure "shape-devtools-$shape" bash "$repo/tools/devtools-oracle/devtools-oracle.sh" "$file" --quiet --dup-strings 0)
    row "DevTools oracle (chrome-devtools-frontend)" "$w" "$r"
    if [ "$w" != failed ]; then
      same_as_devtools "$bench_dir/out.shape-hs-$shape" "$bench_dir/out.shape-devtools-$shape" || mismatches+=("$shape")
    fi
  fi
done

# The phase table: the phase lines heapscope wrote to stderr (HEAPSCOPE_TIMINGS), the
# median over the runs of each phase, per shape. A phase name met twice in one run
# (e.g. "(waited for side thread)") gets " #2".
echo
echo "## heapscope phases (ms, median of $runs runs; indented = inside the phase above or on a side thread)"
python3 - "$bench_dir" "$runs" "${shapes[@]}" <<'PY'
import re, statistics, sys, os
bench_dir, runs, shapes = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
line = re.compile(r"^heapscope:\s+([0-9.]+) ms(?:\s+\d+ MB rss\s+\d+ MB peak)?  (.*)$")
order, ms, nodes = [], {}, {}
for shape in shapes:
    p = os.path.join(bench_dir, f"shape.{shape}")
    if not os.path.exists(p):
        continue
    nodes[shape] = int(open(p).read().split()[1])
    for i in range(1, runs + 1):
        p = os.path.join(bench_dir, f"err.shape-hs-{shape}.{i}")
        if not os.path.exists(p):
            continue
        seen = {}
        for l in open(p):
            m = line.match(l.rstrip("\n"))
            if not m:
                continue
            name = m.group(2).rstrip()
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name += f" #{seen[name]}"
            if name not in order:
                order.append(name)
            ms.setdefault((name, shape), []).append(float(m.group(1)))
shapes = [s for s in shapes if s in nodes]
base = "big" if "big" in shapes else shapes[0]
others = [s for s in shapes if s != base]
med = {k: statistics.median(v) for k, v in ms.items()}
w = max([len(n) for n in order] + [5])
head = f"{'phase':<{w}}" + "".join(f" {s:>12}" for s in shapes)
head += "".join(f" {s + '/' + base:>{max(11, len(s + base) + 1)}} {'per node':>8}" for s in others)
print(head)
for name in order:
    row = f"{name:<{w}}"
    for s in shapes:
        v = med.get((name, s))
        row += f" {v:>12.1f}" if v is not None else f" {'-':>12}"
    for s in others:
        a, b = med.get((name, s)), med.get((name, base))
        cw = max(11, len(s + base) + 1)
        if a is None or b is None or b < 0.05 or max(a, b) < 1.0:   # no ratio of sub-millisecond phases
            row += f" {'-':>{cw}} {'-':>8}"
        else:
            r = a / b
            row += f" {r:>{cw - 1}.2f}x {r * nodes[base] / nodes[s]:>7.2f}x"
    print(row)
print(f"{'nodes':<{w}}" + "".join(f" {nodes[s]:>12}" for s in shapes))
print(f"(per node: the ratio scaled by the node counts, i.e. ms per node on the shape / ms per node on {base})")
PY

if [ "${#mismatches[@]}" -gt 0 ]; then
  echo
  echo "!!! heapscope's summary rows differ from DevTools' on: ${mismatches[*]} (see above) !!!"
fi
