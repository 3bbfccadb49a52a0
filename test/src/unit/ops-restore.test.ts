/**
 * Restore (agent/src/ops/restore.ts) on a real store: a selection of a file and a folder
 * lands each under its own name; with overwrite never an existing file is kept and
 * counted as skipped, with always it is replaced; one folder restores its content into
 * the target; two paths of the same name, a relative target and a bad policy are refused.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { type RestoreEvent, type RestoreOutcome, StoreRestoreRequest } from '@coffer/shared/gen/coffer/v1/store.js';
import { restore } from '@coffer/agent/ops/restore.js';
import type { StoreSession } from '@coffer/agent/ops/store-session.js';
import { RunJob } from '@coffer/shared/gen/coffer/v1/agent.js';
import { JobKind } from '@coffer/shared/gen/coffer/v1/common.js';
import { planJob } from '@coffer/agent/jobs/job-plan.js';
import { assertExit, cleanupTmpDirs, runCoffer, tmpDir } from '../helpers/cli.js';
import { collect, CTX, rejectsRpc, type TempStore, tempStore } from '../helpers/temp-store.js';

function outcomeOf(events: RestoreEvent[]): RestoreOutcome {
  const first = events[0]?.event;
  assert.equal(first?.$case === 'progress' && first.value.phase, 'restore', 'progress comes first');
  const last = events[events.length - 1];
  assert.equal(last?.event?.$case, 'result');
  return last.event.value;
}

function req(p: Partial<StoreRestoreRequest>): StoreRestoreRequest {
  return StoreRestoreRequest.fromPartial(p);
}

describe('ops: Restore', function () {
  let t: TempStore;
  let store: StoreSession;
  let snap: string;

  before(async function () {
    t = tempStore();
    t.write({ 'docs/a.txt': 'alpha\n', 'docs/b.txt': 'beta\n', 'etc/x.conf': 'x = 1\n', 'other/a.txt': 'another a\n', 'top.txt': 'top\n' });
    snap = t.backup();
    store = await t.open();
  });
  after(async () => {
    await store?.close();
    cleanupTmpDirs();
  });

  it('restores a selection, keeping an existing file with overwrite never', async () => {
    const target = tmpDir('coffer-ops-restore-');
    fs.writeFileSync(path.join(target, 'a.txt'), 'mine\n');
    const o = outcomeOf(await collect(restore(store, req({ snapshot: snap.slice(0, 12), paths: ['docs/a.txt', '/etc/'], target }), CTX)));
    assert.equal(o.ok, true, JSON.stringify(o.errorList));
    assert.equal(o.skipped, 1, 'the existing a.txt is skipped');
    assert.equal(o.files, 1);
    assert.equal(o.errors, 0);
    assert.equal(fs.readFileSync(path.join(target, 'a.txt'), 'utf8'), 'mine\n');
    assert.equal(fs.readFileSync(path.join(target, 'etc/x.conf'), 'utf8'), 'x = 1\n');
    assert.deepEqual(fs.readdirSync(target).sort(), ['a.txt', 'etc']);

    const again = outcomeOf(await collect(restore(store, req({ snapshot: snap, paths: ['docs/a.txt', 'etc'], target, overwrite: 'always' }), CTX)));
    assert.equal(again.skipped, 0);
    assert.equal(again.files, 2);
    assert.equal(again.bytes, 12);
    assert.equal(fs.readFileSync(path.join(target, 'a.txt'), 'utf8'), 'alpha\n');
  });

  it('restores one folder as coffer restore SNAP:PATH does, and all of a snapshot', async () => {
    const one = tmpDir('coffer-ops-restore-');
    outcomeOf(await collect(restore(store, req({ snapshot: snap, paths: ['docs'], target: one }), CTX)));
    assert.deepEqual(fs.readdirSync(one).sort(), ['a.txt', 'b.txt']);
    const all = path.join(tmpDir('coffer-ops-restore-'), 'new');
    const o = outcomeOf(await collect(restore(store, req({ target: all }), CTX)));
    assert.equal(o.files, 5);
    assert.deepEqual(fs.readdirSync(all).sort(), ['docs', 'etc', 'other', 'top.txt']);
  });

  it('refuses two paths of one name, a relative target and a bad policy', async () => {
    const target = tmpDir('coffer-ops-restore-');
    await rejectsRpc(collect(restore(store, req({ snapshot: snap, paths: ['docs/a.txt', 'other/a.txt'], target }), CTX)), status.INVALID_ARGUMENT, /both be restored as 'a.txt'/);
    assert.deepEqual(fs.readdirSync(target), [], 'nothing was written');
    await rejectsRpc(collect(restore(store, req({ snapshot: snap, target: 'rel/dir' }), CTX)), status.INVALID_ARGUMENT, /^target: /);
    await rejectsRpc(collect(restore(store, req({ snapshot: snap, target, overwrite: 'sometimes' }), CTX)), status.INVALID_ARGUMENT, /^overwrite: /);
    await rejectsRpc(collect(restore(store, req({ snapshot: snap, target, paths: ['../etc'] }), CTX)), status.INVALID_ARGUMENT, /^paths\[0\]: /);
  });

  it('coffer restore takes a selection as several SNAP:PATH or --path flags', () => {
    const a = tmpDir('coffer-ops-restore-');
    assertExit(runCoffer(['at', t.store, 'restore', '--to', a, `${snap.slice(0, 8)}:docs/a.txt`, `${snap.slice(0, 8)}:/etc`]), 0, 'restore SNAP:P SNAP:Q');
    assert.deepEqual(fs.readdirSync(a).sort(), ['a.txt', 'etc']);
    const b = tmpDir('coffer-ops-restore-');
    const r = runCoffer(['at', t.store, 'restore', '--to', b, '--path', 'docs/b.txt', '--path=top.txt', snap]);
    assertExit(r, 0, 'restore --path');
    assert.deepEqual(fs.readdirSync(b).sort(), ['b.txt', 'top.txt']);
    assert.match(r.stdout, /^restored 2 files, 0 dirs, 0 symlinks/m);
  });

  it('a restore job passes RestoreSpec.paths as --path flags', () => {
    const run = RunJob.fromPartial({
      jobId: 'j1',
      kind: JobKind.JOB_KIND_RESTORE,
      spec: { spec: { $case: 'restore', value: { snapshot: 'abcd1234', paths: ['docs/a.txt', 'etc'], overwrite: 'if-changed' } } },
      store: { name: 's', location: '/x' },
      destination: { name: 'd', location: '/y' },
    });
    const step = planJob(run).steps[0];
    assert.deepEqual(step?.args, ['at', '@s', 'restore', '--json', '--to=@d', '--overwrite=if-changed', '--path=docs/a.txt', '--path=etc', '--', 'abcd1234']);
  });
});
