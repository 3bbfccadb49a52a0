/**
 * Recording check outcomes in the catalog (catalog/checks.ts), so stores and snapshots
 * show their last check and its age: the outcome of a console check (StoreService.Check
 * forwarded to an agent) and the result of every verify job that ran its check to the
 * end (a verify that failed before checking, e.g. an unreachable store, is no check
 * outcome and is not recorded).
 */
import { parseSummary } from '@coffer/shared/events.js';
import { JobState } from '@coffer/shared/gen/coffer/v1/common.js';
import type { CheckOutcome, CheckRequest, CheckSummary } from '@coffer/shared/gen/coffer/v1/store.js';
import type { Catalog } from '../catalog/catalog.js';
import type { JobRecord } from '../catalog/jobs.js';

/** Records a console check of `req.store`: the store's (a whole-store check) or each checked snapshot's. */
export function recordConsoleCheck(catalog: Catalog, req: CheckRequest, outcome: CheckOutcome, nowMs: number): void {
  const summary: CheckSummary = {
    timeMs: outcome.summary?.timeMs || nowMs,
    ok: outcome.ok,
    mode: outcome.summary?.mode || req.mode || 'fast',
    issues: outcome.summary?.issues ?? outcome.issues.length,
    damagedSnapshots: outcome.damagedSnapshots,
  };
  if (req.snapshots.length === 0) {
    catalog.checks.record(req.store, '', summary);
    return;
  }
  const known = catalog.snapshots.list(req.store).map((s) => s.id);
  const checked = new Set(known.filter((id) => req.snapshots.some((prefix) => id.startsWith(prefix))));
  for (const id of outcome.damagedSnapshots) checked.add(id);
  catalog.db.transaction(() => {
    for (const id of checked) {
      const damaged = outcome.damagedSnapshots.includes(id);
      catalog.checks.record(req.store, id, { ...summary, ok: !damaged && (outcome.ok || checked.size > 1), damagedSnapshots: damaged ? [id] : [] });
    }
  })();
}

/** Records a finished verify job's check (a dispatcher finished-listener). */
export function recordVerifyJob(catalog: Catalog, job: JobRecord): void {
  const s = job.spec.spec;
  if (s?.$case !== 'verify' || !job.result) return;
  const summary = parseSummary(job.result.summaryJson, 'check');
  if (!summary) return;
  const mode = s.value.fast ? 'fast' : s.value.readDataSubset || 'full';
  catalog.checks.record(job.store, '', { timeMs: job.finishedMs, ok: summary.ok && job.state === JobState.JOB_STATE_SUCCEEDED, mode, issues: summary.issues, damagedSnapshots: [] }, job.id);
}
