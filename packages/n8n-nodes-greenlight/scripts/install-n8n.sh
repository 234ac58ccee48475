#!/usr/bin/env bash
# Installs the real n8n (2.8.4: newer releases need Node 24) for the
# end-to-end test, in its own directory OUTSIDE the workspace so the repository's lockfile never
# sees its ~2,000 packages. Prints the path of the n8n binary on its last line.
# Idempotent: a directory that already holds an n8n installed by this very script is reused; an
# edit to the script (its recipe) installs again.
set -euo pipefail

N8N_VERSION=2.8.4
dir="${GREENLIGHT_N8N_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/greenlight-n8n}"
bin="$dir/node_modules/.bin/n8n"
recipe=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
# Written last, so an install that failed half-way (e.g. sqlite3's native build) is redone; named
# after the recipe, so an install made by an older version of this script is redone too.
marker="$dir/.greenlight-n8n-$N8N_VERSION-$recipe-complete"
# Every n8n command, even --version, writes a config (an encryption key) into its user folder
# (~/.n8n by default): a throwaway one for the checks below.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
export N8N_USER_FOLDER="$probe"

if [ -f "$marker" ] && [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null | tail -n 1)" = "$N8N_VERSION" ]; then
  echo "n8n $N8N_VERSION already installed in $dir" >&2
  echo "$bin"
  exit 0
fi

mkdir -p "$dir"
cd "$dir"
rm -f .greenlight-n8n-*-complete
cat >package.json <<JSON
{ "name": "greenlight-n8n-runtime", "private": true, "dependencies": { "n8n": "$N8N_VERSION" } }
JSON
# The overrides pin transitive versions this registry has (newer ones are missing or need Node 22);
# sqlite3 is n8n's default database and must build its native module. langgraph-checkpoint 1.1+
# imports `@langchain/core/utils/uuid`, which the @langchain/core n8n 2.8.4 pins (1.1.8) does not
# export: `n8n start` then fails to load (reported as 'Command "start" not found'). 1.0.1 takes its
# ids from the `uuid` package and satisfies every `^1.0.0` that n8n's langgraph asks for.
cat >pnpm-workspace.yaml <<'YAML'
packages: []
overrides:
  xlsx: 0.18.5
  "@langchain/langgraph-checkpoint": 1.0.1
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
# `--version` loads no command; `start --help` loads the start command and the dependency tree it
# needs, which is where a transitive version mismatch shows ('Command "start" not found').
"$bin" start --help >"$probe/start-help.txt" 2>&1 && grep -q 'n8n start' "$probe/start-help.txt" || {
  cat "$probe/start-help.txt" >&2
  echo "the installed n8n cannot load its start command" >&2
  exit 1
}
touch "$marker"
echo "n8n $N8N_VERSION installed in $(($(date +%s) - start)) s" >&2
"$bin" --version >&2
echo "$bin"
