/**
 * One simulated agent over NATS for `bench:fleet --transport nats`: the real agent's own
 * code for the wire: `enroll` (agent/src/fleet/enroll.ts: a P-256 key and CSR, a fresh
 * NKey user and box key pair, Enroll with transport nats, the identity saved in a data
 * folder of its own) and `NatsPort` (agent/src/fleet/channel/nats-port.ts: its own NATS
 * connection with its own NKey, Hello and heartbeats as requests on its up subject,
 * controller messages on its down subject, jobs pulled from its own durable consumer).
 * No work is done: each RunJob is answered at once with JobUpdate RUNNING and JobDone
 * SUCCEEDED with a snapshot summary (published to the results stream), and its delivery
 * acked once the result is stored, as the real agent does. A lost session is reported
 * and counted, never reopened.
 */
import { join } from 'node:path';
import type { AgentMessage, ControllerMessage, RunJob } from '@coffer/shared/gen/coffer/v1/agent.js';
import type { AgentIdentity } from '@coffer/agent/fleet/agent-files.js';
import { enroll } from '@coffer/agent/fleet/enroll.js';
import { NatsPort } from '@coffer/agent/fleet/channel/nats-port.js';
import type { JobDelivery } from '@coffer/agent/fleet/channel/controller-port.js';
import { nowMs } from './ipc.js';
import { simJobMessages, type SimAgentEvents } from './sim-agent.js';

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
    return new Promise((resolve, reject) => {
      let welcomed = false;
      const timer = setTimeout(() => fail('no Welcome in time'), timeoutMs);
      const fail = (why: string): void => {
        clearTimeout(timer);
        clearInterval(this.heartbeat);
        if (welcomed) {
          if (!this.closing) this.events.lost(this.name, why);
        } else {
          welcomed = true;
          reject(new Error(why));
        }
      };
      port.open({
        message: (m: ControllerMessage, delivery?: JobDelivery) => {
          if (m.msg?.$case === 'welcome' && !welcomed) {
            welcomed = true;
            clearTimeout(timer);
            this.startHeartbeat(m.msg.value.heartbeatSeconds);
            resolve();
          } else if (m.msg?.$case === 'run') void this.run(m.msg.value, delivery);
          else if (m.msg?.$case === 'ack') this.events.ack(m.msg.value.jobId, nowMs());
        },
        lost: (why) => fail(why),
      });
      this.send({ msg: { $case: 'hello', value: { version: 'fleet-bench', hostname: this.name, labels: { bench: 'fleet' }, maxJobs, runningJobIds: [], localPassphraseStores: [] } } });
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
