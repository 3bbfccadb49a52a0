/** Unit tests: BLAKE3 against the official vectors, XAES-256-GCM against C2SP vectors, the codec. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createKeyedHasher, hashKeyed, hashPlain } from '@coffer/agent/engine/hash.js';
import { AuthenticationError, open, prepareKey, seal } from '@coffer/agent/engine/aead.js';
import { decode, DecodeError, encode } from '@coffer/agent/engine/codec.js';
import { fixture } from './fixtures.js';

interface Vectors {
  key: string;
  cases: [number, string, string][];
}

function input(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = i % 251;
  return b;
}

describe('BLAKE3', () => {
  const v = JSON.parse(readFileSync(fixture('blake3-vectors.json'), 'utf8')) as Vectors;
  for (const [n, hash, keyed] of v.cases) {
    it(`matches the official vector for ${n} bytes (plain and keyed)`, () => {
      assert.equal(hashPlain(input(n)).toString('hex'), hash);
      assert.equal(hashKeyed(Buffer.from(v.key), input(n)).toString('hex'), keyed);
    });
  }

  it('gives the same keyed digest one-shot and in pieces, for inputs over 1 MiB', () => {
    const key = randomBytes(32);
    const data = randomBytes(9 * 1024 * 1024 + 17);
    const h = createKeyedHasher(key);
    for (let off = 0; off < data.length; off += 1_000_003) h.update(data.subarray(off, off + 1_000_003));
    assert.deepEqual(h.digest(), hashKeyed(key, data));
  });

  it('gives the same keyed digests when one key object hashes many inputs in turn', () => {
    const key = randomBytes(32);
    const inputs = [0, 1, 63, 64, 1025, 70_000].map((n) => randomBytes(n));
    const once = inputs.map((d) => hashKeyed(Buffer.from(key), d));
    for (let round = 0; round < 3; round++) assert.deepEqual(inputs.map((d) => hashKeyed(key, d)), once);
  });
});

describe('XAES-256-GCM', () => {
  const nonce = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWX');
  it('seals many messages with one prepared key as fresh keys would (per-nonce subkeys)', () => {
    const raw = randomBytes(32);
    const k = prepareKey(raw);
    for (let i = 0; i < 20; i++) {
      const n = randomBytes(24);
      const msg = randomBytes(i * 37);
      const out = seal(k, [msg], Buffer.from('aad'), n);
      assert.deepEqual(out, seal(prepareKey(raw), [msg], Buffer.from('aad'), n));
      assert.deepEqual(open(k, out, Buffer.from('aad')), msg);
    }
  });

  it('matches the C2SP vector without AAD', () => {
    const k = prepareKey(Buffer.alloc(32, 0x01));
    const out = seal(k, [Buffer.from('XAES-256-GCM')], undefined, nonce);
    assert.equal(out.subarray(24).toString('hex'), 'ce546ef63c9cc60765923609' + 'b33a9a1974e96e52daf2fcf7075e2271');
    assert.equal(open(k, out).toString(), 'XAES-256-GCM');
  });

  it('matches the C2SP vector with AAD', () => {
    const k = prepareKey(Buffer.alloc(32, 0x03));
    const out = seal(k, [Buffer.from('XAES-256-GCM')], Buffer.from('c2sp.org/XAES-256-GCM'), nonce);
    assert.equal(out.subarray(24).toString('hex'), '986ec1832593df5443a17943' + '7fd083bf3fdb41abd740a21f71eb769d');
  });

  it('detects any flipped byte and a wrong AAD', () => {
    const k = prepareKey(randomBytes(32));
    const sealed = seal(k, [randomBytes(100)], Buffer.from('aad'));
    for (let i = 0; i < sealed.length; i += 7) {
      const bad = Buffer.from(sealed);
      bad[i] = (bad[i] ?? 0) ^ 0x01;
      assert.throws(() => open(k, bad, Buffer.from('aad')), AuthenticationError);
    }
    assert.throws(() => open(k, sealed, Buffer.from('other')), AuthenticationError);
    assert.throws(() => open(prepareKey(randomBytes(32)), sealed, Buffer.from('aad')), AuthenticationError);
  });
});

describe('codec', () => {
  const key = prepareKey(randomBytes(32));
  it('compresses compressible data and round-trips it', () => {
    const text = Buffer.from('the quick brown fox '.repeat(5000));
    const enc = encode({ key, level: 3 }, text, Buffer.from('x'));
    assert.ok(enc.length < text.length / 10);
    assert.deepEqual(decode({ key, level: 3 }, enc, Buffer.from('x')), text);
  });

  it('stores incompressible data raw, with a fixed overhead', () => {
    const rnd = randomBytes(100_000);
    const enc = encode({ key, level: 3 }, rnd, Buffer.from('x'));
    assert.equal(enc.length, rnd.length + 41);
    assert.deepEqual(decode({ key, level: 3 }, enc, Buffer.from('x')), rnd);
  });

  it('round-trips without encryption or compression', () => {
    const d = Buffer.from('plain');
    const enc = encode({ key: undefined, level: 0 }, d, Buffer.alloc(0));
    assert.deepEqual(decode({ key: undefined, level: 0 }, enc, Buffer.alloc(0)), d);
  });

  it('rejects tampered ciphertext with a DecodeError', () => {
    const enc = encode({ key, level: 3 }, Buffer.from('hello world'), Buffer.from('x'));
    enc[enc.length - 1] = (enc[enc.length - 1] ?? 0) ^ 1;
    assert.throws(() => decode({ key, level: 3 }, enc, Buffer.from('x')), DecodeError);
  });
});
