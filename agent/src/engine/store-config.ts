/**
 * The store's `config` file: format version, store id, chunker, compression and pack
 * parameters, and the master keys wrapped under a passphrase-derived key. JSON, with
 * a BLAKE3 checksum over everything else so that a damaged config is told apart
 * from a wrong passphrase. From format version 2 an encrypted store's config also
 * carries a MAC under its master keys, checked as soon as the keys are unwrapped
 * (config-auth.ts): a config changed without the keys is refused. Pure: no I/O.
 */
import { randomBytes } from 'node:crypto';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { AuthenticationError, open, prepareKey, seal } from './aead.js';
import { type ChunkerParams, DEFAULT_CHUNKER_PARAMS, validateParams } from './chunker.js';
import { DEFAULT_LEVEL } from './compress.js';
import { authenticateConfig, configMac, MAC_SINCE_VERSION } from './config-auth.js';
import { hashPlain } from './hash.js';
import { deriveKek, type KdfParams, newKdfParams } from './kdf.js';

/**
 * Store format version that `create` writes. Version 2 (docs/format.md §12) adds the
 * config's authentication under the master keys and raw-byte names in trees; version 3
 * splits the tree of a folder of more than 8,192 entries into parts; version 1
 * stores are read and written as version 1 (a writer never changes a store's version).
 */
export const FORMAT_VERSION = 3;
/** Oldest store format version this coffer reads. */
export const MIN_FORMAT_VERSION = 1;
/** Target packfile size; see docs/format.md. */
export const DEFAULT_PACK_SIZE = 16 * 1024 * 1024;

/** The master secrets of a store. */
export interface MasterKeys {
  /** AEAD key for all stored data; absent in plaintext stores. */
  readonly data: Buffer | undefined;
  /** Key of the keyed BLAKE3 that names blobs and files. */
  readonly id: Buffer;
  /** Secret from which the chunker's gear table is derived. */
  readonly chunker: Buffer;
}

/** Parsed config. */
export interface StoreConfig {
  readonly format: 'coffer-store';
  readonly version: number;
  readonly id: string;
  readonly created: string;
  readonly chunker: ChunkerParams;
  readonly compression: { readonly alg: 'zstd'; readonly level: number } | null;
  readonly packSize: number;
  readonly encryption: {
    readonly aead: 'XAES-256-GCM';
    readonly kdf: KdfParams;
    /** Base64 of seal(KEK, JSON master keys). */
    readonly keys: string;
    /** The id of this passphrase slot when it came from a key file (key-slots.ts); absent: a hash of `keys`. */
    readonly slot?: string;
  } | null;
  /** Plaintext stores only: the id and chunker keys in hex. */
  readonly plainKeys?: { readonly id: string; readonly chunker: string };
  /** Encrypted stores of version 2 on: hex MAC of the config under the master keys (config-auth.ts). */
  readonly mac?: string;
}

/** Checks of a store's identity by the caller (cli/store-trust.ts); each may refuse the store by throwing. */
export interface OpenChecks {
  /** Before the passphrase is asked for: the parsed config. */
  readonly config: (config: StoreConfig) => void | Promise<void>;
  /** After the keys are unwrapped and the config authenticated. */
  readonly keys: (config: StoreConfig, keys: MasterKeys) => void | Promise<void>;
  /** When no slot opened or the config did not authenticate: may throw a clearer error in place of `err`. */
  readonly unlockFailed?: (config: StoreConfig, err: CofferError) => void;
}

/** Options for a new store. */
export interface CreateOptions {
  readonly plaintext?: boolean;
  readonly compressionLevel?: number;
  readonly chunker?: ChunkerParams;
  readonly packSize?: number;
  readonly kdf?: { opslimit: number; memlimit: number };
}

function keysAad(storeId: string): Buffer {
  return Buffer.from(`coffer/v1/keys:${storeId}`, 'utf8');
}

