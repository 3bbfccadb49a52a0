/**
 * One NATS agent as an AgentChannel. Jobs (RunJob) go to the agent's subject of the jobs
 * stream with Nats-Msg-Id `<job>.<attempt>` (a repeated publication is dropped by the
 * server's dedup window) and the passphrase sealed to the agent's box key, never in
 * clear; a job that cannot be published is reported undelivered (its attempt not
 * counted) and the channel closed; a newer attempt of a job deletes the earlier attempt's message if it is still
 * in the stream. Everything else goes on the agent's core `down` subject, a store call's
 * passphrase sealed too. Messages are
 * published in the order sent. `closed` fires once (through `onClosed`); after it `send`
 * is a no-op. No pause/resume: core NATS has no per-sender flow control.
 */
import type { ControllerMessage, RunJob } from '@coffer/shared/gen/coffer/v1/agent.js';
import type { AgentAddress } from '@coffer/shared/nats/subjects.js';
import type { AgentChannel } from '../../transport.js';
import { sealTo } from './seal.js';

/** What a channel needs from its transport. */
export interface NatsChannelIo {
  publishDown(a: AgentAddress, msg: ControllerMessage): void;
  /** Persists a job; resolves with its stream sequence. */
  publishJob(a: AgentAddress, run: RunJob): Promise<number>;
  deleteJob(a: AgentAddress, seq: number): Promise<void>;
  /** A job could not be persisted: the channel closes (the agent reconciles on its next Hello). */
  failed(ch: NatsChannel, why: string): void;
  /** The job's attempt never reached the stream (told before `failed`). */
  undelivered(ch: NatsChannel, run: RunJob, why: string): void;
  closed(ch: NatsChannel, reason: string): void;
}

export class NatsChannel implements AgentChannel {
  private ended = false;
  /** Stream sequence of each job's last published attempt. */
  private readonly jobSeq = new Map<string, number>();
  /** Publications are chained so that they reach the server in the order sent. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly agentId: string,
    readonly agentName: string,
    readonly address: AgentAddress,
    private readonly boxKey: string,
    private readonly io: NatsChannelIo,
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  send(msg: ControllerMessage): boolean {
    if (this.ended) return false;
    if (msg.msg?.$case === 'storeCall' && msg.msg.value.passphrase !== '') {
      const call = msg.msg.value;
      const sealed: ControllerMessage = { msg: { $case: 'storeCall', value: { ...call, passphrase: '', sealedPassphrase: sealTo(this.boxKey, call.passphrase) } } };
      this.queue = this.queue.then(() => this.io.publishDown(this.address, sealed));
      return true;
    }
    if (msg.msg?.$case !== 'run') {
      this.queue = this.queue.then(() => this.io.publishDown(this.address, msg));
      return true;
    }
    const run = msg.msg.value;
    const sealed: RunJob = run.passphrase === '' ? run : { ...run, passphrase: '', sealedPassphrase: sealTo(this.boxKey, run.passphrase) };
    this.queue = this.queue.then(async () => {
      try {
        const earlier = this.jobSeq.get(run.jobId);
        if (earlier !== undefined) await this.io.deleteJob(this.address, earlier);
        this.jobSeq.set(run.jobId, await this.io.publishJob(this.address, sealed));
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        // Not in the stream: the attempt is given back; a later send with the same number is deduplicated by the server if this one was stored after all.
        this.io.undelivered(this, run, why);
        this.io.failed(this, `cannot queue job ${run.jobId} on NATS: ${why}`);
      }
    });
    return true;
  }

  close(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.io.closed(this, reason);
  }
}
