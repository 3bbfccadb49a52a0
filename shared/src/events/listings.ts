/**
 * The records `ls`, `locate` and `diff` print with --json, one per line. They are not
 * events: they carry no event `type` (an entry's `type` is its kind: `file`, `dir`,
 * `symlink`, …), so the reader names the kind it expects. Same guarantees as events:
 * one record per line, stable field names, additive changes only; parseListing never
 * throws, gives undefined for a line that is not such a record, and keeps unknown
 * fields. A name or path that is not valid UTF-8 is shown with `\xHH` escapes and given
 * exactly, in base64, in `rawName` / `rawPath` / `rawTarget`. docs/events.md lists the
 * fields. Pure.
 */
import { SNAPSHOT_COUNTS } from './catalog.js';
import { fits, parseObject, type Shape, type ShapeType } from './shape.js';

/** The shape of each kind of listing record. */
export const LISTINGS = {
  /** `ls` without a snapshot: one snapshot. */
  snapshot: {
    id: 'string',
    time: 'string',
    host: 'string',
    user: 'string',
    source: { type: 'string', location: 'string' },
    tags: 'strings',
    summary: SNAPSHOT_COUNTS,
    parent: 'string?',
  },
  /** `ls SNAPSHOT[:PATH]`: one entry of the tree (its stored metadata, docs/format.md §9). */
  entry: {
    path: 'string',
    name: 'string',
    type: 'string',
    mode: 'number',
    mtime_ns: 'string',
    size: 'number?',
    target: 'string?',
    uid: 'number?',
    gid: 'number?',
    user: 'string?',
    group: 'string?',
    rawPath: 'string?',
    rawName: 'string?',
    rawTarget: 'string?',
  },
  /** `locate`: one matching entry. */
  match: { snapshot: 'string', path: 'string', type: 'string', rawPath: 'string?' },
  /** `diff`: one change (`+` added, `-` removed, `M` modified, `T` type changed). */
  change: { change: 'string', path: 'string', rawPath: 'string?' },
} as const satisfies Record<string, Shape>;

export type ListingKind = keyof typeof LISTINGS;

/** A listing record of kind K. */
export type Listing<K extends ListingKind> = ShapeType<(typeof LISTINGS)[K]>;

/** The record as one line of JSON, without the line end. */
export function formatListing<K extends ListingKind>(_kind: K, record: Listing<K>): string {
  return JSON.stringify(record);
}

/** The record of kind `kind` a line holds, or undefined. */
export function parseListing<K extends ListingKind>(kind: K, line: string): Listing<K> | undefined {
  const o = parseObject(line);
  return o && fits(o, LISTINGS[kind]) ? (o as Listing<K>) : undefined;
}
