/**
 * Runs jobs on agents. Listens to a transport (AgentEvents) and keeps the catalog's jobs
 * moving: queued jobs go to a connected agent that can run them (the source's or
 * destination's agent for backups and restores; any agent whose labels match the
 * store's `reach` selector for verify and forget), within each agent's and each store's
 * concurrency limit; agents' updates, logs and results are recorded; a failed attempt
 * that may pass is queued again with backoff; a job whose agent disappears is failed
 * (and retried) after a grace period; a job nobody ran by its deadline fails.
 * Reconciliation after either side restarts uses the agent's Hello, which lists every
 * job the agent still knows (running, or finished and not yet acknowledged). Time
 * comes from the injected Clock only.
 */
import { EventEmitter } from 'node:events';
import type { AgentMessage, Hello, JobDone, JobUpdate, RunJob } from '@coffer/shared/gen/coffer/v1/agent.js';
import { JobKind, JobState, type JobResult } from '@coffer/shared/gen/coffer/v1/common.js';
import type { Clock } from '@coffer/shared/clock.js';
import type { Catalog } from '../catalog/catalog.js';
import { FINAL_STATES, type JobRecord } from '../catalog/jobs.js';
import { AGENT_TIMEOUT_S, DEFAULT_AGENT_MAX_JOBS, DEFAULT_STORE_MAX_JOBS, HEARTBEAT_S } from '../defaults.js';
import type { Logger } from '../observability/log.js';
import { requeueUndelivered } from './undelivered.js';
import { SiteStates } from './site-states.js';
import { AgentRegistry, matchesSelector, type LiveAgent } from './agent-registry.js';
import { endpointsFor, requiredAgent } from './job-endpoints.js';
import { failure, forgottenIds } from './job-results.js';
import { WaitingNotes } from './waiting-notes.js';
import type { AgentChannel, AgentEvents } from './transport.js';

const ACTIVE = [JobState.JOB_STATE_DISPATCHED, JobState.JOB_STATE_RUNNING] as const;

/** Tunables (tests shorten them). */
export interface DispatcherOptions {
  /** How long a disconnected agent's jobs wait for it before they fail (and are retried). @default 120000 */
  readonly agentLostMs?: number;
  /**
   * After a controller start, how long agents with active jobs have to reconnect (they
   * all come back at once, with backoff); at least agentLostMs. @default 60000
   */
  readonly restartGraceMs?: number;
  /** First retry delay; doubled per attempt, at most 15 minutes. @default 30000 */
  readonly retryBaseMs?: number;
  /** Progress is written to the catalog at most this often per job. @default 1000 */
  readonly progressEveryMs?: number;
}

/** Called after a job reaches a final state (follow-up jobs, metrics). */
export type FinishedListener = (job: JobRecord) => void;

/** The dispatcher. */
export class Dispatcher implements AgentEvents {
  readonly registry = new AgentRegistry();
  /** Reachability of the sites with links of their own (written by the NATS transport). */
  readonly sites = new SiteStates();
  private readonly changes = new EventEmitter();
  private readonly lostTimers = new Map<string, () => void>();
  private readonly progressWritten = new Map<string, number>();
  private kickQueued = false;
  private cancelSilenceCheck: (() => void) | undefined;
  private cancelWake: (() => void) | undefined;
  private wakeAt = Infinity;
  private readonly finishedListeners: FinishedListener[] = [];
  private readonly waiting: WaitingNotes;
  /** Dispatch latency samples (ms from queue to send), for the fleet benchmark and metrics. */
  readonly onDispatched: ((job: JobRecord, latencyMs: number) => void)[] = [];

  constructor(
    private readonly catalog: Catalog,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: DispatcherOptions = {},
  ) {
    this.changes.setMaxListeners(0);
    this.waiting = new WaitingNotes(catalog, (id) => this.changed(id));
    this.armSilenceCheck();
  }

