/**
 * Jobs and their history. Every state change is one transaction that updates the job
 * and appends a job_events row, so the history is complete and a crash never leaves a
 * state without its event. Progress is kept on the job row (latest only); log lines in
 * job_logs, at most LOG_LINES_PER_JOB per job.
 */
import { JobKind, JobResult, JobSpec, JobState, LogLine, Progress } from '@coffer/shared/gen/coffer/v1/common.js';
import type { Job } from '@coffer/shared/gen/coffer/v1/controller.js';
import { prepared, type Db } from './db.js';
import { parseJson } from './json.js';

/** Lines kept per job; later ones are counted, not stored. */
export const LOG_LINES_PER_JOB = 10_000;

interface JobRow {
  id: string;
  kind: number;
  spec: string;
  state: number;
  agent: string;
  store: string;
  attempt: number;
  max_attempts: number;
  schedule: string;
  created_ms: number;
  started_ms: number;
  finished_ms: number;
  deadline_ms: number;
  not_before_ms: number;
  cancel_requested: number;
  progress: string | null;
  result: string | null;
}

/** A job row with the fields the dispatcher needs beyond the API's Job. */
export interface JobRecord extends Omit<Job, 'spec'> {
  readonly spec: JobSpec;
  readonly store: string;
  readonly notBeforeMs: number;
  readonly cancelRequested: boolean;
}

/** States a job never leaves. */
export const FINAL_STATES: ReadonlySet<JobState> = new Set([JobState.JOB_STATE_SUCCEEDED, JobState.JOB_STATE_FAILED, JobState.JOB_STATE_CANCELLED]);

function toRecord(r: JobRow, history: Job['history'] = []): JobRecord {
  return {
    id: r.id,
    kind: r.kind,
    spec: JobSpec.fromJSON(parseJson<unknown>(r.spec, {})),
    state: r.state,
    agent: r.agent,
    attempt: r.attempt,
    maxAttempts: r.max_attempts,
    schedule: r.schedule,
    createdMs: r.created_ms,
    startedMs: r.started_ms,
    finishedMs: r.finished_ms,
    deadlineMs: r.deadline_ms,
    progress: r.progress ? Progress.fromJSON(parseJson<unknown>(r.progress, {})) : undefined,
    result: r.result ? JobResult.fromJSON(parseJson<unknown>(r.result, {})) : undefined,
    history,
    store: r.store,
    notBeforeMs: r.not_before_ms,
    cancelRequested: r.cancel_requested === 1,
  };
}

/** Columns a transition may change besides the state. */
export interface JobPatch {
  agent?: string;
  attempt?: number;
  startedMs?: number;
  finishedMs?: number;
  notBeforeMs?: number;
  result?: JobResult;
  cancelRequested?: boolean;
}

/** What `list` selects. */
export interface JobFilter {
  readonly states?: readonly JobState[];
  readonly kinds?: readonly JobKind[];
  readonly agent?: string;
  readonly source?: string;
  readonly store?: string;
  /** Created at or after. */
  readonly sinceMs?: number;
  /** Created before. */
  readonly untilMs?: number;
  readonly limit: number;
}

/** The job table. */
export class JobTable {
  constructor(private readonly db: Db) {}

