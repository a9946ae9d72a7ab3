#!/usr/bin/env bash
# Benchmark `heapscope load` against wrk and autocannon, on a Node `http`
# hello-world server and on nginx serving a small file, with and without
# pipelining. Everything runs on 127.0.0.1. Not part of the tests.
#
#   apt-get update && apt-get install -y wrk nginx
#   npm install --prefix /tmp/autocannon autocannon
#   cargo build --release -p heapscope
#   bench/load.sh [DURATION_S] [CONNECTIONS] [PIPELINING]   # defaults 10 50 10
#
# Prints one row per run: req/s, p99 latency, the generator's own CPU
# seconds (user+sys) and peak RSS (max resident set = VmHWM), from
# /usr/bin/time. Nothing is pinned; on a 2-core machine the generator and
# the server share the cores.
set -euo pipefail
D=${1:-10}
C=${2:-50}
P=${3:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HS=${HEAPSCOPE:-$ROOT/target/release/heapscope}
AC=${AUTOCANNON:-/tmp/autocannon/node_modules/.bin/autocannon}
WORK=$(mktemp -d /tmp/heapscope-load-bench.XXXXXX)
NODE_PORT=18081
NGINX_PORT=18080
TOOLS=${TOOLS:-"heapscope wrk autocannon"}   # THREADS=2 tries heapscope's multi-thread runtime

cleanup() {
    [[ -n "${NODE_PID:-}" ]] && kill "$NODE_PID" 2>/dev/null || true
    [[ -f $WORK/nginx.pid ]] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
}
trap cleanup EXIT

# --- servers -------------------------------------------------------------
cat >"$WORK/hello.js" <<JS
require('http').createServer((req, res) => res.end('hello world'))
  .listen($NODE_PORT, '127.0.0.1');
setTimeout(() => process.exit(0), 3600e3);
JS
node "$WORK/hello.js" & NODE_PID=$!

mkdir -p "$WORK/www" "$WORK/nginx"
head -c 256 /dev/zero | tr '\0' 'x' >"$WORK/www/small.txt"
cat >"$WORK/nginx.conf" <<NGX
worker_processes 1;
daemon on;
pid $WORK/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx;
  fastcgi_temp_path $WORK/nginx; uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
  keepalive_requests 100000000;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/www; }
}
NGX
nginx -c "$WORK/nginx.conf" -p "$WORK/nginx"
sleep 1

cat >"$WORK/pipeline.lua" <<LUA
init = function(args)
  local r = {}
  for i = 1, $P do r[i] = wrk.format(nil) end
  req = table.concat(r)
end
request = function() return req end
LUA

# --- one run: prints "req/s p99_ms cpu_s rss_mb" ---------------------------
measure() { # out-file cmd...
    local out=$1; shift
    /usr/bin/time -f "TIME %U %S %M" -o "$out.time" "$@" >"$out" 2>"$out.err" || true
    cat "$out" "$out.err" "$out.time" >>"$WORK/raw.txt"
}

run_tool() { # tool url pipelining
    local tool=$1 url=$2 p=$3 out=$WORK/out
    case $tool in
    heapscope)
        measure "$out" "$HS" load -c "$C" -p "$p" -d "${D}s" --threads "${THREADS:-1}" --json "$url"
        python3 - "$out" <<'PY'
import json,sys; r=json.load(open(sys.argv[1]))
print(f"{r['throughput']['requests_per_s']:.0f} {r['latency_us']['p99']/1e3:.2f}")
PY
        ;;
    wrk)
        local script=()
        [[ $p -gt 1 ]] && script=(-s "$WORK/pipeline.lua")
        measure "$out" wrk -t1 -c "$C" -d "${D}s" --latency "${script[@]}" "$url"
        awk '/^Requests\/sec/ {r=$2} /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; l=v} END {printf "%.0f %.2f\n", r, l}' "$out"
        ;;
    autocannon)
        measure "$out" node "$AC" -c "$C" -p "$p" -d "$D" -j "$url"
        python3 - "$out" <<'PY'
import json,sys; r=json.load(open(sys.argv[1]))
print(f"{r['requests']['total']/r['duration']:.0f} {r['latency']['p99']:.2f}")
PY
        ;;
    esac
    awk '/^TIME/ {printf "%.2f %.1f\n", $2+$3, $4/1024}' "$out.time"
}

echo "# heapscope load benchmark $(date -u +%F) on $(nproc) cores; -c $C, ${D}s, pipelining $P; $(uname -r)"
printf "%-8s %-5s %-11s %9s %9s %7s %8s\n" target pipe tool req/s p99_ms cpu_s rss_MB
for target in node nginx; do
    url=http://127.0.0.1:$NODE_PORT/
    [[ $target == nginx ]] && url=http://127.0.0.1:$NGINX_PORT/small.txt
    for p in 1 "$P"; do
        for tool in $TOOLS; do
            echo "== $target p=$p $tool" >>"$WORK/raw.txt"
            { read -r rps p99; read -r cpu rss; } < <(run_tool "$tool" "$url" "$p")
            printf "%-8s %-5s %-11s %9s %9s %7s %8s\n" "$target" "$p" "$tool" "$rps" "$p99" "$cpu" "$rss"
        done
    done
done
echo "# raw output: $WORK/raw.txt"
