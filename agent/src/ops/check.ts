/**
 * StoreService.Check, and the check `coffer check` runs: structure always, and the data
 * of all packs ("full", the default), none ("fast") or a subset ("10%", "1/5"), of all
 * snapshots or of some (engine/checker.ts). The stream yields progress (packs and bytes
 * read, with the rate) while it runs, then the CheckOutcome: every error as an issue of
 * a kind, the damaged snapshots, and each damaged file as "<snapshot id>:/<path>" (a
 * folder whose listing is lost ends with '/'). A finished check is remembered in the
 * session's state folder (check-state.ts); an interrupted one reports nothing (reads cut
 * short are not damage) and is CANCELLED.
 */
import os from 'node:os';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { CheckEvent, CheckIssueInfo, CheckOutcome, CheckRequest, CheckSummary } from '@coffer/shared/gen/coffer/v1/store.js';
import { invalidRpc } from '@coffer/shared/rpc/errors.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import { check as runChecker, type CheckIssue, type CheckResult, type DataSubset } from '../engine/checker.js';
import { PackPool } from '../engine/pack-pool.js';
import type { ProgressListener } from '../engine/progress.js';
import { displayName } from '../engine/raw-name.js';
import type { SnapshotRecord } from '../engine/snapshot.js';
import { writeCheckState } from './check-state.js';
import { progressEvents } from './progress-feed.js';
import type { OpenStore } from './open-store.js';

/** Parses a data subset `N/M` or `P%`; undefined when it is neither. */
export function subsetOf(s: string): DataSubset | undefined {
  let m = /^(\d+)\/(\d+)$/.exec(s);
  if (m) {
    const n = Number(m[1]);
    const t = Number(m[2]);
    if (t >= 1 && n >= 1 && n <= t) return { kind: 'part', n, m: t };
  }
  m = /^(\d+(?:\.\d+)?)%$/.exec(s);
  if (m) {
    const pct = Number(m[1]);
    if (pct > 0 && pct <= 100) return { kind: 'percent', p: pct };
  }
  return undefined;
}

/** A check mode ('' or "full", "fast", "N/M", "P%") as the data it reads, and its name. */
export function checkMode(mode: string): { data: DataSubset; mode: string } {
  if (mode === '' || mode === 'full') return { data: { kind: 'all' }, mode: 'full' };
  if (mode === 'fast') return { data: { kind: 'none' }, mode };
  const data = subsetOf(mode);
  if (!data) throw invalidRpc('mode', `'${mode}' is not a check mode: use fast, full, N/M (e.g. 1/5) or a percentage (e.g. 10%)`);
  return { data, mode };
}

/** What a check is asked to do. */
export interface CheckJob {
  readonly data: DataSubset;
  /** How the mode is remembered ("full", "fast", "1/5", "10%"). */
  readonly mode: string;
  /** Only these snapshots; empty: all. */
  readonly snapshots: readonly SnapshotRecord[];
  readonly pool?: PackPool;
  readonly progress?: ProgressListener;
  readonly signal?: AbortSignal;
  /** For the state folder the result is remembered in (check-state.ts). */
  readonly env: NodeJS.ProcessEnv;
}

/** A finished check: the engine's result (for the CLI's lines) and the outcome. */
export interface CheckRun {
  readonly result: CheckResult;
  readonly outcome: CheckOutcome;
}

/** An error of the checker as an issue of a kind. */
function issueInfo(i: CheckIssue): CheckIssueInfo {
  const base = { message: i.message, snapshot: i.snapshot ?? '', path: i.path !== undefined ? displayName(i.path) : '' };
  if (i.file) {
    const [dir = '', name = ''] = i.file.split('/');
    const kind = dir === 'data' ? 'pack' : dir === 'snapshots' ? 'snapshot' : dir === 'index' ? 'index' : dir;
    return { ...base, kind, id: name };
  }
  if (i.snapshot !== undefined) return { ...base, kind: i.path === '' || i.path?.endsWith('/') ? 'tree' : 'file', id: '' };
  return { ...base, kind: 'blob', id: /^blob ([0-9a-f]+)/.exec(i.message)?.[1] ?? '' };
}

