/**
 * ReadArchive: files and folders of a snapshot as one tar (POSIX pax, default) or zip
 * archive, streamed as FileChunks of at most 256 KiB with their offsets in the archive.
 * Guarantees:
 *  - The selection (`paths`; empty: the whole snapshot) is named relative to the
 *    deepest folder that holds all of it: one folder `docs` gives `docs/…`, the whole
 *    snapshot gives its top-level entries. A path inside another selected one, or given
 *    twice, is written once.
 *  - Files, folders (an empty one too) and symlinks are written with their modes, mtimes
 *    and owners; devices, fifos and sockets are left out.
 *  - Bounded memory: an async generator that loads the next tree or chunk only when its
 *    consumer asks (read-file-content.ts keeps one chunk ahead), so a 1 GB folder streams
 *    in a few MiB; it stops when `ctx.signal` aborts (CANCELLED).
 *  - A folder whose listing or a file whose data cannot be read ends the stream with
 *    DATA_LOSS naming it (an archive is never silently incomplete).
 */
import type { FileChunk, ReadArchiveRequest } from '@coffer/shared/gen/coffer/v1/store.js';
import { invalidRpc } from '@coffer/shared/rpc/errors.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import { nameToBytes } from '../engine/raw-name.js';
import type { Repository } from '../engine/repository.js';
import type { SnapshotRecord } from '../engine/snapshot.js';
import { walk, type WalkEntry } from '../engine/tree-walk.js';
import type { ArchiveEntry, ArchiveWriter } from './archive-entry.js';
import type { OpenStore } from './open-store.js';
import { FILE_CHUNK_BYTES } from './read-file.js';
import { readContent } from './read-file-content.js';
import { damagedFolder, findPath } from './tree-path.js';
import { pathField, throwIfAborted } from './fields.js';
import { TarWriter } from './tar-writer.js';
import { ZipWriter } from './zip-writer.js';

function writerFor(format: string): ArchiveWriter {
  if (format === '' || format === 'tar') return new TarWriter();
  if (format === 'zip') return new ZipWriter();
  throw invalidRpc('format', `unknown archive format '${format.slice(0, 20)}'; use 'tar' or 'zip'`);
}

const parentOf = (p: string): string[] => p.split('/').filter((x) => x !== '').slice(0, -1);

/** The selected entries (each once, none inside another) and the folder they are named from. */
async function selection(store: OpenStore, snap: SnapshotRecord, paths: readonly string[]): Promise<{ base: string; entries: WalkEntry[] }> {
  const found: WalkEntry[] = [];
  for (const p of paths.length ? paths : ['']) found.push(await findPath(store, snap, pathField('paths', p)));
  found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const entries = found.filter((e, i) => !found.slice(0, i).some((o) => o.path === '' || e.path === o.path || e.path.startsWith(`${o.path}/`)));
  let base = parentOf(entries[0]?.path ?? '');
  for (const e of entries) {
    const parts = e.path === '' ? [] : parentOf(e.path);
    if (e.path === '') base = [];
    let k = 0;
    while (k < base.length && k < parts.length && base[k] === parts[k]) k++;
    base = base.slice(0, k);
  }
  return { base: base.join('/'), entries };
}

/** The archive entry of a walked node, or undefined for what archives leave out. */
function archiveEntry(e: WalkEntry, base: string): ArchiveEntry | undefined {
  const rel = base === '' ? e.path : e.path.slice(base.length + 1);
  const n = e.node;
  if (rel === '' && n.type === 'dir') return undefined;
  if (n.type === 'other') return undefined;
  let mtimeNs = 0n;
  try {
    mtimeNs = BigInt(n.mtime);
  } catch {
    // a malformed time is written as the epoch
  }
  return {
    path: nameToBytes(rel === '' ? n.name || 'file' : rel),
    type: n.type,
    mode: n.mode & 0o7777,
    mtimeNs,
    uid: n.uid ?? 0,
    gid: n.gid ?? 0,
    uname: n.user ?? '',
    gname: n.group ?? '',
    size: n.type === 'file' ? (n.size ?? 0) : 0,
    ...(n.type === 'symlink' ? { target: nameToBytes(n.target ?? '') } : {}),
  };
}

/** The bytes of the archive of `entries`, in pieces. */
async function* archiveBytes(repo: Repository, snap: SnapshotRecord, sel: { base: string; entries: WalkEntry[] }, w: ArchiveWriter, signal: AbortSignal): AsyncGenerator<Buffer> {
  const onDamage = (path: string, err: Error): never => {
    throw damagedFolder(snap, path, err);
  };
  for (const top of sel.entries) {
    for await (const e of walk(repo, top.node, top.path, onDamage, { cache: false })) {
      throwIfAborted(signal, 'the archive download');
      const entry = archiveEntry(e, sel.base);
      if (!entry) continue;
      yield* w.begin(entry);
      if (entry.type === 'file') {
        for await (const piece of readContent(repo, e.node, e.path, 0, entry.size, { signal, piece: FILE_CHUNK_BYTES })) {
          w.data(piece);
          yield piece;
        }
      }
      yield* w.end();
    }
  }
  yield* w.finish();
}

export async function* readArchive(store: OpenStore, req: ReadArchiveRequest, ctx: CallContext): AsyncGenerator<FileChunk> {
  const w = writerFor(req.format);
  if (req.snapshot === '') throw invalidRpc('snapshot', "give a snapshot id, a unique prefix of one, or 'latest'");
  const snap = await store.snapshot(req.snapshot);
  const sel = await selection(store, snap, req.paths);
  let offset = 0;
  let parts: Buffer[] = [];
  let held = 0;
  for await (const b of archiveBytes(store.repo, snap, sel, w, ctx.signal)) {
    if (held + b.length > FILE_CHUNK_BYTES && held > 0) {
      const data = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
      yield { offset, data, fileSize: 0 };
      offset += data.length;
      parts = [];
      held = 0;
    }
    parts.push(b);
    held += b.length;
  }
  if (held > 0) yield { offset, data: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts), fileSize: 0 };
}
