/**
 * Authentication of the store's config under its master keys (format version 2,
 * docs/format.md §4.1 and §5). Guarantees: a version 2 encrypted store whose config was
 * changed in any field by someone without the keys is refused as tampered; a config
 * that claims another format version than its wrapped keys were made for is refused
 * (so the MAC cannot be dropped by claiming version 1); key fingerprints and config
 * digests reveal nothing about the keys. Pure: no I/O.
 */
import { timingSafeEqual } from 'node:crypto';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { hashKeyed, hashPlain } from './hash.js';
import type { MasterKeys as Keys } from './store-config.js';

/** First format version whose encrypted configs carry a MAC. */
export const MAC_SINCE_VERSION = 2;

/** Fields outside the authenticated content: the unkeyed checksum and the MAC itself. */
const UNAUTHENTICATED = new Set(['checksum', 'mac']);

/** JSON with object keys sorted at every level and no whitespace. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const parts = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`);
  return `{${parts.join(',')}}`;
}

/** The authenticated bytes of a config: canonical JSON without `checksum` and `mac`. */
export function authenticatedBytes(cfg: object): Buffer {
  const rest = Object.fromEntries(Object.entries(cfg).filter(([k]) => !UNAUTHENTICATED.has(k)));
  return Buffer.from(canonicalJson(rest), 'utf8');
}

/**
 * A 32-byte key for one purpose, derived from all three master keys:
 * BLAKE3-keyed(idKey, "coffer/v2/" ‖ purpose ‖ 0x00 ‖ dataKey (absent in plaintext stores) ‖ chunkerKey).
 */
export function masterSubkey(keys: Keys, purpose: string): Buffer {
  const parts = [Buffer.from(`coffer/v2/${purpose}\0`, 'utf8'), keys.data ?? Buffer.alloc(0), keys.chunker];
  return hashKeyed(keys.id, Buffer.concat(parts));
}

/** The config's MAC (hex): BLAKE3-keyed(subkey "config-mac", authenticated bytes). */
export function configMac(cfg: object, keys: Keys): string {
  return hashKeyed(masterSubkey(keys, 'config-mac'), authenticatedBytes(cfg)).toString('hex');
}

/** A fingerprint of the master keys (hex) that reveals nothing about them. */
export function keyFingerprint(keys: Keys): string {
  return hashKeyed(masterSubkey(keys, 'fingerprint'), Buffer.from('coffer key fingerprint', 'utf8')).toString('hex');
}

/** Unkeyed BLAKE3 (hex) of the authenticated bytes: tells whether a config changed. */
export function configDigest(cfg: object): string {
  return hashPlain(authenticatedBytes(cfg)).toString('hex');
}

function tampered(where: string, what: string): CofferError {
  return new CofferError(
    ErrorCode.Untrusted,
    `the config of ${where} ${what}: it was changed without the store's keys (tampering); refusing to use the store: restore its config from a copy`,
  );
}

/**
 * Checks an encrypted store's config against the keys just unwrapped from it.
 * `keysVersion` is the format version recorded inside the wrapped keys (1 when absent).
 */
export function authenticateConfig(
  cfg: { readonly version: number; readonly mac?: string | undefined },
  keys: Keys,
  keysVersion: number,
  where: string,
): void {
  if (keysVersion !== cfg.version) throw tampered(where, `claims format version ${cfg.version}, but its keys were made for version ${keysVersion}`);
  if (keysVersion < MAC_SINCE_VERSION) return;
  if (typeof cfg.mac !== 'string' || !/^[0-9a-f]{64}$/.test(cfg.mac)) throw tampered(where, 'has no valid MAC');
  const want = Buffer.from(configMac(cfg, keys), 'hex');
  if (!timingSafeEqual(want, Buffer.from(cfg.mac, 'hex'))) throw tampered(where, 'does not match its MAC');
}
