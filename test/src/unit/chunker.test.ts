/** Unit tests of the FastCDC chunker. */
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { Chunker, chunkStream, type ChunkerParams, gearTable } from '@coffer/agent/engine/chunker.js';

const P: ChunkerParams = { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 };

/** Deterministic pseudo-random bytes. */
function prng(n: number, seed = 1): Buffer {
  const c = createCipheriv('aes-256-ctr', Buffer.alloc(32, seed), Buffer.alloc(16));
  return c.update(Buffer.alloc(n));
}

async function chunks(ch: Chunker, data: Buffer, readSize: number): Promise<Buffer[]> {
  let pos = 0;
  const out: Buffer[] = [];
  const read = (b: Buffer, o: number, l: number): Promise<number> => {
    const n = Math.min(l, data.length - pos, readSize);
    data.copy(b, o, pos, pos + n);
    pos += n;
    return Promise.resolve(n);
  };
  for await (const c of chunkStream(ch, read, undefined, readSize)) out.push(c);
  return out;
}

describe('Chunker', () => {
  const ch = new Chunker(gearTable(Buffer.alloc(32, 7)), P);

  it('keeps every chunk but the last within min and max, and loses no byte', async () => {
    const data = prng(5 * 1024 * 1024);
    const cs = await chunks(ch, data, 1 << 16);
    assert.deepEqual(Buffer.concat(cs), data);
    cs.slice(0, -1).forEach((c) => assert.ok(c.length >= P.min && c.length <= P.max, `chunk of ${c.length}`));
    const avg = data.length / cs.length;
    assert.ok(avg > P.min && avg < P.max, `average ${avg}`);
  });

  it('finds the same boundaries whatever the read size', async () => {
    const data = prng(3 * 1024 * 1024, 2);
    const a = (await chunks(ch, data, 4096)).map((c) => c.length);
    const b = (await chunks(ch, data, 1 << 20)).map((c) => c.length);
    assert.deepEqual(a, b);
  });

  it('keeps boundaries stable after an insertion (only chunks near it change)', async () => {
    const data = prng(8 * 1024 * 1024, 3);
    const edited = Buffer.concat([data.subarray(0, 4_000_000), randomBytes(100), data.subarray(4_000_000)]);
    const a = new Set((await chunks(ch, data, 1 << 20)).map((c) => c.toString('base64')));
    const b = await chunks(ch, edited, 1 << 20);
    const shared = b.filter((c) => a.has(c.toString('base64'))).length;
    assert.ok(shared >= b.length - 3, `${shared} of ${b.length} chunks shared`);
  });

  it('cuts differently under a different secret (boundaries do not leak content)', async () => {
    const other = new Chunker(gearTable(Buffer.alloc(32, 8)), P);
    const data = prng(4 * 1024 * 1024, 4);
    const a = (await chunks(ch, data, 1 << 20)).map((c) => c.length);
    const b = (await chunks(other, data, 1 << 20)).map((c) => c.length);
    assert.notDeepEqual(a, b);
  });

  it('returns a small input as one chunk, and nothing for an empty one', async () => {
    assert.equal((await chunks(ch, prng(1000), 1 << 20)).length, 1);
    assert.equal((await chunks(ch, Buffer.alloc(0), 1 << 20)).length, 0);
  });

  it('refuses unusable parameters', () => {
    assert.throws(() => new Chunker(gearTable(Buffer.alloc(32)), { min: 1000, avg: 3000, max: 9000 }), RangeError);
  });
});
