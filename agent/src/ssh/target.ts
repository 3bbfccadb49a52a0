/**
 * From an `sftp://[user@]host[:port]/path` location and a named entry's options to
 * an SshTarget. Options: username, port, identity, insecure_ignore_host_key,
 * known_hosts, ssh_auth_sock, key_passphrase (or COFFER_SSH_KEY_PASSPHRASE). The URL's
 * explicit user and port win over options. Defaults follow OpenSSH: the current user,
 * port 22, ~/.ssh/id_* keys, ~/.ssh/known_hosts, SSH_AUTH_SOCK.
 * (~/.ssh/config resolution is the next step: see issue 3.)
 */
import os from 'node:os';
import path from 'node:path';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { defaultIdentities, type SshTarget } from './connect.js';

/** A parsed sftp:// URL. */
export interface SftpUrl {
  readonly user: string | undefined;
  readonly host: string;
  readonly port: number | undefined;
  /** Absolute path on the server. */
  readonly path: string;
}

/** Parses an sftp:// URL. */
export function parseSftpUrl(url: URL): SftpUrl {
  if (url.protocol !== 'sftp:' || url.hostname === '') {
    throw new CofferError(ErrorCode.Usage, `malformed SFTP location '${url.href}': use sftp://[user@]host[:port]/path`);
  }
  const p = decodeURIComponent(url.pathname);
  return {
    user: url.username !== '' ? decodeURIComponent(url.username) : undefined,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port !== '' ? Number(url.port) : undefined,
    path: p === '' ? '/' : p,
  };
}

function expand(p: string): string {
  return p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p;
}

/** Builds the connection target for a URL and options. */
export function sshTarget(u: SftpUrl, options: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv = process.env): SshTarget {
  const insecure = options.insecure_ignore_host_key === 'true';
  const identities = options.identity ? [expand(options.identity)] : defaultIdentities();
  const agent = options.ssh_auth_sock ?? env.SSH_AUTH_SOCK;
  const keyPassphrase = options.key_passphrase ?? env.COFFER_SSH_KEY_PASSPHRASE;
  return {
    host: u.host,
    port: u.port ?? (options.port ? Number(options.port) : 22),
    user: u.user ?? options.username ?? os.userInfo().username,
    identities,
    ...(keyPassphrase !== undefined ? { keyPassphrase } : {}),
    ...(agent ? { agent } : {}),
    knownHosts: [expand(options.known_hosts ?? '~/.ssh/known_hosts')],
    strictHostKeyChecking: insecure ? 'no' : 'yes',
    keepaliveIntervalMs: 15_000,
    connectTimeoutMs: 20_000,
  };
}
