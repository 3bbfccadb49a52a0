/**
 * End to end, as root: a restore cannot be redirected (issue 8, "Restore that cannot be
 * redirected"). Root restores 300 files in nested folders into a target owned by another
 * user, who runs a racing process (test/src/helpers/symlink-racer.ts) that renames each
 * freshly created top-level directory away and puts a symlink to an outside folder in
 * its place. Over 3 trials (overwrite always, never, if-changed), nothing in the outside folder is created or changed, the
 * restore reports the entries it refused, and what was not swapped is restored intact.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { backupJson, cleanupTmpDirs, createStore, describeRun, IS_ROOT, spawnCoffer, tmpDir } from '../helpers/cli.js';
import { sha256Tree, type TreeSpec, writeTree } from '../helpers/tree.js';

const RACER = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'helpers', 'symlink-racer.js');
const ATTACKER = { uid: 1234, gid: 1234 };
const TOP_DIRS = 10;
/** One trial per overwrite policy: with `always`, a redirected restore would replace the outside files. */
const POLICIES = ['always', 'never', 'if-changed'] as const;
const TRIALS = POLICIES.length;

/** 10 top-level folders, each with 2 files and 2 sub-folders of 14 files: 300 files. */
function spec(): TreeSpec {
  const file = (): { type: 'file'; content: Buffer } => ({ type: 'file', content: randomBytes(16 * 1024) });
  const sub = (): TreeSpec => Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`f${i}`, file()]));
  const dir = (): TreeSpec[string] => ({ type: 'dir', children: { t0: file(), t1: file(), s0: { type: 'dir', children: sub() }, s1: { type: 'dir', children: sub() } } });
  return Object.fromEntries(Array.from({ length: TOP_DIRS }, (_, d) => [`d${d}`, dir()]));
}

/** The outside folder: what a redirected restore would write into or replace (some names as inside a top-level folder). */
function outsideSpec(): TreeSpec {
  const old = (): { type: 'file'; content: string; mode: number } => ({ type: 'file', content: 'must not change\n', mode: 0o644 });
  const sub = (): TreeSpec => Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`f${i}`, old()]));
  return { t0: old(), s0: { type: 'dir', children: sub() }, s1: { type: 'dir', children: sub() } };
}

interface Racer {
  readonly ready: Promise<void>;
  readonly done: Promise<{ swapped: string[]; code: number | null }>;
  kill(): void;
}

/** Starts the racer as the attacker. */
function startRacer(target: string, outside: string, stopFile: string): Racer {
  // The attacker may not be able to read the checkout (a clone under /root): it runs a copy
  // (the racer imports only Node's own modules) from the test's folder, which it can reach.
  const script = path.join(path.dirname(stopFile), 'symlink-racer.js');
  fs.copyFileSync(RACER, script);
  fs.chmodSync(script, 0o644);
  const child = spawn('setpriv', [`--reuid=${ATTACKER.uid}`, `--regid=${ATTACKER.gid}`, '--clear-groups', process.execPath, script, target, outside, stopFile, '60000', '1000'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  let onReady: () => void = () => undefined;
  let notReady: (err: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    notReady = reject;
  });
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString('utf8');
    if (out.startsWith('ready\n')) onReady();
  });
  const done = new Promise<{ swapped: string[]; code: number | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      notReady(new Error(`the racer exited (${code ?? 'signal'}) before it was ready`));
      const last = out.trim().split('\n').pop() ?? '';
      resolve({ swapped: last.startsWith('{') ? (JSON.parse(last) as { swapped: string[] }).swapped : [], code });
    });
  });
  return { ready, done, kill: () => child.kill('SIGKILL') };
}

(IS_ROOT ? describe : describe.skip)('coffer restore against a racing symlink swapper (as root)', function () {
  this.timeout(10 * 60_000);
  after(cleanupTmpDirs);

  it(`writes nothing outside the target and reports what it refused, ${TRIALS} trials`, async () => {
    const top = tmpDir('coffer-e2e-race-');
    fs.chmodSync(top, 0o755); // the attacker reaches the target (and the stop file) through it
    const src = path.join(top, 'src');
    const store = path.join(top, 'store');
    const outside = path.join(top, 'outside');
    writeTree(src, spec());
    writeTree(outside, outsideSpec());
    const before = sha256Tree(outside);
    const source = sha256Tree(src);
    createStore(store);
    const { id } = backupJson(store, src);
    let refusedTotal = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      // The target is a folder its owner (the attacker) may write, as a home directory is.
      const target = path.join(top, `target-${trial}`);
      fs.mkdirSync(target, { mode: 0o755 });
      fs.chownSync(target, ATTACKER.uid, ATTACKER.gid);
      const stopFile = path.join(top, `stop-${trial}`);
      const racer = startRacer(target, outside, stopFile);
      try {
        await racer.ready;
        const r = await spawnCoffer(['at', store, 'restore', '--overwrite', POLICIES[trial] as string, '--to', target, id]).done;
        fs.writeFileSync(stopFile, '');
        const { swapped } = await racer.done;
        const what = `trial ${trial}, swapped ${swapped.join(' ')}\n${describeRun(r)}`;
        assert.deepEqual(sha256Tree(outside), before, `the outside folder changed: ${what}`);
        assert.doesNotMatch(r.stderr, /^\s+at /m, `no stack trace: ${what}`);
        assert.ok(swapped.length > 0, `the racer swapped no directory (the test raced nothing): ${what}`);
        // Exit 3: the refused entries are listed and everything else is restored.
        assert.equal(r.code, 3, `a swap must make the restore report refused entries and go on: ${what}`);
        assert.match(r.stderr, /refusing to restore '(d\d)[/']/, what);
        refusedTotal += (r.stderr.match(/refusing to restore/g) ?? []).length;
        // Everything outside the swapped folders is restored intact.
        const restored = sha256Tree(target);
        for (const [rel, e] of source) {
          if (e.type !== 'file' || swapped.includes(rel.split('/')[0] ?? '')) continue;
          assert.equal(restored.get(rel)?.sha256, e.sha256, `${rel} restored intact: ${what}`);
        }
      } finally {
        fs.writeFileSync(stopFile, '');
        racer.kill();
        await racer.done;
      }
    }
    assert.ok(refusedTotal >= TRIALS);
  });
});
