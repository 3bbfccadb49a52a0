/**
 * End to end: damage stays local. One flipped byte in a snapshot file, garbage after
 * an index file, one flipped byte in a file's data or in a tree: every command goes on
 * with what is intact, restore lists what it cannot restore (exit 3) and leaves no
 * temporaries, check names exactly what is damaged, and `repair` makes check pass.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { assertOneLineError, backupJson, cleanupTmpDirs, createStore, describeRun, jsonLines, lines, tmpDir, type RunResult } from '../helpers/cli.js';
import { filesOf, flipByte, judgeRestore, notRestored, runBounded, temporaries } from '../helpers/damage.js';
import { type Manifest, sha256Tree } from '../helpers/tree.js';

interface Snap {
  readonly id: string;
  readonly manifest: Manifest;
  /** Index files and packs the backup added. */
  readonly index: string[];
  readonly packs: string[];
}

/** The issues of `check --json`. */
function issues(r: RunResult): { type: string; message: string; snapshot?: string; path?: string; file?: string }[] {
  return jsonLines(r).filter((o) => o.type === 'error' && typeof o.message === 'string' && o.exit === undefined) as never;
}

function assertCode(r: RunResult, code: number, what: string): void {
  assert.equal(r.code, code, `${what}: expected exit ${code}\n${describeRun(r)}`);
}

