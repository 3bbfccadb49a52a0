/**
 * The controller's dispatcher against a real SQLite catalog (in a temporary folder) and
 * a manual clock. Agents are recording channels: what the dispatcher sends is what the
 * transport would put on the wire. Covers assignment, limits, retries with backoff,
 * deadlines, lost agents, reconciliation on Hello, cancellation and the state history.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '@coffer/shared/clock.js';
import { formatEvent } from '@coffer/shared/events.js';
import type { ControllerMessage, RunJob } from '@coffer/shared/gen/coffer/v1/agent.js';
import { JobState, type JobResult, type JobSpec } from '@coffer/shared/gen/coffer/v1/common.js';
import { Catalog } from '@coffer/controller/catalog/catalog.js';
import { LOG_LINES_PER_JOB } from '@coffer/controller/catalog/jobs.js';
import { Dispatcher } from '@coffer/controller/dispatch/dispatcher.js';
import type { AgentChannel } from '@coffer/controller/dispatch/transport.js';
import { submitJob } from '@coffer/controller/jobs/submit.js';
import { createLogger } from '@coffer/controller/observability/log.js';

class Recorder implements AgentChannel {
  readonly sent: ControllerMessage[] = [];
  closedWith: string | undefined;
  constructor(
    readonly agentId: string,
    readonly agentName: string,
  ) {}
  send(msg: ControllerMessage): boolean {
    this.sent.push(msg);
    return true;
  }
  close(reason: string): void {
    this.closedWith = reason;
  }
  runs(): RunJob[] {
    return this.sent.flatMap((m) => (m.msg?.$case === 'run' ? [m.msg.value] : []));
  }
}

const OK: JobResult = { ok: true, error: '', retryable: false, exitCode: 0, summaryJson: '{}', snapshot: { id: 'snap1', store: '', source: '', host: 'h', timeMs: 1, tags: [], paths: ['/x'], files: 1, bytes: 10, addedBytes: 10 } };
const FAIL = (retryable: boolean): JobResult => ({ ok: false, error: 'boom', retryable, exitCode: 1, summaryJson: '', snapshot: undefined });
const backup = (source: string): JobSpec => ({ spec: { $case: 'backup', value: { source, store: 's1', tags: [], ignore: [] } } });
const verify: JobSpec = { spec: { $case: 'verify', value: { store: 's1', readDataSubset: '', fast: false } } };
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Dispatcher', () => {
  let dir: string;
  let catalog: Catalog;
  let clock: ManualClock;
  let d: Dispatcher;

  function agent(name: string, labels: Record<string, string> = {}, maxJobs = 2, known: string[] = []): Recorder {
    if (!catalog.agents.byName(name)) catalog.agents.add({ id: `id-${name}`, name, certSerial: 'x', certExpiresMs: 0, enrolledMs: 0 });
    const ch = new Recorder(`id-${name}`, name);
    d.opened(ch);
    d.message(ch, { msg: { $case: 'hello', value: { version: 't', hostname: name, labels, maxJobs, runningJobIds: known, localPassphraseStores: [] } } });
    return ch;
  }

  function done(ch: Recorder, jobId: string, state: JobState, result: JobResult): void {
    d.message(ch, { msg: { $case: 'done', value: { jobId, state, result } } });
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-dispatch-'));
    catalog = Catalog.open(dir);
    clock = new ManualClock(1_000_000);
    d = new Dispatcher(catalog, clock, createLogger('silent'), { agentLostMs: 60_000, retryBaseMs: 10_000 });
    catalog.stores.add({ name: 's1', location: '/s1', options: {}, passphrase: 'pw', passphraseOnAgent: false, nowMs: 0 });
    catalog.sources.add({ name: 'src-a', location: '/a', agent: 'a', options: {}, nowMs: 0 });
    catalog.sources.add({ name: 'src-b', location: '/b', agent: 'b', options: {}, nowMs: 0 });
  });
  afterEach(() => {
    d.stop();
    catalog.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("sends a backup to its source's agent with the store's passphrase, and records the snapshot when it succeeds", async () => {
    const a = agent('a');
    const b = agent('b');
    const job = submitJob(catalog, clock, backup('src-b'));
    d.kick();
    await tick();
    assert.equal(a.runs().length, 0);
    const run = b.runs()[0];
    assert.ok(run, 'b got the job');
    assert.equal(run.passphrase, 'pw');
    assert.equal(run.source?.location, '/b');
    assert.equal(catalog.jobs.get(job.id)?.state, JobState.JOB_STATE_DISPATCHED);
    d.message(b, { msg: { $case: 'update', value: { jobId: job.id, state: JobState.JOB_STATE_RUNNING, progress: undefined } } });
    done(b, job.id, JobState.JOB_STATE_SUCCEEDED, OK);
    const after = catalog.jobs.get(job.id);
    assert.equal(after?.state, JobState.JOB_STATE_SUCCEEDED);
    assert.deepEqual(
      after?.history.map((h) => h.state),
      [JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_DISPATCHED, JobState.JOB_STATE_RUNNING, JobState.JOB_STATE_SUCCEEDED],
    );
    assert.equal(catalog.snapshots.list('s1')[0]?.source, 'src-b');
    assert.ok(b.sent.some((m) => m.msg?.$case === 'ack'), 'the result is acknowledged');
  });

  it('keeps a job queued while its agent is offline and sends it when the agent connects', async () => {
    const job = submitJob(catalog, clock, backup('src-a'));
    d.kick();
    await tick();
    assert.equal(catalog.jobs.get(job.id)?.state, JobState.JOB_STATE_QUEUED);
    const a = agent('a');
    await tick();
    assert.equal(a.runs()[0]?.jobId, job.id);
  });

  it("respects the agent's job limit and the store's max_jobs", async () => {
    const a = agent('a', {}, 1);
    const j1 = submitJob(catalog, clock, backup('src-a'));
    const j2 = submitJob(catalog, clock, backup('src-a'));
    d.kick();
    await tick();
    assert.deepEqual(a.runs().map((r) => r.jobId), [j1.id]);
    done(a, j1.id, JobState.JOB_STATE_SUCCEEDED, OK);
    await tick();
    assert.deepEqual(a.runs().map((r) => r.jobId), [j1.id, j2.id]);
  });

  it("sends verify jobs only to agents whose labels match the store's reach", async () => {
    catalog.stores.add({ name: 's2', location: '/s2', options: { reach: 'site=two' }, passphrase: 'pw', passphraseOnAgent: false, nowMs: 0 });
    const a = agent('a', { site: 'one' });
    const b = agent('b', { site: 'two' });
    submitJob(catalog, clock, { spec: { $case: 'verify', value: { store: 's2', readDataSubset: '', fast: false } } });
    d.kick();
    await tick();
    assert.equal(a.runs().length, 0);
    assert.equal(b.runs().length, 1);
  });

  it('retries a retryable failure after a backoff, and fails for good after the last attempt', async () => {
    const a = agent('a');
    const job = submitJob(catalog, clock, backup('src-a'), { maxAttempts: 2 });
    d.kick();
    await tick();
    done(a, job.id, JobState.JOB_STATE_FAILED, FAIL(true));
    await tick();
    assert.equal(catalog.jobs.get(job.id)?.state, JobState.JOB_STATE_QUEUED);
    assert.equal(a.runs().length, 1, 'not before the backoff');
    clock.advance(10_000);
    await tick();
    assert.equal(a.runs().length, 2);
    assert.equal(a.runs()[1]?.attempt, 2);
    done(a, job.id, JobState.JOB_STATE_FAILED, FAIL(true));
    assert.equal(catalog.jobs.get(job.id)?.state, JobState.JOB_STATE_FAILED);
  });

  it('does not retry a failure that is not retryable', async () => {
    const a = agent('a');
    const job = submitJob(catalog, clock, backup('src-a'));
    d.kick();
    await tick();
    done(a, job.id, JobState.JOB_STATE_FAILED, FAIL(false));
    assert.equal(catalog.jobs.get(job.id)?.state, JobState.JOB_STATE_FAILED);
  });

  it('fails a job no agent ran before its deadline', async () => {
    const job = submitJob(catalog, clock, backup('src-a'), { waitSeconds: 60 });
    d.kick();
    await tick();
    clock.advance(61_000);
    await tick();
    const j = catalog.jobs.get(job.id);
    assert.equal(j?.state, JobState.JOB_STATE_FAILED);
    assert.match(j?.history.at(-1)?.message ?? '', /deadline/);
  });

  it('fails (for a retry) the jobs of an agent that stays away, and sends them again when it returns', async () => {
    const a = agent('a');
    const job = submitJob(catalog, clock, backup('src-a'));
    d.kick();
    await tick();
    d.closed(a, 'gone');
    clock.advance(59_000);
    assert.equal(catalog.jobs.get(job.id)?.state, JobState.JOB_STATE_DISPATCHED, 'still waiting for the agent');
    clock.advance(2_000);
    await tick();
    const j = catalog.jobs.get(job.id);
    assert.equal(j?.state, JobState.JOB_STATE_QUEUED);
    assert.match(j?.history.at(-1)?.message ?? '', /lost contact/);
    clock.advance(10_000);
    const back = agent('a');
    await tick();
    assert.equal(back.runs()[0]?.jobId, job.id);
  });

  /** A backup of src-a whose attempt 1 was failed for lost contact; agent a is back, naming the job in Hello. */
  async function lostThenBack(): Promise<{ back: Recorder; id: string }> {
    const a = agent('a');
    const job = submitJob(catalog, clock, backup('src-a'));
    d.kick();
    await tick();
    d.closed(a, 'gone');
    clock.advance(61_000);
    clock.advance(10_000);
    await tick();
    assert.equal(catalog.jobs.get(job.id)?.state, JobState.JOB_STATE_QUEUED);
    const back = agent('a', {}, 2, [job.id]);
    await tick();
    assert.equal(back.runs().length, 0, "not sent again before the agent's result of attempt 1");
    return { back, id: job.id };
  }

  it("does not take a returning agent's result of a failed attempt for the next attempt's", async () => {
    const { back, id } = await lostThenBack();
    done(back, id, JobState.JOB_STATE_FAILED, FAIL(true));
    assert.equal(catalog.jobs.get(id)?.state, JobState.JOB_STATE_QUEUED, 'the stale result is not applied');
    await tick();
    const run = back.runs()[0];
    assert.equal(run?.jobId, id);
    assert.equal(run.attempt, 2);
    done(back, id, JobState.JOB_STATE_SUCCEEDED, OK);
    assert.equal(catalog.jobs.get(id)?.state, JobState.JOB_STATE_SUCCEEDED);
  });

  it('keeps the success of an attempt that was failed for lost contact', async () => {
    const { back, id } = await lostThenBack();
    done(back, id, JobState.JOB_STATE_SUCCEEDED, OK);
    const j = catalog.jobs.get(id);
    assert.equal(j?.state, JobState.JOB_STATE_SUCCEEDED);
    assert.equal(j.attempt, 1);
    assert.equal(catalog.snapshots.list('s1')[0]?.id, 'snap1');
    await tick();
    assert.equal(back.runs().length, 0, 'not run again');
  });

  it("keeps a job the reconnecting agent still runs, and retries one it no longer knows", async () => {
    const a = agent('a');
    const kept = submitJob(catalog, clock, backup('src-a'));
    const lost = submitJob(catalog, clock, backup('src-a'));
    d.kick();
    await tick();
    d.closed(a, 'controller side restart');
    const again = agent('a', {}, 2, [kept.id]);
    await tick();
    assert.equal(catalog.jobs.get(kept.id)?.state, JobState.JOB_STATE_DISPATCHED);
    const l = catalog.jobs.get(lost.id);
    assert.equal(l?.state, JobState.JOB_STATE_QUEUED);
    assert.match(l?.history.at(-1)?.message ?? '', /no longer knows/);
    done(again, kept.id, JobState.JOB_STATE_SUCCEEDED, OK);
    assert.equal(catalog.jobs.get(kept.id)?.state, JobState.JOB_STATE_SUCCEEDED);
  });

  it('cancels a queued job at once and a running one through its agent', async () => {
    const queued = submitJob(catalog, clock, verify);
    d.cancel(queued.id);
    assert.equal(catalog.jobs.get(queued.id)?.state, JobState.JOB_STATE_CANCELLED);
    const a = agent('a');
    const running = submitJob(catalog, clock, backup('src-a'));
    d.kick();
    await tick();
    d.cancel(running.id);
    assert.ok(a.sent.some((m) => m.msg?.$case === 'cancel' && m.msg.value.jobId === running.id));
    done(a, running.id, JobState.JOB_STATE_FAILED, FAIL(true));
    assert.equal(catalog.jobs.get(running.id)?.state, JobState.JOB_STATE_CANCELLED, 'a cancelled job is not retried');
  });

  it('after a controller restart, fails (for a retry) the jobs of an agent that does not come back', async () => {
    const a = agent('a');
    const job = submitJob(catalog, clock, backup('src-a'));
    d.kick();
    await tick();
    assert.equal(a.runs().length, 1);
    d.stop();
    // A new dispatcher on the same catalog: the controller restarted; agent a never reconnects.
    d = new Dispatcher(catalog, clock, createLogger('silent'), { agentLostMs: 60_000, retryBaseMs: 10_000, restartGraceMs: 90_000 });
    d.resume();
    clock.advance(61_000);
    await tick();
    assert.equal(catalog.jobs.get(job.id)?.state, JobState.JOB_STATE_DISPATCHED, 'agents get the longer restart grace');
    clock.advance(30_000);
    await tick();
    assert.equal(catalog.jobs.get(job.id)?.state, JobState.JOB_STATE_QUEUED);
  });

  it('drops the snapshots a successful forget job removed from the catalog', async () => {
    const a = agent('a');
    const b1 = submitJob(catalog, clock, backup('src-a'));
    d.kick();
    await tick();
    done(a, b1.id, JobState.JOB_STATE_SUCCEEDED, OK);
    assert.equal(catalog.snapshots.list('s1').length, 1);
    const f = submitJob(catalog, clock, { spec: { $case: 'forget', value: { store: 's1', source: '', retention: { keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0, keepWithin: '', keepTags: [] } } } });
    d.kick();
    await tick();
    done(a, f.id, JobState.JOB_STATE_SUCCEEDED, { ...OK, snapshot: undefined, summaryJson: formatEvent({ type: 'summary', verb: 'forget', applied: true, kept: 0, forgotten: 1, forgotten_ids: ['snap1'] }) });
    assert.deepEqual(catalog.snapshots.list('s1'), []);
  });

  it('closes the connection of an agent that stops sending heartbeats, and keeps one that sends them', () => {
    const quiet = agent('a');
    const chatty = agent('b');
    for (let i = 0; i < 5; i++) {
      clock.advance(10_000);
      d.message(chatty, { msg: { $case: 'heartbeat', value: { timeMs: clock.now() } } });
    }
    assert.match(quiet.closedWith ?? '', /no heartbeat/);
    assert.equal(chatty.closedWith, undefined);
    assert.equal(d.registry.byName('a'), undefined);
    assert.ok(d.registry.byName('b'));
  });

  it('the catalog prunes finished jobs (with history and logs) older than the retention, never unfinished ones', async () => {
    const a = agent('a');
    const old = submitJob(catalog, clock, backup('src-a'));
    d.kick();
    await tick();
    d.message(a, { msg: { $case: 'log', value: { jobId: old.id, line: { timeMs: clock.now(), level: 'info', text: 'x' } } } });
    done(a, old.id, JobState.JOB_STATE_FAILED, FAIL(false));
    const queued = submitJob(catalog, clock, verify, { waitSeconds: 999_999 });
    clock.advance(1000);
    assert.equal(catalog.jobs.pruneFinished(clock.now()), 1);
    assert.equal(catalog.jobs.get(old.id), undefined);
    assert.deepEqual(catalog.jobs.logs(old.id), []);
    assert.ok(catalog.jobs.get(queued.id));
  });

  it('keeps at most LOG_LINES_PER_JOB log lines per job', () => {
    const job = submitJob(catalog, clock, verify);
    for (let i = 0; i < LOG_LINES_PER_JOB + 5; i++) catalog.jobs.addLog(job.id, { timeMs: i, level: 'info', text: `line ${i}` });
    const kept = catalog.jobs.logs(job.id);
    assert.equal(kept.length, LOG_LINES_PER_JOB);
    assert.equal(kept.at(-1)?.text, `line ${LOG_LINES_PER_JOB - 1}`, 'the first lines are kept, later ones dropped');
  });

  it('a second connection of the same agent replaces the first', () => {
    const first = agent('a');
    agent('a');
    assert.match(first.closedWith ?? '', /replaced/);
    assert.equal(d.registry.size, 1);
  });
});
