/**
 * A dead writer does not block deletion: a backup SIGKILLed mid-run leaves its shared
 * lock, and maintenance, forget --apply and rm --apply, run at once after it without
 * `unlock`, remove that lock (one note line) and succeed, because its owner was a
 * process of this host that no longer runs (cli/lock-owner.ts). Locks whose owner may be
 * alive keep blocking (exit 11): another host's, and one whose pid runs on this host in
 * another pid namespace. A reused pid (alive, but started at another time) is stale.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StoreLock, type LockInfo } from '@coffer/agent/engine/lock.js';
import { Repository } from '@coffer/agent/engine/repository.js';
import { procIdentity } from '@coffer/agent/cli/lock-owner.js';
import { FsBackend } from '@coffer/agent/storage/fs-backend.js';
import {
  assertExit,
  backupJson,
  cleanupTmpDirs,
  createStore,
  describeRun,
  pollUntil,
  runCoffer,
  spawnCoffer,
  TEST_PASSPHRASE,
  tmpDir,
} from '../helpers/cli.js';
import { writeRandomFiles, writeTree } from '../helpers/tree.js';

/** Files in `dir`, without the store's reserve (locks/reserve). */
const count = (dir: string): number => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n !== 'reserve').length : 0);

describe('a dead writer does not block deletion', function () {
  this.timeout(300_000);
  let root: string;
  let store: string;
  let big: string;
  let small: string;

  before(() => {
    root = tmpDir();
    store = path.join(root, 'store');
    big = path.join(root, 'big');
    small = path.join(root, 'small');
    writeRandomFiles(big, 40, 4 * 1024 * 1024);
    writeTree(small, { 'a.txt': 'a\n', 'b.txt': 'b\n' });
    createStore(store);
  });
  after(() => cleanupTmpDirs());

  /** Starts a backup of the big tree and SIGKILLs it once its lock and some packs are in the store; returns its pid. */
  async function killedBackup(): Promise<number> {
    const packs = fs.readdirSync(path.join(store, 'data')).reduce((n, d) => n + count(path.join(store, 'data', d)), 0);
    const run = spawnCoffer(['at', store, 'backup', big]);
    const underWay = await pollUntil(
      () => run.exited() || (count(path.join(store, 'locks')) > 0 && fs.readdirSync(path.join(store, 'data')).reduce((n, d) => n + count(path.join(store, 'data', d)), 0) > packs),
      6000,
      10,
    );
    assert.ok(underWay && !run.exited(), 'the backup was under way');
    run.child.kill('SIGKILL');
    const r = await run.done;
    assert.equal(r.signal, 'SIGKILL');
    assert.equal(count(path.join(store, 'locks')), 1, 'the killed backup left its lock');
    return run.child.pid as number;
  }

  for (const verb of ['maintenance', 'forget', 'rm'] as const) {
    it(`${verb} runs at once after a backup was SIGKILLed, removing its lock with a note`, async () => {
      const id = backupJson(store, small).id;
      const pid = await killedBackup();
      const args = verb === 'maintenance' ? ['maintenance'] : verb === 'forget' ? ['forget', '--keep-last', '1', '--apply'] : ['rm', '--apply', id];
      const r = runCoffer(['at', store, ...args]);
      assertExit(r, 0, `${verb} after the killed backup`);
      assert.match(r.stderr, new RegExp(`note: removed a shared lock held by .*@${os.hostname()} pid ${pid} for 'backup'.*no longer runs`), describeRun(r));
      assert.equal(count(path.join(store, 'locks')), 0, 'no lock left');
    });
  }

  /** Writes a lock as another process would have (the test process signs it with the store's key). */
  async function plantLock(info: Omit<LockInfo, 'time'>): Promise<void> {
    const repo = await Repository.open(new FsBackend(store), () => Promise.resolve(TEST_PASSPHRASE));
    const lock = await StoreLock.acquire(repo, info);
    // Keep the file, drop the refresh timer: as if its owner had vanished (or were far away).
    (lock as unknown as { timer?: NodeJS.Timeout }).timer?.unref();
    clearInterval((lock as unknown as { timer?: NodeJS.Timeout }).timer);
  }

  const base = { user: 'someone', exclusive: false, operation: 'backup' };

  it('keeps blocking on a lock of another host (exit 11), until unlock --remove-all', async () => {
    await plantLock({ ...base, host: 'another-host.example', pid: 999_999 });
    const r = runCoffer(['at', store, 'maintenance']);
    assertExit(r, 11, 'maintenance with another host\'s lock');
    assert.match(r.stderr, /another-host\.example pid 999999/);
    assertExit(runCoffer(['at', store, 'unlock', '--remove-all']), 0, 'unlock');
  });

  it('keeps blocking on a live pid of this host in another pid namespace; a reused pid is stale', async () => {
    const mine = procIdentity();
    assert.ok(mine, '/proc gives this process an identity');
    const [boot, ns, start] = mine.split('/') as [string, string, string];
    // Alive (this test process), same host, but another pid namespace: cannot be judged, kept.
    await plantLock({ ...base, host: os.hostname(), pid: process.pid, proc: `${boot}/pid:[1]/${start}` });
    const kept = runCoffer(['at', store, 'maintenance']);
    assertExit(kept, 11, 'maintenance with a lock of another pid namespace');
    assertExit(runCoffer(['at', store, 'unlock', '--remove-all']), 0, 'unlock');
    // Alive pid, same namespace, but started at another time: the pid was reused, the owner is gone.
    await plantLock({ ...base, host: os.hostname(), pid: process.pid, proc: `${boot}/${ns}/${Number(start) + 1}` });
    const r = runCoffer(['at', store, 'maintenance']);
    assertExit(r, 0, 'maintenance with a lock whose pid was reused');
    assert.match(r.stderr, /note: removed/);
  });
});
