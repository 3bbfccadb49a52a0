/** Unit tests of packfile headers, index files, trees and retention. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeHeader, encodeHeader, BlobType, type PackEntry } from '@coffer/agent/engine/pack.js';
import { decodeIndex, decodeIndexFull, encodeIndex } from '@coffer/agent/engine/index-file.js';
import { DecodeError } from '@coffer/agent/engine/codec.js';
import { decodeTree, encodeTree } from '@coffer/agent/engine/tree.js';
import { applyPolicy } from '@coffer/agent/engine/retention.js';
import type { SnapshotRecord } from '@coffer/agent/engine/snapshot.js';

function entries(n: number): PackEntry[] {
  return Array.from({ length: n }, (_, i) => ({ type: i % 2 ? BlobType.Tree : BlobType.Data, id: randomBytes(32), offset: 8 + i * 100, length: 100, rawLength: 150 + i }));
}

describe('pack header', () => {
  it('round-trips entries', () => {
    const e = entries(5);
    assert.deepEqual(decodeHeader(encodeHeader(e)), e);
  });
  it('rejects a truncated header', () => {
    assert.throws(() => decodeHeader(encodeHeader(entries(3)).subarray(0, 50)), DecodeError);
  });
});

describe('index file', () => {
  it('round-trips packs and condemned packs', () => {
    const packs = [{ pack: randomBytes(32).toString('hex'), entries: entries(3) }, { pack: randomBytes(32).toString('hex'), entries: entries(1) }];
    const condemned = [{ pack: randomBytes(32).toString('hex'), since: 1_700_000_000_123 }];
    const full = decodeIndexFull(encodeIndex(packs, condemned));
    assert.deepEqual(full.packs, packs);
    assert.deepEqual(full.condemned, condemned);
    assert.deepEqual(decodeIndex(encodeIndex(packs)), packs);
  });
  it('rejects a truncated index', () => {
    const b = encodeIndex([{ pack: randomBytes(32).toString('hex'), entries: entries(3) }]);
    assert.throws(() => decodeIndex(b.subarray(0, b.length - 10)), DecodeError);
  });
});

describe('tree', () => {
  it('encodes deterministically whatever the node order', () => {
    const a = { name: 'a', type: 'file' as const, mode: 0o644, mtime: '1' };
    const b = { name: 'b', type: 'dir' as const, mode: 0o755, mtime: '2', subtree: 'x' };
    for (const v of [1, 2]) assert.deepEqual(encodeTree({ nodes: [b, a] }, v), encodeTree({ nodes: [a, b] }, v));
  });
  for (const name of ['..', '.', '', 'a/b', '/etc']) {
    it(`refuses the unsafe name ${JSON.stringify(name)}`, () => {
      const bytes = Buffer.from(JSON.stringify({ nodes: [{ name, type: 'file', mode: 0o644, mtime: '1' }] }));
      for (const v of [1, 2]) assert.throws(() => decodeTree(bytes, 'ab'.repeat(32), v), /unsafe name/);
    });
  }
});

describe('retention', () => {
  const snap = (id: string, time: string, tags: string[] = []): SnapshotRecord => ({
    id,
    snapshot: {
      version: 1, time, host: 'h', user: 'u', source: { type: 'fs', location: '/d' }, tags,
      root: { name: 'd', type: 'dir', mode: 0o755, mtime: '0' },
      summary: { files: 0, dirs: 0, symlinks: 0, others: 0, bytes: 0, newFiles: 0, changedFiles: 0, unchangedFiles: 0, newBytes: 0, storedBytes: 0, durationMs: 0, errors: 0 },
      errors: [], program: 't',
    },
  });
  const snaps = [
    snap('a', '2026-01-01T10:00:00Z'), snap('b', '2026-01-01T12:00:00Z'), snap('c', '2026-01-02T10:00:00Z'),
    snap('d', '2026-01-03T10:00:00Z', ['keep']), snap('e', '2026-01-10T10:00:00Z'),
  ];
  const kept = (p: Parameters<typeof applyPolicy>[1]): string[] => applyPolicy(snaps, p).filter((d) => d.keep).map((d) => d.record.id).sort();

  before(() => {
    process.env.TZ = 'UTC';
  });
  it('keeps the last N', () => assert.deepEqual(kept({ last: 2 }), ['d', 'e']));
  it('keeps one per day for the last N days that have snapshots', () => assert.deepEqual(kept({ daily: 3 }), ['c', 'd', 'e']));
  it('keeps tagged snapshots', () => assert.deepEqual(kept({ tags: ['keep'] }), ['d']));
  it('keeps snapshots within a duration of the newest', () => assert.deepEqual(kept({ withinMs: 8 * 86_400_000 }), ['c', 'd', 'e']));
  it('keeps the newest of each day, not the oldest', () => assert.ok(kept({ daily: 10 }).includes('b') && !kept({ daily: 10 }).includes('a')));
});
