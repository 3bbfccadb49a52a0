/**
 * A store whose disk is full can be freed with coffer alone (issue 11 §4): maintenance
 * cannot write the repacked pack, so it deletes the packs no snapshot uses first, writes
 * its (small) index, says so, and exits 0; the store checks clean and restores, and the
 * next run, with room again, repacks. Needs root to mount a small tmpfs.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { mountSmallFsFor, type SmallFs } from '../helpers/small-fs.js';
import { assertExit, backupJson, cleanupTmpDirs, createStore, describeRun, runCoffer, tmpDir } from '../helpers/cli.js';
import { assertSameTree, sha256Tree } from '../helpers/tree.js';

describe('coffer maintenance on a full disk', function () {
  let small: SmallFs | undefined;
  after(() => {
    small?.unmount();
    cleanupTmpDirs();
  });

  it('deletes unused packs before it writes, and repacks once there is room', function () {
    const root = tmpDir('coffer-full-');
    small = mountSmallFsFor(this, path.join(root, 'disk'), 24);
    const mnt = small.dir;
    const store = path.join(mnt, 'store');
    createStore(store, ['--no-compression']);
    const src = path.join(root, 'src');
    fs.mkdirSync(src);
    // Three backups: C alone; A; A with its second half replaced. Only the last is kept, so
    // C's pack is unused and A's first pack is used for less than half (to be repacked).
    fs.writeFileSync(path.join(src, 'c.bin'), randomBytes(4 * 1024 * 1024));
    backupJson(store, src);
    fs.rmSync(path.join(src, 'c.bin'));
    const a = randomBytes(6 * 1024 * 1024);
    fs.writeFileSync(path.join(src, 'a.bin'), a);
    backupJson(store, src);
    fs.writeFileSync(path.join(src, 'a.bin'), Buffer.concat([a.subarray(0, 2 * 1024 * 1024), randomBytes(2 * 1024 * 1024)]));
    backupJson(store, src);
    assertExit(runCoffer(['at', store, 'forget', '--keep-last', '1', '--apply']), 0, 'forget');
    // Fill the disk, leaving room for a lock and an index but not for the repacked pack.
    const free = (): number => small?.freeBytes() ?? 0;
    fs.writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(Math.max(0, free() - 256 * 1024)));
    assert.ok(free() < 512 * 1024, `disk nearly full (${free()} bytes free)`);

    const full = runCoffer(['at', store, 'maintenance', '--grace', '0']);
    assertExit(full, 0, 'maintenance on a full disk');
    assert.match(full.stdout + full.stderr, /disk is full/, describeRun(full));
    assert.ok(free() > 3.5 * 1024 * 1024, `the unused pack was deleted (${free()} bytes free)`);
    assertExit(runCoffer(['at', store, 'check']), 0, 'check after maintenance on a full disk');
    const out = path.join(root, 'out');
    assertExit(runCoffer(['at', store, 'restore', '--to', out, 'latest']), 0, 'restore');
    assertSameTree(sha256Tree(src), sha256Tree(out), { mtimeToleranceNs: 1_000_000n });

    const again = runCoffer(['at', store, 'maintenance', '--grace', '0', '--json']);
    assertExit(again, 0, 'maintenance with room');
    assert.match(again.stdout, /"packsRepacked":1/, describeRun(again));
    assertExit(runCoffer(['at', store, 'check']), 0, 'check after the repack');
  });
});
