/**
 * GetStoreInfo: the store's identity and totals. Guarantees:
 *  - size_on_disk is the sum of the sizes of the store's files as its backend lists
 *    them (packs, index, snapshots, locks) plus the config file.
 *  - logical_bytes sums the snapshots' content bytes; unique_bytes sums the raw
 *    (uncompressed) lengths of the data chunks in the index, and the compression ratio
 *    divides it by their stored lengths (after compression and encryption); the dedup
 *    ratio is logical / unique. A ratio with nothing to divide by is 0.
 *  - The index totals are computed once per index state (cached on the index object and
 *    its size), so repeated calls cost one backend listing.
 *  - last_check is the last check remembered in the state folder (check-state.ts), absent
 *    when this machine never checked the store.
 */
import type { StoreInfo, StoreInfoRequest } from '@coffer/shared/gen/coffer/v1/store.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import { LISTED_KINDS } from '../storage/backend.js';
import type { MasterIndex } from '../engine/master-index.js';
import { BlobType } from '../engine/pack.js';
import { isEncrypted } from '../engine/store-config.js';
import { readCheckState } from './check-state.js';
import type { OpenStore } from './open-store.js';

interface IndexTotals {
  readonly size: number;
  readonly raw: number;
  readonly stored: number;
}

const totalsCache = new WeakMap<MasterIndex, IndexTotals>();

/** Raw and stored bytes of the data chunks of `index`. */
function indexTotals(index: MasterIndex): IndexTotals {
  const hit = totalsCache.get(index);
  if (hit && hit.size === index.size) return hit;
  let raw = 0;
  let stored = 0;
  for (const loc of index.locations()) {
    if (loc.type !== BlobType.Data) continue;
    raw += loc.rawLength;
    stored += loc.length;
  }
  const t = { size: index.size, raw, stored };
  totalsCache.set(index, t);
  return t;
}

function ratio(a: number, b: number): number {
  return b > 0 ? a / b : 0;
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** Bytes of the store's files. */
async function sizeOnDisk(store: OpenStore, signal: AbortSignal): Promise<number> {
  const backend = store.repo.backend;
  const lists = await Promise.all(LISTED_KINDS.map((k) => backend.list(k, signal)));
  const config = await backend.stat('config', '', signal);
  return lists.flat().reduce((sum, f) => sum + f.size, config.size);
}

export async function getStoreInfo(store: OpenStore, _req: StoreInfoRequest, ctx: CallContext, env: NodeJS.ProcessEnv = process.env): Promise<StoreInfo> {
  const repo = store.repo;
  const snaps = await store.snapshots();
  const totals = indexTotals(repo.index);
  const logical = snaps.reduce((sum, s) => sum + s.snapshot.summary.bytes, 0);
  return {
    store: store.display,
    location: repo.backend.location,
    storeId: repo.config.id,
    formatVersion: repo.config.version,
    encrypted: isEncrypted(repo.config),
    snapshots: snaps.length,
    sizeOnDisk: await sizeOnDisk(store, ctx.signal),
    logicalBytes: logical,
    uniqueBytes: totals.raw,
    dedupRatio: ratio(logical, totals.raw),
    compressionRatio: ratio(totals.raw, totals.stored),
    lastCheck: readCheckState(repo.config.id, env)?.summary,
    sources: sortedUnique(snaps.map((s) => s.snapshot.source.location)),
    hosts: sortedUnique(snaps.map((s) => s.snapshot.host)),
    tags: sortedUnique(snaps.flatMap((s) => s.snapshot.tags)),
  };
}
