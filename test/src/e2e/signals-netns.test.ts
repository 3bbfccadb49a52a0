/**
 * SIGTERM and SIGINT are honoured whatever the network does: sshd and coffer run in a
 * network namespace of the test's own, on its 127.0.0.1; in the middle of a backup to the
 * SFTP store (and of a restore from it) the server's packets are dropped (iptables), then
 * the process is signalled. It exits within 5 s (the bound) with status 130 and
 * one line, and nothing was saved after the signal: with packets flowing again, the
 * store checks clean, the snapshot list is what it was, and no file in it is newer than
 * the signal. The namespace is deleted afterwards, also on failure. Root only.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  assertExit,
  assertOneLineError,
  cleanupTmpDirs,
  createStore,
  IN_CI,
  IS_ROOT,
  pollUntil,
  runCoffer,
  spawnCoffer,
  tmpDir,
  type RunOptions,
} from '../helpers/cli.js';
import { createNetns, type TestNetns } from '../helpers/netns.js';
import { makeSshHome, startSshd, type TestSshd } from '../helpers/sshd.js';
import { writeRandomFiles } from '../helpers/tree.js';

/** Files under `dir` (recursively) with their mtimes. */
function filesUnder(dir: string): { file: string; mtimeMs: number }[] {
  const out: { file: string; mtimeMs: number }[] = [];
  const stack = [dir];
  for (let guard = 0; stack.length > 0 && guard < 100_000; guard++) {
    const d = stack.pop() as string;
    if (!fs.existsSync(d)) continue;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) out.push({ file: p, mtimeMs: fs.statSync(p).mtimeMs });
    }
  }
  return out;
}

describe('signals with a silent SFTP server (network namespace)', function () {
  this.timeout(600_000);
  let ns: TestNetns | undefined;
  let sshd: TestSshd | undefined;
  let opts: RunOptions;
  let url: string;
  let storeDir: string;
  let src: string;

  before(async function () {
    if (!IS_ROOT && !IN_CI) this.skip();
    ns = createNetns('sig');
    sshd = await startSshd({ netns: ns.name });
    const home = makeSshHome(sshd, tmpDir());
    opts = { netns: ns.name, env: { HOME: home, SSH_AUTH_SOCK: undefined } };
    storeDir = path.join(sshd.dir, 'store');
    url = `sftp://${sshd.user}@${sshd.host}:${sshd.port}${storeDir}`;
    createStore(url, [], opts);
    src = path.join(tmpDir(), 'src');
    writeRandomFiles(src, 48, 4 * 1024 * 1024);
  });
  after(async () => {
    try {
      await sshd?.stop();
    } finally {
      ns?.remove();
      cleanupTmpDirs();
    }
  });

  const snapshots = (): string[] => fs.readdirSync(path.join(storeDir, 'snapshots')).sort();

  /**
   * Starts `args` in the namespace, waits until `underWay`, silences the server, sends
   * `sig`, and checks the exit: within 5 s, status 130, one line; no store file newer
   * than the signal.
   */
  async function interruptSilenced(args: string[], underWay: () => boolean, sig: NodeJS.Signals): Promise<void> {
    const s = sshd as TestSshd;
    const before = snapshots();
    const run = spawnCoffer(args, opts);
    const started = await pollUntil(() => run.exited() || underWay(), 12_000, 10);
    assert.ok(started && !run.exited(), `the operation was under way when the packets were dropped: ${run.stdoutSoFar().slice(-300)}`);
    (ns as TestNetns).silence(s.port);
    try {
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(!run.exited(), 'still running with the server silent');
      const signalledAt = Date.now();
      run.child.kill(sig);
      const exited = await pollUntil(() => run.exited(), 500, 10);
      const tookMs = Date.now() - signalledAt;
      if (!exited) run.child.kill('SIGKILL');
      const r = await run.done;
      assert.ok(exited && tookMs < 5000, `exits within 5 s of ${sig} (took ${tookMs} ms)`);
      assertExit(r, 130, `${sig} with the server silent`);
      assertOneLineError(r);
      assert.match(r.stderr, new RegExp(`interrupted by ${sig}`));
      const late = filesUnder(storeDir).filter((f) => !f.file.includes(`${path.sep}tmp${path.sep}`) && !f.file.includes(`${path.sep}locks${path.sep}`) && f.mtimeMs > signalledAt);
      assert.deepEqual(late, [], 'nothing saved in the store after the signal');
    } finally {
      (ns as TestNetns).restore(s.port);
    }
    assert.deepEqual(snapshots(), before, 'no snapshot saved');
    assertExit(runCoffer(['at', url, 'check'], opts), 0, 'check after the interrupted run');
  }

  const packsStored = (): number => filesUnder(path.join(storeDir, 'data')).length;

  it('SIGTERM stops a backup within 5 s, exit 130, nothing saved', async () => {
    const packs = packsStored();
    await interruptSilenced(['at', url, 'backup', src], () => packsStored() > packs + 2, 'SIGTERM');
  });

  it('SIGINT stops a backup within 5 s, exit 130, nothing saved', async () => {
    // Data of its own: the SIGTERM test's packs would make a backup of `src` quick (reused).
    const fresh = path.join(tmpDir(), 'src');
    writeRandomFiles(fresh, 48, 4 * 1024 * 1024);
    const packs = packsStored();
    await interruptSilenced(['at', url, 'backup', fresh], () => packsStored() > packs + 2, 'SIGINT');
  });

  it('SIGTERM stops a restore from the store within 5 s, exit 130', async () => {
    assertExit(runCoffer(['at', url, 'backup', src], opts), 0, 'backup to restore from');
    const out = path.join(tmpDir(), 'out');
    await interruptSilenced(['at', url, 'restore', '--to', out, 'latest'], () => filesUnder(out).length > 1, 'SIGTERM');
  });

  it('SIGTERM stops a full check within 5 s, exit 130, one line', async () => {
    // Under way: about 0.6 s after the start (connected, reading packs of 192 MiB of data).
    let polls = 0;
    await interruptSilenced(['at', url, 'check', '--json'], () => ++polls > 60, 'SIGTERM');
  });
});
