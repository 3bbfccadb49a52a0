/**
 * End to end: what the `coffer` command does with bad input — wrong passphrases,
 * missing or existing stores, damaged stores, unreadable sources, interrupted
 * backups, hostile trees, usage errors and locks. Each case asserts the documented
 * exit status and a message a person can act on.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  assertExit,
  assertFailed,
  assertOneLineError,
  backupJson,
  cleanupTmpDirs,
  createStore,
  describeRun,
  hasTool,
  IS_ROOT,
  jsonLines,
  jsonSummary,
  lines,
  num,
  pollUntil,
  REPO_ROOT,
  removeTree,
  runCoffer,
  type RunOptions,
  snapshotIds,
  spawnCoffer,
  storeBytes,
  storeFiles,
  TEST_PASSPHRASE,
  text,
  tmpDir,
} from '../helpers/cli.js';
import { writeRandomFiles, writeTree } from '../helpers/tree.js';

/** Size and shape of the large random source used by the interruption and lock cases. */
const BIG_FILES = 38;
const BIG_FILE_SIZE = 8 * 1024 * 1024;

/** Pack files of a store (data/<2hex>/<64hex>), largest first. */
function packs(store: string): { file: string; size: number }[] {
  return [...storeFiles(store, 'data')]
    .filter(([f]) => /[/\\][0-9a-f]{2}[/\\][0-9a-f]{64}$/.test(f))
    .map(([file, size]) => ({ file, size }))
    .sort((a, b) => b.size - a.size);
}

/** Every file name under `dir`, recursively, '/'-separated and sorted. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string, depth: number): void => {
    if (depth > 50) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      out.push(r);
      if (e.isDirectory()) walk(path.join(d, e.name), r, depth + 1);
    }
  };
  walk(dir, '', 0);
  return out.sort();
}

/**
 * A store with two snapshots: the first holds only undamaged.txt, the second adds
 * damaged.bin (3 MiB of random data), so the largest pack holds damaged.bin's data
 * and nothing else.
 */
function storeWithDamageTarget(): { root: string; store: string; src: string; last: string; undamaged: string } {
  const root = tmpDir();
  const src = path.join(root, 'src');
  const store = path.join(root, 'store');
  const undamaged = 'this file is not damaged\n'.repeat(10);
  writeTree(src, { 'undamaged.txt': undamaged });
  createStore(store);
  backupJson(store, src);
  fs.writeFileSync(path.join(src, 'damaged.bin'), randomBytes(3 * 1024 * 1024));
  const last = backupJson(store, src).id;
  return { root, store, src, last, undamaged };
}

