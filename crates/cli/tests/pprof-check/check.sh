#!/usr/bin/env bash
# heapscope's independent pprof check for tests: decodes a gzipped pprof file
# with the npm package pprof-format and prints its totals as JSON (check.js).
#
#   check.sh FILE.pb.gz     > totals.json
#
# First use runs `npm ci` here (tools/npm-ci-once.sh; node_modules is git-ignored).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/../../../../tools/npm-ci-once.sh" "$here" pprof-check
exec node "$here/check.js" "$@"
