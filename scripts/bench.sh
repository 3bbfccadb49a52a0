#!/usr/bin/env bash
# Benchmark coffer against restic on a deterministic dataset, or on a million tiny files
# with --scale (npm run bench [-- options]; --help lists them).
# Installs restic, GNU time and OpenSSH (sshd for the SFTP scenarios' loopback server,
# ssh for restic's sftp backend) from Debian packages when missing, builds the
# workspace, then runs bench/dist/main.js; see `npm run bench -- --help` for options.
# `npm run bench -- --index [--blobs N]` measures the in-memory index instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# --index: the in-memory index's bytes per blob and lookup rate (bench/src/index-mem.ts);
# needs neither restic nor the dataset.
if [ "${1:-}" = "--index" ]; then
  shift
  npx tsc -b
  exec node --expose-gc bench/dist/index-mem.js "$@"
fi

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
apt_updated=0

# ensure COMMAND PACKAGE: install PACKAGE with apt-get unless COMMAND is present.
ensure() {
  if command -v "$1" >/dev/null 2>&1; then return 0; fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "bench: $1 is missing and apt-get is not available; install $2 by hand" >&2
    exit 1
  fi
  if [ "$apt_updated" -eq 0 ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  echo "bench: installing $2" >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$2" >/dev/null
}

ensure restic restic
ensure /usr/bin/time time
ensure /usr/sbin/sshd openssh-server
ensure ssh openssh-client

npm run build
exec node bench/dist/main.js "$@"
