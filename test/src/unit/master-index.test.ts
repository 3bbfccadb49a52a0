/**
 * The compact master index (master-index.ts over key-table.ts) and the writer's set of
 * blobs in flight (pending-ids.ts): lookups by hex and by bytes, first location wins,
 * packs, entries, growth across pages and table resizes, worker snapshots, and the
 * bound of 40 bytes a blob at 1,000,000 blobs.
 */
import assert from 'node:assert/strict';
import { KeyTable } from '@coffer/agent/engine/key-table.js';
import { MasterIndex } from '@coffer/agent/engine/master-index.js';
import { BlobType, encodeHeader, type PackEntry } from '@coffer/agent/engine/pack.js';
import { PendingIds } from '@coffer/agent/engine/pending-ids.js';

/** `n` deterministic pseudo-random 32-byte ids (xorshift32 from `seed`). */
function ids(n: number, seed: number): Buffer[] {
  const out: Buffer[] = [];
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    const b = Buffer.alloc(32);
    for (let p = 0; p < 32; p += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b.writeUInt32LE(x >>> 0, p);
    }
    out.push(b);
  }
  return out;
}

function packName(i: number): string {
  return (ids(1, 0x9e3779b9 ^ i)[0] as Buffer).toString('hex');
}

function entry(id: Buffer, i: number): PackEntry {
  return { type: i % 3 === 0 ? BlobType.Tree : BlobType.Data, id, offset: 8 + i * 1000, length: 900 + (i % 7), rawLength: 1000 + i };
}

/** The location the index should give for `e` in `pack`. */
function located(e: PackEntry, pack: string): object {
  return { pack, type: e.type, offset: e.offset, length: e.length, rawLength: e.rawLength };
}