  create(j: { id: string; kind: JobKind; spec: JobSpec; store: string; agent: string; maxAttempts: number; schedule: string; nowMs: number; deadlineMs: number }): void {
    this.db.transaction(() => {
      prepared(
        this.db,
        `INSERT INTO jobs (id, kind, spec, state, agent, store, max_attempts, schedule, created_ms, deadline_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(j.id, j.kind, JSON.stringify(JobSpec.toJSON(j.spec)), JobState.JOB_STATE_QUEUED, j.agent, j.store, j.maxAttempts, j.schedule, j.nowMs, j.deadlineMs);
      this.event(j.id, JobState.JOB_STATE_QUEUED, j.nowMs, 'created');
    })();
  }

  private event(id: string, state: JobState, nowMs: number, message: string): void {
    prepared(this.db, 'INSERT INTO job_events (job_id, time_ms, state, message) VALUES (?, ?, ?, ?)').run(id, nowMs, state, message);
  }

  /**
   * Moves job `id` from one of `from` to `to`, applying `patch`; false (and no change)
   * when the job is not in one of `from` (someone else moved it first).
   */
  transition(id: string, from: readonly JobState[], to: JobState, nowMs: number, message: string, patch: JobPatch = {}): boolean {
    return this.db.transaction(() => {
      const row = prepared(this.db, 'SELECT state FROM jobs WHERE id = ?').get(id) as { state: number } | undefined;
      if (!row || !from.includes(row.state)) return false;
      const sets = ['state = ?'];
      const args: unknown[] = [to];
      const col = (c: string, v: unknown): void => {
        sets.push(`${c} = ?`);
        args.push(v);
      };
      if (patch.agent !== undefined) col('agent', patch.agent);
      if (patch.attempt !== undefined) col('attempt', patch.attempt);
      if (patch.startedMs !== undefined) col('started_ms', patch.startedMs);
      if (patch.finishedMs !== undefined) col('finished_ms', patch.finishedMs);
      if (patch.notBeforeMs !== undefined) col('not_before_ms', patch.notBeforeMs);
      if (patch.result !== undefined) col('result', JSON.stringify(JobResult.toJSON(patch.result)));
      if (patch.cancelRequested !== undefined) col('cancel_requested', patch.cancelRequested ? 1 : 0);
      prepared(this.db, `UPDATE jobs SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
      this.event(id, to, nowMs, message);
      return true;
    })();
  }

  /** Marks a running or dispatched job for cancellation (the agent is told; its report ends the job). */
  requestCancel(id: string): void {
    prepared(this.db, 'UPDATE jobs SET cancel_requested = 1 WHERE id = ?').run(id);
  }

  setProgress(id: string, p: Progress): void {
    prepared(this.db, 'UPDATE jobs SET progress = ? WHERE id = ?').run(JSON.stringify(Progress.toJSON(p)), id);
  }

  addLog(id: string, line: LogLine): void {
    this.db.transaction(() => {
      // The job's counter admits the line (one row update), not a count of its stored lines.
      if (prepared(this.db, 'UPDATE jobs SET log_lines = log_lines + 1 WHERE id = ? AND log_lines < ?').run(id, LOG_LINES_PER_JOB).changes === 0) return;
      prepared(this.db, 'INSERT INTO job_logs (job_id, time_ms, level, text) VALUES (?, ?, ?, ?)').run(id, line.timeMs, line.level, line.text);
    })();
  }

  logs(id: string): LogLine[] {
    return (prepared(this.db, 'SELECT time_ms, level, text FROM job_logs WHERE job_id = ? ORDER BY rowid').all(id) as { time_ms: number; level: string; text: string }[]).map(
      (r) => ({ timeMs: r.time_ms, level: r.level, text: r.text }),
    );
  }

  get(id: string): JobRecord | undefined {
    const r = prepared(this.db, 'SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    if (!r) return undefined;
    const history = (prepared(this.db, 'SELECT state, time_ms, message FROM job_events WHERE job_id = ? ORDER BY rowid').all(id) as { state: number; time_ms: number; message: string }[]).map(
      (e) => ({ state: e.state, timeMs: e.time_ms, message: e.message }),
    );
    return toRecord(r, history);
  }

  /** Ids of jobs that begin with `prefix`, at most `max` (to resolve a unique prefix). */
  idsWithPrefix(prefix: string, max = 2): string[] {
    const rows = prepared(this.db, "SELECT id FROM jobs WHERE substr(id, 1, ?) = ? LIMIT ?").all(prefix.length, prefix, max) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** The job without its history (one query instead of two; `history` is empty), for the dispatcher's per-message lookups. */
  current(id: string): JobRecord | undefined {
    const r = prepared(this.db, 'SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return r ? toRecord(r) : undefined;
  }

  /** Newest first, at most `f.limit`, filtered by every field given (empty lists, '' and 0: no filter). */
  list(f: JobFilter): JobRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    const within = (col: string, values: readonly number[]): void => {
      if (values.length === 0) return;
      where.push(`${col} IN (${values.map(() => '?').join(', ')})`);
      args.push(...values);
    };
    const when = (cond: string, value: string | number | undefined): void => {
      if (!value) return;
      where.push(cond);
      args.push(value);
    };
    within('state', f.states ?? []);
    within('kind', f.kinds ?? []);
    when('agent = ?', f.agent);
    when('store = ?', f.store);
    when("COALESCE(json_extract(spec, '$.backup.source'), json_extract(spec, '$.forget.source')) = ?", f.source);
    when('created_ms >= ?', f.sinceMs);
    when('created_ms < ?', f.untilMs);
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return (prepared(this.db, sql).all(...args, f.limit) as JobRow[]).map((r) => toRecord(r));
  }

  /** Jobs in `states`, oldest first (the dispatcher's queue order). */
  inStates(states: readonly JobState[]): JobRecord[] {
    return (prepared(this.db, `SELECT * FROM jobs WHERE state IN (${states.map(() => '?').join(', ')}) ORDER BY seq`).all(...states) as JobRow[]).map((r) => toRecord(r));
  }

  /** How many jobs in `states` each agent has on each store, counted by SQLite (no job is read or decoded). */
  countByAgentAndStore(states: readonly JobState[]): { agent: string; store: string; n: number }[] {
    const sql = `SELECT agent, store, COUNT(*) AS n FROM jobs WHERE state IN (${states.map(() => '?').join(', ')}) GROUP BY agent, store`;
    return prepared(this.db, sql).all(...states) as { agent: string; store: string; n: number }[];
  }

  /** The last successful backup of each source: its job id and when it finished. */
  lastBackupBySource(): Map<string, { id: string; finishedMs: number }> {
    const rows = prepared(
      this.db,
      `SELECT json_extract(spec, '$.backup.source') AS source, id, MAX(finished_ms) AS finishedMs FROM jobs
       WHERE kind = ? AND state = ? GROUP BY source`,
    ).all(JobKind.JOB_KIND_BACKUP, JobState.JOB_STATE_SUCCEEDED) as { source: string | null; id: string; finishedMs: number }[];
    return new Map(rows.filter((r) => r.source).map((r) => [r.source as string, { id: r.id, finishedMs: r.finishedMs }]));
  }

  /** Adds a line to a job's history without changing its state (retries inside an attempt). */
  note(id: string, state: JobState, nowMs: number, message: string): void {
    this.event(id, state, nowMs, message);
  }

  /** Whether a job of this schedule is not finished yet. */
  scheduleBusy(schedule: string): boolean {
    const r = prepared(this.db, 'SELECT 1 FROM jobs WHERE schedule = ? AND state IN (?, ?, ?) LIMIT 1').get(schedule, JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_DISPATCHED, JobState.JOB_STATE_RUNNING);
    return r !== undefined;
  }

  /**
   * Deletes jobs that finished before `beforeMs`, with their history and logs (the
   * catalog would otherwise only grow). Returns how many jobs went.
   */
  pruneFinished(beforeMs: number): number {
    return this.db.transaction(() => {
      const finished = `SELECT id FROM jobs WHERE state IN (${[...FINAL_STATES].join(', ')}) AND finished_ms > 0 AND finished_ms < ?`;
      this.db.prepare(`DELETE FROM job_logs WHERE job_id IN (${finished})`).run(beforeMs);
      this.db.prepare(`DELETE FROM job_events WHERE job_id IN (${finished})`).run(beforeMs);
      return this.db.prepare(`DELETE FROM jobs WHERE id IN (${finished})`).run(beforeMs).changes;
    })();
  }

  /** Counts of jobs by kind and state (metrics). */
  counts(): { kind: number; state: number; n: number }[] {
    return prepared(this.db, 'SELECT kind, state, COUNT(*) AS n FROM jobs GROUP BY kind, state').all() as { kind: number; state: number; n: number }[];
  }
}
