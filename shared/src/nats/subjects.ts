/**
 * The NATS layout both sides of the NATS transport agree on (docs/architecture.md):
 * - `coffer.jobs.<site>.<agent>`: RunJob, stream COFFER_JOBS (WorkQueue, file storage),
 *   one durable pull consumer per agent (`agent-<agent>`), Nats-Msg-Id `<job>.<attempt>`;
 * - `coffer.results.<site>.<agent>`: JobDone, stream COFFER_RESULTS (WorkQueue), read by
 *   the controller's durable consumer `controller`;
 * - `coffer.up.<site>.<agent>`: the agent's other messages (core NATS); Hello and
 *   Heartbeat are requests whose reply says whether the controller knows the session;
 * - `coffer.down.<site>.<agent>`: the controller's messages other than jobs (core NATS).
 * `<agent>` is the agent's catalog id (hex), `<site>` its sanitized site label. Names
 * here are pure functions: the same inputs always give the same subjects.
 */

export const JOBS_STREAM = 'COFFER_JOBS';
export const RESULTS_STREAM = 'COFFER_RESULTS';
export const RESULTS_CONSUMER = 'controller';
/** How long an agent may hold a job without `working()` before it is redelivered. */
export const JOB_ACK_WAIT_MS = 60_000;
/** Deliveries of one job message before the server gives up (MAX_DELIVERIES advisory). */
export const JOB_MAX_DELIVER = 20;
/** The reply to a Hello or Heartbeat request: the controller knows (or not) the session. */
export const REPLY_KNOWN = 'known';
export const REPLY_UNKNOWN = 'unknown';
/** The default site of an agent without a `site` label. */
export const DEFAULT_SITE = 'default';

/** A site label as one subject token: letters, digits, '_' and '-' (others become '_'). */
export function siteToken(site: string | undefined): string {
  const s = (site ?? '').replace(/[^A-Za-z0-9_-]/g, '_');
  return s === '' ? DEFAULT_SITE : s;
}

/** An agent's place in the layout. */
export interface AgentAddress {
  readonly site: string;
  readonly agentId: string;
}

export const jobsSubject = (a: AgentAddress): string => `coffer.jobs.${a.site}.${a.agentId}`;
export const resultsSubject = (a: AgentAddress): string => `coffer.results.${a.site}.${a.agentId}`;
export const upSubject = (a: AgentAddress): string => `coffer.up.${a.site}.${a.agentId}`;
export const downSubject = (a: AgentAddress): string => `coffer.down.${a.site}.${a.agentId}`;
export const jobConsumer = (agentId: string): string => `agent-${agentId}`;
/** The inbox prefix of an agent's connection (its replies never reach another agent). */
export const agentInbox = (agentId: string): string => `_INBOX_${agentId}`;
/** The message id that makes a job's publication idempotent. */
export const jobMsgId = (jobId: string, attempt: number): string => `${jobId}.${attempt}`;

/** The address in a subject `coffer.<kind>.<site>.<agent>`, or undefined. */
export function addressOf(subject: string): AgentAddress | undefined {
  const p = subject.split('.');
  if (p.length !== 4 || p[0] !== 'coffer' || !p[2] || !p[3]) return undefined;
  return { site: p[2], agentId: p[3] };
}

/**
 * The server permissions of an agent's NATS user: it consumes only its own jobs and
 * publishes only its own results and messages. JetStream API subjects are those the
 * nats.js pull consumer and publisher use.
 */
export function agentPermissions(a: AgentAddress): { publish: string[]; subscribe: string[] } {
  const c = jobConsumer(a.agentId);
  return {
    publish: [
      upSubject(a),
      resultsSubject(a),
      `$JS.API.CONSUMER.INFO.${JOBS_STREAM}.${c}`,
      `$JS.API.CONSUMER.MSG.NEXT.${JOBS_STREAM}.${c}`,
      `$JS.ACK.${JOBS_STREAM}.${c}.>`,
    ],
    subscribe: [downSubject(a), `${agentInbox(a.agentId)}.>`],
  };
}
