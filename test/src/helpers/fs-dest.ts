/** Writing files through a Destination directly (unit tests of the local destination). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsDestination } from '@coffer/agent/connectors/fs-destination.js';
import type { Destination } from '@coffer/agent/connectors/destination.js';
import type { TreeNode } from '@coffer/agent/engine/tree.js';

/** A modification time with a sub-millisecond part (ns, decimal). */
export const MTIME = '1600000000123456000';

/** A file node for commit. */
export function fileNode(name: string, size: number): TreeNode {
  return { name, type: 'file', mode: 0o640, mtime: MTIME, size };
}

/** Writes `content` as `rel` through `dest`, at `position` (0 unless told), with the final size `size`. */
export async function putFile(dest: Destination, rel: string, content: string | Buffer, position = 0, size?: number): Promise<void> {
  const f = await dest.createFile(rel);
  const b = Buffer.from(content);
  await f.write(b, position);
  await f.commit(fileNode(path.basename(rel), size ?? position + b.length));
}

/** A fresh FsDestination at `<tmp>/target` for each test of the calling `describe`; `top` is `<tmp>`. */
export function freshDestination(prefix: string): { readonly top: string; readonly dest: FsDestination } {
  const state = { top: '', dest: undefined as FsDestination | undefined };
  beforeEach(async () => {
    state.top = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    state.dest = new FsDestination(path.join(state.top, 'target'));
    await state.dest.prepare();
  });
  afterEach(async () => {
    await state.dest?.close();
    fs.rmSync(state.top, { recursive: true, force: true });
  });
  return {
    get top() {
      return state.top;
    },
    get dest() {
      return state.dest as FsDestination;
    },
  };
}
