/** Schedules: the definition (a Schedule message as JSON) and the scheduler's bookkeeping. */
import { Schedule } from '@coffer/shared/gen/coffer/v1/controller.js';
import { prepared, type Db } from './db.js';
import { parseJson } from './json.js';

interface ScheduleRow {
  name: string;
  body: string;
  next_run_ms: number | null;
  last_run_ms: number | null;
  anchor_ms: number | null;
  last_job_id: string;
  runs: number;
  created_ms: number;
}

/** A schedule with its bookkeeping. */
export interface ScheduleRecord {
  readonly schedule: Schedule;
  readonly nextRunMs: number | undefined;
  readonly lastRunMs: number | undefined;
  /** Origin of an interval schedule's grid. */
  readonly anchorMs: number | undefined;
  readonly lastJobId: string;
  /** Runs started so far (the verify rotation counter). */
  readonly runs: number;
  readonly createdMs: number;
}

function toRecord(r: ScheduleRow): ScheduleRecord {
  const s = Schedule.fromJSON(parseJson<unknown>(r.body, {}));
  return {
    schedule: { ...s, name: r.name, nextRunMs: r.next_run_ms ?? 0, lastRunMs: r.last_run_ms ?? 0, lastJobId: r.last_job_id },
    nextRunMs: r.next_run_ms ?? undefined,
    lastRunMs: r.last_run_ms ?? undefined,
    anchorMs: r.anchor_ms ?? undefined,
    lastJobId: r.last_job_id,
    runs: r.runs,
    createdMs: r.created_ms,
  };
}

/** The schedule table. */
export class ScheduleTable {
  constructor(private readonly db: Db) {}

  add(s: Schedule, nowMs: number): boolean {
    const body = Schedule.toJSON({ ...s, nextRunMs: 0, lastRunMs: 0, lastJobId: '' });
    return prepared(this.db, 'INSERT OR IGNORE INTO schedules (name, body, created_ms) VALUES (?, ?, ?)').run(s.name, JSON.stringify(body), nowMs).changes === 1;
  }

  get(name: string): ScheduleRecord | undefined {
    const r = prepared(this.db, 'SELECT * FROM schedules WHERE name = ?').get(name) as ScheduleRow | undefined;
    return r ? toRecord(r) : undefined;
  }

  list(): ScheduleRecord[] {
    return (prepared(this.db, 'SELECT * FROM schedules ORDER BY name').all() as ScheduleRow[]).map(toRecord);
  }

  /** Replaces a schedule's definition, keeping its bookkeeping; false when it does not exist. */
  update(s: Schedule): boolean {
    const body = Schedule.toJSON({ ...s, nextRunMs: 0, lastRunMs: 0, lastJobId: '' });
    return prepared(this.db, 'UPDATE schedules SET body = ? WHERE name = ?').run(JSON.stringify(body), s.name).changes === 1;
  }

  remove(name: string): boolean {
    return prepared(this.db, 'DELETE FROM schedules WHERE name = ?').run(name).changes === 1;
  }

  /** Records the scheduler's times of a schedule (one statement: atomic). */
  saveTimes(name: string, t: { nextRunMs: number | undefined; lastRunMs: number | undefined; anchorMs: number | undefined }): void {
    prepared(this.db, 'UPDATE schedules SET next_run_ms = ?, last_run_ms = ?, anchor_ms = ? WHERE name = ?')
      .run(t.nextRunMs ?? null, t.lastRunMs ?? null, t.anchorMs ?? null, name);
  }

  /** Records that a run started job `jobId`. */
  ran(name: string, jobId: string): void {
    prepared(this.db, 'UPDATE schedules SET last_job_id = ?, runs = runs + 1 WHERE name = ?').run(jobId, name);
  }
}