/** The outcome of a finished check. */
export function checkOutcome(r: CheckResult, mode: string, startedMs: number, durationMs: number): CheckOutcome {
  const errors = r.issues.filter((i) => i.severity === 'error');
  const issues = errors.map(issueInfo);
  const damagedSnapshots = [...new Set(issues.flatMap((i) => (i.snapshot ? [i.snapshot] : i.kind === 'snapshot' ? [i.id] : [])))];
  const damagedFiles = issues.filter((i) => i.kind === 'file' || i.kind === 'tree').map((i) => `${i.snapshot}:/${i.path}`);
  const summary: CheckSummary = { timeMs: startedMs, ok: errors.length === 0, mode, issues: errors.length, damagedSnapshots };
  return { ok: summary.ok, issues, damagedSnapshots, damagedFiles, packsChecked: r.packsRead, bytesRead: r.bytesRead, durationMs, summary };
}

/** Runs a check and remembers its result; Interrupted when `signal` aborted it. */
export async function runCheck(store: Pick<OpenStore, 'repo'>, job: CheckJob): Promise<CheckRun> {
  // The checker reads the index itself (to report on every index file): no store.ready() first.
  let covered: readonly SnapshotRecord[] = [];
  const startedMs = Date.now();
  const result = await runChecker(store.repo, {
    data: job.data,
    snapshots: job.snapshots,
    onSnapshots: (snaps) => (covered = snaps),
    ...(job.signal ? { signal: job.signal } : {}),
    ...(job.pool ? { pool: job.pool } : {}),
    ...(job.progress ? { progress: job.progress } : {}),
  });
  if (job.signal?.aborted) throw new CofferError(ErrorCode.Interrupted, 'check interrupted');
  const outcome = checkOutcome(result, job.mode, startedMs, Date.now() - startedMs);
  const summary = outcome.summary as CheckSummary;
  const snapshots = Object.fromEntries(
    covered.map((s) => {
      const damaged = summary.damagedSnapshots.includes(s.id);
      const own = outcome.issues.filter((i) => i.snapshot === s.id).length;
      return [s.id, { ...summary, ok: !damaged && summary.ok, issues: own, damagedSnapshots: damaged ? [s.id] : [] }];
    }),
  );
  try {
    writeCheckState(store.repo.config.id, { summary, snapshots, allSnapshots: job.snapshots.length === 0 }, job.env);
  } catch (err) {
    store.repo.warnOnce(`warning: cannot remember the check's result: ${(err as Error).message} (set COFFER_STATE_DIR to a writable folder)`);
  }
  return { result, outcome };
}

/** Pack workers for a check served to a viewer: one core is left to the server. */
function viewerWorkers(): number {
  return Math.max(1, Math.min(2, os.availableParallelism() - 1));
}

/** Options of the Check operation beyond its request. */
export interface CheckOpOptions {
  /** For the state folder results are remembered in (an agent's: its data folder's state/). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

export async function* check(store: OpenStore, req: CheckRequest, ctx: CallContext, opts: CheckOpOptions = {}): AsyncGenerator<CheckEvent> {
  const env = opts.env ?? process.env;
  const { data, mode } = checkMode(req.mode);
  const snapshots: SnapshotRecord[] = [];
  for (const ref of req.snapshots) snapshots.push(await store.snapshot(ref));
  const pool = data.kind === 'none' ? undefined : new PackPool(store.repo.keys.data, store.repo.keys.id, viewerWorkers());
  yield* progressEvents<CheckRun, CheckEvent>(
    'check',
    (progress, signal) => runCheck(store, { data, mode, snapshots, progress, signal, env, ...(pool ? { pool } : {}) }),
    ctx.signal,
    { progress: (value) => ({ event: { $case: 'progress', value } }), result: (r) => ({ event: { $case: 'result', value: r.outcome } }) },
    async () => {
      await pool?.close();
    },
  );
}
