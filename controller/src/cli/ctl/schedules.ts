/**
 * `coffer ctl schedule add NAME --source S --store T (--cron EXPR [--tz ZONE] | --every D)
 * [--jitter D] [--missed run-once|skip] [--keep-daily N ...] [--kind backup|verify|forget]
 * [--read-data-subset P%] [--tag T]`, `schedule edit NAME …` (the same flags; replaces the
 * definition), `schedule preview [NAME] … [--count N]` (the next runs, nothing saved),
 * `schedule list [--json]`, `schedule pause|resume NAME`, `schedule rm NAME`.
 */
import { expectArgs, flag, int, list, parseArgs, str, type Parsed } from '@coffer/shared/cli-args.js';
import { parseDuration } from '@coffer/shared/duration.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { JobKind } from '@coffer/shared/gen/coffer/v1/common.js';
import { Schedule } from '@coffer/shared/gen/coffer/v1/controller.js';
import { table, when } from '../output.js';
import { usage, type CtlCommand } from './context.js';
import { RETENTION_FLAGS, retentionOf } from './retention.js';

const U =
  'coffer ctl schedule add|edit NAME [--kind backup|verify|forget] --source S --store T (--cron EXPR [--tz ZONE] | --every DURATION) [--jitter D] [--missed run-once|skip] [--keep-daily N ...] [--read-data-subset P%] | schedule preview [NAME] <same flags> [--count N] | schedule list [--json] | schedule pause|resume NAME | schedule rm NAME';

const DEFINITION = { kind: 'string', source: 'string', store: 'string', cron: 'string', tz: 'string', every: 'string', jitter: 'string', missed: 'string', 'read-data-subset': 'string', tag: 'list', paused: 'bool', json: 'bool', ...RETENTION_FLAGS } as const;

const KINDS: Record<string, JobKind> = { backup: JobKind.JOB_KIND_BACKUP, verify: JobKind.JOB_KIND_VERIFY, forget: JobKind.JOB_KIND_FORGET };

function seconds(text: string | undefined, what: string): number {
  return text === undefined ? 0 : Math.round(parseDuration(text, what) / 1000);
}

/** The schedule the flags describe. */
function definition(p: Parsed, name: string): Schedule {
  const kindName = str(p, 'kind') ?? 'backup';
  const kind = KINDS[kindName];
  if (kind === undefined) throw new CofferError(ErrorCode.Usage, `--kind '${kindName}' is not backup, verify or forget`);
  return Schedule.fromPartial({
    name,
    kind,
    source: str(p, 'source') ?? '',
    store: str(p, 'store') ?? '',
    cron: str(p, 'cron') ?? '',
    timezone: str(p, 'tz') ?? '',
    everySeconds: seconds(str(p, 'every'), '--every'),
    jitterSeconds: seconds(str(p, 'jitter'), '--jitter'),
    missed: str(p, 'missed') ?? '',
    retention: retentionOf(p),
    readDataSubset: str(p, 'read-data-subset') ?? '',
    tags: list(p, 'tag'),
    paused: flag(p, 'paused'),
  });
}

export const scheduleCmd: CtlCommand = async (c, argv) => {
  const [sub, ...rest] = argv;
  if (sub === 'add' || sub === 'edit') {
    const p = parseArgs(rest, DEFINITION, `ctl schedule ${sub}`);
    expectArgs(p, 1, 1, U);
    const s = await c.ctl.call(sub === 'add' ? c.ctl.raw.addSchedule : c.ctl.raw.updateSchedule, { schedule: definition(p, p.args[0] as string) });
    c.out(flag(p, 'json') ? JSON.stringify(Schedule.toJSON(s)) : `schedule ${s.name} ${sub === 'add' ? 'added' : 'changed'}; next run ${s.paused ? 'none (paused)' : when(s.nextRunMs)}`);
    return 0;
  }
  if (sub === 'preview') {
    const p = parseArgs(rest, { ...DEFINITION, count: 'string' }, 'ctl schedule preview');
    expectArgs(p, 0, 1, U);
    const r = await c.ctl.call(c.ctl.raw.previewSchedule, { schedule: definition(p, p.args[0] ?? ''), count: int(p, 'count') ?? 0 });
    if (flag(p, 'json')) c.out(JSON.stringify(r.runsMs.map((t) => new Date(t).toISOString())));
    else for (const t of r.runsMs) c.out(when(t));
    return 0;
  }
  if (sub === 'list') {
    const p = parseArgs(rest, { json: 'bool' }, 'ctl schedule list');
    expectArgs(p, 0, 0, U);
    const r = await c.ctl.call(c.ctl.raw.listSchedules, {});
    if (flag(p, 'json')) c.out(JSON.stringify(r.schedules.map((s) => Schedule.toJSON(s))));
    else {
      table(
        c.out,
        ['NAME', 'KIND', 'SOURCE', 'STORE', 'WHEN', 'NEXT RUN', 'LAST RUN'],
        r.schedules.map((s) => [
          s.name,
          (JobKind[s.kind] ?? '').replace('JOB_KIND_', '').toLowerCase(),
          s.source || '-',
          s.store,
          s.cron !== '' ? `cron ${s.cron}${s.timezone ? ` ${s.timezone}` : ''}` : `every ${s.everySeconds}s`,
          s.paused ? 'paused' : when(s.nextRunMs),
          when(s.lastRunMs),
        ]),
      );
    }
    return 0;
  }
  if (sub === 'pause' || sub === 'resume') {
    const p = parseArgs(rest, { json: 'bool' }, `ctl schedule ${sub}`);
    expectArgs(p, 1, 1, U);
    const s = await c.ctl.call(c.ctl.raw.setSchedulePaused, { name: p.args[0] as string, paused: sub === 'pause' });
    c.out(flag(p, 'json') ? JSON.stringify(Schedule.toJSON(s)) : s.paused ? `schedule ${s.name} paused` : `schedule ${s.name} resumed; next run ${when(s.nextRunMs)}`);
    return 0;
  }
  if (sub === 'rm') {
    const p = parseArgs(rest, {}, 'ctl schedule rm');
    expectArgs(p, 1, 1, U);
    await c.ctl.call(c.ctl.raw.removeSchedule, { name: p.args[0] as string });
    c.out(`schedule ${p.args[0] as string} removed`);
    return 0;
  }
  throw usage(U);
};
