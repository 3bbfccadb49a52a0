/**
 * Sparse restore in the local destination (connectors/fs-sparse.ts): 4 KiB-aligned runs
 * of zeros are left as holes, the size is set at commit, and the content is exact
 * whatever the alignment and order of the writes.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileNode, putFile, freshDestination } from '../helpers/fs-dest.js';

const MiB = 1024 * 1024;

describe('local destination, sparse files', () => {
  const t = freshDestination('coffer-sparse-');
  const at = (rel: string): string => path.join(t.top, 'target', rel);

  it('leaves zero blocks unallocated and sets the size at commit', async () => {
    const f = await t.dest.createFile('sparse.img');
    const data = randomBytes(4096);
    // 16 MiB of zeros, 4 KiB of data, 16 MiB of zeros, written as 1 MiB pieces; the tail is never written.
    for (let off = 0; off < 16 * MiB; off += MiB) await f.write(Buffer.alloc(MiB), off);
    await f.write(data, 16 * MiB);
    for (let off = 16 * MiB + 4096; off < 32 * MiB; off += MiB) await f.write(Buffer.alloc(Math.min(MiB, 32 * MiB - off)), off);
    await f.commit(fileNode('sparse.img', 64 * MiB));
    const st = fs.statSync(at('sparse.img'));
    assert.equal(st.size, 64 * MiB);
    assert.ok(st.blocks * 512 <= 64 * 1024, `allocated ${st.blocks * 512} bytes`);
    const back = fs.readFileSync(at('sparse.img'));
    assert.deepEqual(back.subarray(16 * MiB, 16 * MiB + 4096), data);
    assert.ok(back.subarray(0, 16 * MiB).equals(Buffer.alloc(16 * MiB)));
    assert.ok(back.subarray(16 * MiB + 4096).equals(Buffer.alloc(48 * MiB - 4096)));
  });

  it('writes exact content from unaligned pieces of zeros and data, in any order', async () => {
    for (let trial = 0; trial < 20; trial++) {
      const size = 200_000 + randomInt(100_000);
      const expected = Buffer.alloc(size);
      // Runs of data among runs of zeros, some a single non-zero byte at a block edge.
      for (let i = 0; i < 30; i++) {
        const start = randomInt(size);
        const len = Math.min(size - start, [1, 4095, 4096, 4097, 10_000][i % 5] as number);
        randomBytes(len).copy(expected, start);
        expected[start] = 1 + randomInt(255);
      }
      const cuts = [0, ...Array.from({ length: 12 }, () => randomInt(size)), size].sort((a, b) => a - b);
      const pieces = cuts.slice(1).map((end, k) => ({ start: cuts[k] as number, end }));
      pieces.sort(() => randomInt(3) - 1);
      const f = await t.dest.createFile(`t${trial}`);
      for (const p of pieces) await f.write(expected.subarray(p.start, p.end), p.start);
      await f.commit(fileNode(`t${trial}`, size));
      assert.deepEqual(fs.readFileSync(at(`t${trial}`)), expected, `trial ${trial}`);
    }
  });

  it('allocates a file that holds no zeros in full', async () => {
    await putFile(t.dest, 'full.bin', Buffer.from(randomBytes(4 * MiB).map((b) => b | 1)));
    const st = fs.statSync(at('full.bin'));
    assert.ok(st.blocks * 512 >= 4 * MiB, `allocated ${st.blocks * 512} bytes`);
  });
});
