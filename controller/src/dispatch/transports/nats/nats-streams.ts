/**
 * The controller's JetStream set-up: the jobs and results streams (WorkQueue retention,
 * file storage, 2-minute dedup window), the controller's results consumer and one
 * durable pull consumer per NATS agent (max_ack_pending = its job limit, explicit acks,
 * AckWait JOB_ACK_WAIT_MS, MaxDeliver JOB_MAX_DELIVER). Idempotent: existing streams
 * and consumers are kept and, when their limits differ, updated. Only features of
 * nats-server 2.9 are used (no multiple filter subjects, no per-message TTL);
 * `checkServerVersion` refuses older servers.
 */
import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { JOB_ACK_WAIT_MS, JOB_MAX_DELIVER, JOBS_STREAM, RESULTS_CONSUMER, RESULTS_STREAM, jobConsumer, jobsSubject, type AgentAddress } from '@coffer/shared/nats/subjects.js';

/** The oldest server the transport supports. */
export const MIN_SERVER: readonly [number, number] = [2, 9];

/** Throws a Config error when `version` (e.g. "2.9.10") is older than MIN_SERVER. */
export function checkServerVersion(version: string | undefined): void {
  const [maj = 0, min = 0] = (version ?? '').split('.').map((n) => Number.parseInt(n, 10));
  if (maj > MIN_SERVER[0] || (maj === MIN_SERVER[0] && min >= MIN_SERVER[1])) return;
  throw new CofferError(ErrorCode.Config, `nats-server ${version ?? '(unknown)'} is too old for the NATS transport; use ${MIN_SERVER.join('.')} or newer with JetStream (-js)`);
}

/** Creates a stream, or adds the subjects it lacks. */
async function ensureStream(jsm: JetStreamManager, name: string, subjects: string[]): Promise<void> {
  let have: string[] | undefined;
  try {
    have = (await jsm.streams.info(name)).config.subjects ?? [];
  } catch {
    await jsm.streams.add({ name, subjects, retention: RetentionPolicy.Workqueue, storage: StorageType.File, duplicate_window: nanos(120_000), num_replicas: 1 });
    return;
  }
  const missing = subjects.filter((s) => !have.includes(s) && !have.includes(s.replace(/\.[^.]+\.\*$/, '.>')));
  if (missing.length > 0) await jsm.streams.update(name, { subjects: [...have, ...missing] });
}

/**
 * Creates the streams and the results consumer when missing. `sites` undefined: every
 * site (`coffer.jobs.>`); otherwise only these sites' subjects, so that a stream here
 * never captures the subjects of a site whose leaf node keeps its own streams.
 */
export async function ensureStreams(jsm: JetStreamManager, sites?: readonly string[]): Promise<void> {
  const of = (kind: string): string[] => (sites ? sites.map((s) => `coffer.${kind}.${s}.*`) : [`coffer.${kind}.>`]);
  await ensureStream(jsm, JOBS_STREAM, of('jobs'));
  await ensureStream(jsm, RESULTS_STREAM, of('results'));
  try {
    await jsm.consumers.info(RESULTS_STREAM, RESULTS_CONSUMER);
  } catch {
    await jsm.consumers.add(RESULTS_STREAM, { durable_name: RESULTS_CONSUMER, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: nanos(30_000), max_ack_pending: 1000 });
  }
}

/** Creates (or adjusts) the job consumer of an agent. */
export async function ensureAgentConsumer(jsm: JetStreamManager, a: AgentAddress, maxJobs: number, ackWaitMs = JOB_ACK_WAIT_MS): Promise<void> {
  const name = jobConsumer(a.agentId);
  const limit = Math.max(1, maxJobs);
  try {
    const info = await jsm.consumers.info(JOBS_STREAM, name);
    if (info.config.max_ack_pending !== limit || info.config.filter_subject !== jobsSubject(a)) {
      if (info.config.filter_subject !== jobsSubject(a)) {
        await jsm.consumers.delete(JOBS_STREAM, name);
        throw new Error('re-create');
      }
      await jsm.consumers.update(JOBS_STREAM, name, { max_ack_pending: limit });
    }
  } catch {
    await jsm.consumers.add(JOBS_STREAM, {
      durable_name: name,
      filter_subject: jobsSubject(a),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(ackWaitMs),
      max_deliver: JOB_MAX_DELIVER,
      max_ack_pending: limit,
    });
  }
}

/** Deletes an agent's job consumer (revocation); missing is fine. */
export async function dropAgentConsumer(jsm: JetStreamManager, agentId: string): Promise<void> {
  await jsm.consumers.delete(JOBS_STREAM, jobConsumer(agentId)).catch(() => false);
}
