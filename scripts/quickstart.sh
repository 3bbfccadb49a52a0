#!/usr/bin/env bash
# Quick start (npm run quickstart): installs dependencies if missing, builds, then shows the
# main job on an embedded default: a store in a temporary folder, a backup of a sample
# directory, a listing, a restore, and a full check. No external server needed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/coffer-quickstart.XXXXXX")
coffer() { echo "+ coffer $*" >&2; node bin/coffer.js "$@"; }
export COFFER_PASSPHRASE="quickstart-demo-passphrase"
mkdir -p "$work/sample/docs" "$work/sample/empty"
for i in $(seq 1 50); do echo "line $i of a sample document" >> "$work/sample/docs/notes.txt"; done
head -c 2000000 /dev/urandom > "$work/sample/docs/photo.bin"
ln -s docs/notes.txt "$work/sample/latest-notes"
coffer version
coffer at "$work/store" create
coffer at "$work/store" backup --tag demo "$work/sample"
echo "extra line" >> "$work/sample/docs/notes.txt"
coffer at "$work/store" backup --tag demo "$work/sample"
coffer at "$work/store" ls
coffer at "$work/store" ls latest:/docs
coffer at "$work/store" diff "$(node bin/coffer.js at "$work/store" ls --json | head -1 | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/')" latest
coffer at "$work/store" restore --to "$work/restored" latest
coffer at "$work/store" check
diff -r "$work/sample" "$work/restored" && echo "quickstart: restored tree is identical to the source"

# The fleet on one machine: a controller (embedded SQLite catalog, its own CA) and one agent
# enrolled with a one-time token; a backup, a restore and a verify run as jobs.
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
node bin/coffer.js controller start --data "$work/controller" --listen "127.0.0.1:$port" --http "" > "$work/controller.log" 2>&1 &
ctl_pid=$!
agent_pid=
trap 'kill $ctl_pid $agent_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "$work/controller/admin.token" ] && [ -s "$work/controller/server.pem" ] && break; sleep 0.1; done
export COFFER_CONTROLLER="127.0.0.1:$port" COFFER_CA="$work/controller/ca.pem" COFFER_TOKEN_FILE="$work/controller/admin.token"
token=$(node bin/coffer.js ctl token create --ttl 10m | tail -1)
coffer agent enroll --controller "$COFFER_CONTROLLER" --token "$token" --name quickstart-agent --data "$work/agent"
node bin/coffer.js agent start --data "$work/agent" > "$work/agent.log" 2>&1 &
agent_pid=$!
coffer ctl store add demo "$work/store"
coffer ctl source add sample "$work/sample" --agent quickstart-agent
coffer ctl destination add again "$work/restored-by-job" --agent quickstart-agent
coffer ctl job run backup --source sample --store demo --wait
coffer ctl snapshots --store demo
coffer ctl job run restore --store demo --snapshot latest --destination again --wait
coffer ctl job run verify --store demo --read-data-subset 50% --wait
coffer ctl job list
diff -r "$work/sample" "$work/restored-by-job" && echo "quickstart: the restore job's tree is identical to the source"
echo "quickstart: done; everything is in $work (store, sample, restored, controller, agent)"
