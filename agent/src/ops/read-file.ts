/**
 * ReadFile: a file's bytes, or the range `[offset, offset + length)` of them (length 0:
 * to the end; a range past the end is cut to it), streamed in chunks of at most 256 KiB
 * that carry their offset in the file; the first carries `file_size` (a read of nothing,
 * at the end of the file or of an empty one, yields one empty chunk). Only the chunks
 * the range touches are read (read-file-content.ts). An offset beyond the size is
 * OUT_OF_RANGE; a path that is not a file is INVALID_ARGUMENT.
 */
import { status } from '@grpc/grpc-js';
import type { FileChunk, ReadFileRequest } from '@coffer/shared/gen/coffer/v1/store.js';
import { invalidRpc, RpcError } from '@coffer/shared/rpc/errors.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import { displayName } from '../engine/raw-name.js';
import type { OpenStore } from './open-store.js';
import { readContent } from './read-file-content.js';
import { resolveRequest } from './tree-path.js';

/** Largest `data` of one FileChunk. */
export const FILE_CHUNK_BYTES = 256 * 1024;

export async function* readFile(store: OpenStore, req: ReadFileRequest, ctx: CallContext): AsyncGenerator<FileChunk> {
  const { entry } = await resolveRequest(store, req.snapshot, req.path);
  const node = entry.node;
  if (node.type !== 'file') throw invalidRpc('path', `'/${displayName(entry.path)}' is a ${node.type === 'dir' ? 'folder' : node.type}, not a file`);
  const size = node.size ?? 0;
  if (req.offset > size) throw new RpcError(status.OUT_OF_RANGE, `offset ${req.offset} is beyond the end of '/${displayName(entry.path)}' (${size} bytes)`);
  const end = req.length === 0 ? size : Math.min(size, req.offset + req.length);
  let at = req.offset;
  let first = true;
  for await (const data of readContent(store.repo, node, entry.path, req.offset, end, { signal: ctx.signal, piece: FILE_CHUNK_BYTES })) {
    yield { offset: at, data, fileSize: first ? size : 0 };
    first = false;
    at += data.length;
  }
  if (first) yield { offset: at, data: Buffer.alloc(0), fileSize: size };
}
