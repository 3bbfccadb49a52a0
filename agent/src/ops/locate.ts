/**
 * StoreService.Locate: files whose name matches a glob or a substring, or whose content
 * has a digest, across the snapshots of a store, filtered by source and time. Snapshots
 * are searched newest first (the versions wanted most come before the limit cuts), each
 * tree loaded once across all of them (tree-search.ts). `limit` (0: 500, at most
 * 10,000) matches are returned; `truncated` says more exist (and `snapshots_searched` counts the snapshots reached). Damaged folders are skipped
 * (reported to `hooks.onDamage`, as `coffer locate` warns of them).
 */
import type { LocateMatch, LocateRequest, LocateResponse } from '@coffer/shared/gen/coffer/v1/store.js';
import { invalidRpc } from '@coffer/shared/rpc/errors.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import { displayName } from '../engine/raw-name.js';
import { filterSnapshots, limitField, snapshotSource, snapshotTimeMs } from './fields.js';
import { allOf, digestMatcher, globMatcher, type NodeMatcher, substringMatcher } from './name-match.js';
import type { OpenStore } from './open-store.js';
import { searchSnapshots, type SearchOptions } from './tree-search.js';
import { treeEntry } from './tree-entry.js';

/** What callers beside the transport may hear of (the CLI's warnings). */
export interface LocateHooks {
  readonly onDamage?: SearchOptions['onDamage'];
}

/** The matcher a request asks for. */
export function requestMatcher(req: Pick<LocateRequest, 'pattern' | 'substring' | 'digest'>): NodeMatcher {
  const ms: NodeMatcher[] = [];
  if (req.pattern !== '') ms.push(req.substring ? substringMatcher(req.pattern) : globMatcher(req.pattern));
  if (req.digest !== '') {
    if (!/^[0-9a-fA-F]{64}$/.test(req.digest)) throw invalidRpc('digest', `'${req.digest}' is not a hex digest of 64 characters (as ListTree gives it)`);
    ms.push(digestMatcher(req.digest));
  }
  if (ms.length === 0) throw invalidRpc('pattern', 'give a pattern or a digest to look for');
  return allOf(ms);
}

export async function locate(store: OpenStore, req: LocateRequest, ctx: CallContext, hooks: LocateHooks = {}): Promise<LocateResponse> {
  const match = requestMatcher(req);
  const limit = limitField(req.limit, 500, 10_000);
  const snaps = filterSnapshots(await store.snapshots(), req).reverse();
  const matches: LocateMatch[] = [];
  let truncated = false;
  let searched = snaps.length;
  const opts = { signal: ctx.signal, limit: limit + 1, ...(hooks.onDamage ? { onDamage: hooks.onDamage } : {}) };
  for await (const m of searchSnapshots(store.repo, snaps, match, opts)) {
    if (matches.length === limit) {
      truncated = true;
      searched = snaps.indexOf(m.snapshot) + 1;
      break;
    }
    matches.push({ snapshot: m.snapshot.id, timeMs: snapshotTimeMs(m.snapshot), source: snapshotSource(m.snapshot), path: displayName(m.path), entry: treeEntry(m.node) });
  }
  return { matches, truncated, snapshotsSearched: searched };
}
