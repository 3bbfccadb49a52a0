/**
 * The local destination cannot be redirected (connectors/fs-destination.ts): a symlink
 * planted in the target, or a directory swapped for a symlink (or moved away) between
 * makeDir and the creation of what goes inside, makes that entry fail with a refusal
 * and leaves the outside folder untouched; through /proc/self/fd, through the lstat
 * fallback, and with directory handles evicted from the LRU. Only the target itself
 * may be a symlink.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsDestination, type FsDestinationOptions } from '@coffer/agent/connectors/fs-destination.js';
import { IS_ROOT } from '../helpers/cli.js';
import { fileNode, MTIME, putFile } from '../helpers/fs-dest.js';
import { type Manifest, sha256Tree } from '../helpers/tree.js';

const ATTACKER = { uid: 1234, gid: 1234 };

/** Replaces `dir` (in the target) by a symlink to `to`, keeping the directory as `dir.away`. */
function swap(dir: string, to: string): void {
  fs.renameSync(dir, `${dir}.away`);
  fs.symlinkSync(to, dir);
}

const MODES: readonly { readonly title: string; readonly opts: FsDestinationOptions; readonly proc: boolean }[] = [
  { title: 'through /proc/self/fd', opts: {}, proc: true },
  { title: 'through /proc/self/fd, one directory handle kept open', opts: { maxOpenDirs: 1 }, proc: true },
  { title: 'through the lstat fallback', opts: { useProcFd: false }, proc: false },
];

for (const mode of MODES) {
  describe(`local destination, redirection refused ${mode.title}`, () => {
    let top: string;
    let target: string;
    let outside: string;
    let before: Manifest;
    let dest: FsDestination;

    beforeEach(async () => {
      top = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-redirect-'));
      target = path.join(top, 'target');
      outside = path.join(top, 'outside');
      fs.mkdirSync(path.join(outside, 'sub'), { recursive: true });
      fs.writeFileSync(path.join(outside, 'x'), 'outside file\n');
      before = sha256Tree(outside);
      // The target belongs to someone else who may write into it (a home directory root restores into).
      fs.mkdirSync(target, { mode: 0o755 });
      if (IS_ROOT) fs.chownSync(target, ATTACKER.uid, ATTACKER.gid);
      else fs.chmodSync(target, 0o777);
      dest = new FsDestination(target, mode.opts);
      assert.equal(await dest.prepare(), false);
      assert.equal(dest.viaProcFd, mode.proc);
    });
    afterEach(async () => {
      await dest.close();
      fs.rmSync(top, { recursive: true, force: true });
    });

    const untouched = (): void => assert.deepEqual(sha256Tree(outside), before, 'the outside folder changed');

    it('refuses a symlink planted in the target: makeDir, createFile, makeSymlink, makeHardlink, lookup', async () => {
      fs.symlinkSync(outside, path.join(target, 'a'));
      await putFile(dest, 'real', 'r');
      await assert.rejects(dest.makeDir('a'), /refusing to restore 'a': 'a' is a symlink or not a directory/);
      await assert.rejects(dest.makeDir('a/sub/deeper'), /refusing to restore 'a\/sub\/deeper'/);
      await assert.rejects(putFile(dest, 'a/x', 'replaced'), /refusing to restore 'a\/x'/);
      await assert.rejects(putFile(dest, 'a/new', 'new'), /refusing/);
      await assert.rejects(dest.makeSymlink('a/link', '/etc/passwd'), /refusing/);
      await assert.rejects(dest.makeHardlink('a/hard', 'real'), /refusing/);
      await assert.rejects(dest.lookup('a/x'), /refusing/);
      await assert.rejects(dest.setMetadata('a', { name: 'a', type: 'dir', mode: 0o777, mtime: MTIME }), /refusing/);
      await assert.rejects(dest.remove('a/x'), /refusing/);
      untouched();
    });

    it('refuses what goes into a directory swapped for a symlink between makeDir and createFile', async () => {
      assert.equal(await dest.makeDir('d'), true);
      assert.equal(await dest.makeDir('d/e'), true);
      await putFile(dest, 'd/e/before', 'before the swap');
      if (mode.opts.maxOpenDirs === 1) assert.equal(await dest.makeDir('other'), true); // evicts d's handles
      swap(path.join(target, 'd'), outside);
      await assert.rejects(putFile(dest, 'd/x', 'replaced'), /refusing to restore 'd\/x': 'd' (was moved or replaced during the restore|is a symlink)/);
      await assert.rejects(putFile(dest, 'd/e/y', 'deeper'), /refusing to restore 'd\/e\/y'/);
      await assert.rejects(putFile(dest, 'd/sub/z', 'into outside/sub'), /refusing/);
      await assert.rejects(dest.makeDir('d/new'), /refusing/);
      await assert.rejects(dest.makeSymlink('d/link', 'anything'), /refusing/);
      untouched();
      // What was created before the swap stays; nothing new landed in the moved directory.
      assert.deepEqual(fs.readdirSync(path.join(target, 'd.away')).sort(), ['e']);
      assert.deepEqual(fs.readdirSync(path.join(target, 'd.away', 'e')), ['before']);
    });

    it('removes a file whose directory was swapped while it was being written', async () => {
      assert.equal(await dest.makeDir('d'), true);
      const f = await dest.createFile('d/late');
      await f.write(Buffer.from('data'), 0);
      swap(path.join(target, 'd'), outside);
      await assert.rejects(f.commit(fileNode('late', 4)), /refusing to restore 'd\/late'/);
      await f.abort();
      untouched();
      // Through /proc/self/fd the temporary in the moved directory is removed; the fallback cannot reach it.
      if (mode.proc) assert.deepEqual(fs.readdirSync(path.join(target, 'd.away')), [], 'the moved directory keeps no file or temporary');
    });

    it('writes nothing into a directory moved out of the target, replaced by another directory', async () => {
      assert.equal(await dest.makeDir('m'), true);
      fs.renameSync(path.join(target, 'm'), path.join(outside, 'm-moved'));
      fs.mkdirSync(path.join(target, 'm'));
      const moved = sha256Tree(outside);
      if (mode.opts.maxOpenDirs === 1) {
        // Its handle was evicted: 'm' is opened afresh, and the file lands in the new 'm', inside the target.
        await putFile(dest, 'm/x', 'x');
        assert.equal(fs.readFileSync(path.join(target, 'm', 'x'), 'utf8'), 'x');
      } else {
        await assert.rejects(putFile(dest, 'm/x', 'x'), /refusing to restore 'm\/x': 'm' was moved or replaced during the restore/);
      }
      assert.deepEqual(sha256Tree(outside), moved, 'something was written into the directory moved outside');
    });

    it('follows a symlink at the target itself, once', async () => {
      const real = path.join(top, 'real-target');
      fs.mkdirSync(real);
      const viaLink = new FsDestination(path.join(top, 'link-target'), mode.opts);
      fs.symlinkSync(real, path.join(top, 'link-target'));
      assert.equal(await viaLink.prepare(), false);
      fs.unlinkSync(path.join(top, 'link-target'));
      fs.symlinkSync(outside, path.join(top, 'link-target')); // swapped after prepare: not followed
      await viaLink.makeDir('d');
      await putFile(viaLink, 'd/f', 'in the real target');
      await viaLink.close();
      assert.equal(fs.readFileSync(path.join(real, 'd', 'f'), 'utf8'), 'in the real target');
      untouched();
    });
  });
}
