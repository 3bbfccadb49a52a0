/**
 * Adds blobs to a store: deduplicates against the master index and against blobs in
 * flight, has them encoded (EncodePool), gathers them into packfiles of about
 * `config.packSize`, saves packs atomically, and writes index files for the packs it
 * saved (periodically, and at flush). Guarantees: a pack is in an index file only
 * after the pack itself is saved; memory is bounded by `maxInFlight` bytes of blobs
 * between addBlob and their pack being saved. What it remembers per blob is compact:
 * blobs in flight by a 16-byte key (pending-ids.ts), each pack's entries as the
 * 45-byte records of its header until they are in an index file, then the master index.
 */
import { CofferError } from '@coffer/shared/errors.js';
import { encode } from './codec.js';
import { createKeyedHasher } from './hash.js';
import type { EncodePool } from './encode-pool.js';
import { encodeIndexHeaders, INDEX_AAD, type IndexedHeader, type IndexedPack } from './index-file.js';
import { BlobType, encodeHeader, HEADER_AAD, HEADER_ENTRY_SIZE, PACK_MAGIC, PACK_PREFIX, type PackEntry, writeHeaderEntry } from './pack.js';
import { PendingIds } from './pending-ids.js';
import type { Repository } from './repository.js';

/** Tuning of a writer. */
export interface WriterOptions {
  readonly pool: EncodePool;
  /**
   * Bytes accepted but not yet saved in a pack (raw while encoding, encoded after)
   * before addBlob and waitForRoom wait. @default 32 MiB
   */
  readonly maxInFlight?: number;
  /** Packs saved concurrently. @default 2 */
  readonly uploads?: number;
  /** Write an index file once this many ms passed since the last one. @default 60000 */
  readonly indexIntervalMs?: number;
  /** Clock for the index interval. @default Date.now */
  readonly now?: () => number;
}

/** What a writer has added. */
export interface WriterStats {
  newBlobs: number;
  /** Raw bytes of new blobs. */
  newBytes: number;
  /** Bytes written in packs. */
  storedBytes: number;
  packs: number;
}

/** An open pack: its encoded blobs and its header's entries. */
class Packer {
  parts: Buffer[] = [PACK_MAGIC];
  /** u32 count (written by header()) then `count` header entries. */
  private records = Buffer.alloc(4 + 64 * HEADER_ENTRY_SIZE);
  count = 0;
  size = PACK_PREFIX;

  add(e: PackEntry): void {
    const end = 4 + (this.count + 1) * HEADER_ENTRY_SIZE;
    if (end > this.records.length) {
      const grown = Buffer.alloc(2 * this.records.length);
      this.records.copy(grown);
      this.records = grown;
    }
    writeHeaderEntry(this.records, end - HEADER_ENTRY_SIZE, e);
    this.count++;
  }

  /** The header plaintext (pack.ts), in a buffer of its own. */
  header(): Buffer {
    this.records.writeUInt32LE(this.count, 0);
    return Buffer.from(this.records.subarray(0, 4 + this.count * HEADER_ENTRY_SIZE));
  }
}

