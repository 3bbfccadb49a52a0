/**
 * Reading a byte range of a file node's content out of the store. Guarantees:
 *  - Only the chunks the range touches are loaded (their sizes come from the index, so
 *    finding the first one reads nothing).
 *  - Bounded memory: the chunk being handed out and at most one loaded ahead (chunks are
 *    at most the chunker's maximum, 8 MiB by default); the consumer's pace drives reading.
 *  - It stops with CANCELLED when `signal` aborts; a chunk that is missing or damaged is
 *    DATA_LOSS naming the file.
 */
import { status } from '@grpc/grpc-js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { RpcError } from '@coffer/shared/rpc/errors.js';
import { BlobType } from '../engine/pack.js';
import { displayName } from '../engine/raw-name.js';
import type { Repository } from '../engine/repository.js';
import { isDamage } from '../engine/tree-walk.js';
import type { TreeNode } from '../engine/tree.js';

/** A chunk of a file and where it starts in the file. */
interface ChunkAt {
  readonly id: string;
  readonly start: number;
  readonly length: number;
}

function lost(path: string, why: string): RpcError {
  return new RpcError(status.DATA_LOSS, `cannot read /${displayName(path)}: ${why}; run 'check' on the store`);
}

/** The chunks of `node` that overlap `[from, to)`, with their offsets in the file. */
function chunksIn(repo: Repository, node: TreeNode, path: string, from: number, to: number): ChunkAt[] {
  const out: ChunkAt[] = [];
  let pos = 0;
  for (const id of node.content ?? []) {
    if (pos >= to) break;
    const loc = repo.index.get(id);
    if (!loc) throw lost(path, `its chunk ${id.slice(0, 12)} is missing from the store`);
    if (pos + loc.rawLength > from) out.push({ id, start: pos, length: loc.rawLength });
    pos += loc.rawLength;
  }
  if (pos < to) throw lost(path, `its chunks hold ${pos} bytes, fewer than the ${to} asked for`);
  return out;
}

/** Loads one chunk; damage becomes DATA_LOSS naming the file. */
async function load(repo: Repository, id: string, path: string): Promise<Buffer> {
  try {
    return await repo.loadBlob(BlobType.Data, id);
  } catch (err) {
    if (isDamage(err)) throw lost(path, err.message);
    throw err;
  }
}

function checkAbort(signal: AbortSignal | undefined, path: string): void {
  if (signal?.aborted) throw new CofferError(ErrorCode.Interrupted, `reading /${displayName(path)} was cancelled`);
}

/**
 * Yields the bytes `[from, to)` of file `node` in pieces of at most `piece` bytes, in
 * order. `to` must not pass the file's size.
 */
export async function* readContent(
  repo: Repository,
  node: TreeNode,
  path: string,
  from: number,
  to: number,
  opts: { readonly signal?: AbortSignal; readonly piece?: number } = {},
): AsyncGenerator<Buffer> {
  if (to <= from) return;
  const piece = opts.piece ?? Number.MAX_SAFE_INTEGER;
  const chunks = chunksIn(repo, node, path, from, to);
  let next: Promise<Buffer> | undefined = chunks[0] ? load(repo, chunks[0].id, path) : undefined;
  for (let i = 0; i < chunks.length; i++) {
    checkAbort(opts.signal, path);
    const c = chunks[i] as ChunkAt;
    const data = await (next as Promise<Buffer>);
    const ahead = chunks[i + 1];
    next = ahead ? load(repo, ahead.id, path) : undefined;
    // Keep the read ahead from rejecting unobserved when the consumer stops here.
    next?.catch(() => undefined);
    if (data.length !== c.length) throw lost(path, `chunk ${c.id.slice(0, 12)} holds ${data.length} bytes, the index says ${c.length}`);
    const lo = Math.max(from, c.start) - c.start;
    const hi = Math.min(to, c.start + c.length) - c.start;
    for (let p = lo; p < hi; p += piece) yield data.subarray(p, Math.min(hi, p + piece));
  }
}
