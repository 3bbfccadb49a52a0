/**
 * The conformance suite every Source must pass (guarantees in
 * agent/src/connectors/source.ts): the test tree (connector-tree.ts) is written to the
 * place the source reads, and the source must list every entry with its type, size,
 * mode, mtime and symlink target, and read every file exactly. Call
 * `sourceConformance` with a factory giving a Source over an empty folder and that
 * folder's path on this machine.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { joinRel, type EntryMeta, type Source } from '@coffer/agent/connectors/source.js';
import { sha256Tree, writeTree, type Manifest } from '../helpers/tree.js';
import { connectorTree, type Keeps } from './connector-tree.js';

/** A Source over an empty folder (`local` on this machine), what its server keeps, and how to clean up. */
export interface SourceFixture {
  readonly source: Source;
  readonly local: string;
  readonly keeps: Keeps;
  /** Who must own the tree so the source can read it (a server's own login user). */
  readonly owner?: { readonly uid: number; readonly gid: number };
  cleanup(): Promise<void>;
}

/** Gives every entry under `dir` to `owner` (lchown: links stay as they are). */
function chownTree(dir: string, owner: { uid: number; gid: number }): void {
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    fs.lchownSync(p, owner.uid, owner.gid);
    if (fs.lstatSync(p).isDirectory()) chownTree(p, owner);
  }
}

/** Every entry the source lists, by path, with the first listing error if any. */
async function listAll(source: Source): Promise<{ entries: Map<string, EntryMeta>; errors: string[] }> {
  const entries = new Map<string, EntryMeta>();
  const errors: string[] = [];
  const dirs = [''];
  for (let i = 0; i < dirs.length && i < 1000; i++) {
    const dir = dirs[i] as string;
    const l = await source.readDir(dir);
    for (const e of l.errors) errors.push(`${joinRel(dir, e.name)}: ${e.message}`);
    for (const e of l.entries) {
      const rel = joinRel(dir, e.name);
      entries.set(rel, e);
      if (e.type === 'dir') dirs.push(rel);
    }
  }
  return { entries, errors };
}

async function sha256Of(source: Source, rel: string, size: number): Promise<string> {
  const f = await source.open(rel, size);
  const h = createHash('sha256');
  const buf = Buffer.alloc(100_000);
  try {
    for (let i = 0; i < 100_000; i++) {
      const n = await f.read(buf, 0, buf.length);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    await f.close();
  }
  return h.digest('hex');
}

/** Registers the suite under `describe(title)`. */
export function sourceConformance(title: string, make: () => Promise<SourceFixture>): void {
  describe(`${title} (source conformance)`, function () {
    this.timeout(120_000);
    let fx: SourceFixture;
    let expected: Manifest;
    before(async () => {
      fx = await make();
      writeTree(fx.local, connectorTree(fx.keeps));
      if (fx.owner) chownTree(fx.local, fx.owner);
      expected = sha256Tree(fx.local);
    });
    after(async () => {
      await fx?.source.close();
      await fx?.cleanup();
    });

    it('stats the root as a folder', async () => {
      assert.equal((await fx.source.stat()).type, 'dir');
    });

    it('lists every entry with its type, size, mode, mtime and symlink target', async () => {
      const { entries, errors } = await listAll(fx.source);
      assert.deepEqual(errors, []);
      const want = [...expected.keys()].filter((k) => k !== '').sort();
      assert.deepEqual([...entries.keys()].sort(), want);
      for (const [rel, e] of expected) {
        if (rel === '') continue;
        const got = entries.get(rel) as EntryMeta;
        assert.equal(got.type, e.type, `${rel}: type`);
        if (e.type === 'file') assert.equal(got.size, e.size, `${rel}: size`);
        if (e.type === 'symlink') assert.equal(got.target, e.target, `${rel}: link target`);
        if (fx.keeps.modes && e.type !== 'symlink') assert.equal(got.mode.toString(8), e.mode.toString(8), `${rel}: mode`);
        if (fx.keeps.mtimes && e.type !== 'symlink') assert.equal(BigInt(got.mtime) / 1_000_000_000n, e.mtimeNs / 1_000_000_000n, `${rel}: mtime (s)`);
      }
    });

    it('reads every file exactly, the empty and the large one too', async () => {
      for (const [rel, e] of expected) {
        if (e.type !== 'file') continue;
        assert.equal(await sha256Of(fx.source, rel, e.size), e.sha256, `${rel}: content`);
      }
    });

    it('refuses to open a file that is not there with NotFound', async () => {
      await assert.rejects(fx.source.open('no such file'), (err: unknown) => err instanceof CofferError && err.code === ErrorCode.NotFound);
    });
  });
}
