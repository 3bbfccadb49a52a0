/**
 * OpenSSH known_hosts checking: plain and hashed (`|1|salt|hmac`) host entries,
 * comma-separated patterns with `*`/`?` wildcards and `!` negation, `[host]:port` for
 * non-standard ports, and `@revoked` markers. A host whose recorded key differs from
 * the one offered is a changed key: always refused.
 */
import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';

/** Outcome of checking a host key. */
export type HostKeyVerdict = 'known' | 'unknown' | 'changed' | 'revoked';

/** The SHA256 fingerprint of a key blob, as OpenSSH prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a public key blob (e.g. ssh-ed25519). */
export function keyType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const n = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + n).toString('latin1');
}

/** The name OpenSSH records for a host: `host`, or `[host]:port` when port ≠ 22. */
export function hostEntryName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

function hostMatches(field: string, names: readonly string[]): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const key = Buffer.from(salt, 'base64');
    return names.some((n) => createHmac('sha1', key).update(n).digest('base64') === hash);
  }
  let matched = false;
  for (const p of field.split(',')) {
    const neg = p.startsWith('!');
    const pat = neg ? p.slice(1) : p;
    if (names.some((n) => globMatch(pat, n))) {
      if (neg) return false;
      matched = true;
    }
  }
  return matched;
}

/**
 * Checks `blob` for `host:port` against the given known_hosts files (missing files
 * are skipped). Both the `[host]:port` form and, for port 22, the bare name match.
 */
export function checkHostKey(files: readonly string[], host: string, port: number, blob: Buffer): HostKeyVerdict {
  const names = [hostEntryName(host, port)];
  const type = keyType(blob);
  const b64 = blob.toString('base64');
  let sameType = false;
  let known = false;
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const parts = line.split(/\s+/);
      let marker: string | undefined;
      if (parts[0]?.startsWith('@')) marker = parts.shift();
      const [hosts, ktype, key] = parts;
      if (!hosts || !ktype || !key || !hostMatches(hosts, names)) continue;
      if (marker === '@cert-authority') continue;
      if (marker === '@revoked') {
        if (key === b64) return 'revoked';
        continue;
      }
      if (ktype === type) sameType = true;
      if (ktype === type && key === b64) known = true;
    }
  }
  if (known) return 'known';
  return sameType ? 'changed' : 'unknown';
}
