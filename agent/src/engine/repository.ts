/**
 * A store opened for reading: config, keys, the master index, and the decoding of
 * every kind of stored object. Writing is in repo-writer.ts. Knows storage only
 * through the StorageBackend port. Damage stays local: a damaged index file is
 * skipped (the packs no readable index names are re-indexed from their own headers),
 * a damaged snapshot file hides only that snapshot; both are reported once through
 * `warn`.
 */
import { ensureReserve } from './reserve.js';
import os from 'node:os';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { FileKind, StorageBackend } from '../storage/backend.js';
import { prepareKey } from './aead.js';
import { Chunker, gearTable } from './chunker.js';
import { type CodecOptions, decode, DecodeError, encode } from './codec.js';
import { hashKeyed } from './hash.js';
import { decodeIndex, INDEX_AAD, type IndexedPack } from './index-file.js';
import { configSlot, type KeySlot, unlockAnySlot } from './key-slots.js';
import { readPackHeader } from './pack-header.js';
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
import { decodeStoredTree, decodeTree, type StoredTree, type Tree, type TreeNode } from './tree.js';
import type { PartRef } from './tree-parts.js';

/**
 * About the most an index file takes per blob, stored: 45 bytes of plaintext (47 with
 * the pack names of 1 MiB chunks), 32.5-34.6 compressed (the ids do not compress).
 * loadIndex reserves room in the master index from it: an estimate just under the
 * real count costs one rebuild of the hash slots at most.
 */
const INDEX_BYTES_PER_BLOB = { plain: 47, compressed: 35 };

/** Supplies the passphrase when (and only when) the store is encrypted. */
export type PassphraseSource = () => Promise<string>;

