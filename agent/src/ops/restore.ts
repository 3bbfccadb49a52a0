/**
 * StoreService.Restore, and the restore `coffer restore` runs: a selection of a snapshot
 * (no path: all of it) to a destination with an overwrite policy (engine/restorer.ts).
 * One path restores as `coffer restore SNAP:PATH` always did: a folder's content lands
 * directly in the target, a file under its own name; several paths land each under its
 * own name (two with the same name are refused), read in one pass over the packs. The
 * stream yields progress, then the outcome (files, bytes, skipped, errors with the first
 * 1,000 listed, duration). The viewer's target is an absolute local folder; existing
 * files are kept unless the policy says otherwise, and counted as skipped.
 */
import path from 'node:path';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { EntryErrorInfo, RestoreEvent, RestoreOutcome, StoreRestoreRequest } from '@coffer/shared/gen/coffer/v1/store.js';
import { invalidRpc } from '@coffer/shared/rpc/errors.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import type { Destination } from '../connectors/destination.js';
import { openDestination } from '../connectors/registry.js';
import { displayName } from '../engine/raw-name.js';
import type { Repository } from '../engine/repository.js';
import { type OverwritePolicy, type RestoreItem, type RestoreOptions, type RestoreResult, restoreItems } from '../engine/restorer.js';
import type { SnapshotRecord } from '../engine/snapshot.js';
import { findEntry } from '../engine/tree-walk.js';
import { pathField } from './fields.js';
import { progressEvents } from './progress-feed.js';
import type { OpenStore } from './open-store.js';

export const OVERWRITE_POLICIES: readonly OverwritePolicy[] = ['never', 'if-changed', 'always'];

/** Errors listed in an outcome at most (all are counted). */
const MAX_ERRORS_LISTED = 1000;

/** The nodes a selection of (normalised) paths names, as restoreItems takes them. */
export async function selectionItems(repo: Repository, snap: SnapshotRecord, paths: readonly string[]): Promise<RestoreItem[]> {
  const wanted = [...new Set(paths)];
  if (wanted.length === 0 || (wanted.length === 1 && wanted[0] === '')) {
    const root = snap.snapshot.root;
    return [{ path: '', node: root, asChild: root.type !== 'dir' }];
  }
  if (wanted.includes('')) throw new CofferError(ErrorCode.Usage, 'paths: the whole snapshot cannot be restored together with paths inside it');
  const items: RestoreItem[] = [];
  const byName = new Map<string, string>();
  for (const p of wanted) {
    const e = await findEntry(repo, snap, p);
    const other = byName.get(e.node.name);
    if (other !== undefined) {
      throw new CofferError(ErrorCode.Usage, `paths: /${displayName(other)} and /${displayName(e.path)} would both be restored as '${displayName(e.node.name)}'; restore them separately`);
    }
    byName.set(e.node.name, e.path);
    items.push({ path: e.path, node: e.node, asChild: wanted.length > 1 || e.node.type !== 'dir' });
  }
  return items;
}

/** What a restore is asked to do. */
export interface RestoreJob extends Omit<RestoreOptions, 'onFail'> {
  readonly snapshot: SnapshotRecord;
  /** Normalised paths of the snapshot; empty: all of it. */
  readonly paths: readonly string[];
  readonly dest: Destination;
  /** Each entry not restored (beside the outcome's list). */
  readonly onFail?: (path: string, reason: string) => void;
}

/** A finished restore: the engine's counts (for the CLI's lines) and the outcome. */
export interface RestoreRun {
  readonly result: RestoreResult;
  readonly outcome: RestoreOutcome;
}

/** Runs a restore. */
export async function runRestore(store: OpenStore, job: RestoreJob): Promise<RestoreRun> {
  const started = Date.now();
  const items = await selectionItems(store.repo, job.snapshot, job.paths);
  const errorList: EntryErrorInfo[] = [];
  const { snapshot: _s, paths: _p, dest, onFail, ...opts } = job;
  const whole = items.length === 1 && items[0]?.path === '';
  const summary = job.snapshot.snapshot.summary;
  const result = await restoreItems(store.repo, items, dest, {
    ...(whole ? { expected: { files: summary.files, bytes: summary.bytes } } : {}),
    ...opts,
    onFail: (p, reason) => {
      if (errorList.length < MAX_ERRORS_LISTED) errorList.push({ path: displayName(p), error: reason });
      onFail?.(p, reason);
    },
  });
  const errors = result.failed + result.errors;
  const outcome: RestoreOutcome = { ok: errors === 0, files: result.files, bytes: result.bytes, skipped: result.skipped, errors, errorList, durationMs: Date.now() - started, jobId: '' };
  return { result, outcome };
}

/** The overwrite policy of a request ('' : never). */
export function overwritePolicy(field: string, value: string): OverwritePolicy {
  if (value === '') return 'never';
  if (!(OVERWRITE_POLICIES as readonly string[]).includes(value)) throw invalidRpc(field, `must be one of ${OVERWRITE_POLICIES.join(', ')} (got '${value}')`);
  return value as OverwritePolicy;
}

export async function* restore(store: OpenStore, req: StoreRestoreRequest, ctx: CallContext): AsyncGenerator<RestoreEvent> {
  const overwrite = overwritePolicy('overwrite', req.overwrite);
  if (!path.isAbsolute(req.target) || req.target.includes('\0')) throw invalidRpc('target', `give an absolute path of a local folder (got '${req.target}')`);
  const paths = req.paths.map((p, i) => pathField(`paths[${i}]`, p));
  const snapshot = await store.snapshot(req.snapshot || 'latest');
  const dest = await openDestination(path.normalize(req.target));
  yield* progressEvents<RestoreRun, RestoreEvent>(
    'restore',
    (progress, signal) => runRestore(store, { snapshot, paths, dest, overwrite, progress, signal }),
    ctx.signal,
    { progress: (value) => ({ event: { $case: 'progress', value } }), result: (r) => ({ event: { $case: 'result', value: r.outcome } }) },
    () => dest.close(),
  );
}
