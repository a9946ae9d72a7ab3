#!/usr/bin/env bash
# Benchmark: heapscope against DevTools (tools/devtools-oracle), memlab and the fastest Rust peer,
# on the same large snapshots, in one run. Prints wall time and peak RSS per tool
# and the ratios to heapscope. Timings, never assertions.
#
#   bench/run.sh [--sizes "0.85 2.7"] [--runs N] [--skip-devtools] [--skip-memlab]
#                [--skip-series] [--peer-bin PATH]
#
# Snapshots are made once with shared/oracle/bench/make-big.js into $BENCH_DIR
# (default /tmp/heapscope-bench): scale 0.85 is ~324 MB, 2.7 is ~1.05 GB.
# The Rust peer dinfuehr/heap-snapshot is used when --peer-bin (or $PEER_BIN) names
# its binary, or when PEER_SRC points at a checkout of it, which is then built
# under $BENCH_DIR/peer (never inside this repository).
# heapscope and the peer run N times (default 3; this VM varies by +-20%): the
# median wall time and the largest peak RSS are reported. DevTools and memlab
# run once. The series part makes three ~320 MB snapshots of one growing
# process (bench/make-series.js) and times `leaks` and `diff` against `summary`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
shared="${HEAPSCOPE_SHARED:-$repo/../shared}"
bench_dir="${BENCH_DIR:-/tmp/heapscope-bench}"
sizes="0.85 2.7"
skip_devtools=0
skip_memlab=0
skip_series=0
runs=3
peer_bin="${PEER_BIN:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes="$2"; shift 2 ;;
    --skip-devtools) skip_devtools=1; shift ;;
    --skip-memlab) skip_memlab=1; shift ;;
    --skip-series) skip_series=1; shift ;;
    --runs) runs="$2"; shift 2 ;;
    --peer-bin) peer_bin="$2"; shift 2 ;;
    *) echo "usage: bench/run.sh [--sizes \"0.85 2.7\"] [--runs N] [--skip-devtools] [--skip-memlab] [--skip-series] [--peer-bin PATH]" >&2; exit 2 ;;
  esac
done
. "$here/lib.sh"
mkdir -p "$bench_dir"
need_time

echo "== building heapscope (release)" >&2
(cd "$repo" && cargo build --release --locked -q)
hs="$repo/target/release/heapscope"

if [ -z "$peer_bin" ] && [ -n "${PEER_SRC:-}" ]; then
  peer_bin=$(build_peer "$PEER_SRC")
fi

