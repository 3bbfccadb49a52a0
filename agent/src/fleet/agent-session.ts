/**
 * `coffer agent start`: the agent's side of the fleet. Keeps one mutual-TLS gRPC stream
 * to the controller (dialled out; reconnects with backoff and jitter), says Hello
 * (version, host, labels, job limit, every job it still knows, the stores whose
 * passphrase it keeps), sends heartbeats, runs the jobs it receives as coffer child
 * processes (jobs/run-job.ts), streams their progress and log lines, and delivers each
 * result from the durable outbox until the controller acknowledges it, so a result
 * survives a dropped stream, a controller restart or an agent restart. Jobs keep
 * running while the stream is down. It answers the controller's StoreCalls (console
 * browsing) on stores kept open for a while (store-calls.ts); those stop with the
 * stream. Nothing secret is logged.
 */
import os from 'node:os';
import path from 'node:path';
import { Metadata, type ClientDuplexStream } from '@grpc/grpc-js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { AgentServiceClient, type AgentMessage, type ControllerMessage, type RunJob } from '@coffer/shared/gen/coffer/v1/agent.js';
import { JobState } from '@coffer/shared/gen/coffer/v1/common.js';
import { channelCredentials } from '@coffer/shared/pki/channel-credentials.js';
import { VERSION } from '@coffer/shared/version.js';
import { createLocalPassphrases, Outbox, recoverInterruptedJobs, runJob } from '../jobs/index.js';
import { JOB_STATE_DIR } from '../jobs/run-job.js';
import { StoreSessionCache } from '../ops/store-session-cache.js';
import { StoreCalls } from './store-calls.js';
import type { AgentIdentity } from './agent-files.js';
import { grpcFailure } from './grpc-errors.js';

/** Options of the session. */
export interface AgentSessionOptions {
  /** Path of bin/coffer.js for the job processes. */
  readonly cofferBin: string;
  /** One line per event (JSON). */
  readonly log: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  /** First reconnect delay. @default 1000 */
  readonly minBackoffMs?: number;
  /** @default 30000 */
  readonly maxBackoffMs?: number;
}

/** A running agent. */
export class AgentSession {
  private readonly client: AgentServiceClient;
  private readonly outbox: Outbox;
  private readonly passphrases;
  private readonly running = new Map<string, AbortController>();
  private stream: ClientDuplexStream<AgentMessage, ControllerMessage> | undefined;
  private stopped = false;
  private backoff: number;
  private heartbeat: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly lastProgress = new Map<string, number>();
  private readonly storeSessions = new StoreSessionCache();
  private readonly storeCalls: StoreCalls;

  constructor(
    private readonly id: AgentIdentity,
    private readonly opts: AgentSessionOptions,
  ) {
    this.client = new AgentServiceClient(id.controller, channelCredentials(id.caPem, id.certPem, id.keyPem), {
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
    });
    this.outbox = new Outbox(id.dataDir);
    this.passphrases = createLocalPassphrases(id.dataDir);
    this.backoff = opts.minBackoffMs ?? 1000;
    this.storeCalls = new StoreCalls({
      send: (value) => this.sendPaced({ msg: { $case: 'storeReply', value } }),
      cache: this.storeSessions,
      passphrases: this.passphrases,
      stateEnv: { COFFER_STATE_DIR: path.resolve(id.dataDir, JOB_STATE_DIR) },
      log: opts.log,
    });
  }

  /** Recovers jobs a previous run left behind, then connects (and keeps reconnecting). */
  async start(): Promise<void> {
    const recovered = await recoverInterruptedJobs(this.id.dataDir);
    for (const d of recovered) this.opts.log('warn', 'a job was interrupted when the agent stopped; reporting it as failed', { job: d.jobId });
    this.connect();
  }

  private send(msg: AgentMessage): void {
    this.stream?.write(msg);
  }