  /**
   * Every HEARTBEAT_S, closes the channels of agents silent for AGENT_TIMEOUT_S (a
   * connection that died without the transport noticing); their jobs then get the
   * usual grace period.
   */
  private armSilenceCheck(): void {
    this.cancelSilenceCheck = this.clock.setTimer(() => {
      const now = this.clock.now();
      for (const a of this.registry.all()) {
        if (now - a.lastMessageMs > AGENT_TIMEOUT_S * 1000) {
          this.log.warn({ agent: a.agentName, silentS: Math.round((now - a.lastMessageMs) / 1000) }, 'agent silent; closing its connection');
          a.channel.close(`no heartbeat for ${AGENT_TIMEOUT_S} s`);
          this.closed(a.channel, 'no heartbeat');
        }
      }
      this.armSilenceCheck();
    }, HEARTBEAT_S * 1000);
  }

  /** Subscribes to changes of any job; returns the unsubscribe function. */
  onJobChange(fn: (jobId: string) => void): () => void {
    this.changes.on('job', fn);
    return () => this.changes.off('job', fn);
  }

  onFinished(fn: FinishedListener): void {
    this.finishedListeners.push(fn);
  }
  /** Tells the job's watchers it changed (also for history notes written outside the dispatcher). */
  changed(id: string): void {
    this.changes.emit('job', id);
  }

  // --- transport events -----------------------------------------------------------
  opened(channel: AgentChannel): void {
    this.registry.attach(channel, this.clock.now());
    this.lostTimers.get(channel.agentName)?.();
    this.lostTimers.delete(channel.agentName);
    this.log.info({ agent: channel.agentName }, 'agent connected');
  }

  closed(channel: AgentChannel, reason: string): void {
    if (!this.registry.detach(channel)) return;
    this.log.info({ agent: channel.agentName, reason }, 'agent disconnected');
    this.awaitReturn(channel.agentName);
  }

  /**
   * After a controller start: every agent with jobs dispatched or running gets the same
   * grace period to reconnect as one that just disconnected.
   */
  resume(): void {
    const names = new Set(this.catalog.jobs.inStates(ACTIVE).map((j) => j.agent));
    const grace = Math.max(this.opts.agentLostMs ?? 120_000, this.opts.restartGraceMs ?? 60_000);
    for (const name of names) if (!this.registry.byName(name)) this.awaitReturn(name, grace);
    this.kick();
  }

  /** Arms the timer that fails an absent agent's jobs (for a retry) unless it reconnects first. */
  private awaitReturn(name: string, graceMs = this.opts.agentLostMs ?? 120_000): void {
    this.lostTimers.get(name)?.();
    this.lostTimers.set(
      name,
      this.clock.setTimer(() => {
        this.lostTimers.delete(name);
        if (!this.registry.byName(name)) this.failJobsOf(name, `lost contact with agent ${name} during the job`);
      }, graceMs),
    );
  }

  /** A dispatched job that never reached the agent's queue (undelivered.ts). */
  undelivered(channel: AgentChannel, jobId: string, attempt: number, why: string): void {
    if (!requeueUndelivered(this.catalog, this.clock.now(), channel.agentName, jobId, attempt, why)) return;
    this.changed(jobId);
  }

  message(channel: AgentChannel, msg: AgentMessage): void {
    const live = this.registry.of(channel);
    if (!live || !msg.msg) return;
    const now = this.clock.now();
    live.lastMessageMs = now;
    switch (msg.msg.$case) {
      case 'hello':
        this.hello(live, msg.msg.value);
        break;
      case 'heartbeat':
        this.catalog.agents.seen(live.agentId, now);
        break;
      case 'update':
        this.update(live, msg.msg.value);
        break;
      case 'log': {
        const l = msg.msg.value;
        if (l.line && this.catalog.jobs.current(l.jobId)?.agent === live.agentName) this.catalog.jobs.addLog(l.jobId, l.line);
        break;
      }
      case 'done':
        this.done(live, msg.msg.value);
        break;
    }
  }

