/**
 * CanonicalizeHostname as OpenSSH 9.2's resolve_canonicalize(): a name with no more
 * than CanonicalizeMaxDots dots is tried as `name.domain` for each CanonicalDomains
 * entry, and the first that resolves (through the system resolver, NSS, like
 * getaddrinfo) is the new host name; a name with a trailing dot is fully qualified and
 * kept as it is (9.2 looks it up as written, dot included);
 * IP addresses are left alone. When nothing resolves and CanonicalizeFallbackLocal is
 * no, it is a Config error. CNAME following (CanonicalizePermittedCNAMEs) is not done.
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

/** Whether `name` resolves (getent ahosts: the same NSS path as getaddrinfo). */
function resolves(name: string): boolean {
  try {
    execFileSync('getent', ['ahosts', name], { stdio: ['ignore', 'ignore', 'ignore'], timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** The settings that steer canonicalisation. */
export interface CanonicalOptions {
  readonly domains: readonly string[];
  readonly maxDots: number;
  readonly fallbackLocal: boolean;
}

/** The canonical name of `host`, or undefined when it stays as it is. */
export function canonicalize(host: string, o: CanonicalOptions, lookup: (name: string) => boolean = resolves): string | undefined {
  if (net.isIP(host) !== 0) return undefined;
  if (host.endsWith('.')) {
    if (lookup(host)) return undefined; // fully qualified: kept as written
  } else {
    const dots = host.split('.').length - 1;
    if (dots > o.maxDots) return undefined;
    for (const d of o.domains) {
      const full = `${host}.${d}`;
      if (lookup(full)) return full;
    }
  }
  if (!o.fallbackLocal) {
    throw new CofferError(ErrorCode.Config, `could not resolve host '${host}' in CanonicalDomains ${o.domains.join(' ')}; fix the name or set CanonicalizeFallbackLocal yes`);
  }
  return undefined;
}
