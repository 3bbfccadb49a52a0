/**
 * ProxyJump values as OpenSSH parses them (readconf.c parse_jump): `none`, or a comma
 * list of `[user@]host[:port]` or `ssh://[user@]host[:port]` hops, `[v6]` in brackets.
 * The list is in travel order: `a,b` connects to a, through it to b, and through b to
 * the target. Pure; a malformed hop is a Config error naming it.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

/** One jump host. */
export interface JumpHop {
  readonly user?: string;
  readonly host: string;
  readonly port?: number;
}

function bad(hop: string, why: string): CofferError {
  return new CofferError(ErrorCode.Config, `ProxyJump hop '${hop}' ${why}: write [user@]host[:port] or ssh://[user@]host[:port], hops separated by commas`);
}

function portOf(hop: string, s: string | undefined): number | undefined {
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  if (!/^\d+$/.test(s) || n < 1 || n > 65535) throw bad(hop, `has a bad port '${s}'`);
  return n;
}

/** Parses one hop. */
export function parseHop(hop: string): JumpHop {
  let rest = hop;
  const uri = /^ssh:\/\//i.test(rest);
  if (uri) {
    rest = rest.slice(6);
    if (rest.endsWith('/')) rest = rest.slice(0, -1);
    if (rest.includes('/')) throw bad(hop, 'has a path');
  }
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (user === '') throw bad(hop, 'has an empty user');
    if (uri) user = decodeURIComponent(user);
  }
  let host: string;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (v6) {
    host = v6[1] as string;
    port = v6[2];
  } else {
    const colon = rest.indexOf(':');
    host = colon >= 0 ? rest.slice(0, colon) : rest;
    port = colon >= 0 ? rest.slice(colon + 1) : undefined;
  }
  if (host === '' || /[\s,]/.test(host)) throw bad(hop, 'has no host');
  const p = portOf(hop, port);
  return { ...(user !== undefined ? { user } : {}), host, ...(p !== undefined ? { port: p } : {}) };
}

/** The hops of a ProxyJump value in travel order; [] for `none`. */
export function parseJump(value: string): JumpHop[] {
  const v = value.trim();
  if (v.toLowerCase() === 'none') return [];
  return v.split(',').map((h) => parseHop(h.trim()));
}

/** A hop written back as `[user@]host[:port]`. */
export function formatHop(h: JumpHop): string {
  const host = h.host.includes(':') ? `[${h.host}]` : h.host;
  return `${h.user !== undefined ? `${h.user}@` : ''}${host}${h.port !== undefined ? `:${h.port}` : ''}`;
}

/**
 * A ProxyJump value as OpenSSH keeps it (and `ssh -G` prints it): the hops before the
 * last as written, the last one as `[user@]host[:port]`; `none` as it is.
 */
export function normalizeJump(value: string): string {
  const v = value.replace(/#.*$/, '').trim();
  const hops = parseJump(v);
  const last = hops[hops.length - 1];
  if (!last) return 'none';
  const cut = v.lastIndexOf(',');
  return `${cut > 0 ? `${v.slice(0, cut)},` : ''}${formatHop(last)}`;
}
