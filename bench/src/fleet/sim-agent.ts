/**
 * One simulated agent for the fleet benchmark: the real protocol (Enroll with a fresh
 * P-256 key and CSR, then one Connect stream over mutual TLS with the issued
 * certificate, Hello, heartbeats at the controller's pace), but no work: each RunJob
 * is answered at once with JobUpdate RUNNING and JobDone SUCCEEDED carrying a small
 * snapshot summary. Every agent has its own gRPC channel (local subchannel pool), so
 * each is its own TCP + TLS connection, as on a real fleet. The agent never reconnects:
 * a lost stream is reported and counted.
 */
import { randomBytes } from 'node:crypto';
import { Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { AgentServiceClient, type AgentMessage, type ControllerMessage, type RunJob } from '@coffer/shared/gen/coffer/v1/agent.js';
import { JobState } from '@coffer/shared/gen/coffer/v1/common.js';
import { channelCredentials, createKeyAndCsr } from '@coffer/shared/pki/index.js';
import { nowMs } from './ipc.js';

/** What the agent reports to its worker. */
export interface SimAgentEvents {
  /** A RunJob arrived (before the agent answers it). */
  run(jobId: string, agent: string, atMs: number): void;
  /** The controller acknowledged a JobDone. */
  ack(jobId: string, atMs: number): void;
  /** The stream ended after it was welcomed. */
  lost(agent: string, why: string): void;
}

/** A simulated agent's answer to `job` (received at `at`): JobUpdate RUNNING, then JobDone SUCCEEDED with a small snapshot summary. */
export function simJobMessages(job: RunJob, host: string, at: number): { update: AgentMessage; done: AgentMessage } {
  const snapshot = {
    id: randomBytes(16).toString('hex'),
    store: job.store?.name ?? '',
    source: job.source?.name ?? '',
    host,
    timeMs: Math.round(at),
    tags: [],
    paths: ['/srv/data'],
    files: 100,
    bytes: 1 << 20,
    addedBytes: 4096,
  };
  const result = { ok: true, error: '', retryable: false, exitCode: 0, snapshot, summaryJson: '{"files":100}' };
  return {
    update: { msg: { $case: 'update', value: { jobId: job.jobId, state: JobState.JOB_STATE_RUNNING, progress: undefined } } },
    done: { msg: { $case: 'done', value: { jobId: job.jobId, state: JobState.JOB_STATE_SUCCEEDED, result } } },
  };
}

/** Channel options: a channel of its own per agent (grpc-js would otherwise share one HTTP/2 connection). */
const CHANNEL_OPTIONS = {
  'grpc.use_local_subchannel_pool': 1,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
} as const;

const RPC_TIMEOUT_MS = 60_000;

function describe(err: unknown): string {
  const e = err as Partial<ServiceError>;
  return e.details ?? (err instanceof Error ? err.message : String(err));
}

/** A simulated agent. */
export class SimAgent {
  private identity: { certPem: string; keyPem: string } | undefined;
  private client: AgentServiceClient | undefined;
  private stream: ClientDuplexStream<AgentMessage, ControllerMessage> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    readonly name: string,
    private readonly controller: string,
    private readonly caPem: string,
    private readonly events: SimAgentEvents,
  ) {}

  /** Makes a key and CSR and enrolls with `token` on a channel of its own; resolves with the milliseconds it took. */
  async enroll(token: string): Promise<number> {
    const t0 = nowMs();
    const { keyPem, csrPem } = await createKeyAndCsr(this.name);
    const client = new AgentServiceClient(this.controller, channelCredentials(this.caPem), CHANNEL_OPTIONS);
    try {
      const res = await new Promise<{ certificatePem: string }>((resolve, reject) => {
        client.enroll({ token, name: this.name, csrPem, transport: '', natsPublicKey: '', boxPublicKey: '', site: '' }, new Metadata(), { deadline: Date.now() + RPC_TIMEOUT_MS }, (err, r) => (err ? reject(new Error(describe(err))) : resolve(r)));
      });
      this.identity = { certPem: res.certificatePem, keyPem };
    } finally {
      client.close();
    }
    return nowMs() - t0;
  }

  /** Opens the session and says Hello; resolves at the Welcome, rejects when the stream fails first or after `timeoutMs`. */
  connect(maxJobs: number, timeoutMs: number): Promise<void> {
    if (!this.identity) return Promise.reject(new Error(`${this.name} is not enrolled`));
    const client = new AgentServiceClient(this.controller, channelCredentials(this.caPem, this.identity.certPem, this.identity.keyPem), CHANNEL_OPTIONS);
    this.client = client;
    const stream = client.connect(new Metadata());
    this.stream = stream;
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
      stream.on('data', (m: ControllerMessage) => {
        if (m.msg?.$case === 'welcome' && !welcomed) {
          welcomed = true;
          clearTimeout(timer);
          this.startHeartbeat(m.msg.value.heartbeatSeconds);
          resolve();
        } else this.onMessage(m);
      });
      stream.on('error', (err) => fail(describe(err)));
      stream.on('end', () => fail('the controller closed the stream'));
      this.send({ msg: { $case: 'hello', value: { version: 'fleet-bench', hostname: this.name, labels: { bench: 'fleet' }, maxJobs, runningJobIds: [], localPassphraseStores: [] } } });
    });
  }

  private send(msg: AgentMessage): void {
    this.stream?.write(msg);
  }

  private startHeartbeat(seconds: number): void {
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => this.send({ msg: { $case: 'heartbeat', value: { timeMs: Date.now() } } }), Math.max(1, seconds) * 1000);
  }

  private onMessage(m: ControllerMessage): void {
    if (m.msg?.$case === 'run') this.run(m.msg.value);
    else if (m.msg?.$case === 'ack') this.events.ack(m.msg.value.jobId, nowMs());
  }

  /** Answers a job at once: RUNNING, then SUCCEEDED with a snapshot summary. */
  private run(job: RunJob): void {
    const at = nowMs();
    this.events.run(job.jobId, this.name, at);
    const { update, done } = simJobMessages(job, this.name, at);
    this.send(update);
    this.send(done);
  }

  /** Ends the stream and closes the channel. */
  close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    this.stream?.end();
    this.client?.close();
    return Promise.resolve();
  }
}
