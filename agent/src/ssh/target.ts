/**
 * From an `sftp://[user@]host[:port]/path` location and a named entry's options to
 * an SshTarget, with ssh_config read as OpenSSH reads it (config/resolve.ts). Options:
 * username, port, identity, insecure_ignore_host_key, known_hosts, ssh_auth_sock,
 * ssh_config (read only that file, as `ssh -F`), key_passphrase (or
 * COFFER_SSH_KEY_PASSPHRASE). The URL's user and port and the options act as ssh's
 * command line: they win over the config files, which win over OpenSSH's defaults.
 * The home that holds ~/.ssh is the passwd entry's, as OpenSSH's (not $HOME);
 * COFFER_SSH_HOME replaces it. Identities: the identity option and IdentityFile lines
 * accumulate and, when any is set, only they are offered (OpenSSH's default files
 * otherwise); IdentitiesOnly limits the agent to them (auth.ts). ProxyJump hops are
 * resolved each with their own config (as `ssh -J` runs `ssh` for each hop, with the
 * same -F file); ProxyCommand is expanded here and run by transport.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { SshTarget } from './connect.js';
import { formatHop, parseJump, type JumpHop } from './config/jump.js';
import { DEFAULT_IDENTITY_FILES, resolveConfig, type ResolvedConfig } from './config/resolve.js';
import type { Settings } from './config/settings.js';
import { expandPathSetting, percentExpand, TOKENS } from './config/tokens.js';

/** A parsed sftp:// URL. */
export interface SftpUrl {
  readonly user: string | undefined;
  readonly host: string;
  readonly port: number | undefined;
  /** Absolute path on the server. */
  readonly path: string;
}

/** The most ProxyJump hops (and nested jump configs) followed before it is taken for a loop. */
const MAX_HOPS = 8;

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

/** The local user's home for ~/.ssh: COFFER_SSH_HOME, else the passwd entry's (as OpenSSH). */
export function sshHome(env: NodeJS.ProcessEnv): string {
  return env.COFFER_SSH_HOME && env.COFFER_SSH_HOME !== '' ? env.COFFER_SSH_HOME : os.userInfo().homedir;
}

/** The ssh_config resolution for `host` with command-line values `preset`. */
export function resolveFor(host: string, preset: Partial<Settings>, options: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv): ResolvedConfig {
  const me = os.userInfo();
  return resolveConfig({
    host,
    ...(options.ssh_config ? { configFile: options.ssh_config } : {}),
    home: sshHome(env),
    localUser: me.username,
    uid: me.uid,
    env,
    preset,
  });
}

function agentSocket(cfg: ResolvedConfig, options: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv): string | undefined {
  if (options.ssh_auth_sock) return options.ssh_auth_sock;
  const a = cfg.identityAgent;
  if (a === undefined || a === 'SSH_AUTH_SOCK') return env.SSH_AUTH_SOCK || undefined;
  if (a.toLowerCase() === 'none') return undefined;
  const m = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(a);
  if (m) return env[m[1] as string] || undefined;
  return expandPathSetting(a, cfg.tokens, env, 'IdentityAgent');
}

function targetFrom(cfg: ResolvedConfig, options: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv, hop: number): SshTarget {
  const expand = (f: string, what: string): string => expandPathSetting(f, cfg.tokens, env, what);
  const identities = cfg.explicitIdentities ? cfg.identityFiles.map((f) => expand(f, 'IdentityFile')) : [];
  const defaults = cfg.explicitIdentities ? [] : DEFAULT_IDENTITY_FILES.map((f) => expand(f, 'IdentityFile')).filter((f) => fs.existsSync(f));
  const agent = agentSocket(cfg, options, env);
  const keyPassphrase = options.key_passphrase ?? env.COFFER_SSH_KEY_PASSPHRASE;
  const userKnown = options.known_hosts ? [expand(options.known_hosts, 'known_hosts')] : cfg.userKnownHostsFiles;
  let proxy: SshTarget | undefined;
  if (cfg.proxyJump !== undefined) {
    const hops = parseJump(cfg.proxyJump);
    const last = hops[hops.length - 1];
    if (last) proxy = hopTarget(last, hops.slice(0, -1), cfg.proxyJump, options, env, hop + 1);
  }
  const proxyCommand = !proxy && cfg.proxyCommand !== undefined ? percentExpand(cfg.proxyCommand, TOKENS.proxy, cfg.tokens, 'ProxyCommand') : undefined;
  return {
    host: cfg.hostName,
    port: cfg.port,
    user: cfg.user,
    alias: cfg.originalHost,
    hostKeyName: cfg.hostKeyAlias ?? cfg.hostName,
    identities,
    defaultIdentities: defaults,
    identitiesOnly: cfg.identitiesOnly,
    ...(keyPassphrase !== undefined ? { keyPassphrase } : {}),
    ...(agent ? { agent } : {}),
    knownHosts: [...userKnown, ...cfg.globalKnownHostsFiles],
    // Coffer cannot ask: `ask` (OpenSSH's default) refuses unknown keys, as `yes` does.
    strictHostKeyChecking: options.insecure_ignore_host_key === 'true' ? 'no' : cfg.strictHostKeyChecking === 'ask' ? 'yes' : cfg.strictHostKeyChecking,
    keepaliveIntervalMs: (cfg.serverAliveInterval ?? 15) * 1000,
    connectTimeoutMs: (cfg.connectTimeout ?? 20) * 1000,
    ...(proxy ? { proxy } : {}),
    ...(proxyCommand !== undefined ? { proxyCommand } : {}),
  };
}

/**
 * A jump host's target: its own config, with the hop's user and port (and the hops
 * before it, as ProxyJump) as command-line values, the way `ssh -J` runs each hop.
 */
function hopTarget(h: JumpHop, before: readonly JumpHop[], chain: string, options: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv, hop: number): SshTarget {
  if (hop > MAX_HOPS) {
    throw new CofferError(ErrorCode.Config, `ProxyJump '${chain}' leads through more than ${MAX_HOPS} jump hosts; check the jump hosts' own ProxyJump settings for a loop`);
  }
  const preset: Partial<Settings> = {
    ...(h.user !== undefined ? { user: h.user } : {}),
    ...(h.port !== undefined ? { port: h.port } : {}),
    ...(before.length > 0 ? { proxyJump: before.map(formatHop).join(',') } : {}),
  };
  const hopOptions: Record<string, string> = {};
  for (const k of ['ssh_config', 'ssh_auth_sock', 'key_passphrase']) if (options[k] !== undefined) hopOptions[k] = options[k];
  return targetFrom(resolveFor(h.host, preset, hopOptions, env), hopOptions, env, hop);
}

/** Builds the connection target for a URL and options, reading ssh_config for the URL's host. */
export function sshTarget(u: SftpUrl, options: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv = process.env): SshTarget {
  const port = u.port ?? (options.port ? Number(options.port) : undefined);
  const user = u.user ?? options.username;
  const preset: Partial<Settings> = {
    ...(user !== undefined ? { user } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(options.identity ? { identityFiles: [options.identity] } : {}),
  };
  return targetFrom(resolveFor(u.host, preset, options, env), options, env, 0);
}

/** The canonical display form of a parsed URL (it holds no secrets). */
export function displayUrl(u: SftpUrl): string {
  return `sftp://${u.user ? `${u.user}@` : ''}${u.host}${u.port ? `:${u.port}` : ''}${u.path}`;
}
