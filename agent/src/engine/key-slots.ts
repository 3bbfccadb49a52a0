/**
 * Several passphrases per store (docs/format.md §4.4). The master keys are wrapped once
 * per passphrase: the config's own `encryption` is the first slot (as every coffer has
 * always read it), and each file `keys/<id>` holds one more. Guarantees: changing or
 * removing a passphrase rewrites one slot, never the data; a slot opens only the master
 * keys the config's MAC was made with (a slot someone wrote with other keys is refused
 * as tampering, as the config's own would be); slot ids reveal nothing (a hash of the
 * wrapped bytes); a damaged key file is skipped, never mistaken for a wrong passphrase.
 * Writes go through StorageBackend (save and replaceConfig are atomic).
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { StorageBackend } from '../storage/backend.js';
import { hashPlain } from './hash.js';
import type { KdfParams } from './kdf.js';
import { type MasterKeys, type StoreConfig, unwrapMasterKeys, withWrappedKeys, type WrappedKeys, wrapMasterKeys, serializeConfig } from './store-config.js';

/** One wrapping of the master keys. */
export interface KeySlot extends WrappedKeys {
  /** 64 hex: for a key file its name, for the config's slot a hash of its wrapped keys. */
  readonly id: string;
  /** Where it lives: the config, or `keys/<id>`. */
  readonly where: 'config' | 'file';
  readonly created?: string;
  readonly host?: string;
  readonly user?: string;
}

/** Who added a key, recorded in its file (not secret, not authenticated). */
export interface KeyOrigin {
  readonly created: string;
  readonly host: string;
  readonly user: string;
}

/** The config's own slot (undefined for a plaintext store). */
export function configSlot(cfg: StoreConfig): KeySlot | undefined {
  if (!cfg.encryption) return undefined;
  const { kdf, keys, slot } = cfg.encryption;
  const id = slot !== undefined && /^[0-9a-f]{64}$/.test(slot) ? slot : hashPlain(Buffer.from(`coffer-key-slot:${keys}`, 'utf8')).toString('hex');
  return { id, where: 'config', kdf, keys, created: cfg.created };
}

/** The bytes of a key file and its name. */
export function keyFile(storeId: string, w: WrappedKeys, origin: KeyOrigin): { name: string; bytes: Buffer } {
  const body = { format: 'coffer-key', version: 1, store: storeId, ...origin, kdf: w.kdf, keys: w.keys };
  const bytes = Buffer.from(JSON.stringify(body, null, 2) + '\n', 'utf8');
  return { name: hashPlain(bytes).toString('hex'), bytes };
}

/** Parses a key file; throws Corrupt when it is damaged or not of this store. */
export function parseKeyFile(name: string, bytes: Buffer, storeId: string): KeySlot {
  if (hashPlain(bytes).toString('hex') !== name) throw new CofferError(ErrorCode.Corrupt, `key file ${name.slice(0, 8)} is damaged (content does not match its name)`);
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new CofferError(ErrorCode.Corrupt, `key file ${name.slice(0, 8)} is damaged (not JSON)`);
  }
  if (o.format !== 'coffer-key' || o.store !== storeId || typeof o.keys !== 'string' || typeof o.kdf !== 'object' || o.kdf === null) {
    throw new CofferError(ErrorCode.Corrupt, `key file ${name.slice(0, 8)} is not a key of this store`);
  }
  const text = (k: string): string | undefined => (typeof o[k] === 'string' ? (o[k]) : undefined);
  const slot: KeySlot = { id: name, where: 'file', kdf: o.kdf as KdfParams, keys: o.keys };
  const created = text('created');
  const host = text('host');
  const user = text('user');
  return { ...slot, ...(created ? { created } : {}), ...(host ? { host } : {}), ...(user ? { user } : {}) };
}

/** Every slot: the config's first, then the readable key files (damaged ones go to `onDamage`). */
export async function listSlots(backend: StorageBackend, cfg: StoreConfig, onDamage: (name: string, err: CofferError) => void = () => undefined): Promise<KeySlot[]> {
  const first = configSlot(cfg);
  if (!first) return [];
  const out: KeySlot[] = [first];
  for (const f of await backend.list('key')) {
    try {
      const s = parseKeyFile(f.name, await backend.load('key', f.name), cfg.id);
      // A file left by an interrupted promotion wraps the same bytes as the config's slot.
      if (s.keys !== first.keys && s.id !== first.id) out.push(s);
    } catch (err) {
      const e = CofferError.from(err);
      if (e.code === ErrorCode.NotFound) continue;
      if (e.code !== ErrorCode.Corrupt) throw e;
      onDamage(f.name, e);
    }
  }
  return out;
}

/**
 * Opens the master keys with a passphrase: the config's slot first, then each key file.
 * Throws WrongPassphrase when none opens (Untrusted as soon as one opens keys the
 * config's MAC does not match).
 */
export async function unlockAnySlot(backend: StorageBackend, cfg: StoreConfig, passphrase: string, where: string): Promise<{ keys: MasterKeys; slot: KeySlot }> {
  const first = configSlot(cfg);
  if (!first) throw new CofferError(ErrorCode.Internal, 'unlockAnySlot on a plaintext store');
  let wrong: CofferError | undefined;
  try {
    return { keys: await unwrapMasterKeys(cfg, first, passphrase, where), slot: first };
  } catch (err) {
    if (!(err instanceof CofferError) || err.code !== ErrorCode.WrongPassphrase) throw err;
    wrong = err;
  }
  for (const slot of (await listSlots(backend, cfg)).slice(1)) {
    try {
      return { keys: await unwrapMasterKeys(cfg, slot, passphrase, where), slot };
    } catch (err) {
      if (!(err instanceof CofferError) || err.code !== ErrorCode.WrongPassphrase) throw err;
    }
  }
  throw wrong;
}

/** Adds a passphrase as a new key file; returns its slot. */
export async function addSlot(backend: StorageBackend, cfg: StoreConfig, keys: MasterKeys, passphrase: string, origin: KeyOrigin): Promise<KeySlot> {
  const w = await wrapMasterKeys(keys, cfg.version, cfg.id, passphrase, cfg.encryption?.kdf);
  const f = keyFile(cfg.id, w, origin);
  await backend.save('key', f.name, f.bytes);
  return { id: f.name, where: 'file', ...w, ...origin };
}

/** Atomically rewrites the config with `w` as its slot (`slot`: the id it keeps); returns the new config. */
export async function replaceConfigSlot(backend: StorageBackend, cfg: StoreConfig, keys: MasterKeys, w: WrappedKeys, slot?: string): Promise<StoreConfig> {
  const next = withWrappedKeys(cfg, w, keys, slot);
  await backend.replaceConfig(serializeConfig(next));
  return next;
}

/**
 * Removes a slot. A key file is deleted. The config's slot is replaced by another slot
 * (`successor`, a key file), which is then deleted as a file: the config always holds a
 * passphrase that opens the store, so coffers that know no key files keep working with
 * it. Returns the config (new when it changed).
 */
export async function removeSlot(backend: StorageBackend, cfg: StoreConfig, keys: MasterKeys, slot: KeySlot, successor: KeySlot | undefined): Promise<StoreConfig> {
  if (slot.where === 'file') {
    await backend.remove('key', slot.id);
    return cfg;
  }
  if (!successor || successor.where !== 'file') throw new CofferError(ErrorCode.Internal, 'removing the config slot needs a key file to take its place');
  // The key keeps its id when it moves into the config.
  const next = await replaceConfigSlot(backend, cfg, keys, successor, successor.id);
  await backend.remove('key', successor.id);
  return next;
}
