/**
 * A store opened for reading: config, keys, the master index, and the decoding of
 * every kind of stored object. Writing is in repo-writer.ts. Knows storage only
 * through the StorageBackend port.
 */
import os from 'node:os';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { FileKind, StorageBackend } from '../storage/backend.js';
import { prepareKey } from './aead.js';
import { Chunker, gearTable } from './chunker.js';
import { type CodecOptions, decode, DecodeError, encode } from './codec.js';
import { hashKeyed } from './hash.js';
import { decodeIndex, INDEX_AAD, type IndexedPack } from './index-file.js';
import { MasterIndex } from './master-index.js';
import { blobAad, BlobType } from './pack.js';
import { decodeSnapshot, SNAPSHOT_AAD, type SnapshotRecord } from './snapshot.js';
import {
  type CreateOptions,
  isEncrypted,
  type MasterKeys,
  newStoreConfig,
  type OpenChecks,
  parseConfig,
  serializeConfig,
  type StoreConfig,
  unlockKeys,
} from './store-config.js';
import { decodeTree, type Tree } from './tree.js';

/** Supplies the passphrase when (and only when) the store is encrypted. */
export type PassphraseSource = () => Promise<string>;

/** A readable store. */
export class Repository {
  readonly index = new MasterIndex();
  readonly codec: CodecOptions;
  readonly chunker: Chunker;
  private readonly treeCache = new Map<string, Tree>();
  private indexLoaded = false;

  private constructor(
    readonly backend: StorageBackend,
    readonly config: StoreConfig,
    readonly keys: MasterKeys,
  ) {
    this.codec = { key: keys.data ? prepareKey(keys.data) : undefined, level: config.compression?.level ?? 0 };
    this.chunker = new Chunker(gearTable(keys.chunker), config.chunker);
  }

  /** Creates a new store at `backend`; refuses when one exists or the place is not empty. */
  static async create(backend: StorageBackend, passphrase: string | undefined, opts: CreateOptions, now = new Date()): Promise<Repository> {
    if (await backend.exists()) {
      throw new CofferError(ErrorCode.StoreExists, `a store already exists at ${backend.location}; refusing to create another over it`);
    }
    const { config, keys } = await newStoreConfig(passphrase, opts, now);
    await backend.init();
    await backend.save('config', '', serializeConfig(config));
    return new Repository(backend, config, keys);
  }

  /** Opens an existing store; asks for the passphrase only when it is encrypted. */
  static async open(backend: StorageBackend, passphrase: PassphraseSource, checks?: OpenChecks): Promise<Repository> {
    let raw: Buffer;
    try {
      raw = await backend.load('config', '');
    } catch (err) {
      if (err instanceof CofferError && err.code === ErrorCode.NotFound) {
        throw new CofferError(ErrorCode.StoreNotFound, `no store at ${backend.location}: create one with 'coffer at ${backend.location} create'`);
      }
      throw err;
    }
    const config = parseConfig(raw, backend.location);
    await checks?.config(config);
    const keys = await unlockKeys(config, isEncrypted(config) ? await passphrase() : undefined, backend.location);
    await checks?.keys(config, keys);
    return new Repository(backend, config, keys);
  }

  /** Keyed BLAKE3 id of `data`. */
  idOf(data: Uint8Array): Buffer {
    return hashKeyed(this.keys.id, data);
  }

  /** Encodes, names (keyed hash of the stored bytes) and atomically saves a file. */
  async saveFile(kind: FileKind, plain: Uint8Array, aad: Uint8Array): Promise<string> {
    const stored = encode(this.codec, plain, aad);
    const name = this.idOf(stored).toString('hex');
    await this.backend.save(kind, name, stored);
    return name;
  }

  /** Loads a file, checks its name against its content, decodes it. */
  async loadFile(kind: FileKind, name: string, aad: Uint8Array): Promise<Buffer> {
    const stored = await this.backend.load(kind, name);
    if (!this.idOf(stored).equals(Buffer.from(name, 'hex'))) {
      throw new CofferError(ErrorCode.Corrupt, `${kind} file ${name.slice(0, 12)} is damaged (content does not match its name)`);
    }
    try {
      return decode(this.codec, stored, aad);
    } catch (err) {
      if (err instanceof DecodeError) {
        throw new CofferError(ErrorCode.Corrupt, `${kind} file ${name.slice(0, 12)} is damaged (${err.message})`);
      }
      throw err;
    }
  }

  /** Reads one index file. */
  async readIndexFile(name: string): Promise<IndexedPack[]> {
    const plain = await this.loadFile('index', name, INDEX_AAD);
    try {
      return decodeIndex(plain);
    } catch (err) {
      throw new CofferError(ErrorCode.Corrupt, `index file ${name.slice(0, 12)} is damaged (${(err as Error).message})`);
    }
  }

