/**
 * Trees of store format 2 store names and symlink targets as bytes (docs/format.md §9):
 * `rawName`/`rawTarget` beside display forms, nodes sorted by bytes, unsafe names
 * refused on their bytes; format 1 trees stay as they were and cannot hold raw names.
 */
import assert from 'node:assert/strict';
import { nameFromBytes } from '@coffer/agent/engine/raw-name.js';
import { decodeTree, encodeTree, type TreeNode } from '@coffer/agent/engine/tree.js';

const ID = 'cd'.repeat(32);
const file = (name: string): TreeNode => ({ name, type: 'file', mode: 0o644, mtime: '1', size: 0, content: [] });
const raw = (...bytes: number[]): string => nameFromBytes(Buffer.from(bytes));
const stored = (b: Buffer): Record<string, unknown>[] => (JSON.parse(b.toString('utf8')) as { nodes: Record<string, unknown>[] }).nodes;
const treeOf = (nodes: unknown[]): Buffer => Buffer.from(JSON.stringify({ nodes }), 'utf8');

describe('tree names as bytes (format 2)', () => {
  it('stores a name that is not UTF-8 as rawName, with an escaped display name, and reads it back', () => {
    const name = raw(0x61, 0xff, 0x62);
    const link: TreeNode = { name: raw(0x6c, 0xfe), type: 'symlink', mode: 0o777, mtime: '2', target: raw(0x2e, 0x2e, 0x2f, 0xff) };
    const bytes = encodeTree({ nodes: [file(name), link] }, 2);
    const [a, l] = stored(bytes);
    assert.equal(a?.name, 'a\\xffb');
    assert.equal(a?.rawName, Buffer.from([0x61, 0xff, 0x62]).toString('base64'));
    assert.equal(l?.name, 'l\\xfe');
    assert.equal(l?.target, '../\\xff');
    assert.equal(l?.rawTarget, Buffer.from([0x2e, 0x2e, 0x2f, 0xff]).toString('base64'));
    const back = decodeTree(bytes, ID, 2).nodes;
    assert.deepEqual(back, [file(name), link]);
    assert.equal('rawName' in (back[0] as object), false);
  });

  it('keeps valid UTF-8 names (backslashes, controls, CJK) as plain `name` with no raw field', () => {
    const names = ['a\\xff', 'tab\there', '日本語', 'plain'];
    const nodes = stored(encodeTree({ nodes: names.map(file) }, 2));
    for (const n of nodes) assert.equal(n.rawName, undefined, String(n.name));
    assert.deepEqual(nodes.map((n) => n.name).sort(), [...names].sort());
  });

  it('encodes the same tree to the same bytes (an unchanged directory keeps its tree id)', () => {
    const nodes = [file(raw(0xff)), file('b'), file(raw(0x80, 0x41)), file('日')];
    const once = encodeTree({ nodes }, 2);
    assert.deepEqual(encodeTree({ nodes: [...nodes].reverse() }, 2), once);
    assert.deepEqual(encodeTree(decodeTree(once, ID, 2), 2), once);
  });

  it('sorts nodes by their bytes, not by UTF-16 code units', () => {
    // U+FF61 is EF BD A1 in UTF-8, U+1F600 is F0 9F 98 80; in UTF-16 the emoji (D83D…) sorts first.
    const names = [raw(0xff), '\u{1F600}', '\uFF61', 'z', raw(0x80)];
    const order = stored(encodeTree({ nodes: names.map(file) }, 2)).map((n) => (n.rawName as string | undefined) ?? n.name);
    assert.deepEqual(order, ['z', Buffer.from([0x80]).toString('base64'), '\uFF61', '\u{1F600}', Buffer.from([0xff]).toString('base64')]);
    const v1 = stored(encodeTree({ nodes: ['\uFF61', '\u{1F600}', 'z'].map(file) }, 1)).map((n) => n.name);
    assert.deepEqual(v1, ['z', '\u{1F600}', '\uFF61'], 'format 1 keeps its UTF-16 order');
  });

  for (const [what, bytes] of [
    ['empty', []],
    ['.', [0x2e]],
    ['..', [0x2e, 0x2e]],
    ['a slash', [0xff, 0x2f, 0x61]],
    ['NUL', [0xff, 0x00]],
  ] as [string, number[]][]) {
    it(`refuses a rawName that is ${what}`, () => {
      const t = treeOf([{ name: 'harmless', rawName: Buffer.from(bytes).toString('base64'), type: 'file', mode: 0o644, mtime: '1' }]);
      assert.throws(() => decodeTree(t, ID, 2), /unsafe name/);
    });
  }

  it('refuses malformed raw fields and plain names holding lone surrogates', () => {
    const node = { type: 'file', mode: 0o644, mtime: '1' };
    assert.throws(() => decodeTree(treeOf([{ ...node, name: 'x', rawName: 'not base64!' }]), ID, 2), /unsafe name/);
    assert.throws(() => decodeTree(treeOf([{ ...node, name: 'x\udcff' }]), ID, 2), /unsafe name/);
    assert.throws(() => decodeTree(treeOf([{ ...node, type: 'symlink', name: 'l', target: 't', rawTarget: 7 }]), ID, 2), /malformed link target/);
    assert.throws(() => decodeTree(treeOf([{ ...node, type: 'symlink', name: 'l', target: 't\udcff' }]), ID, 2), /malformed link target/);
    assert.throws(() => decodeTree(treeOf([7]), ID, 2), /not an object/);
  });

  it('format 1: cannot encode a raw name or target, and reads its trees as before', () => {
    assert.throws(() => encodeTree({ nodes: [file(raw(0xff))] }, 1), /not UTF-8 and store format 1 cannot record it/);
    const link: TreeNode = { name: 'l', type: 'symlink', mode: 0o777, mtime: '1', target: raw(0xff) };
    assert.throws(() => encodeTree({ nodes: [link] }, 1), /not UTF-8/);
    const t = treeOf([{ name: 'x', rawName: Buffer.from([0xff]).toString('base64'), type: 'file', mode: 0o644, mtime: '1' }]);
    assert.equal(decodeTree(t, ID, 1).nodes[0]?.name, 'x', 'format 1 gives rawName no meaning');
  });
});
