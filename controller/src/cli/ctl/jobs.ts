/**
 * `coffer ctl job run backup|restore|verify|forget|maintenance|create ... [--wait]` (prints the job id as
 * its last line; with --wait, follows the job and exits 1 when it fails or is
 * cancelled), `job list [--json] [--state S] [--kind K] [--agent A] [--source S] [--store T]
 * [--since D] [--until D]`, `job show ID [--json]`, `job logs ID`,
 * `job cancel ID`, `job rerun ID [--wait]` (the finished job's spec as a new job), and
 * `coffer ctl snapshots --store T [--json]`.
 */
import { expectArgs, flag, int, list, parseArgs, str } from '@coffer/shared/cli-args.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { parseDuration } from '@coffer/shared/duration.js';
import type { SummaryEvent } from '@coffer/shared/events.js';
import { bytes } from '@coffer/shared/format.js';
import { leftOut } from '@coffer/shared/summary-line.js';
import { JobKind, JobState, SnapshotSummary, type JobSpec } from '@coffer/shared/gen/coffer/v1/common.js';
import { Job, ListJobsRequest } from '@coffer/shared/gen/coffer/v1/controller.js';
import { callError } from '../client.js';
import { table, when } from '../output.js';
import { usage, type CtlCommand, type CtlContext } from './context.js';
import { RETENTION_FLAGS, retentionOf } from './retention.js';

const RUN_USAGE = [
  'coffer ctl job run backup --source S --store T [--tag T] [--ignore P] [--wait]',
  'coffer ctl job run restore --store T --snapshot ID[:PATH] --destination D [--overwrite never|if-changed|always] [--wait]',
  'coffer ctl job run verify --store T [--read-data-subset P%|N/M] [--fast] [--wait]',
  'coffer ctl job run forget --store T [--source S] --keep-last N|--keep-daily N|... [--wait]',
  'coffer ctl job run maintenance --store T [--grace DURATION] [--wait]',
  'coffer ctl job run create --store T [--plaintext] [--no-compression] [--wait]',
].join('\n       ');

const kindName = (k: number): string => (JobKind[k] ?? '?').replace('JOB_KIND_', '').toLowerCase();
const stateName = (s: number): string => (JobState[s] ?? '?').replace('JOB_STATE_', '').toLowerCase();
const STATES = new Map(
  [JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_DISPATCHED, JobState.JOB_STATE_RUNNING, JobState.JOB_STATE_SUCCEEDED, JobState.JOB_STATE_FAILED, JobState.JOB_STATE_CANCELLED].map((v) => [stateName(v), v]),
);

function need(v: string | undefined, flagName: string): string {
  if (v === undefined || v === '') throw new CofferError(ErrorCode.Usage, `--${flagName} is required\nusage: ${RUN_USAGE}`);
  return v;
}

