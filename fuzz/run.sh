#!/usr/bin/env bash
# Runs each fuzz target for a bounded time: fuzz/run.sh [SECONDS] [TARGET...]
# (60 s per target by default; all targets unless named). Needs a nightly
# toolchain and cargo-fuzz (installed from crates.io when missing); without a
# nightly it prints "skipped: ..." and exits 0. Corpora grow in fuzz/corpus/
# (kept between runs, not committed), seeded from fuzz/seeds/ (small snapshots
# cut from the fixtures by make-seeds.py) and, with FUZZ_FIXTURES=1, from the
# repository's fixtures, decompressed into fuzz/fixtures/. A crash leaves its
# input in fuzz/artifacts/TARGET/ and makes the script exit 1. One line per
# target at the end: executions, time, crashes. FUZZ_SEED=N fixes libFuzzer's
# seed (CI sets it: on a fresh corpus the run is then the same inputs in the
# same order, a prefix of a longer run with that seed made before landing;
# without it every run searches somewhere new).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(reader reader_framed analysis)

say() { echo "fuzz: $*" >&2; }

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz: skipped: no nightly Rust toolchain (cargo fuzz needs one: rustup toolchain install nightly)"
  exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  say "installing cargo-fuzz from crates.io"
  if ! cargo install --locked cargo-fuzz >/dev/null 2>&1; then
    echo "fuzz: skipped: cargo-fuzz is not installed and could not be (cargo install cargo-fuzz)"
    exit 0
  fi
fi

# Release build with debug assertions and overflow checks, AddressSanitizer
# (cargo fuzz's default). One job: the machine is shared.
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
say "building the targets ($(cargo +nightly --version))"
# cargo fuzz builds one target or all: all when several are named.
build=()
[ ${#targets[@]} -eq 1 ] && build=("${targets[0]}")
if ! cargo +nightly fuzz build -O -a ${build[@]+"${build[@]}"} >build.log 2>&1; then
  tail -20 build.log >&2
  exit 1
fi
rm -f build.log

# With FUZZ_FIXTURES=1, the fixtures, decompressed, join the reader's
# corpus (~4.5 MB each: a few executions a second, so not by default).
if [ "${FUZZ_FIXTURES:-0}" = 1 ]; then
  mkdir -p fixtures
  for f in ../tests/fixtures/*.heapsnapshot.gz; do
    out="fixtures/$(basename "$f" .gz)"
    [ -s "$out" ] || gzip -dc "$f" >"$out"
  done
fi

status=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  dirs=("corpus/$t" seeds)
  # Inputs over 256 kB are only the full fixtures (FUZZ_FIXTURES=1): the
  # reader reads them; the rest works on the seeds and what grows from them.
  max_len=262144
  if [ "$t" = reader ] && [ -d fixtures ] && [ "${FUZZ_FIXTURES:-0}" = 1 ]; then
    dirs+=(fixtures)
    max_len=5000000
  fi
  log="corpus/$t.log"
  # Memory stays bounded by the input's size: 2 GB of RSS at most, no single
  # allocation over 512 MB (a header's counts must not allocate up front).
  if cargo +nightly fuzz run -O -a "$t" "${dirs[@]}" -- \
    -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 -malloc_limit_mb=512 \
    -timeout=20 -print_final_stats=1 -artifact_prefix="artifacts/$t/" \
    ${FUZZ_SEED:+-seed="$FUZZ_SEED"} >"$log" 2>&1; then
    result=ok
  else
    result="CRASH (input in fuzz/artifacts/$t/, log in fuzz/$log)"
    status=1
    tail -40 "$log" >&2
  fi
  runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log" | tail -1)
  secs=$(awk '/stat::peak_rss_mb/ { rss = $2 } END { print rss }' "$log")
  summary+=("fuzz: $t: ${runs:-?} executions in ${seconds} s, peak RSS ${secs:-?} MB, corpus $(ls "corpus/$t" | wc -l) inputs: $result")
done
printf '%s\n' "${summary[@]}"
exit $status
