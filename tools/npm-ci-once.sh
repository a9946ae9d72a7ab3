#!/usr/bin/env bash
# Installs a test helper's npm packages once: `npm ci` in DIR when its
# node_modules is missing or older than its package-lock.json, under flock so
# that tests running in parallel install once.
#
#   tools/npm-ci-once.sh DIR LABEL
set -euo pipefail
dir="$1"; label="${2:-$(basename "$1")}"
installed() { [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; }
installed && exit 0
exec 9>"$dir/.npm-ci.lock"
flock 9
if ! installed; then
  echo "$label: npm ci in $dir" >&2
  (cd "$dir" && timeout 600 npm ci --no-audit --no-fund --loglevel=error >&2)
  touch "$dir/node_modules/.package-lock.json"
fi
