/**
 * The two loads of a fleet run. Both submit backups through the API (RunJob) and time
 * each job from just before its RunJob call to the moment its agent received the
 * RunJob message (dispatch latency, end to end: API, catalog, dispatcher, stream).
 * - paced: jobs at a steady rate spread over the fleet, as schedules would start
 *   them; the latency the target is about.
 * - burst: many jobs as fast as the API takes them (a fixed number of calls in
 *   flight); throughput is jobs / (first submission to the last result acknowledged),
 *   every result being a JobDone the controller recorded as SUCCEEDED before it acked.
 * Each latency is then split, for a sample of jobs, with the times the controller
 * recorded (its clock has millisecond resolution): ingress (RunJob call to the job's
 * creation), queue (creation to its 'sent to' event), egress (that event to the agent).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { JobState } from '@coffer/shared/gen/coffer/v1/common.js';
import type { FleetApi } from './api.js';
import { nowMs } from './ipc.js';
import { sourceOf, storeOf, type FleetLayout } from './provision.js';
import { forEachLimited, percentiles, type Percentiles } from './stats.js';
import type { WorkerPool } from './worker-pool.js';

/** What one load measured. */
export interface LoadResult {
  readonly jobs: number;
  readonly latency: Percentiles;
  /** First submission to last API answer, seconds. */
  readonly submitS: number;
  /** First submission to last acknowledged result, seconds. */
  readonly completeS: number;
  readonly jobsPerS: number;
  readonly fromMs: number;
  readonly toMs: number;
  readonly split: LatencySplit;
}

/** Where dispatch latency goes, from a sample of jobs. */
export interface LatencySplit {
  readonly ingress: Percentiles;
  readonly queue: Percentiles;
  readonly egress: Percentiles;
}

/** Jobs per load whose history is read for the split. */
const SPLIT_SAMPLE = 200;

/** Agent of the i-th job among the connected ones: a stride through them, so consecutive jobs land on different agents. */
function agentOf(i: number, connected: readonly number[]): number {
  return connected[(i * 7919) % connected.length] ?? 0;
}

async function submit(api: FleetApi, f: FleetLayout, connected: readonly number[], i: number, submitted: Map<string, number>): Promise<void> {
  const a = agentOf(i, connected);
  const at = nowMs();
  const job = await api.runBackup(sourceOf(f, a), storeOf(f, a));
  submitted.set(job.id, at);
}

async function finish(api: FleetApi, pool: WorkerPool, submitted: Map<string, number>, t0: number, tSubmitted: number, timeoutMs: number, what: string): Promise<LoadResult> {
  await pool.waitUntil(() => [...submitted.keys()].every((id) => pool.acked.has(id)), timeoutMs, what);
  const latencies: number[] = [];
  let last = t0;
  for (const [id, at] of submitted) {
    const r = pool.received.get(id);
    if (r) latencies.push(r.atMs - at);
    last = Math.max(last, pool.acked.get(id) ?? 0);
  }
  const completeS = (last - t0) / 1000;
  const split = await splitLatency(api, pool, submitted);
  return { jobs: submitted.size, latency: percentiles(latencies), submitS: (tSubmitted - t0) / 1000, completeS, jobsPerS: submitted.size / completeS, fromMs: t0, toMs: last, split };
}

/** Splits the latency of up to SPLIT_SAMPLE jobs (evenly spread over the load) with the times in their history. */
async function splitLatency(api: FleetApi, pool: WorkerPool, submitted: ReadonlyMap<string, number>): Promise<LatencySplit> {
  const all = [...submitted];
  const step = Math.max(1, Math.floor(all.length / SPLIT_SAMPLE));
  const ingress: number[] = [];
  const queue: number[] = [];
  const egress: number[] = [];
  for (let i = 0; i < all.length; i += step) {
    const [id, at] = all[i] as [string, number];
    const job = await api.getJob(id);
    const sent = job.history.find((h) => h.state === JobState.JOB_STATE_DISPATCHED)?.timeMs;
    const got = pool.received.get(id)?.atMs;
    if (sent === undefined || got === undefined) continue;
    ingress.push(job.createdMs - at);
    queue.push(sent - job.createdMs);
    egress.push(got - sent);
  }
  return { ingress: percentiles(ingress), queue: percentiles(queue), egress: percentiles(egress) };
}

/** `jobs` backups at `ratePerS`, each submitted on its own timer whatever the previous one is doing. */
export async function pacedLoad(api: FleetApi, pool: WorkerPool, f: FleetLayout, connected: readonly number[], jobs: number, ratePerS: number, timeoutMs: number): Promise<LoadResult> {
  const submitted = new Map<string, number>();
  const t0 = nowMs();
  const calls: Promise<void>[] = [];
  for (let i = 0; i < jobs; i++) {
    const wait = t0 + (i * 1000) / ratePerS - nowMs();
    if (wait > 0) await sleep(wait);
    calls.push(submit(api, f, connected, i, submitted));
  }
  await Promise.all(calls);
  return finish(api, pool, submitted, t0, nowMs(), timeoutMs, `the ${jobs} paced jobs to finish`);
}

/** `jobs` backups with `inflight` RunJob calls outstanding at all times. */
export async function burstLoad(api: FleetApi, pool: WorkerPool, f: FleetLayout, connected: readonly number[], jobs: number, inflight: number, timeoutMs: number): Promise<LoadResult> {
  const submitted = new Map<string, number>();
  const t0 = nowMs();
  await forEachLimited(jobs, inflight, (i) => submit(api, f, connected, i, submitted));
  return finish(api, pool, submitted, t0, nowMs(), timeoutMs, `the ${jobs} burst jobs to finish`);
}
