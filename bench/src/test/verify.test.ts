/** Unit tests of restore verification (content and metadata) and of the deterministic generators it relies on. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CsvWriter, CSV_HEADER } from '../csv.js';
import { copyTree } from '../fsutil.js';
import { writeImage } from '../image.js';
import { buildManifest, compareManifests, identical, metaDifferences, type CompareOptions, type Meta } from '../manifest.js';
import { Prng } from '../prng.js';
import { scaleContent, scaleDirName, scaleDirOf, scaleFileName, scaleFilesIn } from '../scale/scale-layout.js';
import { verifyScaleRestore } from '../scale/scale-verify.js';

const EXACT: CompareOptions = { mtimePrecisionNs: 1n, owners: true };

describe('bench restore verification', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-verify-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('compares mtimes to the precision given, modes except for symlinks, and owners when asked', () => {
    const meta: Meta = { mode: 0o644, mtimeNs: 1_700_000_000_123_456_789n, uid: 0, gid: 0 };
    assert.deepEqual(metaDifferences('file', meta, { ...meta, mtimeNs: 1_700_000_000_123_456_000n }, { mtimePrecisionNs: 1000n, owners: true }), []);
    assert.equal(metaDifferences('file', meta, { ...meta, mtimeNs: 1_700_000_000_123_456_000n }, EXACT).length, 1);
    assert.equal(metaDifferences('file', meta, { ...meta, mtimeNs: 1_700_000_000_000_000_000n }, { mtimePrecisionNs: 1_000_000_000n, owners: true }).length, 0);
    assert.match(metaDifferences('dir', meta, { ...meta, mode: 0o755 }, EXACT).join(), /mode 644 != 755/);
    assert.deepEqual(metaDifferences('symlink', meta, { ...meta, mode: 0o777 }, EXACT), []);
    assert.match(metaDifferences('file', meta, { ...meta, uid: 1000 }, EXACT).join(), /owner 0:0 != 1000:0/);
    assert.deepEqual(metaDifferences('file', meta, { ...meta, uid: 1000 }, { ...EXACT, owners: false }), []);
  });

  it('fails a copy whose mode, mtime or symlink target differs, and passes an exact one', () => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'sub/a.txt'), 'hello');
    writeFileSync(join(src, 'b.sh'), '#!/bin/sh\n');
    chmodSync(join(src, 'b.sh'), 0o755);
    symlinkSync('sub/a.txt', join(src, 'link'));
    const copy = join(dir, 'copy');
    copyTree(src, copy);
    const want = buildManifest(src);
    const ms = EXACT;
    const copied = compareManifests(want, buildManifest(copy), ms);
    assert.ok(identical(copied), JSON.stringify(copied));

    chmodSync(join(copy, 'b.sh'), 0o644);
    utimesSync(join(copy, 'sub/a.txt'), 1000, 1000);
    rmSync(join(copy, 'link'));
    symlinkSync('elsewhere', join(copy, 'link'));
    const diff = compareManifests(want, buildManifest(copy), ms);
    assert.equal(identical(diff), false);
    assert.equal(diff.metadata.length, 2);
    assert.match(diff.different.join(), /link: expected symlink -> sub\/a.txt, got symlink -> elsewhere/);
  });

  it('checks a scale restore by names, count, folder metadata and a sample of contents', () => {
    const shape = { files: 300, dirs: 7 };
    const src = join(dir, 'tree');
    for (let d = 0; d < shape.dirs; d++) {
      mkdirSync(join(src, scaleDirName(d)), { recursive: true });
      for (const i of scaleFilesIn(d, shape)) writeFileSync(join(src, scaleDirName(d), scaleFileName(i)), scaleContent(i));
    }
    assert.equal(scaleDirOf(299, shape), 299 % 7);
    const target = join(dir, 'restore');
    mkdirSync(target);
    copyTree(src, join(target, 'nested'));
    const ms = EXACT;
    const check = verifyScaleRestore('t', src, target, shape, ms);
    assert.deepEqual(check, { dirs: 7, files: 300, contentChecked: scaleFilesIn(0, shape).length + scaleFilesIn(6, shape).length + 2 });
    // A file of the last folder (always read back) with other content fails the check.
    const last = scaleFilesIn(6, shape)[0] ?? 0;
    const tampered = join(target, 'nested', scaleDirName(6), scaleFileName(last));
    writeFileSync(tampered, 'x');
    // `touch -r` copies the source's times to the nanosecond: only the content differs now.
    const sameTimes = (): void => void execFileSync('touch', ['-r', join(src, scaleDirName(6), scaleFileName(last)), tampered]);
    sameTimes();
    assert.throws(() => verifyScaleRestore('t', src, target, shape, ms), /differs from its source/);
    // So does a missing file.
    writeFileSync(tampered, scaleContent(last));
    sameTimes();
    assert.deepEqual(verifyScaleRestore('t', src, target, shape, ms), check);
    rmSync(join(target, 'nested', scaleDirName(3), scaleFileName(3)));
    assert.throws(() => verifyScaleRestore('t', src, target, shape, ms), /differs from its source/);
  });

  it('generates the same disk image and CSV rows from the same label', () => {
    const a = join(dir, 'a.img');
    const b = join(dir, 'b.img');
    writeImage(a, 'label', 3 * 1024 * 1024 + 100);
    writeImage(b, 'label', 3 * 1024 * 1024 + 100);
    const bytes = readFileSync(a);
    assert.equal(bytes.length, 3 * 1024 * 1024 + 100);
    assert.ok(bytes.equals(readFileSync(b)));
    let zeros = 0;
    for (const x of bytes) if (x === 0) zeros++;
    assert.ok(zeros > bytes.length / 20 && zeros < bytes.length, `zero bytes: ${zeros}`);
    const rows = (seed: string): string => {
      const w = new CsvWriter(new Prng(seed), 0, Date.UTC(2024, 0, 1));
      return CSV_HEADER + w.row() + w.row();
    };
    assert.equal(rows('x'), rows('x'));
    const fields = (line: string | undefined): number => (line ?? '').replace(/"[^"]*"/g, 'Q').split(',').length;
    for (const line of rows('y').trim().split('\n')) assert.equal(fields(line), fields(CSV_HEADER.trim()));
  });
});
