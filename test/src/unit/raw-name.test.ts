/** Unit tests of the lossless mapping between file-name bytes and strings (engine/raw-name.ts). */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { displayName, hasRawBytes, nameByteLength, nameFromBytes, nameToBytes } from '@coffer/agent/engine/raw-name.js';

describe('raw names', () => {
  it('keeps valid UTF-8 as plain strings', () => {
    for (const s of ['plain', 'été', '日本語のファイル', 'emoji 💩', 'U+FFFD \uFFFD kept']) {
      assert.equal(nameFromBytes(Buffer.from(s, 'utf8')), s);
      assert.equal(hasRawBytes(s), false);
      assert.deepEqual(nameToBytes(s), Buffer.from(s, 'utf8'));
    }
  });
  it('round-trips bytes that are not UTF-8', () => {
    const cases = [[0xff], [0x61, 0xff, 0x62], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]];
    for (const c of cases) {
      const b = Buffer.from(c);
      const s = nameFromBytes(b);
      assert.equal(hasRawBytes(s), true, `${b.toString('hex')} is raw`);
      assert.deepEqual(nameToBytes(s), b);
      assert.equal(nameByteLength(s), b.length);
    }
  });
  it('round-trips 2,000 random byte strings', () => {
    for (let i = 0; i < 2000; i++) {
      const b = randomBytes(1 + (i % 40));
      assert.deepEqual(nameToBytes(nameFromBytes(b)), b);
    }
  });
  it('shows raw bytes and control characters escaped', () => {
    assert.equal(displayName(nameFromBytes(Buffer.from([0x61, 0xff]))), 'a\\xff');
    assert.equal(displayName('a\nb\\c'), 'a\\x0ab\\\\c');
    assert.equal(displayName('日本'), '日本');
  });
});
