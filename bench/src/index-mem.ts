/**
 * `npm run bench -- --index [--blobs N]` (or `node --expose-gc bench/dist/index-mem.js`):
 * the memory and lookup rate of the master index (agent/src/engine/master-index.ts).
 * Fills a real MasterIndex through addPacks (the path loadIndex takes) with N synthetic
 * blobs (default 10,000,000) in 16 MiB packs: a share of 1 MiB chunks (16 a pack) and
 * the rest small blobs (4 KiB, 4,096 a pack). Prints the bytes per blob the process
 * holds for it after a forced GC, against an empty index, and the lookups per second
 * for known and unknown ids. `--reserve` makes room first, as loadIndex does. `--module FILE` measures another build's master-index.js
 * instead (an older commit's, for a before/after).
 *
 * Counting: process.memoryUsage() puts ArrayBuffers in both `external` and
 * `arrayBuffers`, SharedArrayBuffers only in `arrayBuffers`; the figure is the growth
 * of heapUsed + arrayBuffers + whatever `external` grew beyond arrayBuffers, so no
 * byte counts twice.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { IndexedPack } from '@coffer/agent/engine/index-file.js';
import { MasterIndex } from '@coffer/agent/engine/master-index.js';
import { BlobType, type PackEntry } from '@coffer/agent/engine/pack.js';
import { BenchError, messageOf } from './errors.js';
import { intFlag, parseFlags, usage } from './flags.js';

const USAGE = `usage: node --expose-gc bench/dist/index-mem.js [options]   (npm run bench -- --index [options])
  --blobs N      blobs to index (default 10000000)
  --big F        share of the blobs that are 1 MiB chunks, 16 a pack; the rest are 4 KiB blobs, 4,096 a pack (default 0.5)
  --reserve      reserve room for all blobs first, as loadIndex does from the index files' sizes
  --module FILE  measure the MasterIndex exported by FILE (another build's master-index.js) instead
  --help         show this help`;

/** What the benchmark needs of an index (the older one takes hex ids only). */
interface IndexLike {
  addPacks(packs: readonly IndexedPack[]): void;
  has(id: string): boolean;
  readonly size: number;
  byteSize?(): number;
  reserve?(blobs: number): void;
}

const BIG_PER_PACK = 16;
const SMALL_PER_PACK = 4096;
const PACKS_PER_FILE = 64;
const LOOKUPS = 200_000;
const ROUNDS = 5;

