/**
 * Split trees (store format 3, docs/format.md §9.2). A folder of more than SPLIT_ABOVE
 * entries is stored as parts: each part is an ordinary tree blob of consecutive nodes,
 * and the folder's tree blob lists the parts in order, `{"parts":[{"id","count"}...]}`.
 * Parts end where a node's name hashes to a cut (content-defined, between PART_MIN and
 * PART_MAX nodes), so adding or removing one entry changes one part, not every part
 * after it. Nodes are in the order of their names' bytes across the whole folder, so
 * writers and readers can stream a folder part by part and hold one part at a time.
 * A part is never itself split. Pure: no I/O.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { nameToBytes } from './raw-name.js';

/** Folders with more entries than this are stored as parts (format 3 on). */
export const SPLIT_ABOVE = 8192;
/** Fewest nodes in a part other than the last. */
export const PART_MIN = 1024;
/** Most nodes in a part. */
export const PART_MAX = 8192;
/** A part ends after a node whose name hash has these low bits clear (about 1 in 4,096). */
const CUT_MASK = 0xfff;

/** Store format versions whose trees may be split. */
export const SPLIT_SINCE = 3;

/** Whether trees of store format `version` may be stored as parts. */
export function storesSplitTrees(version: number): boolean {
  return version >= SPLIT_SINCE;
}

/** One part of a split tree: its blob id (hex) and how many nodes it holds. */
export interface PartRef {
  readonly id: string;
  readonly count: number;
}

/** FNV-1a over a name's UTF-16 code units: where parts end depends on names only. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Whether a part that holds `length` nodes, the last named `name`, ends here. */
export function isPartEnd(name: string, length: number): boolean {
  if (length >= PART_MAX) return true;
  return length >= PART_MIN && (nameHash(name) & CUT_MASK) === 0;
}

/**
 * Compares two names in the order of their bytes (the order of format 2 and 3 trees),
 * without converting them when the first code units that differ are below U+D800
 * (where UTF-16 and UTF-8 order agree).
 */
export function compareNameBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    return Buffer.compare(nameToBytes(a), nameToBytes(b));
  }
  return a.length - b.length;
}

/** The stored form of a split tree. */
export function encodeSplitTree(parts: readonly PartRef[]): Buffer {
  return Buffer.from(JSON.stringify({ parts: parts.map((p) => ({ id: p.id, count: p.count })) }), 'utf8');
}

const HEX_ID = /^[0-9a-f]{64}$/;

/** The parts of a parsed split tree; throws Corrupt when they are malformed. */
export function splitParts(obj: { parts?: unknown }, id: string, version: number): PartRef[] {
  const bad = (why: string): CofferError => new CofferError(ErrorCode.Corrupt, `tree ${id.slice(0, 12)} ${why}`);
  if (!storesSplitTrees(version)) throw bad(`is split into parts, which store format ${version} does not have`);
  if (!Array.isArray(obj.parts) || obj.parts.length === 0) throw bad('has an empty or malformed part list');
  return obj.parts.map((p: unknown) => {
    const r = p as { id?: unknown; count?: unknown };
    if (typeof p !== 'object' || p === null || typeof r.id !== 'string' || !HEX_ID.test(r.id)) throw bad('names a part that is not a blob id');
    if (typeof r.count !== 'number' || !Number.isInteger(r.count) || r.count < 0 || r.count > PART_MAX) throw bad(`gives part ${r.id.slice(0, 12)} an invalid count`);
    return { id: r.id, count: r.count };
  });
}

/** Total nodes of a split tree. */
export function partsCount(parts: readonly PartRef[]): number {
  return parts.reduce((n, p) => n + p.count, 0);
}
