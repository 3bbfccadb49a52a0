/**
 * Long operations over SFTP survive the server going away: sshd is killed (with every
 * connection it serves) in the middle of a backup to an SFTP store, a backup from an
 * SFTP source, a restore to an SFTP destination and a check, then started again. Each
 * operation reconnects and finishes with exit 0 and the right data. Also:
 * `connections=N` opens N SSH connections to one store.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SftpBackend } from '@coffer/agent/storage/sftp-backend.js';
import { parseSftpUrl, sshTarget } from '@coffer/agent/ssh/target.js';
import { assertExit, cleanupTmpDirs, createStore, pollUntil, runCoffer, spawnCoffer, tmpDir, type RunningCoffer } from '../helpers/cli.js';
import { haveSshd, makeSshHome, startSshd, type TestSshd } from '../helpers/sshd.js';
import { assertSameTree, sha256Tree, writeRandomFiles } from '../helpers/tree.js';

/** Whether any file (at any depth) is in `dir`. */
function hasFiles(dir: string): boolean {
  if (!fs.existsSync(dir)) return false;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile()) return true;
    if (e.isDirectory() && hasFiles(path.join(dir, e.name))) return true;
  }
  return false;
}

describe('SFTP operations survive a server restart', function () {
  this.timeout(300_000);
  let sshd: TestSshd;
  let home: string;
  // A request the dead server never answers is given up after 10 s and retried on a new connection.
  const env = (): Record<string, string | undefined> => ({ HOME: home, SSH_AUTH_SOCK: undefined, COFFER_SFTP_TIMEOUT_MS: '10000' });

  before(async function () {
    if (!haveSshd() && process.env.CI !== 'true') this.skip();
    sshd = await startSshd();
    home = makeSshHome(sshd, tmpDir());
  });
  after(async () => {
    await sshd?.stop();
    cleanupTmpDirs();
  });

  const sftpUrl = (p: string): string => `sftp://${sshd.user}@${sshd.host}:${sshd.port}${p}`;

  /** Waits until `underWay` holds while `run` is still going, then kills sshd, waits, and starts it again. */
  async function restartDuring(run: RunningCoffer, underWay: () => boolean): Promise<void> {
    const started = await pollUntil(() => run.exited() || underWay(), 6000, 10);
    assert.ok(started && !run.exited(), `the operation was under way when the server went down (${run.stdoutSoFar().slice(-300)})`);
    await sshd.kill();
    await new Promise((r) => setTimeout(r, 1500));
    await sshd.start();
  }

  it('a backup to an SFTP store completes, and the store checks clean', async () => {
    const root = tmpDir();
    const src = path.join(root, 'src');
    writeRandomFiles(src, 24, 6 * 1024 * 1024);
    const storeDir = path.join(sshd.dir, 'resume-store');
    const url = sftpUrl(storeDir);
    createStore(url, [], { env: env() });
    const run = spawnCoffer(['at', url, 'backup', '--json', src], { env: env() });
    await restartDuring(run, () => hasFiles(path.join(storeDir, 'data')));
    const r = await run.done;
    assertExit(r, 0, 'backup across the restart');
    assert.match(r.stdout, /"type":"summary"/);
    assertExit(runCoffer(['at', url, 'check', '--read-data-subset', '100%'], { env: env() }), 0, 'check after the restart');
    const out = path.join(root, 'out');
    assertExit(runCoffer(['at', url, 'restore', '--to', out, 'latest'], { env: env() }), 0, 'restore');
    assertSameTree(sha256Tree(src), sha256Tree(out));
  });

  it('a check of an SFTP store completes', async () => {
    const root = tmpDir();
    const src = path.join(root, 'src');
    writeRandomFiles(src, 40, 4 * 1024 * 1024);
    const url = sftpUrl(path.join(sshd.dir, 'resume-check'));
    createStore(url, [], { env: env() });
    assertExit(runCoffer(['at', url, 'backup', src], { env: env() }), 0, 'backup');
    const run = spawnCoffer(['at', url, 'check', '--json'], { env: env() });
    await restartDuring(run, () => /"type":"status"/.test(run.stdoutSoFar()));
    const r = await run.done;
    assertExit(r, 0, 'check across the restart');
    assert.match(r.stdout, /"ok":true/);
  });

  it('a backup from an SFTP source completes without file errors, and restores the same tree', async () => {
    const root = tmpDir();
    const remote = path.join(sshd.dir, 'resume-src');
    writeRandomFiles(remote, 24, 6 * 1024 * 1024);
    const store = path.join(root, 'store');
    createStore(store, [], { env: env() });
    const run = spawnCoffer(['at', store, 'backup', '--json', sftpUrl(remote)], { env: env() });
    await restartDuring(run, () => hasFiles(path.join(store, 'data')));
    const r = await run.done;
    assertExit(r, 0, 'backup from sftp across the restart');
    assert.match(r.stdout, /"type":"summary".*"errors":0/);
    const out = path.join(root, 'out');
    assertExit(runCoffer(['at', store, 'restore', '--to', out, 'latest'], { env: env() }), 0, 'restore');
    // SFTP v3 carries whole seconds.
    assertSameTree(sha256Tree(remote), sha256Tree(out), { mtimeToleranceNs: 1_000_000_000n, root: false });
  });

  it('a restore to an SFTP destination completes with every file in place', async () => {
    const root = tmpDir();
    const src = path.join(root, 'src');
    writeRandomFiles(src, 24, 6 * 1024 * 1024);
    const store = path.join(root, 'store');
    createStore(store, [], { env: env() });
    assertExit(runCoffer(['at', store, 'backup', src], { env: env() }), 0, 'backup');
    const dest = path.join(sshd.dir, 'resume-dest');
    const run = spawnCoffer(['at', store, 'restore', '--to', sftpUrl(dest), 'latest'], { env: env() });
    await restartDuring(run, () => hasFiles(dest));
    const r = await run.done;
    assertExit(r, 0, 'restore to sftp across the restart');
    assertSameTree(sha256Tree(src), sha256Tree(dest), { mtimeToleranceNs: 1_000_000_000n, root: false });
    const leftovers = fs.readdirSync(dest).filter((n) => n.includes('.coffer-'));
    assert.deepEqual(leftovers, [], 'no temporary files are left behind');
  });

  it('connections=3 opens three SSH connections to one store', async () => {
    const u = parseSftpUrl(new URL(sftpUrl(path.join(sshd.dir, 'multi'))));
    const backend = new SftpBackend(sshTarget(u, {}, { ...process.env, HOME: home, COFFER_SSH_HOME: home }), u.path, 'multi', 3);
    try {
      await backend.init();
      await Promise.all(Array.from({ length: 12 }, (_, i) => backend.save('data', randomBytes(32).toString('hex'), Buffer.alloc(100_000, i))));
      const established = execFileSync('ss', ['-Htn', 'state', 'established', `( dport = :${sshd.port} )`], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.trim() !== '');
      assert.equal(established.length, 3, `three connections to sshd, found:\n${established.join('\n')}`);
      assert.equal((await backend.list('data')).length, 12);
    } finally {
      await backend.close();
    }
  });

  it('rejects connections=0 with a one-line error naming the fix', () => {
    const env2 = { ...env(), XDG_CONFIG_HOME: tmpDir() };
    assertExit(runCoffer(['store', 'add', 'bad', sftpUrl(path.join(sshd.dir, 'bad')), 'connections=0'], { env: env2 }), 0, 'store add');
    const r = runCoffer(['at', '@bad', 'create'], { env: env2 });
    assertExit(r, 2, 'connections=0');
    assert.match(r.stderr, /connections=0 is not valid: use a whole number from 1 to 16/);
  });
});
