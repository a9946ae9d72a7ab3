#!/usr/bin/env bash
# heapscope's browser checks for tests: runs one of the scripts here
# (check-report.mjs, check-serve.mjs) in Debian's chromium through
# playwright-core, printing its findings as one JSON line.
#
#   run.sh check-report.mjs REPORT.html SCREENSHOT.png
#   run.sh check-serve.mjs URL SCREENSHOT_PREFIX
#
# First use runs `npm ci` here (tools/npm-ci-once.sh; node_modules is git-ignored).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
chromium="${HEAPSCOPE_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  echo "browser-tests: no chromium at $chromium (apt-get install chromium, or set HEAPSCOPE_CHROMIUM)" >&2
  exit 3
fi
"$here/../../tools/npm-ci-once.sh" "$here" browser-tests
script="$1"; shift
exec timeout 180 node "$here/$script" "$@"