  /** Sends, then waits until the stream takes more (drain), or is gone. */
  private sendPaced(msg: AgentMessage): Promise<void> {
    const stream = this.stream;
    if (!stream || stream.write(msg)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        for (const e of ['drain', 'error', 'end', 'close']) stream.off(e, done);
        resolve();
      };
      for (const e of ['drain', 'error', 'end', 'close']) stream.once(e, done);
    });
  }

  private connect(): void {
    if (this.stopped) return;
    const stream = this.client.connect(new Metadata());
    this.stream = stream;
    let welcomed = false;
    stream.on('data', (m: ControllerMessage) => {
      if (!welcomed && m.msg?.$case === 'welcome') {
        welcomed = true;
        this.backoff = this.opts.minBackoffMs ?? 1000;
        this.opts.log('info', 'connected to the controller', { controller: this.id.controller });
      }
      this.onMessage(m);
    });
    const lost = (why: string): void => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      clearInterval(this.heartbeat);
      this.storeCalls.cancelAll();
      if (this.stopped) return;
      const delay = Math.round(this.backoff * (0.5 + Math.random()));
      this.backoff = Math.min(this.backoff * 2, this.opts.maxBackoffMs ?? 30_000);
      this.opts.log('warn', `controller connection lost (${why}); reconnecting in ${(delay / 1000).toFixed(1)} s`, { controller: this.id.controller });
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    };
    stream.on('error', (err) => lost(grpcFailure(err, this.id.controller).message));
    stream.on('end', () => lost('the controller closed the stream'));
    void this.hello();
  }

  /** The stores whose passphrase this agent keeps; a broken passphrases.json is logged, not fatal. */
  private localStores(): string[] {
    try {
      return this.passphrases.names();
    } catch (err) {
      this.opts.log('error', `ignoring the agent's passphrases: ${CofferError.from(err).message}`);
      return [];
    }
  }

  private async hello(): Promise<void> {
    const done = await this.outbox.list().catch((err: unknown) => {
      this.opts.log('error', `cannot read the outbox: ${CofferError.from(err).message}`);
      return [];
    });
    const known = new Set([...this.running.keys(), ...done.map((d) => d.jobId)]);
    this.send({
      msg: {
        $case: 'hello',
        value: {
          version: VERSION,
          hostname: os.hostname(),
          labels: this.id.labels,
          maxJobs: this.id.maxJobs,
          runningJobIds: [...known],
          localPassphraseStores: this.localStores(),
        },
      },
    });
    for (const d of done) this.send({ msg: { $case: 'done', value: d } });
  }

  private onMessage(m: ControllerMessage): void {
    switch (m.msg?.$case) {
      case 'welcome':
        clearInterval(this.heartbeat);
        this.heartbeat = setInterval(() => this.send({ msg: { $case: 'heartbeat', value: { timeMs: Date.now() } } }), Math.max(1, m.msg.value.heartbeatSeconds) * 1000);
        this.heartbeat.unref();
        for (const id of m.msg.value.cancelJobIds) this.running.get(id)?.abort();
        break;
      case 'run':
        void this.runOne(m.msg.value);
        break;
      case 'cancel':
        this.running.get(m.msg.value.jobId)?.abort();
        break;
      case 'storeCall':
        this.storeCalls.handle(m.msg.value).catch((err: unknown) => this.opts.log('error', `store call failed: ${CofferError.from(err).message}`));
        break;
      case 'storeCancel':
        this.storeCalls.cancel(m.msg.value.callId);
        break;
      case 'ack': {
        const jobId = m.msg.value.jobId;
        void this.outbox.ack(jobId).catch((err: unknown) => this.opts.log('error', `cannot clear the outbox entry of job ${jobId}: ${CofferError.from(err).message}`));
        break;
      }
      default:
        break;
    }
  }

  private async runOne(run: RunJob): Promise<void> {
    if (this.running.has(run.jobId)) return;
    // The controller sends a job again only once it has settled the earlier attempt, so a
    // result of this job still in the outbox is that attempt's (its acknowledgement may be
    // on the way): drop it, or it would be delivered again as the new attempt's result.
    if (await this.outbox.get(run.jobId)) await this.outbox.ack(run.jobId);
    const ac = new AbortController();
    this.running.set(run.jobId, ac);
    this.opts.log('info', 'job started', { job: run.jobId, kind: run.kind, attempt: run.attempt });
    this.send({ msg: { $case: 'update', value: { jobId: run.jobId, state: JobState.JOB_STATE_RUNNING, progress: undefined } } });
    try {
      const outcome = await runJob(run, {
        workDir: this.id.dataDir,
        cofferBin: this.opts.cofferBin,
        signal: ac.signal,
        localPassphrase: (store) => this.passphrases.localPassphrase(store),
        onProgress: (p) => {
          const now = Date.now();
          if (now - (this.lastProgress.get(run.jobId) ?? 0) < 1000) return;
          this.lastProgress.set(run.jobId, now);
          this.send({ msg: { $case: 'update', value: { jobId: run.jobId, state: JobState.JOB_STATE_RUNNING, progress: p } } });
        },
        onLog: (line) => this.send({ msg: { $case: 'log', value: { jobId: run.jobId, line } } }),
      });
      this.opts.log(outcome.result.ok ? 'info' : 'warn', 'job finished', { job: run.jobId, state: JobState[outcome.state], error: outcome.result.error || undefined });
      this.send({ msg: { $case: 'done', value: { jobId: run.jobId, state: outcome.state, result: outcome.result } } });
    } finally {
      this.running.delete(run.jobId);
      this.lastProgress.delete(run.jobId);
    }
  }

  /**
   * Stops: running jobs are interrupted (SIGINT; the store stays valid) and reported as
   * failed and retryable, not cancelled, so the controller runs them again; their results
   * wait in the outbox for the next start. Then disconnects.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeat);
    for (const ac of this.running.values()) ac.abort(new CofferError(ErrorCode.Retryable, `agent ${this.id.name} stopped while the job ran`));
    this.storeCalls.cancelAll();
    for (let i = 0; i < 300 && this.running.size > 0; i++) await new Promise((r) => setTimeout(r, 100));
    await this.storeSessions.closeAll();
    this.stream?.end();
    this.client.close();
  }
}