  /**
   * Loads every index file into the master index. Damaged index files are reported
   * through `onError` and skipped (their packs can be re-indexed by `check`/`repair`);
   * without `onError` the first one throws.
   */
  async loadIndex(onError?: (name: string, err: CofferError) => void): Promise<string[]> {
    this.indexLoaded = true;
    const files = await this.backend.list('index');
    const names: string[] = [];
    for (const f of files) {
      try {
        this.index.addPacks(await this.readIndexFile(f.name));
        names.push(f.name);
      } catch (err) {
        const e = CofferError.from(err);
        if (!onError) throw e;
        onError(f.name, e);
      }
    }
    return names;
  }

  /** Loads, decrypts and verifies one blob. */
  async loadBlob(type: BlobType, id: string): Promise<Buffer> {
    if (!this.indexLoaded) await this.loadIndex();
    const loc = this.index.get(id);
    if (!loc) throw new CofferError(ErrorCode.NotFound, `blob ${id.slice(0, 12)} is not in any index (data missing from the store)`);
    const stored = await this.backend.load('data', loc.pack, { offset: loc.offset, length: loc.length });
    return this.decodeBlob(type, id, stored, loc.pack);
  }

  /** Decodes stored blob bytes and checks them against `id`. */
  decodeBlob(type: BlobType, id: string, stored: Uint8Array, pack: string): Buffer {
    const idBytes = Buffer.from(id, 'hex');
    let plain: Buffer;
    try {
      plain = decode(this.codec, stored, blobAad(type, idBytes));
    } catch (err) {
      if (err instanceof DecodeError) {
        throw new CofferError(ErrorCode.Corrupt, `blob ${id.slice(0, 12)} in pack ${pack.slice(0, 12)} is damaged (${err.message})`);
      }
      throw err;
    }
    if (!this.idOf(plain).equals(idBytes)) {
      throw new CofferError(ErrorCode.Corrupt, `blob ${id.slice(0, 12)} in pack ${pack.slice(0, 12)} is damaged (hash mismatch)`);
    }
    return plain;
  }

  /** Loads a tree (cached). */
  async loadTree(id: string): Promise<Tree> {
    const hit = this.treeCache.get(id);
    if (hit) return hit;
    const tree = decodeTree(await this.loadBlob(BlobType.Tree, id), id, this.config.version);
    if (this.treeCache.size > 4096) this.treeCache.clear();
    this.treeCache.set(id, tree);
    return tree;
  }

  /** Reads one snapshot. */
  async loadSnapshot(id: string): Promise<SnapshotRecord> {
    const plain = await this.loadFile('snapshot', id, SNAPSHOT_AAD);
    return { id, snapshot: decodeSnapshot(plain) };
  }

  /** All snapshots, oldest first. Damaged ones go to `onError` (or throw without it). */
  async listSnapshots(onError?: (id: string, err: CofferError) => void): Promise<SnapshotRecord[]> {
    const files = await this.backend.list('snapshot');
    const out: SnapshotRecord[] = [];
    for (const f of files) {
      try {
        out.push(await this.loadSnapshot(f.name));
      } catch (err) {
        const e = CofferError.from(err);
        if (!onError) throw e;
        onError(f.name, e);
      }
    }
    return out.sort((a, b) => (a.snapshot.time < b.snapshot.time ? -1 : a.snapshot.time > b.snapshot.time ? 1 : a.id < b.id ? -1 : 1));
  }

  /**
   * Resolves `latest`, a full id, or a unique prefix of at least 4 hex characters.
   * Throws Usage for malformed or ambiguous references, NotFound for unknown ones.
   */
  async resolveSnapshot(ref: string): Promise<SnapshotRecord> {
    const snaps = await this.listSnapshots();
    if (ref === 'latest') {
      const last = snaps[snaps.length - 1];
      if (!last) throw new CofferError(ErrorCode.NotFound, `the store ${this.backend.location} has no snapshots yet`);
      return last;
    }
    if (!/^[0-9a-f]{4,64}$/.test(ref)) {
      throw new CofferError(ErrorCode.Usage, `invalid snapshot id '${ref}': use 'latest', a full id or a prefix of at least 4 hex characters`);
    }
    const matches = snaps.filter((s) => s.id.startsWith(ref));
    if (matches.length === 0) throw new CofferError(ErrorCode.NotFound, `no snapshot matches '${ref}'; list them with 'coffer at ${this.backend.location} ls'`);
    if (matches.length > 1) throw new CofferError(ErrorCode.Usage, `snapshot prefix '${ref}' is ambiguous (${matches.length} matches); give more characters`);
    return matches[0] as SnapshotRecord;
  }
}

/** Host name recorded in snapshots and locks. */
export function hostName(): string {
  return os.hostname();
}
