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
echo "quickstart: done; everything is in $work (store, sample, restored)"