function specFor(kind: string | undefined, rest: readonly string[]): { spec: JobSpec; wait: boolean; attempts: number; waitFor: number } {
  const common = { wait: 'bool', 'max-attempts': 'string', 'wait-for': 'string' } as const;
  const opts = (p: ReturnType<typeof parseArgs>): { wait: boolean; attempts: number; waitFor: number } => ({ wait: flag(p, 'wait'), attempts: int(p, 'max-attempts') ?? 0, waitFor: int(p, 'wait-for') ?? 0 });
  switch (kind) {
    case 'backup': {
      const p = parseArgs(rest, { ...common, source: 'string', store: 'string', tag: 'list', ignore: 'list' }, 'ctl job run backup');
      expectArgs(p, 0, 0, RUN_USAGE);
      return { spec: { spec: { $case: 'backup', value: { source: need(str(p, 'source'), 'source'), store: need(str(p, 'store'), 'store'), tags: list(p, 'tag'), ignore: list(p, 'ignore') } } }, ...opts(p) };
    }
    case 'restore': {
      const p = parseArgs(rest, { ...common, store: 'string', snapshot: 'string', destination: 'string', overwrite: 'string' }, 'ctl job run restore');
      expectArgs(p, 0, 0, RUN_USAGE);
      const snap = need(str(p, 'snapshot'), 'snapshot');
      const colon = snap.indexOf(':');
      return {
        spec: {
          spec: {
            $case: 'restore',
            value: {
              store: need(str(p, 'store'), 'store'),
              snapshot: colon >= 0 ? snap.slice(0, colon) : snap,
              path: colon >= 0 ? snap.slice(colon + 1) : '',
              destination: need(str(p, 'destination'), 'destination'),
              overwrite: str(p, 'overwrite') ?? '',
              paths: [],
            },
          },
        },
        ...opts(p),
      };
    }
    case 'verify': {
      const p = parseArgs(rest, { ...common, store: 'string', 'read-data-subset': 'string', fast: 'bool' }, 'ctl job run verify');
      expectArgs(p, 0, 0, RUN_USAGE);
      return { spec: { spec: { $case: 'verify', value: { store: need(str(p, 'store'), 'store'), readDataSubset: str(p, 'read-data-subset') ?? '', fast: flag(p, 'fast') } } }, ...opts(p) };
    }
    case 'forget': {
      const p = parseArgs(rest, { ...common, store: 'string', source: 'string', ...RETENTION_FLAGS }, 'ctl job run forget');
      expectArgs(p, 0, 0, RUN_USAGE);
      return { spec: { spec: { $case: 'forget', value: { store: need(str(p, 'store'), 'store'), source: str(p, 'source') ?? '', retention: retentionOf(p) } } }, ...opts(p) };
    }
    case 'maintenance': {
      const p = parseArgs(rest, { ...common, store: 'string', grace: 'string' }, 'ctl job run maintenance');
      expectArgs(p, 0, 0, RUN_USAGE);
      return { spec: { spec: { $case: 'maintenance', value: { store: need(str(p, 'store'), 'store'), grace: str(p, 'grace') ?? '' } } }, ...opts(p) };
    }
    case 'create': {
      const p = parseArgs(rest, { ...common, store: 'string', plaintext: 'bool', 'no-compression': 'bool' }, 'ctl job run create');
      expectArgs(p, 0, 0, RUN_USAGE);
      return { spec: { spec: { $case: 'create', value: { store: need(str(p, 'store'), 'store'), plaintext: flag(p, 'plaintext'), noCompression: flag(p, 'no-compression') } } }, ...opts(p) };
    }
    default:
      throw usage(RUN_USAGE);
  }
}

/** Follows a job until it ends; progress on stderr; resolves with the final job. */
function follow(c: CtlContext, id: string): Promise<Job> {
  return new Promise((resolve, reject) => {
    let last: Job | undefined;
    let lastLine = '';
    let told = 0;
    const stream = c.ctl.raw.watchJob({ id }, c.ctl.metadata);
    stream.on('data', (j: Job) => {
      last = j;
      // Each history line as it happens: attempts, their errors and retries, why it waits.
      for (const h of j.history.slice(told)) c.err(`job ${j.id}: ${when(h.timeMs)} ${h.message}`);
      told = j.history.length;
      const p = j.progress;
      const line = `${stateName(j.state)}${j.agent ? ` on ${j.agent}` : ''}${p && p.totalBytes > 0 && j.state === JobState.JOB_STATE_RUNNING ? ` ${Math.floor((100 * p.bytes) / p.totalBytes)}% (${bytes(p.bytes)} of ${bytes(p.totalBytes)})` : ''}`;
      if (line !== lastLine) c.err(`job ${id}: ${line}`);
      lastLine = line;
    });
    stream.on('error', (err) => reject(callError(err, c.ctl.config.controller)));
    stream.on('end', () => (last ? resolve(last) : reject(new CofferError(ErrorCode.Internal, `the controller ended the watch of job ${id} without news`))));
  });
}

/** For a job that succeeded with warnings (its coffer exited 3): what was left out, from its summary. */
function warnings(j: Job): string | undefined {
  if (j.result?.exitCode !== 3) return undefined;
  let s: SummaryEvent | undefined;
  try {
    s = JSON.parse(j.result.summaryJson || '{}') as SummaryEvent;
  } catch {
    // no summary: say only that there were warnings
  }
  return `with warnings: ${leftOut(s) ?? 'see its log'} (coffer ctl job logs ${j.id})`;
}

function finalStatus(c: CtlContext, j: Job): number {
  if (j.state === JobState.JOB_STATE_SUCCEEDED) {
    const w = warnings(j);
    c.err(`job ${j.id} succeeded${w ? ` ${w}` : ''}${j.result?.snapshot ? `: snapshot ${j.result.snapshot.id}` : ''}`);
    return 0;
  }
  c.err(`job ${j.id} ${stateName(j.state)}: ${j.result?.error || j.history.at(-1)?.message || ''}`);
  return 1;
}

const run: CtlCommand = async (c, argv) => {
  const { spec, wait, attempts, waitFor } = specFor(argv[0], argv.slice(1));
  const j = await c.ctl.call(c.ctl.raw.runJob, { spec, maxAttempts: attempts, waitSeconds: waitFor });
  c.out(j.id);
  if (!wait) return 0;
  return finalStatus(c, await follow(c, j.id));
};

