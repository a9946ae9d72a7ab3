#!/usr/bin/env bash
# run.sh SCENARIO OUTDIR: one leak scenario end to end (see README.md).
# run.sh --install SCENARIO: only install its packages.
#
# Installs the scenario's pinned npm packages with `npm ci` when node_modules is missing or
# older than package-lock.json (serialized with flock, so parallel runs install once), then
# hands over to lib/run.js, which starts the server on 127.0.0.1, drives warm-up and two load
# rounds, writes OUTDIR/s1.heapsnapshot, s2.heapsnapshot, s3.heapsnapshot, truth.json and
# rss.csv, and stops everything it started. Exit status: 0 when the scenario's expectations
# held, 3 when one did not, 1 on an error, 2 on a usage error. Needs node (20), npm, flock and
# openssl.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
install_only=false
if [ "${1:-}" = --install ]; then
  install_only=true
  shift
fi
if [ $# -ne $([ $install_only = true ] && echo 1 || echo 2) ] || [ ! -f "$here/$1/scenario.json" ]; then
  names="$(cd "$here" && for d in */scenario.json; do printf '%s ' "${d%/scenario.json}"; done)"
  echo "usage: run.sh SCENARIO OUTDIR | run.sh --install SCENARIO   (SCENARIO: $names)" >&2
  exit 2
fi
dir="$here/$1"
# Installed, and from the lock file as it is now?
installed() { [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; }
if ! installed; then
  exec 9>"$dir/.npm-ci.lock"
  flock 9
  if ! installed; then
    echo "run.sh: npm ci in $dir" >&2
    (cd "$dir" && timeout 600 npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
  exec 9>&-
fi
[ $install_only = true ] && exit 0
exec node "$here/lib/run.js" "$dir" "$2"
