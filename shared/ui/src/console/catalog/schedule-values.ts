/**
 * A schedule form's values and the Schedule message they stand for, both ways. Durations
 * are typed as words ("6h", "90s") and sent as seconds; a duration that does not parse
 * is a problem of its field before anything is sent. Retention counts left empty are 0
 * (no rule of that kind).
 */
import { parseDuration } from '../../../../src/duration.js';
import type { Schedule } from '../wire.js';
import { kindName, kindOf } from '../format.js';

export interface ScheduleValues {
  name: string;
  kind: 'backup' | 'verify' | 'forget';
  source: string;
  store: string;
  timing: 'cron' | 'every';
  cron: string;
  timezone: string;
  every: string;
  jitter: string;
  missed: string;
  keep_last: string;
  keep_hourly: string;
  keep_daily: string;
  keep_weekly: string;
  keep_monthly: string;
  keep_yearly: string;
  keep_within: string;
  /** Snapshots with any of these tags are kept (comma-separated). */
  keep_tags: string;
  read_data_subset: string;
  tags: string;
}

export const RETENTION_KEYS = ['keep_last', 'keep_hourly', 'keep_daily', 'keep_weekly', 'keep_monthly', 'keep_yearly'] as const;

export function blankSchedule(): ScheduleValues {
  return { name: '', kind: 'backup', source: '', store: '', timing: 'cron', cron: '0 3 * * *', timezone: Intl.DateTimeFormat().resolvedOptions().timeZone, every: '6h', jitter: '', missed: 'run-once', keep_last: '', keep_hourly: '', keep_daily: '', keep_weekly: '', keep_monthly: '', keep_yearly: '', keep_within: '', keep_tags: '', read_data_subset: '', tags: '' };
}

/** Seconds as the shortest duration words: 21600 → "6h", 90 → "90s". */
function words(seconds: number): string {
  if (!seconds) return '';
  for (const [unit, n] of [['d', 86400], ['h', 3600], ['m', 60]] as const) if (seconds % n === 0) return `${seconds / n}${unit}`;
  return `${seconds}s`;
}

export function valuesOf(s: Schedule): ScheduleValues {
  const r = s.retention;
  const t = (x: number | undefined): string => words(x ?? 0);
  const n = (v: number | undefined): string => (v ? String(v) : '');
  const kind = kindName(s.kind);
  return {
    name: s.name ?? '', kind: kind === 'verify' || kind === 'forget' ? kind : 'backup', source: s.source ?? '', store: s.store ?? '',
    timing: s.cron ? 'cron' : 'every', cron: s.cron ?? '', timezone: s.timezone ?? '', every: t(s.everySeconds), jitter: t(s.jitterSeconds), missed: s.missed || 'run-once',
    keep_last: n(r?.keepLast), keep_hourly: n(r?.keepHourly), keep_daily: n(r?.keepDaily), keep_weekly: n(r?.keepWeekly), keep_monthly: n(r?.keepMonthly), keep_yearly: n(r?.keepYearly),
    keep_within: r?.keepWithin ?? '', keep_tags: (r?.keepTags ?? []).join(', '),
    read_data_subset: s.readDataSubset ?? '', tags: (s.tags ?? []).join(', '),
  };
}

function seconds(text: string, field: string, problems: Record<string, string>): number {
  if (text.trim() === '') return 0;
  try {
    return Math.round(parseDuration(text, field) / 1000);
  } catch {
    problems[field] = `'${text}' is not a duration; use a number and a unit, e.g. 90s, 30m, 6h, 1d`;
    return 0;
  }
}

function count(text: string, field: string, problems: Record<string, string>): number {
  if (text.trim() === '') return 0;
  if (!/^\d+$/.test(text.trim())) problems[field] = `'${text}' is not a whole number`;
  return Number(text.trim()) || 0;
}

/** The schedule these values describe, and the problems found before asking the API. */
export function scheduleOf(v: ScheduleValues): { schedule: Schedule; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const every = v.timing === 'every' ? seconds(v.every, 'every_seconds', problems) : 0;
  const jitter = seconds(v.jitter, 'jitter_seconds', problems);
  const retention = {
    keepLast: count(v.keep_last, 'keep_last', problems), keepHourly: count(v.keep_hourly, 'keep_hourly', problems), keepDaily: count(v.keep_daily, 'keep_daily', problems),
    keepWeekly: count(v.keep_weekly, 'keep_weekly', problems), keepMonthly: count(v.keep_monthly, 'keep_monthly', problems), keepYearly: count(v.keep_yearly, 'keep_yearly', problems),
    keepWithin: v.keep_within.trim(),
    keepTags: v.keep_tags.split(',').map((t) => t.trim()).filter(Boolean),
  };
  const hasRetention = Object.values(retention).some((x) => (Array.isArray(x) ? x.length > 0 : Boolean(x)));
  const schedule: Schedule = {
    name: v.name.trim(), kind: kindOf(v.kind) ?? 'JOB_KIND_BACKUP', source: v.kind === 'verify' ? '' : v.source, store: v.store,
    cron: v.timing === 'cron' ? v.cron.trim() : '', timezone: v.timing === 'cron' ? v.timezone.trim() : '', everySeconds: every,
    jitterSeconds: jitter, missed: v.missed, readDataSubset: v.kind === 'verify' ? v.read_data_subset.trim() : '',
    tags: v.tags.split(',').map((t) => t.trim()).filter(Boolean),
    ...(hasRetention && v.kind !== 'verify' ? { retention } : {}),
  };
  return { schedule, problems };
}
