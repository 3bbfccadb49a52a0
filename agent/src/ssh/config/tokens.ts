/**
 * OpenSSH's `%` tokens, `${ENV}` references and `~` in ssh_config values (ssh_config(5)
 * TOKENS). Each keyword accepts its own set: HostName %% %h; ProxyCommand and ProxyJump
 * %% %h %n %p %r; IdentityFile, CertificateFile, IdentityAgent, UserKnownHostsFile and
 * Match exec %% %C %d %h %i %j %k %L %l %n %p %r %u. %C is the SHA1 of %l%h%p%r as 9.2
 * computes it. A token outside the keyword's set, or an unset `${VAR}`, is a Config error
 * naming the keyword and the fix (OpenSSH refuses both too). Pure but for os.hostname().
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

/** What the tokens stand for. */
export interface TokenValues {
  /** %h: the remote host name (after HostName). */
  readonly host: string;
  /** %n: the name as given. */
  readonly originalHost: string;
  readonly port: number;
  /** %r */
  readonly remoteUser: string;
  /** %u, %i, %d: the local user, uid and home (from the passwd entry). */
  readonly localUser: string;
  readonly uid: number;
  readonly home: string;
  /** %k: HostKeyAlias, else the name as given. */
  readonly hostKeyAlias?: string;
  /** %j: the ProxyJump value ('' when none). */
  readonly jump?: string;
}

/** Token sets per keyword. */
export const TOKENS = {
  hostname: '%h',
  proxy: '%hnpr',
  path: '%CdhijkLlnpru',
} as const;

/** The local host name (%l) and its first label (%L). */
export function localHostNames(): { full: string; short: string } {
  const full = os.hostname();
  return { full, short: full.split('.')[0] ?? full };
}

/** %C: OpenSSH 9.2's connection hash, hex SHA1 of %l%h%p%r. */
export function connectionHash(v: TokenValues): string {
  return createHash('sha1').update(`${localHostNames().full}${v.host}${v.port}${v.remoteUser}`).digest('hex');
}

function tokenValue(c: string, v: TokenValues): string {
  switch (c) {
    case '%':
      return '%';
    case 'C':
      return connectionHash(v);
    case 'd':
      return v.home;
    case 'h':
      return v.host;
    case 'i':
      return String(v.uid);
    case 'j':
      return v.jump ?? '';
    case 'k':
      return v.hostKeyAlias ?? v.originalHost;
    case 'L':
      return localHostNames().short;
    case 'l':
      return localHostNames().full;
    case 'n':
      return v.originalHost;
    case 'p':
      return String(v.port);
    case 'r':
      return v.remoteUser;
    default:
      return v.localUser; // 'u'
  }
}

/** Expands the `%` tokens of `s` allowed by `allowed` (a TOKENS entry); `keyword` names the setting in errors. */
export function percentExpand(s: string, allowed: string, v: TokenValues, keyword: string): string {
  return s.replace(/%(.?)/gs, (_, c: string) => {
    if (c === '' || !allowed.includes(c)) {
      throw new CofferError(ErrorCode.Config, `${keyword} '${s}': unknown token %${c}; write %% for a literal %, or use one of ${[...allowed].map((t) => `%${t}`).join(' ')}`);
    }
    return tokenValue(c, v);
  });
}

/** Expands `${VAR}` from `env`; an unset variable is an error, as in OpenSSH. */
export function envExpand(s: string, env: NodeJS.ProcessEnv, keyword: string): string {
  return s.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined) throw new CofferError(ErrorCode.Config, `${keyword} '${s}': environment variable ${name} is not set; set it or remove \${${name}}`);
    return value;
  });
}

/** `~` and `~/…` to `home` (OpenSSH's tilde_expand for the current user). */
export function tildeExpand(s: string, home: string): string {
  if (s === '~') return home;
  return s.startsWith('~/') ? path.join(home, s.slice(2)) : s;
}

/** A path setting as OpenSSH expands it: `~`, then `${ENV}`, then the path tokens. */
export function expandPathSetting(s: string, v: TokenValues, env: NodeJS.ProcessEnv, keyword: string): string {
  return percentExpand(envExpand(tildeExpand(s, v.home), env, keyword), TOKENS.path, v, keyword);
}
