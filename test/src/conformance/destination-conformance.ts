/**
 * The conformance suite every Destination must pass (guarantees in
 * agent/src/connectors/destination.ts): the test tree (connector-tree.ts) is read from
 * local disk with FsSource and written through the destination as a restore does
 * (folders, files in blocks, symlinks, then folder metadata deepest first); the folder
 * it wrote must then hold the same tree, compared for what the server keeps. Call
 * `destinationConformance` with a factory giving a Destination over a new folder and
 * that folder's path on this machine.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsSource } from '@coffer/agent/connectors/fs-source.js';
import type { Destination } from '@coffer/agent/connectors/destination.js';
import { joinRel, type EntryMeta, type Source } from '@coffer/agent/connectors/source.js';
import { diffTrees, sha256Tree, writeTree } from '../helpers/tree.js';
import { connectorTree, type Keeps } from './connector-tree.js';

/** A Destination writing into `local` (on this machine; it need not exist yet), what its server keeps, and how to clean up. */
export interface DestinationFixture {
  readonly dest: Destination;
  readonly local: string;
  readonly keeps: Keeps;
  cleanup(): Promise<void>;
}

const BLOCK = 1024 * 1024;

/** Copies one file from `src` through `dest` in blocks. */
async function copyFile(src: Source, dest: Destination, rel: string, node: EntryMeta): Promise<void> {
  const f = await dest.createFile(rel, node);
  const r = await src.open(rel, node.size);
  try {
    const buf = Buffer.alloc(BLOCK);
    let pos = 0;
    for (let i = 0; i < 10_000; i++) {
      const n = await r.read(buf, 0, BLOCK);
      if (n === 0) break;
      await f.write(Buffer.from(buf.subarray(0, n)), pos);
      pos += n;
    }
  } catch (err) {
    await f.abort();
    throw err;
  } finally {
    await r.close();
  }
  await f.commit(node);
}

/** Writes everything `src` holds through `dest`, as a restore does. */
export async function copyTree(src: Source, dest: Destination): Promise<void> {
  await dest.prepare();
  const dirs: { rel: string; node: EntryMeta }[] = [];
  const queue = [''];
  for (let i = 0; i < queue.length && i < 1000; i++) {
    const dir = queue[i] as string;
    const listing = await src.readDir(dir);
    assert.deepEqual(listing.errors, []);
    for (const e of listing.entries) {
      const rel = joinRel(dir, e.name);
      if (e.type === 'dir') {
        await dest.makeDir(rel);
        dirs.push({ rel, node: e });
        queue.push(rel);
      } else if (e.type === 'file') await copyFile(src, dest, rel, e);
      else if (e.type === 'symlink') {
        await dest.makeSymlink(rel, e.target ?? '');
        await dest.setMetadata(rel, e);
      }
    }
  }
  for (const d of dirs.reverse()) await dest.setMetadata(d.rel, d.node);
  await dest.setMetadata('', await src.stat());
}

/** Registers the suite under `describe(title)`. */
export function destinationConformance(title: string, make: () => Promise<DestinationFixture>): void {
  describe(`${title} (destination conformance)`, function () {
    this.timeout(120_000);
    let fx: DestinationFixture;
    let from: string;
    beforeEach(async () => {
      fx = await make();
      from = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-dest-src-'));
    });
    afterEach(async () => {
      await fx.dest.close();
      await fx.cleanup();
      fs.rmSync(from, { recursive: true, force: true });
    });

    it('writes files, folders, modes, mtimes, symlinks, empty, large and unicode names exactly', async () => {
      writeTree(from, connectorTree(fx.keeps));
      const src = new FsSource(from);
      await copyTree(src, fx.dest);
      await src.close();
      const actual = sha256Tree(fx.local);
      const problems = diffTrees(sha256Tree(from), actual, {
        mode: fx.keeps.modes,
        mtime: fx.keeps.mtimes,
        mtimeToleranceNs: 1_000_000_000n,
        symlinkMtime: false,
        root: false,
        hardlinks: false,
      }).filter((line) => fx.keeps.dirMtimes || !(/: mtime /.test(line) && actual.get(line.slice(1, line.indexOf(': mtime ')))?.type === 'dir'));
      assert.deepEqual(problems, [], `written tree differs from the source:\n  ${problems.join('\n  ')}`);
    });

    it('replaces an existing file on commit and leaves no temporary file', async () => {
      writeTree(from, { 'f.txt': 'new content\n' });
      await fx.dest.prepare();
      writeTree(fx.local, { 'f.txt': 'old\n' });
      const src = new FsSource(from);
      await copyTree(src, fx.dest);
      await src.close();
      assert.equal(fs.readFileSync(path.join(fx.local, 'f.txt'), 'utf8'), 'new content\n');
      assert.deepEqual(fs.readdirSync(fx.local), ['f.txt']);
    });

    it('removes the temporary file of an aborted file', async () => {
      await fx.dest.prepare();
      const f = await fx.dest.createFile('gone.bin');
      await f.write(Buffer.alloc(1000, 1), 0);
      await f.abort();
      assert.deepEqual(fs.readdirSync(fx.local), []);
    });
  });
}
