/**
 * A store whose disk is full can be freed with coffer alone (issue 11 §4): maintenance
 * cannot write the repacked pack, so it deletes the packs no snapshot uses first, writes
 * its (small) index, says so, and exits 0; the store checks clean and restores, and the
 * next run, with room again, repacks. On a disk without a free byte, maintenance takes
 * its lock in the room of the store's reserve. Needs root to mount a small tmpfs.
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
  const mounted: SmallFs[] = [];
  afterEach(() => {
    if (small) mounted.push(small);
    small = undefined;
  });
  after(() => {
    for (const m of mounted) m.unmount();
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

  it('frees a store whose disk is full to the last byte: the lock is written in the room of the reserve', function () {
    const root = tmpDir('coffer-full-');
    small = mountSmallFsFor(this, path.join(root, 'disk0'), 16);
    const store = path.join(small.dir, 'store');
    createStore(store, ['--no-compression']);
    const reserve = path.join(store, 'locks', 'reserve');
    assert.ok(fs.statSync(reserve).size >= 64 * 1024, 'create writes the reserve');
    const src = path.join(root, 'src0');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'old.bin'), randomBytes(4 * 1024 * 1024));
    backupJson(store, src);
    fs.rmSync(path.join(src, 'old.bin'));
    fs.writeFileSync(path.join(src, 'new.bin'), randomBytes(1024 * 1024));
    backupJson(store, src);
    assertExit(runCoffer(['at', store, 'forget', '--keep-last', '1', '--apply']), 0, 'forget');
    // Fill every last byte: a big file, then small ones until the disk refuses even those.
    const filler = path.join(small.dir, 'filler');
    fs.writeFileSync(filler, Buffer.alloc(Math.max(0, small.freeBytes() - 64 * 1024)));
    for (let i = 0; i < 10_000; i++) {
      try {
        fs.appendFileSync(filler, Buffer.alloc(4096));
      } catch {
        break;
      }
    }
    assert.equal(small.freeBytes(), 0, 'the disk is full');

    const full = runCoffer(['at', store, 'maintenance', '--grace', '0']);
    assertExit(full, 0, 'maintenance on a disk without one free byte');
    assert.match(full.stderr, /disk of .* is full: deleted the store's reserve/, describeRun(full));
    assert.ok(small.freeBytes() > 3.5 * 1024 * 1024, `the unused pack was deleted (${small.freeBytes()} bytes free)`);
    assert.ok(fs.existsSync(reserve), 'the reserve is written again once there is room');
    assertExit(runCoffer(['at', store, 'check']), 0, 'check after maintenance on a full disk');
    const out = path.join(root, 'out0');
    assertExit(runCoffer(['at', store, 'restore', '--to', out, 'latest']), 0, 'restore');
    assertSameTree(sha256Tree(src), sha256Tree(out), { mtimeToleranceNs: 1_000_000n });
  });
});
