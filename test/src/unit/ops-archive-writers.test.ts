/**
 * The archive writers on their own (agent/src/ops/tar-writer.ts, zip-writer.ts,
 * crc32.ts), read back by other programs: pax records for what ustar cannot hold (long
 * names and link targets, big uids, non-ASCII owner names, names that are not UTF-8,
 * times before 1970) read by python3's tarfile and GNU tar; zip64 extra fields for
 * entries over the zip64 threshold (lowered for the test) read by python3's zipfile and
 * Info-ZIP's `unzip -t`; the JavaScript CRC-32 equal to zlib's.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { ArchiveEntry, ArchiveWriter } from '@coffer/agent/ops/archive-entry.js';
import { crc32, crc32Table } from '@coffer/agent/ops/crc32.js';
import { TarWriter } from '@coffer/agent/ops/tar-writer.js';
import { ZipWriter } from '@coffer/agent/ops/zip-writer.js';
import { listZip } from './ops-archive-check.js';

function entry(p: Partial<ArchiveEntry> & Pick<ArchiveEntry, 'path' | 'type'>): ArchiveEntry {
  return { mode: 0o644, mtimeNs: 1_700_000_000_500_000_000n, uid: 1000, gid: 1000, uname: 'u', gname: 'g', size: 0, ...p };
}

/** The archive of `items` (entry and content) written by `w`. */
function write(w: ArchiveWriter, items: readonly [ArchiveEntry, Buffer?][]): Buffer {
  const out: Buffer[] = [];
  for (const [e, data] of items) {
    out.push(...w.begin(e));
    if (data) {
      w.data(data);
      out.push(data);
    }
    out.push(...w.end());
  }
  out.push(...w.finish());
  return Buffer.concat(out);
}

const READ_TAR = `
import json, sys, tarfile
out = []
with tarfile.open(sys.argv[1], encoding='utf-8', errors='surrogateescape') as t:
    for m in t.getmembers():
        data = t.extractfile(m).read().hex() if m.isfile() else ''
        out.append({'name': m.name.encode('utf-8', 'surrogateescape').hex(), 'type': m.type.decode(), 'uid': m.uid, 'uname': m.uname, 'link': m.linkname.encode('utf-8', 'surrogateescape').hex(), 'mtime': m.mtime, 'mode': m.mode, 'size': m.size, 'data': data})
print(json.dumps(out))
`;

describe('ops archive writers', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-ops-writers-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('puts in pax records what ustar cannot hold, and python3 tarfile and GNU tar read them', () => {
    const long = Buffer.from(`${'d'.repeat(120)}/${'f'.repeat(130)}`);
    const raw = Buffer.concat([Buffer.from('raw-'), Buffer.from([0xff, 0xfe])]);
    const target = Buffer.from('t'.repeat(150));
    const file = path.join(dir, 'pax.tar');
    fs.writeFileSync(
      file,
      write(new TarWriter(), [
        [entry({ path: long, type: 'file', size: 3, uid: 3_000_000, uname: 'üser' }), Buffer.from('abc')],
        [entry({ path: raw, type: 'file', size: 0, mtimeNs: -5_000_000_000n }), Buffer.alloc(0)],
        [entry({ path: Buffer.from('lnk'), type: 'symlink', target })],
        [entry({ path: Buffer.from('dir'), type: 'dir', mode: 0o700 })],
      ]),
    );
    const r = spawnSync('python3', ['-c', READ_TAR, file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { name: string; type: string; uid: number; uname: string; link: string; mtime: number; mode: number; size: number; data: string }[];
    assert.deepEqual(
      got.map((m) => [m.name, m.type, m.size]),
      [
        [long.toString('hex'), '0', 3],
        [raw.toString('hex'), '0', 0],
        [Buffer.from('lnk').toString('hex'), '2', 0],
        [Buffer.from('dir').toString('hex'), '5', 0],
      ],
    );
    assert.equal(got[0]?.uid, 3_000_000);
    assert.equal(got[0]?.uname, 'üser');
    assert.equal(got[0]?.data, Buffer.from('abc').toString('hex'));
    assert.equal(got[0]?.mtime, 1_700_000_000);
    assert.equal(got[1]?.mtime, -5);
    assert.equal(got[2]?.link, target.toString('hex'));
    assert.equal(got[3]?.mode, 0o700);
    const t = spawnSync('tar', ['-tvf', file, '--numeric-owner'], { encoding: 'utf8' });
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /3000000\/1000/);
    assert.match(t.stdout, new RegExp(`lnk -> ${'t'.repeat(150)}`));
  });

  it('writes zip64 extra fields for entries over the threshold, read by python3 zipfile and unzip -t', () => {
    const big = randomBytes(5000);
    const file = path.join(dir, 'z64.zip');
    fs.writeFileSync(
      file,
      write(new ZipWriter({ zip64Over: 1000 }), [
        [entry({ path: Buffer.from('small.txt'), type: 'file', size: 5 }), Buffer.from('hello')],
        [entry({ path: Buffer.from('big.bin'), type: 'file', size: big.length }), big],
        [entry({ path: Buffer.from('after.txt'), type: 'file', size: 3 }), Buffer.from('end')],
        [entry({ path: Buffer.from('d'), type: 'dir' })],
      ]),
    );
    const z = listZip(file);
    assert.equal(z.bad, null);
    assert.deepEqual(z.entries.map((e) => [Buffer.from(e.name, 'hex').toString(), e.size]), [['small.txt', 5], ['big.bin', 5000], ['after.txt', 3], ['d/', 0]]);
    const u = spawnSync('unzip', ['-t', file], { encoding: 'utf8' });
    assert.equal(u.status, 0, u.stdout + u.stderr);
    assert.match(u.stdout, /No errors detected/);
  });

  it('computes the CRC-32 of pieces as zlib does', () => {
    const data = randomBytes(100_003);
    const whole = zlib.crc32(data);
    assert.equal(crc32Table(data), whole);
    assert.equal(crc32Table(data.subarray(70_000), crc32Table(data.subarray(0, 70_000))), whole);
    assert.equal(crc32(data.subarray(1), crc32(data.subarray(0, 1))), whole);
    assert.equal(crc32Table(Buffer.from('123456789')), 0xcbf43926);
  });
});
