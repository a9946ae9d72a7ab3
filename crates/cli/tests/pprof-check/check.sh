#!/usr/bin/env bash
# heapscope's independent pprof check for tests: decodes a gzipped pprof file
# with the npm package pprof-format and prints its totals as JSON (check.js).
#
#   check.sh FILE.pb.gz     > totals.json
#
# First use runs `npm ci` here (node_modules is git-ignored; run again when
# package-lock.json is newer), under flock so parallel tests install once.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
installed() { [ "$here/node_modules/.package-lock.json" -nt "$here/package-lock.json" ]; }
if ! installed; then
  exec 9>"$here/.npm-ci.lock"
  flock 9
  if ! installed; then
    echo "pprof-check: npm ci in $here" >&2
    (cd "$here" && timeout 600 npm ci --no-audit --no-fund --loglevel=error >&2)
    touch "$here/node_modules/.package-lock.json"
  fi
  exec 9>&-
fi
exec node "$here/check.js" "$@"
