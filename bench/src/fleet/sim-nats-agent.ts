/**
 * One simulated agent over NATS for `bench:fleet --transport nats`: the real agent's own
 * code for the wire: `enroll` (agent/src/fleet/enroll.ts: a P-256 key and CSR, a fresh
 * NKey user and box key pair, Enroll with transport nats, the identity saved in a data
 * folder of its own) and `NatsPort` (agent/src/fleet/channel/nats-port.ts: its own NATS
 * connection with its own NKey, Hello and heartbeats as requests on its up subject,
 * controller messages on its down subject, jobs pulled from its own durable consumer).
 * No work is done: each RunJob is answered at once with JobUpdate RUNNING and JobDone
 * SUCCEEDED with a snapshot summary (published to the results stream), and its delivery
 * acked once the result is stored, as the real agent does. Before its Welcome a lost
 * session is opened again with the real agent's backoff (1 s doubling to 30 s, with
 * jitter; a busy nats-server refuses logins with "Authentication Timeout"), until the
 * connect time limit; after its Welcome a lost session is reported and counted, never
 * reopened.
 */
import { join } from 'node:path';
import type { AgentMessage, ControllerMessage, RunJob } from '@coffer/shared/gen/coffer/v1/agent.js';
import type { AgentIdentity } from '@coffer/agent/fleet/agent-files.js';
import { enroll } from '@coffer/agent/fleet/enroll.js';
import { NatsPort } from '@coffer/agent/fleet/channel/nats-port.js';
import type { JobDelivery } from '@coffer/agent/fleet/channel/controller-port.js';
import { nowMs } from './ipc.js';
import { simJobMessages, type SimAgentEvents } from './sim-agent.js';

/** The real agent's reconnection backoff (agent-session.ts defaults). */
const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

/** A simulated NATS agent. */
export class SimNatsAgent {
  private identity: AgentIdentity | undefined;
  private port: NatsPort | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    readonly name: string,
    private readonly controller: string,
    private readonly caFile: string,
    private readonly dataRoot: string,
    private readonly events: SimAgentEvents,
  ) {}

  /** Enrolls with `token` and transport nats; resolves with the milliseconds it took. */
  async enroll(token: string): Promise<number> {
    const t0 = nowMs();
    this.identity = await enroll({ controller: this.controller, token, name: this.name, dataDir: join(this.dataRoot, this.name), caFile: this.caFile, labels: { bench: 'fleet' }, transport: 'nats' });
    return nowMs() - t0;
  }

  /** Opens the NATS session and says Hello; resolves at the Welcome, rejects when the session is lost first or after `timeoutMs`. */
  connect(maxJobs: number, timeoutMs: number): Promise<void> {
    const id = this.identity;
    if (!id) return Promise.reject(new Error(`${this.name} is not enrolled`));
    const port = new NatsPort(id, () => undefined);
    this.port = port;
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      let welcomed = false;
      let backoff = MIN_BACKOFF_MS;
      let attempts = 1;
      const timer = setTimeout(() => fail(`no Welcome in time (${attempts} attempts)`), timeoutMs);
      const fail = (why: string): void => {
        clearInterval(this.heartbeat);
        if (welcomed) {
          clearTimeout(timer);
          if (!this.closing) this.events.lost(this.name, why);
          return;
        }
        const delay = Math.round(backoff * (0.5 + Math.random()));
        if (this.closing || Date.now() + delay >= deadline) {
          clearTimeout(timer);
          welcomed = true;
          reject(new Error(`${why} (${attempts} attempts)`));
          return;
        }
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        setTimeout(() => {
          if (welcomed || this.closing) return;
          attempts++;
          open();
        }, delay).unref();
      };
      const open = (): void => {
        port.open(handlers);
        this.send({ msg: { $case: 'hello', value: { version: 'fleet-bench', hostname: this.name, labels: { bench: 'fleet' }, maxJobs, runningJobIds: [], localPassphraseStores: [] } } });
      };
      const handlers = {
        message: (m: ControllerMessage, delivery?: JobDelivery) => {
          if (m.msg?.$case === 'welcome' && !welcomed) {
            welcomed = true;
            clearTimeout(timer);
            this.startHeartbeat(m.msg.value.heartbeatSeconds);
            resolve();
          } else if (m.msg?.$case === 'run') void this.run(m.msg.value, delivery);
          else if (m.msg?.$case === 'ack') this.events.ack(m.msg.value.jobId, nowMs());
        },
        lost: (why: string) => fail(why),
      };
      open();
    });
  }

  private send(msg: AgentMessage): void {
    this.port?.send(msg);
  }

  private startHeartbeat(seconds: number): void {
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => this.send({ msg: { $case: 'heartbeat', value: { timeMs: Date.now() } } }), Math.max(1, seconds) * 1000);
  }

  /** Answers a job at once: RUNNING, then SUCCEEDED; acks its delivery once the result is stored. */
  private async run(job: RunJob, delivery: JobDelivery | undefined): Promise<void> {
    const at = nowMs();
    this.events.run(job.jobId, this.name, at);
    const { update, done } = simJobMessages(job, this.name, at);
    this.send(update);
    try {
      if (done.msg?.$case === 'done') await this.port?.sendResult(done.msg.value);
      await delivery?.ack();
    } catch (err) {
      if (!this.closing) this.events.lost(this.name, `cannot deliver the result of ${job.jobId}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Ends the session and closes the connection. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    await this.port?.close();
  }
}
