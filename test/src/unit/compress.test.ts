/** Unit tests: when the codec stores a blob compressed (compress.ts). */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decode, encode } from '@coffer/agent/engine/codec.js';

const KiB = 1024;
const plain = { key: undefined, level: 3 };
const aad = Buffer.from('test');

/** The flag byte of a plaintext store's encoding: 0 raw, 1 zstd. */
function flagOf(data: Buffer): number {
  const stored = encode(plain, data, aad);
  assert.deepEqual(decode(plain, stored, aad), data);
  return stored[0] as number;
}

describe('compression of blobs', () => {
  it('stores compressed a chunk that begins with random bytes and ends in a zero run', () => {
    assert.equal(flagOf(Buffer.concat([randomBytes(600 * KiB), Buffer.alloc(500 * KiB)])), 1);
    assert.equal(flagOf(Buffer.concat([randomBytes(64 * KiB), Buffer.alloc(1024 * KiB)])), 1);
  });

  it('stores compressed a chunk of random bytes then one 64 KiB block repeated', () => {
    const block = randomBytes(64 * KiB);
    assert.equal(flagOf(Buffer.concat([randomBytes(300 * KiB), ...Array<Buffer>(8).fill(block)])), 1);
  });

  it('stores a random chunk raw', () => {
    assert.equal(flagOf(randomBytes(1024 * KiB)), 0);
    assert.equal(flagOf(randomBytes(9 * KiB)), 0);
  });

  it('stores raw when compression saves less than 1/32', () => {
    // 1/64 of zeros: zstd saves about that much, under the 1/32 margin.
    assert.equal(flagOf(Buffer.concat([randomBytes(1008 * KiB), Buffer.alloc(16 * KiB)])), 0);
  });
});
