/**
 * The ssh_config keywords Coffer uses and how one line sets them, with OpenSSH's rule
 * that the first value obtained wins (IdentityFile and CertificateFile accumulate;
 * ProxyJump and ProxyCommand exclude each other, whichever comes first; `ProxyJump none`
 * stops later ProxyJump lines). Values are kept as written; tokens are expanded by the
 * resolver. A bad value is a Config error naming the file, line and the fix. Other
 * keywords are accepted and ignored (OpenSSH refuses unknown ones).
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { ConfigLine } from './parse.js';
import { normalizeJump, parseJump } from './jump.js';

/** The StrictHostKeyChecking values. */
export type StrictMode = 'yes' | 'no' | 'ask' | 'accept-new';

/** Settings gathered so far (command-line values are put in first, so they win). */
export interface Settings {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  certificateFiles: string[];
  identitiesOnly?: boolean;
  /** Raw ProxyJump value ('none' recorded). */
  proxyJump?: string;
  /** Raw ProxyCommand ('none' recorded). */
  proxyCommand?: string;
  userKnownHostsFiles?: string[];
  globalKnownHostsFiles?: string[];
  strictHostKeyChecking?: StrictMode;
  hostKeyAlias?: string;
  serverAliveInterval?: number;
  connectTimeout?: number;
  identityAgent?: string;
  canonicalizeHostname?: 'no' | 'yes' | 'always';
  canonicalDomains?: string[];
  canonicalizeMaxDots?: number;
  canonicalizeFallbackLocal?: boolean;
}

/** Fresh, empty settings. */
export function emptySettings(): Settings {
  return { identityFiles: [], certificateFiles: [] };
}

function fail(l: ConfigLine, what: string): never {
  throw new CofferError(ErrorCode.Config, `${l.file} line ${l.line}: ${what}`);
}

function flag(l: ConfigLine, v: string): boolean {
  const s = v.toLowerCase();
  if (s === 'yes' || s === 'true') return true;
  if (s === 'no' || s === 'false') return false;
  return fail(l, `${l.key} '${v}' is not yes or no`);
}

function int(l: ConfigLine, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) fail(l, `${l.key} '${v}' is not a number from ${min} to ${max}`);
  return n;
}

function strict(l: ConfigLine, v: string): StrictMode {
  const s = v.toLowerCase();
  if (s === 'yes' || s === 'true') return 'yes';
  if (s === 'no' || s === 'false' || s === 'off') return 'no';
  if (s === 'ask' || s === 'accept-new') return s;
  return fail(l, `StrictHostKeyChecking '${v}' is not yes, no, ask or accept-new`);
}

function canon(l: ConfigLine, v: string): 'no' | 'yes' | 'always' {
  const s = v.toLowerCase();
  if (s === 'always') return 'always';
  return flag(l, s) ? 'yes' : 'no';
}

/** Applies one keyword line (of an active block) to `s`. */
export function applyLine(s: Settings, l: ConfigLine): void {
  const v = l.args[0];
  if (v === undefined) {
    if (['hostname', 'user', 'port', 'identityfile', 'proxyjump', 'proxycommand'].includes(l.key)) fail(l, `${l.key} needs a value`);
    return;
  }
  switch (l.key) {
    case 'hostname':
      s.hostName ??= v;
      break;
    case 'user':
      s.user ??= v;
      break;
    case 'port':
      s.port ??= int(l, v, 1, 65535);
      break;
    case 'identityfile':
      s.identityFiles.push(v);
      break;
    case 'certificatefile':
      s.certificateFiles.push(v);
      break;
    case 'identitiesonly':
      s.identitiesOnly ??= flag(l, v);
      break;
    case 'identityagent':
      s.identityAgent ??= v;
      break;
    case 'proxyjump':
      if (s.proxyJump === undefined && s.proxyCommand === undefined) s.proxyJump = normalizeJump(l.raw);
      else parseJump(l.raw); // checks the syntax even when it does not apply
      break;
    case 'proxycommand':
      if ((s.proxyJump === undefined || s.proxyJump.toLowerCase() === 'none') && s.proxyCommand === undefined) s.proxyCommand = l.raw.trim();
      break;
    case 'userknownhostsfile':
      s.userKnownHostsFiles ??= [...l.args];
      break;
    case 'globalknownhostsfile':
      s.globalKnownHostsFiles ??= [...l.args];
      break;
    case 'stricthostkeychecking':
      s.strictHostKeyChecking ??= strict(l, v);
      break;
    case 'hostkeyalias':
      s.hostKeyAlias ??= v;
      break;
    case 'serveraliveinterval':
      s.serverAliveInterval ??= int(l, v, 0, 2 ** 31 - 1);
      break;
    case 'connecttimeout':
      s.connectTimeout ??= int(l, v, 0, 2 ** 31 - 1);
      break;
    case 'canonicalizehostname':
      s.canonicalizeHostname ??= canon(l, v);
      break;
    case 'canonicaldomains':
      s.canonicalDomains ??= [...l.args];
      break;
    case 'canonicalizemaxdots':
      s.canonicalizeMaxDots ??= int(l, v, 0, 2 ** 31 - 1);
      break;
    case 'canonicalizefallbacklocal':
      s.canonicalizeFallbackLocal ??= flag(l, v);
      break;
    default:
      break;
  }
}
