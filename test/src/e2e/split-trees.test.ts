/**
 * End to end with a folder stored as parts (format 3, engine/tree-parts.ts), through the
 * real `coffer` command: maintenance keeps the parts of the trees in use, check reads
 * them, restore and ls get every entry, sync copies them (and joins them for a format-1
 * store), and a damaged part is found by check and repaired by `repair packs` and `repair snapshots`,
 * which keeps the parts that can be read.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Repository } from '@coffer/agent/engine/repository.js';
import { PART_MAX, type PartRef } from '@coffer/agent/engine/tree-parts.js';
import { FsBackend } from '@coffer/agent/storage/fs-backend.js';
import { assertExit, backupJson, cleanupTmpDirs, createStore, describeRun, lines, runCoffer, snapshotIds, TEST_PASSPHRASE, tmpDir } from '../helpers/cli.js';
import { filesOf, flipByte } from '../helpers/damage.js';
import { fixture } from '../unit/fixtures.js';
import { assertSameTree, sha256Tree } from '../helpers/tree.js';

const FILES = 17_000;

describe('coffer with a folder of more than 8,192 entries (split trees)', function () {
  this.timeout(600_000);
  let src: string;
  let store: string;
  before(() => {
    src = tmpDir('coffer-split-src-');
    const big = path.join(src, 'spool');
    fs.mkdirSync(big);
    for (let i = 0; i < FILES; i++) fs.writeFileSync(path.join(big, `msg-${i}`), `message ${i}\n`);
    fs.mkdirSync(path.join(big, 'cur'));
    fs.writeFileSync(path.join(big, 'cur', 'read'), 'read mail');
    store = path.join(tmpDir('coffer-split-store-'), 's');
    createStore(store);
  });
  after(cleanupTmpDirs);

  it('keeps the parts in use through forget and maintenance; check, ls and restore see every entry', () => {
    backupJson(store, src);
    // Second backup: some entries gone, some new, so most parts are shared and a few are not.
    for (let i = 0; i < 200; i++) fs.rmSync(path.join(src, 'spool', `msg-${i * 7}`));
    for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(src, 'spool', `new-${i}`), `new ${i}\n`);
    const second = backupJson(store, src);
    assertExit(runCoffer(['at', store, 'forget', '--keep-last', '1', '--apply']), 0, 'forget');
    const m = runCoffer(['at', store, 'maintenance', '--grace', '0']);
    assertExit(m, 0, 'maintenance');
    assertExit(runCoffer(['at', store, 'check']), 0, 'check (reading all data) after maintenance');
    const ls = runCoffer(['at', store, 'ls', `${second.id}:/spool`]);
    assertExit(ls, 0, 'ls of the split folder');
    assert.equal(lines(ls.stdout).length, FILES - 200 + 50 + 1, describeRun(ls).slice(0, 500));
    const out = tmpDir('coffer-split-out-');
    assertExit(runCoffer(['at', store, 'restore', '--to', out, second.id]), 0, 'restore');
    assertSameTree(sha256Tree(src), sha256Tree(out), { mtimeToleranceNs: 1_000_000n });
    const cat = runCoffer(['at', store, 'cat', `${second.id}:/spool/new-49`]);
    assertExit(cat, 0, 'cat of an entry in the last parts');
    assert.equal(cat.stdout, 'new 49\n');
  });

  it('sync copies a split folder into a format-3 store and joins it for a format-1 store', () => {
    const id = snapshotIds(store)[0] as string;
    const other = path.join(tmpDir('coffer-split-sync-'), 'b');
    createStore(other);
    assertExit(runCoffer(['at', store, 'sync', id, 'to', other]), 0, 'sync to a format-3 store');
    const v1 = path.join(tmpDir('coffer-split-v1-'), 'v1');
    fs.cpSync(fixture('store-v1'), v1, { recursive: true });
    const env = { COFFER_TO_PASSPHRASE: 'fixture-passphrase' };
    assertExit(runCoffer(['at', store, 'sync', id, 'to', v1], { env }), 0, 'sync to a format-1 store');
    for (const [target, pass] of [[other, undefined], [v1, 'fixture-passphrase']] as const) {
      const out = tmpDir('coffer-split-sync-out-');
      const opts = pass ? { env: { COFFER_PASSPHRASE: pass } } : {};
      assertExit(runCoffer(['at', target, 'check'], opts), 0, `check of ${target}`);
      assertExit(runCoffer(['at', target, 'restore', '--to', out, 'latest'], opts), 0, `restore from ${target}`);
      assertSameTree(sha256Tree(src), sha256Tree(out), { mtimeToleranceNs: 1_000_000n });
    }
  });

  it('check names the folder whose part is lost, and repair snapshots keeps the parts it can read', async () => {
    const trial = path.join(tmpDir('coffer-split-damage-'), 's');
    fs.cpSync(store, trial, { recursive: true });
    // Flip a byte inside one part of the spool folder's tree (found through the engine).
    const repo = await Repository.open(new FsBackend(trial), () => Promise.resolve(TEST_PASSPHRASE));
    await repo.loadIndex();
    const snap = await repo.resolveSnapshot('latest');
    const spool = (await repo.loadTree(snap.snapshot.root.subtree as string)).nodes.find((n) => n.name === 'spool');
    const parts = (await repo.loadStoredTree(spool?.subtree as string)).parts ?? [];
    assert.ok(parts.length >= 3, `${parts.length} parts`);
    const loc = repo.index.get((parts[1] as PartRef).id);
    assert.ok(loc);
    const pack = filesOf(trial, 'data').find((f) => path.basename(f) === loc.pack) as string;
    flipByte(pack, loc.offset + Math.floor(loc.length / 2));
    const c = runCoffer(['at', trial, 'check']);
    assertExit(c, 1, 'check with a damaged part');
    assert.match(c.stdout + c.stderr, /\/spool\/? \(its directory listing cannot be read\)/);
    // As for any damage: the damaged blob out of its pack, then the snapshots without what it held.
    assertExit(runCoffer(['at', trial, 'repair', 'packs']), 0, 'repair packs');
    assertExit(runCoffer(['at', trial, 'repair', 'snapshots', '--apply']), 0, 'repair snapshots --apply');
    assertExit(runCoffer(['at', trial, 'check']), 0, 'check after repair');
    const ls = runCoffer(['at', trial, 'ls', 'latest:/spool']);
    assertExit(ls, 0, 'ls after repair');
    const kept = lines(ls.stdout).length;
    assert.ok(kept >= FILES - 200 + 50 + 1 - PART_MAX && kept < FILES - 200 + 50 + 1, `the readable parts are kept (${kept} entries)`);
  });
});
