/**
 * End to end: 40 random damages of a store with several snapshots, packs and index
 * files. Each trial copies the pristine store, damages one random file of it (flips a
 * byte, truncates it, deletes it, appends garbage, or swaps it with another file of the
 * same kind), then asserts that check exits non-zero and names the damaged file (or
 * what depends on it); that no command prints a stack trace or hangs; that no restored
 * file differs from its source unless restore listed it as not restored; and that every
 * file check calls intact is restored; every fifth trial, that `repair index`, `repair
 * packs` and `repair snapshots --apply` make check pass again. Seeds are printed:
 * COFFER_DAMAGE_SEED=N reruns a series (COFFER_DAMAGE_REPAIR_EVERY=1 repairs in all).
 *
 * Deleting a snapshot file is left out: a store has no manifest of its snapshots (each
 * is a file named by the hash of its content), so a snapshot that is gone looks exactly
 * like one that was removed with `rm`, and no tool can detect it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { backupJson, cleanupTmpDirs, createStore, describeRun, jsonLines, removeTree, tmpDir, type RunResult } from '../helpers/cli.js';
import { coveredBy, filesOf, flipByte, judgeRestore, type Kind, notRestored, runBounded, swapFiles, temporaries } from '../helpers/damage.js';
import { type Manifest, sha256Tree } from '../helpers/tree.js';

const TRIALS = 40;
const BASE_SEED = Number(process.env.COFFER_DAMAGE_SEED ?? 8);
/** Every how many trials the store is also repaired and checked again (1: every trial). */
const REPAIR_EVERY = Number(process.env.COFFER_DAMAGE_REPAIR_EVERY ?? 5);

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Damage = 'flip' | 'truncate' | 'delete' | 'append' | 'swap';
const DAMAGES: readonly Damage[] = ['flip', 'truncate', 'delete', 'append', 'swap'];

interface Issue {
  readonly message: string;
  readonly snapshot?: string;
  readonly path?: string;
  readonly file?: string;
}

function issues(r: RunResult): Issue[] {
  return jsonLines(r).filter((o) => o.type === 'error' && o.exit === undefined) as unknown as Issue[];
}

