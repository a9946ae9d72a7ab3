# Helpers shared by bench/run.sh and bench/shapes.sh (sourced, not run).
# They use the caller's $bench_dir (where outputs go) and $runs (for measure_runs).

# need_time: /usr/bin/time (GNU time, for -v) is installed.
need_time() {
  [ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
}

# build_peer SRC: builds dinfuehr/heap-snapshot from a checkout SRC under
# $bench_dir/peer (never inside this repository); prints the binary's path.
build_peer() {
  echo "== building dinfuehr/heap-snapshot from $1 under $bench_dir/peer" >&2
  rm -rf "$bench_dir/peer" && git clone -q "$1" "$bench_dir/peer"
  (cd "$bench_dir/peer" && nice -n 10 cargo build --release --locked -q -j 2) >&2
  echo "$bench_dir/peer/target/release/heap-snapshot"
}

# measure LABEL CMD... : runs once, prints "wall_s rss_mb"; keeps stdout, stderr and
# the time -v report in $bench_dir/{out,err,time}.LABEL.
measure() {
  local label="$1"; shift
  local tfile="$bench_dir/time.$label.txt"
  if /usr/bin/time -v -o "$tfile" "$@" > "$bench_dir/out.$label" 2> "$bench_dir/err.$label"; then
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$tfile" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$tfile")
    echo "$wall $rss"
  else
    echo "failed failed"
    echo "   ($label failed; see $bench_dir/err.$label)" >&2
  fi
}

# measure_runs LABEL CMD... : $runs runs; prints "median_wall_s max_rss_mb". The
# stderr of run i is also kept as $bench_dir/err.LABEL.i (for phase timings).
measure_runs() {
  local label="$1"; shift
  local i w r out walls="" rss_max=0
  for i in $(seq "$runs"); do
    read -r w r < <(measure "$label" "$@")
    [ "$w" = failed ] && { echo "failed failed"; return; }
    cp "$bench_dir/err.$label" "$bench_dir/err.$label.$i"
    walls="$walls $w"
    [ "$r" -gt "$rss_max" ] && rss_max=$r
  done
  out=$(echo $walls | tr ' ' '\n' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$out $rss_max"
}

# ratio A B: A/B to one decimal.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.1f", a/b; else print "-" }'; }

# same_as_devtools OURS THEIRS: compares heapscope's `summary --json` rows with the
# DevTools oracle's; prints one line, and the first differing rows when they differ.
# Exit status 1 when they differ.
same_as_devtools() {
  python3 - "$1" "$2" <<'PY'
import json, sys
ours, theirs = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
a, b = ours["classes"], theirs["summary"]["classes"]
same = a == b
print(f"   summary rows identical to DevTools: {same} ({len(a)} classes here, {len(b)} in DevTools)")
if not same:
    print("   !!! MISMATCH between heapscope and DevTools summary rows !!!")
    bn = {r.get("class_key"): r for r in b}
    an = {r.get("class_key"): r for r in a}
    shown = 0
    for key in list(an) + [k for k in bn if k not in an]:
        if an.get(key) != bn.get(key):
            print(f"   heapscope: {json.dumps(an.get(key))}")
            print(f"   DevTools:  {json.dumps(bn.get(key))}")
            shown += 1
            if shown == 5:
                break
    if shown == 0:
        print("   (same rows, in a different order)")
    sys.exit(1)
PY
}