  private hello(live: LiveAgent, h: Hello): void {
    const now = this.clock.now();
    live.labels = h.labels;
    live.maxJobs = h.maxJobs > 0 ? h.maxJobs : DEFAULT_AGENT_MAX_JOBS;
    live.localStores = new Set(h.localPassphraseStores);
    this.catalog.agents.hello(live.agentId, { version: h.version, hostname: h.hostname, labels: h.labels, maxJobs: live.maxJobs, localStores: h.localPassphraseStores, nowMs: now });
    const known = new Set(h.runningJobIds);
    const cancel: string[] = [];
    for (const id of known) {
      const job = this.catalog.jobs.get(id);
      if (!job || job.cancelRequested || (FINAL_STATES.has(job.state) && job.state !== JobState.JOB_STATE_SUCCEEDED)) cancel.push(id);
      // Queued again meanwhile (its attempt was failed while the agent was away): the agent's
      // result of that attempt comes first, so that it is not taken for the next attempt's.
      else if (job.state === JobState.JOB_STATE_QUEUED && job.agent === live.agentName) live.unsettled.add(id);
    }
    for (const job of this.catalog.jobs.inStates(ACTIVE)) {
      if (job.agent !== live.agentName || known.has(job.id)) continue;
      this.finishAttempt(job, failure(`agent ${live.agentName} restarted and no longer knows the job`, true), JobState.JOB_STATE_FAILED);
    }
    live.ready = true;
    live.channel.send({ msg: { $case: 'welcome', value: { agentId: live.agentId, heartbeatSeconds: HEARTBEAT_S, cancelJobIds: cancel } } });
    this.kick();
  }

  private update(live: LiveAgent, u: JobUpdate): void {
    const job = this.catalog.jobs.current(u.jobId);
    if (!job || job.agent !== live.agentName) return;
    const now = this.clock.now();
    if (job.state === JobState.JOB_STATE_DISPATCHED && u.state === JobState.JOB_STATE_RUNNING) {
      this.catalog.jobs.transition(job.id, [JobState.JOB_STATE_DISPATCHED], JobState.JOB_STATE_RUNNING, now, `running on ${live.agentName}`, { startedMs: now });
      this.changed(job.id);
    }
    if (u.progress) {
      const last = this.progressWritten.get(job.id) ?? 0;
      if (now - last >= (this.opts.progressEveryMs ?? 1000)) {
        this.progressWritten.set(job.id, now);
        this.catalog.jobs.setProgress(job.id, u.progress);
        this.changed(job.id);
      }
    }
  }

  private done(live: LiveAgent, d: JobDone): void {
    const job = this.catalog.jobs.current(d.jobId);
    if (job && job.agent === live.agentName && ACTIVE.includes(job.state as (typeof ACTIVE)[number])) {
      const result = d.result ?? failure('the agent sent no result', false);
      this.finishAttempt(job, result, d.state);
    } else if (job && job.agent === live.agentName && job.state === JobState.JOB_STATE_QUEUED && d.state === JobState.JOB_STATE_SUCCEEDED && d.result?.ok) {
      // The attempt failed for lost contact, yet the agent finished it: keep its success rather than run it again.
      this.log.info({ job: job.id, agent: live.agentName }, 'a job failed for lost contact succeeded after all');
      this.finishAttempt(job, d.result, d.state, [JobState.JOB_STATE_QUEUED]);
    }
    live.channel.send({ msg: { $case: 'ack', value: { jobId: d.jobId } } });
    if (live.unsettled.delete(d.jobId)) this.kick();
  }