for scale in $sizes; do
  file="$bench_dir/big-$scale.heapsnapshot"
  if [ ! -s "$file" ]; then
    echo "== making $file (scale $scale)" >&2
    node --expose-gc --max-old-space-size=14000 "$shared/oracle/bench/make-big.js" "$file" "$scale" >&2
  fi
  cat "$file" > /dev/null   # warm the page cache for every tool alike
  mb=$(( $(stat -L -c %s "$file") / 1000000 ))
  echo
  echo "## $(basename "$file"): $mb MB"
  printf '%-44s %10s %12s %14s %12s\n' tool "wall (s)" "peak RSS MB" "time vs hs" "RSS vs hs"
  read -r hs_wall hs_rss < <(measure_runs "heapscope-$scale" "$hs" summary "$file" --json)
  printf '%-44s %10s %12s %14s %12s\n' "heapscope summary --json (median of $runs)" "$hs_wall" "$hs_rss" "1.0x" "1.0x"
  row() {
    local name="$1" wall="$2" rss="$3"
    if [ "$wall" = failed ]; then
      printf '%-44s %10s %12s\n' "$name" failed -
    else
      printf '%-44s %10s %12s %13sx %11sx\n' "$name" "$wall" "$rss" \
        "$(awk -v a="$wall" -v b="$hs_wall" 'BEGIN{printf "%.1f", a/b}')" \
        "$(awk -v a="$rss" -v b="$hs_rss" 'BEGIN{printf "%.1f", a/b}')"
    fi
  }
  # The investigation commands on the same file: whole runs, and the time a
  # query takes once the snapshot is loaded (HEAPSCOPE_TIMINGS).
  read -r w r < <(measure "packages-$scale" "$hs" packages "$file" --json)
  row "heapscope packages --json" "$w" "$r"
  read -r w r < <(measure "strings-$scale" "$hs" strings "$file" --json)
  row "heapscope strings --json" "$w" "$r"
  id=$("$hs" top "$file" --json --limit 4 | python3 -c 'import json,sys; print(json.load(sys.stdin)["top_retained"][3]["id"])')
  for q in "inspect @$id --json" "retainers @$id --json" "dominators --json" "dominators @$id --json"; do
    set -- $q
    cmd="$1"; shift
    ms=$(HEAPSCOPE_TIMINGS=1 "$hs" "$cmd" "$file" "$@" 2>&1 >/dev/null | awk '/command after loading/ {print $2}')
    printf '   query after loading: %-34s %8s ms\n' "$cmd $*" "$ms"
  done
  if [ -n "$peer_bin" ]; then
    read -r w r < <(measure_runs "peer-$scale" "$peer_bin" summary "$file")
    row "dinfuehr/heap-snapshot summary (median)" "$w" "$r"
  fi
  if [ "$skip_devtools" = 0 ]; then
    read -r w r < <(measure "devtools-$scale" bash "$repo/tools/devtools-oracle/devtools-oracle.sh" "$file" --quiet --dup-strings 0)
    row "DevTools oracle (chrome-devtools-frontend)" "$w" "$r"
    if [ "$w" != failed ]; then
      same_as_devtools "$bench_dir/out.heapscope-$scale" "$bench_dir/out.devtools-$scale" || true
    fi
  fi
  if [ "$skip_memlab" = 0 ]; then
    read -r w r < <(measure "memlab-$scale" bash "$shared/oracle/memlab/memlab-oracle.sh" "$file")
    row "memlab oracle" "$w" "$r"
  fi
done

if [ "$skip_series" = 0 ]; then
  series="$bench_dir/series"
  if [ ! -s "$series/s3.heapsnapshot" ]; then
    echo "== making three snapshots of one growing process in $series" >&2
    mkdir -p "$series"
    node --expose-gc --max-old-space-size=14000 "$here/make-series.js" "$series" 1 >&2
  fi
  cat "$series"/s*.heapsnapshot > /dev/null
  mb=$(( $(stat -L -c %s "$series/s3.heapsnapshot") / 1000000 ))
  echo
  echo "## three snapshots of one growing process (s3: $mb MB)"
  printf '%-44s %10s %12s %14s\n' command "wall (s)" "peak RSS MB" "vs summary"
  read -r hs_wall hs_rss < <(measure_runs "series-summary" "$hs" summary "$series/s3.heapsnapshot" --json)
  printf '%-44s %10s %12s %14s\n' "heapscope summary s3 (median of $runs)" "$hs_wall" "$hs_rss" "1.0x"
  ratio() { awk -v a="$1" -v b="$hs_wall" 'BEGIN{printf "%.1fx", a/b}'; }
  read -r w r < <(measure_runs "series-diff" "$hs" diff "$series/s1.heapsnapshot" "$series/s3.heapsnapshot" --json)
  printf '%-44s %10s %12s %14s\n' "heapscope diff s1 s3 (median)" "$w" "$r" "$(ratio "$w")"
  read -r w r < <(measure_runs "series-leaks" "$hs" leaks "$series/s1.heapsnapshot" "$series/s2.heapsnapshot" "$series/s3.heapsnapshot" --json)
  printf '%-44s %10s %12s %14s\n' "heapscope leaks s1 s2 s3 (median)" "$w" "$r" "$(ratio "$w")"
  python3 - "$bench_dir/out.series-leaks" <<'PY'
import json, sys
top = json.load(open(sys.argv[1]))["suspects"][:1]
print("   top suspect:", top[0]["class"] if top else "none")
PY
fi
