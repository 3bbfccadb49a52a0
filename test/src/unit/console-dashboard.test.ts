/**
 * GetDashboard on a real catalog and a manual clock: a source is overdue once a run of
 * its schedule fell due after its last backup (or after the schedule was made) more than
 * the grace ago, never while paused; a cron's interval is the gap between its runs;
 * failed jobs are those of the last 24 hours; store usage sums the reported snapshots.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '@coffer/shared/clock.js';
import { JobKind, JobState } from '@coffer/shared/gen/coffer/v1/common.js';
import { Schedule } from '@coffer/shared/gen/coffer/v1/controller.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import { controllerService } from '@coffer/controller/api/controller-service.js';
import { Catalog } from '@coffer/controller/catalog/catalog.js';
import { Dispatcher } from '@coffer/controller/dispatch/dispatcher.js';
import { submitJob } from '@coffer/controller/jobs/submit.js';
import { createLogger } from '@coffer/controller/observability/log.js';
import { validateSchedule } from '@coffer/controller/scheduler/index.js';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const MIN = 60_000;
const ctx: CallContext = { signal: new AbortController().signal, principal: { name: 'v', role: 'viewer' } };

describe('GetDashboard', () => {
  let dir: string;
  let catalog: Catalog;
  let clock: ManualClock;
  let dispatcher: Dispatcher;
  let api: ReturnType<typeof controllerService>;

  const source = async (): Promise<{ overdue: boolean; lastSuccessMs: number; expectedIntervalMs: number }> => {
    const d = await api.getDashboard({}, ctx);
    const s = d.sources.find((x) => x.source?.name === 'home');
    assert.ok(s);
    return { overdue: s.overdue, lastSuccessMs: s.lastSuccessMs, expectedIntervalMs: s.expectedIntervalMs };
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-dashboard-'));
    catalog = Catalog.open(dir);
    clock = new ManualClock(T0);
    const log = createLogger('silent');
    dispatcher = new Dispatcher(catalog, clock, log);
    api = controllerService({ catalog, dispatcher, clock, log, caPin: 'pin', schedules: { validate: validateSchedule, added: () => undefined, removed: () => undefined } });
    catalog.agents.add({ id: 'a1', name: 'web1', certSerial: 'x', certExpiresMs: 0, enrolledMs: 0 });
    catalog.stores.add({ name: 'main', location: '/srv/main', options: {}, passphrase: 'p', passphraseOnAgent: false, nowMs: T0 });
    catalog.sources.add({ name: 'home', location: '/home', agent: 'web1', options: {}, nowMs: T0 });
  });

  afterEach(() => {
    dispatcher.stop();
    catalog.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('marks a source overdue once a due run was missed by more than the grace, and not after a backup', async () => {
    catalog.schedules.add(Schedule.fromPartial({ name: 'hourly', kind: JobKind.JOB_KIND_BACKUP, source: 'home', store: 'main', everySeconds: 3600 }), T0);
    clock.advance(30 * MIN);
    assert.deepEqual(await source(), { overdue: false, lastSuccessMs: 0, expectedIntervalMs: 3_600_000 });
    clock.advance(50 * MIN); // 1 h 20: the 1 h run is 20 min late, over the 15 min grace
    assert.equal((await source()).overdue, true);
    catalog.snapshots.record({ id: 's1', store: 'main', source: 'home', host: 'h', timeMs: clock.now(), tags: [], paths: [], files: 1, bytes: 100, addedBytes: 40 }, 'j1');
    assert.deepEqual(await source(), { overdue: false, lastSuccessMs: clock.now(), expectedIntervalMs: 3_600_000 });
    clock.advance(50 * MIN); // 2 h 10: the 2 h run is 10 min late
    assert.equal((await source()).overdue, false);
    clock.advance(10 * MIN);
    assert.equal((await source()).overdue, true);
    const r = catalog.schedules.get('hourly');
    assert.ok(r);
    catalog.schedules.update({ ...r.schedule, paused: true });
    assert.equal((await source()).overdue, false, 'a paused schedule makes nothing overdue');
  });

  it('gives a short interval a grace of one minute, and a long one at most an hour', async () => {
    catalog.schedules.add(validateSchedule({ name: 'minutely', kind: JobKind.JOB_KIND_BACKUP, source: 'home', store: 'main', everySeconds: 60 }), T0);
    clock.advance(110_000); // the 1 min run is 50 s late
    assert.equal((await source()).overdue, false);
    clock.advance(20_000);
    assert.equal((await source()).overdue, true);
    catalog.schedules.remove('minutely');
    catalog.schedules.add(validateSchedule({ name: 'nightly', kind: JobKind.JOB_KIND_BACKUP, source: 'home', store: 'main', cron: '0 3 * * *' }), clock.now());
    clock.advance(4 * 60 * MIN - 130_000 - MIN); // now 03:59, the 03:00 run 59 min late
    assert.equal((await source()).overdue, false);
    clock.advance(2 * MIN);
    assert.equal((await source()).overdue, true);
  });

  it("takes a cron schedule's interval from its runs", async () => {
    catalog.schedules.add(validateSchedule({ name: 'nightly', kind: JobKind.JOB_KIND_BACKUP, source: 'home', store: 'main', cron: '0 3 * * *' }), T0);
    assert.equal((await source()).expectedIntervalMs, 86_400_000);
  });

  it('lists failed jobs of the last 24 hours and sums store usage', async () => {
    const j = submitJob(catalog, clock, { spec: { $case: 'verify', value: { store: 'main', readDataSubset: '', fast: true } } });
    catalog.jobs.transition(j.id, [JobState.JOB_STATE_QUEUED], JobState.JOB_STATE_FAILED, clock.now(), 'boom', { finishedMs: clock.now() });
    for (const [id, bytes] of [
      ['s1', 100],
      ['s2', 250],
    ] as const) {
      catalog.snapshots.record({ id, store: 'main', source: 'home', host: 'h', timeMs: T0, tags: [], paths: [], files: 1, bytes, addedBytes: 10 }, 'j');
    }
    const d = await api.getDashboard({}, ctx);
    assert.deepEqual(d.failedJobs.map((x) => x.id), [j.id]);
    assert.deepEqual(d.stores.map((s) => [s.store, s.snapshots, s.logicalBytes, s.addedBytes]), [['main', 2, 350, 20]]);
    assert.deepEqual(d.agents.map((a) => [a.name, a.connected]), [['web1', false]]);
    clock.advance(25 * 60 * MIN);
    assert.deepEqual((await api.getDashboard({}, ctx)).failedJobs, []);
  });
});
