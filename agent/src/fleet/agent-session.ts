/**
 * `coffer agent start`: the agent's side of the fleet, over any ControllerPort (gRPC
 * stream or NATS, channel/). Keeps one session with the controller (dialled out;
 * reconnects with backoff and jitter), says Hello
 * (version, host, labels, job limit, every job it still knows, the stores whose
 * passphrase it keeps), sends heartbeats, runs the jobs it receives as coffer child
 * processes (jobs/run-job.ts), streams their progress and log lines, and delivers each
 * result from the durable outbox until the controller acknowledges it, so a result
 * survives a dropped stream, a controller restart or an agent restart. Jobs keep
 * running while the stream is down. It answers the controller's StoreCalls (console
 * browsing) on stores kept open for a while (store-calls.ts); those stop with the
 * stream. A job from a durable queue (NATS) is run once per attempt (JobLedger): a
 * delivery of an attempt running here keeps it alive (`working`), one already run is
 * acked after its result is sent again, an older attempt is terminated; a running job
 * calls `working()` as often as its delivery asks, and its delivery is acked only once its
 * result is persisted. Nothing secret is logged.
 */
import os from 'node:os';
import path from 'node:path';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { AgentMessage, ControllerMessage, JobDone, RunJob } from '@coffer/shared/gen/coffer/v1/agent.js';
import { JobState } from '@coffer/shared/gen/coffer/v1/common.js';
import { VERSION } from '@coffer/shared/version.js';
import { createLocalPassphrases, Outbox, recoverInterruptedJobs, runJob } from '../jobs/index.js';
import { JOB_STATE_DIR } from '../jobs/run-job.js';
import { StoreSessionCache } from '../ops/store-session-cache.js';
import { StoreCalls } from './store-calls.js';
import type { AgentIdentity } from './agent-files.js';
import type { ControllerPort, JobDelivery } from './channel/controller-port.js';
import { GrpcPort } from './channel/grpc-port.js';
import { NatsPort } from './channel/nats-port.js';
import { JobLedger } from './job-ledger.js';

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
  /** The port to the controller; default: from the enrollment's transport. */
  readonly port?: ControllerPort;
}