describe('MasterIndex', function () {
  it('finds what was added, by hex id and by bytes, with its location', function () {
    const index = new MasterIndex();
    const [a, b, c] = ids(3, 1) as [Buffer, Buffer, Buffer];
    const pack = packName(1);
    index.addPacks([{ pack, entries: [entry(a, 0), entry(b, 1)] }]);
    assert.equal(index.size, 2);
    assert.ok(index.has(a) && index.has(a.toString('hex')) && index.has(b));
    assert.deepEqual(index.get(a.toString('hex')), { pack, type: BlobType.Tree, offset: 8, length: 900, rawLength: 1000 });
    assert.deepEqual(index.get(b), located(entry(b, 1), pack));
    assert.equal(index.has(c), false);
    assert.equal(index.get(c.toString('hex')), undefined);
  });

  it('answers no for unknown and malformed ids', function () {
    const index = new MasterIndex();
    const [a] = ids(1, 2) as [Buffer];
    index.addPacks([{ pack: packName(2), entries: [entry(a, 0)] }]);
    for (const id of ids(1000, 3)) assert.equal(index.has(id), false);
    const hex = a.toString('hex');
    assert.equal(index.has(hex.slice(0, 40)), false, 'a hex string of the wrong length');
    assert.equal(index.has(`${hex.slice(0, 62)}zz`), false, 'not hex');
    assert.equal(index.has(''), false);
    assert.equal(index.has(a.subarray(0, 8)), false, 'too few bytes');
    assert.equal(index.hasPack('abc'), false);
  });

  it('keeps the first location of a blob that is in several packs', function () {
    const index = new MasterIndex();
    const [a] = ids(1, 4) as [Buffer];
    const first = packName(3);
    const second = packName(4);
    index.addPacks([{ pack: first, entries: [entry(a, 5)] }]);
    index.addPacks([{ pack: second, entries: [entry(a, 9)] }]);
    index.addPacks([{ pack: first, entries: [entry(a, 5)] }]);
    assert.equal(index.size, 1);
    assert.equal(index.get(a)?.pack, first);
    assert.equal(index.get(a)?.offset, entry(a, 5).offset);
    assert.deepEqual(index.packs().sort(), [first, second].sort());
    assert.ok(index.hasPack(first) && index.hasPack(second) && !index.hasPack(packName(5)));
  });

  it('takes a pack from its header plaintext as addPacks takes its entries', function () {
    const list = ids(500, 5);
    const pack = packName(6);
    const entries = list.map(entry);
    const a = new MasterIndex();
    const b = new MasterIndex();
    a.addPacks([{ pack, entries }]);
    b.addPackHeader(pack, encodeHeader(entries));
    for (const id of list) assert.deepEqual(b.get(id), a.get(id));
    assert.deepEqual([...b.entries()], [...a.entries()]);
    const bad = encodeHeader(entries.slice(0, 1));
    bad[4] = 7;
    assert.throws(() => b.addPackHeader(packName(7), bad), /unknown blob type/);
  });

  it('grows across pages and table resizes and still finds every blob; entries() yields each once', function () {
    const index = new MasterIndex();
    const list = ids(70_000, 6);
    const packOf = (i: number): string => packName(100 + Math.floor(i / 300));
    for (let i = 0; i < list.length; i += 300) {
      index.addPacks([{ pack: packOf(i), entries: list.slice(i, i + 300).map((id, k) => entry(id, i + k)) }]);
      if (i % 9000 === 0) for (let k = 0; k <= i; k += 97) assert.ok(index.has(list[k] as Buffer), `blob ${k} after ${i}`);
    }
    assert.equal(index.size, list.length);
    list.forEach((id, i) => assert.deepEqual(index.get(id), located(entry(id, i), packOf(i))));
    const byKey = new Map(list.map((id, i) => [id.subarray(0, 16).toString('hex'), i]));
    let n = 0;
    for (const [key, loc] of index.entries()) {
      const i = byKey.get(key);
      assert.ok(i !== undefined, 'a key of an added blob');
      byKey.delete(key);
      assert.equal(loc.pack, packOf(i));
      assert.equal(loc.rawLength, 1000 + i);
      assert.deepEqual(index.get(key), loc, 'get takes a key from entries()');
      n++;
    }
    assert.equal(n, list.length);
    assert.equal([...index.locations()].length, list.length);
    assert.equal(index.packs().length, Math.ceil(list.length / 300));
  });

  it('shares its keys with workers as they were, while it keeps growing', function () {
    const index = new MasterIndex();
    const before = ids(10_000, 7);
    const after = ids(20_000, 8);
    index.addPacks([{ pack: packName(8), entries: before.map(entry) }]);
    const known = KeyTable.fromSnapshot(structuredClone(index.knownIds()));
    index.addPacks([{ pack: packName(9), entries: after.map(entry) }]);
    assert.equal(known.size, before.length);
    for (const id of before) assert.ok(known.has(id));
    for (const id of after) assert.equal(known.has(id), false);
    for (const id of after) assert.ok(index.has(id));
    assert.throws(() => known.add(after[0] as Buffer), /read-only/);
  });

  it('holds at most 40 bytes a blob at 1,000,000 blobs (1 MiB chunks 16 a pack and small blobs 4,096 a pack)', function () {
    this.timeout(300_000);
    const index = new MasterIndex();
    const total = 1_000_000;
    const all = ids(total, 9);
    let packs = 0;
    for (let i = 0; i < total; ) {
      const per = i < total / 2 ? 16 : 4096;
      const slice = all.slice(i, i + per);
      index.addPackHeader(packName(1000 + packs++), encodeHeader(slice.map((id, k) => entry(id, i + k))));
      i += slice.length;
    }
    assert.equal(index.size, total);
    const perBlob = index.byteSize() / total;
    assert.ok(perBlob <= 40, `${perBlob.toFixed(2)} bytes a blob`);
    assert.ok(perBlob >= 32, `${perBlob.toFixed(2)} bytes a blob is below the records' own size: byteSize misses something`);
  });
});

describe('PendingIds', function () {
  it('adds, finds and forgets ids like a Set, through resizes both ways', function () {
    const set = new PendingIds();
    const model = new Set<string>();
    const list = ids(20_000, 10);
    const key = (b: Buffer): string => b.toString('hex');
    let x = 12345;
    for (let round = 0; round < 60_000; round++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const id = list[x % list.length] as Buffer;
      if (round < 30_000 ? x & 2 || x & 4 : x & 1) {
        assert.equal(set.add(id), !model.has(key(id)));
        model.add(key(id));
      } else {
        assert.equal(set.delete(id), model.has(key(id)));
        model.delete(key(id));
      }
      assert.equal(set.size, model.size);
    }
    for (const id of list) assert.equal(set.has(id), model.has(key(id)));
    for (const id of list) assert.equal(set.has(key(id)), model.has(key(id)), 'hex ids too');
    for (const id of list) set.delete(id);
    assert.equal(set.size, 0);
    assert.ok(set.byteSize() <= 64 * 17, 'shrinks back when emptied');
  });

  it('reads ids at an offset, as in a pack header', function () {
    const set = new PendingIds();
    const [a] = ids(1, 11) as [Buffer];
    const header = Buffer.concat([Buffer.alloc(5), a, Buffer.alloc(12)]);
    assert.ok(set.add(a));
    assert.ok(set.delete(header, 5));
    assert.equal(set.has(a), false);
  });
});