  // --- job state ------------------------------------------------------------------
  /** Ends the current attempt of an active job: success, cancellation, a retry, or failure. */
  private finishAttempt(job: JobRecord, result: JobResult, state: JobState, from: readonly JobState[] = ACTIVE): void {
    const now = this.clock.now();
    this.progressWritten.delete(job.id);
    if (state === JobState.JOB_STATE_SUCCEEDED) {
      this.catalog.db.transaction(() => {
        if (this.catalog.jobs.transition(job.id, from, JobState.JOB_STATE_SUCCEEDED, now, 'succeeded', { finishedMs: now, result }) && result.snapshot && job.spec.spec?.$case === 'backup') {
          this.catalog.snapshots.record({ ...result.snapshot, store: job.store, source: job.spec.spec.value.source }, job.id);
        }
        if (job.spec.spec?.$case === 'forget') this.catalog.snapshots.remove(job.store, forgottenIds(result.summaryJson));
      })();
    } else if (state === JobState.JOB_STATE_CANCELLED || job.cancelRequested) {
      this.catalog.jobs.transition(job.id, from, JobState.JOB_STATE_CANCELLED, now, 'cancelled', { finishedMs: now, result });
    } else if (result.retryable && job.attempt < job.maxAttempts) {
      const delay = Math.min((this.opts.retryBaseMs ?? 30_000) * 2 ** (job.attempt - 1), 15 * 60_000);
      this.catalog.jobs.transition(job.id, from, JobState.JOB_STATE_QUEUED, now, `attempt ${job.attempt} failed: ${result.error}; retrying in ${Math.round(delay / 1000)} s`, {
        notBeforeMs: now + delay,
        result,
      });
    } else {
      this.catalog.jobs.transition(job.id, from, JobState.JOB_STATE_FAILED, now, result.error || 'failed', { finishedMs: now, result });
    }
    this.settled(job.id);
    this.kick();
  }

  /** Reports a job that changed; when it has reached a final state, tells the finished listeners too. */
  private settled(id: string): void {
    this.changed(id);
    const after = this.catalog.jobs.get(id);
    if (after && FINAL_STATES.has(after.state)) for (const f of this.finishedListeners) f(after);
  }

  /** Fails a queued job that cannot run (deadline passed, store gone, passphrase unreadable). */
  private failQueued(id: string, now: number, message: string): void {
    if (this.catalog.jobs.transition(id, [JobState.JOB_STATE_QUEUED], JobState.JOB_STATE_FAILED, now, message, { finishedMs: now })) this.settled(id);
  }

  /** Fails (for a retry) every active job of an agent that is gone. */
  private failJobsOf(agentName: string, why: string): void {
    for (const job of this.catalog.jobs.inStates(ACTIVE)) {
      if (job.agent === agentName) this.finishAttempt(job, failure(why, true), JobState.JOB_STATE_FAILED);
    }
  }

  /** Cancels a job: at once when queued; through its agent when it runs. */
  cancel(id: string): JobRecord | undefined {
    const job = this.catalog.jobs.get(id);
    if (!job) return undefined;
    const now = this.clock.now();
    if (job.state === JobState.JOB_STATE_QUEUED) {
      this.catalog.jobs.transition(id, [JobState.JOB_STATE_QUEUED], JobState.JOB_STATE_CANCELLED, now, 'cancelled before it ran', { finishedMs: now, cancelRequested: true });
    } else if (ACTIVE.includes(job.state as (typeof ACTIVE)[number])) {
      this.catalog.jobs.requestCancel(id);
      const live = this.registry.byName(job.agent);
      live?.channel.send({ msg: { $case: 'cancel', value: { jobId: id } } });
      this.log.info({ job: id, agent: job.agent, delivered: live !== undefined }, 'cancellation requested');
    }
    this.settled(id);
    return this.catalog.jobs.get(id);
  }

  // --- assignment -----------------------------------------------------------------

  /** Schedules an assignment pass (coalesced). */
  kick(): void {
    if (this.kickQueued) return;
    this.kickQueued = true;
    queueMicrotask(() => {
      this.kickQueued = false;
      try {
        this.assign();
      } catch (err) {
        this.log.error({ err }, 'dispatch pass failed');
      }
    });
  }