describe('e2e: 40 random damages', function () {
  this.timeout(900_000);
  let store: string;
  const snaps: { id: string; manifest: Manifest }[] = [];
  /** Packs each index file of the pristine store lists (each backup writes one index file for its packs). */
  const packsOfIndex = new Map<string, string[]>();

  before(function () {
    const root = tmpDir('coffer-damage-random-');
    const src = path.join(root, 'src');
    store = path.join(root, 'store');
    const put = (rel: string, size: number): void => {
      fs.mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
      fs.writeFileSync(path.join(src, rel), randomBytes(size));
    };
    for (const [rel, size] of [
      ['top1.bin', 300_000], ['top2.bin', 120_000], ['top3.txt', 2_000], ['top4.bin', 60_000],
      ['d1/a.bin', 200_000], ['d1/b.bin', 90_000], ['d1/c.txt', 500],
      ['d1/d2/e.bin', 150_000], ['d1/d2/f.txt', 700], ['d3/g.txt', 300], ['d3/h.bin', 80_000],
    ] as const) put(rel, size);
    createStore(store);
    const changes: (() => void)[] = [
      () => undefined,
      () => {
        put('d1/b.bin', 95_000);
        put('d1/new.bin', 70_000);
      },
      () => put('top2.bin', 130_000),
    ];
    for (const change of changes) {
      change();
      const before = new Set(filesOf(store, 'data').map((f) => path.basename(f)));
      const beforeIdx = new Set(filesOf(store, 'index').map((f) => path.basename(f)));
      const { id } = backupJson(store, src, ['--quiet']);
      snaps.push({ id, manifest: sha256Tree(src) });
      const packs = filesOf(store, 'data').map((f) => path.basename(f)).filter((n) => !before.has(n));
      for (const f of filesOf(store, 'index')) if (!beforeIdx.has(path.basename(f))) packsOfIndex.set(path.basename(f), packs);
    }
    assert.equal(filesOf(store, 'snapshot').length, 3);
    assert.ok(filesOf(store, 'index').length >= 3 && filesOf(store, 'data').length >= 6, 'several index files and packs');
  });

  after(cleanupTmpDirs);

  it('check names every damage; restore gives back every file check calls intact and nothing silently wrong', function () {
    const failures: string[] = [];
    const stats = { files: 0, intact: 0, restored: 0 };
    for (let t = 0; t < TRIALS; t++) {
      const seed = BASE_SEED * 1000 + t;
      const rnd = prng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
      const dir = tmpDir('coffer-damage-trial-');
      const s = path.join(dir, 'store');
      fs.cpSync(store, s, { recursive: true });
      const all: { kind: Kind; file: string }[] = (['data', 'index', 'snapshot'] as const).flatMap((kind) => filesOf(s, kind).map((file) => ({ kind, file })));
      const target = pick(all);
      let damage = pick(DAMAGES);
      if (damage === 'delete' && target.kind === 'snapshot') damage = pick(DAMAGES.filter((d) => d !== 'delete')); // undetectable, see above
      const size = fs.statSync(target.file).size;
      const named = new Set([path.basename(target.file)]);
      let what = `${damage} ${target.kind} ${path.basename(target.file).slice(0, 12)}`;
      switch (damage) {
        case 'flip': {
          const at = Math.floor(rnd() * size);
          flipByte(target.file, at, 1 + Math.floor(rnd() * 255));
          what += ` at ${at}/${size}`;
          break;
        }
        case 'truncate': {
          const to = Math.floor(rnd() * size);
          fs.truncateSync(target.file, to);
          what += ` to ${to}/${size}`;
          break;
        }
        case 'delete':
          fs.rmSync(target.file);
          break;
        case 'append':
          fs.appendFileSync(target.file, randomBytes(1 + Math.floor(rnd() * 64)));
          break;
        case 'swap': {
          const other = pick(filesOf(s, target.kind).filter((f) => f !== target.file));
          swapFiles(target.file, other);
          named.add(path.basename(other));
          what += ` with ${path.basename(other).slice(0, 12)}`;
          break;
        }
      }
      // A deleted index file cannot be named; the packs only it listed can.
      if (damage === 'delete' && target.kind === 'index') for (const p of packsOfIndex.get(path.basename(target.file)) ?? []) named.add(p);
      console.log(`      trial ${t} seed ${seed}: ${what}`);
      try {
        const chk = runBounded(['at', s, 'check', '--json'], 120_000);
        assert.equal(chk.code, 1, `check must fail\n${describeRun(chk)}`);
        const found = issues(chk);
        assert.ok(
          found.some((i) => i.file !== undefined && named.has(path.basename(i.file))),
          `check must name ${[...named].map((n) => n.slice(0, 12)).join(' or ')}\n${describeRun(chk)}`,
        );
        if (t % 4 === 0) {
          const ls = runBounded(['at', s, 'ls']);
          assert.equal(ls.code, 0, describeRun(ls));
        }
        for (const snap of snaps) {
          if (found.some((i) => i.file === `snapshots/${snap.id}`)) continue; // check calls none of its files intact
          const damaged = found.filter((i) => i.snapshot === snap.id).map((i) => i.path ?? '');
          const out = path.join(dir, `out-${snap.id.slice(0, 8)}`);
          const r = runBounded(['at', s, 'restore', '--quiet', '--to', out, snap.id], 120_000);
          assert.ok(r.code === 0 || r.code === 3, `restore exits 0 or 3\n${describeRun(r)}`);
          const listed = notRestored(r);
          if (r.code === 0) assert.deepEqual(listed, [], describeRun(r));
          else assert.ok(listed.length > 0, `exit 3 lists what was not restored\n${describeRun(r)}`);
          assert.deepEqual(temporaries(out), [], 'no temporaries left');
          const restored: Manifest = fs.existsSync(out) ? sha256Tree(out) : new Map<string, never>();
          const problems = judgeRestore(snap.manifest, restored, listed);
          assert.deepEqual(problems, [], `snapshot ${snap.id.slice(0, 8)}\n${describeRun(r)}`);
          for (const [p, e] of snap.manifest) {
            if (e.type !== 'file') continue;
            stats.files++;
            if (coveredBy(p, damaged)) continue;
            stats.intact++;
            assert.ok(restored.has(p), `check calls /${p} of ${snap.id.slice(0, 8)} intact, restore did not restore it\n${describeRun(r)}`);
            stats.restored++;
          }
        }
        if (t % REPAIR_EVERY === 0) {
          // Repairing makes the store check clean again, and what is left restores.
          for (const args of [['repair', 'index'], ['repair', 'packs'], ['repair', 'snapshots', '--apply']]) {
            const r = runBounded(['at', s, ...args], 120_000);
            assert.equal(r.code, 0, describeRun(r));
          }
          const again = runBounded(['at', s, 'check'], 120_000);
          assert.equal(again.code, 0, `check after repair\n${describeRun(again)}`);
          const r = runBounded(['at', s, 'restore', '--quiet', '--to', path.join(dir, 'after-repair'), 'latest'], 120_000);
          assert.ok(r.code === 0 || r.code === 1, describeRun(r)); // 1: no snapshot left
        }
      } catch (err) {
        failures.push(`trial ${t} (seed ${seed}, ${what}): ${(err as Error).message}`);
      } finally {
        removeTree(dir);
      }
    }
    console.log(`      ${TRIALS} trials: ${stats.intact} of ${stats.files} files called intact by check, ${stats.restored} of them restored`);
    assert.deepEqual(failures, [], `${failures.length} of ${TRIALS} trials failed:\n${failures.join('\n\n')}`);
  });
});
