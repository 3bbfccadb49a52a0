/**
 * A dispatched job whose message never reached the agent's queue (a NATS site's link was
 * down when it was published) goes back to the queue with its attempt given back: the
 * next send reuses the number (and so the Nats-Msg-Id, which the server deduplicates if
 * the message was stored after all). Only the job's current attempt on that agent, while
 * still DISPATCHED, is moved; anything else is left alone.
 */
import { JobState } from '@coffer/shared/gen/coffer/v1/common.js';
import type { Catalog } from '../catalog/catalog.js';

/** Moves the job back to QUEUED; says whether it did. */
export function requeueUndelivered(catalog: Catalog, nowMs: number, agentName: string, jobId: string, attempt: number, why: string): boolean {
  const job = catalog.jobs.current(jobId);
  if (!job || job.agent !== agentName || job.attempt !== attempt) return false;
  const note = `not delivered to ${agentName} (${why}); attempt ${attempt} is not counted and the job waits for the agent`;
  return catalog.jobs.transition(jobId, [JobState.JOB_STATE_DISPATCHED], JobState.JOB_STATE_QUEUED, nowMs, note, { attempt: attempt - 1 });
}
