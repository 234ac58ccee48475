#!/usr/bin/env bash
# Installs the real n8n (2.8.4: the newest that runs on Node 20, shared/DEPENDENCIES.md) for the
# end-to-end test, in its own directory OUTSIDE the workspace so the repository's lockfile never
# sees its ~2,000 packages. Prints the path of the n8n binary on its last line.
# Idempotent: a directory that already holds a working n8n 2.8.4 is reused.
set -euo pipefail

N8N_VERSION=2.8.4
dir="${GREENLIGHT_N8N_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/greenlight-n8n}"
bin="$dir/node_modules/.bin/n8n"
# Written last, so an install that failed half-way (e.g. sqlite3's native build) is redone.
marker="$dir/.greenlight-n8n-$N8N_VERSION-complete"

if [ -f "$marker" ] && [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null | tail -n 1)" = "$N8N_VERSION" ]; then
  echo "n8n $N8N_VERSION already installed in $dir" >&2
  echo "$bin"
  exit 0
fi

mkdir -p "$dir"
cd "$dir"
cat >package.json <<JSON
{ "name": "greenlight-n8n-runtime", "private": true, "dependencies": { "n8n": "$N8N_VERSION" } }
JSON
# The overrides pin transitive versions this registry has (newer ones are missing or need Node 22);
# sqlite3 is n8n's default database and must build its native module.
cat >pnpm-workspace.yaml <<'YAML'
packages: []
overrides:
  xlsx: 0.18.5
  "@langchain/langgraph-checkpoint": 1.1.5
  "@langchain/protocol": 0.0.19
# pnpm 12 fails an install whose build scripts are left undecided. Only sqlite3 must build; the
# others are optional native accelerators (with JS fallbacks) or install-time notices.
allowBuilds:
  sqlite3: true
  "@parcel/watcher": false
  "@scarf/scarf": false
  "@sentry/node-cpu-profiler": false
  "@sentry/node-native-stacktrace": false
  cpu-features: false
  isolated-vm: false
  msgpackr-extract: false
  oracledb: false
  protobufjs: false
  ssh2: false
YAML
start=$(date +%s)
# Not frozen: this directory has no committed lockfile; the overrides pin what matters. sqlite3's
# prebuilt binary and node-gyp's header download both need hosts this machine cannot reach: build
# against the headers of the installed Node instead.
export npm_config_nodedir=/usr
pnpm install --config.confirmModulesPurge=false --reporter=append-only >install.log 2>&1 || {
  tail -n 40 install.log >&2
  exit 1
}
"$bin" --version >/dev/null
touch "$marker"
echo "n8n $N8N_VERSION installed in $(($(date +%s) - start)) s" >&2
"$bin" --version >&2
echo "$bin"