  private assign(): void {
    const now = this.clock.now();
    const perAgent = new Map<string, number>();
    const perStore = new Map<string, number>();
    for (const c of this.catalog.jobs.countByAgentAndStore(ACTIVE)) {
      perAgent.set(c.agent, (perAgent.get(c.agent) ?? 0) + c.n);
      perStore.set(c.store, (perStore.get(c.store) ?? 0) + c.n);
    }
    let wake = Infinity;
    for (const job of this.catalog.jobs.inStates([JobState.JOB_STATE_QUEUED])) {
      if (job.deadlineMs <= now) {
        this.failQueued(job.id, now, 'no agent could run it before its deadline');
        continue;
      }
      wake = Math.min(wake, job.deadlineMs);
      if (job.notBeforeMs > now) {
        wake = Math.min(wake, job.notBeforeMs);
        continue;
      }
      const store = this.catalog.stores.get(job.store);
      if (!store) {
        this.failQueued(job.id, now, `store ${job.store} no longer exists`);
        continue;
      }
      const storeMax = Number(store.options.max_jobs ?? DEFAULT_STORE_MAX_JOBS) || DEFAULT_STORE_MAX_JOBS;
      if ((perStore.get(job.store) ?? 0) >= storeMax) continue;
      const bound = requiredAgent(this.catalog, job);
      const candidates = (bound !== undefined ? [this.registry.byName(bound)] : this.registry.all()).filter(
        (a): a is LiveAgent =>
          a !== undefined &&
          a.ready &&
          !a.unsettled.has(job.id) &&
          (perAgent.get(a.agentName) ?? 0) < a.maxJobs &&
          (bound !== undefined || matchesSelector(a.labels, store.options.reach)) &&
          (!store.passphraseOnAgent || a.localStores.has(store.name)),
      );
      if (candidates.length === 0) {
        if (bound) this.waiting.waiting(job.id, bound, this.registry.byName(bound) !== undefined, now);
        continue;
      }
      const agent = candidates.reduce((a, b) => ((perAgent.get(b.agentName) ?? 0) < (perAgent.get(a.agentName) ?? 0) ? b : a));
      let passphrase = '';
      try {
        passphrase = store.passphraseOnAgent ? '' : (this.catalog.stores.passphrase(store.name) ?? '');
      } catch (err) {
        this.failQueued(job.id, now, err instanceof Error ? err.message : String(err));
        continue;
      }
      const attempt = job.attempt + 1;
      if (!this.catalog.jobs.transition(job.id, [JobState.JOB_STATE_QUEUED], JobState.JOB_STATE_DISPATCHED, now, `sent to ${agent.agentName} (attempt ${attempt})`, { agent: agent.agentName, attempt })) continue;
      this.waiting.forget(job.id);
      // The NATS transport seals the passphrase into sealedPassphrase.
      const run: RunJob = { jobId: job.id, kind: job.kind, spec: job.spec, ...endpointsFor(this.catalog, job), passphrase, attempt, sealedPassphrase: Buffer.alloc(0) };
      agent.channel.send({ msg: { $case: 'run', value: run } });
      perAgent.set(agent.agentName, (perAgent.get(agent.agentName) ?? 0) + 1);
      perStore.set(job.store, (perStore.get(job.store) ?? 0) + 1);
      for (const f of this.onDispatched) f(job, now - Math.max(job.createdMs, job.notBeforeMs));
      this.log.info({ job: job.id, kind: JobKind[job.kind], agent: agent.agentName, attempt }, 'job dispatched');
      this.changed(job.id);
    }
    this.armWake(wake);
  }

  private armWake(at: number): void {
    if (at === this.wakeAt) return;
    this.cancelWake?.();
    this.cancelWake = undefined;
    this.wakeAt = at;
    if (!Number.isFinite(at)) return;
    this.cancelWake = this.clock.setTimer(() => {
      this.wakeAt = Infinity;
      this.cancelWake = undefined;
      this.kick();
    }, at - this.clock.now());
  }

  /** Stops timers (shutdown). */
  stop(): void {
    this.cancelSilenceCheck?.();
    this.cancelWake?.();
    for (const c of this.lostTimers.values()) c();
    this.lostTimers.clear();
  }
}