const show: CtlCommand = async (c, argv) => {
  const p = parseArgs(argv, { json: 'bool' }, 'ctl job show');
  expectArgs(p, 1, 1, 'coffer ctl job show ID [--json]');
  const j = await c.ctl.call(c.ctl.raw.getJob, { id: p.args[0] as string });
  if (flag(p, 'json')) {
    c.out(JSON.stringify(Job.toJSON(j)));
    return 0;
  }
  c.out(`job ${j.id}: ${kindName(j.kind)} ${stateName(j.state)}${j.agent ? ` on ${j.agent}` : ''}, attempt ${j.attempt}/${j.maxAttempts}${j.schedule ? `, schedule ${j.schedule}` : ''}`);
  c.out(`spec: ${JSON.stringify(j.spec ? (Job.toJSON(j) as { spec?: unknown }).spec : {})}`);
  if (j.progress) c.out(`progress: ${j.progress.phase} ${j.progress.files} files, ${bytes(j.progress.bytes)}${j.progress.totalBytes ? ` of ${bytes(j.progress.totalBytes)}` : ''}`);
  if (j.result) c.out(j.result.ok ? `result: ok${warnings(j) ? ` ${warnings(j) ?? ''}` : ''}${j.result.snapshot ? `, snapshot ${j.result.snapshot.id}` : ''}` : `result: ${j.result.error}`);
  for (const h of j.history) c.out(`  ${when(h.timeMs)}  ${stateName(h.state).padEnd(10)} ${h.message}`);
  return 0;
};

const KINDS = new Map([JobKind.JOB_KIND_BACKUP, JobKind.JOB_KIND_RESTORE, JobKind.JOB_KIND_VERIFY, JobKind.JOB_KIND_FORGET, JobKind.JOB_KIND_MAINTENANCE, JobKind.JOB_KIND_CREATE].map((v) => [kindName(v), v]));

/** `--since`/`--until`: an ISO date or time, or a duration ago (24h, 7d); 0 when absent. */
function timeFlag(p: ReturnType<typeof parseArgs>, name: string): number {
  const v = str(p, name);
  if (v === undefined) return 0;
  if (/^\d{4}-\d{2}-\d{2}/.test(v)) {
    const t = Date.parse(v);
    if (Number.isNaN(t)) throw new CofferError(ErrorCode.Usage, `--${name} '${v}' is not a date; use 2026-01-31, 2026-01-31T12:00Z or a duration ago like 24h`);
    return t;
  }
  return Date.now() - parseDuration(v, `--${name}`);
}

const LIST_USAGE = 'coffer ctl job list [--state S] [--kind K] [--agent A] [--source S] [--store T] [--since 24h|DATE] [--until DATE] [--limit N] [--json]';

const listJobs: CtlCommand = async (c, argv) => {
  const p = parseArgs(argv, { json: 'bool', state: 'list', kind: 'list', agent: 'string', source: 'string', store: 'string', since: 'string', until: 'string', limit: 'string' }, 'ctl job list');
  expectArgs(p, 0, 0, LIST_USAGE);
  const named = <T>(flagName: string, table: Map<string, T>): T[] =>
    list(p, flagName, true).map((s) => {
      const v = table.get(s);
      if (v === undefined) throw new CofferError(ErrorCode.Usage, `--${flagName} '${s}' is not one of ${[...table.keys()].join(', ')}`);
      return v;
    });
  const req = ListJobsRequest.fromPartial({
    states: named('state', STATES),
    kinds: named('kind', KINDS),
    agent: str(p, 'agent') ?? '',
    source: str(p, 'source') ?? '',
    store: str(p, 'store') ?? '',
    sinceMs: timeFlag(p, 'since'),
    untilMs: timeFlag(p, 'until'),
    limit: int(p, 'limit') ?? 0,
  });
  const r = await c.ctl.call(c.ctl.raw.listJobs, req);
  if (flag(p, 'json')) c.out(JSON.stringify(r.jobs.map((j) => Job.toJSON(j))));
  else {
    table(
      c.out,
      ['ID', 'KIND', 'STATE', 'AGENT', 'ATTEMPT', 'CREATED', 'FINISHED', 'SCHEDULE'],
      r.jobs.map((j) => [j.id, kindName(j.kind), stateName(j.state), j.agent || '-', `${j.attempt}/${j.maxAttempts}`, when(j.createdMs), when(j.finishedMs), j.schedule || '-']),
    );
  }
  return 0;
};