function canonical(cfg: StoreConfig): string {
  return JSON.stringify(cfg);
}

/** Serialises a config with its checksum. */
export function serializeConfig(cfg: StoreConfig): Buffer {
  const body = canonical(cfg);
  const sum = hashPlain(Buffer.from(body, 'utf8')).toString('hex');
  return Buffer.from(JSON.stringify({ ...cfg, checksum: sum }, null, 2) + '\n', 'utf8');
}

/** Parses and checks a config file; throws a Corrupt error when damaged. */
export function parseConfig(bytes: Uint8Array, where: string): StoreConfig {
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new CofferError(ErrorCode.Corrupt, `the config file of ${where} is damaged (not JSON); restore it from a copy of the store`);
  }
  const { checksum, ...rest } = obj;
  const cfg = rest as unknown as StoreConfig;
  const sum = hashPlain(Buffer.from(canonical(cfg), 'utf8')).toString('hex');
  if (checksum !== sum) {
    throw new CofferError(ErrorCode.Corrupt, `the config file of ${where} is damaged (checksum mismatch); restore it from a copy of the store`);
  }
  if (cfg.format !== 'coffer-store') {
    throw new CofferError(ErrorCode.StoreNotFound, `${where} is not a coffer store (config has format '${String(cfg.format)}')`);
  }
  if (!Number.isInteger(cfg.version) || cfg.version < MIN_FORMAT_VERSION) {
    throw new CofferError(ErrorCode.Corrupt, `the config file of ${where} has an invalid format version ${JSON.stringify(cfg.version)}`);
  }
  if (cfg.version > FORMAT_VERSION) {
    throw new CofferError(ErrorCode.Config, `${where} uses store format ${cfg.version}, newer than this coffer supports (${FORMAT_VERSION}); upgrade coffer`);
  }
  validateParams(cfg.chunker);
  return cfg;
}

/** Makes a config and fresh master keys for a new store. */
export async function newStoreConfig(
  passphrase: string | undefined,
  opts: CreateOptions,
  now: Date,
): Promise<{ config: StoreConfig; keys: MasterKeys }> {
  const id = randomBytes(16).toString('hex');
  const keys: MasterKeys = {
    data: opts.plaintext ? undefined : randomBytes(32),
    id: randomBytes(32),
    chunker: randomBytes(32),
  };
  const level = opts.compressionLevel ?? DEFAULT_LEVEL;
  const base = {
    format: 'coffer-store' as const,
    version: FORMAT_VERSION,
    id,
    created: now.toISOString(),
    chunker: opts.chunker ?? DEFAULT_CHUNKER_PARAMS,
    compression: level > 0 ? { alg: 'zstd' as const, level } : null,
    packSize: opts.packSize ?? DEFAULT_PACK_SIZE,
  };
  validateParams(base.chunker);
  if (opts.plaintext) {
    return {
      config: { ...base, encryption: null, plainKeys: { id: keys.id.toString('hex'), chunker: keys.chunker.toString('hex') } },
      keys,
    };
  }
  if (passphrase === undefined) throw new CofferError(ErrorCode.Usage, 'a passphrase is needed to create an encrypted store');
  const { kdf, keys: wrapped } = await wrapMasterKeys(keys, base.version, id, passphrase, opts.kdf);
  const config: StoreConfig = { ...base, encryption: { aead: 'XAES-256-GCM', kdf, keys: wrapped } };
  return { config: base.version >= MAC_SINCE_VERSION ? { ...config, mac: configMac(config, keys) } : config, keys };
}

/** Master keys wrapped under a passphrase: the KDF parameters and the sealed keys (base64). */
export interface WrappedKeys {
  readonly kdf: KdfParams;
  readonly keys: string;
}

/**
 * Wraps the master keys under a passphrase with fresh KDF parameters (a new salt). From
 * version 2 the wrapped keys name the format version, so that the config's MAC cannot be
 * dropped by rewriting its version to 1.
 */
