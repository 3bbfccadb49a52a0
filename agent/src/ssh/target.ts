/**
 * From an `sftp://[user@]host[:port]/path` location and a named entry's options to
 * an SshTarget. Options: username, port, identity, insecure_ignore_host_key,
 * known_hosts, ssh_auth_sock, key_passphrase (or COFFER_SSH_KEY_PASSPHRASE). The URL's
 * explicit user and port win over options, options over ~/.ssh/config (ssh-config.ts),
 * and that over OpenSSH's defaults: the current user, port 22, ~/.ssh/id_* keys,
 * ~/.ssh/known_hosts, SSH_AUTH_SOCK. Authentication order: explicit identities, then
 * the agent, then the default key files (unless IdentitiesOnly).
 */
import os from 'node:os';
import path from 'node:path';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { defaultIdentities, type SshTarget } from './connect.js';
import { expandPath, resolveHost } from './ssh-config.js';

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

/** Builds the connection target for a URL and options, reading ~/.ssh/config for the URL's host. */
export function sshTarget(u: SftpUrl, options: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv = process.env, depth = 0): SshTarget {
  const home = env.HOME && env.HOME !== '' ? env.HOME : os.homedir();
  const cfg = resolveHost(u.host, options.ssh_config ? [options.ssh_config] : undefined, home);
  const host = cfg.hostName ?? u.host;
  const port = u.port ?? (options.port ? Number(options.port) : undefined) ?? cfg.port ?? 22;
  const user = u.user ?? options.username ?? cfg.user ?? os.userInfo().username;
  const tokens = { host, port, user };
  const explicit = options.identity ? [options.identity] : cfg.identityFiles;
  const identities = explicit.map((f) => expandPath(f, tokens, home));
  const useDefaults = !options.identity && cfg.identitiesOnly !== true;
  const agent = options.ssh_auth_sock ?? env.SSH_AUTH_SOCK;
  const keyPassphrase = options.key_passphrase ?? env.COFFER_SSH_KEY_PASSPHRASE;
  const knownHosts = options.known_hosts
    ? [expandPath(options.known_hosts, tokens, home)]
    : cfg.userKnownHostsFiles.length
      ? cfg.userKnownHostsFiles.map((f) => expandPath(f, tokens, home))
      : [path.join(home, '.ssh', 'known_hosts'), path.join(home, '.ssh', 'known_hosts2')];
  let proxy: SshTarget | undefined;
  if (cfg.proxyJump && depth < 4) {
    const jump = /^(?:([^@]+)@)?([^:]+)(?::(\d+))?$/.exec(cfg.proxyJump.split(',')[0] ?? '');
    if (!jump) throw new CofferError(ErrorCode.Config, `ProxyJump '${cfg.proxyJump}' for ${u.host} is not [user@]host[:port]`);
    proxy = sshTarget({ user: jump[1], host: jump[2] ?? '', port: jump[3] ? Number(jump[3]) : undefined, path: '/' }, {}, env, depth + 1);
  }
  return {
    host,
    port,
    user,
    alias: u.host,
    hostKeyName: cfg.hostKeyAlias ?? host,
    identities,
    defaultIdentities: useDefaults ? defaultIdentities(home) : [],
    ...(keyPassphrase !== undefined ? { keyPassphrase } : {}),
    ...(agent ? { agent } : {}),
    knownHosts,
    strictHostKeyChecking: options.insecure_ignore_host_key === 'true' ? 'no' : cfg.strictHostKeyChecking ?? 'yes',
    keepaliveIntervalMs: (cfg.serverAliveIntervalS ?? 15) * 1000,
    connectTimeoutMs: (cfg.connectTimeoutS ?? 20) * 1000,
    ...(proxy ? { proxy } : {}),
  };
}

/** The canonical display form of a parsed URL (it holds no secrets). */
export function displayUrl(u: SftpUrl): string {
  return `sftp://${u.user ? `${u.user}@` : ''}${u.host}${u.port ? `:${u.port}` : ''}${u.path}`;
}