/** Writes blobs into a store. One per backup (or other writing operation). */
export class RepoWriter {
  readonly stats: WriterStats = { newBlobs: 0, newBytes: 0, storedBytes: 0, packs: 0 };
  /** Index files this writer saved. */
  readonly indexFiles: string[] = [];
  private readonly pending = new PendingIds();
  private readonly packers = new Map<BlobType, Packer>();
  private readonly uploading = new Set<Promise<void>>();
  private readonly encoding = new Set<Promise<void>>();
  private unindexed: IndexedHeader[] = [];
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private error: Error | undefined;
  private lastIndex: number;
  private readonly maxInFlight: number;
  private readonly uploads: number;
  private readonly indexIntervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly repo: Repository,
    private readonly opts: WriterOptions,
  ) {
    this.maxInFlight = opts.maxInFlight ?? 32 * 1024 * 1024;
    this.uploads = opts.uploads ?? 2;
    this.indexIntervalMs = opts.indexIntervalMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    this.lastIndex = this.now();
  }

  /** Whether the store has (or this writer is adding) the blob (hex or bytes). */
  has(id: string | Uint8Array): boolean {
    return this.repo.index.has(id) || this.pending.has(id);
  }

  /**
   * Adds a blob unless the store already has it. `data` must own its ArrayBuffer and
   * is handed over (it may be transferred to a worker). Resolves once accepted;
   * waits while too much is in flight. Returns whether the blob was new.
   */
  async addBlob(type: BlobType, id: Buffer, data: Buffer): Promise<boolean> {
    if (this.error) throw this.error;
    if (this.repo.index.has(id) || !this.pending.add(id)) return false;
    const rawLength = data.length;
    this.inFlight += rawLength;
    this.stats.newBlobs++;
    this.stats.newBytes += rawLength;
    const job = this.opts.pool.encode(type, id, data).then(
      (enc) => {
        // From here on the blob counts by its encoded size.
        this.inFlight += enc.length - rawLength;
        this.append(type, id, enc, rawLength);
        this.wake();
      },
      (err: unknown) => this.fail(err),
    );
    const tracked: Promise<void> = job.finally(() => this.encoding.delete(tracked));
    this.encoding.add(tracked);
    await this.waitForRoom();
    return true;
  }

  /** Throws the first background failure, if any. */
  private rethrow(): void {
    if (this.error) throw this.error;
  }

  private fail(err: unknown): void {
    this.error ??= CofferError.from(err);
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private append(type: BlobType, id: Buffer, enc: Buffer, rawLength: number): void {
    let p = this.packers.get(type);
    if (!p) {
      p = new Packer();
      this.packers.set(type, p);
    }
    p.add({ type, id, offset: p.size, length: enc.length, rawLength });
    p.parts.push(enc);
    p.size += enc.length;
    if (p.size >= this.repo.config.packSize) {
      this.packers.delete(type);
      this.finishPack(p);
    }
  }

  private finishPack(p: Packer): void {
    const plain = p.header();
    const header = encode(this.repo.codec, plain, HEADER_AAD);
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32LE(header.length, 0);
    const parts = [...p.parts, header, trailer];
    const hasher = createKeyedHasher(this.repo.keys.id);
    let size = 0;
    for (const part of parts) {
      hasher.update(part);
      size += part.length;
    }
    const name = hasher.digest().toString('hex');
    const job = this.repo.backend.save('data', name, parts).then(
      () => {
        this.stats.packs++;
        this.stats.storedBytes += size;
        this.repo.index.addPackHeader(name, plain);
        for (let i = 0, at = 5; i < p.count; i++, at += HEADER_ENTRY_SIZE) this.pending.delete(plain, at);
        this.unindexed.push({ pack: name, header: plain });
        this.inFlight -= p.size - PACK_PREFIX;
        this.wake();
      },
      (err: unknown) => this.fail(err),
    );
    const tracked: Promise<void> = job.finally(() => this.uploading.delete(tracked));
    this.uploading.add(tracked);
  }

  /**
   * Adds a blob that is already encoded for this store (by a file worker, or copied
   * from another pack by maintenance, which passes `force` to store it again even
   * though the index knows it). Returns whether it was added.
   */
  async addEncoded(type: BlobType, id: Buffer, encoded: Buffer, rawLength: number, force = false): Promise<boolean> {
    this.rethrow();
    if ((!force && this.repo.index.has(id)) || !this.pending.add(id)) return false;
    this.inFlight += encoded.length;
    this.stats.newBlobs++;
    this.stats.newBytes += rawLength;
    this.append(type, id, encoded, rawLength);
    await this.checkpoint();
    return true;
  }

  /** Whether waitForRoom would wait (or throw): more bytes in flight than the limit, or a failure. */
  get full(): boolean {
    return this.inFlight > this.maxInFlight || this.error !== undefined;
  }

  /**
   * Resolves when the bytes in flight are below the limit again. When nothing is
   * being encoded or saved, the fullest open pack is closed early so that waiting
   * always ends (a small limit never deadlocks).
   */
  async waitForRoom(): Promise<void> {
    while (this.inFlight > this.maxInFlight && !this.error) {
      if (this.uploading.size === 0 && this.encoding.size === 0) {
        const fullest = [...this.packers.entries()].sort((a, b) => b[1].size - a[1].size)[0];
        if (fullest) {
          this.packers.delete(fullest[0]);
          this.finishPack(fullest[1]);
        }
      }
      this.opts.pool.send();
      await new Promise<void>((r) => this.waiters.push(r));
    }
    this.rethrow();
  }

  /** Indexes an already saved pack (see orphans.ts) in this writer's next index file. */
  adopt(packed: IndexedPack): void {
    this.repo.index.addPacks([packed]);
    this.unindexed.push({ pack: packed.pack, header: encodeHeader(packed.entries) });
  }

  /** Call between files: writes an index file when the interval has passed. */
  async checkpoint(): Promise<void> {
    if (this.error) throw this.error;
    while (this.uploading.size > this.uploads) await Promise.race(this.uploading);
    if (this.unindexed.length > 0 && this.now() - this.lastIndex >= this.indexIntervalMs) await this.writeIndex();
  }

  private async writeIndex(): Promise<void> {
    const packs = this.unindexed;
    this.unindexed = [];
    this.lastIndex = this.now();
    if (packs.length === 0) return;
    const name = await this.repo.saveFile('index', encodeIndexHeaders(packs), INDEX_AAD);
    this.indexFiles.push(name);
  }

  /** Saves every pending blob, pack and index. After it resolves, all added blobs are durable and indexed. */
  async flush(): Promise<void> {
    this.opts.pool.send();
    while (this.encoding.size > 0) await Promise.allSettled([...this.encoding]);
    for (const [type, p] of this.packers) {
      this.packers.delete(type);
      if (p.count > 0) this.finishPack(p);
    }
    await Promise.allSettled([...this.uploading]);
    if (this.error) throw this.error;
    await this.writeIndex();
  }
}