/** murmur3's 32-bit finaliser: a bijection, so distinct inputs give distinct words. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Writes blob `i`'s (or, with another `seed`, pack `i`'s) 32-byte id at `b[at..]`: uniform, distinct for distinct i. */
function writeId(b: Buffer, at: number, i: number, seed: number): void {
  for (let w = 0; w < 8; w++) b.writeUInt32LE(fmix32((i * 8 + w + seed) >>> 0), at + 4 * w);
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

interface Usage {
  readonly heapUsed: number;
  readonly arrayBuffers: number;
  readonly external: number;
  readonly text: string;
}

function memory(): Usage {
  for (let i = 0; i < 4; i++) (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { ...m, text: `heapUsed ${mib(m.heapUsed)}, arrayBuffers ${mib(m.arrayBuffers)}, external ${mib(m.external)}, rss ${mib(m.rss)}` };
}

/** Bytes held in `b` beyond `a`, each counted once (see the header). */
function grown(a: Usage, b: Usage): number {
  const ab = b.arrayBuffers - a.arrayBuffers;
  return b.heapUsed - a.heapUsed + ab + Math.max(0, b.external - a.external - ab);
}

/** Adds `total` blobs to `index`, `big` of them 1 MiB chunks; returns the number of packs. */
function fill(index: IndexLike, total: number, big: number): number {
  let added = 0;
  let bigAdded = 0;
  let packs = 0;
  let file: IndexedPack[] = [];
  while (added < total) {
    const isBig = bigAdded <= big * added && big > 0;
    const count = Math.min(total - added, isBig ? BIG_PER_PACK : SMALL_PER_PACK);
    const size = isBig ? 1 << 20 : 4096;
    const ids = Buffer.allocUnsafe(32 * count);
    const entries: PackEntry[] = [];
    for (let k = 0; k < count; k++) {
      writeId(ids, 32 * k, added + k, 0);
      const length = size - 64 + (k % 128);
      entries.push({ type: k % 50 === 0 ? BlobType.Tree : BlobType.Data, id: ids.subarray(32 * k, 32 * k + 32), offset: 8 + k * size, length, rawLength: isBig ? length + 4096 : length * 3 });
    }
    const name = Buffer.allocUnsafe(32);
    writeId(name, 0, packs++, 0x5bd1e995);
    file.push({ pack: name.toString('hex'), entries });
    if (file.length === PACKS_PER_FILE) {
      index.addPacks(file);
      file = [];
    }
    added += count;
    if (isBig) bigAdded += count;
  }
  index.addPacks(file);
  return packs;
}

/** Lookups per second of `n` ids from `first` on (known when below the filled count). */
function lookupRate(index: IndexLike, first: number, span: number, hex: boolean): { rate: number; hits: number } {
  const ids: (string | Buffer)[] = [];
  let x = 0x2545f491;
  for (let k = 0; k < LOOKUPS; k++) {
    x = fmix32(x + k);
    const b = Buffer.alloc(32);
    writeId(b, 0, first + (x % span), 0);
    ids.push(hex ? b.toString('hex') : b);
  }
  const has = index.has.bind(index) as (id: string | Buffer) => boolean;
  let hits = 0;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < ROUNDS; r++) for (const id of ids) if (has(id)) hits++;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { rate: (ROUNDS * LOOKUPS) / s, hits: hits / ROUNDS };
}

async function main(): Promise<void> {
  const v = parseFlags(process.argv.slice(2), {
    blobs: { type: 'string', default: '10000000' },
    big: { type: 'string', default: '0.5' },
    module: { type: 'string' },
    reserve: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  });
  if (v.help) {
    console.log(USAGE);
    return;
  }
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') throw usage('run node with --expose-gc');
  const total = intFlag(v.blobs, '--blobs', 1, 1_500_000_000);
  const big = Number(v.big);
  if (!(big >= 0 && big <= 1)) throw usage(`--big must be a number from 0 to 1, got "${v.big}"`);
  let Index: new () => IndexLike = MasterIndex;
  if (v.module !== undefined) {
    const file = resolve(v.module);
    readFileSync(file); // a clear error when it is missing
    Index = ((await import(pathToFileURL(file).href)) as { MasterIndex: new () => IndexLike }).MasterIndex;
  }
  const load = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`index-mem: ${v.module ?? 'agent/dist/engine/master-index.js'}, load average ${load()}`);
  const index = new Index();
  const empty = memory();
  const t0 = process.hrtime.bigint();
  if (v.reserve) {
    if (!index.reserve) throw usage('this index has no reserve()');
    index.reserve(total);
  }
  const packs = fill(index, total, big);
  const fillS = Number(process.hrtime.bigint() - t0) / 1e9;
  const full = memory();
  if (index.size !== total) throw new BenchError(`the index holds ${index.size} blobs, not ${total}`);
  console.log(`blobs: ${total.toLocaleString('en')} in ${packs.toLocaleString('en')} packs (${Math.round(big * 100)} % 1 MiB chunks ${BIG_PER_PACK} a pack, the rest 4 KiB blobs ${SMALL_PER_PACK} a pack)`);
  console.log(`fill: ${fillS.toFixed(2)} s, ${(total / fillS / 1e6).toFixed(2)} M blobs/s`);
  const bytes = grown(empty, full);
  console.log(`memory: ${(bytes / total).toFixed(2)} bytes a blob (${mib(bytes)}; empty: ${empty.text}; full: ${full.text})`);
  if (index.byteSize) console.log(`byteSize(): ${(index.byteSize() / total).toFixed(2)} bytes a blob`);
  for (const hex of [false, true]) {
    const known = lookupRate(index, 0, total, hex);
    const unknown = lookupRate(index, total, total, hex);
    const ok = known.hits === LOOKUPS && unknown.hits === 0;
    const what = hex ? 'hex ids' : 'Buffer ids';
    console.log(ok ? `lookups (${what}): known ${(known.rate / 1e6).toFixed(2)} M/s, unknown ${(unknown.rate / 1e6).toFixed(2)} M/s` : `lookups (${what}): not supported by this index`);
  }
  console.log(`load average after: ${load()}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`index-mem: ${messageOf(err)}\n`);
  process.exit(err instanceof BenchError ? err.exitCode : 1);
});