const logs: CtlCommand = async (c, argv) => {
  const p = parseArgs(argv, { json: 'bool' }, 'ctl job logs');
  expectArgs(p, 1, 1, 'coffer ctl job logs ID');
  const r = await c.ctl.call(c.ctl.raw.getJobLogs, { id: p.args[0] as string });
  for (const l of r.lines) c.out(flag(p, 'json') ? JSON.stringify({ time: new Date(l.timeMs).toISOString(), level: l.level, text: l.text }) : `${when(l.timeMs)} ${l.level.padEnd(5)} ${l.text}`);
  return 0;
};

const cancel: CtlCommand = async (c, argv) => {
  const p = parseArgs(argv, { json: 'bool' }, 'ctl job cancel');
  expectArgs(p, 1, 1, 'coffer ctl job cancel ID');
  const j = await c.ctl.call(c.ctl.raw.cancelJob, { id: p.args[0] as string });
  c.out(flag(p, 'json') ? JSON.stringify(Job.toJSON(j)) : j.state === JobState.JOB_STATE_CANCELLED ? `job ${j.id} cancelled` : `job ${j.id}: cancellation sent to ${j.agent || 'its agent'}`);
  return 0;
};

const rerun: CtlCommand = async (c, argv) => {
  const p = parseArgs(argv, { wait: 'bool', json: 'bool' }, 'ctl job rerun');
  expectArgs(p, 1, 1, 'coffer ctl job rerun ID [--wait]');
  const j = await c.ctl.call(c.ctl.raw.rerunJob, { id: p.args[0] as string });
  c.out(flag(p, 'json') ? JSON.stringify(Job.toJSON(j)) : j.id);
  return flag(p, 'wait') ? finalStatus(c, await follow(c, j.id)) : 0;
};

export const jobCmd: CtlCommand = (c, argv) => {
  const [sub, ...rest] = argv;
  const cmd = { run, show, list: listJobs, logs, cancel, rerun }[sub ?? ''];
  if (!cmd) throw usage('coffer ctl job run|list|show|logs|cancel|rerun ...');
  return cmd(c, rest);
};

/**
 * Every snapshot in the store, read by an agent that can reach it (those made by the CLI
 * too); when none can now, the snapshots the catalog knows from jobs, with a note.
 */
export const snapshotsCmd: CtlCommand = async (c, argv) => {
  const p = parseArgs(argv, { store: 'string', json: 'bool' }, 'ctl snapshots');
  expectArgs(p, 0, 0, 'coffer ctl snapshots --store T [--json]');
  const store = str(p, 'store') ?? '';
  let snaps: SnapshotSummary[];
  try {
    snaps = await storeSnapshots(c, store);
    // Snapshots the controller's jobs made carry the catalog's source name (the store records the location).
    const known = new Map((await c.ctl.call(c.ctl.raw.listSnapshots, { store })).snapshots.map((s) => [s.id, s]));
    snaps = snaps.map((s) => ({ ...s, source: known.get(s.id)?.source || s.source }));
  } catch (err) {
    if (store === '') throw err;
    snaps = (await c.ctl.call(c.ctl.raw.listSnapshots, { store })).snapshots;
    c.err(`note: ${(err as Error).message}; showing only the snapshots of the controller's jobs`);
  }
  if (flag(p, 'json')) c.out(JSON.stringify(snaps.map((s) => SnapshotSummary.toJSON(s))));
  else table(c.out, ['ID', 'TIME', 'SOURCE', 'HOST', 'FILES', 'SIZE', 'ADDED', 'TAGS'], snaps.map((s) => [s.id.slice(0, 12), when(s.timeMs), s.source || '-', s.host, String(s.files), bytes(s.bytes), bytes(s.addedBytes), s.tags.join(',')]));
  return 0;
};

/** The store's own list of snapshots, oldest first, page by page (at most 100,000). */
async function storeSnapshots(c: CtlContext, store: string): Promise<SnapshotSummary[]> {
  if (store === '') throw new CofferError(ErrorCode.Usage, 'say which store (--store NAME)');
  const out: SnapshotSummary[] = [];
  for (let offset = 0; offset < 100_000; ) {
    const r = await c.ctl.call(c.ctl.store.listStoreSnapshots, { store, source: '', host: '', tags: [], sinceMs: 0, untilMs: 0, sort: 'time', descending: false, offset, limit: 1000 }, c.ctl.store, 120_000);
    for (const s of r.snapshots) {
      out.push(SnapshotSummary.fromPartial({ id: s.id, store, source: s.source, host: s.host, timeMs: s.timeMs, files: s.files, bytes: s.bytes, addedBytes: s.addedBytes, tags: s.tags }));
    }
    offset += r.snapshots.length;
    if (r.snapshots.length === 0 || offset >= r.total) break;
  }
  return out;
}