/** A readable store. */
export class Repository {
  readonly index = new MasterIndex();
  readonly codec: CodecOptions;
  readonly chunker: Chunker;
  private readonly treeCache = new Map<string, Tree>();
  private indexLoaded = false;
  private orphansIndexed = false;
  /** The passphrase slot this handle was opened with (undefined for a plaintext store). */
  keySlot: KeySlot | undefined;
  /** Where warnings about skipped damage go (one line each, each said once). */
  warn: (line: string) => void = () => undefined;
  private readonly warned = new Set<string>();
  /** Index files that could not be read by the last loadIndex. */
  readonly damagedIndexFiles = new Map<string, CofferError>();
  /** Packs no readable index file names, re-indexed from their headers by loadIndex. */
  readonly orphanPacks: IndexedPack[] = [];

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
    await ensureReserve(backend);
    const repo = new Repository(backend, config, keys);
    repo.keySlot = configSlot(config);
    return repo;
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
    // An encrypted store opens with any of its passphrases: the config's slot, then the key files (key-slots.ts).
    let opened: { keys: MasterKeys; slot: KeySlot | undefined };
    try {
      opened = isEncrypted(config) ? await unlockAnySlot(backend, config, await passphrase(), backend.location) : { keys: await unlockKeys(config, undefined, backend.location), slot: undefined };
    } catch (err) {
      if (err instanceof CofferError) checks?.unlockFailed?.(config, err);
      throw err;
    }
    await checks?.keys(config, opened.keys);
    const repo = new Repository(backend, config, opened.keys);
    repo.keySlot = opened.slot;
    return repo;
  }

  /**
   * A new handle on the same store with the same config and keys (no passphrase asked
   * again) and nothing loaded: for a reader that keeps a store open while other processes
   * change it, to load the index anew after maintenance rewrote it.
   */
  reopened(): Repository {
    const r = new Repository(this.backend, this.config, this.keys);
    r.warn = this.warn;
    r.keySlot = this.keySlot;
    return r;
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

  /** Says `line` through `warn`, once per repository. */
  warnOnce(line: string): void {
    if (this.warned.has(line)) return;
    this.warned.add(line);
    this.warn(line);
  }

  /**
   * Loads every index file into the master index, then re-indexes from their headers
   * the packs no readable index file names (left by an interrupted backup, or named
   * only by a damaged index file). Damaged index files are reported through `onError`
   * (by default a warning) and skipped. Returns the names of the index files read.
   */
  async loadIndex(onError?: (name: string, err: CofferError) => void): Promise<string[]> {
    this.indexLoaded = true;
    const files = await this.backend.list('index');
    if (this.index.size === 0) {
      const bytes = files.reduce((sum, f) => sum + f.size, 0);
      this.index.reserve(Math.floor(bytes / (this.codec.level > 0 ? INDEX_BYTES_PER_BLOB.compressed : INDEX_BYTES_PER_BLOB.plain)));
    }
    const names: string[] = [];
    for (const f of files) {
      try {
        this.index.addPacks(await this.readIndexFile(f.name));
        names.push(f.name);
      } catch (err) {
        const e = CofferError.from(err);
        if (e.code === ErrorCode.NotFound) continue; // removed meanwhile (by maintenance, which wrote its successor first)
        if (e.code !== ErrorCode.Corrupt) throw e;
        this.damagedIndexFiles.set(f.name, e);
        if (onError) onError(f.name, e);
        else this.warnOnce(`warning: index file ${f.name.slice(0, 12)} skipped: ${e.message}; run 'coffer at ${this.backend.location} repair index'`);
      }
    }
    await this.indexOrphans();
    return names;
  }

  /**
   * Counts the index as loaded, for a caller that filled `index` itself (check reads
   * every index file and unindexed pack header to report on each), so that loadBlob
   * does not read them all again.
   */
  markIndexLoaded(): void {
    this.indexLoaded = true;
  }

  /**
   * Completes the index once the index files are in it (read by loadIndex, or by the
   * caller itself): indexes in memory, once, the packs no loaded index file names,
   * from their own headers; they are listed in `orphanPacks`. Unreadable ones are left
   * to check. Afterwards loadBlob does not load the index again.
   */
  async indexOrphans(): Promise<void> {
    this.indexLoaded = true;
    if (this.orphansIndexed) return;
    this.orphansIndexed = true;
    for (const f of await this.backend.list('data')) {
      if (this.index.hasPack(f.name)) continue;
      const entries = await readPackHeader(this, f.name, f.size).catch(() => undefined);
      if (!entries) continue; // a damaged unindexed pack: check reports it
      const p = { pack: f.name, entries };
      this.index.addPacks([p]);
      this.orphanPacks.push(p);
    }
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

  /** Trees held in the tree cache now. */
  get cachedTrees(): number {
    return this.treeCache.size;
  }

  /**
   * Loads a tree with all its nodes, cached unless `cache` is false: a walk that reads
   * every tree once (backup's parent trees, `ls --recursive`) passes false, so it holds
   * only the trees it is in rather than up to 4,096 of them. A split tree (format 3) is
   * read part by part and its nodes joined; it is never cached. Callers that must see
   * every blob a tree uses, or stream a large folder, use tree-read.ts instead.
   */
  async loadTree(id: string, opts: { readonly cache?: boolean } = {}): Promise<Tree> {
    const stored = await this.loadStoredTree(id, opts);
    if (!stored.parts) return stored;
    const nodes: TreeNode[] = [];
    for (const p of stored.parts) {
      const part = await this.loadTreePart(p, id);
      for (const n of part) nodes.push(n);
    }
    return { nodes };
  }

  /**
   * Reads a tree blob as stored: its nodes, or the parts of a split tree. An ordinary
   * tree goes through the tree cache unless `cache` is false; a split one is not cached.
   */
  async loadStoredTree(id: string, opts: { readonly cache?: boolean } = {}): Promise<StoredTree> {
    const hit = this.treeCache.get(id);
    if (hit) return hit;
    const stored = decodeStoredTree(await this.loadBlob(BlobType.Tree, id), id, this.config.version);
    if (stored.parts || opts.cache === false) return stored;
    const tree = { nodes: stored.nodes };
    if (this.treeCache.size > 4096) this.treeCache.clear();
    this.treeCache.set(id, tree);
    return tree;
  }

  /** Reads one part of split tree `of`; throws Corrupt when it does not hold the nodes the tree says. */
  async loadTreePart(part: PartRef, of: string): Promise<readonly TreeNode[]> {
    const { nodes } = decodeTree(await this.loadBlob(BlobType.Tree, part.id), part.id, this.config.version);
    if (nodes.length !== part.count) {
      throw new CofferError(ErrorCode.Corrupt, `tree ${of.slice(0, 12)}: part ${part.id.slice(0, 12)} holds ${nodes.length} entries, not ${part.count}`);
    }
    return nodes;
  }

  /** Reads one snapshot. */
  async loadSnapshot(id: string): Promise<SnapshotRecord> {
    const plain = await this.loadFile('snapshot', id, SNAPSHOT_AAD);
    return { id, snapshot: decodeSnapshot(plain) };
  }

  /**
   * All readable snapshots, oldest first. Damaged snapshot files go to `onError`
   * (by default a warning naming the file) and are left out.
   */
  async listSnapshots(onError?: (id: string, err: CofferError) => void): Promise<SnapshotRecord[]> {
    return (await this.scanSnapshots(onError)).intact;
  }

  /** Readable snapshots (oldest first) and the names of the damaged snapshot files. */
  async scanSnapshots(onError?: (id: string, err: CofferError) => void): Promise<{ intact: SnapshotRecord[]; damaged: Map<string, CofferError> }> {
    const files = await this.backend.list('snapshot');
    const out: SnapshotRecord[] = [];
    const damaged = new Map<string, CofferError>();
    for (const f of files) {
      try {
        out.push(await this.loadSnapshot(f.name));
      } catch (err) {
        const e = snapshotError(f.name, err);
        if (e.code === ErrorCode.NotFound) continue; // removed meanwhile
        if (e.code !== ErrorCode.Corrupt) throw e;
        damaged.set(f.name, e);
        if (onError) onError(f.name, e);
        else this.warnOnce(`warning: snapshot file ${f.name.slice(0, 12)} skipped: ${e.message}; remove it with 'coffer at ${this.backend.location} rm --apply ${f.name.slice(0, 12)}'`);
      }
    }
    out.sort((a, b) => (a.snapshot.time < b.snapshot.time ? -1 : a.snapshot.time > b.snapshot.time ? 1 : a.id < b.id ? -1 : 1));
    return { intact: out, damaged };
  }

  /**
   * Resolves `latest`, a full id, or a unique prefix of at least 4 hex characters to
   * a snapshot file name: `record` when it is readable, `damage` when it is not.
   * Throws Usage for malformed or ambiguous references, NotFound for unknown ones.
   */
  async findSnapshot(ref: string): Promise<{ id: string; record?: SnapshotRecord; damage?: CofferError }> {
    const { intact, damaged } = await this.scanSnapshots();
    if (ref === 'latest') {
      const last = intact[intact.length - 1];
      if (!last) throw new CofferError(ErrorCode.NotFound, `the store ${this.backend.location} has no ${damaged.size ? 'readable ' : ''}snapshots yet`);
      return { id: last.id, record: last };
    }
    if (!/^[0-9a-f]{4,64}$/.test(ref)) {
      throw new CofferError(ErrorCode.Usage, `invalid snapshot id '${ref}': use 'latest', a full id or a prefix of at least 4 hex characters`);
    }
    const matches = [...intact.map((r) => r.id), ...damaged.keys()].filter((id) => id.startsWith(ref));
    if (matches.length === 0) throw new CofferError(ErrorCode.NotFound, `no snapshot matches '${ref}'; list them with 'coffer at ${this.backend.location} ls'`);
    if (matches.length > 1) throw new CofferError(ErrorCode.Usage, `snapshot prefix '${ref}' is ambiguous (${matches.length} matches); give more characters`);
    const id = matches[0] as string;
    const record = intact.find((r) => r.id === id);
    return record ? { id, record } : { id, damage: damaged.get(id) as CofferError };
  }

  /** Like {@link findSnapshot}, but a damaged snapshot file is an error (Corrupt) naming the fix. */
  async resolveSnapshot(ref: string): Promise<SnapshotRecord> {
    const found = await this.findSnapshot(ref);
    if (found.record) return found.record;
    throw new CofferError(
      ErrorCode.Corrupt,
      `${found.damage?.message ?? `snapshot file ${found.id.slice(0, 12)} is damaged`}; remove it with 'coffer at ${this.backend.location} rm --apply ${found.id.slice(0, 12)}' or run 'repair snapshots'`,
    );
  }
}

/** A snapshot file that cannot be read or decoded, as a Corrupt error naming it. */
export function snapshotError(name: string, err: unknown): CofferError {
  const e = CofferError.from(err);
  if (e.code !== ErrorCode.Internal) return e;
  if (err instanceof SyntaxError || err instanceof TypeError) {
    return new CofferError(ErrorCode.Corrupt, `snapshot file ${name.slice(0, 12)} is damaged (${err.message})`);
  }
  return e;
}

/** Host name recorded in snapshots and locks. */
export function hostName(): string {
  return os.hostname();
}
