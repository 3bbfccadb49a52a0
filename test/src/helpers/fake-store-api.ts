/**
 * An in-memory StoreApi (shared/src/store-api.ts) for tests of the web side: snapshots
 * holding files (bytes) and folders, plus "virtual" files of any size whose bytes are made
 * as they are read (byte i is i % 251), so a test can stream gigabytes without holding them
 * and count what was produced. Unknown snapshots and paths are NOT_FOUND as the real one
 * says; GetStoreInfo of store 'boom' fails unexpectedly (a plain Error); ReadArchive answers a fake archive (the selected files' bytes, concatenated);
 * everything else is UNIMPLEMENTED.
 */
import { status } from '@grpc/grpc-js';
import type { FileChunk, ListTreeResponse, TreeEntry } from '@coffer/shared/gen/coffer/v1/store.js';
import { RpcError } from '@coffer/shared/rpc/errors.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import type { StoreApi } from '@coffer/shared/store-api.js';

export type FakeNode = Buffer | 'dir' | { virtual: number };

export interface FakeCounters {
  /** Bytes produced by ReadFile/ReadArchive so far. */
  produced: number;
  /** Streams that ended because their signal aborted. */
  aborted: number;
}

const CHUNK = 256 * 1024;

function virtualBytes(offset: number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (offset + i) % 251;
  return b;
}

function entryOf(name: string, node: FakeNode): TreeEntry {
  const size = node === 'dir' ? 0 : Buffer.isBuffer(node) ? node.length : node.virtual;
  return { name, type: node === 'dir' ? 'dir' : 'file', size, mode: node === 'dir' ? 0o755 : 0o644, user: 'u', group: 'g', uid: 1, gid: 1, mtimeNs: '1700000000000000000', target: '', digest: node === 'dir' ? '' : `d${size.toString(16)}` };
}

/** A StoreApi over `snapshots` (id → path → node). */
export function fakeStoreApi(snapshots: Record<string, Record<string, FakeNode>>, counters: FakeCounters = { produced: 0, aborted: 0 }): StoreApi & { counters: FakeCounters } {
  const node = (snapshot: string, path: string): FakeNode => {
    const snap = snapshots[snapshot];
    if (!snap) throw new RpcError(status.NOT_FOUND, `snapshot '${snapshot}' does not exist; list them with 'coffer ls'`);
    if (path === '') return 'dir';
    const n = snap[path];
    if (n === undefined) throw new RpcError(status.NOT_FOUND, `'${path}' is not in snapshot ${snapshot}`);
    return n;
  };
  async function* bytes(n: FakeNode, offset: number, length: number, ctx: CallContext): AsyncIterable<FileChunk> {
    const size = Buffer.isBuffer(n) ? n.length : n === 'dir' ? 0 : n.virtual;
    const end = length === 0 ? size : Math.min(size, offset + length);
    try {
      for (let at = offset; at < end; at += CHUNK) {
        if (ctx.signal.aborted) return;
        const len = Math.min(CHUNK, end - at);
        const data = Buffer.isBuffer(n) ? n.subarray(at, at + len) : virtualBytes(at, len);
        counters.produced += len;
        await Promise.resolve();
        yield { offset: at, data, fileSize: at === offset ? size : 0 };
      }
    } finally {
      if (ctx.signal.aborted) counters.aborted++;
    }
  }
  const unimplemented = (): never => {
    throw new RpcError(status.UNIMPLEMENTED, 'not in the fake');
  };
  return {
    counters,
    getStoreInfo: (req) => req.store === 'boom' ? Promise.reject(new Error('disk on fire at /srv/x')) : Promise.resolve({ store: req.store || 'fake', location: '/fake', storeId: 'f', formatVersion: 1, encrypted: true, snapshots: Object.keys(snapshots).length, sizeOnDisk: 0, logicalBytes: 0, uniqueBytes: 0, dedupRatio: 0, compressionRatio: 0, lastCheck: undefined, sources: [], hosts: [], tags: [] }),
    listStoreSnapshots: () => Promise.resolve({ snapshots: [], total: Object.keys(snapshots).length }),
    // eslint-disable-next-line @typescript-eslint/require-await -- async so that a throw becomes a rejection
    async listTree(req): Promise<ListTreeResponse> {
      const n = node(req.snapshot, req.path);
      const prefix = req.path === '' ? '' : `${req.path}/`;
      const kids = n === 'dir' ? Object.entries(snapshots[req.snapshot] ?? {}).filter(([p]) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/')) : [];
      return { entry: entryOf(req.path.split('/').pop() ?? '', n), snapshot: req.snapshot, path: req.path, entries: kids.map(([p, k]) => entryOf(p.slice(prefix.length), k)), total: kids.length, damaged: [] };
    },
    readFile(req, ctx) {
      const n = node(req.snapshot, req.path);
      return bytes(n, req.offset, req.length, ctx);
    },
    readArchive(req, ctx) {
      const parts = req.paths.map((p) => node(req.snapshot, p)).filter((n): n is Buffer => Buffer.isBuffer(n));
      if (req.paths.length === 0) node(req.snapshot, '');
      return bytes(Buffer.concat([Buffer.from(`${req.format}:`), ...parts]), 0, 0, ctx);
    },
    locate: unimplemented,
    pathHistory: unimplemented,
    diff: unimplemented,
    diffFile: unimplemented,
    check: unimplemented,
    restore: unimplemented,
  };
}