/** A running agent. */
export class AgentSession {
  private readonly port: ControllerPort;
  private readonly outbox: Outbox;
  private readonly passphrases;
  private readonly ledger: JobLedger;
  private readonly running = new Map<string, AbortController>();
  /** The queue deliveries of each running job (NATS): more than one when it was delivered again. */
  private readonly deliveries = new Map<string, JobDelivery[]>();
  private connected = false;
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
    this.port = opts.port ?? (id.transport === 'nats' ? new NatsPort(id, opts.log) : new GrpcPort(id));
    this.ledger = new JobLedger(id.dataDir);
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
    if (this.connected) this.port.send(msg);
  }

  private sendPaced(msg: AgentMessage): Promise<void> {
    return this.connected ? this.port.sendPaced(msg) : Promise.resolve();
  }

  private connect(): void {
    if (this.stopped) return;
    let welcomed = false;
    let ended = false;
    this.connected = true;
    this.port.open({
      message: (m, delivery) => {
        if (ended) {
          // A queued job still runs while the session is down (its result waits in the outbox).
          if (delivery && m.msg?.$case === 'run') this.onMessage(m, delivery);
          return;
        }
        if (!welcomed && m.msg?.$case === 'welcome') {
          welcomed = true;
          this.backoff = this.opts.minBackoffMs ?? 1000;
          this.opts.log('info', 'connected to the controller', { controller: this.port.address });
        }
        this.onMessage(m, delivery);
      },
      lost: (why) => {
        if (ended) return;
        ended = true;
        this.connected = false;
        clearInterval(this.heartbeat);
        this.storeCalls.cancelAll();
        if (this.stopped) return;
        const delay = Math.round(this.backoff * (0.5 + Math.random()));
        this.backoff = Math.min(this.backoff * 2, this.opts.maxBackoffMs ?? 30_000);
        this.opts.log('warn', `controller connection lost (${why}); reconnecting in ${(delay / 1000).toFixed(1)} s`, { controller: this.port.address });
        this.reconnectTimer = setTimeout(() => this.connect(), delay);
      },
    });
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

  private onMessage(m: ControllerMessage, delivery?: JobDelivery): void {
    switch (m.msg?.$case) {
      case 'welcome':
        clearInterval(this.heartbeat);
        this.heartbeat = setInterval(() => this.send({ msg: { $case: 'heartbeat', value: { timeMs: Date.now() } } }), Math.max(1, m.msg.value.heartbeatSeconds) * 1000);
        this.heartbeat.unref();
        for (const id of m.msg.value.cancelJobIds) this.running.get(id)?.abort();
        break;
      case 'run':
        this.runOne(m.msg.value, delivery).catch((err: unknown) => this.opts.log('error', `job ${m.msg?.$case === 'run' ? m.msg.value.jobId : ''} could not run: ${CofferError.from(err).message}`));
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

  /**
   * Settles a queue delivery of a job that is not to run now; true when it was one
   * (running here already, run before, or superseded).
   */
  private async settledDelivery(run: RunJob, delivery: JobDelivery): Promise<boolean> {
    if (this.running.has(run.jobId)) {
      this.deliveries.get(run.jobId)?.push(delivery);
      delivery.working();
      this.opts.log('info', 'a job delivered again while it runs was not run twice', { job: run.jobId, attempt: run.attempt });
      return true;
    }
    const started = this.ledger.attemptOf(run.jobId);
    if (started > run.attempt) {
      delivery.term(`attempt ${run.attempt} superseded by attempt ${started}`);
      return true;
    }
    if (started < run.attempt) return false;
    // Already run here (the agent may have stopped before the ack): send its result again.
    const done = await this.outbox.get(run.jobId);
    if (done) await this.port.sendResult(done);
    await delivery.ack();
    this.opts.log('info', 'a job delivered again was not run twice', { job: run.jobId, attempt: run.attempt });
    return true;
  }

  private async runOne(run: RunJob, delivery?: JobDelivery): Promise<void> {
    if (this.stopped) {
      delivery?.nak(5000); // a transient refusal: another start of this agent takes it
      return;
    }
    if (delivery && (await this.settledDelivery(run, delivery))) return;
    if (this.running.has(run.jobId)) return;
    // The controller sends a job again only once it has settled the earlier attempt, so a
    // result of this job still in the outbox is that attempt's (its acknowledgement may be
    // on the way): drop it, or it would be delivered again as the new attempt's result.
    if (await this.outbox.get(run.jobId)) await this.outbox.ack(run.jobId);
    const ac = new AbortController();
    this.running.set(run.jobId, ac);
    if (delivery) {
      this.ledger.start(run.jobId, run.attempt);
      this.deliveries.set(run.jobId, [delivery]);
    }
    const alive = setInterval(() => {
      for (const d of this.deliveries.get(run.jobId) ?? []) d.working();
    }, delivery?.workingEveryMs ?? 60_000);
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
      await this.deliverResult({ jobId: run.jobId, state: outcome.state, result: outcome.result });
    } finally {
      clearInterval(alive);
      this.running.delete(run.jobId);
      this.lastProgress.delete(run.jobId);
    }
  }

  /**
   * Hands a result to the port; with a queue delivery, acks it once the result is
   * persisted (on failure the delivery stays: it comes again and the outbox answers it).
   */
  private async deliverResult(done: JobDone): Promise<void> {
    const deliveries = this.deliveries.get(done.jobId);
    this.deliveries.delete(done.jobId);
    if (!deliveries) {
      this.send({ msg: { $case: 'done', value: done } });
      return;
    }
    try {
      await this.port.sendResult(done);
      for (const d of deliveries) await d.ack();
    } catch (err) {
      this.opts.log('warn', `the result of job ${done.jobId} waits in the outbox: ${CofferError.from(err).message}`);
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
    this.connected = false;
    await this.port.close();
  }
}
