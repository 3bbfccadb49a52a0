/** Unit tests of the scheduler: nextRun, validateSchedule, missedRuns and the Scheduler, on a ManualClock. */
import assert from 'node:assert/strict';
import { ManualClock, type Clock } from '@coffer/shared/clock.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { JobKind } from '@coffer/shared/gen/coffer/v1/common.js';
import type { Schedule } from '@coffer/shared/gen/coffer/v1/controller.js';
import {
  MemoryScheduleStore,
  Scheduler,
  missedRuns,
  nextRun,
  validateSchedule,
  type Random,
  type ScheduleTimes,
  type SkipReason,
} from '@coffer/controller/scheduler/index.js';

const S = 1000;
const H = 3_600_000;
const iso = (ms: number | undefined): string => (ms === undefined ? 'none' : new Date(ms).toISOString());
const utc = (text: string): number => Date.parse(text);

/** A seeded random source (mulberry32), so every run of the tests draws the same jitter. */
function seeded(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A valid backup schedule with `fields` on top. */
function schedule(fields: Partial<Schedule>): Schedule {
  return validateSchedule({ name: 'home', kind: JobKind.JOB_KIND_BACKUP, source: 'home', store: 'nas', ...fields });
}

/** A ManualClock that counts the timers set and not yet fired or cancelled. */
class CountingClock implements Clock {
  live = 0;
  maxLive = 0;
  constructor(readonly inner: ManualClock) {}
  now(): number {
    return this.inner.now();
  }
  setTimer(fn: () => void, ms: number): () => void {
    let done = false;
    const settle = (): void => {
      if (!done) this.live--;
      done = true;
    };
    this.live++;
    this.maxLive = Math.max(this.maxLive, this.live);
    const cancel = this.inner.setTimer(() => {
      settle();
      fn();
    }, ms);
    return () => {
      settle();
      cancel();
    };
  }
}

/** A scheduler over a memory store, recording what it fires and skips; runs end at once with `instant`. */
function harness(
  startMs: number,
  rows: { schedule: Schedule; times?: Partial<ScheduleTimes> }[] = [],
  { graceMs, instant = false }: { graceMs?: number; instant?: boolean } = {},
) {
  const clock = new CountingClock(new ManualClock(startMs));
  const store = new MemoryScheduleStore(
    rows.map((r) => ({ schedule: r.schedule, times: { nextRunMs: undefined, lastRunMs: undefined, anchorMs: undefined, ...r.times } })),
  );
  const fired: { name: string; atMs: number }[] = [];
  const skips: { name: string; reason: SkipReason }[] = [];
  const errors: unknown[] = [];
  const running = new Set<string>();
  const scheduler = new Scheduler({
    clock,
    random: seeded(42),
    store,
    isRunning: (name) => running.has(name),
    fire: (s) => {
      if (!instant) running.add(s.name);
      fired.push({ name: s.name, atMs: clock.now() });
    },
    onSkip: (s, reason) => skips.push({ name: s.name, reason }),
    onError: (_s, err) => errors.push(err),
    ...(graceMs === undefined ? {} : { graceMs }),
  });
  /** Adds a schedule as the API does: the catalog stores it, the scheduler arms it. */
  const add = (s: Schedule): void => {
    store.put(s);
    scheduler.upsert(s);
  };
  return { clock, store, fired, skips, errors, running, scheduler, add };
}

describe('nextRun', () => {
  it('runs a Europe/Paris cron at 03:00 local time across the spring and autumn DST changes', () => {
    const s = schedule({ cron: '0 3 * * *', timezone: 'Europe/Paris' });
    const runs = (from: string, n: number): string[] => {
      const out: string[] = [];
      for (let t = utc(from), i = 0; i < n; i++) out.push(iso((t = nextRun(s, t, seeded(1)) ?? NaN)));
      return out;
    };
    // 03:00 CET is 02:00Z; from 30 March 03:00 CEST is 01:00Z; from 26 October back to 02:00Z.
    assert.deepEqual(runs('2025-03-28T12:00:00Z', 3), ['2025-03-29T02:00:00.000Z', '2025-03-30T01:00:00.000Z', '2025-03-31T01:00:00.000Z']);
    assert.deepEqual(runs('2025-10-24T12:00:00Z', 3), ['2025-10-25T01:00:00.000Z', '2025-10-26T02:00:00.000Z', '2025-10-27T02:00:00.000Z']);
  });

  it('runs a time that DST skips right after the gap, and a time it repeats once', () => {
    const s = schedule({ cron: '30 2 * * *', timezone: 'Europe/Paris' });
    assert.equal(iso(nextRun(s, utc('2025-03-29T12:00:00Z'), seeded(1))), '2025-03-30T01:00:00.000Z');
    const first = nextRun(s, utc('2025-10-25T12:00:00Z'), seeded(1));
    assert.equal(iso(first), '2025-10-26T00:30:00.000Z');
    assert.equal(iso(nextRun(s, first ?? 0, seeded(1))), '2025-10-27T01:30:00.000Z');
  });

  it('is strictly after the given time, in UTC when no zone is given, with 6-field crons to the second', () => {
    const s = schedule({ cron: '0 3 * * *' });
    assert.equal(s.timezone, 'UTC');
    assert.equal(iso(nextRun(s, utc('2025-01-01T03:00:00Z'), seeded(1))), '2025-01-02T03:00:00.000Z');
    assert.equal(iso(nextRun(s, utc('2025-01-01T02:59:59.999Z'), seeded(1))), '2025-01-01T03:00:00.000Z');
    const six = schedule({ cron: '30 15 3 * * *' });
    assert.equal(iso(nextRun(six, utc('2025-01-01T00:00:00Z'), seeded(1))), '2025-01-01T03:15:30.000Z');
  });

  it('keeps an interval on its grid, each run late by a jitter in [0, jitter_seconds)', () => {
    const anchorMs = utc('2025-01-01T00:17:00Z');
    const s = { ...schedule({ everySeconds: 3600, jitterSeconds: 600 }), anchorMs };
    const random = seeded(7);
    const lates: number[] = [];
    let t = anchorMs;
    for (let k = 1; k <= 1000; k++) {
      t = nextRun(s, t, random) ?? NaN; // each from the previous run's (jittered) time
      const late = t - (anchorMs + k * H);
      assert.ok(late >= 0 && late < 600 * S, `run ${k} is ${late} ms off its grid point`);
      lates.push(late);
    }
    assert.ok(Math.min(...lates) < 30 * S && Math.max(...lates) > 570 * S, 'jitter spreads over its range');
    assert.equal(nextRun({ ...s, jitterSeconds: 0 }, anchorMs + 3 * H, random), anchorMs + 4 * H);
  });
});

describe('validateSchedule', () => {
  const usage = (fields: Partial<Schedule>, message: RegExp): void => {
    assert.throws(
      () => schedule(fields),
      (err: unknown) => err instanceof CofferError && err.code === ErrorCode.Usage && message.test(err.message),
    );
  };

  it('names the field and the fix for each invalid input', () => {
    const verify = { everySeconds: 3600, kind: JobKind.JOB_KIND_VERIFY, source: '' };
    usage(
      { cron: '61 * * * *' },
      /^cron: '61 \* \* \* \*' is not a valid cron expression \(minute 61 out of range 0-59\); use 5 or 6 fields like '0 3 \* \* \*'$/,
    );
    usage({ cron: '0 3 * *' }, /cron: '0 3 \* \*' is not a valid cron expression \(4 fields\)/);
    usage({ cron: '0 0 32 * *' }, /\(day-of-month 32 out of range 1-31\)/);
    usage({ cron: 'every day' }, /cron: 'every day' is not a valid cron expression/);
    usage({ cron: '0 0 30 2 *' }, /cron: '0 0 30 2 \*' never matches a date/);
    usage({ cron: '*/10 * * * * *' }, /cron: .* runs 10 s apart; a schedule runs at most once a minute/);
    usage({ cron: '0 3 * * *', timezone: 'Mars/Olympus' }, /^timezone: 'Mars\/Olympus' is not an IANA time zone/);
    usage({ cron: '0 3 * * *', timezone: '+02:00' }, /timezone: '\+02:00' is not an IANA time zone/);
    usage({ cron: '0 3 * * *', everySeconds: 3600 }, /cron, every_seconds: give a cron expression or every_seconds, not both/);
    usage({}, /cron: a schedule needs a cron expression .* or every_seconds \(at least 60\)/);
    usage({ everySeconds: 30 }, /every_seconds: 30 is too short; .* at least 60/);
    usage({ everySeconds: 3600, timezone: 'Europe/Paris' }, /timezone: an every_seconds schedule has no time zone/);
    usage({ everySeconds: 3600, jitterSeconds: 7200 }, /jitter_seconds: 7200 is larger than the interval; use at most every_seconds/);
    usage({ cron: '0 * * * *', jitterSeconds: 7200 }, /jitter_seconds: 7200 is larger than the 3600 s between runs of '0 \* \* \* \*'/);
    usage({ everySeconds: 3600, missed: 'later' }, /missed: 'later' is not a missed-run policy; use 'run-once' \(the default\) or 'skip'/);
    usage({ everySeconds: 3600, name: '' }, /name: required/);
    usage({ everySeconds: 3600, name: 'my backup' }, /name: 'my backup' may hold only/);
    usage({ everySeconds: 3600, kind: JobKind.JOB_KIND_RESTORE }, /kind: a schedule runs backup, verify or forget jobs/);
    usage({ everySeconds: 3600, source: '' }, /source: a backup schedule needs a source/);
    usage({ everySeconds: 3600, store: ' ' }, /store: a backup schedule needs a store/);
    usage({ ...verify, store: '' }, /store: a verify schedule needs a store/);
    usage({ ...verify, source: 'home' }, /source: a verify schedule checks a whole store; remove source 'home'/);
    usage({ everySeconds: 3600, kind: JobKind.JOB_KIND_FORGET, source: '' }, /retention: a forget schedule needs at least one keep rule/);
    usage({ ...verify, readDataSubset: '150%' }, /read_data_subset: '150%' is not a share of the data; use 'P%' with 0 < P <= 100/);
    usage({ ...verify, readDataSubset: '10' }, /read_data_subset: '10' is not a share/);
    usage({ everySeconds: 3600, readDataSubset: '10%' }, /read_data_subset: only verify schedules/);
  });

  it('reports every problem at once', () => {
    usage({ cron: '61 * * * *', timezone: 'Mars/Olympus', missed: 'never', source: '' }, /timezone: .*; cron: .*; missed: /);
    usage({ cron: '61 * * * *', source: '' }, /^source: .*; cron: /);
  });

  it('normalizes what it accepts', () => {
    const s = schedule({ cron: '  0   3 * * * ', timezone: 'europe/paris', name: ' nightly ' });
    assert.equal(s.cron, '0 3 * * *');
    assert.equal(s.timezone, 'Europe/Paris');
    assert.equal(s.name, 'nightly');
    assert.equal(s.missed, 'run-once');
    assert.equal(schedule({ everySeconds: 60, missed: 'SKIP' }).missed, 'skip');
    const verify = validateSchedule({
      name: 'v',
      kind: JobKind.JOB_KIND_VERIFY,
      store: 'nas',
      everySeconds: 86400,
      readDataSubset: '2.5%',
    });
    assert.equal(verify.readDataSubset, '2.5%');
    const retention = { keepDaily: 7, keepWeekly: 4, keepHourly: 0, keepLast: 0, keepMonthly: 0, keepYearly: 0, keepWithin: '', keepTags: [] };
    const forget = validateSchedule({ name: 'f', kind: JobKind.JOB_KIND_FORGET, store: 'nas', cron: '0 4 * * 0', retention });
    assert.equal(forget.retention?.keepDaily, 7);
    assert.equal(validateSchedule({ ...forget, source: 'home' }).source, 'home', 'a forget may be limited to one source');
  });
});

describe('missedRuns', () => {
  const hourly = (missed: string): Schedule & { anchorMs: number } => ({ ...schedule({ everySeconds: 3600, missed }), anchorMs: 0 });

  it('after a downtime of several periods runs once (run-once) or not at all (skip), then keeps the grid', () => {
    // Due at 10:00, controller back at 15:30: 10, 11, 12, 13, 14 and 15 o'clock were missed.
    const once = missedRuns(hourly('run-once'), 9 * H, 10 * H, 15.5 * H, seeded(1));
    assert.deepEqual(once, { runNow: true, missed: 5, nextRunMs: 16 * H });
    const skip = missedRuns(hourly('skip'), 9 * H, 10 * H, 15.5 * H, seeded(1));
    assert.deepEqual(skip, { runNow: false, missed: 6, nextRunMs: 16 * H });
  });

  it('leaves a run not yet due alone, runs one due within the grace, and never repeats a started run', () => {
    assert.deepEqual(missedRuns(hourly('skip'), undefined, 16 * H, 15.5 * H, seeded(1)), { runNow: false, missed: 0, nextRunMs: 16 * H });
    const onTime = missedRuns(hourly('skip'), undefined, 10 * H, 10 * H + 5 * S, seeded(1), 60 * S);
    assert.deepEqual(onTime, { runNow: true, missed: 0, nextRunMs: 11 * H });
    assert.deepEqual(missedRuns(hourly('run-once'), 10 * H, 10 * H, 12.5 * H, seeded(1)), { runNow: false, missed: 0, nextRunMs: 13 * H });
    const fresh = missedRuns(hourly('run-once'), undefined, undefined, 12.5 * H, seeded(1));
    assert.deepEqual(fresh, { runNow: false, missed: 0, nextRunMs: 13 * H });
  });
});

describe('Scheduler', () => {
  const t0 = utc('2025-01-01T00:00:00Z');

  it('after a downtime, fires run-once schedules once and skip schedules not at all, then both resume on their grid', () => {
    const times = { anchorMs: t0, lastRunMs: t0 + 9 * H, nextRunMs: t0 + 10 * H };
    const h = harness(t0 + 15.5 * H, [
      { schedule: schedule({ name: 'once', everySeconds: 3600, missed: 'run-once' }), times },
      { schedule: schedule({ name: 'skip', everySeconds: 3600, missed: 'skip' }), times },
    ]);
    h.scheduler.start();
    assert.deepEqual(h.fired, [{ name: 'once', atMs: t0 + 15.5 * H }]);
    assert.deepEqual(h.skips.map((s) => [s.name, s.reason.code, s.reason.count]), [['once', 'missed', 5], ['skip', 'missed', 6]]);
    assert.deepEqual(h.store.times('once'), { anchorMs: t0, lastRunMs: t0 + 15.5 * H, nextRunMs: t0 + 16 * H });
    assert.deepEqual(h.store.times('skip'), { anchorMs: t0, lastRunMs: t0 + 9 * H, nextRunMs: t0 + 16 * H });
    h.running.clear();
    h.clock.inner.advance(0.5 * H);
    assert.deepEqual(h.fired.slice(1), [{ name: 'once', atMs: t0 + 16 * H }, { name: 'skip', atMs: t0 + 16 * H }]);
    assert.deepEqual(h.errors, []);
  });

  it('fires a Europe/Paris cron at 03:00 local time across the DST change', () => {
    const h = harness(utc('2025-03-28T12:00:00Z'));
    h.scheduler.start();
    h.scheduler.upsert(schedule({ name: 'paris', cron: '0 3 * * *', timezone: 'Europe/Paris' }));
    for (let day = 0; day < 3; day++) {
      h.clock.inner.advance(24 * H);
      h.running.clear();
    }
    assert.deepEqual(h.fired.map((f) => iso(f.atMs)), ['2025-03-29T02:00:00.000Z', '2025-03-30T01:00:00.000Z', '2025-03-31T01:00:00.000Z']);
  });

  it('never starts a second run while the previous one is still going', () => {
    const h = harness(t0);
    h.scheduler.start();
    h.add(schedule({ name: 'slow', everySeconds: 3600 }));
    h.clock.inner.advance(H);
    assert.equal(h.fired.length, 1);
    h.clock.inner.advance(2 * H); // still running at t0+2h and t0+3h
    assert.equal(h.fired.length, 1);
    assert.deepEqual(h.skips.map((s) => [s.reason.code, iso(s.reason.dueMs)]), [
      ['still-running', iso(t0 + 2 * H)],
      ['still-running', iso(t0 + 3 * H)],
    ]);
    assert.match(h.skips[0]?.reason.message ?? '', /schedule 'slow': the run due at .* was skipped: the previous run is still going/);
    assert.deepEqual(h.store.times('slow'), { anchorMs: t0, lastRunMs: t0 + H, nextRunMs: t0 + 4 * H });
    h.running.clear();
    h.clock.inner.advance(H);
    assert.deepEqual(h.fired.map((f) => f.atMs), [t0 + H, t0 + 4 * H]);
  });

  it('stops firing a schedule once removed, and then arms no timer', () => {
    const h = harness(t0);
    h.scheduler.start();
    h.scheduler.upsert(schedule({ name: 'gone', everySeconds: 600 }));
    h.clock.inner.advance(600 * S);
    assert.equal(h.fired.length, 1);
    assert.equal(h.scheduler.remove('gone'), true);
    assert.equal(h.clock.live, 0);
    h.running.clear();
    h.clock.inner.advance(10 * H);
    assert.equal(h.fired.length, 1);
    assert.equal(h.scheduler.remove('gone'), false);
  });

  it('applies updates at run time: a new interval re-anchors, pausing stops runs, resuming keeps the grid', () => {
    const h = harness(t0);
    h.scheduler.start();
    h.scheduler.upsert(schedule({ name: 'u', everySeconds: 3600 }));
    h.clock.inner.advance(30 * 60 * S);
    h.scheduler.upsert(schedule({ name: 'u', everySeconds: 600 }));
    assert.equal(h.scheduler.nextDue()?.atMs, t0 + 40 * 60 * S);
    h.scheduler.upsert(schedule({ name: 'u', everySeconds: 600, paused: true }));
    assert.equal(h.scheduler.nextDue(), undefined);
    h.clock.inner.advance(H + 5 * 60 * S);
    assert.equal(h.fired.length, 0);
    h.scheduler.upsert(schedule({ name: 'u', everySeconds: 600, tags: ['x'] }));
    assert.equal(h.scheduler.nextDue()?.atMs, t0 + 100 * 60 * S);
    h.scheduler.upsert(schedule({ name: 'u', everySeconds: 600, tags: ['y'] })); // not timing: next run stays
    assert.equal(h.scheduler.nextDue()?.atMs, t0 + 100 * 60 * S);
    h.clock.inner.advance(5 * 60 * S);
    assert.deepEqual(h.fired.map((f) => f.atMs), [t0 + 100 * 60 * S]);
    assert.deepEqual(h.scheduler.get('u')?.tags, ['y']);
  });

  it('runs a run found due within the grace on time, even with missed: skip', () => {
    const x = schedule({ name: 'x', everySeconds: 3600, missed: 'skip' });
    const h = harness(t0 + H + 30 * S, [{ schedule: x, times: { anchorMs: t0, nextRunMs: t0 + H } }]);
    h.scheduler.start();
    assert.deepEqual(h.fired, [{ name: 'x', atMs: t0 + H + 30 * S }]);
    assert.deepEqual(h.skips, []);
    assert.equal(h.scheduler.times('x')?.nextRunMs, t0 + 2 * H);
    const beyond = harness(t0 + H + 30 * S, [{ schedule: x, times: { anchorMs: t0, nextRunMs: t0 + H } }], { graceMs: 10 * S });
    beyond.scheduler.start();
    assert.deepEqual(beyond.fired, []);
    assert.deepEqual(beyond.skips.map((k) => k.reason.code), ['missed']);
  });

  it('reports a failing fire() to onError and carries on', () => {
    const h = harness(t0);
    h.scheduler.start();
    const failing = new Scheduler({
      clock: h.clock,
      random: seeded(3),
      store: new MemoryScheduleStore(),
      isRunning: () => false,
      fire: () => {
        throw new Error('catalog down');
      },
      onError: (_s, err) => h.errors.push(err),
    });
    failing.start();
    failing.upsert(schedule({ name: 'f', everySeconds: 60 }));
    h.clock.inner.advance(3 * 60 * S);
    assert.equal(h.errors.length, 3);
    assert.equal(failing.nextDue()?.atMs, t0 + 4 * 60 * S);
  });

  it('arms a single timer for 5,000 schedules, and fires each on its jittered grid', () => {
    const h = harness(t0, [], { instant: true });
    h.scheduler.start();
    const n = 5000;
    for (let i = 0; i < n; i++) {
      const s =
        i % 5 === 0
          ? schedule({ name: `s${i}`, cron: `${i % 60} * * * *`, timezone: 'Europe/Paris', jitterSeconds: 60 })
          : schedule({ name: `s${i}`, everySeconds: 3600, jitterSeconds: 3600 });
      h.add(s);
    }
    assert.equal(h.scheduler.size, n);
    assert.equal(h.clock.live, 1);
    const firstDue = new Map<string, number>();
    for (let i = 0; i < n; i++) firstDue.set(`s${i}`, h.scheduler.times(`s${i}`)?.nextRunMs ?? NaN);
    const end = t0 + 2 * H - 1;
    h.clock.inner.advance(end - t0);
    assert.equal(h.clock.maxLive, 1);
    assert.equal(h.clock.live, 1);
    const fires = new Map<string, number[]>();
    for (const f of h.fired) fires.set(f.name, [...(fires.get(f.name) ?? []), f.atMs]);
    assert.equal(fires.size, n, 'every schedule fired');
    for (const [name, at] of fires) {
      assert.equal(at[0], firstDue.get(name), `${name} first fired when it was due`);
      assert.ok((h.scheduler.times(name)?.nextRunMs ?? 0) > end);
    }
    for (let i = 1; i < n; i += 5) {
      assert.equal(fires.get(`s${i}`)?.length, 1);
      const next = h.scheduler.times(`s${i}`)?.nextRunMs ?? NaN;
      assert.ok(next >= t0 + 2 * H && next < t0 + 3 * H, `s${i} stays on its hourly grid`);
    }
    assert.deepEqual(h.errors, []);
  });
});
