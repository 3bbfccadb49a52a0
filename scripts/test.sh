#!/usr/bin/env bash
# The test command (npm test): installs what the tests need, builds, lints, runs every test.
# Needs root for apt-get on a fresh machine; in CI (CI=true) a missing tool is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need_apt+=(openssh-server openssh-client)
command -v ssh >/dev/null 2>&1 && command -v ssh-agent >/dev/null 2>&1 || need_apt+=(openssh-client)
command -v getfattr >/dev/null 2>&1 || need_apt+=(attr)
command -v ss >/dev/null 2>&1 || need_apt+=(iproute2)
command -v iptables >/dev/null 2>&1 || [ -x /usr/sbin/iptables ] || need_apt+=(iptables)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
# The SFTP servers the connectors are tested against (test/src/helpers/sftp-servers.ts).
[ -x /usr/lib/openssh/sftp-server ] || need_apt+=(openssh-sftp-server)
[ -x /usr/bin/rclone ] || need_apt+=(rclone)
[ -x /usr/sbin/proftpd ] || need_apt+=(proftpd-core)
[ -f /usr/lib/proftpd/mod_sftp.so ] || need_apt+=(proftpd-mod-crypto)
[ -x /usr/sbin/dropbear ] || need_apt+=(dropbear-bin)
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || need_apt+=(nats-server)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing ${need_apt[*]} (Debian packages)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  elif [ "${CI:-}" = "true" ]; then
    echo "test: missing ${need_apt[*]} and cannot install them (need root and apt-get)" >&2
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
npm run lint
npx mocha "$@"
