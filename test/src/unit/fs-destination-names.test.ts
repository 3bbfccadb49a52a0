/**
 * Names are bytes in the local destination: names holding 0xFF (and other bytes that
 * are not UTF-8) and symlink targets with raw bytes land exactly; 240- and 255-byte
 * UTF-8 names restore (their temporary names stay within 255 bytes, cut on a
 * character boundary: connectors/fs-temp-name.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cutToBytes, NAME_MAX, tempName } from '@coffer/agent/connectors/fs-temp-name.js';
import { nameFromBytes } from '@coffer/agent/engine/raw-name.js';
import { MTIME, putFile, freshDestination } from '../helpers/fs-dest.js';

/** The names in `dir` (bytes as given), sorted, as hex. */
function namesIn(dir: Buffer): string[] {
  return fs
    .readdirSync(dir, { encoding: 'buffer' })
    .map((b) => b.toString('hex'))
    .sort();
}

const bytesOf = (...parts: (string | number[])[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('local destination, names as bytes', () => {
  const t = freshDestination('coffer-names-');
  const at = (...b: Buffer[]): Buffer => Buffer.concat([Buffer.from(path.join(t.top, 'target')), ...b.flatMap((x) => [Buffer.from('/'), x])]);

  it('restores directories, files, symlinks and hard links whose names hold bytes that are not UTF-8', async () => {
    const dirB = bytesOf('dir-', [0xff]);
    const fileB = bytesOf([0xff, 0xfe], '-file-', [0xc3]);
    const linkB = bytesOf('link-', [0x80]);
    const hardB = bytesOf('hard-', [0xed, 0xa0, 0x80]);
    const targetB = bytesOf('/tmp/target-', [0xff], '/x');
    const dir = nameFromBytes(dirB);
    const file = `${dir}/${nameFromBytes(fileB)}`;
    await t.dest.makeDir(dir);
    await putFile(t.dest, file, 'raw bytes in the name\n');
    await t.dest.makeSymlink(`${dir}/${nameFromBytes(linkB)}`, nameFromBytes(targetB));
    await t.dest.setMetadata(`${dir}/${nameFromBytes(linkB)}`, { name: nameFromBytes(linkB), type: 'symlink', mode: 0o777, mtime: MTIME });
    await t.dest.makeHardlink(`${dir}/${nameFromBytes(hardB)}`, file);
    await t.dest.setMetadata(dir, { name: dir, type: 'dir', mode: 0o751, mtime: MTIME });

    assert.deepEqual(namesIn(at()), [dirB.toString('hex')]);
    assert.deepEqual(namesIn(at(dirB)), [fileB, hardB, linkB].map((b) => b.toString('hex')).sort());
    assert.equal(fs.readFileSync(at(dirB, fileB), 'utf8'), 'raw bytes in the name\n');
    assert.deepEqual(fs.readlinkSync(at(dirB, linkB), { encoding: 'buffer' }), targetB);
    assert.equal(fs.lstatSync(at(dirB, linkB), { bigint: true }).mtimeNs / 1000n, BigInt(MTIME) / 1000n);
    assert.equal(fs.statSync(at(dirB, hardB)).ino, fs.statSync(at(dirB, fileB)).ino);
    const st = fs.statSync(at(dirB));
    assert.equal(st.mode & 0o7777, 0o751);
    assert.deepEqual(await t.dest.lookup(file), { type: 'file', size: 22, mtime: '1600000000123456000' });
    await t.dest.remove(`${dir}/${nameFromBytes(hardB)}`);
    assert.equal(fs.existsSync(at(dirB, hardB)), false);
  });

  it('restores 240- and 255-byte UTF-8 names (80 and 85 CJK characters) and a 255-byte raw name', async () => {
    const names = ['文'.repeat(80), '字'.repeat(85), `${'é'.repeat(127)}a`, nameFromBytes(Buffer.alloc(255, 0xff))];
    assert.deepEqual(
      names.map((n) => Buffer.byteLength(n.replace(/[\uDC80-\uDCFF]/g, 'x'))),
      [240, 255, 255, 255],
    );
    for (const n of names) {
      await putFile(t.dest, n, `content of a ${n.length}-character name`);
      await t.dest.makeSymlink(`${n.slice(0, 40)}-link`, n);
    }
    await t.dest.makeDir('語'.repeat(85));
    await putFile(t.dest, `${'語'.repeat(85)}/${'文'.repeat(80)}`, 'nested');
    assert.equal(fs.readFileSync(path.join(t.top, 'target', '語'.repeat(85), '文'.repeat(80)), 'utf8'), 'nested');
    const listed = fs.readdirSync(path.join(t.top, 'target'), { encoding: 'buffer' });
    for (const n of names) assert.ok(listed.some((b) => nameFromBytes(b) === n), `${n.slice(0, 10)}… restored under its exact name`);
    assert.equal(listed.filter((b) => b.toString('latin1').includes('.coffer-')).length, 0, 'no temporary left');
    assert.equal(fs.readFileSync(path.join(t.top, 'target', '文'.repeat(80)), 'utf8'), 'content of a 80-character name');
  });

  it('makes temporary names of at most 255 bytes, cut between characters, without raw bytes', () => {
    const finals = ['a', 'x'.repeat(255), '文'.repeat(85), '💩'.repeat(63), `a${'é'.repeat(127)}`, nameFromBytes(Buffer.alloc(255, 0xfe))];
    for (const f of finals) {
      const t = tempName(f);
      const bytes = Buffer.from(t, 'utf8');
      assert.ok(bytes.length <= NAME_MAX, `${bytes.length} bytes`);
      assert.equal(bytes.toString('utf8'), t, 'valid UTF-8 (no character cut in half)');
      assert.doesNotMatch(t, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/, 'no lone surrogate');
      assert.ok(t.startsWith('.'), t);
    }
    assert.equal(cutToBytes('文文文', 8), '文文');
    assert.equal(cutToBytes('💩💩', 7), '💩');
    assert.equal(cutToBytes('abc', 10), 'abc');
    assert.notEqual(tempName('same'), tempName('same'));
  });
});
