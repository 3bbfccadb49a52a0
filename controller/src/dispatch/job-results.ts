/** Small helpers of the dispatcher about job results. */
import { parseSummary } from '@coffer/shared/events.js';
import type { JobResult } from '@coffer/shared/gen/coffer/v1/common.js';

/** The snapshot ids a forget job's summary (its `forget --json` summary event) lists as forgotten. */
export function forgottenIds(summaryJson: string): readonly string[] {
  return parseSummary(summaryJson, 'forget')?.forgotten_ids ?? [];
}

/** The result of an attempt that failed on the controller's side (no report from the agent). */
export function failure(error: string, retryable: boolean): JobResult {
  return { ok: false, error, retryable, exitCode: 0, summaryJson: '', snapshot: undefined };
}
