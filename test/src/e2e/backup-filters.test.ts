/**
 * Backup exclusions a restic user expects (issue 11 §4): `--exclude-caches` (a folder
 * with a valid CACHEDIR.TAG keeps only the tag), `--exclude-if-present NAME[:HEADER]`,
 * and `--one-file-system` (a mount point inside the source is kept empty; needs root
 * to mount a tmpfs there).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { mountSmallFsFor } from '../helpers/small-fs.js';
import { assertExit, backupJson, cleanupTmpDirs, createStore, describeRun, lines, runCoffer, tmpDir } from '../helpers/cli.js';

/** The paths of a snapshot of `src` below `src` (ls shows the original absolute paths). */
function listing(store: string, id: string, src: string): string[] {
  const r = runCoffer(['at', store, 'ls', '--recursive', id]);
  assertExit(r, 0, 'ls --recursive');
  return lines(r.stdout).map((l) => l.slice(l.indexOf(' /') + 1)).map((p) => (p.startsWith(`${src}/`) ? p.slice(src.length) : p));
}

describe('coffer backup exclusions (caches, tag files, other file systems)', function () {
  let src: string;
  let store: string;
  before(() => {
    src = tmpDir('coffer-filters-src-');
    fs.mkdirSync(path.join(src, 'cache/deep'), { recursive: true });
    fs.writeFileSync(path.join(src, 'cache/CACHEDIR.TAG'), 'Signature: 8a477f597d28d172789f06886806bc55\n# a cache\n');
    fs.writeFileSync(path.join(src, 'cache/blob'), 'cached');
    fs.writeFileSync(path.join(src, 'cache/deep/more'), 'cached');
    fs.mkdirSync(path.join(src, 'fake-cache'));
    fs.writeFileSync(path.join(src, 'fake-cache/CACHEDIR.TAG'), 'not the signature\n');
    fs.writeFileSync(path.join(src, 'fake-cache/kept'), 'kept');
    fs.mkdirSync(path.join(src, 'scratch'));
    fs.writeFileSync(path.join(src, 'scratch/.nobackup'), '');
    fs.writeFileSync(path.join(src, 'scratch/tmp'), 'tmp');
    fs.writeFileSync(path.join(src, 'keep.txt'), 'keep');
    store = path.join(tmpDir('coffer-filters-store-'), 's');
    createStore(store);
  });
  after(cleanupTmpDirs);

  it('--exclude-caches keeps a tagged folder with its tag only; a tag without the signature excludes nothing', () => {
    const b = backupJson(store, src, ['--exclude-caches']);
    const paths = listing(store, b.id, src);
    assert.ok(paths.includes('/cache/CACHEDIR.TAG') && paths.includes('/cache'), paths.join('\n'));
    assert.ok(!paths.some((p) => p.startsWith('/cache/blob') || p.startsWith('/cache/deep')), paths.join('\n'));
    assert.ok(paths.includes('/fake-cache/kept'));
    assert.ok(paths.includes('/scratch/tmp') && paths.includes('/keep.txt'));
  });

  it('--exclude-if-present NAME leaves out the rest of each folder holding NAME', () => {
    const b = backupJson(store, src, ['--exclude-if-present', '.nobackup']);
    const paths = listing(store, b.id, src);
    assert.ok(paths.includes('/scratch/.nobackup') && !paths.includes('/scratch/tmp'), paths.join('\n'));
    assert.ok(paths.includes('/cache/blob'), 'caches are kept without --exclude-caches');
  });

  it('--one-file-system keeps a mount point as an empty folder', function () {
    const mnt = path.join(src, 'mnt');
    const small = mountSmallFsFor(this, mnt, 1);
    try {
      fs.writeFileSync(path.join(mnt, 'other-fs.txt'), 'elsewhere');
      const crossing = listing(store, backupJson(store, src).id, src);
      assert.ok(crossing.includes('/mnt/other-fs.txt'), 'without the flag the mount is crossed');
      const b = backupJson(store, src, ['--one-file-system']);
      const paths = listing(store, b.id, src);
      assert.ok(paths.includes('/mnt'), `the mount point is kept\n${paths.join('\n')}`);
      assert.ok(!paths.includes('/mnt/other-fs.txt'), 'nothing below it');
      assert.ok(paths.includes('/keep.txt'));
      assertExit(b.run, 0, describeRun(b.run));
    } finally {
      small.unmount();
      fs.rmSync(mnt, { recursive: true, force: true });
    }
  });
});