export async function wrapMasterKeys(
  keys: MasterKeys,
  version: number,
  storeId: string,
  passphrase: string,
  kdfOpts?: { opslimit: number; memlimit: number },
): Promise<WrappedKeys> {
  const kdf = await newKdfParams(kdfOpts?.opslimit, kdfOpts?.memlimit);
  const kek = prepareKey(await deriveKek(passphrase, kdf));
  const plain = Buffer.from(
    JSON.stringify({
      data: keys.data?.toString('base64'),
      id: keys.id.toString('base64'),
      chunker: keys.chunker.toString('base64'),
      ...(version >= MAC_SINCE_VERSION ? { version } : {}),
    }),
  );
  return { kdf, keys: seal(kek, [plain], keysAad(storeId)).toString('base64') };
}

/**
 * Opens wrapped master keys with a passphrase and authenticates the config with them;
 * throws WrongPassphrase when the passphrase does not open them, Untrusted when the
 * config was changed without them.
 */
export async function unwrapMasterKeys(cfg: StoreConfig, w: WrappedKeys, passphrase: string, where: string): Promise<MasterKeys> {
  const kek = prepareKey(await deriveKek(passphrase, w.kdf));
  let plain: Buffer;
  try {
    plain = open(kek, Buffer.from(w.keys, 'base64'), keysAad(cfg.id));
  } catch (err) {
    if (err instanceof AuthenticationError) {
      throw new CofferError(ErrorCode.WrongPassphrase, `wrong passphrase for ${where}: check COFFER_PASSPHRASE or the passphrase file`);
    }
    throw err;
  }
  const k = JSON.parse(plain.toString('utf8')) as { data: string; id: string; chunker: string; version?: number };
  const keys = { data: Buffer.from(k.data, 'base64'), id: Buffer.from(k.id, 'base64'), chunker: Buffer.from(k.chunker, 'base64') };
  authenticateConfig(cfg, keys, k.version ?? 1, where);
  return keys;
}

/**
 * The config with its passphrase slot replaced by `w` and its MAC (version 2 on)
 * recomputed under the same master keys; everything else is unchanged.
 */
export function withWrappedKeys(cfg: StoreConfig, w: WrappedKeys, keys: MasterKeys, slot?: string): StoreConfig {
  if (!cfg.encryption) throw new CofferError(ErrorCode.Usage, 'an unencrypted store has no passphrase');
  const { mac: _old, ...rest } = cfg;
  const { slot: _was, ...enc } = cfg.encryption;
  const next: StoreConfig = { ...rest, encryption: { ...enc, kdf: w.kdf, keys: w.keys, ...(slot !== undefined ? { slot } : {}) } };
  return cfg.version >= MAC_SINCE_VERSION ? { ...next, mac: configMac(next, keys) } : next;
}

/** True when the store needs a passphrase to open. */
export function isEncrypted(cfg: StoreConfig): boolean {
  return cfg.encryption !== null;
}

/**
 * Unwraps the master keys and authenticates the config with them; throws WrongPassphrase
 * when the passphrase does not open them, Untrusted when the config was changed without them.
 */
export async function unlockKeys(cfg: StoreConfig, passphrase: string | undefined, where: string): Promise<MasterKeys> {
  if (!cfg.encryption) {
    if (!cfg.plainKeys) throw new CofferError(ErrorCode.Corrupt, `the config file of ${where} has no keys`);
    return { data: undefined, id: Buffer.from(cfg.plainKeys.id, 'hex'), chunker: Buffer.from(cfg.plainKeys.chunker, 'hex') };
  }
  if (passphrase === undefined) {
    throw new CofferError(ErrorCode.WrongPassphrase, `${where} is encrypted: set COFFER_PASSPHRASE, COFFER_PASSPHRASE_CMD or --passphrase-file`);
  }
  return unwrapMasterKeys(cfg, cfg.encryption, passphrase, where);
}
