/**
 * End to end: progress on a terminal (script(1) gives coffer a pseudo-terminal). A first
 * backup (no parent to estimate from) shows a percentage and an ETA once its source was
 * sized; --json status lines carry the source's total; restore's progress line names
 * the files restored, never a pack or blob id; without a terminal nothing is drawn.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { assertExit, cleanupTmpDirs, COFFER_BIN, cofferEnv, createStore, hasTool, IN_CI, jsonLines, runCoffer, storeFiles, tmpDir } from '../helpers/cli.js';
import { writeTree } from '../helpers/tree.js';

/** The progress lines a run on a pseudo-terminal drew (each redraw starts with \r). */
function onTerminal(args: readonly string[], env: NodeJS.ProcessEnv): { code: number | null; drawn: string[] } {
  const cmd = `"${process.execPath}" "${COFFER_BIN}" ${args.map((a) => `'${a}'`).join(' ')}`;
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env, timeout: 300_000 });
  const drawn = r.stdout.split('\r').map((l) => l.trim()).filter((l) => /\d+(\/\d+)? (files|packs) /.test(l));
  return { code: r.status, drawn };
}

describe('progress on a terminal', function () {
  after(cleanupTmpDirs);
  let root: string;
  let store: string;
  let src: string;
  const size = 3 * 24 * 1024 * 1024;

  before(function () {
    if (!hasTool('script')) {
      if (IN_CI) throw new Error('script(1) (bsdutils) is needed for the terminal progress tests');
      this.skip();
    }
    root = tmpDir();
    store = path.join(root, 'store');
    src = path.join(root, 'src');
    // Incompressible data, enough for a few redraws (at most 10 a second).
    writeTree(src, { 'f1.bin': randomBytes(size / 3), 'f2.bin': randomBytes(size / 3), d: { type: 'dir', children: { 'f3.bin': randomBytes(size / 3) } } });
    createStore(store);
  });

  it('a first backup shows a percentage and an ETA (the source is sized beside it)', function () {
    const r = onTerminal(['at', store, 'backup', src], cofferEnv({ COFFER_WORKERS: '1' }));
    assert.equal(r.code, 0, r.drawn.join('\n'));
    assert.ok(r.drawn.length > 0, 'a progress line was drawn');
    assert.ok(r.drawn.some((l) => /\[[#.]{20}\] +\d+% \d+\/3 files .* ETA \S+/.test(l)), `a line with a bar, a percentage, n/3 files and an ETA:\n${r.drawn.join('\n')}`);
  });

  it('--json status lines of a first backup carry the total of the source and percent_done', function () {
    const first = path.join(root, 'store2');
    createStore(first);
    const r = runCoffer(['at', first, 'backup', '--json', src], { env: { COFFER_WORKERS: '1' } });
    assertExit(r, 0, 'backup --json');
    const done = jsonLines(r).filter((o) => o.type === 'status' && o.phase === 'done');
    assert.equal(done.length, 1, r.stdout);
    assert.equal(done[0]?.total_bytes, size, 'the total is the size of the source');
    assert.equal(done[0]?.total_files, 3);
    assert.equal(done[0]?.percent_done, 1);
  });

  it("restore's progress line names files, not pack or blob ids", function () {
    const r = onTerminal(['at', store, 'restore', '--to', path.join(root, 'out'), 'latest'], cofferEnv());
    assert.equal(r.code, 0, r.drawn.join('\n'));
    assert.ok(r.drawn.length > 0, 'a progress line was drawn');
    for (const l of r.drawn) assert.doesNotMatch(l, /[0-9a-f]{16}/, `no id in the progress line: ${l}`);
    assert.ok(r.drawn.some((l) => /f[123]\.bin/.test(l)), `a line names a file restored:\n${r.drawn.join('\n')}`);
  });

  it('check counts what it says it counts: pack files read of those to read, named as store files', function () {
    const packs = storeFiles(store, 'data').size;
    const r = onTerminal(['at', store, 'check'], cofferEnv());
    assert.equal(r.code, 0, r.drawn.join('\n'));
    assert.ok(r.drawn.length > 0, 'a progress line was drawn');
    for (const l of r.drawn) assert.doesNotMatch(l, / files /, `check reads packs, it does not say files: ${l}`);
    assert.ok(r.drawn.some((l) => new RegExp(`\\b${packs}/${packs} packs .* data/[0-9a-f]{12}\\b`).test(l)), `the last line: all ${packs} packs, a pack named by its store file:\n${r.drawn.join('\n')}`);
    const json = runCoffer(['at', store, 'check', '--json']);
    assertExit(json, 0, 'check --json');
    const done = jsonLines(json).filter((o) => o.type === 'status' && o.phase === 'done');
    assert.equal(done[0]?.packs, packs);
    assert.equal(done[0]?.total_packs, packs);
    assert.equal(done[0]?.files, undefined, 'no files count in a status line that counts packs');
  });

  it('draws nothing without a terminal', function () {
    const r = runCoffer(['at', store, 'restore', '--to', path.join(root, 'out2'), 'latest']);
    assertExit(r, 0, 'restore');
    assert.doesNotMatch(r.stderr, /\r|files .*\/s/, r.stderr);
  });
});