describe('coffer on bad input', function () {
  after(cleanupTmpDirs);

  it('refuses a wrong passphrase with exit 12 and one line, no stack trace', function () {
    const root = tmpDir();
    const store = path.join(root, 'store');
    createStore(store);
    const r = runCoffer(['at', store, 'ls'], { env: { COFFER_PASSPHRASE: 'not the passphrase' } });
    assertExit(r, 12, 'wrong passphrase');
    assertOneLineError(r);
    assert.equal(r.stdout, '');
  });

  it('reports a store that does not exist with exit 10', function () {
    const root = tmpDir();
    const r = runCoffer(['at', path.join(root, 'no-such-store'), 'ls']);
    assertExit(r, 10, 'missing store');
    assertOneLineError(r);
    assert.ok(!fs.existsSync(path.join(root, 'no-such-store')), 'reading a missing store must not create it');
  });

  it('refuses to create a store over an existing one and leaves it untouched', function () {
    const root = tmpDir();
    const store = path.join(root, 'store');
    createStore(store);
    const config = fs.readFileSync(path.join(store, 'config'));
    const before = listing(store);
    for (const args of [[], ['--plaintext']]) {
      const r = runCoffer(['at', store, 'create', ...args], { env: { COFFER_PASSPHRASE: 'another passphrase' } });
      assertFailed(r, `create ${args.join(' ')} over a store`);
      assertOneLineError(r);
    }
    assert.ok(fs.readFileSync(path.join(store, 'config')).equals(config), 'config bytes unchanged');
    assert.deepEqual(listing(store), before, 'store files unchanged');
    assertExit(runCoffer(['at', store, 'ls']), 0, 'the store still opens with its passphrase');
  });

  it('check finds a flipped byte in a packfile, names the damaged file and snapshot; undamaged files still restore', function () {
    const { root, store, last, undamaged } = storeWithDamageTarget();
    const big = packs(store)[0];
    assert.ok(big && big.size > 3 * 1024 * 1024, 'the largest pack holds damaged.bin');
    const fd = fs.openSync(big.file, 'r+');
    try {
      const at = Math.floor(big.size / 2);
      const b = Buffer.alloc(1);
      fs.readSync(fd, b, 0, 1, at);
      b[0] = (b[0] ?? 0) ^ 0xff;
      fs.writeSync(fd, b, 0, 1, at);
    } finally {
      fs.closeSync(fd);
    }
    const r = runCoffer(['at', store, 'check']);
    assertFailed(r, 'check of a damaged store');
    assert.match(r.stderr, new RegExp(`snapshot ${last.slice(0, 8)}: /damaged\\.bin is damaged`), describeRun(r));
    assert.doesNotMatch(r.stderr, /undamaged\.txt is damaged/, describeRun(r));
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');

    const to = path.join(root, 'restored');
    const x = runCoffer(['at', store, 'restore', '--to', to, 'latest:/undamaged.txt']);
    assertExit(x, 0, 'restore of an undamaged file');
    assert.equal(fs.readFileSync(path.join(to, 'undamaged.txt'), 'utf8'), undamaged);
    const c = runCoffer(['at', store, 'cat', 'latest:/undamaged.txt']);
    assertExit(c, 0, 'cat of an undamaged file');
    assert.equal(c.stdout, undamaged);
  });

  it('check reports a deleted packfile and names the files that lost data', function () {
    const { root, store, last, undamaged } = storeWithDamageTarget();
    const big = packs(store)[0];
    assert.ok(big && big.size > 3 * 1024 * 1024, 'the largest pack holds damaged.bin');
    fs.rmSync(big.file);
    const r = runCoffer(['at', store, 'check']);
    assertFailed(r, 'check with a missing pack');
    assert.match(r.stderr, new RegExp(`snapshot ${last.slice(0, 8)}: /damaged\\.bin is damaged`), describeRun(r));
    assert.doesNotMatch(r.stderr, /undamaged\.txt is damaged/, describeRun(r));
    const to = path.join(root, 'restored');
    assertExit(runCoffer(['at', store, 'restore', '--to', to, 'latest:/undamaged.txt']), 0, 'restore of an undamaged file');
    assert.equal(fs.readFileSync(path.join(to, 'undamaged.txt'), 'utf8'), undamaged);
  });

  it('check reports a truncated index file by name', function () {
    const root = tmpDir();
    const src = path.join(root, 'src');
    const store = path.join(root, 'store');
    writeTree(src, { 'a.txt': 'a\n', 'b.bin': randomBytes(100_000) });
    createStore(store);
    backupJson(store, src);
    const index = [...storeFiles(store, 'index')].map(([f, size]) => ({ f, size }));
    assert.ok(index.length >= 1, 'the backup wrote an index file');
    const victim = index[0];
    assert.ok(victim);
    fs.truncateSync(victim.f, Math.floor(victim.size / 2));
    const name = path.basename(victim.f);
    const r = runCoffer(['at', store, 'check']);
    assertFailed(r, 'check with a truncated index');
    assert.ok(r.stderr.includes(name.slice(0, 8)), `check must name index file ${name}\n${describeRun(r)}`);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  });

  it('backs up what it can read when a source file is unreadable: warning, exit 3, snapshot listed', function () {
    const root = tmpDir();
    const src = path.join(root, 'src');
    const store = path.join(root, 'store');
    writeTree(src, { 'ok.txt': 'readable\n', 'secret.txt': 'unreadable\n', sub: { type: 'dir', children: { 'also-ok.txt': 'fine\n' } } });
    let opts: RunOptions = {};
    if (IS_ROOT) {
      // Root reads anything: run coffer without the capabilities that let it.
      if (!hasTool('setpriv')) this.skip();
      opts = { withoutDacOverride: true };
    }
    fs.chmodSync(path.join(src, 'secret.txt'), 0o000);
    createStore(store, [], opts);
    const r = runCoffer(['at', store, 'backup', src], opts);
    assertExit(r, 3, 'backup with an unreadable file');
    assert.match(r.stderr, /secret\.txt/, `the unreadable file is named on stderr\n${describeRun(r)}`);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
    const ids = snapshotIds(store, opts);
    assert.equal(ids.length, 1, 'the snapshot was still created');
    const ls = runCoffer(['at', store, 'ls', '--recursive', '--json', 'latest:/'], opts);
    assertExit(ls, 0, 'ls of the partial snapshot');
    const paths = jsonLines(ls).map((o) => text(o, 'path'));
    for (const p of [`${src}/ok.txt`, `${src}/sub/also-ok.txt`]) assert.ok(paths.includes(p), `${p} in ${paths.join(' ')}`);
  });

  describe('with a large random source', function () {
    let big: string;
    let bigBytes = 0;

    before(function () {
      this.timeout(600_000);
      big = tmpDir('coffer-e2e-big-');
      bigBytes = writeRandomFiles(path.join(big, 'src'), BIG_FILES, BIG_FILE_SIZE);
    });

    after(function () {
      removeTree(big);
    });

    it('recovers from a backup killed with SIGKILL: check passes, the next backup reuses the uploaded packs', async function () {
      this.timeout(600_000);
      const root = tmpDir();
      const store = path.join(root, 'store');
      const src = path.join(big, 'src');
      createStore(store);
      const run = spawnCoffer(['at', store, 'backup', '--json', src]);
      // Kill once packs are being saved, after a good part of the data is in the store.
      const enough = bigBytes / 4;
      const hadPacks = await pollUntil(() => run.exited() || storeBytes(store, 'data') >= enough, 6000, 25);
      const stillRunning = !run.exited();
      if (stillRunning) run.child.kill('SIGKILL');
      const killed = await run.done;
      assert.ok(hadPacks, 'packs appeared in the store within the polling bound');
      assert.ok(stillRunning, `the backup finished before it could be killed; make the source larger\n${describeRun(killed)}`);
      assert.equal(killed.signal, 'SIGKILL');
      const uploaded = storeBytes(store, 'data');
      assert.ok(packs(store).length >= 1, 'at least one pack was saved before the kill');

      const c1 = runCoffer(['at', store, 'check']);
      assertExit(c1, 0, 'check after a killed backup (warnings allowed)');

      const b = runCoffer(['at', store, 'backup', '--json', src]);
      assertExit(b, 0, 'backup after a killed backup');
      const s = jsonSummary(b);
      const stored = num(s, 'storedBytes');
      assert.ok(
        stored < bigBytes - uploaded / 2 && stored < bigBytes * 0.85,
        `the new backup must reuse the ${uploaded} bytes of packs already uploaded: stored ${stored} of ${bigBytes}\n${describeRun(b)}`,
      );
      assert.equal(num(s, 'files'), BIG_FILES);

      const c2 = runCoffer(['at', store, 'check']);
      assertExit(c2, 0, 'check after the next backup');
    });

    it('refuses rm --apply and maintenance while another process holds a lock: exit 11 naming host and pid', async function () {
      this.timeout(120_000);
      const root = tmpDir();
      const small = path.join(root, 'small');
      const store = path.join(root, 'store');
      writeTree(small, { 'a.txt': 'a\n' });
      createStore(store);
      const first = backupJson(store, small).id;
      // A process that holds a shared lock, as a running backup does, for as long as the test needs.
      const holder = spawn(process.execPath, [path.join(REPO_ROOT, 'test', 'dist', 'helpers', 'hold-lock.js'), store], {
        env: { ...process.env, COFFER_PASSPHRASE: TEST_PASSPHRASE },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      try {
        let said = '';
        holder.stdout.on('data', (b: Buffer) => (said += b.toString()));
        const locked = await pollUntil(() => said.includes('locked') || holder.exitCode !== null, 2400, 25);
        assert.ok(locked && said.includes('locked'), 'the helper took a lock');
        const pid = String(holder.pid);
        for (const args of [['rm', '--apply', first], ['maintenance']]) {
          const r = runCoffer(['at', store, ...args]);
          assertExit(r, 11, `${args.join(' ')} while another process holds a lock`);
          assert.ok(r.stderr.includes(os.hostname()), `the lock owner's host ${os.hostname()} is named\n${describeRun(r)}`);
          assert.match(r.stderr, new RegExp(`\\b${pid}\\b`), `the lock owner's pid ${pid} is named\n${describeRun(r)}`);
          assertOneLineError(r);
        }
        assert.ok(snapshotIds(store).includes(first), 'rm --apply removed nothing');
      } finally {
        holder.kill('SIGKILL');
      }
    });
  });

  it('refuses to restore a snapshot whose tree was altered to hold "..", and check reports it', function () {
    const root = tmpDir();
    const src = path.join(root, 'src');
    const store = path.join(root, 'store');
    const sandbox = path.join(root, 'sandbox');
    const target = path.join(sandbox, 'a', 'target');
    const env = { COFFER_PASSPHRASE: undefined };
    writeTree(src, { aa: 'would escape\n', bb: { type: 'dir', children: { 'cc.txt': 'inside bb\n' } } });
    assertExit(runCoffer(['at', store, 'create', '--plaintext', '--no-compression'], { env }), 0, 'create --plaintext --no-compression');
    backupJson(store, src, [], { env });
    const needle = Buffer.from('"name":"aa"');
    let altered = 0;
    for (const { file } of packs(store)) {
      const b = fs.readFileSync(file);
      let at = b.indexOf(needle);
      for (let guard = 0; at >= 0 && guard < 100; guard++) {
        b.write('"name":".."', at, 'utf8');
        altered++;
        at = b.indexOf(needle, at + 1);
      }
      if (altered) fs.writeFileSync(file, b);
    }
    assert.ok(altered > 0, 'the plaintext tree holding "aa" was found in a pack');
    fs.mkdirSync(path.join(sandbox, 'a'), { recursive: true });
    const before = listing(root).filter((p) => !p.startsWith('store'));

    const r = runCoffer(['at', store, 'restore', '--to', target, 'latest'], { env });
    assertExit(r, 3, 'restore of an altered tree (no longer matching its id: damage, so its content is left out and listed)');
    assert.match(r.stderr, /^not restored \/: /m, describeRun(r));
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
    const after = listing(root).filter((p) => !p.startsWith('store') && !p.startsWith('sandbox/a/target'));
    assert.deepEqual(after, before, 'nothing was created outside the target');
    assert.ok(!fs.existsSync(path.join(sandbox, 'a', 'aa')) && !fs.existsSync(path.join(sandbox, 'aa')), 'no escaped file');

    const c = runCoffer(['at', store, 'check'], { env });
    assertFailed(c, 'check of an altered tree');
  });

  it('rejects an unknown flag with exit 2', function () {
    const root = tmpDir();
    const store = path.join(root, 'store');
    createStore(store);
    for (const args of [['ls', '--bogus'], ['backup', '--frobnicate', root], ['check', '--no-such-flag']]) {
      const r = runCoffer(['at', store, ...args]);
      assertExit(r, 2, args.join(' '));
      assertOneLineError(r);
    }
  });

  it('rejects a malformed snapshot id with exit 2', function () {
    const root = tmpDir();
    const src = path.join(root, 'src');
    const store = path.join(root, 'store');
    writeTree(src, { 'a.txt': 'a\n' });
    createStore(store);
    backupJson(store, src);
    for (const args of [['ls', 'zz'], ['ls', '12:/'], ['restore', '--to', path.join(root, 'out'), 'zz'], ['restore', '--to', path.join(root, 'out'), '12'], ['info', 'zz'], ['cat', '12:/a.txt']]) {
      const r = runCoffer(['at', store, ...args]);
      assertExit(r, 2, args.join(' '));
      assertOneLineError(r);
    }
    assert.ok(!fs.existsSync(path.join(root, 'out')), 'a refused restore creates nothing');
  });

  it('rejects restore --overwrite sometimes with exit 2', function () {
    const root = tmpDir();
    const src = path.join(root, 'src');
    const store = path.join(root, 'store');
    writeTree(src, { 'a.txt': 'a\n' });
    createStore(store);
    backupJson(store, src);
    const r = runCoffer(['at', store, 'restore', '--overwrite', 'sometimes', '--to', path.join(root, 'out'), 'latest']);
    assertExit(r, 2, 'restore --overwrite sometimes');
    assertOneLineError(r);
    assert.ok(!fs.existsSync(path.join(root, 'out')), 'a refused restore creates nothing');
  });

  it('fails without a passphrase and no terminal, naming COFFER_PASSPHRASE', function () {
    const root = tmpDir();
    const store = path.join(root, 'store');
    createStore(store);
    const r = runCoffer(['at', store, 'ls'], { env: { COFFER_PASSPHRASE: undefined }, input: '' });
    assertFailed(r, 'ls with no passphrase');
    assert.match(r.stderr, /COFFER_PASSPHRASE/, describeRun(r));
    assertOneLineError(r);
    const c = runCoffer(['at', path.join(root, 'new-store'), 'create'], { env: { COFFER_PASSPHRASE: undefined }, input: '' });
    assertFailed(c, 'create with no passphrase');
    assert.match(c.stderr, /COFFER_PASSPHRASE/, describeRun(c));
  });

  it('prints errors without stack traces for a missing source', function () {
    const root = tmpDir();
    const store = path.join(root, 'store');
    createStore(store);
    const r = runCoffer(['at', store, 'backup', path.join(root, 'does-not-exist')]);
    assertFailed(r, 'backup of a missing path');
    assertOneLineError(r);
    assert.deepEqual(lines(r.stdout), []);
  });
});
