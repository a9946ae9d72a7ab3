#!/usr/bin/env bash
# heapscope's DevTools reference harness: Chrome DevTools' own heap snapshot
# code (chrome-devtools-frontend, pinned in package-lock.json) run on a
# .heapsnapshot[.gz]; the Memory panel's numbers as JSON on stdout.
#
#   devtools-oracle.sh FILE [--diff LATER | --base EARLIER] [--top N] [--dup-strings N]
#                      [--nodes-tsv OUT] [--single-thread] [--quiet]      > out.json
#   devtools-oracle.sh --bundle-path     installs and bundles if needed, prints the
#                                        bundle's path (for tools/devtools-retainers.mjs)
#
# First use runs `npm ci --ignore-scripts` here and bundles DevTools' worker code
# into build/ (both git-ignored), under flock so parallel callers wait for one
# setup. Phase timings go to stderr. DEVTOOLS_ORACLE_HEAP_MB sets Node's
# --max-old-space-size (default 16384, enough for ~1 GB snapshots).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bundle="$here/build/devtools-heap-snapshot.mjs"
stamp="$here/node_modules/.package-lock.json"

setup() {
  if [ ! -f "$stamp" ] || [ "$here/package-lock.json" -nt "$stamp" ]; then
    echo "devtools-oracle: first use: npm ci (chrome-devtools-frontend, esbuild)" >&2
    (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
    touch "$stamp"
  fi
  if [ ! -f "$bundle" ] || [ "$here/bundle.mjs" -nt "$bundle" ] || [ "$stamp" -nt "$bundle" ]; then
    node "$here/bundle.mjs"
  fi
}

if command -v flock >/dev/null 2>&1; then
  exec 9>"$here/.setup.lock"
  flock 9
  setup
  exec 9>&-
else
  setup
fi

if [ "${1:-}" = "--bundle-path" ]; then
  [ $# -eq 1 ] || { echo "devtools-oracle: --bundle-path takes no other argument" >&2; exit 2; }
  printf '%s\n' "$bundle"
  exit 0
fi
exec node --max-old-space-size="${DEVTOOLS_ORACLE_HEAP_MB:-16384}" "$here/oracle.mjs" "$@"
