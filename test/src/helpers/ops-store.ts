/**
 * Real stores on disk for the tests of the ops layer, made with the engine: a store in a
 * temporary folder (fast KDF, so tests do not spend seconds in argon2id), backups of real
 * folders, and snapshots of synthetic trees (a folder of 100,000 entries, a file of
 * hundreds of MB made of one repeated chunk) written straight through the RepoWriter.
 */
import { status } from '@grpc/grpc-js';
import { RpcError } from '@coffer/shared/rpc/errors.js';
import { BlobType } from '@coffer/agent/engine/pack.js';
import { backup } from '@coffer/agent/engine/archiver.js';
import { EncodePool } from '@coffer/agent/engine/encode-pool.js';
import { makeIgnore } from '@coffer/agent/engine/ignore-rules.js';
import { RepoWriter } from '@coffer/agent/engine/repo-writer.js';
import { Repository } from '@coffer/agent/engine/repository.js';
import { encodeSnapshot, type EntryError, type Snapshot, SNAPSHOT_AAD, type SnapshotRecord, type SnapshotSummary } from '@coffer/agent/engine/snapshot.js';
import { encodeTree, type TreeNode } from '@coffer/agent/engine/tree.js';
import { FsSource } from '@coffer/agent/connectors/fs-source.js';
import { FsBackend } from '@coffer/agent/storage/fs-backend.js';

export const FAST_KDF = { opslimit: 1, memlimit: 8 * 1024 * 1024 };
export const OPS_PASSPHRASE = 'ops test passphrase';

/** A new encrypted store at `dir` (which must not hold one). */
export async function createStore(dir: string, passphrase = OPS_PASSPHRASE): Promise<Repository> {
  return Repository.create(new FsBackend(dir), passphrase, { kdf: FAST_KDF, packSize: 4 * 1024 * 1024 });
}

/** Opens the store at `dir` on its own handle (index loaded). */
export async function openStore(dir: string, passphrase = OPS_PASSPHRASE): Promise<Repository> {
  const repo = await Repository.open(new FsBackend(dir), () => Promise.resolve(passphrase));
  await repo.loadIndex();
  return repo;
}

/** Backs up the folder `src` into `repo`. */
export async function backupDir(
  repo: Repository,
  src: string,
  opts: { tags?: string[]; host?: string; parent?: SnapshotRecord; now?: () => Date } = {},
): Promise<SnapshotRecord> {
  const pool = new EncodePool(repo.codec, repo.keys.data, 1);
  try {
    const writer = new RepoWriter(repo, { pool });
    return await backup(repo, writer, new FsSource(src), {
      tags: opts.tags ?? [],
      ignore: makeIgnore([]),
      parent: opts.parent,
      host: opts.host ?? 'h1',
      user: 'u',
      program: 'test',
      ...(opts.now ? { now: opts.now } : {}),
    });
  } finally {
    await pool.close();
  }
}

/** Writes blobs of synthetic trees; `done()` flushes them and writes the snapshot. */
export class TreeBuilder {
  private readonly pool: EncodePool;
  private readonly writer: RepoWriter;

  constructor(private readonly repo: Repository) {
    this.pool = new EncodePool(repo.codec, repo.keys.data, 1);
    this.writer = new RepoWriter(repo, { pool: this.pool });
  }

  /** Stores one data chunk (a copy: the writer hands its bytes to a worker); returns its id. */
  async chunk(data: Buffer): Promise<string> {
    const id = this.repo.idOf(data);
    await this.writer.addBlob(BlobType.Data, id, Buffer.from(data));
    return id.toString('hex');
  }

  /** Stores a tree of `nodes`; returns its id. */
  async tree(nodes: readonly TreeNode[]): Promise<string> {
    const buf = encodeTree({ nodes }, this.repo.config.version);
    const id = this.repo.idOf(buf);
    await this.writer.addBlob(BlobType.Tree, id, buf);
    return id.toString('hex');
  }

  /** Flushes and writes a snapshot whose root is the folder of `subtree`. */
  async done(subtree: string, extra: SnapshotExtra = {}): Promise<SnapshotRecord> {
    await this.writer.flush();
    await this.pool.close();
    const snapshot: Snapshot = {
      version: 1,
      time: (extra.time ?? new Date()).toISOString(),
      host: extra.host ?? 'h1',
      user: 'u',
      source: { type: 'fs', location: extra.source ?? '/synthetic' },
      tags: extra.tags ?? [],
      root: dirNode('', subtree),
      summary: { files: 0, dirs: 0, symlinks: 0, others: 0, bytes: 0, newFiles: 0, changedFiles: 0, unchangedFiles: 0, newBytes: 0, storedBytes: 0, durationMs: 0, errors: 0, ...extra.summary },
      errors: extra.errors ?? [],
      program: 'test',
    };
    const id = await this.repo.saveFile('snapshot', encodeSnapshot(snapshot), SNAPSHOT_AAD);
    return { id, snapshot };
  }
}

/** What a synthetic snapshot may say beside its tree. */
export interface SnapshotExtra {
  readonly time?: Date;
  readonly host?: string;
  readonly source?: string;
  readonly tags?: string[];
  readonly summary?: Partial<SnapshotSummary>;
  readonly errors?: EntryError[];
}

/** A folder node. */
export function dirNode(name: string, subtree: string, mtime = '1700000000000000000'): TreeNode {
  return { name, type: 'dir', mode: 0o755, mtime, uid: 1000, gid: 1000, user: 'u', group: 'g', subtree };
}

/** A file node. */
export function fileNode(name: string, content: string[], size: number, mtime = '1700000000000000000'): TreeNode {
  return { name, type: 'file', mode: 0o644, mtime, uid: 1000, gid: 1000, user: 'u', group: 'g', size, content };
}

/** An assert.rejects check: an RpcError with `code` whose message matches `re`. */
export function rpcError(code: status, re: RegExp = /./): (e: unknown) => boolean {
  return (e) => e instanceof RpcError && e.code === code && re.test(e.message);
}
