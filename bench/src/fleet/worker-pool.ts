/**
 * The parent's side of the simulation: forks the workers (sim-worker.js), deals the
 * agents out to them, and gathers what they report: when each job reached its agent
 * (`received`), when each result was acknowledged (`acked`) and which streams were
 * lost. A worker that dies fails whatever the benchmark is waiting for.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BenchError } from '../errors.js';
import type { AgentTicket, EnrollResult, FromWorker, LoopLag, ToWorker } from './ipc.js';

const WORKER_JS = fileURLToPath(new URL('./sim-worker.js', import.meta.url));

/** Where and when a job reached its agent. */
export interface Receipt {
  readonly agent: string;
  readonly atMs: number;
}

type Reply<T extends FromWorker['t']> = Extract<FromWorker, { t: T }>;

/** The simulation workers. */
export class WorkerPool {
  readonly received = new Map<string, Receipt>();
  readonly acked = new Map<string, number>();
  readonly lost: { name: string; why: string }[] = [];
  private readonly waiters = new Set<() => void>();
  private failure: Error | undefined;
  private stopping = false;

  private constructor(private readonly workers: readonly ChildProcess[]) {
    for (const w of workers) {
      w.on('message', (m: FromWorker) => this.onMessage(m));
      w.on('exit', (code, signal) => {
        if (!this.stopping) this.fail(new BenchError(`a simulation worker exited (${signal ?? `status ${code}`})`));
      });
    }
  }

  /** Forks `n` workers. */
  static start(n: number): WorkerPool {
    return new WorkerPool(Array.from({ length: n }, () => fork(WORKER_JS, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' })));
  }

  get size(): number {
    return this.workers.length;
  }

  private onMessage(m: FromWorker): void {
    if (m.t === 'runs') for (const [job, agent, at] of m.runs) this.received.set(job, { agent, atMs: at });
    else if (m.t === 'acks') for (const [job, at] of m.acks) this.acked.set(job, at);
    else if (m.t === 'lost') this.lost.push({ name: m.name, why: m.why });
    else if (m.t === 'error') this.fail(new BenchError(`simulation worker: ${m.message}`));
    this.notify();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.notify();
  }

  /** Resolves once `done()` is true (checked after every worker message); rejects after `timeoutMs` with `what`. */
  waitUntil(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.failure) finish(this.failure);
        else if (done()) finish();
      };
      const timer = setTimeout(() => finish(new BenchError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`)), timeoutMs);
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Sends `msg` to every worker (or `per(i)` to worker i) and collects each one's reply of type `t`. */
  private async ask<T extends FromWorker['t']>(t: T, per: (i: number) => ToWorker, timeoutMs: number): Promise<Reply<T>[]> {
    const replies: (Reply<T> | undefined)[] = this.workers.map(() => undefined);
    const listeners = this.workers.map((w, i) => {
      const l = (m: FromWorker): void => {
        if (m.t !== t) return;
        replies[i] = m as Reply<T>;
        this.notify();
      };
      w.on('message', l);
      w.send(per(i));
      return l;
    });
    try {
      await this.waitUntil(() => replies.every((r) => r !== undefined), timeoutMs, `the workers' ${t} reply`);
    } finally {
      this.workers.forEach((w, i) => w.off('message', listeners[i] as (m: FromWorker) => void));
    }
    return replies as Reply<T>[];
  }

  /** Enrolls the agents for `transport`, dealt round-robin to the workers, each worker running `concurrency` enrollments at once. */
  async enroll(controller: string, caPem: string, tickets: readonly AgentTicket[], concurrency: number, timeoutMs: number, transport: 'grpc' | 'nats' = 'grpc'): Promise<EnrollResult[]> {
    const n = this.workers.length;
    const share = (i: number): AgentTicket[] => tickets.filter((_, k) => k % n === i);
    const replies = await this.ask('enrolled', (i) => ({ t: 'enroll', controller, caPem, agents: share(i), concurrency, transport }), timeoutMs);
    return replies.flatMap((r) => r.results);
  }

  /** Connects every enrolled agent; resolves with how many were welcomed and why the others were not. */
  async connect(concurrency: number, maxJobs: number, timeoutMs: number): Promise<{ connected: number; failures: { name: string; why: string }[] }> {
    const replies = await this.ask('connected', () => ({ t: 'connect', concurrency, maxJobs, timeoutMs }), timeoutMs + 10_000);
    return { connected: replies.reduce((s, r) => s + r.connected, 0), failures: replies.flatMap((r) => r.failures) };
  }

  /** Starts measuring each worker's event-loop delay afresh. */
  lagStart(): void {
    for (const w of this.workers) w.send({ t: 'lag-start' } satisfies ToWorker);
  }

  /** The workers' event-loop delay since `lagStart`: the worst worker's p50, p99 and max. */
  async lagRead(): Promise<LoopLag> {
    const replies = await this.ask('lag', () => ({ t: 'lag-read' }), 10_000);
    const worst = (k: keyof LoopLag): number => Math.max(...replies.map((r) => r.lag[k]));
    return { p50Ms: worst('p50Ms'), p99Ms: worst('p99Ms'), maxMs: worst('maxMs') };
  }

  /** Kills every worker at once (SIGKILL), for an interrupted bench. */
  killNow(): void {
    for (const w of this.workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  }

  /** Closes every agent and ends the workers (killed if they do not exit within 5 s). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exitCode !== null || w.signalCode !== null) return resolve();
            const kill = setTimeout(() => w.kill('SIGKILL'), 5000);
            w.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            if (w.connected) w.send({ t: 'stop' } satisfies ToWorker);
            else w.kill('SIGTERM');
          }),
      ),
    );
  }
}
