/**
 * Unit tests of the pure parts of shared/src/web: path checks (security.ts), ranges
 * (range.ts), preview types and Content-Disposition (content-type.ts).
 */
import assert from 'node:assert/strict';
import { contentDisposition, looksLikeText, previewType } from '@coffer/shared/web/content-type.js';
import { pickRange } from '@coffer/shared/web/range.js';
import { checkedUrlPath, sameSecret, unsafePathReason } from '@coffer/shared/web/security.js';

describe('web: path checks, ranges, content types (pure)', () => {
  it('refuses .. components and NULs, also behind one or two more rounds of percent-encoding', () => {
    for (const bad of ['..', '../x', 'a/..', 'a/../b', '..\\x', 'a\\..\\b', 'a\0b', '%2e%2e', '%2E%2E/x', 'a/%2e%2e', '%252e%252e', '%25252e%25252e', '%00', '.%2e/x']) {
      assert.ok(unsafePathReason(bad), bad);
    }
    for (const good of ['', 'a', 'a/b.txt', '...', '.hidden', 'a..b', 'weird\\x80name', '100%', '50%off', 'a%2eb', '%zz', 'é/ü']) {
      assert.equal(unsafePathReason(good), undefined, good);
    }
  });

  it('checks every segment of a raw URL path, decoded', () => {
    assert.deepEqual(checkedUrlPath('/stores/local/tree/a%20b'), ['stores', 'local', 'tree', 'a b']);
    for (const bad of ['/a/../b', '/a/%2e%2e/b', '/a/..%2fb', '/a/%252e%252e', '/a%00']) assert.throws(() => checkedUrlPath(bad), /'\.\.'|NUL/, bad);
    assert.throws(() => checkedUrlPath('/a/%e0%a4'), /percent-encoding/);
  });

  it('compares secrets of any length without throwing', () => {
    assert.ok(sameSecret('abc', 'abc'));
    assert.ok(!sameSecret('abc', 'abd'));
    assert.ok(!sameSecret('', 'abc'));
    assert.ok(!sameSecret('abcd', 'abc'));
  });

  it('picks single ranges and refuses what it cannot serve', () => {
    assert.deepEqual(pickRange(undefined, 10), { kind: 'whole' });
    assert.deepEqual(pickRange('bytes=2-4', 10), { kind: 'part', start: 2, end: 4 });
    assert.deepEqual(pickRange('bytes=8-', 10), { kind: 'part', start: 8, end: 9 });
    assert.deepEqual(pickRange('bytes=-20', 10), { kind: 'part', start: 0, end: 9 });
    assert.equal(pickRange('bytes=0-', 0).kind, 'unsatisfiable');
    assert.equal(pickRange('bytes=-1', 0).kind, 'unsatisfiable');
    assert.equal(pickRange('bytes=1-2, 4-5', 10).kind, 'unsatisfiable');
    assert.deepEqual(pickRange('bytes=1-2', 10, '"a"', '"b"'), { kind: 'whole' });
  });

  it('types previews by magic bytes only', () => {
    assert.equal(previewType(Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1')), 'image/webp');
    assert.equal(previewType(Buffer.from('<svg><script>x</script></svg>')), 'text/plain; charset=utf-8');
    assert.equal(previewType(Buffer.alloc(0)), 'text/plain; charset=utf-8');
    // A multi-byte character cut by the end of the first chunk is still text.
    assert.ok(looksLikeText(Buffer.from('abc é', 'utf8').subarray(0, 5)));
    assert.ok(!looksLikeText(Buffer.from([0x61, 0xff, 0x62, 0x63, 0x64])));
  });

  it('builds Content-Disposition from any name, lone surrogates included', () => {
    assert.equal(contentDisposition('attachment', "it's (1).txt"), `attachment; filename="it_s (1).txt"; filename*=UTF-8''it%27s%20%281%29.txt`);
    assert.equal(contentDisposition('inline', ''), `inline; filename="download"; filename*=UTF-8''download`);
    assert.match(contentDisposition('attachment', 'a\uDC80b'), /filename\*=UTF-8''a%EF%BF%BDb$/);
  });
});
