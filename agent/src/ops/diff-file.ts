/**
 * StoreService.DiffFile: a line diff of one file between two snapshots (`a` empty: the
 * parent of `b`, as Diff; the file absent on one side compares with an empty file).
 * Text is valid UTF-8 without NUL of at most 4 MiB; otherwise `binary` and no lines.
 * Equal content (the same chunks) is `identical` without reading a byte. Lines are given
 * in hunks, the changed lines with 3 lines of context around them (line numbers on both
 * sides tell where a hunk starts), at most 20,000 lines (`truncated` past them). The
 * diff is line-diff.ts's, bounded in time and memory on any input.
 */
import { status } from '@grpc/grpc-js';
import type { DiffFileRequest, DiffFileResponse, DiffLine } from '@coffer/shared/gen/coffer/v1/store.js';
import { invalidRpc, notFoundRpc, RpcError } from '@coffer/shared/rpc/errors.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import { sameContent } from '../engine/differ.js';
import { fileChunks } from '../engine/file-reader.js';
import { displayName } from '../engine/raw-name.js';
import type { Repository } from '../engine/repository.js';
import type { SnapshotRecord } from '../engine/snapshot.js';
import type { TreeNode } from '../engine/tree.js';
import { isDamage } from '../engine/tree-walk.js';
import { nodeAt, snapshotPair } from './diff.js';
import { pathField, throwIfAborted } from './fields.js';
import { diffLines, type EditRun, splitLines } from './line-diff.js';
import type { OpenStore } from './open-store.js';

/** Larger files are not diffed. */
export const MAX_TEXT_BYTES = 4 * 1024 * 1024;
/** Lines of output at most. */
export const MAX_DIFF_LINES = 20_000;
/** Unchanged lines shown around each change. */
export const CONTEXT_LINES = 3;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The file's text, or undefined when it is not text (too large, not UTF-8, or holding NUL). */
async function textOf(repo: Repository, s: SnapshotRecord, path: string, node: TreeNode, signal: AbortSignal): Promise<string | undefined> {
  if ((node.size ?? 0) > MAX_TEXT_BYTES) return undefined;
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of fileChunks(repo, node, path)) {
      throwIfAborted(signal, 'file diff');
      size += c.length;
      if (size > MAX_TEXT_BYTES) return undefined;
      parts.push(c);
    }
  } catch (err) {
    if (!isDamage(err)) throw err;
    throw new RpcError(status.DATA_LOSS, `cannot read /${displayName(path)} of snapshot ${s.id.slice(0, 8)}: ${err.message}; run a check of the store`);
  }
  const b = Buffer.concat(parts);
  if (b.includes(0)) return undefined;
  try {
    return utf8.decode(b);
  } catch {
    return undefined;
  }
}

/** The diff's lines in hunks with `context` lines around each change, at most `max` of them. */
export function hunkLines(runs: readonly EditRun[], a: readonly string[], b: readonly string[], context = CONTEXT_LINES, max = MAX_DIFF_LINES): { lines: DiffLine[]; truncated: boolean } {
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  const emit = (op: EditRun['op'], n: number): boolean => {
    for (let k = 0; k < n; k++) {
      if (lines.length === max) return false;
      if (op === '-') lines.push({ op, aLine: i + 1, bLine: 0, text: a[i++] as string });
      else if (op === '+') lines.push({ op, aLine: 0, bLine: j + 1, text: b[j++] as string });
      else {
        lines.push({ op, aLine: i + 1, bLine: j + 1, text: a[i] as string });
        i++;
        j++;
      }
    }
    return true;
  };
  for (let r = 0; r < runs.length; r++) {
    const run = runs[r] as EditRun;
    if (run.op !== ' ') {
      if (!emit(run.op, run.count)) return { lines, truncated: true };
      continue;
    }
    const head = r === 0 ? 0 : Math.min(context, run.count);
    const tail = r === runs.length - 1 ? 0 : Math.min(context, run.count - head);
    if (!emit(' ', head)) return { lines, truncated: true };
    i += run.count - head - tail;
    j += run.count - head - tail;
    if (!emit(' ', tail)) return { lines, truncated: true };
  }
  return { lines, truncated: false };
}

export async function diffFile(store: OpenStore, req: DiffFileRequest, ctx: CallContext): Promise<DiffFileResponse> {
  const path = pathField('path', req.path);
  if (path === '') throw invalidRpc('path', 'name a file of the snapshot');
  const { a, b } = await snapshotPair(store, req);
  const na = a ? await nodeAt(store.repo, a, path) : undefined;
  const nb = await nodeAt(store.repo, b, path);
  if (!na && !nb) throw notFoundRpc('path', `/${displayName(path)}`, 'neither snapshot holds it');
  for (const [s, n] of [[a, na], [b, nb]] as const) {
    if (s && n && n.type !== 'file') throw invalidRpc('path', `/${displayName(path)} is a ${n.type} in snapshot ${s.id.slice(0, 8)}, not a file`);
  }
  if (na && nb && sameContent(na, nb)) return { lines: [], binary: false, truncated: false, identical: true };
  const ta = a && na ? await textOf(store.repo, a, path, na, ctx.signal) : '';
  const tb = nb ? await textOf(store.repo, b, path, nb, ctx.signal) : '';
  if (ta === undefined || tb === undefined) return { lines: [], binary: true, truncated: false, identical: false };
  if (ta === tb && na && nb) return { lines: [], binary: false, truncated: false, identical: true };
  const la = splitLines(ta);
  const lb = splitLines(tb);
  return { ...hunkLines(diffLines(la, lb), la, lb), binary: false, identical: false };
}