describe('e2e: damage stays local', function () {
  this.timeout(300_000);
  let src: string;
  let store: string;
  const snaps: Snap[] = [];

  before(function () {
    const root = tmpDir('coffer-damage-');
    src = path.join(root, 'src');
    store = path.join(root, 'store');
    fs.mkdirSync(path.join(src, 'sub', 'deep'), { recursive: true });
    fs.writeFileSync(path.join(src, 'a.txt'), 'first version\n');
    fs.writeFileSync(path.join(src, 'big1.bin'), randomBytes(600_000));
    fs.writeFileSync(path.join(src, 'big2.bin'), randomBytes(900_000));
    fs.writeFileSync(path.join(src, 'sub', 'c.bin'), randomBytes(400_000));
    fs.writeFileSync(path.join(src, 'sub', 'deep', 'd.txt'), 'deep\n');
    createStore(store);
    const step = (): void => {
      const idx = new Set(filesOf(store, 'index').map((f) => path.basename(f)));
      const pk = new Set(filesOf(store, 'data').map((f) => path.basename(f)));
      const { id } = backupJson(store, src);
      snaps.push({
        id,
        manifest: sha256Tree(src),
        index: filesOf(store, 'index').map((f) => path.basename(f)).filter((n) => !idx.has(n)),
        packs: filesOf(store, 'data').map((f) => path.basename(f)).filter((n) => !pk.has(n)),
      });
    };
    step();
    fs.writeFileSync(path.join(src, 'a.txt'), 'second version\n');
    fs.writeFileSync(path.join(src, 'e.bin'), randomBytes(300_000));
    step();
    fs.writeFileSync(path.join(src, 'f.txt'), 'third\n');
    step();
  });

  after(cleanupTmpDirs);

  /** A copy of the pristine store. */
  function copy(): string {
    const c = path.join(tmpDir('coffer-damage-copy-'), 'store');
    fs.cpSync(store, c, { recursive: true });
    return c;
  }

  function restoreInto(s: string, ref: string): { run: RunResult; dir: string } {
    const dir = path.join(tmpDir('coffer-damage-out-'), 'out');
    return { run: runBounded(['at', s, 'restore', '--quiet', '--to', dir, ref]), dir };
  }

  function assertRestored(dir: string, expected: Manifest, listed: readonly string[] = []): void {
    assert.deepEqual(temporaries(dir), [], 'no temporary files may be left');
    assert.deepEqual(judgeRestore(expected, sha256Tree(dir), listed), []);
  }

  const A = (): Snap => snaps[0] as Snap;
  const B = (): Snap => snaps[1] as Snap;
  const C = (): Snap => snaps[2] as Snap;

  it('a damaged snapshot file hides only that snapshot, and rm --apply removes it', function () {
    const s = copy();
    const bad = path.join(s, 'snapshots', A().id);
    flipByte(bad, Math.floor(fs.statSync(bad).size / 2));
    const short = A().id.slice(0, 12);

    const ls = runBounded(['at', s, 'ls']);
    assertCode(ls, 0, 'ls');
    assert.equal(lines(ls.stdout).length, 2, describeRun(ls));
    assert.equal(lines(ls.stderr).length, 1, `one warning line naming the damaged file\n${describeRun(ls)}`);
    assert.match(ls.stderr, new RegExp(short));

    let r = restoreInto(s, 'latest');
    assertCode(r.run, 0, 'restore latest');
    assertRestored(r.dir, C().manifest);
    r = restoreInto(s, B().id.slice(0, 8));
    assertCode(r.run, 0, 'restore of an intact id');
    assertRestored(r.dir, B().manifest);

    const cat = runBounded(['at', s, 'cat', 'latest:a.txt']);
    assertCode(cat, 0, 'cat');
    assert.equal(cat.stdout, 'second version\n');
    assertCode(runBounded(['at', s, 'ls', 'latest']), 0, 'ls latest');
    assertCode(runBounded(['at', s, 'diff', B().id.slice(0, 8), 'latest']), 0, 'diff');

    const f = runBounded(['at', s, 'forget', '--keep-last', '2', '--apply']);
    assertCode(f, 0, 'forget');
    assert.match(f.stderr, new RegExp(short), 'forget warns about the damaged snapshot');
    assert.equal(filesOf(s, 'snapshot').length, 3, 'forget removed no intact snapshot and not the damaged one');

    const m = runBounded(['at', s, 'maintenance']);
    assertCode(m, 1, 'maintenance');
    assert.match(m.stderr, new RegExp(`${short}.*repair`), 'maintenance names the damaged snapshot file and the repair');

    const chk = runBounded(['at', s, 'check', '--json']);
    assertCode(chk, 1, 'check');
    assert.ok(issues(chk).some((i) => i.file === `snapshots/${A().id}`), describeRun(chk));

    const rm = runBounded(['at', s, 'rm', '--apply', A().id.slice(0, 8)]);
    assertCode(rm, 0, 'rm --apply of the damaged snapshot');
    assert.ok(!fs.existsSync(bad), 'the damaged snapshot file is removed');
    const ls2 = runBounded(['at', s, 'ls']);
    assertCode(ls2, 0, 'ls after rm');
    assert.equal(ls2.stderr, '');
    assertCode(runBounded(['at', s, 'check']), 0, 'check after rm');
  });

  it('a damaged index file is skipped with a warning; check names it, repair index fixes it', function () {
    const s = copy();
    const name = A().index[0] as string;
    fs.appendFileSync(path.join(s, 'index', name), 'garbage appended to the index file');
    const short = name.slice(0, 12);

    let r = restoreInto(s, A().id);
    assertCode(r.run, 0, 'restore with a damaged index file');
    assert.match(r.run.stderr, new RegExp(`index file ${short}`));
    assertRestored(r.dir, A().manifest);

    const chk = runBounded(['at', s, 'check', '--json']);
    assertCode(chk, 1, 'check');
    const found = issues(chk);
    assert.ok(found.some((i) => i.file === `index/${name}` && /repair index/.test(i.message)), describeRun(chk));
    assert.deepEqual(found.filter((i) => i.snapshot !== undefined), [], 'no snapshot is blamed for a damaged index file');

    fs.writeFileSync(path.join(src, 'g.txt'), 'after the damage\n');
    try {
      const b = runBounded(['at', s, 'backup', '--quiet', src]);
      assertCode(b, 0, 'backup with a damaged index file');
    } finally {
      fs.rmSync(path.join(src, 'g.txt'));
    }
    r = restoreInto(s, A().id);
    assertCode(r.run, 0, 'restore after a later backup');
    assertRestored(r.dir, A().manifest);

    assertCode(runBounded(['at', s, 'repair', 'index']), 0, 'repair index');
    assertCode(runBounded(['at', s, 'check']), 0, 'check after repair index');
    r = restoreInto(s, A().id);
    assertCode(r.run, 0, 'restore after repair index');
    assert.equal(r.run.stderr, '');
  });

  it('a deleted index file: check names the packs it listed, maintenance deletes none of them and re-indexes them', function () {
    const s = copy();
    const name = A().index[0] as string;
    fs.rmSync(path.join(s, 'index', name));
    const chk = runBounded(['at', s, 'check', '--json']);
    assertCode(chk, 1, 'check');
    const named = issues(chk).map((i) => i.file);
    assert.ok(A().packs.every((p) => named.includes(`data/${p}`)), describeRun(chk));
    const r = restoreInto(s, A().id);
    assertCode(r.run, 0, 'restore without the index file');
    assertRestored(r.dir, A().manifest);
    assertCode(runBounded(['at', s, 'maintenance', '--grace', '0s']), 0, 'maintenance');
    assert.ok(A().packs.every((p) => fs.existsSync(path.join(s, 'data', p.slice(0, 2), p))), 'no pack in use was deleted');
    assertCode(runBounded(['at', s, 'check']), 0, 'check after maintenance');
  });

  it('one flipped byte in one file fails only that file; restore lists it and exits 3', function () {
    const s = copy();
    const packs = A().packs.map((p) => path.join(s, 'data', p.slice(0, 2), p));
    const biggest = packs.sort((x, y) => fs.statSync(y).size - fs.statSync(x).size)[0] as string;
    flipByte(biggest, Math.floor(fs.statSync(biggest).size / 2));

    const chk = runBounded(['at', s, 'check', '--json']);
    assertCode(chk, 1, 'check');
    const damaged = issues(chk).filter((i) => i.snapshot === A().id).map((i) => i.path as string);
    assert.ok(damaged.length >= 1, describeRun(chk));
    const files = [...A().manifest].filter(([, e]) => e.type === 'file').length;
    assert.ok(damaged.length < files, 'only the file(s) using the chunk are damaged');

    const r = restoreInto(s, A().id);
    assertCode(r.run, 3, 'restore of a snapshot with a damaged file');
    assert.deepEqual(notRestored(r.run).sort(), [...damaged].sort());
    assertRestored(r.dir, A().manifest, damaged);
    assert.match(r.run.stderr, /could not be restored/);
    const dir = path.join(tmpDir('coffer-damage-out-'), 'out');
    const w = runBounded(['at', s, 'restore', '--quiet', '--workers', '2', '--to', dir, A().id]);
    assertCode(w, 3, 'restore decoding on pack workers');
    assert.deepEqual(notRestored(w).sort(), [...damaged].sort());
    assertRestored(dir, A().manifest, damaged);

    const cat = runBounded(['at', s, 'cat', `${A().id}:${damaged[0] as string}`]);
    assertCode(cat, 1, 'cat of the damaged file');
    assertOneLineError(cat);
    assert.ok(cat.stderr.includes(damaged[0] as string), describeRun(cat));

    const dg = runBounded(['at', s, 'digest', A().id]);
    assertCode(dg, 3, 'digest of a snapshot with a damaged file');
    assert.ok(dg.stderr.includes(damaged[0] as string), describeRun(dg));
    assert.equal(lines(dg.stdout).length, files - damaged.length, 'digest prints every other file');
    const other = path.join(tmpDir('coffer-damage-other-'), 'store');
    createStore(other);
    const sy = runBounded(['at', s, 'sync', A().id, 'to', other]);
    assertCode(sy, 3, 'sync of a snapshot with a damaged file');
    assert.match(sy.stderr, new RegExp(`snapshot ${A().id.slice(0, 8)} not copied`));

    assertCode(runBounded(['at', s, 'repair', 'packs']), 0, 'repair packs');
    const rs = runBounded(['at', s, 'repair', 'snapshots', '--apply']);
    assertCode(rs, 0, 'repair snapshots');
    assert.ok(damaged.every((d) => rs.stdout.includes(`lost /${d}`)), describeRun(rs));
    assertCode(runBounded(['at', s, 'check']), 0, 'check after repair');
    const after = restoreInto(s, 'latest');
    assertCode(after.run, 0, 'restore after repair');
    const expected = new Map([...C().manifest].filter(([p]) => !damaged.includes(p)));
    assertRestored(after.dir, expected);
    const ls = runBounded(['at', s, 'ls']);
    assert.match(ls.stdout, /tags=repaired/);
  });

  it('a truncated pack: every file whose data lies before the cut is restored', function () {
    const s = copy();
    const packs = A().packs.map((p) => path.join(s, 'data', p.slice(0, 2), p));
    const biggest = packs.sort((x, y) => fs.statSync(y).size - fs.statSync(x).size)[0] as string;
    fs.truncateSync(biggest, Math.floor(fs.statSync(biggest).size * 0.6));
    const chk = runBounded(['at', s, 'check', '--json']);
    assertCode(chk, 1, 'check');
    const damaged = issues(chk).filter((i) => i.snapshot === A().id).map((i) => i.path as string);
    const files = [...A().manifest].filter(([, e]) => e.type === 'file').length;
    assert.ok(damaged.length >= 1 && damaged.length < files, describeRun(chk));
    const r = restoreInto(s, A().id);
    assertCode(r.run, 3, 'restore');
    assert.deepEqual(notRestored(r.run).sort(), [...damaged].sort());
    assertRestored(r.dir, A().manifest, damaged);
  });

  it('a damaged tree fails only its subtree: restore, ls and locate go on and say so', function () {
    const s = copy();
    const packs = A().packs.map((p) => path.join(s, 'data', p.slice(0, 2), p));
    const smallest = packs.sort((x, y) => fs.statSync(x).size - fs.statSync(y).size)[0] as string;
    flipByte(smallest, 12);

    const chk = runBounded(['at', s, 'check', '--json']);
    assertCode(chk, 1, 'check');
    const dirs = issues(chk).filter((i) => i.snapshot === A().id && (i.path === '' || (i.path ?? '').endsWith('/')));
    assert.ok(dirs.length >= 1, `check names the directory whose listing is damaged\n${describeRun(chk)}`);
    const damaged = issues(chk).filter((i) => i.snapshot === A().id).map((i) => i.path as string);

    const r = restoreInto(s, A().id);
    assertCode(r.run, 3, 'restore');
    assertRestored(r.dir, A().manifest, notRestored(r.run));
    assert.deepEqual(notRestored(r.run).sort(), [...damaged].sort());

    const ls = runBounded(['at', s, 'ls', '--recursive', A().id]);
    assertCode(ls, 3, 'ls --recursive');
    assert.match(ls.stderr, /cannot be listed/);
    const loc = runBounded(['at', s, 'locate', '*.txt']);
    assertCode(loc, 3, 'locate');
    const diff = runBounded(['at', s, 'diff', A().id, C().id]);
    assert.ok(diff.code === 0 || diff.code === 3, describeRun(diff));

    const m = runBounded(['at', s, 'maintenance']);
    assertCode(m, 1, 'maintenance');
    assert.match(m.stderr, /tree .* cannot be read.*repair snapshots/);

    assertCode(runBounded(['at', s, 'repair', 'packs']), 0, 'repair packs');
    assertCode(runBounded(['at', s, 'repair', 'snapshots', '--apply']), 0, 'repair snapshots');
    assertCode(runBounded(['at', s, 'check']), 0, 'check after repair');
    assertCode(runBounded(['at', s, 'maintenance']), 0, 'maintenance after repair');
  });
});
