/**
 * Readers and deleters agree. A restore takes a shared lock: maintenance started while
 * it runs (held still with SIGSTOP, a restore as slow as one likes) refuses with exit 11
 * naming the restore's lock, and the restore then finishes. A restore with --no-lock,
 * started before a maintenance that repacks the very packs it reads, still finishes
 * and restores the right data: repacked packs are condemned for the grace period, not
 * deleted; a later maintenance with the grace passed deletes them, and the store checks
 * clean before and after.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  assertExit,
  backupJson,
  cleanupTmpDirs,
  createStore,
  describeRun,
  jsonSummary,
  num,
  pollUntil,
  runCoffer,
  spawnCoffer,
  tmpDir,
} from '../helpers/cli.js';
import { assertSameTree, sha256Tree } from '../helpers/tree.js';

/** Every pack file of a local store. */
function packFiles(store: string): string[] {
  const data = path.join(store, 'data');
  return fs.readdirSync(data).flatMap((d) => fs.readdirSync(path.join(data, d)).map((f) => path.join(data, d, f)));
}

describe('readers and deleters agree', function () {
  this.timeout(300_000);
  let store: string;
  let src: string;

  /**
   * A store whose kept snapshot's data sits in packs that are three-quarters unused, and
   * older than the default grace: the next maintenance repacks them.
   */
  before(() => {
    const root = tmpDir();
    store = path.join(root, 'store');
    src = path.join(root, 'src');
    fs.mkdirSync(src);
    for (let i = 0; i < 12; i++) {
      const n = String(i).padStart(2, '0');
      fs.writeFileSync(path.join(src, `f${n}a`), randomBytes(3 * 1024 * 1024));
      fs.writeFileSync(path.join(src, `f${n}b`), randomBytes(1024 * 1024));
    }
    createStore(store);
    backupJson(store, src);
    for (const f of fs.readdirSync(src)) if (f.endsWith('a')) fs.rmSync(path.join(src, f));
    backupJson(store, src);
    assertExit(runCoffer(['at', store, 'forget', '--keep-last', '1', '--apply']), 0, 'forget the first snapshot');
  });
  after(() => cleanupTmpDirs());

  const ageDataFiles = (): void => {
    const twoDaysAgo = new Date(Date.now() - 48 * 3600_000);
    for (const f of packFiles(store)) fs.utimesSync(f, twoDaysAgo, twoDaysAgo);
  };

  /** Starts a restore of latest and stops it (SIGSTOP) once it has begun writing. */
  async function stoppedRestore(args: readonly string[] = []): Promise<{ run: ReturnType<typeof spawnCoffer>; to: string }> {
    const to = path.join(tmpDir(), 'out');
    const run = spawnCoffer(['at', store, 'restore', ...args, '--to', to, 'latest']);
    const begun = await pollUntil(() => run.exited() || (fs.existsSync(to) && fs.readdirSync(to).length > 0), 6000, 5);
    run.child.kill('SIGSTOP');
    assert.ok(begun && !run.exited(), `the restore was under way: ${run.stdoutSoFar()}`);
    return { run, to };
  }

  it('maintenance refuses with exit 11 naming the running restore; the restore finishes', async () => {
    const { run, to } = await stoppedRestore();
    try {
      const m = runCoffer(['at', store, 'maintenance']);
      assertExit(m, 11, 'maintenance during a restore');
      assert.match(m.stderr, new RegExp(`shared lock held by .* pid ${run.child.pid ?? 0} for 'restore'`), describeRun(m));
    } finally {
      run.child.kill('SIGCONT');
    }
    const r = await run.done;
    assertExit(r, 0, 'the restore after maintenance was refused');
    assertSameTree(sha256Tree(src), sha256Tree(to));
  });

  it('a restore without a lock, started before a maintenance that repacks its packs, finishes; repacked packs go after the grace', async () => {
    ageDataFiles();
    const before = packFiles(store);
    const { run, to } = await stoppedRestore(['--no-lock']);
    let repacked = 0;
    try {
      const m = runCoffer(['at', store, 'maintenance', '--json']);
      assertExit(m, 0, 'maintenance during a --no-lock restore');
      repacked = num(jsonSummary(m), 'packsRepacked');
      assert.ok(repacked > 0, `maintenance repacked the restore's packs\n${describeRun(m)}`);
      assert.equal(num(jsonSummary(m), 'packsDeleted'), 0, 'nothing deleted within the grace');
    } finally {
      run.child.kill('SIGCONT');
    }
    const r = await run.done;
    assertExit(r, 0, 'the restore that overlapped maintenance');
    assertSameTree(sha256Tree(src), sha256Tree(to));
    for (const f of before) assert.ok(fs.existsSync(f), `repacked pack ${path.basename(f)} is kept for the grace period`);
    assertExit(runCoffer(['at', store, 'check']), 0, 'check with repacked packs waiting');

    // Once the grace has passed (here: a grace of 1 s, waited out), the repacked packs go.
    await new Promise((res) => setTimeout(res, 1500));
    const m2 = runCoffer(['at', store, 'maintenance', '--grace', '1s', '--json']);
    assertExit(m2, 0, 'maintenance after the grace');
    assert.ok(num(jsonSummary(m2), 'packsDeleted') >= repacked, describeRun(m2));
    assert.equal(num(jsonSummary(m2), 'packsRepacked'), 0, 'the new packs are not repacked again');
    const gone = before.filter((f) => !fs.existsSync(f)).length;
    assert.ok(gone >= repacked, `the ${repacked} repacked packs are gone (${gone} of the earlier packs went)`);
    assertExit(runCoffer(['at', store, 'check']), 0, 'check after the repacked packs went');
    const again = path.join(tmpDir(), 'again');
    assertExit(runCoffer(['at', store, 'restore', '--to', again, 'latest']), 0, 'restore after the deletion');
    assertSameTree(sha256Tree(src), sha256Tree(again));
  });
});
